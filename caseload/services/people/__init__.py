"""People and set-up: accounts, sign-in, API tokens, administrators' changes, an advisor's own time."""
