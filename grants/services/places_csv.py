"""Praktijkleren places from a CSV file: every line checked, all or nothing (shared/api.md).

An employer or a payroll firm files its places as a spreadsheet export. The file is read as a
stream, line by line: only the parsed places are kept, compactly (``_Places``: what is a
place's own, and its repeating cells once per combination). Each line is read with the
praktijkleren field rules (grants.workflows.fields.praktijkleren), and the whole list then
gets the completeness check the application itself gets, under the application's own rules
(frozen once submitted, else the scheme's current ones). One wrong line and nothing is
imported: the refusal names every wrong line (the header is line 1) and, per line, the column
and the reason.

Accepted: UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8"); a comma or a
semicolon between the columns (taken from the header line); the API's column names or their
Dutch equivalents, in any order. Lines without any filled-in cell are skipped.

The file is read and checked without holding a lock (``read_places``), then stored in one short
transaction (``import_places``). The import changes what ``update_application`` would (the
application's places replaced by the file's, the requested amount recomputed, the version
raised), only while it is a draft or incomplete, and only by an applicant of its own
organisation, without reading the places a second time. Nothing is committed here.

A file of 100,000 places runs the field rules no more often than it must: a line's repeating
cells are parsed once per distinct combination, each distinct place checked once on its own,
the rules over students only over the places that can be one student's. Its memory stays
near the size of the JSON the places are stored as (some 17 MB for 100,000): that text is
written from the compact places into the application's row, never as a dict per place
(``_write_details``). Many applications' files at once: grants.services.places_bulk.
"""

import codecs
import csv
import io
import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import cache
from itertools import chain
from json.encoder import encode_basestring_ascii
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from grants.access import require_role
from grants.errors import Conflict, NotFound, ValidationFailed
from grants.extensions import db
from grants.models import Application, Role, User
from grants.services.applications import (
    EDITABLE_STATES,
    get_application,
    locked_application,
)
from grants.services.consents import ensure_filer_named, withdraw_stale
from grants.workflows import workflow_for
from grants.workflows.fields import praktijkleren as fields
from grants.workflows.fields.common import INVALID, Errors, parse_document, with_defaults
from grants.workflows.fields.entry import ceiling_errors
from grants.workflows.rules import current_rules

SCHEME = "praktijkleren"
# The API's field names, in the order the messages name them: every file has the required
# ones; the others identify a student or count a promovendus (months and hours a week).
REQUIRED_COLUMNS = ("student_name", "category", "programme_code", "school", "starts_on",
                    "ends_on", "weeks")
OPTIONAL_COLUMNS = ("date_of_birth", "student_number", "months", "hours_per_week")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DUTCH_COLUMNS = {"naam_student": "student_name", "categorie": "category",
                 "opleidingscode": "programme_code", "school": "school",
                 "begindatum": "starts_on", "einddatum": "ends_on", "weken": "weeks",
                 "geboortedatum": "date_of_birth", "studentnummer": "student_number",
                 "maanden": "months", "uren_per_week": "hours_per_week"}
HEADER_NAMES = {**{column: column for column in COLUMNS}, **DUTCH_COLUMNS}
PLACE_FIELDS = fields.SPEC["places"].items
# Who the student is differs per line; the rest of a line (category, school, dates, counts)
# repeats across a file, so each distinct combination of it is parsed once (``_parse_row``).
PERSONAL_COLUMNS = ("student_name", "student_number", "date_of_birth")
_PERSONAL_FIELDS = {column: field for column, field in PLACE_FIELDS.items()
                    if column in PERSONAL_COLUMNS}
_SHARED_FIELDS = {column: field for column, field in PLACE_FIELDS.items()
                  if column not in PERSONAL_COLUMNS}
# Bounds the memory the parse cache may take on a file whose lines are all different.
SHARED_CACHE_SIZE = 4096

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# As many places as an application may hold: a file beyond it is a mistake (or an attack on
# the memory of the server), refused before it is all read.
DEFAULT_MAX_PLACES = fields.MOST_PLACES
MAX_REPORTED_LINES = 200
CHUNK_BYTES = 64 * 1024
PROGRESS_EVERY = 1000

_PLACE_PATH = re.compile(r"places\[(\d+)\]\.(\w+)")

