"""Caseload: caseload continuity and scheduling."""
from __future__ import annotations

from flask import Flask

from caseload.paths import ROOT

MAX_REQUEST_BYTES = 16 * 1024 * 1024


def create_app(config=None) -> Flask:
    """Application factory. `config`: a config class, a dict of overrides, or None (from the environment)."""
    from config import apply_config

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(ROOT / "instance"),
    )
    apply_config(app, config)
    # A request body larger than anything the app takes (the CSV imports stop at 5 MB and say so) is a 413
    # before it is read: a 100 MB JSON body was read and parsed whole.
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default: no limit
        app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES

    from caseload import cli, errors, form_typist, ratelimit, security
    from caseload.extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    ratelimit.init_app(app, db.engine)  # counts in the database (or Redis), shared by every process
    limiter.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    form_typist.init_app(app)
    cli.init_app(app)

    from caseload.admin import bp as admin_bp
    from caseload.api import bp as api_bp
    from caseload.auth import bp as auth_bp
    from caseload.desk import bp as desk_bp
    from caseload.health import bp as health_bp
    from caseload.me import bp as me_bp
    from caseload.rota import bp as rota_bp
    from caseload.site import bp as site_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(site_bp)
    app.register_blueprint(rota_bp, url_prefix="/rota")
    app.register_blueprint(me_bp, url_prefix="/me")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(desk_bp, url_prefix="/desk")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies

    from caseload.jobs import init_queue

    init_queue(app)
    return app
