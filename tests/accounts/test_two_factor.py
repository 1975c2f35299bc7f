"""Two-factor authentication with TOTP (issue 14): enrolling with a confirmed code, the code
step after the password, replay and single-use recovery codes, staff forced to enrol, an
administrator's reset in the admin log, throttling of the code step, and sessions ended."""

import base64
import re
from datetime import UTC, datetime, timedelta

import pyotp
import sqlalchemy as sa

from grants.extensions import db
from grants.models import AdminAction, AdminEvent, Role
from grants.models.users import RecoveryCode
from grants.services.accounts import end_sessions
from grants.services.two_factor import TIME_STEP, code_at
from tests.accounts.conftest import field_errors, post_form, text_of
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory

PAGE = "/account/tweestapsverificatie"
WRONG = "Vul de code van 6 cijfers uit uw app in, of een van uw herstelcodes."
REPLAYED = "Deze code is al gebruikt."


def password_step(client, user, password: str = PASSWORD):
    """Only the password: the answer is the redirect to the code step (or the login)."""
    return client.post("/login", data={"email": user.email, "password": password,
                                       "csrf_token": csrf_token(client)})


def code_step(client, code: str):
    return client.post("/login/code", data={"code": code,
                                            "csrf_token": csrf_token(client, "/login/code")})


def logged_in(client) -> bool:
    response = client.get("/")
    return not response.headers.get("Location", "").startswith("/login")


