"""Dutch names of the canonical triggers (domain.md §5), for pages, letters and diagrams."""

TRIGGER_LABELS = {
    "submit": "Indienen",
    "request_information": "Informatie opvragen (hersteltermijn)",
    "provide_information": "Informatie aanvullen",
    "close_unprocessed": "Buiten behandeling stellen",
    "start_assessment": "Beoordeling starten",
    "record_assessment": "Beoordeling vastleggen",
    "approve": "Verlenen",
    "reject": "Afwijzen",
    "withdraw": "Intrekken",
    "pay_advance": "Voorschot betalen",
    "submit_report": "Rapportage indienen",
    "accept_report": "Rapportage accepteren",
    "request_settlement": "Vaststelling aanvragen",
    "settle": "Vaststellen",
    "pay": "Betalen",
    "recover": "Terugvorderen",
    "close": "Afsluiten",
    "lodge_objection": "Bezwaar maken",
    "decide_objection": "Beslissen op bezwaar",
}
