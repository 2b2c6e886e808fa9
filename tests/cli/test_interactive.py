"""The prompts on a real terminal (pexpect): no echo, strength, retries, and `papka shell`."""

from __future__ import annotations

import os
from pathlib import Path

import pexpect
import pytest

from tests.conftest import WEAK_PAPKA

from .conftest import DECOY, HIDDEN

TIMEOUT = 60


def spawn(*args: str, cwd: Path) -> pexpect.spawn:
    env = {**os.environ, "LANGUAGE": "en", "COLUMNS": "120", "TERM": "dumb"}
    child = pexpect.spawn(WEAK_PAPKA[0], [*WEAK_PAPKA[1:], *args], cwd=str(cwd), env=env,
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 120))
    return child


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus)


def test_init_asks_twice_without_echo_and_warns_about_weak_passphrases(workdir: Path) -> None:
    box = str(workdir / "box.papka")
    child = spawn("-c", box, "init", "--size", "16M", cwd=workdir)
    child.expect("New passphrase: ")
    child.sendline("masha1995")
    child.expect("weak")
    child.expect(r"Use this weak passphrase anyway\? \[y/N\]")
    child.sendline("n")
    child.expect("New passphrase: ")
    child.sendline(DECOY)
    child.expect("strength: ")
    child.expect("Type the new passphrase again: ")
    child.sendline(DECOY + " typo")
    child.expect("differ")
    child.expect("New passphrase: ")
    child.sendline(DECOY)
    child.expect("Type the new passphrase again: ")
    child.sendline(DECOY)
    child.expect("ready")
    transcript = child.before or ""
    assert finish(child) == 0
    assert DECOY not in transcript and "masha1995" not in transcript
    assert Path(box).stat().st_size == 16 * 1024 * 1024


def test_shell_runs_commands_on_one_unlock_and_keeps_no_history(workdir: Path) -> None:
    box = str(workdir / "box.papka")
    child = spawn("-c", box, "init", "--size", "16M", cwd=workdir)
    for prompt in ("New passphrase: ", "Type the new passphrase again: "):
        child.expect(prompt)
        child.sendline(DECOY)
    assert finish(child) == 0
    child = spawn("-c", box, "compartment", "add", cwd=workdir)
    child.expect("1 chance in 15")
    child.expect('Type "add" to go on')
    child.sendline("add")
    child.expect("Passphrase: ")
    child.sendline(DECOY)
    child.expect(r"Another passphrase to open \(press Enter when there are no more\): ")
    child.sendline("")
    for prompt in ("New passphrase: ", "Type the new passphrase again: "):
        child.expect(prompt)
        child.sendline(HIDDEN)
    child.expect("level 1")
    assert finish(child) == 0

    paper = workdir / "povestka.txt"
    paper.write_text("Повестка\n", encoding="utf-8")
    child = spawn("-c", box, "shell", cwd=workdir)
    child.expect("Passphrase: ")
    child.sendline(HIDDEN)
    child.expect("Another passphrase")
    child.sendline("")
    child.expect(r"Open compartment levels: 0, 1\.")
    child.expect("papka> ")
    child.sendline("add povestka.txt --kind summons --title 'Повестка в суд'")
    child.expect(r"([0-9a-f]{8})  Повестка в суд")
    doc_id = child.match.group(1)
    child.expect("papka> ")
    child.sendline("list povestka")
    child.expect(doc_id)
    child.expect("papka> ")
    child.sendline(f"get {doc_id[:4]} -o back.txt")
    child.expect("Saved")
    child.expect("papka> ")
    child.sendline("show nothing-like-this")
    child.expect("papka: error: No document has this id")
    child.expect("papka> ")
    child.sendline("panic --yes")
    child.expect("does not run inside the shell")
    child.expect("papka> ")
    child.sendline("help")
    child.expect("Commands")
    child.expect("papka> ")
    child.sendline("exit")
    child.expect("The container is locked.")
    assert finish(child) == 0
    assert (workdir / "back.txt").read_text(encoding="utf-8") == "Повестка\n"
    assert sorted(p.name for p in workdir.iterdir()) == ["back.txt", "box.papka",
                                                         "povestka.txt"]
    assert list(Path(os.environ["HOME"]).iterdir()) == []


def test_ctrl_d_leaves_the_shell_and_wrong_passphrase_exits_1(workdir: Path) -> None:
    box = str(workdir / "box.papka")
    child = spawn("-c", box, "--new-passphrase-fd", "0", "init", "--size", "16M", cwd=workdir)
    child.sendline(DECOY)
    child.sendeof()
    assert finish(child) == 0
    child = spawn("-c", box, "shell", cwd=workdir)
    child.expect("Passphrase: ")
    child.sendline(DECOY)
    child.expect("Another passphrase")
    child.sendline("")
    child.expect("papka> ")
    child.sendeof()
    child.expect("The container is locked.")
    assert finish(child) == 0
    child = spawn("-c", box, "list", cwd=workdir)
    child.expect("Passphrase: ")
    child.sendline("wrong one")
    child.expect("No compartment opens with this passphrase.")
    assert finish(child) == 1


@pytest.mark.parametrize("answer", ["erase", "ERASE "])
def test_panic_asks_for_the_typed_word(workdir: Path, answer: str) -> None:
    box = workdir / "box.papka"
    box.write_bytes(os.urandom(16 * 1024 * 1024))
    before = box.read_bytes()[:4096]
    child = spawn("-c", str(box), "panic", cwd=workdir)
    child.expect('Type "erase" to go on')
    child.sendline(answer)
    child.expect("Nothing in this container can be opened any more.")
    assert finish(child) == 0
    assert box.read_bytes()[:4096] != before
