"""A container creation that fails, or is killed, leaves nothing under the container's name, and
the next `init` is not refused because of it (docs/security.md G22)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from collections import namedtuple
from pathlib import Path

import pytest

from papka.output_files import partial_path
from papka.vault import Container
from papka.vault import container as container_module
from papka.vault import storage as storage_module
from papka.vault.errors import FileTooLarge, NotEnoughSpace
from tests.conftest import WEAK_PAPKA

MiB = 1024 * 1024
PASSPHRASE = "a passphrase for init tests"


def _refuse_ftruncate(code: int):  # type: ignore[no-untyped-def]
    def refuse(fd: int, length: int) -> None:
        raise OSError(code, os.strerror(code))
    return refuse


def test_a_file_system_that_refuses_to_set_a_size_gets_the_file_filled_in_order(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_module.os, "ftruncate", _refuse_ftruncate(errno.EPERM))
    path = workdir / "fat.papka"
    Container.create(path, 16 * MiB, PASSPHRASE)
    assert path.stat().st_size == 16 * MiB
    assert not partial_path(path).exists()
    with Container.open(path, [PASSPHRASE], writable=False) as box:
        assert box.size == 16 * MiB


def test_a_size_the_file_system_cannot_hold_is_one_clear_error_and_leaves_nothing(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_module.os, "ftruncate", _refuse_ftruncate(errno.EFBIG))
    path = workdir / "big.papka"
    with pytest.raises(FileTooLarge, match="FAT32"):
        Container.create(path, 16 * MiB, PASSPHRASE)
    assert list(workdir.iterdir()) == []


def test_not_enough_free_space_is_refused_before_anything_is_created(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(container_module.shutil, "disk_usage",
                        lambda _: usage(100 * MiB, 90 * MiB, 10 * MiB))
    with pytest.raises(NotEnoughSpace):
        Container.create(workdir / "box.papka", 16 * MiB, PASSPHRASE)
    assert list(workdir.iterdir()) == []


def test_a_killed_init_leaves_no_container_name_and_the_next_init_succeeds(
        workdir: Path) -> None:
    path = workdir / "papers.papka"
    read_end, write_end = os.pipe()
    os.write(write_end, f"{PASSPHRASE}\n".encode())
    os.close(write_end)
    child = subprocess.Popen([*WEAK_PAPKA, "-c", str(path), "--new-passphrase-fd",
                              str(read_end), "init", "--size", "1G"], pass_fds=(read_end,),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    os.close(read_end)
    deadline = time.monotonic() + 60
    while not partial_path(path).exists() or partial_path(path).stat().st_blocks < 2048:
        assert child.poll() is None, "init finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert not path.exists()
    Container.create(path, 16 * MiB, PASSPHRASE)
    assert not partial_path(path).exists()
    with Container.open(path, [PASSPHRASE], writable=False) as box:
        assert box.compartments
