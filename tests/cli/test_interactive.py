"""The prompts on a real terminal (pexpect): no echo, strength, retries, and `papka shell`."""

from __future__ import annotations

import io
import json
import os
import sys
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
    child.expect(r"New passphrase[^:]*: ")
    child.sendline("masha1995")
    child.expect("weak")
    child.expect(r"Use this weak passphrase anyway\? \[y/N\]")
    child.sendline("n")
    child.expect(r"New passphrase[^:]*: ")
    child.sendline(DECOY)
    child.expect("strength: ")
    child.expect("Type the new passphrase again: ")
    child.sendline(DECOY + " typo")
    child.expect("differ")
    child.expect(r"New passphrase[^:]*: ")
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
    for prompt in (r"New passphrase[^:]*: ", "Type the new passphrase again: "):
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
    for prompt in (r"New passphrase[^:]*: ", "Type the new passphrase again: "):
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


def _real_kdf_env() -> dict[str, str]:
    """For papka run as `python -m papka.cli`: the real KDF (only WEAK_PAPKA weakens it), so
    that the unlock lasts long enough to type during it."""
    return {**os.environ, "LANGUAGE": "en", "COLUMNS": "120", "TERM": "dumb", "PS1": "READY$ "}


@pytest.mark.slow
def test_keys_typed_during_the_unlock_never_reach_the_shell(workdir: Path) -> None:
    canary = workdir / "canary"
    env = _real_kdf_env()
    papka = f"{sys.executable} -m papka.cli"
    child = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], cwd=str(workdir), env=env,
                          encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 120))
    log = io.StringIO()
    child.logfile_read = log
    child.expect("READY\\$ ")
    child.sendline(f"printf '%s\\n' '{DECOY}' | {papka} -c box.papka --new-passphrase-fd 0 "
                   "init --size 16M")
    child.expect("ready")
    child.expect("READY\\$ ")
    child.sendline(f"{papka} -c box.papka list; echo papka-exit=$?")
    child.expect("Passphrase: ")
    child.sendline(DECOY)
    # The notice comes at once, while the KDF still runs for a second or more.
    child.expect("Opening the container…")
    typed = f"touch {canary}"
    child.sendline(typed)
    child.expect("papka-exit=0")
    child.expect("READY\\$ ")
    # If the typed line had reached bash, it would run now, before this one.
    child.sendline("echo after-papka")
    child.expect("after-papka")
    child.expect("READY\\$ ")
    # Ctrl-C during the unlock: papka stops, and the terminal echoes again.
    child.sendline(f"{papka} -c box.papka list; echo papka-exit=$?")
    child.expect("Passphrase: ")
    child.sendline(DECOY)
    child.expect("Opening the container…")
    child.sendintr()
    child.expect("papka-exit=130")
    child.expect("READY\\$ ")
    child.sendline("stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo | sed 's/^/mode:/'")
    child.expect(r"mode:(-?echo)\r?\n")
    assert child.match.group(1) == "echo"
    child.expect("READY\\$ ")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    # Not echoed while papka ran, and not run by bash afterwards.
    assert str(canary) not in log.getvalue(), log.getvalue()
    assert not canary.exists()


def test_add_alone_asks_for_the_description_on_a_terminal(workdir: Path) -> None:
    box = str(workdir / "box.papka")
    child = spawn("-c", box, "--new-passphrase-fd", "0", "init", "--size", "16M", cwd=workdir)
    child.sendline(DECOY)
    child.sendeof()
    assert finish(child) == 0
    (workdir / "scan.txt").write_text("Повестка\n", encoding="utf-8")
    child = spawn("-c", box, "add", "scan.txt", cwd=workdir)
    child.expect("Passphrase: ")
    child.sendline(DECOY)
    child.expect(r"Kind \(")
    child.sendline("criminal-cse")
    child.expect("Did you mean: criminal-case")
    child.expect(r"Kind \(")
    child.sendline("повестка")
    child.expect(r"Title \(Enter for the file name\)")
    child.sendline("Повестка в суд")
    child.expect(r"Tags, separated by commas")
    child.sendline("суд, армия")
    child.expect(r"Date on the paper")
    child.sendline("15.03.2024")
    child.expect("YYYY-MM-DD, e.g.")
    child.expect(r"Date on the paper")
    child.sendline("2024-03-15")
    child.expect(r"([0-9a-f]{8})  Повестка в суд")
    assert finish(child) == 0
    child = spawn("-c", box, "--passphrase-fd", "0", "--json", "list", cwd=workdir)
    child.sendline(DECOY)
    child.sendeof()
    child.expect(pexpect.EOF)
    listed = child.before or ""
    body = json.loads(listed[listed.index("{"):])
    (document,) = body["documents"]
    assert document["kind"] == "summons"
    assert document["tags"] == ["суд", "армия"]
    assert document["date"] == "2024-03-15"


def test_init_generate_shows_six_words_once_and_checks_two(workdir: Path) -> None:
    from papka.cli.passphrase_words import words

    box = str(workdir / "box.papka")
    child = spawn("-c", box, "init", "--size", "16M", "--generate", cwd=workdir)
    # The phrase is printed in bold: skip the terminal's style codes around it. A few words
    # of the list hold a hyphen ("t-shirt", "yo-yo").
    style = r"\x1b\[[0-9;]*m"
    child.expect(rf"shown only this once\):\s+(?:{style})?([a-z -]+?)(?:{style})*\r?\n")
    phrase = child.match.group(1).strip().split(" ")
    assert len(phrase) == 6 and set(phrase) <= set(words())
    child.expect(r"type word number (\d)")
    first = int(child.match.group(1))
    child.sendline("wrong")
    child.expect(r"and word number (\d)")
    child.sendline("words")
    child.expect("does not match")
    child.expect(r"type word number (\d)")
    first = int(child.match.group(1))
    child.sendline(phrase[first - 1])
    child.expect(r"and word number (\d)")
    second = int(child.match.group(1))
    assert second > first
    child.sendline(phrase[second - 1])
    child.expect("Correct.")
    child.expect("ready")
    assert finish(child) == 0
    child = spawn("-c", box, "usage", cwd=workdir)
    child.expect("Passphrase: ")
    child.sendline(" ".join(phrase))
    child.expect(r"Open levels: +0")
    assert finish(child) == 0


def test_strings_to_hide_typed_on_a_terminal_are_not_echoed(workdir: Path) -> None:
    script = ("from papka.cli.hide_file import read_hide_file; "
              "print('read', len(read_hide_file('-')), 'lines')")
    child = pexpect.spawn(sys.executable, ["-c", script], cwd=str(workdir),
                          env={**os.environ, "LANGUAGE": "en", "TERM": "dumb"},
                          encoding="utf-8", timeout=TIMEOUT)
    log = io.StringIO()
    child.logfile_read = log
    child.expect("Finish with an empty line or Ctrl-D")
    child.sendline("Иванова Мария Петровна")
    child.expect("Lines typed: 1")
    child.sendline("ул. Ленина, 5")
    child.expect("Lines typed: 2")
    child.sendline("")
    child.expect("read 2 lines")
    child.expect(pexpect.EOF)
    assert "Иванова" not in log.getvalue() and "Ленина" not in log.getvalue()
