"""The house's layers hold (README, Architecture): the contracts in .importlinter.

Dependencies point down only (views → forms/services → workflows → decisions/budget → models →
core), and no package's modules import each other in a circle.
"""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_import_points_down_and_no_package_has_a_circle():
    lint_imports = shutil.which("lint-imports")
    assert lint_imports, "import-linter belongs to the test extras: pip install -e '.[test]'"
    result = subprocess.run([lint_imports, "--config", str(ROOT / ".importlinter"),  # noqa: S603
                             "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
