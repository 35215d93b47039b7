"""The dependency rules between the apps (README, Architecture) are checked by import-linter in
`make lint` and .ci/run. These tests prove the contracts would catch the imports issue 15
found: a later stage reaching into an earlier stage's models or services, a stage importing a
later one, and core importing an app."""

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def _lint_with_probe(app: str, source: str) -> str:
    """Run lint-imports with one extra module in ``app`` holding ``source``; its output."""
    probe = ROOT / app / f"_contract_probe_{uuid.uuid4().hex[:8]}.py"
    probe.write_text(source)
    try:
        result = subprocess.run(
            [str(LINT_IMPORTS), "--no-cache"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        probe.unlink()
    return result.stdout + result.stderr


@pytest.mark.parametrize(
    "app, source, expected",
    [
        # A later stage may not use an earlier stage's models or services ...
        ("monitoring", "from eligibility import models\n", "monitoring is not allowed"),
        ("followup", "from apheresis.services import bag_verify\n", "followup is not allowed"),
        # ... nor may an earlier stage use a later one at all ...
        ("eligibility", "from followup import selectors\n", "eligibility is not allowed"),
        # ... and core, at the bottom, imports no app.
        ("core", "import patients.models\n", "core is not allowed"),
    ],
)
def test_a_forbidden_import_breaks_the_contracts(app, source, expected):
    output = _lint_with_probe(app, source)
    assert "_contract_probe_" in output and expected in output, output


def test_an_earlier_stages_selectors_are_allowed():
    output = _lint_with_probe("followup", "from apheresis import selectors\n")
    assert "_contract_probe_" not in output, output
