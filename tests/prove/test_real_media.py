"""A full disk and a read-only medium for real: a small RAM file system mounted for the test
(docs/security.md G22, G23). Needs the right to mount, which CI has (it runs as root)."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from papka.vault import Container
from tests.conftest import WEAK_PAPKA, unavailable

from ..cli.conftest import DECOY, passphrase_pipe

MiB = 1024 * 1024


def _mount(folder: Path, *options: str) -> None:
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                           str(folder)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        unavailable(f"cannot mount a RAM file system here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "small"
    folder.mkdir()
    _mount(folder, "size=6m")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _papka(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    fd = passphrase_pipe(DECOY)
    try:
        return subprocess.run([*WEAK_PAPKA, "--passphrase-fd", str(fd), *args], cwd=cwd,
                              pass_fds=(fd,), capture_output=True, text=True, timeout=300,
                              env={**os.environ, "LANGUAGE": "en"}, check=False)
    finally:
        os.close(fd)


def test_get_force_onto_a_full_disk_keeps_the_old_file(tmp_path: Path, small_disk: Path) -> None:
    box = tmp_path / "box.papka"
    Container.create(box, 32 * MiB, DECOY)
    with Container.open(box, [DECOY]) as opened:
        doc = opened.newest.documents.add(io.BytesIO(os.urandom(12 * MiB)), title="video")
    target = small_disk / "video.mp4"
    target.write_bytes(b"the copy the keeper already had")
    result = _papka("-c", str(box), "get", doc.id, "-o", str(target), "--force", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert "disk is full" in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == b"the copy the keeper already had"
    assert sorted(p.name for p in small_disk.iterdir()) == ["video.mp4"]


def test_init_on_a_disk_too_small_leaves_nothing(tmp_path: Path, small_disk: Path) -> None:
    box = small_disk / "papers.papka"
    fd = passphrase_pipe(DECOY)
    try:
        result = subprocess.run([*WEAK_PAPKA, "-c", str(box), "--new-passphrase-fd", str(fd),
                                 "init", "--size", "16M"], pass_fds=(fd,), cwd=tmp_path,
                                capture_output=True, text=True, timeout=300, check=False,
                                env={**os.environ, "LANGUAGE": "en"})
    finally:
        os.close(fd)
    assert result.returncode == 3, result.stderr
    assert "not enough free space" in result.stderr
    assert list(small_disk.iterdir()) == []


def test_a_read_only_mount_is_read_and_refuses_changes(tmp_path: Path) -> None:
    folder = tmp_path / "stick"
    folder.mkdir()
    _mount(folder, "size=40m")
    try:
        box = folder / "papers.papka"
        Container.create(box, 16 * MiB, DECOY)
        with Container.open(box, [DECOY]) as opened:
            opened.newest.documents.add(io.BytesIO(b"summons"), title="P")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        listed = _papka("-c", str(box), "list", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "P" in listed.stdout and "access time" not in listed.stderr
        (tmp_path / "more.txt").write_text("x")
        refused = _papka("-c", str(box), "add", str(tmp_path / "more.txt"), "--kind", "other",
                         "--title", "x", cwd=tmp_path)
        assert refused.returncode == 3
        assert "read-only" in refused.stderr and "Traceback" not in refused.stderr
    finally:
        subprocess.run(["umount", str(folder)], check=False)
