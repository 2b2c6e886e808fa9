"""The command and format 3 (docs/FORMAT.md §10): `init --format 3`, `upgrade`, the notes after
a session that two images of the stick could see, and `check --repair` rebuilding hidden pieces."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from papka.vault import Container
from papka.vault.storage import MemoryStorage
from tests.vault.test_format3 import HIDDEN as LIBRARY_HIDDEN
from tests.vault.test_format3 import _contents, _damage_hidden, _made

from .conftest import DECOY, HIDDEN, Papka

COVER = "wrote more than the decoy's own changes can cover"
REBUILT = "Note: damaged pieces of hidden papers rebuilt in this session: "
STILL_DAMAGED = "Note: pieces of hidden papers still damaged: "
LOCKED = "The container is locked."
KiB = 1024
MiB = 1024 * KiB


@pytest.fixture
def format_3(papka: Papka) -> Papka:
    """A format 3 container of 32 MiB with a decoy and a hidden compartment."""
    made = papka("--json", "init", "--size", "32M", "--format", "3", new=DECOY)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout) == {"created": True, "size": 32 * MiB, "format": 3}
    added = papka("compartment", "add", "--yes", passphrases=[DECOY], new=HIDDEN)
    assert added.exit_code == 0, added.output
    return papka


def _paper(workdir: Path, name: str, size: int) -> Path:
    path = workdir / name
    path.write_bytes(os.urandom(size))
    return path


def _added_id(papka: Papka, *words: str, passphrase: str) -> str:
    result = papka("--json", *words, passphrases=[passphrase])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["added"][0]["id"])


def _papers(path: Path, passphrase: str) -> dict[int, dict[str, bytes]]:
    """Every document of every compartment the passphrase opens, by level, read by the library."""
    with Container.open(path, [passphrase], writable=False) as box:
        return {c.level: _contents(box, c.level) for c in box.compartments}


def _format_of(path: Path, passphrase: str) -> int:
    with Container.open(path, [passphrase], writable=False) as box:
        return box.format


def test_init_makes_format_2_by_default_and_format_3_when_asked(
        papka: Papka, workdir: Path) -> None:
    default = Papka(container=workdir / "default.papka", runner=papka.runner)
    made = default("--json", "init", "--size", "16M", new=DECOY)
    assert json.loads(made.stdout)["format"] == 2
    assert _format_of(default.container, DECOY) == 2
    made = papka("--json", "init", "--size", "16M", "--format", "3", new=DECOY)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["format"] == 3
    assert _format_of(papka.container, DECOY) == 3
    assert papka("init", "--size", "16M", "--format", "4", new=DECOY,
                 container=False).exit_code == 1


def test_usage_shows_the_format(format_3: Papka, workdir: Path) -> None:
    assert json.loads(format_3("--json", "usage", passphrases=[HIDDEN]).stdout)["format"] == 3
    shown = format_3("usage", passphrases=[DECOY]).stdout
    assert [line.split()[-1] for line in shown.splitlines()
            if line.startswith("Container format:")] == ["3"]
    older = Papka(container=workdir / "older.papka", runner=format_3.runner)
    older("init", "--size", "16M", new=DECOY)
    assert json.loads(older("--json", "usage", passphrases=[DECOY]).stdout)["format"] == 2
    assert "Формат контейнера:" in older("--lang", "ru", "usage", passphrases=[DECOY]).stdout


def test_upgrade_converts_and_keeps_every_paper(with_hidden: Papka, workdir: Path) -> None:
    decoy_id = _added_id(with_hidden, "--level", "0", "add",
                         str(_paper(workdir, "cv.bin", 60 * KiB)), passphrase=HIDDEN)
    hidden_ids = [_added_id(with_hidden, "add", str(_paper(workdir, name, size)),
                            passphrase=HIDDEN)
                  for name, size in (("scan-0412.bin", 200 * KiB), ("note.bin", 700))]
    before = _papers(with_hidden.container, HIDDEN)
    assert set(before[0]) == {decoy_id} and set(before[1]) == set(hidden_ids)
    assert before[0][decoy_id] == (workdir / "cv.bin").read_bytes()
    result = with_hidden("--json", "upgrade", "--yes", passphrases=[HIDDEN])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"converted": 2, "format": 3}
    # The confirmation (skipped here with --yes) says the conversion shows; no cover note.
    assert COVER not in result.stderr
    assert _format_of(with_hidden.container, HIDDEN) == 3
    assert _papers(with_hidden.container, HIDDEN) == before
    assert _papers(with_hidden.container, DECOY) == {0: before[0]}
    again = with_hidden("upgrade", "--yes", passphrases=[HIDDEN])
    assert again.exit_code == 0
    assert again.stdout == "Every open compartment is already in format 3; nothing was changed.\n"


def test_upgrade_asks_first_and_refuses_without_a_terminal(with_hidden: Papka) -> None:
    image = with_hidden.container.read_bytes()
    refused = with_hidden("upgrade", passphrases=[HIDDEN])
    assert refused.exit_code == 1
    assert "papka: error: Nothing was converted: confirm with a typed word, or give --yes" in \
        refused.stderr
    explained = " ".join(refused.stderr.split())
    for words in ("Give the passphrase of every compartment you have",
                  "the newest one's passphrase also opens the older ones",
                  "stays in the old format, and later sessions will overwrite its papers",
                  "copied the whole stick before and after the conversion"):
        assert words in explained
    assert with_hidden.container.read_bytes() == image
    assert _format_of(with_hidden.container, HIDDEN) == 2


def test_upgrade_of_a_format_3_container_writes_nothing(format_3: Papka, workdir: Path) -> None:
    _added_id(format_3, "add", str(_paper(workdir, "scan-0412.bin", 20 * KiB)), passphrase=HIDDEN)
    image = format_3.container.read_bytes()
    result = format_3("upgrade", "--yes", passphrases=[HIDDEN])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Every open compartment is already in format 3; nothing was changed.\n"
    as_json = format_3("--json", "upgrade", "--yes", passphrases=[DECOY])
    assert json.loads(as_json.stdout) == {"converted": 0, "format": 3}
    assert format_3.container.read_bytes() == image


def test_a_hidden_session_beyond_the_decoys_cover_says_so(format_3: Papka, workdir: Path) -> None:
    """300 KiB of hidden papers and nothing for the decoy exceed the cover; 10 MiB added to the
    decoy in the same session covers them (a library session measured 4 MiB as too little and
    6 MiB as enough); a decoy-only session never exceeds it."""
    hidden = str(_paper(workdir, "scan-0412.bin", 300 * KiB))
    decoy = str(_paper(workdir, "diploma.bin", 10 * MiB))
    alone = format_3("--json", "add", hidden, passphrases=[HIDDEN])
    assert alone.exit_code == 0, alone.output
    assert COVER in alone.stderr and alone.stderr.count(COVER) == 1
    json.loads(alone.stdout)                       # the note stays out of the JSON
    shell_alone = format_3("shell", passphrases=[HIDDEN], input=f"add {hidden}\nexit\n")
    assert shell_alone.exit_code == 0, shell_alone.output
    assert COVER in shell_alone.stderr
    # Said once the shell has closed the container, and before it says so.
    assert shell_alone.stderr.index(COVER) < shell_alone.stderr.index(LOCKED)
    assert shell_alone.stderr.rstrip().endswith(LOCKED)
    covered = format_3("shell", passphrases=[HIDDEN],
                       input=f"add {hidden}\n--level 0 add {decoy}\nexit\n")
    assert covered.exit_code == 0, covered.output
    assert covered.stderr.count("Documents added: 1.") == 2
    assert COVER not in covered.stderr and covered.stderr.rstrip().endswith(LOCKED)
    decoy_only = format_3("add", hidden, passphrases=[DECOY])
    assert decoy_only.exit_code == 0, decoy_only.output
    assert COVER not in decoy_only.stderr


def test_the_cover_note_in_russian(format_3: Papka, workdir: Path) -> None:
    hidden = str(_paper(workdir, "scan-0412.bin", 300 * KiB))
    result = format_3("--lang", "ru", "add", hidden, passphrases=[HIDDEN])
    assert result.exit_code == 0, result.output
    assert ("Заметка: в этом сеансе записано больше, чем могут прикрыть изменения самой "
            "приманки.") in result.stderr
    assert "`papka shell`" in result.stderr and COVER not in result.stderr


@pytest.fixture
def damaged(workdir: Path) -> tuple[Path, dict[str, bytes]]:
    """A format 3 container file whose hidden compartment lost 12 % of its shares (the library's
    tests make it; its hidden passphrase is theirs), and the hidden papers it holds."""
    memory, _decoy, hidden_papers = _made()
    _damage_hidden(memory, 0.12, seed=3)
    path = workdir / "damaged.papka"
    path.write_bytes(bytes(memory.data))
    return path, hidden_papers


def _copy(papka: Papka, source: Path, name: str) -> Papka:
    copy = Papka(container=source.with_name(name), runner=papka.runner)
    copy.container.write_bytes(source.read_bytes())
    return copy


def _lost_after_reading(path: Path) -> tuple[int, dict[str, bytes]]:
    """How many shares of the hidden compartment are lost (every one read, on a copy), and its
    papers."""
    with Container.open_on(MemoryStorage(bytearray(path.read_bytes())), [LIBRARY_HIDDEN]) as box:
        box.compartments[1].scan()
        return box.compartments[1].lost_shares(), _contents(box, 1)


def test_check_repair_rebuilds_every_lost_hidden_piece(
        papka: Papka, damaged: tuple[Path, dict[str, bytes]]) -> None:
    path, hidden_papers = damaged
    lost, papers = _lost_after_reading(path)
    assert lost > 20 and papers == hidden_papers

    human = _copy(papka, path, "human.papka")
    result = human("check", "--repair", passphrases=[LIBRARY_HIDDEN])
    assert result.exit_code == 0, result.output
    rows = [line.split(":", 1) for line in result.stdout.splitlines()]
    rebuilt = int(dict((k, v.strip()) for k, v in rows)["Pieces of hidden papers rebuilt"])
    assert rebuilt >= lost
    assert f"{REBUILT}{rebuilt}." in result.stderr and COVER in result.stderr
    assert _lost_after_reading(human.container) == (0, hidden_papers)

    as_json = _copy(papka, path, "json.papka")("--json", "check", "--repair",
                                               passphrases=[LIBRARY_HIDDEN])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["ok"] and report["repaired_shares"] >= lost and report["lost_shares"] == 0

    # Without --repair, check only reads, and its report has no such figures.
    reading = _copy(papka, path, "read.papka")
    plain = reading("--json", "check", passphrases=[LIBRARY_HIDDEN])
    assert "repaired_shares" not in json.loads(plain.stdout)
    assert reading.container.read_bytes() == path.read_bytes()


def test_check_repair_in_the_shell_rebuilds_when_the_shell_ends(
        papka: Papka, damaged: tuple[Path, dict[str, bytes]]) -> None:
    path, hidden_papers = damaged
    box = _copy(papka, path, "shell.papka")
    result = box("shell", passphrases=[LIBRARY_HIDDEN], input="check --repair\nexit\n")
    assert result.exit_code == 0, result.output
    assert "Pieces of hidden papers rebuilt" not in result.stdout
    err = result.stderr
    assert "Damaged pieces of hidden papers are rebuilt when you leave the shell." in err
    assert err.index("when you leave the shell") < err.index(REBUILT) < err.index(LOCKED)
    assert _lost_after_reading(box.container) == (0, hidden_papers)


def test_a_session_that_leaves_pieces_lost_says_how_to_rebuild_them(
        papka: Papka, damaged: tuple[Path, dict[str, bytes]], workdir: Path) -> None:
    """A small decoy paper covers too little to rebuild anything (the library's test of the same
    container says so), so the pieces stay lost and the note points at `check --repair`."""
    path, _hidden_papers = damaged
    box = _copy(papka, path, "small.papka")
    small = _paper(workdir, "cv.bin", 2 * KiB)
    result = box("--level", "0", "add", str(small), passphrases=[LIBRARY_HIDDEN])
    assert result.exit_code == 0, result.output
    err = " ".join(result.stderr.split())
    assert STILL_DAMAGED in err and "`papka check --repair` rebuilds them all at once" in err
    count = int(err.split(STILL_DAMAGED)[1].split(".")[0])
    assert count == _lost_after_reading(box.container)[0] > 0
