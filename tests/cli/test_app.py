"""The command group (scimcore.cli): lazy tools, and the console script without click."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_help_does_not_import_the_checker() -> None:
    """``scimcore --help`` lists ``check`` without importing scimcore.check."""
    result = _python(
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from scimcore.cli import main\n"
        "out = CliRunner().invoke(main, ['--help']).output\n"
        "print('check' in out, 'scimcore.check' in sys.modules)"
    )
    assert result.stdout.split() == ["True", "False"], result.stderr


def test_check_help_loads_the_checker() -> None:
    """``scimcore check --help`` imports the checker and shows its own options."""
    from scimcore.cli import main

    result = CliRunner().invoke(main, ["check", "--help"])
    assert result.exit_code == 0 and "--token" in result.output


def test_console_script_names_the_extra_when_click_is_missing() -> None:
    """Without click, the console script says to install scimcore[cli] and exits 1, with no traceback."""
    result = _python("import sys\nsys.modules['click'] = None\nfrom scimcore.cli import run\nrun()")
    assert result.returncode == 1
    assert "pip install 'scimcore[cli]'" in result.stderr and "Traceback" not in result.stderr


def test_core_dependencies_are_exactly_the_design_cards() -> None:
    """The core needs pydantic, scim2-models and scim2-filter-parser only; click comes with the cli extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("<")[0].split("=")[0].strip() for d in project["dependencies"]}
    assert names == {"pydantic", "scim2-models", "scim2-filter-parser"}
    assert any(d.startswith("click") for d in project["optional-dependencies"]["cli"])
    assert any("cli" in d for d in project["optional-dependencies"]["server"])


def test_runtime_helpers_import_from_the_package() -> None:
    """``from scimcore.cli import SCIM_PREFIX, open_store`` works in a fresh interpreter (embedding code does)."""
    result = _python("from scimcore.cli import SCIM_PREFIX, open_store\nprint(SCIM_PREFIX, callable(open_store))")
    assert result.stdout.split() == ["/scim/v2", "True"], result.stderr
