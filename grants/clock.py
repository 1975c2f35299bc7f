"""The current time, injectable: tests set ``app.config["CLOCK"]`` to a function of their own."""

from datetime import datetime

from flask import current_app

from grants.database import utcnow


def now() -> datetime:
    return current_app.config.get("CLOCK", utcnow)()
