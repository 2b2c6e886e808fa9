"""Test-wide set-up.

Every test runs with the KDF weakened through papka's test-only hook (never a user option), and
with HOME and TMPDIR pointed at fresh folders so nothing a test does can touch the real ones.
Tests that need a real external component (age, tesseract, qpdf, pdftoppm, ssh-keygen) call
``require_tool``: on a developer's machine without it they skip; in CI (CI=true) they fail.

With PAPKA_TESTONLY_PORTABLE_HOST=1 (read here only, never by papka) papka.host is imported
with fcntl, os.pread, os.pwrite, O_NOFOLLOW, O_DIRECTORY and descriptor utime hidden, so the
run takes the portable paths Windows takes (tests/portable_host.py; `make test` runs the
vault, crash and bundle suites a second time this way).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

if os.environ.get("PAPKA_TESTONLY_PORTABLE_HOST") == "1":
    from tests.portable_host import force_portable_host

    force_portable_host()

from papka.vault import _crypto  # noqa: E402  (after the host is forced)

#: Tests trade the memory-hard cost for speed through papka's in-process test hook; the
#: suite's subprocesses run `papka` through WEAK_PAPKA, which makes the same call.
_crypto.weaken_for_tests()

#: The papka command for subprocesses, with the KDF weakened (tests/weak_papka.py).
WEAK_PAPKA = [sys.executable, str(Path(__file__).resolve().parent / "weak_papka.py")]


def pytest_report_header() -> str:
    from papka import host

    return "papka.host: " + ", ".join(f"{k}={v}" for k, v in host.choices().items())


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(message: str) -> NoReturn:
    """A real component this test needs is missing: skip on a developer's machine, fail in CI,
    where every such test must run for real."""
    if in_ci():
        pytest.fail(f"{message}, and CI must run this test for real")
    pytest.skip(message)


def require_tool(name: str) -> str:
    """Return the path of an external program, skipping (or, in CI, failing) when it is absent."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"the external program {name!r} is not installed")
    return path


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    tmp = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.delenv("PAPKA_CONTAINER", raising=False)
    yield
    # The command's messages are one switch for the process: a test that ran a command or
    # imported the command's modules under a Russian environment leaves them in Russian for
    # the next test in this worker unless it is put back.
    i18n = sys.modules.get("papka.cli.i18n")
    if i18n is not None:
        i18n.set_language("en")


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder for the files a test makes (containers, outputs)."""
    return tmp_path


@pytest.fixture
def kdf_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts Argon2id runs (key "kdf") while the test runs: unlock work, not time."""
    from papka.vault import _crypto

    calls: Counter[str] = Counter()
    real = _crypto.argon2id

    def counting(*args: object) -> bytearray:
        calls["kdf"] += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_crypto, "argon2id", counting)
    yield calls
