"""What each racing OS process runs: its own app, its own connections, one request.

Everything here is imported by name in a fresh process (forked from a server that imported the
app, never from the test process), so it must be picklable and must not depend on the test
process's state: the clock is a small frozen class, the job a plain dict, and the outcome a
plain tuple put on a queue.
"""

import time
import traceback
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FixedClock:
    """The app's clock for a race: always the same moment (aware), picklable across processes."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def trigger_job(application_id: int, trigger: str, token: str, body: dict | None = None) -> dict:
    return {"method": "POST", "path": f"/api/v1/applications/{application_id}/triggers/{trigger}",
            "token": token, "body": body or {}}


def run_job(index: int, config: dict, job: dict, barrier, results) -> None:
    """Build an app, warm it up, wait for the others, then send one API request.

    ``job``: method, path, token and an optional JSON body. Puts on ``results``
    ``(index, "response", status, json, started, finished)``, or ``(index, "error", traceback)``
    when anything raises: with TESTING on, an unhandled error in a view (a 500 in production)
    surfaces here as the exception itself.
    """
    try:
        import sqlalchemy as sa

        from grants import create_app, workflows  # noqa: F401  (imported before the start)
        from grants.extensions import db

        app = create_app(config)
        client = app.test_client()
        # Warm up before the start line (imports, a pooled connection), without a request:
        # a request would authenticate, and that may write (the token's last use).
        with app.app_context():
            db.session.execute(sa.text("SELECT 1"))
            db.session.remove()

        barrier.wait()
        started = time.time()
        response = client.open(job["path"], method=job["method"], headers=bearer(job["token"]),
                               json=job.get("body") if job["method"] != "GET" else None)
        finished = time.time()
        results.put((index, "response", response.status_code, response.get_json(silent=True),
                     started, finished))
        with app.app_context():
            db.engine.dispose()
    except BaseException:  # noqa: BLE001  (whatever happens, the test must hear of it)
        barrier.abort()  # release the others now rather than at the barrier's timeout
        results.put((index, "error", traceback.format_exc()))
