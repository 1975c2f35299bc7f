"""Decision letters: the same 500 letters rendered one by one and in batches; letters per second.

    python bench/letters_bench.py [--letters 500] [--chunk 20] [--quick]

"fresh" is one by one with a new font configuration per letter (what a plain
``HTML(...).write_pdf()`` does); "one by one" keeps it between letters, as the jobs do.
Each way runs in a process of its own (so each reports its own peak memory, the maximum
resident set size). The letters are praktijkleren direct settlements — the kind an allocation
run makes by the ten thousand — each with its own reference, addressee and amounts, rendered
from plain values exactly as the jobs do (grants.decisions.render). No database is needed.

``--quick`` (what CI runs) renders 20 letters in batches of 10: every way runs in seconds, but
at that size the rates and ratios say nothing. A way that fails (its process dies or its check
does not hold) makes the bench exit non-zero.
"""

import argparse
import multiprocessing
import os
import queue
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grants.money import format_eur  # noqa: E402

# --quick: enough for every way to run (CI keeps the bench from rotting), not for the rates.
QUICK = {"letters": 20, "chunk": 10}


def sample_context(number: int) -> dict:
    """A direct-settlement letter as grants.decisions.context builds it (plain values)."""
    mbo, hbo = 270_000 - number % 97 * 100, 135_000 - number % 89 * 50
    reference = f"PL-2013-2014-{number:05d}"
    return {
        "kind": "direct_settlement", "kind_label": "Directe vaststelling",
        "title": "Besluit: wij stellen uw subsidie direct vast",
        "subject": f"Directe vaststelling subsidie Subsidieregeling praktijkleren, aanvraag "
                   f"{reference}",
        "reference": f"{reference}/1", "date": "20 november 2014", "date_iso": "2014-11-20",
        "scheme": "praktijkleren", "scheme_name": "Subsidieregeling praktijkleren",
        "legal_basis": "Subsidieregeling praktijkleren, Staatscourant 2013, 31130",
        "regulation": "Subsidieregeling praktijkleren",
        "articles": ["artikel 4:46 van de Algemene wet bestuursrecht"],
        "ministry": {"code": "OCW", "name": "Ministerie van Onderwijs, Cultuur en Wetenschap",
                     "address": ["Postbus 16375", "2500 BJ Den Haag"]},
        "minister": "de minister van Onderwijs, Cultuur en Wetenschap",
        "minister_title": "De minister van Onderwijs, Cultuur en Wetenschap",
        "addressee": {"name": f"Leerbedrijf {number}", "attention": "t.a.v. de contactpersoon",
                      "kvk": f"{60000000 + number:08d}"},
        "application": {"reference": reference, "title": "Praktijkleren 2013/14",
                        "window": "Studiejaar 2013/2014", "submitted_on": "15 september 2014",
                        "requested": format_eur(405_000)},
        "amount": format_eur(mbo + hbo), "reason": "", "signed_by": "Financiën",
        "objection": {"due": "1 januari 2015"},
        "places": {
            "study_year": "2013/2014", "rate_cap": format_eur(270_000),
            "rows": [
                {"category": "mbo (bbl)", "students": 1, "places": "1,0000",
                 "rate": format_eur(mbo), "amount": format_eur(mbo)},
                {"category": "hbo", "students": 1, "places": "0,5000",
                 "rate": format_eur(2 * hbo), "amount": format_eur(hbo)},
            ],
            "iban": "NL91 ABNA 0417 1643 00",
            "payment": "Dat doen wij binnen 6 weken na de datum van deze brief.",
            "retention": "ten minste 7 jaar",
        },
    }


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(way: str, count: int, chunk: int, results) -> None:
    from grants.decisions.render import render_batch, render_one

    contexts = [sample_context(number) for number in range(1, count + 1)]
    render_one(sample_context(0))  # warm up: imports, fonts (not timed, as in a worker)
    started, cpu_started = time.perf_counter(), time.process_time()
    letters = []
    if way == "one by one":
        letters = [render_one(context) for context in contexts]
    elif way == "fresh":
        from grants.decisions import render

        for context in contexts:
            render._local.font_config = None  # what a plain HTML(...).write_pdf() pays
            letters.append(render_one(context))
    else:
        for start in range(0, count, chunk):
            letters += render_batch(contexts[start:start + chunk])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert len(letters) == count and len({letter.sha256 for letter in letters}) == count
    results.put((way, elapsed, cpu, sum(len(letter.pdf) for letter in letters) / count,
                 sum(letter.pages for letter in letters) / count, _peak_mib()))


def collect(process, results):
    """The way's figures, or None if its process died without them.

    Waiting on the queue alone would hang for ever when the child fails (an exception, the
    check on the letters), and CI would wait instead of failing.
    """
    while True:
        try:
            return results.get(timeout=5)
        except queue.Empty:
            if not process.is_alive():
                break
    try:
        # It may have put its figures just before exiting.
        return results.get(timeout=5)
    except queue.Empty:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=20, help="letters per batch render")
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({QUICK['letters']} letters, batches of "
                        f"{QUICK['chunk']}) for CI; the figures mean nothing")
    args = parser.parse_args()
    if args.quick:
        # Only the defaults change: sizes given on the command line still win.
        parser.set_defaults(**QUICK)
        args = parser.parse_args()
    if args.letters < 1 or args.chunk < 1:
        parser.error("at least one letter, in batches of at least one")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    rates = {}
    print(f"{args.letters} letters (praktijkleren, direct settlement); batches of {args.chunk}")
    if args.quick:
        print("quick run: sizes too small for figures to mean anything")
    for way in ("fresh", "one by one", "batch"):
        process = context.Process(target=run, args=(way, args.letters, args.chunk, results))
        process.start()
        figures = collect(process, results)
        process.join()
        if figures is None or process.exitcode != 0:
            print(f"FAILED: {way} (exit code {process.exitcode})", file=sys.stderr)
            return 1
        name, elapsed, cpu, size, pages, peak = figures
        rates[name] = (args.letters / elapsed, args.letters / cpu)
        print(f"{name:<11} {rates[name][0]:6.1f} letters/s ({1000 * elapsed / args.letters:5.1f}"
              f" ms/letter; CPU {rates[name][1]:6.1f} letters/s, "
              f"{1000 * cpu / args.letters:5.1f} ms/letter)  {size / 1024:5.1f} KiB and "
              f"{pages:.1f} pages per letter  peak memory {peak:4.0f} MiB")
    for baseline in ("one by one", "fresh"):
        print(f"batch/{baseline}: {rates['batch'][0] / rates[baseline][0]:.2f}x in wall time, "
              f"{rates['batch'][1] / rates[baseline][1]:.2f}x in CPU time (target: 3x)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
