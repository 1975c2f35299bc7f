"""grants: the application factory."""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from grants import clock
from grants.config import load_config

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("GRANTS_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    load_config(app, config)
    clock.configure(app)
    if app.config.get("TRUSTED_PROXIES"):
        # Behind a reverse proxy the client address (for login throttling) is in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]),
                                x_proto=1)
    register_extensions(app)
    register_jobs()
    from grants.views.boundaries import register_converters

    register_converters(app)
    register_blueprints(app)
    register_errors(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import gettext

    from grants import models  # noqa: F401  (every table registered before Alembic looks)
    from grants.database import engine_options
    from grants.extensions import babel, csrf, db, login_manager, migrate
    from grants.i18n import N_, select_locale
    from grants.mail import iban_changes, outbox  # noqa: F401  (their session hooks write mail)
    from grants.services import receipts  # noqa: F401  (its session hook freezes what was sent)

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_locale="nl",
                   default_timezone="Europe/Amsterdam")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Log in om deze pagina te zien.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        # "<id>:<session token>": a session ends server-side when the token changes.
        from grants.services.accounts import session_user

        return session_user(user_id)


def register_jobs() -> None:
    # The jobs register with the queue and listen to the outboxes' after-commit signals.
    from grants import jobs  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from grants.extensions import csrf
    from grants.views import (
        actions,
        admin,
        admin_iban_changes,  # noqa: F401  (adds its routes to the admin blueprint)
        admin_organisations,  # noqa: F401  (adds its routes to the admin blueprint)
        allocations,
        api,
        api_admin,  # noqa: F401  (adds its routes to the API blueprint)
        api_approvals,  # noqa: F401  (adds its routes to the API blueprint)
        api_docs,  # noqa: F401  (adds its routes to the API blueprint)
        api_organisations,  # noqa: F401  (adds its routes to the API blueprint)
        api_payments,  # noqa: F401  (adds its routes to the API blueprint)
        applications,
        approvals,
        assess,
        attachments,
        auth,
        decisions,
        finance,
        language,
        main,
        objections,
        payments,
        places,
        portal,
        progress,
        registration,
        reports,
        verification,
        workflows,
    )

    # places, decisions, api_admin and api_payments also add routes to the API blueprint, so
    # they are imported before that registers.
    for module in (auth, main, applications, places, finance, allocations, admin, workflows,
                   decisions, language, assess, portal, attachments, payments, reports, approvals,
                   objections, registration, verification, actions, progress):
        app.register_blueprint(module.bp)
    app.register_blueprint(actions.public)
    # The API authenticates with bearer tokens, never cookies, so CSRF cannot reach it.
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)


def register_errors(app: Flask) -> None:
    from grants.views.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from grants.views import boundaries, template_helpers

    template_helpers.register(app)
    boundaries.register(app)


def register_cli(app: Flask) -> None:
    from grants.cli import grants_cli

    app.cli.add_command(grants_cli)
