"""The package installs from a checkout without symbolic links and imports without warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_command_line_and_the_library_import_with_warnings_as_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import papka.cli.main, papka.vault, papka.vault.bundle, papka.formats, papka.host"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.slow
def test_a_checkout_without_links_builds_installs_and_passes_quick_tests() -> None:
    if shutil.which("git") is None or not (REPOSITORY / ".git").exists():
        pytest.skip("needs git and a git checkout (an unpacked sdist has none)")
    result = subprocess.run(
        [sys.executable, str(REPOSITORY / "packaging" / "check_checkout_without_links.py")],
        capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "OK: a checkout without links builds, installs (wheel, sdist, editable)" in \
        result.stdout
