"""A burst of parallel wrong logins, each from its own OS process (issue 14): no more passwords
are checked than the limit allows. Before the counters were locked, every attempt of a burst
counted the same committed failures, and 8 of a burst got through a limit of 5.

All workers share one frozen moment, so after the 5th failure every further attempt falls in
the first delay (1 minute) and must be answered 429 without its password being checked.
"""

import re
import time
import traceback

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import LoginFailure, User
from grants.services.accounts import KNOWN_DEVICE_COOKIE, known_device_cookie
from tests.concurrency.conftest import NOW, PASSWORD, RACE_TIMEOUT, Outcome
from tests.concurrency.test_trigger_races import assert_raced

pytestmark = pytest.mark.no_db

BURST = 12
# Twelve interpreters starting an app each on two shared cores take most of the races' usual
# minute before the first login is sent; a hang still fails, only later.
BURST_TIMEOUT = 3 * RACE_TIMEOUT


def login_job(index: int, config: dict, job: dict, barrier, results) -> None:
    """One login through the form, from ``job["address"]``: the page (and its CSRF token) is
    fetched before the start line, the POST after it. Puts an outcome like ``run_job``'s."""
    try:
        from grants import create_app

        app = create_app(config)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = job["address"]
        if job.get("cookie"):
            client.set_cookie(KNOWN_DEVICE_COOKIE, job["cookie"], path="/login")
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]

        barrier.wait()
        started = time.time()
        response = client.post("/login", data={"email": job["email"],
                                               "password": job["password"],
                                               "csrf_token": token})
        finished = time.time()
        results.put((index, "response", response.status_code, None, started, finished))
        with app.app_context():
            db.engine.dispose()
    except BaseException:  # noqa: BLE001  (whatever happens, the test must hear of it)
        barrier.abort()
        results.put((index, "error", traceback.format_exc()))


def run_logins(race, jobs: list[dict], config: dict | None = None) -> list[Outcome]:
    """Every login at once, each from its own process; outcomes in job order. On
    SQLite the logins queue for the write lock, each holding it through its password check: on
    a loaded machine the last may wait longer than the usual busy timeout, which this test is
    not about (it counts how many passwords are checked)."""
    config = {**(config or race.config), "SQLITE_BUSY_TIMEOUT_MS": BURST_TIMEOUT * 1000}
    return race.run(jobs, target=login_job, config=config, timeout=BURST_TIMEOUT)


def checked(race, where) -> int:
    """How many passwords were checked and found wrong: the failures recorded."""
    with race.app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).where(where))
        db.session.remove()
    return count


def test_a_burst_on_one_account_gets_no_more_tries_than_the_limit(race):
    email = "applicant5@example.nl"
    # 12 addresses, so only the account's limit (5) can hold them back.
    outcomes = run_logins(race, [{"email": email, "password": f"guess {i}",
                                  "address": f"198.51.100.{i + 1}"} for i in range(BURST)])
    assert_raced(outcomes)
    statuses = sorted(o.status for o in outcomes)
    # 5 checked and wrong (401); the other 12 − 5 = 7 fall in the 1-minute delay (429).
    assert statuses == [401] * 5 + [429] * 7, statuses
    assert checked(race, LoginFailure.email == email) == 5


def test_a_burst_from_one_address_gets_no_more_tries_than_the_limit(race):
    # 12 e-mail addresses without an account, so only the address's limit can hold them back;
    # lowered to 5 here, so that the burst stays small for two cores.
    address = "203.0.113.9"
    config = {**race.config, "LOGIN_MAX_FAILURES_PER_ADDRESS": 5}
    outcomes = run_logins(race, [{"email": f"gok{i}@example.nl", "password": "guess",
                                  "address": address} for i in range(BURST)], config)
    assert_raced(outcomes)
    statuses = sorted(o.status for o in outcomes)
    assert statuses == [401] * 5 + [429] * 7, statuses  # 5 checked, 12 − 5 = 7 waiting
    assert checked(race, LoginFailure.address == address) == 5


def test_the_owner_on_a_known_device_gets_in_during_a_burst(race):
    email = "applicant6@example.nl"
    with race.app.app_context():
        owner = db.session.scalars(sa.select(User).where(User.email == email)).one()
        cookie = known_device_cookie(None, owner, NOW)
        db.session.remove()
    jobs = [{"email": email, "password": f"guess {i}", "address": f"198.51.100.{100 + i}"}
            for i in range(BURST - 1)]
    jobs.append({"email": email, "password": PASSWORD, "address": "192.0.2.1",
                 "cookie": cookie})
    outcomes = run_logins(race, jobs)
    assert_raced(outcomes)
    assert outcomes[-1].status == 302  # the owner, whatever the order
    attackers = sorted(o.status for o in outcomes[:-1])
    # Whether the owner's login came first or last, it leaves the account's run alone:
    # 5 of the 11 guesses checked, 11 − 5 = 6 waiting.
    assert attackers == [401] * 5 + [429] * 6, attackers
    assert checked(race, LoginFailure.email == email) == 5
