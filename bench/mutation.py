"""Mutation testing of the money core (issue 19): how many small changes to a money rule do the
tests notice?

    python bench/mutation.py                          # every module in MODULES, every mutant
    python bench/mutation.py --module grants/money.py # one module (repeatable)
    python bench/mutation.py --quick                  # a sample of mutants of two modules
    python bench/mutation.py --survivors              # also print each survivor's diff

Each module runs on its own: a work directory ``mutants/bench/<module>[.quick]/`` (ignored by git;
``mutmut show NAME`` and ``mutmut browse`` work there) with
links to ``grants/`` and ``tests/`` and a ``pyproject.toml`` whose ``[tool.mutmut]`` is the
project's with ``only_mutate`` set to the module and the test selection set to the tests that
cover it (the table below). mutmut then maps every mutated function to the tests in that
selection that call it and runs only those for each of its mutants, in ONE worker process
(``--max-children 1``: the machine's two cores are shared), on a temporary SQLite database.

Equivalent mutants, ones that cannot change behaviour, are listed in the docstring of the
module's test file (the last entry of its row below), one a line:

    equivalent: grants.money.x_euros__mutmut_7 — why it cannot change behaviour

They are left out of N (the count of equivalents is printed beside it). A mutant whose tests
time out counts as killed; one that no selected test reaches counts as survived.

The last line printed is one JSON object:
``{"<module path>": {"mutants": N, "killed": K, "kill_rate": K/N, ...}, ...}``.
Exit status 1 when mutmut itself fails (its clean run or forced failure does not behave).
"""

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants" / "bench"

# module -> the tests that cover it; the last one is the module's own mutation test file, whose
# docstring lists its equivalent mutants.
MODULES: dict[str, list[str]] = {
    "grants/money.py": [
        "tests/test_money.py", "tests/mutation/test_money.py",
    ],
    "grants/budget/ledger.py": [
        "tests/test_ledger.py", "tests/test_ledger_properties.py",
        "tests/mutation/test_ledger.py",
    ],
    "grants/allocation/methods.py": [
        "tests/allocation/test_methods.py", "tests/allocation/test_law_of_the_window.py",
        "tests/mutation/test_methods.py",
    ],
    "grants/workflows/fields/sectorplan.py": [
        "tests/workflows/test_fields_sectorplan.py",
        "tests/mutation/test_sectorplan_fields.py",
    ],
    "grants/workflows/fields/rif.py": [
        "tests/workflows/test_fields_rif.py", "tests/mutation/test_fields_rif.py",
    ],
    "grants/workflows/fields/praktijkleren.py": [
        "tests/workflows/test_fields_praktijkleren.py",
        "tests/workflows/test_praktijkleren_eligibility.py",
        "tests/mutation/test_fields_praktijkleren.py",
    ],
    "grants/workflows/fields/entry.py": [
        "tests/portal/test_entry_rules.py", "tests/mutation/test_entry.py",
    ],
    "grants/workflows/fields/common.py": [
        "tests/workflows/test_fields_sectorplan.py", "tests/workflows/test_fields_rif.py",
        "tests/workflows/test_fields_praktijkleren.py", "tests/mutation/test_fields_common.py",
    ],
    "grants/workflows/common.py": [
        "tests/workflows/test_guards.py", "tests/workflows/test_lifecycles.py",
        "tests/test_ledger.py", "tests/mutation/test_workflow_common.py",
    ],
    "grants/budget/manual.py": [
        "tests/test_ledger.py", "tests/mutation/test_manual.py",
    ],
    "grants/budget/report.py": [
        "tests/test_ledger.py", "tests/test_finance_pages.py", "tests/mutation/test_report.py",
    ],
    "grants/budget/downloads.py": [
        "tests/test_finance_pages.py", "tests/reports/test_monitoring.py",
        "tests/mutation/test_budget_downloads.py",
    ],
    "grants/budget/charts.py": [
        "tests/test_finance_pages.py", "tests/admin/test_finance_dashboard.py",
        "tests/mutation/test_budget_charts.py",
    ],
    "grants/allocation/runs.py": [
        "tests/allocation/test_runs.py", "tests/allocation/test_law_of_the_window.py",
        "tests/mutation/test_allocation_runs.py",
    ],
    "grants/allocation/approval.py": [
        "tests/allocation/test_four_eyes.py", "tests/mutation/test_allocation_approval.py",
    ],
    "grants/allocation/ranking_line.py": [
        "tests/assess/test_committee.py", "tests/assess/test_committee_quorum.py",
        "tests/assess/test_committee_export.py", "tests/mutation/test_ranking_line.py",
    ],
    "grants/payments/schedule.py": [
        "tests/payments/test_schedule.py", "tests/mutation/test_payment_schedule.py",
    ],
    "grants/payments/payables.py": [
        "tests/payments/test_every_payable.py", "tests/payments/test_runs.py",
        # The preview reads its candidates at once (KnownPayables, waiting_runs): tested there.
        "tests/mutation/test_payment_runs.py", "tests/mutation/test_payables.py",
    ],
    "grants/payments/runs.py": [
        "tests/payments/test_runs.py", "tests/payments/test_four_eyes.py",
        # One approval paying two schemes, each through its own workflow (_fire_payments).
        "tests/payments/test_every_payable.py",
        "tests/mutation/test_payment_runs.py",
    ],
    "grants/payments/target2.py": [
        "tests/payments/test_target2.py", "tests/mutation/test_target2.py",
    ],
    "grants/payments/sepa.py": [
        "tests/payments/test_runs.py", "tests/mutation/test_sepa.py",
    ],
    "grants/payments/export.py": [
        "tests/payments/test_sepa_export.py", "tests/mutation/test_payments_export.py",
    ],
}
# What --quick runs when no --module is given, each against its own mutation test file only
# (the stats run over all covering tests of the ledger alone takes minutes), so that CI's run
# stays within a few minutes; a few sampled mutants of each.
QUICK_MODULES = ["grants/money.py", "grants/budget/ledger.py"]
QUICK_SAMPLE = 4
QUICK_SEED = 19

