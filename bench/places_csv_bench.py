"""How fast does praktijkleren intake go? 100,000 places over 20,000 applications, as CSV files,
each way against sqlite-utils doing the same rows in the same run (issue 16).

    python bench/places_csv_bench.py [--database-url URL] [--applications 20000]
                                     [--places 5] [--single 100000] [--repeat 3] [--quick]

A fresh database (a temporary SQLite file by default; given a PostgreSQL URL, a database
``<name>_bench_places`` created next to it and dropped at the end) gets the schemes
(``seed_schemes``) and ``--applications`` draft praktijkleren applications in window 2013-2014,
spread over employers of 100 applications each, every employer with one applicant. Those are a
bulk INSERT: the bench is about the import, not about making drafts.

Then one CSV file per application is written (``--places`` places each, lines of the size a
real export has, named after the application's reference), and one file of ``--single``
places. Per round (``--repeat``, the medians are reported):

- many files: each employer's files through the bulk path (``grants.jobs.places.import_many``,
  what ``flask grants places import-many`` runs: batches of 500 files, each file checked on its
  own), against sqlite-utils inserting the same files' rows into a fresh SQLite file with
  ``insert_all``, a commit per file;
- one file: the large file into one draft through ``read_places`` and ``import_places``, one
  committed transaction, as the page and the API do, against sqlite-utils ``insert_all`` of the
  same rows into a fresh SQLite file.

The result is checked: every application has its places and the requested amount they bring.
Last, the large file is imported once more, into a draft without places, with tracemalloc on:
the peak of Python's allocations above where it started is ``peak_extra_mib``.

The last line is the JSON of issue 16: ``{"one_file_ratio", "many_files_ratio",
"peak_extra_mib", …}`` (ratios: our time ÷ sqlite-utils' time).

``--quick`` (what CI runs) imports 200 files of 5 places and one file of 1,000, once: every
step runs in seconds, but at that size the figures say nothing.
"""

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from scratch_database import scratch_database
from sqlalchemy.engine import make_url

from grants import create_app
from grants.database import writing
from grants.extensions import db
from grants.models import (
    Application,
    ApplicationState,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    Scheme,
    User,
    UserRole,
    Window,
)

IN_WINDOW = datetime(2014, 6, 10, 8, 0, tzinfo=UTC)  # window 2013-2014 is open
WINDOW = "2013-2014"
PER_EMPLOYER = 100
BATCH = 5_000
PASSWORD = "een lang genoeg wachtwoord voor de bench"  # noqa: S105  (throwaway database)
HEADER = ("student_name,category,programme_code,school,starts_on,ends_on,weeks,months,"
          "hours_per_week\n")
# (category, programme code, school, weeks, months, hours a week): a mix of the four
# categories, some part-time; a promovendus counts by months and hours, not weeks.
KINDS = [
    ("mbo", "25180", "ROC Noorderpoort", 40, "", ""),
    ("mbo", "25181", "ROC van Twente", 30, "", ""),
    ("hbo", "34820", "Hanzehogeschool Groningen", 42, "", ""),
    ("vmbo", "", "Het Stedelijk Lyceum", 20, "", ""),
    ("promovendus", "34821", "Rijksuniversiteit Groningen", "", 10, 36),
]
# Each category's full place in weeks (DEFAULT_RULES), for the check at the end.
FULL_WEEKS = {"vmbo": 40, "mbo": 40, "hbo": 42, "promovendus": 40}
# --quick: enough for every step to run (CI keeps the bench from rotting), not for the rates.
QUICK = {"applications": 200, "places": 5, "single": 1_000, "repeat": 1}


# -- building the data ----------------------------------------------------------------------

