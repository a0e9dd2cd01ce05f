"""The region: every team's week planned at once on the shared queue, and its bench."""
