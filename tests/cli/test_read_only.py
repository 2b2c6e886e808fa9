"""Reading commands never write; read-only media and other users' files can still be read;
every commit in a one-compartment session shows the note (docs/security.md G21)."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from papka.vault import storage as storage_module
from papka.vault.header import REGION_SIZE

from .conftest import DECOY, HIDDEN, Papka

ONE_COMPARTMENT = "only one compartment is open"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _first_id(papka: Papka) -> str:
    import json

    listed = papka("--json", "list", passphrases=[HIDDEN])
    return str(json.loads(listed.stdout)["documents"][0]["id"])


def _stale_second_region(path: Path) -> None:
    """Destroy the end region, so that every compartment's second slot copy needs a repair."""
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size - REGION_SIZE)
        handle.write(os.urandom(REGION_SIZE))


@pytest.fixture
def with_document(with_hidden: Papka, workdir: Path) -> Papka:
    (workdir / "scan.txt").write_text("Повестка", encoding="utf-8")
    added = with_hidden("add", str(workdir / "scan.txt"), "--kind", "summons", "--title", "P",
                        passphrases=[HIDDEN])
    assert added.exit_code == 0, added.output
    return with_hidden


@pytest.mark.parametrize("passphrases", [[DECOY], [HIDDEN], [DECOY, HIDDEN]])
def test_reading_commands_write_nothing_even_when_a_header_needs_repair(
        with_document: Papka, passphrases: list[str]) -> None:
    papka = with_document
    _stale_second_region(papka.container)
    before = (_digest(papka.container), papka.container.stat().st_mtime_ns)
    for words in (["list"], ["usage"], ["check"], ["--json", "list"], ["kinds"]):
        result = papka(*words, passphrases=passphrases)
        assert result.exit_code == 0, (words, result.output)
    assert (_digest(papka.container), papka.container.stat().st_mtime_ns) == before
    checked = papka("check", passphrases=passphrases)
    assert "check --repair" in checked.output
    repaired = papka("check", "--repair", passphrases=passphrases)
    assert repaired.exit_code == 0, repaired.output
    assert _digest(papka.container) != before[0]
    after = papka("--json", "check", passphrases=passphrases)
    assert '"headers_needing_repair": 0' in after.output


def test_every_commit_of_a_one_compartment_session_shows_the_note(with_hidden: Papka) -> None:
    papka = with_hidden
    changed = papka("--level", "0", "passwd", passphrases=[DECOY], new="another decoy phrase now")
    assert changed.exit_code == 0, changed.output
    assert ONE_COMPARTMENT in changed.output
    _stale_second_region(papka.container)
    repaired = papka("check", "--repair", passphrases=["another decoy phrase now"])
    assert repaired.exit_code == 0, repaired.output
    assert ONE_COMPARTMENT in repaired.output
    both = papka("check", "--repair", passphrases=["another decoy phrase now", HIDDEN])
    assert both.exit_code == 0, both.output
    assert ONE_COMPARTMENT not in both.output


@pytest.fixture
def read_only_medium(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every open for writing fails as on a write-protected stick; so does setting times."""
    real_open, real_utime = os.open, os.utime

    def refusing_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_RDWR | os.O_WRONLY):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    def refusing_utime(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(storage_module.os, "open", refusing_open)
    monkeypatch.setattr(storage_module.os, "utime", refusing_utime)
    del real_utime


def test_a_read_only_medium_can_be_read_and_refuses_changes_clearly(
        with_document: Papka, workdir: Path, read_only_medium: None) -> None:
    papka = with_document
    listed = papka("list", passphrases=[HIDDEN])
    assert listed.exit_code == 0, listed.output
    assert "P" in listed.output and "access time" not in listed.output
    checked = papka("check", passphrases=[HIDDEN])
    assert checked.exit_code == 0, checked.output
    (workdir / "more.txt").write_text("x")
    refused = papka("add", str(workdir / "more.txt"), "--kind", "other", "--title", "x",
                    passphrases=[HIDDEN])
    assert refused.exit_code == 3
    assert "read-only" in refused.output and "Traceback" not in refused.output


def test_another_users_read_only_file_is_read_and_its_times_are_noted(
        with_document: Papka, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0444 file of another user: opening it for writing is refused (EACCES) and so is
    setting its times (EPERM); the system calls are refused here as the kernel refuses them."""
    papka = with_document
    real_open = os.open

    def refusing_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & (os.O_RDWR | os.O_WRONLY):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    def refusing_utime(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(storage_module.os, "open", refusing_open)
    monkeypatch.setattr(storage_module.os, "utime", refusing_utime)
    before = _digest(papka.container)
    listed = papka("list", passphrases=[HIDDEN])
    assert listed.exit_code == 0, listed.output
    assert "P" in listed.output and "access time" in listed.output
    doc_id = _first_id(papka)
    refused = papka("remove", doc_id, "--yes", passphrases=[HIDDEN])
    assert refused.exit_code == 3, refused.output
    assert "read-only" in refused.output
    assert _digest(papka.container) == before


def test_backup_makes_a_verified_copy_under_the_lock(with_document: Papka, workdir: Path) -> None:
    papka = with_document
    copy = workdir / "copy.papka"
    made = papka("backup", str(copy))
    assert made.exit_code == 0, made.output
    assert copy.read_bytes() == papka.container.read_bytes()
    refused = papka("backup", str(copy))
    assert refused.exit_code == 1 and "never overwrites" in refused.output
    listed = Papka(container=copy, runner=papka.runner)("list", passphrases=[HIDDEN])
    assert listed.exit_code == 0 and "P" in listed.output
    from papka.vault import Container

    with Container.open(papka.container, [DECOY], writable=False):   # a session holds the lock
        locked = papka("backup", str(workdir / "other.papka"))
    assert locked.exit_code == 3 and not (workdir / "other.papka").exists()


def test_compartment_add_asks_the_same_confirmation_whatever_exists(
        papka: Papka, workdir: Path) -> None:
    """Scripts must say --yes; without it nothing is opened or written, and the words do not
    depend on what the container holds."""
    outputs = []
    for name, hidden in (("plain.papka", False), ("hiding.papka", True)):
        box = Papka(container=workdir / name, runner=papka.runner)
        assert box("init", "--size", "16M", new=DECOY).exit_code == 0
        if hidden:
            added = box("compartment", "add", "--yes", passphrases=[DECOY], new=HIDDEN)
            assert added.exit_code == 0, added.output
        before = _digest(box.container)
        refused = box("compartment", "add", passphrases=[DECOY], new="a third one here")
        assert refused.exit_code == 1 and "--yes" in refused.output
        assert "1 chance in 15" in refused.output
        assert _digest(box.container) == before
        outputs.append(refused.output)
    assert outputs[0] == outputs[1]