EQUIVALENT = re.compile(r"^\s*equivalent:\s*(\S+)\s+[—-]+\s+\S", re.MULTILINE)
# mutmut's exit codes of a mutant's test run, as its status_by_exit_code reads them.
KILLED_STATUSES = {"killed", "timeout"}


def mutmut_config() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        data = tomllib.load(file)
    return data


def toml_value(value) -> str:
    # Strings, booleans, numbers and lists of them: JSON spells these as TOML does.
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def write_pyproject(work: Path, module: str, tests: list[str]) -> None:
    data = mutmut_config()
    mutmut = dict(data["tool"]["mutmut"])
    mutmut["only_mutate"] = [module]
    mutmut["pytest_add_cli_args_test_selection"] = [t for t in tests if (ROOT / t).exists()]
    pytest_options = data["tool"]["pytest"]["ini_options"]
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in pytest_options.items()]
    lines += ["", "[tool.mutmut]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in mutmut.items()]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def prepare(module: str, tests: list[str], quick: bool) -> Path:
    # A quick run has a directory of its own, so that it leaves a full run's results be.
    work = WORK / (module.replace("/", ".") + (".quick" if quick else ""))
    if work.exists():
        shutil.rmtree(work)  # every run measures afresh: no verdicts cached from older code
    work.mkdir(parents=True)
    for name in ("grants", "tests"):
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    write_pyproject(work, module, tests)
    return work


def mutant_names(module: str) -> list[str]:
    """Every mutant mutmut makes of the module, named as it names them, without running it."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    source = (ROOT / module).read_text(encoding="utf-8")
    return [get_mutant_name(Path(module), name)
            for name in mutate_file_contents(module, source).mutant_names]


def equivalents(module: str) -> dict[str, str]:
    test_file = ROOT / MODULES[module][-1]
    if not test_file.exists():
        return {}
    doc = ast.get_docstring(ast.parse(test_file.read_text(encoding="utf-8"))) or ""
    return {match.group(1): match.group(0).strip() for match in EQUIVALENT.finditer(doc)}


def results(work: Path, module: str) -> dict[str, str]:
    from mutmut.stats import status_by_exit_code

    meta = json.loads((work / "mutants" / (module + ".meta")).read_text(encoding="utf-8"))
    return {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}


def run_module(module: str, tests: list[str], sample: list[str] | None, quick: bool,
               show_survivors: bool) -> dict:
    work = prepare(module, tests, quick)
    env = {key: value for key, value in os.environ.items() if key != "GRANTS_DATABASE_URL"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    mutmut = shutil.which("mutmut")
    command = [mutmut, "run", "--max-children", "1", *(sample or [])]
    started = time.monotonic()
    log = work / "mutmut.log"
    with open(log, "w", encoding="utf-8") as out:
        finished = subprocess.run(command, cwd=work, env=env, stdout=out,  # noqa: S603
                                  stderr=subprocess.STDOUT, check=False)
    seconds = round(time.monotonic() - started, 1)
    if finished.returncode != 0 or not (work / "mutants" / (module + ".meta")).exists():
        print(log.read_text(encoding="utf-8")[-4000:])
        raise SystemExit(f"mutmut failed on {module} (exit {finished.returncode}); see {log}")

    statuses = results(work, module)
    if sample is not None:
        statuses = {name: statuses[name] for name in sample}
    skipped = {name for name, status in statuses.items() if status in ("not checked", "skipped")}
    equivalent = set(equivalents(module)) & set(statuses)
    counted = {name: s for name, s in statuses.items() if name not in equivalent | skipped}
    killed = sorted(name for name, s in counted.items() if s in KILLED_STATUSES)
    survivors = sorted(name for name in counted if name not in killed)
    print(f"{module}: {len(killed)}/{len(counted)} killed, {len(equivalent)} equivalent, "
          f"{len(skipped)} not run, {seconds} s")
    for name in survivors:
        print(f"  survived ({counted[name]}): {name}")
        if show_survivors:
            shown = subprocess.run([mutmut, "show", name], cwd=work, env=env,  # noqa: S603
                                   text=True, capture_output=True, check=False)
            print("    " + shown.stdout.replace("\n", "\n    "))
    return {"mutants": len(counted), "killed": len(killed),
            "kill_rate": round(len(killed) / len(counted), 4) if counted else 1.0,
            "equivalent": len(equivalent), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES),
                        help="a module of the money core (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_SAMPLE} sampled mutants per module (default modules: "
                             f"{', '.join(QUICK_MODULES)})")
    parser.add_argument("--sample", type=int, help="mutants per module (default: all; quick: "
                                                   f"{QUICK_SAMPLE})")
    parser.add_argument("--survivors", action="store_true", help="print each survivor's diff")
    args = parser.parse_args()
    if shutil.which("mutmut") is None:
        sys.exit("mutmut is not installed: pip install -e '.[test]'")

    modules = args.module or (QUICK_MODULES if args.quick else list(MODULES))
    size = args.sample or (QUICK_SAMPLE if args.quick else None)
    report = {}
    for module in modules:
        sample = None
        if size is not None:
            names = mutant_names(module)
            draw = random.Random(QUICK_SEED)  # noqa: S311 (a reproducible sample, not a secret)
            sample = sorted(draw.sample(names, min(size, len(names))))
        tests = MODULES[module]
        if args.quick and (ROOT / tests[-1]).exists():
            tests = tests[-1:]
        report[module] = run_module(module, tests, sample, args.quick, args.survivors)
    if args.quick:
        print("quick run: a sample of mutants, too few for the kill rates to mean anything")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
