"""The real `papka` program in a subprocess, with passphrases on inherited descriptors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from papka.vault import Container
from tests.conftest import WEAK_PAPKA

from .conftest import DECOY, passphrase_pipe

PAPKA = WEAK_PAPKA


def run(args: Sequence[str], *, passphrases: Sequence[str] = (), new: str | None = None,
        cwd: Path | None = None, lang: str = "en") -> subprocess.CompletedProcess[bytes]:
    fds: list[int] = []
    words = list(args)
    prefix: list[str] = []
    if passphrases:
        fds.append(passphrase_pipe(*passphrases))
        prefix += ["--passphrase-fd", str(fds[-1])]
    if new is not None:
        fds.append(passphrase_pipe(new))
        prefix += ["--new-passphrase-fd", str(fds[-1])]
    env = {**os.environ, "LANGUAGE": lang}
    try:
        return subprocess.run([*PAPKA, *prefix, *words], pass_fds=fds, capture_output=True,
                              env=env, cwd=cwd, timeout=120, check=False)
    finally:
        for fd in fds:
            os.close(fd)


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_a_script_session_end_to_end(workdir: Path) -> None:
    home, tmp = Path(os.environ["HOME"]), Path(os.environ["TMPDIR"])
    before = (_listing(home), _listing(tmp))
    box = str(workdir / "box.papka")
    paper = workdir / "case.pdf"
    paper.write_bytes(b"%PDF-1.4 fictional case file\n" * 50)

    created = run(["-c", box, "init", "--size", "16M"], new=DECOY)
    assert created.returncode == 0, created.stderr
    assert b"\r" not in created.stderr  # no progress bar when stderr is not a terminal

    added = run(["-c", box, "--json", "add", str(paper), "--kind", "criminal-case"],
                passphrases=[DECOY])
    assert added.returncode == 0, added.stderr
    doc_id = json.loads(added.stdout)["added"][0]["id"]

    listed = run(["-c", box, "--json", "list", "--kind", "criminal-case"], passphrases=[DECOY])
    assert [d["id"] for d in json.loads(listed.stdout)["documents"]] == [doc_id]

    fetched = run(["-c", box, "get", doc_id, "-o", "-"], passphrases=[DECOY])
    assert fetched.returncode == 0 and fetched.stdout == paper.read_bytes()

    wrong = run(["-c", box, "list"], passphrases=["wrong"])
    assert wrong.returncode == 1
    assert wrong.stderr.decode().splitlines()[0] == \
        "papka: error: No compartment opens with this passphrase."

    russian = run(["-c", box, "list"], passphrases=["wrong"], lang="ru")
    assert "Ни один отсек не открывается этим паролем." in russian.stderr.decode()

    checked = run(["-c", box, "--json", "check"], passphrases=[DECOY])
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True

    # Nothing was written outside the container: no config, cache, history or temporary file.
    assert (_listing(home), _listing(tmp)) == before
    assert _listing(workdir) == ["box.papka", "case.pdf"]
    for stream in (created, added, listed, wrong, checked):
        assert DECOY.encode() not in stream.stdout + stream.stderr


def test_exit_codes_of_a_real_process(workdir: Path) -> None:
    box = workdir / "box.papka"
    assert run(["-c", str(box), "list"], passphrases=[DECOY]).returncode == 1
    assert run(["--no-such-option"]).returncode == 1
    assert run(["-c", str(box), "init", "--size", "16M"], new=DECOY).returncode == 0
    with Container.open(box, [DECOY]) as opened:
        locked = run(["-c", str(box), "list"], passphrases=[DECOY])
        opened.newest.documents.add(io.BytesIO(os.urandom(300_000)), title="victim")
    assert locked.returncode == 3 and b"Another papka process" in locked.stderr
    with open(box, "r+b") as handle:             # overwrite the document's sectors
        handle.seek(64 * 1024)
        handle.write(os.urandom(1024 * 1024))
    damaged = run(["-c", str(box), "check"], passphrases=[DECOY])
    assert damaged.returncode == 2, damaged.stderr
    assert b"Traceback" not in damaged.stderr


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["kinds"]])
def test_commands_without_a_container(args: list[str]) -> None:
    result = run(args)
    assert result.returncode == 0 and result.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "papka"
    assert script.exists(), "`make` installs papka's console script beside the interpreter"
    result = subprocess.run([str(script), "--version"], capture_output=True, check=False,
                            timeout=60)
    assert result.returncode == 0 and b"0.1.0" in result.stdout


def test_shell_completion_offers_commands_and_kinds() -> None:
    env = {**os.environ, "_PAPKA_COMPLETE": "bash_complete", "COMP_WORDS": "papka add --kind crim",
           "COMP_CWORD": "3"}
    script = Path(sys.executable).parent / "papka"
    assert script.exists(), "`make` installs papka's console script beside the interpreter"
    kinds = subprocess.run([str(script)], env=env, capture_output=True, check=False, timeout=60)
    assert kinds.stdout.decode().split() == ["plain,criminal-case"]
    env.update(COMP_WORDS="papka li", COMP_CWORD="1")
    commands = subprocess.run([str(script)], env=env, capture_output=True, check=False,
                              timeout=60)
    assert commands.stdout.decode().split() == ["plain,list"]
