"""Entry point for gunicorn: `gunicorn wsgi:app`."""
from caseload import create_app

app = create_app()
