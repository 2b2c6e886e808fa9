"""The KDF cannot be weakened from outside the process: no environment variable, file or option
reaches the switch the test suite uses (docs/security.md G3, docs/FORMAT.md §1)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import papka
from papka.vault import Container, _crypto
from papka.vault.errors import NoCompartmentOpens

PACKAGE = Path(papka.__file__).resolve().parent
PASSPHRASE = "a passphrase for the strength test"
#: Everything that looks like a switch someone could leave in a shell's start-up file.
TEMPTING = {"PAPKA_TESTONLY_WEAKEN_KDF": "1", "PAPKA_WEAKEN_KDF": "1", "PAPKA_KDF": "weak",
            "PAPKA_KDF_MEMORY": "64", "PAPKA_TEST": "1", "PAPKA_TESTING": "1",
            "PYTEST_CURRENT_TEST": "x", "CI": "true"}


def _modules() -> Iterator[Path]:
    for folder in (PACKAGE, *(PACKAGE / name for name in ("vault", "formats", "cli"))):
        yield from sorted(folder.resolve().rglob("*.py"))


def _environment_reads(path: Path) -> list[str]:
    """Every `os.environ` / `os.getenv` use in a module, as `line: source`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_vault_reads_no_environment_variable() -> None:
    readers = {path: uses for path in _modules() if (uses := _environment_reads(path))}
    vault = {str(path): uses for path, uses in readers.items() if "vault" in path.parts}
    assert vault == {}, vault
    # Outside the vault, only the language and the OCR child's PATH and locale come from it.
    assert {path.name for path in readers} <= {"i18n.py", "ocr.py"}, readers


@pytest.fixture
def full_kdf() -> Iterator[None]:
    """This test process derives with the format's parameters for the test's duration."""
    _crypto.weaken_for_tests(None)
    try:
        yield
    finally:
        _crypto.weaken_for_tests()


@pytest.mark.usefixtures("full_kdf")
def test_the_installed_command_ignores_every_kdf_variable(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "papka"
    assert script.exists(), "make installs the console script"
    box = tmp_path / "box.papka"
    read_end, write_end = os.pipe()
    os.write(write_end, f"{PASSPHRASE}\n".encode())
    os.close(write_end)
    try:
        made = subprocess.run(
            [str(script), "-c", str(box), "--new-passphrase-fd", str(read_end), "init",
             "--size", "16M"], pass_fds=(read_end,), capture_output=True, timeout=300,
            env={**os.environ, **TEMPTING, "LANGUAGE": "en"}, check=False)
    finally:
        os.close(read_end)
    assert made.returncode == 0, made.stderr
    assert _crypto.kdf_parameters() == _crypto.KDF_V1
    with Container.open(box, [PASSPHRASE], writable=False) as opened:
        assert opened.compartments                    # the full KDF opens it ...
    _crypto.weaken_for_tests()
    with pytest.raises(NoCompartmentOpens):          # ... and the weakened one does not
        Container.open(box, [PASSPHRASE], writable=False)