def applicants(count: int) -> list[int]:
    """``count`` employers with one applicant each; returns the users' ids."""
    from grants.services.accounts import hash_password

    password_hash = hash_password(PASSWORD)  # deliberately slow: once for all of them
    db.session.execute(sa.insert(Organisation), [{
        "name": f"Leerbedrijf {number}", "kvk": f"{70000000 + number:08d}",
        "kind": OrganisationKind.EMPLOYER, "region": Region.NOORD, "created_at": IN_WINDOW,
    } for number in range(1, count + 1)])
    organisations = list(db.session.scalars(
        sa.select(Organisation.id).where(Organisation.kind == OrganisationKind.EMPLOYER)
        .order_by(Organisation.id)))
    db.session.execute(sa.insert(User), [{
        "email": f"werkgever{number}@bench.example", "name": f"Werkgever {number}",
        "password_hash": password_hash, "active": True, "organisation_id": organisation_id,
        "created_at": IN_WINDOW,
    } for number, organisation_id in enumerate(organisations, start=1)])
    users = list(db.session.scalars(
        sa.select(User.id).where(User.organisation_id.in_(organisations)).order_by(User.id)))
    db.session.execute(sa.insert(UserRole),
                       [{"user_id": user_id, "role": Role.APPLICANT} for user_id in users])
    return users