def shown_secret(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert match, html
    return match.group(1).replace(" ", "")


def shown_codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", html)


def enrol(client, clock) -> tuple[str, list[str]]:
    """Enrol the logged-in user of ``client``: (their secret, their recovery codes)."""
    page = client.get(PAGE)
    assert page.status_code == 200
    secret = shown_secret(page.get_data(as_text=True))
    response = post_form(client, PAGE, {"code": code_at(secret, clock())})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = shown_codes(response.get_data(as_text=True))
    return secret, codes


def test_enrolling_shows_a_qr_code_and_the_secret_and_needs_a_right_code(app, login_as, clock):
    user = UserFactory()
    client = login_as(user)
    page = client.get(PAGE)
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # The QR code is drawn inline (no script, no outside service), with a text alternative.
    assert re.search(r'<div role="img" aria-label="QR-code[^"]+"><svg ', html)
    assert "<script" not in html.split("<main", 1)[1]
    secret = shown_secret(html)
    assert len(secret) == 32
    assert re.search(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", html)  # typed out in groups of four
    # A reload shows the same secret: an app set up from the first view still works.
    assert shown_secret(client.get(PAGE).get_data(as_text=True)) == secret

    wrong = post_form(client, PAGE, {"code": "000000" if code_at(secret, clock()) != "000000"
                                     else "111111"})
    assert wrong.status_code == 422
    assert WRONG in field_errors(wrong.get_data(as_text=True))["code"][0]
    db.session.refresh(user)
    assert not user.two_factor_enabled

    empty = post_form(client, PAGE, {"code": ""})
    assert empty.status_code == 422
    assert field_errors(empty.get_data(as_text=True)) == {
        "code": ["Vul de code van 6 cijfers uit uw app in."]}

    response = post_form(client, PAGE, {"code": code_at(secret, clock())})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = shown_codes(response.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    db.session.refresh(user)
    assert user.two_factor_enabled and user.totp_enabled_at == clock()
    # Stored as SHA-256 only: no code appears in the table.
    hashes = db.session.scalars(sa.select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == user.id)).all()
    assert len(hashes) == 10 and not set(hashes) & {c.replace("-", "") for c in codes}
    # The page now shows the settings, not the secret again.
    assert "totp-secret" not in client.get(PAGE).get_data(as_text=True)


def test_login_asks_for_the_code_and_only_a_right_one_logs_in(app, clock):
    user = UserFactory(totp_secret=TOTP_SECRET, totp_enabled_at=clock())
    client = app.test_client()
    response = password_step(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert not logged_in(client)  # the right password alone is not enough
    page = client.get("/login/code")
    assert page.status_code == 200 and "Code invullen" in page.get_data(as_text=True)

    wrong = code_step(client, "12345")
    assert wrong.status_code == 422
    assert WRONG in text_of(wrong.get_data(as_text=True))
    assert not logged_in(client)

    right = code_step(client, code_at(TOTP_SECRET, clock()))
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert logged_in(client)
    db.session.refresh(user)
    assert user.last_login_at == clock()


def test_one_time_step_of_drift_either_way_is_accepted_and_no_more(app, clock):
    user = UserFactory(totp_secret=TOTP_SECRET, totp_enabled_at=clock())
    for offset, accepted in ((-2, False), (2, False), (-1, True), (1, True)):
        client = app.test_client()
        password_step(client, user)
        response = code_step(client, code_at(TOTP_SECRET, clock() + timedelta(
            seconds=offset * TIME_STEP)))
        assert (response.status_code == 302) is accepted, offset
        clock.advance(seconds=3 * TIME_STEP)  # a fresh step for the next try


def test_a_code_already_used_is_refused_within_its_window(app, clock):
    user = UserFactory(totp_secret=TOTP_SECRET, totp_enabled_at=clock())
    code = code_at(TOTP_SECRET, clock())
    first = app.test_client()
    password_step(first, user)
    assert code_step(first, code).status_code == 302

    clock.advance(seconds=10)  # same step: someone who saw the code tries it too
    second = app.test_client()
    password_step(second, user)
    replay = code_step(second, code)
    assert replay.status_code == 422
    assert REPLAYED in text_of(replay.get_data(as_text=True))
    assert not logged_in(second)
    # A later step's code works.
    clock.advance(seconds=TIME_STEP)
    assert code_step(second, code_at(TOTP_SECRET, clock())).status_code == 302


def test_a_recovery_code_logs_in_once(app, login_as, clock):
    user = UserFactory()
    _secret, codes = enrol(login_as(user), clock)
    client = app.test_client()
    password_step(client, user)
    response = code_step(client, codes[3].upper().replace("-", " "))  # as typed from paper
    assert response.status_code == 302
    assert "nog 9 over" in text_of(client.get("/").get_data(as_text=True))

    again = app.test_client()
    password_step(again, user)
    refused = code_step(again, codes[3])
    assert refused.status_code == 422 and not logged_in(again)
    assert code_step(again, codes[4]).status_code == 302


def test_the_code_step_expires_and_a_password_change_voids_it(app, clock):
    user = UserFactory(totp_secret=TOTP_SECRET, totp_enabled_at=clock())
    client = app.test_client()
    password_step(client, user)
    token = csrf_token(client, "/login/code")
    clock.advance(minutes=5, seconds=1)
    late = client.post("/login/code", data={"code": code_at(TOTP_SECRET, clock()),
                                            "csrf_token": token})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert not logged_in(client)
    # A new password (here: every session ended) voids a code step begun with the old one.
    password_step(client, user)
    token = csrf_token(client, "/login/code")
    end_sessions(user)
    db.session.commit()
    voided = client.post("/login/code", data={"code": code_at(TOTP_SECRET, clock()),
                                              "csrf_token": token})
    assert voided.headers["Location"] == "/login" and not logged_in(client)
    # Without a right password first, the code page is not there at all.
    assert app.test_client().get("/login/code").headers["Location"] == "/login"


def test_staff_without_two_factor_must_enrol_before_anything_else(app, clock):
    staff = UserFactory(role=Role.ASSESSOR, totp_secret=None, totp_enabled_at=None)
    client = app.test_client()
    response = login(client, staff.email)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    for path in ("/", "/beoordelen/", "/regelingen", "/account/wachtwoord"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == PAGE, path
    page = client.get(PAGE).get_data(as_text=True)
    assert "tweestapsverificatie verplicht" in text_of(page)
    # Logging out stays possible.
    assert post_form(client, "/logout", {}, page=PAGE).status_code == 302

    client = app.test_client()
    login(client, staff.email)
    enrol(client, clock)
    assert client.get("/beoordelen/").status_code == 200
    # And from now on the login asks for the code.
    clock.advance(seconds=TIME_STEP)
    other = app.test_client()
    assert password_step(other, staff).headers["Location"] == "/login/code"


def test_api_tokens_are_not_held_up_by_enrolment(app, clock):
    from grants.services.tokens import create_token

    staff = UserFactory(role=Role.FINANCE, totp_secret=None, totp_enabled_at=None)
    _row, token = create_token(staff, clock(), label="boekhouding")
    db.session.commit()
    response = app.test_client().get("/api/v1/schemes",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_staff_cannot_switch_it_off_applicants_can_with_a_code(app, login_as, clock):
    staff = UserFactory(role=Role.APPROVER)
    client = login_as(staff)
    page = client.get(PAGE).get_data(as_text=True)
    assert "/uitzetten" not in page
    clock.advance(seconds=TIME_STEP)
    refused = post_form(client, PAGE + "/uitzetten",
                        {"disable_code": code_at(TOTP_SECRET, clock())}, page=PAGE)
    assert refused.status_code == 422
    db.session.refresh(staff)
    assert staff.two_factor_enabled

    applicant = UserFactory()
    client = login_as(applicant, client=app.test_client())
    secret, _codes = enrol(client, clock)
    clock.advance(seconds=TIME_STEP)
    wrong = post_form(client, PAGE + "/uitzetten", {"disable_code": "000001"}, page=PAGE)
    assert wrong.status_code == 422
    assert "disable_code" in field_errors(wrong.get_data(as_text=True))
    db.session.refresh(applicant)
    assert applicant.two_factor_enabled
    off = post_form(client, PAGE + "/uitzetten", {"disable_code": code_at(secret, clock())},
                    page=PAGE)
    assert off.status_code == 302
    db.session.refresh(applicant)
    assert not applicant.two_factor_enabled and applicant.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == applicant.id)) == 0
    assert logged_in(client)
    # The password alone logs in again.
    assert password_step(app.test_client(), applicant).headers["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(app, login_as, clock):
    user = UserFactory()
    client = login_as(user)
    secret, old = enrol(client, clock)
    clock.advance(seconds=TIME_STEP)
    response = post_form(client, PAGE + "/herstelcodes",
                         {"renew_code": code_at(secret, clock())}, page=PAGE)
    assert response.status_code == 200
    new = shown_codes(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    password_step(other, user)
    assert code_step(other, old[0]).status_code == 422
    assert code_step(other, new[0]).status_code == 302


def test_enabling_and_disabling_end_the_other_sessions(app, login_as, clock):
    user = UserFactory()
    laptop = login_as(user, client=app.test_client())
    phone = login_as(user, client=app.test_client())
    secret, _codes = enrol(laptop, clock)
    assert logged_in(laptop)  # this session goes on
    assert not logged_in(phone)

    clock.advance(seconds=TIME_STEP)
    phone = app.test_client()
    password_step(phone, user)
    assert code_step(phone, code_at(secret, clock())).status_code == 302
    clock.advance(seconds=TIME_STEP)
    post_form(laptop, PAGE + "/uitzetten", {"disable_code": code_at(secret, clock())},
              page=PAGE)
    assert logged_in(laptop)
    assert not logged_in(phone)


def test_wrong_codes_are_throttled_like_wrong_passwords(app, clock):
    user = UserFactory(totp_secret=TOTP_SECRET, totp_enabled_at=clock())
    right = code_at(TOTP_SECRET, clock())
    wrong = "000000" if right != "000000" else "111111"
    client = app.test_client()
    password_step(client, user)
    for _try in range(5):
        assert code_step(client, wrong).status_code == 422
    refused = code_step(client, right)  # the right code, not checked during the wait
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    # Giving the password again does not buy fresh tries at the code.
    password_step(client, user)
    assert code_step(client, right).status_code == 429
    clock.advance(seconds=60)
    password_step(client, user)
    assert code_step(client, code_at(TOTP_SECRET, clock())).status_code == 302


def test_an_admin_resets_two_factor_with_a_reason_in_the_log(app, login_as, clock):
    admin = UserFactory(role=Role.ADMIN)
    staff = UserFactory(role=Role.ASSESSOR)
    victim_session = login_as(staff, client=app.test_client())
    clock.advance(seconds=TIME_STEP)
    client = login_as(admin, client=app.test_client())
    page = f"/beheer/gebruikers/{staff.id}"
    assert "Tweestapsverificatie opnieuw instellen" in client.get(page).get_data(as_text=True)

    no_reason = post_form(client, page + "/tweestapsverificatie", {"reason": " "}, page=page)
    assert no_reason.status_code == 422
    assert field_errors(no_reason.get_data(as_text=True)) == {
        "reason": ["Vul een reden in, bijvoorbeeld dat de telefoon kwijt is."]}
    db.session.refresh(staff)
    assert staff.two_factor_enabled

    done = post_form(client, page + "/tweestapsverificatie",
                     {"reason": "Telefoon kwijt, teruggebeld"}, page=page)
    assert done.status_code == 302
    db.session.refresh(staff)
    assert not staff.two_factor_enabled and staff.totp_secret is None
    [event] = db.session.scalars(sa.select(AdminEvent).where(
        AdminEvent.action == AdminAction.TWO_FACTOR_RESET)).all()
    assert (event.actor_id, event.user_id, event.reason, event.at) == (
        admin.id, staff.id, "Telefoon kwijt, teruggebeld", clock())
    log = text_of(client.get("/beheer/logboek").get_data(as_text=True))
    assert "Tweestapsverificatie opnieuw ingesteld" in log and "Telefoon kwijt" in log
    assert not logged_in(victim_session)
    # At the next login the assessor enrols again.
    again = app.test_client()
    assert login(again, staff.email).headers["Location"] == PAGE


def test_an_admin_cannot_reset_their_own(app, login_as):
    admin = UserFactory(role=Role.ADMIN)
    client = login_as(admin)
    page = f"/beheer/gebruikers/{admin.id}"
    assert "/tweestapsverificatie" not in client.get(page).get_data(as_text=True)
    refused = post_form(client, page + "/tweestapsverificatie", {"reason": "nieuw toestel"},
                        page=page)
    assert refused.status_code == 422
    db.session.refresh(admin)
    assert admin.two_factor_enabled


def test_the_codes_are_rfc_6238():
    # RFC 6238 appendix B's SHA-1 vector (T = 59 s) cut to six digits, with its 20-byte key.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert code_at(secret, datetime.fromtimestamp(59, UTC)) == "287082"
    assert code_at(secret, datetime.fromtimestamp(1111111109, UTC)) == "081804"
    assert pyotp.TOTP(secret).at(59) == "287082"


def test_with_the_app_in_the_demos_years_the_phones_code_of_real_time_works(app, monkeypatch):
    """GRANTS_CLOCK_START runs the app in 2014 (the demo's windows); a phone keeps real time."""
    from grants.clock import RunningClock

    app_clock = RunningClock(datetime(2014, 5, 15, 8, tzinfo=UTC))
    monkeypatch.setitem(app.config, "CLOCK", app_clock)
    real = datetime.now(UTC)
    for code, works in ((code_at(TOTP_SECRET, app_clock()), False),
                        (code_at(TOTP_SECRET, real), True)):
        client = app.test_client()
        user = UserFactory(role=Role.ASSESSOR)
        assert password_step(client, user).headers["Location"] == "/login/code"
        code_step(client, code)
        assert logged_in(client) is works, code
