"""Files written outside the container are never partial under their real name (docs/security.md
G22): a killed `get` or `export` leaves at most a clearly named partial file, which the next run
removes; `get --force` replaces an existing file only with a complete one."""

from __future__ import annotations

import io
import os
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from papka.output_files import partial_path
from papka.vault import Container
from tests.conftest import WEAK_PAPKA

from .conftest import DECOY, passphrase_pipe

MiB = 1024 * 1024
BIG = 96 * MiB


@pytest.fixture
def big_box(workdir: Path) -> tuple[Path, str]:
    path = workdir / "box.papka"
    Container.create(path, 160 * MiB, DECOY)
    with Container.open(path, [DECOY]) as box:
        doc = box.newest.documents.add(io.BytesIO(os.urandom(BIG)), title="video")
    return path, doc.id


def _run(args: list[str], cwd: Path, preexec: Callable[[], None] | None = None
         ) -> subprocess.Popen[bytes]:
    fd = passphrase_pipe(DECOY)
    try:
        return subprocess.Popen([*WEAK_PAPKA, "--passphrase-fd", str(fd), *args], cwd=cwd,
                                pass_fds=(fd,), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "LANGUAGE": "en"}, preexec_fn=preexec)
    finally:
        os.close(fd)


def _kill_while_writing(child: subprocess.Popen[bytes], partial: Path) -> None:
    deadline = time.monotonic() + 60
    while not partial.exists() or partial.stat().st_size < MiB:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the partial file never appeared"
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    child.wait()


@pytest.mark.parametrize("command", ["get", "export"])
def test_a_killed_output_leaves_only_a_partial_that_the_next_run_removes(
        big_box: tuple[Path, str], workdir: Path, command: str) -> None:
    path, doc_id = big_box
    target = workdir / ("out.bin" if command == "get" else "out.age")
    words = (["-c", str(path), "get", doc_id, "-o", str(target)] if command == "get" else
             ["-c", str(path), "export", "--select", doc_id, "--plain", "-o", str(target)])
    _kill_while_writing(_run(words, workdir), partial_path(target))
    assert not target.exists()
    assert partial_path(target).exists()
    again = _run(words, workdir)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert target.exists() and not partial_path(target).exists()


def _file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (8 * MiB, 8 * MiB))


def test_get_force_keeps_the_existing_file_when_the_new_one_cannot_be_written(
        big_box: tuple[Path, str], workdir: Path) -> None:
    """The write fails part-way (here a file-size limit, as a full disk would)."""
    path, doc_id = big_box
    target = workdir / "summons.pdf"
    target.write_bytes(b"the keeper's only other copy")
    child = _run(["-c", str(path), "get", doc_id, "-o", str(target), "--force"], workdir,
                 preexec=_file_size_limit)
    out, err = child.communicate(timeout=120)
    assert child.returncode != 0
    assert b"Traceback" not in err
    assert target.read_bytes() == b"the keeper's only other copy"
    assert not partial_path(target).exists()
