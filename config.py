"""Settings for Caseload.

Only this module reads environment variables. Every setting can be overridden by an
environment variable with the prefix CASELOAD_ (CASELOAD_SECRET_KEY, CASELOAD_DATABASE_URL,
CASELOAD_SOLVER_TIME_LIMIT_S, ...); values are parsed as JSON when they can be
(numbers, true/false), else taken as strings.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET = "dev-only-not-secret"
PREFIX = "CASELOAD"


class Config:
    ENV_NAME = "development"
    SECRET_KEY = DEV_SECRET
    DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'caseload.db'}"
    # Background jobs: huey with SQLite storage by default; a redis:// URL for larger sites.
    QUEUE_URL = f"sqlite:///{INSTANCE_DIR / 'queue.db'}"
    QUEUE_IMMEDIATE = False
    # SQLite only: seconds a write waits for another connection's lock before the page answers 503 "busy".
    SQLITE_BUSY_TIMEOUT_S = 10
    SOLVER_TIME_LIMIT_S = 60.0
    SOLVER_WORKERS = 2
    DEMO_PASSWORD = "demo"
    PASSWORD_MIN_LENGTH = 10
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Where rate limits count (caseload/ratelimit.py): None means the queue's Redis if QUEUE_URL is redis://,
    # else the app database, so the limits hold across every web process.
    RATELIMIT_STORAGE_URL = None
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    PASSWORD_RATE_LIMIT = "5 per minute"  # tries at /account/password (guessing the current password), per user
    SQL_ECHO = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = None  # must come from CASELOAD_SECRET_KEY
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    DATABASE_URL = os.environ.get(f"{PREFIX}_TEST_DATABASE_URL", "sqlite://")
    QUEUE_URL = "memory://"
    QUEUE_IMMEDIATE = True
    SOLVER_TIME_LIMIT_S = 3.0
    SOLVER_WORKERS = 1
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    PASSWORD_MIN_LENGTH = 4


class ConfigError(RuntimeError):
    pass


def config_class_from_env() -> type[Config]:
    """The config class named by CASELOAD_ENV: development (default), production or test."""
    name = os.environ.get(f"{PREFIX}_ENV", "development").lower()
    return {"production": ProductionConfig, "test": TestConfig}.get(name, Config)


def apply_config(app, config=None) -> None:
    """Load `config` (a class, a dict, or None for the environment's class) into app.config."""
    if isinstance(config, dict):
        app.config.from_object(TestConfig if config.get("TESTING") else Config)
        app.config.update(config)
    else:
        cls = config or config_class_from_env()
        app.config.from_object(cls)
        if not app.config.get("TESTING"):
            app.config.from_prefixed_env(PREFIX)
    if app.config["ENV_NAME"] == "production":
        secret = app.config.get("SECRET_KEY")
        if not secret or secret == DEV_SECRET or len(str(secret)) < 24:
            raise ConfigError(
                "Refusing to start in production without a real secret key: "
                "set CASELOAD_SECRET_KEY to a random string of at least 24 characters."
            )
