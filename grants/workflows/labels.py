"""Dutch names of the canonical triggers (domain.md §5), for pages, letters and diagrams."""

from grants.i18n import N_

TRIGGER_LABELS = {
    "submit": N_("Indienen"),
    "request_information": N_("Informatie opvragen (hersteltermijn)"),
    "provide_information": N_("Informatie aanvullen"),
    "close_unprocessed": N_("Buiten behandeling stellen"),
    "start_assessment": N_("Beoordeling starten"),
    "record_assessment": N_("Beoordeling vastleggen"),
    "approve": N_("Verlenen"),
    "reject": N_("Afwijzen"),
    "withdraw": N_("Intrekken"),
    "pay_advance": N_("Voorschot betalen"),
    "submit_report": N_("Rapportage indienen"),
    "accept_report": N_("Rapportage accepteren"),
    "send_back_report": N_("Rapportage terugsturen"),
    "advise_adjustment": N_("Advies: subsidie verlagen of beëindigen"),
    "adjust_grant": N_("Subsidie verlagen of beëindigen"),
    "request_settlement": N_("Vaststelling aanvragen"),
    "settle": N_("Vaststellen"),
    "pay": N_("Betalen"),
    "recover": N_("Terugvorderen"),
    "close": N_("Afsluiten"),
    "lodge_objection": N_("Bezwaar maken"),
    "decide_objection": N_("Beslissen op bezwaar"),
    "extend_objection_term": N_("Beslistermijn bezwaar verlengen"),
}
