"""Login throttling that cannot lock a victim out (issue 14).

The rule (config defaults, README "Accounts"): 5 failures in a row for an account, 20 from one
client address, are free; after that each further try waits a delay counted from the last
failure: 1 minute, doubled with every further failure, at most 15 minutes. A try during the
wait is answered 429 without checking the password. A run of failures is forgotten once 15
minutes pass, with no failure, after its delay ran out. A browser that logged into an account
before (a signed known-device cookie) is not held by the account's delay, only by its own
counter and by the address's.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grants.extensions import db
from grants.models import LoginFailure
from grants.services.accounts import (
    KNOWN_DEVICE_COOKIE,
    ThrottleRule,
    known_device_cookie,
)
from tests.accounts.conftest import post_form
from tests.conftest import login
from tests.factories import UserFactory

GENERIC = "Het e-mailadres of het wachtwoord is onjuist."
THROTTLED = "Te veel mislukte pogingen om in te loggen."


def browser(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def failures(email: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(LoginFailure.email == email))


def refused_for(response) -> tuple[str, str]:
    """The wait a 429 names: (Retry-After in seconds, the Dutch sentence's tail)."""
    assert response.status_code == 429, response.status_code
    html = response.get_data(as_text=True)
    assert THROTTLED in html
    tail = html[html.index("Probeer het over"):].split(" opnieuw")[0]
    return response.headers["Retry-After"], tail


def fail(client, email: str, times: int = 1) -> None:
    for _ in range(times):
        assert login(client, email, "not the password").status_code == 401


def log_out(client) -> None:
    assert post_form(client, "/logout", {}, page="/").status_code == 302


# -- the delays ---------------------------------------------------------------------------------

def test_delays_double_after_five_failures_up_to_fifteen_minutes_and_never_lock(app, clock):
    user = UserFactory()
    attacker = browser(app, "198.51.100.1")
    fail(attacker, user.email, 5)  # failures 1–5 at t0: free
    # Wait after the 5th failure: 1 min = 60 s.
    assert refused_for(login(attacker, user.email)) == ("60", "Probeer het over 1 minuut")
    clock.advance(seconds=59)
    assert refused_for(login(attacker, user.email, "guess")) == ("1", "Probeer het over 1 minuut")
    clock.advance(seconds=1)
    fail(attacker, user.email)  # 6th failure at t0+1m; wait 1 × 2 = 2 min = 120 s
    assert refused_for(login(attacker, user.email)) == ("120", "Probeer het over 2 minuten")
    clock.advance(minutes=2)
    fail(attacker, user.email)  # 7th at t0+3m; wait 1 × 2² = 4 min
    assert refused_for(login(attacker, user.email)) == ("240", "Probeer het over 4 minuten")
    clock.advance(minutes=4)
    fail(attacker, user.email)  # 8th at t0+7m; wait 1 × 2³ = 8 min
    assert refused_for(login(attacker, user.email)) == ("480", "Probeer het over 8 minuten")
    clock.advance(minutes=8)
    fail(attacker, user.email)  # 9th at t0+15m; 1 × 2⁴ = 16 min, capped at 15 min = 900 s
    assert refused_for(login(attacker, user.email)) == ("900", "Probeer het over 15 minuten")
    clock.advance(minutes=15)
    fail(attacker, user.email)  # 10th at t0+30m; 1 × 2⁵ = 32, still 15 min: the cap holds
    assert refused_for(login(attacker, user.email)) == ("900", "Probeer het over 15 minuten")
    # 10 failures checked, none of the refused tries (the right password among them).
    assert failures(user.email) == 10

    clock.advance(minutes=15)  # never a lock for good: the right password after the wait
    assert login(attacker, user.email).status_code == 302


def test_a_refused_try_does_not_check_the_password_nor_lengthen_the_wait(app, clock):
    user = UserFactory()
    client = browser(app, "198.51.100.2")
    fail(client, user.email, 5)
    clock.advance(seconds=30)
    assert login(client, user.email).status_code == 429  # the right password, not checked
    assert login(client, user.email, "guess").status_code == 429
    assert failures(user.email) == 5  # refused tries are no failures
    assert client.get("/").status_code == 302  # and nobody logged in
    clock.advance(seconds=30)  # 60 s after the 5th failure, as if the refused tries never were
    assert login(client, user.email).status_code == 302


def test_an_account_without_account_is_slowed_down_alike(app, clock):
    # Whether an account exists must not show: the same free tries, the same first delay.
    user = UserFactory()
    client = browser(app, "198.51.100.3")
    for email in (user.email, "niemand@example.nl"):
        fail(client, email, 5)
    assert refused_for(login(client, user.email, "guess")) == \
        refused_for(login(client, "niemand@example.nl", "guess")) == \
        ("60", "Probeer het over 1 minuut")


def test_a_run_is_forgotten_fifteen_minutes_after_its_wait_ran_out(app, clock):
    user = UserFactory()
    client = browser(app, "198.51.100.4")
    fail(client, user.email, 5)  # at t0; wait until t0+1m; forgotten after t0+1m+15m = t0+16m
    clock.advance(minutes=16)
    fail(client, user.email)  # exactly at the end the run still counts: this is the 6th
    assert refused_for(login(client, user.email)) == ("120", "Probeer het over 2 minuten")

    other = UserFactory()
    fail(client, other.email, 5)  # at t0+16m
    clock.advance(minutes=16, seconds=1)  # one second past t0+16m+16m: a new run
    fail(client, other.email, 5)  # five free again
    assert refused_for(login(client, other.email)) == ("60", "Probeer het over 1 minuut")


def test_the_client_address_is_slowed_down_across_accounts(app, clock):
    users = UserFactory.create_batch(2)
    client = browser(app, "198.51.100.5")
    for attempt in range(20):  # 20 failures from one address, each on another e-mail: free
        fail(client, f"gok{attempt}@example.nl")
    # The 21st try, on an account that never failed, waits for the address: 1 minute.
    assert refused_for(login(client, users[0].email)) == ("60", "Probeer het over 1 minuut")
    assert login(browser(app, "198.51.100.6"), users[1].email).status_code == 302  # elsewhere
    clock.advance(minutes=1)
    assert login(client, users[0].email).status_code == 302


def test_a_successful_login_forgets_the_accounts_run(app, clock):
    user = UserFactory()
    client = browser(app, "198.51.100.7")
    fail(client, user.email, 4)
    assert login(client, user.email).status_code == 302
    log_out(client)
    fail(client, user.email, 4)  # four free again, not the 5th and 6th of a run
    assert login(client, user.email).status_code == 302


def test_the_delay_rule_itself():
    rule = ThrottleRule(5, window=timedelta(minutes=15), first_delay=timedelta(minutes=1),
                        longest_delay=timedelta(minutes=15))
    # 0–4 failures: free; 5: 1 min; 6: 2; 7: 4; 8: 8; 9: 16 → 15 (cap); 1000: still 15.
    assert [rule.delay(n) / timedelta(minutes=1) for n in (0, 4, 5, 6, 7, 8, 9, 1000)] == \
        [0, 0, 1, 2, 4, 8, 15, 15]


# -- known devices ------------------------------------------------------------------------------

def test_the_owner_on_a_known_device_is_not_held_by_guessing_from_elsewhere(app, clock):
    victim = UserFactory()
    laptop = browser(app, "192.0.2.10")
    assert login(laptop, victim.email).status_code == 302  # the laptop is known from now
    log_out(laptop)

    attacker = browser(app, "198.51.100.20")
    fail(attacker, victim.email, 5)
    assert login(attacker, victim.email, "guess").status_code == 429
    # A new browser of the owner's waits like anyone without the cookie (1 minute) ...
    assert refused_for(login(browser(app, "192.0.2.11"), victim.email)) == \
        ("60", "Probeer het over 1 minuut")
    # ... the known laptop does not: only its own counter and its address's apply.
    assert login(laptop, victim.email).status_code == 302
    # The owner's login does not hand the attacker five fresh tries.
    assert login(attacker, victim.email, "guess").status_code == 429


def test_a_known_device_is_held_by_its_address(app, clock):
    owner = UserFactory()
    office = browser(app, "192.0.2.20")
    assert login(office, owner.email).status_code == 302
    log_out(office)
    neighbour = browser(app, "192.0.2.20")  # someone else behind the same address
    for attempt in range(20):
        fail(neighbour, f"gok{attempt}@example.nl")
    assert refused_for(login(office, owner.email)) == ("60", "Probeer het over 1 minuut")


def test_a_known_device_has_its_own_counter(app, clock):
    # A stolen cookie is no free pass: the device is slowed down like an account.
    owner = UserFactory()
    laptop = browser(app, "192.0.2.30")
    assert login(laptop, owner.email).status_code == 302
    log_out(laptop)
    fail(laptop, owner.email, 5)
    assert refused_for(login(laptop, owner.email)) == ("60", "Probeer het over 1 minuut")
    # Those failures were the device's, not the account's: another browser goes ahead.
    assert login(browser(app, "192.0.2.31"), owner.email).status_code == 302


def test_the_cookie_counts_only_for_its_own_account_and_when_genuine(app, clock):
    owner, other = UserFactory(), UserFactory()
    laptop = browser(app, "192.0.2.40")
    assert login(laptop, owner.email).status_code == 302
    log_out(laptop)
    attacker = browser(app, "198.51.100.40")
    fail(attacker, other.email, 5)
    assert login(laptop, other.email).status_code == 429  # known to owner, not to other

    fail(attacker, owner.email, 5)
    forged = browser(app, "192.0.2.41")
    cookie = laptop.get_cookie(KNOWN_DEVICE_COOKIE, path="/login")
    # One character changed well inside the signature: the last ones also carry base64's
    # padding bits, and "xx" in their place was, once in a thousand runs, the same signature.
    inside = len(cookie.value) - 10
    changed = "A" if cookie.value[inside] != "A" else "B"
    forged.set_cookie(KNOWN_DEVICE_COOKIE, cookie.value[:inside] + changed
                      + cookie.value[inside + 1:], path="/login")
    assert login(forged, owner.email).status_code == 429  # a bad signature: unknown device


def test_a_device_is_known_for_180_days(app, clock):
    owner = UserFactory()
    attacker = browser(app, "198.51.100.50")
    with app.test_request_context():
        cookie = known_device_cookie(None, owner, clock())
    clock.advance(days=180)
    fail(attacker, owner.email, 5)
    fresh = browser(app, "192.0.2.50")
    fresh.set_cookie(KNOWN_DEVICE_COOKIE, cookie, path="/login")
    assert login(fresh, owner.email).status_code == 302  # day 180: still known
    log_out(fresh)
    clock.advance(days=181)  # the login above renewed it on day 180; day 361 is past its end
    fail(attacker, owner.email, 5)
    stale = browser(app, "192.0.2.51")
    stale.set_cookie(KNOWN_DEVICE_COOKIE, cookie, path="/login")  # the cookie of day 0
    assert login(stale, owner.email).status_code == 429


def test_the_known_device_cookie_is_set_at_login_and_kept_to_the_login_page(app):
    user = UserFactory()
    client = browser(app, "192.0.2.60")
    response = login(client, user.email)
    cookie = next(value for key, value in response.headers.items()
                  if key == "Set-Cookie" and value.startswith(KNOWN_DEVICE_COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/login" in cookie
    assert "Max-Age=15552000" in cookie  # 180 days × 86,400 s


@pytest.mark.parametrize("known", [False, True])
def test_the_failure_message_stays_generic(app, known):
    user = UserFactory()
    client = browser(app, "192.0.2.70")
    if known:
        assert login(client, user.email).status_code == 302
        log_out(client)
    response = login(client, user.email, "not the password")
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)