# progress(lines read so far, bytes read so far)
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    application: Application
    lines: int  # data lines read (blank lines not counted)
    imported: int  # places now on the application
    fractions: dict[str, Fraction]  # per category, every category present
    at: datetime

    def fractions_api(self) -> dict[str, str]:
        return {category: decimal_text(value) for category, value in self.fractions.items()}


def decimal_text(value: Fraction, places: int = 4) -> str:
    """A fraction as a decimal string: exact where four decimals hold it ("12.5", "0.175"),
    else rounded half to even at the fourth ("0.0238" for 1/42)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return f"{rounded.normalize():f}" if rounded else "0"


def max_bytes() -> int:
    return int(current_app.config.get("PLACES_CSV_MAX_BYTES") or DEFAULT_MAX_BYTES)


def max_places() -> int:
    return int(current_app.config.get("PLACES_CSV_MAX_PLACES") or DEFAULT_MAX_PLACES)


def too_many_places(limit: int) -> ValidationFailed:
    shown = f"{limit:,}".replace(",", ".")
    return ValidationFailed("Het bestand bevat te veel plaatsen; er is niets ingelezen.", {
        "file": [f"Een bestand bevat hoogstens {shown} plaatsen. Verdeel de plaatsen over "
                 f"kleinere bestanden of aanvragen."]})


def too_large(limit: int) -> ValidationFailed:
    megabytes = limit / (1024 * 1024)
    size = (f"{megabytes:g} MB".replace(".", ",") if megabytes >= 1
            else f"{limit:,} bytes".replace(",", "."))
    return ValidationFailed("Het bestand is te groot; er is niets ingelezen.", {"file": [
        f"Een bestand met plaatsen is hoogstens {size}. Verdeel de plaatsen over kleinere "
        f"bestanden of aanvragen."]})


def _file_error(message: str, *details: str) -> ValidationFailed:
    return ValidationFailed(message, {"file": list(details) or [message]})


# -- access ---------------------------------------------------------------------------------

def _require_editable(application: Application) -> None:
    if application.state not in EDITABLE_STATES:
        raise Conflict(f"Een aanvraag met status '{application.state_label}' kan niet meer "
                       "worden gewijzigd; er zijn geen plaatsen ingelezen.")


def editable_application(application_id: int, actor: User) -> Application:
    """The praktijkleren application ``actor`` may import places into, without locking it.

    403 for a user without the applicant role, 404 when it is not theirs (or not praktijkleren),
    409 when its state no longer allows changes. A door calls this before it receives a large
    upload; ``import_places`` checks it all again, under the lock, when it writes.
    """
    require_role(actor, Role.APPLICANT)
    application = get_application(application_id, actor)
    if application.scheme.code != SCHEME:
        raise NotFound("Alleen een aanvraag voor praktijkleren heeft plaatsen.")
    _require_editable(application)
    return application


# -- reading the file -----------------------------------------------------------------------

class _Source:
    """The stream as text lines (newlines kept, as csv wants them), with a byte count."""

    def __init__(self, stream: BinaryIO, limit: int):
        self.stream = stream
        self.limit = limit
        self.bytes_read = 0
        self.lines_read = 0

    def lines(self) -> Iterator[str]:
        # Line ends as Windows (CR LF), Unix (LF) or old Mac spreadsheets (CR alone) write
        # them, also when a CR LF is split between two chunks, all become LF.
        decoder = io.IncrementalNewlineDecoder(
            codecs.getincrementaldecoder("utf-8-sig")(), translate=True)
        head: list[str] = []  # the pieces of the line not yet ended
        while True:
            chunk = self.stream.read(CHUNK_BYTES)
            if not chunk:
                break
            self.bytes_read += len(chunk)
            if self.bytes_read > self.limit:
                raise too_large(self.limit)
            parts = self._decode(decoder, chunk).split("\n")
            if len(parts) == 1:
                head.append(parts[0])
                continue
            parts[0] = "".join(head) + parts[0]
            head = [parts.pop()]
            for part in parts:
                self.lines_read += 1
                yield part + "\n"
        tail = "".join(head) + self._decode(decoder, b"", final=True)
        if tail:
            self.lines_read += 1
            yield tail

    def _decode(self, decoder, chunk: bytes, *, final: bool = False) -> str:
        try:
            return decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            # Lines before this chunk, plus those in it before the offending byte.
            line = self.lines_read + 1 + chunk[:max(error.start, 0)].count(b"\n")
            raise _file_error(
                "Het bestand is geen UTF-8-tekst; er is niets ingelezen.",
                f"Regel {line} bevat tekens die geen UTF-8 zijn. Sla het bestand in Excel op "
                f"als 'CSV UTF-8 (door komma's gescheiden)' en probeer het opnieuw.") from None


DATE_COLUMNS = ("starts_on", "ends_on", "date_of_birth")
# 1-9-2013, 01-09-2013, 1/9/2013 or 1.9.2013: how Excel writes a date on a Dutch computer.
DUTCH_DAY = re.compile(r"\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*")


def _iso_day(text: str) -> str:
    """A Dutch day (dd-mm-jjjj) as the ISO day the place fields read; anything else as given,
    so that the fields' own check names what is wrong with it."""
    match = DUTCH_DAY.fullmatch(text)
    if match is None:
        return text
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Position and label (as the file writes it) of each column; refuses a wrong header."""
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    unknown, doubled = [], []
    for position, cell in enumerate(header):
        label = cell.strip()
        column = HEADER_NAMES.get(label.casefold())
        if column is None:
            if label:
                unknown.append(label)
            continue
        if column in positions:
            doubled.append(label)
            continue
        positions[column], labels[column] = position, label
    problems = []
    if unknown:
        problems.append(f"Onbekende kolom{'men' if len(unknown) > 1 else ''} in de kopregel: "
                        f"{', '.join(unknown)}.")
    if doubled:
        problems.append(f"Dubbele kolom{'men' if len(doubled) > 1 else ''} in de kopregel: "
                        f"{', '.join(doubled)}.")
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        problems.append(f"De kopregel mist de kolom{'men' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)}.")
    if problems:
        dutch = {column: name for name, column in DUTCH_COLUMNS.items()}
        problems.append(
            f"De kopregel noemt de kolommen {', '.join(REQUIRED_COLUMNS)} (of in het "
            f"Nederlands {', '.join(dutch[c] for c in REQUIRED_COLUMNS)}) en naar keuze "
            f"{', '.join(OPTIONAL_COLUMNS)} ({', '.join(dutch[c] for c in OPTIONAL_COLUMNS)}), "
            f"in een willekeurige volgorde, gescheiden door komma's of puntkomma's.")
        raise _file_error("De kopregel van het bestand klopt niet; er is niets ingelezen.",
                          *problems)
    return positions, labels


_PERSONAL_KEYS = tuple(_PERSONAL_FIELDS)


class _Places(Sequence):
    """A file's places as the field rules read them, held compactly: a dict per place took some
    26 MiB for 100,000, more than the JSON they are stored as. Per place only what is
    its own (the student's name, or name, birth date and number) and the index of its
    repeating cells, each distinct combination held once. ``places[i]`` is the place as a
    dict, made when asked for (the keys in the order ``parse_document`` gives them)."""

    def __init__(self) -> None:
        self.personal: list = []  # the name alone, or a tuple in _PERSONAL_KEYS order
        self.kinds = array("i")  # index into ``commons``
        self.commons: list[dict] = []  # the repeating cells' values, each combination once

    def append(self, personal: tuple, kind: int) -> None:
        name, *rest = personal
        self.personal.append(personal if any(value is not None for value in rest) else name)
        self.kinds.append(kind)

    def personal_of(self, index: int) -> tuple:
        own = self.personal[index]
        return own if isinstance(own, tuple) else (own,) + (None,) * (len(_PERSONAL_KEYS) - 1)

    def __len__(self) -> int:
        return len(self.kinds)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[at] for at in range(*index.indices(len(self)))]
        place = {column: value for column, value
                 in zip(_PERSONAL_KEYS, self.personal_of(index), strict=True)
                 if value is not None}
        place.update(self.commons[self.kinds[index]])
        return place

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return NotImplemented if not isinstance(other, Sequence) else False
        return all(mine == theirs for mine, theirs in zip(self, other, strict=True))

    __hash__ = None

    def json_chunks(self, size: int = 1000) -> Iterator[str]:
        """The places as ``json.dumps`` writes them in a list (without its brackets), in
        pieces of ``size`` places: each combination of repeating cells encoded once."""
        inner: dict[int, str] = {}  # kind → its cells as json.dumps writes them, no braces
        keys = [encode_basestring_ascii(column) + ": " for column in _PERSONAL_KEYS]
        for start in range(0, len(self), size):
            pieces = []
            for index in range(start, min(start + size, len(self))):
                kind = self.kinds[index]
                common = inner.get(kind)
                if common is None:
                    common = inner[kind] = json.dumps(self.commons[kind])[1:-1]
                own = [key + _json_value(value) for key, value
                       in zip(keys, self.personal_of(index), strict=True) if value is not None]
                if common:
                    own.append(common)
                pieces.append("{" + ", ".join(own) + "}")
            yield (", " if start else "") + ", ".join(pieces)


def _json_value(value) -> str:
    # What json.dumps (ensure_ascii, as SQLAlchemy's JSON type calls it) makes of a value.
    return encode_basestring_ascii(value) if type(value) is str else json.dumps(value)


@dataclass
class _Parsed:
    places: _Places
    lines: array  # the file's line number of each place (8 bytes each, not 36)
    errors: dict[int, list[tuple[str | None, str]]]  # line → (column or None, message)
    positions: dict[str, int]  # column → its position in the file
    labels: dict[str, str]  # column → its name in the file's header
    records: int = 0  # data lines read
    sharing: list[int] | None = None  # places that may share a student (``_sharing``)

    def add(self, line: int, column: str | None, message: str) -> None:
        items = self.errors.setdefault(line, [])
        if (column, message) not in items:
            items.append((column, message))

    def unreadable(self, line: int) -> set[str | None]:
        return {column for column, _message in self.errors.get(line, ())}


def _read(stream: BinaryIO, limit: int, progress: Progress | None) -> _Parsed:
    source = _Source(stream, limit)
    lines = source.lines()
    header_line = next(lines, None)
    if header_line is None or not header_line.strip():
        raise _file_error(
            "Het bestand is leeg of begint niet met een kopregel; er is niets ingelezen.",
            f"De eerste regel is de kopregel, met de kolommen {', '.join(REQUIRED_COLUMNS)}.")
    reader = csv.reader(chain([header_line], lines), delimiter=_delimiter(header_line))
    header = next(reader)
    positions, labels = _columns(header)
    parsed = _Parsed(places=_Places(), lines=array("q"), errors={}, positions=positions,
                     labels=labels)
    column_at = {position: column for column, position in positions.items()}
    most = max_places()
    shared: dict[tuple, tuple[int, dict]] = {}
    line = reader.line_num + 1  # where the next record starts
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as error:
            # The reader cannot find its way back into the file after this.
            parsed.add(line, None, f"Deze regel is geen geldige CSV ({error}); het bestand is "
                                   f"vanaf hier niet gelezen.")
            break
        if cells is None:
            break
        record_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        parsed.records += 1
        if parsed.records > most:
            raise too_many_places(most)
        if "\x00" in "".join(cells):
            for position, cell in enumerate(cells):
                if "\x00" in cell:
                    # Neither database stores a NUL in text; a spreadsheet never writes one.
                    parsed.add(record_line, column_at.get(position),
                               "Hierin staat een nulteken (U+0000); dat kan niet worden "
                               "opgeslagen.")
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            parsed.add(record_line, None,
                       f"Deze regel heeft {len(cells)} kolommen en de kopregel {len(header)}: "
                       f"staat er een komma of puntkomma in een veld zonder "
                       f"aanhalingstekens eromheen?")
        row = {column: cells[position] if position < len(cells) else ""
               for column, position in positions.items()}
        personal, kind, errors = _parse_row(row, shared, parsed.places.commons)
        for column, messages in errors.items():
            for message in messages:
                parsed.add(record_line, column, message)
        parsed.places.append(personal, kind)
        parsed.lines.append(record_line)
        if progress is not None and parsed.records % PROGRESS_EVERY == 0:
            progress(parsed.records, source.bytes_read)
    if progress is not None:
        progress(parsed.records, source.bytes_read)
    return parsed


def _parse_row(row: dict[str, str], shared: dict, commons: list[dict]
               ) -> tuple[tuple, int, dict[str, list[str]]]:
    """A line read by the place fields, as ``parse_document(row, PLACE_FIELDS)`` reads it (a
    Dutch day first made ISO): each field reads its own cell alone, so the columns that repeat
    are read once per distinct combination, their values put in ``commons`` once. Returns the
    personal values (in _PERSONAL_KEYS order, None where empty), the index in ``commons`` and
    the errors."""
    key = tuple((column, value) for column, value in row.items()
                if column not in _PERSONAL_FIELDS)
    found = shared.get(key)
    if found is None:
        if len(shared) >= SHARED_CACHE_SIZE:
            shared.clear()
        cells = {column: _iso_day(value) if column in DATE_COLUMNS else value
                 for column, value in key}
        common, common_errors = parse_document(cells, _SHARED_FIELDS)
        commons.append(common)
        found = shared[key] = (len(commons) - 1, common_errors)
    kind, common_errors = found
    # parse_document's loop over the few personal cells, without its cost per line.
    errors = Errors()
    personal = []
    for column, field in _PERSONAL_FIELDS.items():
        value = row.get(column)
        result = None
        if value is not None:
            if column in DATE_COLUMNS:
                value = _iso_day(value)
            result = field.parse(value, column, errors)
        personal.append(None if result is INVALID else result)
    if errors:
        return tuple(personal), kind, {**errors.as_dict(), **common_errors}
    return tuple(personal), kind, common_errors


# -- checking the places together -----------------------------------------------------------

def _place_errors(found: dict[str, list[str]]) -> dict[int, dict[str, list[str]]]:
    """check_complete's messages on places, per place index and column."""
    by_index: dict[int, dict[str, list[str]]] = {}
    for path, messages in found.items():
        match = _PLACE_PATH.fullmatch(path)
        if match:
            by_index.setdefault(int(match[1]), {}).setdefault(match[2], []).extend(messages)
    return by_index


def _line_list(lines) -> str:
    numbers = [str(number) for number in sorted(set(lines))]
    if len(numbers) == 1:
        return f"regel {numbers[0]}"
    return f"regels {', '.join(numbers[:-1])} en {numbers[-1]}"


def _check(parsed: _Parsed, rules: dict, window_code: str) -> None:
    """The completeness rules over the whole list, their messages put on the file's lines.

    A message a place also gets on its own is about that line alone. One it gets only in the
    company of the others is the rule that a student counts for at most one full place a year:
    the field module marks the place that pushes the student over; the earlier places of the
    same student (in the order the rule counts them) are named with it, and get a message
    pointing back.

    ``check_complete`` over the whole list says the same as over each place alone plus, for
    the students the field module finds over one place (``places_over_one``), over those
    students' places together. A place's own messages depend on its cells, the name and number
    only through being filled in, so places alike in the rest are checked once. Only places
    that may share a student with another (``_sharing``) can be over one place together: the
    rules over students see those alone, in their order.
    """
    places = parsed.places
    found = _own_errors(places, rules, window_code)
    company: dict[int, tuple[int, dict[str, list[str]]]] = {}  # index → (in ``sharing``, …)
    students = None
    if parsed.sharing is None:
        parsed.sharing = _sharing(places)
    sharing = [places[index] for index in parsed.sharing]
    over_one = fields.places_over_one(sharing, rules) if sharing else {}
    if over_one:
        # Only those students' places (all of them: "the same student" may link through a
        # third place) are checked together; their messages are those of the whole list.
        students = _students(sharing)
        over = {students[0][index] for index in over_one}
        together = [index for index, student in enumerate(students[0]) if student in over]
        company = {parsed.sharing[together[at]]: (together[at], messages)
                   for at, messages in _place_errors(fields.check_complete(
                       {"places": [sharing[index] for index in together]}, rules,
                       window_code=window_code)).items()}
    units = fields.Units.of(rules)
    partners_of: dict[int, set[int]] = {}  # an earlier place → the lines it pushed over one
    for index in sorted(set(found) | set(company)):
        line = parsed.lines[index]
        alone = found.get(index, {})
        unreadable = parsed.unreadable(line)
        for column, messages in alone.items():
            # A column that could not be read is not also "missing".
            if column not in unreadable:
                for message in messages:
                    parsed.add(line, column, message)
        at, together_messages = company.get(index, (None, {}))
        for column, messages in together_messages.items():
            for message in messages:
                if message in alone.get(column, ()):
                    continue
                earlier = [parsed.sharing[other]
                           for other in _earlier_places(sharing, students, at, units)]
                for partner in earlier:
                    partners_of.setdefault(partner, set()).add(line)
                suffix = (f" Zie {_line_list(parsed.lines[other] for other in earlier)}."
                          if earlier else "")
                parsed.add(line, column, message + suffix)
    for partner, lines in partners_of.items():
        parsed.add(parsed.lines[partner], fields.size_field(places[partner]),
                   f"Samen met {_line_list(lines)} telt deze student voor meer dan één "
                   f"volledige plaats in het studiejaar.")


def _own_errors(places: _Places, rules: dict, window_code: str
                ) -> dict[int, dict[str, list[str]]]:
    """check_complete's messages on each place alone, per place index and column."""
    by_shape: dict[tuple, dict[str, list[str]]] = {}
    found: dict[int, dict[str, list[str]]] = {}
    identity = [column in _IDENTITIES for column in _PERSONAL_KEYS]
    for index, kind in enumerate(places.kinds):
        # The place's cells as the rules see them: its repeating ones by their index.
        shape = (kind, *(value if value is None or not asks else (_filled(value),)
                         for value, asks in zip(places.personal_of(index), identity,
                                                strict=True)))
        errors = by_shape.get(shape)
        if errors is None:
            if len(by_shape) >= SHARED_CACHE_SIZE:
                by_shape.clear()
            errors = by_shape[shape] = _place_errors(fields.check_complete(
                {"places": [places[index]]}, rules, window_code=window_code)).get(0, {})
        if errors:
            found[index] = errors
    return found


def _sharing(places: _Places) -> list[int]:
    """The places that may be of one student with another, by the field module's own
    ``identities``: those with an identity another place has too.

    Most files name each student once; then no student can count for more than one place
    and the costly rules over students (``places_over_one``, the caps in ``place_fractions``)
    have nothing to find. A place whose identities no other place has is a student of its
    own: it counts for its own fraction (at most one full place) and is never over one. Only
    hashes are kept, so a large file costs little memory: equal identities have equal hashes,
    and a repeated hash at worst sends a place the full way needlessly.
    """
    seen: set[int] = set()
    repeated: set[int] = set()
    for place in places:
        for identity in fields.identities(place):
            key = hash(identity)
            if key in seen:
                repeated.add(key)
            seen.add(key)
    del seen
    if not repeated:
        return []
    return [index for index, place in enumerate(places)
            if any(hash(identity) in repeated for identity in fields.identities(place))]


def _shares(places: _Places, rules: dict, sharing: list[int]
            ) -> Counter[tuple[str, Fraction]]:
    """``fields.place_fractions`` counted per category and share: each place's share, a
    student's places together capped at one full place. A place that shares no student
    (``_sharing``) counts for its own fraction, which depends only on its repeating cells:
    computed once per combination of them."""
    units = fields.Units.of(rules)
    per_kind = Counter(places.kinds)
    shared = [places[index] for index in sharing]
    for index in sharing:
        per_kind[places.kinds[index]] -= 1
    counted: Counter[tuple[str, Fraction]] = Counter()
    for kind, count in per_kind.items():
        common = places.commons[kind]
        share = fields.place_fraction(common, units)
        if count and share is not None:
            counted[common["category"], share] += count
    for place, share in zip(shared, fields.place_fractions(shared, rules), strict=True):
        if share is not None:
            counted[place["category"], share] += 1
    return counted


# The completeness rules ask of these only whether they are filled in.
_IDENTITIES = frozenset({"student_name", "student_number"})


def _filled(value) -> object:
    return bool(value.strip()) if isinstance(value, str) else value


def _students(places: list[dict]) -> tuple[list[int | None], dict[int, list[int]]]:
    """Each place's student and the places per student, by the field module's own notion of
    "the same student" (``students``), so that the two can never disagree about who is who."""
    student_of = fields.students(places)
    students: dict[int, list[int]] = {}
    for index, student in enumerate(student_of):
        if student is not None:
            students.setdefault(student, []).append(index)
    return student_of, students


def _counting_order(places: list[dict], index: int) -> tuple[str, int]:
    return places[index].get("starts_on") or "", index


def _earlier_places(places: list[dict], students: tuple, index: int, units: fields.Units
                    ) -> list[int]:
    """The places of the same student counted before this one (and so counted at all)."""
    student_of, by_student = students
    mine = _counting_order(places, index)
    return [other for other in by_student.get(student_of[index], ())
            if other != index and _counting_order(places, other) < mine
            and fields.place_fraction(places[other], units) is not None]


def _refusal(parsed: _Parsed) -> ValidationFailed:
    wrong = sorted(parsed.errors)
    reported: dict[str, list[str]] = {}
    for line in wrong[:MAX_REPORTED_LINES]:
        # A column the file lacks (months of a promovendus, say) is named as the API names it.
        items = sorted(parsed.errors[line], key=lambda item: -1 if item[0] is None
                       else parsed.positions.get(item[0], len(parsed.positions)))
        reported[f"line {line}"] = [
            message if column is None else f"{parsed.labels.get(column, column)}: {message}"
            for column, message in items]
    rest = len(wrong) - MAX_REPORTED_LINES
    if rest > 0:
        reported["file"] = [f"… en nog {rest} {'regel' if rest == 1 else 'regels'} met fouten."]
    count = len(wrong)
    return ValidationFailed(
        f"Er is niets ingelezen: {count} {'regel' if count == 1 else 'regels'} van het bestand "
        f"{'bevat' if count == 1 else 'bevatten'} fouten.", reported)


# -- the import -----------------------------------------------------------------------------

@dataclass
class CheckedFile:
    """A places file read and checked against an application's rules, not yet stored."""

    application_id: int
    rules: dict
    window_code: str
    parsed: _Parsed


def _rules_of(application: Application) -> tuple[dict, str]:
    return (current_rules(application, workflow_for(SCHEME).default_rules)["rules"],
            application.window.code)


def read_places(application_id: int, actor: User, stream: BinaryIO, *,
                progress: Progress | None = None, limit: int | None = None) -> CheckedFile:
    """Step one: read the whole file and check it, line by line and as a list, taking no lock.

    Only a short read of the application (is it the actor's, editable, under which rules) touches
    the database; a caller in a writing request runs this in ``grants.database.reading()`` and
    ends the transaction before ``import_places``, so that other users go on writing while a
    large file is parsed (on SQLite a write transaction locks the whole database).

    ``stream`` is binary and is read once, in chunks, up to ``limit`` bytes (the config's
    ``PLACES_CSV_MAX_BYTES``, 20 MB by default). ``progress(lines, bytes)`` is called every
    thousand lines and at the end. Raises ValidationFailed (422) with ``fields`` per line
    ("line 3": ["weeks: …"]) or on "file", Forbidden (403), NotFound (404) or Conflict (409).
    """
    application = editable_application(application_id, actor)
    return check_file(application, stream, progress=progress, limit=limit)


def check_file(application: Application, stream: BinaryIO, *, rules: tuple[dict, str] | None = None,
               progress: Progress | None = None, limit: int | None = None) -> CheckedFile:
    """``read_places`` for an application the caller has already found editable by its actor;
    ``rules`` (the rules and the window code) when the caller already knows them."""
    rules, window_code = rules or _rules_of(application)
    parsed = _read(stream, limit or max_bytes(), progress)
    if not parsed.places and not parsed.errors:
        raise _file_error("Het bestand bevat geen plaatsen; er is niets ingelezen.",
                          "Onder de kopregel staat geen enkele plaats.")
    _check(parsed, rules, window_code)
    if parsed.errors:
        raise _refusal(parsed)
    return CheckedFile(application.id, rules, window_code, parsed)


def import_places(checked: CheckedFile, actor: User, now: datetime) -> ImportResult:
    """Step two, in one short write transaction: replace the application's places by the
    checked file's. The application is locked and checked again (it may have been submitted
    meanwhile); should its rules have changed since the file was checked, the file is checked
    again under the new ones. Nothing is committed here."""
    require_role(actor, Role.APPLICANT)
    application = locked_application(checked.application_id, actor)
    result = store_checked(application, checked, actor, now)
    db.session.flush()
    return result


def store_checked(application: Application, checked: CheckedFile, actor: User,
                  now: datetime) -> ImportResult:
    """Put a checked file's places on ``application``, which the caller locked as ``actor``'s;
    not flushed. What ``update_application`` does with a new list of places, without reading
    the places a second time: they were read by the same field rules when the file was, and
    their fractions are counted once for both the requested amount and the result. Raises
    before anything on the application changes."""
    _require_editable(application)
    rules, window_code = _rules_of(application)
    parsed = checked.parsed
    if (rules, window_code) != (checked.rules, checked.window_code):
        _check(parsed, rules, window_code)
        if parsed.errors:
            raise _refusal(parsed)
    places = parsed.places
    if parsed.sharing is None:
        parsed.sharing = _sharing(places)
    rate = with_defaults(rules, fields.DEFAULT_RULES)["rate_cap_cents"]
    # Summed per distinct share: exactly the sum over the places, without a Fraction per place.
    counted = _shares(places, rules, parsed.sharing)
    totals = {category: Fraction(0) for category in fields.CATEGORIES}
    requested = 0
    for (category, share), count in counted.items():
        totals[category] += share * count
        requested += math.floor(rate * share) * count
    refused = ceiling_errors(SCHEME, requested, application.window.ceiling_cents)
    if refused:
        raise ValidationFailed("De aanvraag is niet gewijzigd.", refused)
    application.version += 1
    _write_details(application, places)
    application.requested_cents = requested
    ensure_filer_named(application, "De aanvraag is niet gewijzigd.")
    withdraw_stale(application, actor, now)
    return ImportResult(application=application, lines=parsed.records, imported=len(places),
                        fractions=totals, at=now)


def _write_details(application: Application, places: _Places) -> None:
    """``application.details = {**its other details, "places": places}``, written to its row
    at once, the JSON made from the compact places: handed to the ORM, 100,000 places became a
    dict each and ``json.dumps`` held its text twice while joining it (together three times
    the text). The text is what ``json.dumps`` would store, byte for byte; the attribute is
    expired, so that whoever reads it next reads it from the row."""
    details = {key: None if key == "places" else value
               for key, value in (application.details or {}).items() if value is not None}
    details.setdefault("places", None)
    db.session.expire(application, ["details"])  # the earlier places: not kept meanwhile
    table = Application.__table__
    connection = db.session.connection()
    dialect = connection.dialect
    value, text = sa.bindparam("details_json", type_=sa.Text()), ""
    if dialect.name != "sqlite":
        value = sa.cast(value, table.c.details.type)  # text to PostgreSQL's json
    if dialect.driver == "psycopg":
        # psycopg would encode a str into bytes, a second copy of the text: these bytes go to
        # the server as they are.
        connection.connection.driver_connection.adapters.register_dumper(
            _JsonBytes, _psycopg_text_dumper())
        text = _JsonBytes()
    connection.execute(sa.update(table).where(table.c.id == application.id)
                       .values({table.c.details: value}),
                       {"details_json": _details_json(details, places, text)})


class _JsonBytes(bytearray):
    """JSON text as ASCII bytes, for a driver that sends them without a copy."""


@cache
def _psycopg_text_dumper() -> type:
    # Imported here: a SQLite installation never loads the PostgreSQL driver.
    from psycopg.adapt import Dumper
    from psycopg.postgres import types

    class TextDumper(Dumper):
        oid = types["text"].oid

        def dump(self, obj):
            return obj

    return TextDumper


def _details_json(details: dict, places: _Places, text: str | _JsonBytes = ""
                  ) -> str | _JsonBytes:
    """``json.dumps(details)`` with ``places`` as the value under "places", added to ``text``
    (empty; a str, or ``_JsonBytes`` for the same text in ASCII). It grows in place (``+=``
    on the only reference resizes it), so it is never held twice."""
    as_bytes = isinstance(text, _JsonBytes)
    for piece in _details_pieces(details, places):
        text += piece.encode("ascii") if as_bytes else piece
    return text


def _details_pieces(details: dict, places: _Places) -> Iterator[str]:
    # json.dumps escapes every character beyond ASCII (ensure_ascii): so do these pieces.
    yield "{"
    for number, (key, value) in enumerate(details.items()):
        if number:
            yield ", "
        if key == "places":
            yield json.dumps({key: []})[1:-2]
            yield from places.json_chunks()
            yield "]"
        else:
            yield json.dumps({key: value})[1:-1]
    yield "}"
