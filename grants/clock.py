"""The current time, injectable: tests set ``app.config["CLOCK"]`` to a function of their own,
and ``CLOCK_START`` lets time run from another moment (the demo's windows are 2013–2015)."""

from datetime import UTC, datetime

from flask import Flask, current_app

from grants.database import utcnow


class RunningClock:
    """Time as it passes, but starting at ``starts_at``. Tests may move it on via ``offset``."""

    def __init__(self, starts_at: datetime):
        if starts_at.tzinfo is None:
            raise ValueError("CLOCK_START needs a time zone, e.g. 2014-05-15T10:00:00+02:00.")
        self.offset = starts_at - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def configure(app: Flask) -> None:
    start = app.config.get("CLOCK_START")
    if start and "CLOCK" not in app.config:
        app.config["CLOCK"] = RunningClock(
            start if isinstance(start, datetime) else datetime.fromisoformat(str(start)))


def now() -> datetime:
    return current_app.config.get("CLOCK", utcnow)()


def outside_time(app_now: datetime) -> datetime:
    """The time the world outside the app keeps, for what is checked against it (the code of an
    authenticator app on a phone): the machine's own when ``CLOCK_START`` runs the app in another
    year, else ``app_now`` (an injected clock stands for all time in tests)."""
    if isinstance(current_app.config.get("CLOCK"), RunningClock):
        return utcnow()
    return app_now