def drafts(count: int, users: list[int]) -> list[tuple[int, int]]:
    """``count`` draft praktijkleren applications without places: (application id, user id)."""
    window = db.session.scalars(sa.select(Window).join(Scheme).where(
        Scheme.code == "praktijkleren", Window.code == WINDOW)).one()
    owners = dict(db.session.execute(sa.select(User.id, User.organisation_id)).all())
    rows = []
    for number in range(1, count + 1):
        user_id = users[(number - 1) // PER_EMPLOYER]
        rows.append({
            "reference": f"PL-{WINDOW}-{number:05d}", "scheme_id": window.scheme_id,
            "window_id": window.id, "organisation_id": owners[user_id],
            "region": Region.NOORD, "title": f"Praktijkleren {WINDOW} ({number})",
            "state": ApplicationState.DRAFT, "requested_cents": 0,
            "details": {"employer_id": f"{100000 + number}", "iban": "NL91ABNA0417164300"},
            "created_at": IN_WINDOW, "created_by_id": user_id, "version": 1,
        })
        if len(rows) == BATCH:
            db.session.execute(sa.insert(Application), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Application), rows)
    ids = list(db.session.scalars(sa.select(Application.id).order_by(Application.id)))
    return [(application_id, users[index // PER_EMPLOYER])
            for index, application_id in enumerate(ids)]


def place_line(application: int, number: int) -> str:
    category, code, school, weeks, months, hours = KINDS[(application + number) % len(KINDS)]
    return (f"Student {application:06d}-{number:03d},{category},{code},{school},"
            f"2013-09-02,2014-06-27,{weeks},{months},{hours}\n")


def write_files(folder: Path, count: int, places: int) -> tuple[list[Path], int]:
    paths, size = [], 0
    for application in range(count):
        path = folder / f"PL-{WINDOW}-{application + 1:05d}.csv"
        body = HEADER + "".join(place_line(application, number) for number in range(places))
        path.write_text(body, encoding="utf-8")
        paths.append(path)
        size += len(body.encode())
    return paths, size


def expected_cents(places: int, application: int) -> int:
    total = 0
    for number in range(places):
        category, _code, _school, weeks, months, hours = KINDS[(application + number)
                                                               % len(KINDS)]
        if category == "promovendus":  # months ÷ 12 × min(hours, 36) ÷ 36
            total += 270000 * months * min(hours, 36) // (12 * 36)
        else:
            total += 270000 * min(weeks, FULL_WEEKS[category]) // FULL_WEEKS[category]
    return total


# -- measuring ------------------------------------------------------------------------------

def import_many_files(pairs: list[tuple[int, int]], paths: list[Path]) -> float:
    """The bulk path (``flask grants places import-many``): each employer's files in one run,
    batched; every file still checked on its own."""
    from grants.jobs.places import import_many
    from grants.services.places_bulk import PlacesFile

    by_user: dict[int, list[PlacesFile]] = {}
    for (_application_id, user_id), path in zip(pairs, paths, strict=True):
        by_user.setdefault(user_id, []).append(
            PlacesFile(path.name, path.stem, lambda path=path: path.open("rb")))
    started = time.perf_counter()
    for user_id, files in by_user.items():
        outcomes = import_many(user_id, files)
        refused = [outcome for outcome in outcomes if outcome.refusal is not None]
        assert not refused, (refused[0].name, refused[0].refusal.fields)
    return time.perf_counter() - started


def baseline_many(folder: Path, paths: list[Path]) -> float:
    """sqlite-utils, the same files into one table of a fresh SQLite file, a commit per file."""
    import sqlite_utils

    target = folder / "baseline-many.db"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    database = sqlite_utils.Database(target)
    table = database["places"]
    for path in paths:
        with path.open(newline="", encoding="utf-8") as handle:
            table.insert_all(csv.DictReader(handle))  # commits its chunk
    database.close()
    return time.perf_counter() - started


def baseline_single(folder: Path, path: Path) -> float:
    """sqlite-utils insert_all of the one large file's rows into a fresh SQLite file, in one
    transaction."""
    import sqlite_utils

    target = folder / "baseline-one.db"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    database = sqlite_utils.Database(target)
    # One transaction, as the import is: insert_all alone commits every chunk of 100 rows.
    with database.atomic(), path.open(newline="", encoding="utf-8") as handle:
        database["places"].insert_all(csv.DictReader(handle))
    database.close()
    return time.perf_counter() - started


def write_single(folder: Path, places: int) -> Path:
    path = folder / "plaatsen-groot.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for number in range(places):
            handle.write(place_line(number, 0).replace("-000,", ","))
    return path


def import_single(path: Path, places: int, user_id: int, application_id: int, *,
                  trace: bool = False) -> tuple[float, float]:
    """One file into one draft as the page and the API do it: (seconds, peak extra MiB; 0
    unless ``trace``, which measures Python's allocations with tracemalloc and is slower)."""
    from grants.services.places_csv import import_places, read_places

    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    with writing():
        actor = db.session.get(User, user_id)
        with path.open("rb") as stream:
            checked = read_places(application_id, actor, stream)
        result = import_places(checked, actor, IN_WINDOW)
        assert result.imported == places, result
        db.session.commit()
    seconds = time.perf_counter() - started
    extra = 0.0
    if trace:
        extra = (tracemalloc.get_traced_memory()[1] - before) / (1024 * 1024)
        tracemalloc.stop()
    db.session.remove()
    return seconds, extra


def drafts_for_single(user_id: int, number: int = 99999) -> int:
    window = db.session.scalars(sa.select(Window).join(Scheme).where(
        Scheme.code == "praktijkleren", Window.code == WINDOW)).one()
    user = db.session.get(User, user_id)
    application = Application(
        reference=f"PL-{WINDOW}-{number}", scheme_id=window.scheme_id, window_id=window.id,
        organisation_id=user.organisation_id, region=Region.NOORD,
        title="Praktijkleren, één groot bestand", details={}, created_at=IN_WINDOW,
        created_by_id=user.id)
    db.session.add(application)
    db.session.flush()
    return application.id


def check(pairs: list[tuple[int, int]], places: int) -> None:
    ids = [application_id for application_id, _user in pairs]
    found = dict(db.session.execute(sa.select(Application.id, Application.requested_cents)
                                    .where(Application.id.in_(ids))).all())
    for index, application_id in enumerate(ids):
        assert found[application_id] == expected_cents(places, index), application_id
    sample = db.session.get(Application, ids[len(ids) // 2])
    assert len(sample.details["places"]) == places
    db.session.rollback()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL; the bench creates and drops "
                        "<name>_bench_places next to its database (default: a temporary "
                        "SQLite file)")
    parser.add_argument("--applications", type=int, default=20_000,
                        help="applications, one CSV file each")
    parser.add_argument("--places", type=int, default=5, help="places per file")
    parser.add_argument("--single", type=int, default=100_000,
                        help="places in one more, single file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timings of each import and its baseline (the median is shown)")
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({QUICK['applications']} files of {QUICK['places']} "
                        f"places, one of {QUICK['single']:,}) for CI; the figures mean nothing")
    args = parser.parse_args(argv)
    if args.quick:
        # Only the defaults change: sizes given on the command line still win.
        parser.set_defaults(**QUICK)
        args = parser.parse_args(argv)
    if args.applications < 1 or args.places < 1 or args.single < 1 or args.repeat < 1:
        parser.error("at least one application with one place")

    with scratch_database(args.database_url, "places") as url, \
            tempfile.TemporaryDirectory(prefix="places-bench-files-") as files, \
            tempfile.TemporaryDirectory(prefix="places-bench-instance-") as instance:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "places-bench", "CLOCK": lambda: IN_WINDOW})
        kind = make_url(url).get_backend_name()
        rows = args.applications * args.places
        print(f"Database: {kind}; {rows:,} places over {args.applications:,} draft "
              f"praktijkleren applications ({args.places} per CSV file), window {WINDOW}.",
              flush=True)
        if args.quick:
            print("quick run: sizes too small for figures to mean anything", flush=True)
        try:
            with app.app_context():
                from grants.schema import prepare_database
                from grants.seed import seed_schemes

                prepare_database()
                with writing():
                    seed_schemes(IN_WINDOW)
                    users = applicants(-(-args.applications // PER_EMPLOYER))
                    pairs = drafts(args.applications, users)
                    db.session.commit()
                    single_id = drafts_for_single(users[0])
                    # The memory is measured on a draft's first import, as an intermediary's
                    # would be: no earlier list of places to load and replace.
                    fresh_id = drafts_for_single(users[0], 99998)
                    db.session.commit()
                started = time.perf_counter()
                paths, size = write_files(Path(files), args.applications, args.places)
                single = write_single(Path(files), args.single)
                single_size_mb = single.stat().st_size / 1e6
                print(f"  {len(paths):,} CSV files written ({size / 1e6:.1f} MB) and one of "
                      f"{args.single:,} places ({single.stat().st_size / 1e6:.1f} MB) in "
                      f"{time.perf_counter() - started:.1f} s", flush=True)

                many, many_base, one, one_base = [], [], [], []
                for round_ in range(1, args.repeat + 1):
                    many_base.append(baseline_many(Path(files), paths))
                    many.append(import_many_files(pairs, paths))
                    check(pairs, args.places)
                    one_base.append(baseline_single(Path(files), single))
                    one.append(import_single(single, args.single, users[0], single_id)[0])
                    print(f"  round {round_}: many files {many[-1]:.2f} s (sqlite-utils, a "
                          f"commit per file: {many_base[-1]:.2f} s); one file {one[-1]:.2f} s "
                          f"(sqlite-utils insert_all: {one_base[-1]:.2f} s)", flush=True)
                _seconds, peak = import_single(single, args.single, users[0], fresh_id,
                                               trace=True)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    figures = {
        "files": args.applications, "places_per_file": args.places, "single_rows": args.single,
        "single_mb": round(single_size_mb, 2), "repeat": args.repeat,
        "many_files_s": round(statistics.median(many), 3),
        "many_files_sqlite_utils_s": round(statistics.median(many_base), 3),
        "many_files_ratio": round(statistics.median(many) / statistics.median(many_base), 2),
        "one_file_s": round(statistics.median(one), 3),
        "one_file_sqlite_utils_s": round(statistics.median(one_base), 3),
        "one_file_ratio": round(statistics.median(one) / statistics.median(one_base), 2),
        "peak_extra_mib": round(peak, 1),
        "database": kind,
    }
    print(f"\nMany files: {rows:,} places in {args.applications:,} files, "
          f"{figures['many_files_s']:.2f} s against sqlite-utils' "
          f"{figures['many_files_sqlite_utils_s']:.2f} s: {figures['many_files_ratio']}×")
    print(f"One file of {args.single:,} places: {figures['one_file_s']:.2f} s against "
          f"sqlite-utils' {figures['one_file_sqlite_utils_s']:.2f} s: "
          f"{figures['one_file_ratio']}×; Python's peak while importing it: "
          f"+{figures['peak_extra_mib']} MiB")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
