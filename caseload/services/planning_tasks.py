"""Background tasks for planning a week (filled in by the planning service)."""
