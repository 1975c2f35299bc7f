"""The demo is consistent with its clock: loaded at a moment, nothing in it happened later."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from grants.demo import load_demo
from grants.extensions import db
from grants.models import Application, ApplicationState, LedgerEntry

# Columns that record when something happened (not when something is due or ends).
HAPPENED = {"created_at", "at", "submitted_at", "complete_at", "decided_at", "paid_at",
            "sent_at", "approved_at", "prepared_at", "confirmed_at", "declared_at"}


def _happened_after(moment: datetime) -> list[str]:
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name not in HAPPENED:
                continue
            later = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                      .where(column > moment))
            if later:
                found.append(f"{table.name}.{column.name}: {later}")
    return found


@pytest.mark.parametrize("moment", [datetime(2014, 5, 15, 8, tzinfo=UTC),
                                    datetime(2014, 4, 1, 6, tzinfo=UTC)],
                         ids=["15-05-2014", "01-04-2014"])
def test_nothing_in_the_demo_happened_after_its_moment(clock, moment):
    clock.moment = moment
    load_demo(moment)
    db.session.flush()
    assert _happened_after(moment) == []


def test_the_demo_at_a_moment_holds_the_history_up_to_it(clock):
    # 15 May 2014: SP-T2-00001 was submitted on 10 April, asked for information on 22 April and
    # answered on 29 April; its assessment starts on 2 June, later than this moment.
    moment = datetime(2014, 5, 15, 8, tzinfo=UTC)
    clock.moment = moment
    load_demo(moment)
    db.session.flush()
    first = db.session.scalars(sa.select(Application)
                               .where(Application.reference == "SP-T2-00001")).one()
    assert first.state == ApplicationState.SUBMITTED
    # The bèta teachers' 2014 commitment (1 September 2014) is not booked yet; 2013's are.
    manual = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.cause == "manual")).all()
    assert len(manual) == 3
    assert all(entry.at <= moment for entry in manual)


def test_the_demos_unknown_passwords_pass_the_password_rules_whatever_chance_draws(monkeypatch):
    """A random password holding the address's part before the @ is refused by the rules; the
    demo draws again (it once drew "…afsmboadv…" for mbo@ and failed to load)."""
    import secrets

    from grants.demo import _nobodys_password
    from grants.services.accounts import check_password_rules

    draws = iter(["SfYxDLhGyrcBh94AfSMbOADv_mY8mD7U", "Q2xvdWR5LXdpdGgtYS1jaGFuY2Utb2Y"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda _n: next(draws))
    password = _nobodys_password("mbo@demo.techniekpact.nl")
    assert password == "Q2xvdWR5LXdpdGgtYS1jaGFuY2Utb2Y"
    assert check_password_rules(password, "mbo@demo.techniekpact.nl") == []
