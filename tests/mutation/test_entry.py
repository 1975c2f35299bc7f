"""What is checked on entry (grants/workflows/fields/entry.py), rule by rule, with the figures
of domain.md §1–§3.

Equivalent mutants: none known.
"""

from grants.models import OrganisationKind as K
from grants.workflows.fields.entry import ELIGIBILITY, ceiling_errors, may_apply


def test_the_lead_kinds_file_sector_plans_and_nobody_else():
    allowed = {K.EMPLOYERS_ORGANISATION, K.EMPLOYEES_ORGANISATION, K.OM_FUND,
               K.KNOWLEDGE_CENTRE}
    for kind in K:
        assert may_apply("sectorplan", kind) == (kind in allowed), kind


def test_only_an_mbo_institution_applies_for_the_rif():
    for kind in K:
        assert may_apply("rif", kind) == (kind == K.MBO_INSTITUTION), kind


def test_every_kind_of_employer_applies_for_praktijkleren_and_an_unknown_scheme_is_not_barred():
    assert all(may_apply("praktijkleren", kind) for kind in K)
    assert may_apply("beta-docenten", K.EMPLOYER)


def test_every_scheme_says_who_may_apply_and_the_barred_are_told_why():
    for code in ("sectorplan", "rif"):
        assert ELIGIBILITY[code].who_may_apply and ELIGIBILITY[code].why_not
    assert ELIGIBILITY["praktijkleren"].who_may_apply
    assert ELIGIBILITY["praktijkleren"].why_not == ""


def test_a_request_up_to_the_ceiling_passes_and_a_cent_more_names_both_figures():
    ceiling = 200_000_000_00
    assert ceiling_errors("sectorplan", ceiling, ceiling) == {}
    assert ceiling_errors("sectorplan", ceiling + 1, ceiling) == {"measures": [
        "Het gevraagde bedrag van €\u00a0200.000.000,01 is hoger dan het subsidieplafond van "
        "dit tijdvak, €\u00a0200.000.000,00."]}
    assert ceiling_errors("rif", 24_000_000_01, 24_000_000_00) == {"requested_subsidy": [
        "Het gevraagde bedrag van €\u00a024.000.000,01 is hoger dan het subsidieplafond van "
        "dit tijdvak, €\u00a024.000.000,00."]}


def test_praktijkleren_states_no_amount_so_nothing_is_checked_on_entry():
    assert ceiling_errors("praktijkleren", 10**15, 1) == {}
