"""Planning a team's week: the problem sent to the planner, background runs, draft and published plans."""
