"""A papka process that crashes while it holds keys leaves no core file (docs/security.md G24).

Each case has a control: the same kind of process without papka's protection, killed the same
way, must leave a core file, which shows that the test can see one where the machine writes it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from papka.vault import Container
from tests.conftest import WEAK_PAPKA, unavailable

PASSPHRASE = "crash dump passphrase words"
SESSION = r"""
import sys, time
from papka.vault import Container, _crypto
_crypto.weaken_for_tests()
box = Container.open(sys.argv[1], [sys.stdin.readline().rstrip("\n")])
box.newest.documents.list()
print("ready", flush=True)
time.sleep(120)
"""
CONTROL = r"""
import time
secret = "crash dump passphrase words" * 2
print("ready", flush=True)
time.sleep(120)
"""


def _cores_go_to_the_working_folder() -> None:
    """Core files land in the working folder and may be written at all (else the control could
    not show that the test sees them)."""
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    if pattern.startswith("|") or "/" in pattern:
        unavailable(f"core files go to {pattern!r}, where this test cannot look for them")
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        unavailable("this machine allows no core files at all")


def _allow_core_files() -> None:
    """In the child before it runs: the most permissive core limit the parent's hard one allows."""
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def _crash(script: str, folder: Path, signum: int, stdin: str = "", *args: str) -> list[Path]:
    folder.mkdir()
    child = subprocess.Popen([sys.executable, "-c", script, *args], cwd=folder,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             preexec_fn=_allow_core_files)  # noqa: PLW1509
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(stdin)
    child.stdin.close()
    assert child.stdout.readline().strip() == "ready"
    os.kill(child.pid, signum)
    child.wait(timeout=60)
    assert child.returncode == -signum
    return [p for p in folder.iterdir() if p.name.startswith("core")]


@pytest.mark.parametrize("signum", [signal.SIGSEGV, signal.SIGABRT])
def test_a_library_session_that_crashes_leaves_no_core_file(tmp_path: Path, signum: int) -> None:
    _cores_go_to_the_working_folder()
    box = tmp_path / "box.papka"
    Container.create(box, 16 * 1024 * 1024, PASSPHRASE)
    control = _crash(CONTROL, tmp_path / "control", signum)
    assert control, "the control process left no core file: the test cannot see core files"
    cores = _crash(SESSION, tmp_path / "session", signum, PASSPHRASE + "\n", str(box))
    assert cores == []


def test_a_crashing_papka_shell_leaves_no_core_file(tmp_path: Path) -> None:
    _cores_go_to_the_working_folder()
    box = tmp_path / "box.papka"
    Container.create(box, 16 * 1024 * 1024, PASSPHRASE)
    assert _crash(CONTROL, tmp_path / "control", signal.SIGSEGV)
    folder = tmp_path / "shell"
    folder.mkdir()
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    limit = "unlimited" if hard == resource.RLIM_INFINITY else str(hard // 512)
    command = " ".join([f"ulimit -c {limit};", "exec", *WEAK_PAPKA, "-c", str(box), "shell"])
    child = pexpect.spawn("/bin/sh", ["-c", command], cwd=str(folder),
                          env={**os.environ, "LANGUAGE": "en", "TERM": "dumb"},
                          encoding="utf-8", timeout=60)
    child.expect("Passphrase: ")
    child.sendline(PASSPHRASE)
    child.expect("Another passphrase")
    child.sendline("")
    child.expect("papka> ")
    time.sleep(0.2)
    child.kill(signal.SIGSEGV)
    child.wait()
    assert [p for p in folder.iterdir() if p.name.startswith("core")] == []
