"""What every letter must hold (Awb 3:46-3:47, 6:7) and the words none may hold, for the tests.

The figures and names below are written out by hand from shared/domain.md and the regulations'
preambles, never read from the code under test.
"""

import io
import re

from pypdf import PdfReader

from grants.decisions.render import render_one
from grants.extensions import db

# The regulation, its publication, and the act it rests on, per scheme.
REGULATION = {
    "sectorplan": ("Regeling cofinanciering sectorplannen, Staatscourant 2013, 22962",
                   "Kaderwet SZW-subsidies"),
    "praktijkleren": ("Subsidieregeling praktijkleren, Staatscourant 2013, 31130",
                      "artikel 2.7 van de Wet educatie en beroepsonderwijs en de artikelen 4 en "
                      "10 van de Wet overige OCW-subsidies"),
    "rif": ("Regeling regionaal investeringsfonds mbo 2014–2017, Staatscourant 2014, 11234",
            "Wet overige OCW-subsidies"),
}
# Who answers questions about the letter, per scheme (the executing agency of the ministry).
CONTACT = {
    "sectorplan": "Agentschap SZW, team Sectorplannen, telefoon 070 333 44 44",
    "praktijkleren": "Rijksdienst voor Ondernemend Nederland, team Praktijkleren, telefoon "
                     "088 042 42 42",
    "rif": "DUS-I, team Regionaal investeringsfonds mbo, telefoon 070 340 79 11",
}
MINISTER = {"sectorplan": "de minister van Sociale Zaken en Werkgelegenheid",
            "praktijkleren": "de minister van Onderwijs, Cultuur en Wetenschap",
            "rif": "de minister van Onderwijs, Cultuur en Wetenschap"}
OBJECTION_CLAUSE = ("Dan kunt u binnen 6 weken na de dag van verzending bezwaar maken bij "
                    "{minister}.")
APPEAL_CLAUSE = "beroep instellen bij de rechtbank"

# The people the tests give real names and functions (the signer signs with both).
CONTACT_PERSON = {"employers": "mevrouw A. Bakker", "institution": "de heer K. Jansen",
                  "employer": "mevrouw F. El Amrani"}
SIGNERS = {"approver": ("mr. J. de Vries", "directeur Subsidies"),
           "approver2": ("drs. M. Smit", "hoofd Bezwaar en Beroep"),
           "assessor": ("P. Visser", "senior beleidsmedewerker"),
           "assessor2": ("L. Mulder", "beleidsmedewerker"),
           "finance": ("R. de Boer", "controller"),
           "committee": ("prof. dr. H. Dekker", "voorzitter beoordelingscommissie"),
           "committee2": ("ir. S. Peters", "lid beoordelingscommissie")}

# Words that belong to the code, the audit trail or the staff's screens, never to a letter.
INTERNAL = [
    r"[A-Za-z]+_[A-Za-z_]+",  # any code or field name: first_come_first_served, employer_id …
    r"\branked\b", r"\bpro.rata\b", r"\bfcfs\b",
    r"\bloting\b", r"\bseed\b", r"\b[0-9a-f]{16}\b",  # the lottery and its seed: the audit's
    r"\b(?:assessor|approver|finance|applicant|committee|admin)s?\b",
    r"\b(?:submit|approve|reject|settle|recover|withdraw|pay|close)\b",  # trigger codes
    r"\b(?:employees|employers|requested|granted|amount|cents|details)\b",
    r"\b(?:None|True|False|null|undefined)\b", r"\{\{|\}\}|\{%",
]
_INTERNAL = re.compile("|".join(f"(?:{pattern})" for pattern in INTERNAL))
# A euro amount as the letters print it: € 1.234,56 (never 1234.56 or a bare number of cents).
DUTCH_AMOUNT = re.compile(r"€ \d{1,3}(?:\.\d{3})*,\d{2}\b")
WRONG_AMOUNT = re.compile(r"€ ?\d+\.\d{2}\b|€ ?\d{4,}(?:,\d{2})?\b")
DUTCH_DATE = re.compile(r"\b\d{1,2} (?:januari|februari|maart|april|mei|juni|juli|augustus|"
                        r"september|oktober|november|december) \d{4}\b")


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    # A line broken after a hyphen ("OCW-|subsidies") reads as one word again.
    return fold(re.sub(r"(?<=\w)-[ \t]*\n\s*", "-", text))


def letter_text(context: dict) -> str:
    """The letter as the applicant reads it: rendered to PDF, its text extracted."""
    return pdf_text(render_one(context).pdf)


def internal_words(text: str) -> list[str]:
    return sorted({match.group(0) for match in _INTERNAL.finditer(text)})


def name_people(world) -> None:
    """Real names, functions and contact persons, as the seed and the admin pages give them."""
    for key, person in CONTACT_PERSON.items():
        getattr(world, key).contact_name = person
    for key, (name, function) in SIGNERS.items():
        user = getattr(world, key).user
        user.name, user.job_title = name, function
    db.session.commit()


def assert_complete(text: str, *, scheme: str, organisation: str, signer: str,
                    objectable: bool = True, appeal: bool = False, due: str = "") -> None:
    """The parts every letter holds, and nothing internal; ``due``: the last day to object
    (or to appeal), as the letter prints it."""
    regulation, statute = REGULATION[scheme]
    name, function = SIGNERS[signer]
    required = [regulation, statute, f"t.a.v. {CONTACT_PERSON[organisation]}", name, function,
                CONTACT[scheme], "namens deze"]
    if appeal:
        required += [APPEAL_CLAUSE, f"tot en met {due} beroep instellen"]
    elif objectable:
        required += [OBJECTION_CLAUSE.format(minister=MINISTER[scheme]),
                     f"Dat kan tot en met {due}."]
    for part in required:
        assert part in text, f"{part!r} missing from the letter:\n{text}"
    if not objectable:
        assert "bezwaar maken bij" not in text
    assert re.search(r"\bartikel \d", text), f"no article of the regulation:\n{text}"
    assert DUTCH_DATE.search(text)
    assert not WRONG_AMOUNT.search(text), WRONG_AMOUNT.search(text).group(0)
    leaked = internal_words(text)
    assert not leaked, f"internal words {leaked} in the letter:\n{text}"
    # Nobody signs but the signer: no other member of staff is named.
    others = [other for key, (other, _f) in SIGNERS.items() if key != signer]
    assert not [other for other in others if other in text], text
