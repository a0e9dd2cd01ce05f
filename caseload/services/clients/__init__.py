"""Clients as advisors see them: the week, the caseload, notes, and a client's own data."""
