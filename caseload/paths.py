"""Where the project lives on disk: templates, migrations and the instance folder are found from here."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
