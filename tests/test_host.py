"""papka.host: each portable path, run on Linux with the POSIX extras hidden (see
tests/portable_host.py), and papka working end to end in a Python that lacks them."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest

from tests.portable_host import PORTABLE_CHOICES, MsvcrtStandIn, fresh_host


def test_the_forced_run_takes_the_portable_paths() -> None:
    from papka import host

    if os.environ.get("PAPKA_TESTONLY_PORTABLE_HOST") == "1":
        assert host.choices() == PORTABLE_CHOICES
    else:
        assert host.choices()["positioned_io"] == "pread"
        assert host.choices()["extraction"] == "dir_fd"


#: Calls whose availability differs between systems; only papka.host may make them.
_PLATFORM_CALLS = re.compile(
    r"\bfcntl\b|\bmsvcrt\b|os\.pread|os\.pwrite|O_NOFOLLOW|O_DIRECTORY|O_BINARY|\bdir_fd\b"
    r"|/proc/|\bprctl\b|\bwindll\b|os\.utime|os\.fsync|os\.open\(|os\.fdopen|RLIMIT_")


def test_no_module_but_the_host_layer_makes_platform_specific_calls() -> None:
    root = Path(__file__).resolve().parent.parent
    sources = [*root.glob("vault/**/*.py"), *root.glob("cli/**/*.py"),
               *root.glob("formats/**/*.py"), *root.glob("src/papka/*.py")]
    assert len(sources) > 50
    offenders = [f"{path.relative_to(root)}:{number}"
                 for path in sources if path.name != "host.py" or path.parent.name != "papka"
                 for number, line in enumerate(path.read_text().splitlines(), start=1)
                 if _PLATFORM_CALLS.search(line)]
    assert offenders == []


# A Python without fcntl, pread/pwrite, O_NOFOLLOW and O_DIRECTORY (hidden for real, never put
# back), that must import papka without a warning and keep a container and open a bundle.
_WITHOUT_POSIX_EXTRAS = textwrap.dedent("""
    import io, os, sys
    sys.modules["fcntl"] = None
    for name in ("pread", "pwrite", "O_NOFOLLOW", "O_DIRECTORY"):
        delattr(os, name)
    os.supports_fd = os.supports_fd - {os.utime}
    import papka.vault, papka.cli.main
    from papka import host
    from papka.vault import _crypto
    _crypto.weaken_for_tests()
    from papka.vault import Container
    from papka.vault.errors import ContainerLocked
    print(sorted(host.choices().items()))
    path = os.path.join(sys.argv[1], "papers.papka")
    words = ["берёза окно чайник полка"]
    Container.create(path, 16 * 1024 * 1024, words[0])
    with Container.open(path, words) as box:
        doc = box.newest.documents.add(io.BytesIO(b"court papers" * 1000), kind="other")
    before = os.stat(path).st_mtime_ns
    with Container.open(path, words) as box:
        assert box.newest.documents.read_bytes(doc.id) == b"court papers" * 1000
        try:
            Container.open(path, words)
        except ContainerLocked:
            print("locked")
        box.newest.documents.add(io.BytesIO(b"more"), kind="other")
    assert os.stat(path).st_mtime_ns == before
    print("ok")
""")


def test_papka_works_in_a_python_without_the_posix_extras(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-W", "error", "-c", _WITHOUT_POSIX_EXTRAS,
                             str(tmp_path)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == str(sorted({**PORTABLE_CHOICES, "lock": "process"}.items()))
    assert lines[1:] == ["locked", "ok"]
    assert result.stderr == ""


# --- positioned reads and writes, flushing, file times -------------------------------------


def test_seek_based_reads_and_writes_land_where_pread_and_pwrite_would(tmp_path: Path) -> None:
    host = fresh_host()
    assert host.choices()["positioned_io"] == "seek"
    path = tmp_path / "file"
    path.write_bytes(bytes(100))
    fd = os.open(path, os.O_RDWR)
    try:
        os.lseek(fd, 7, os.SEEK_SET)
        assert host.write_at(fd, b"abc", 50) == 3
        assert host.read_at(fd, 5, 49) == b"\0abc\0"
        assert host.read_at(fd, 10, 95) == bytes(5)  # short only at the end
        assert os.pread(fd, 3, 50) == b"abc"
    finally:
        os.close(fd)


class _RecordingFcntl(types.ModuleType):
    F_FULLFSYNC = 51

    def __init__(self, refuse: bool) -> None:
        super().__init__("fcntl")
        self.refuse = refuse
        self.calls: list[tuple[int, int]] = []

    def fcntl(self, fd: int, command: int) -> int:
        self.calls.append((fd, command))
        if self.refuse:
            raise OSError(45, "Operation not supported")
        return 0


@pytest.mark.parametrize("refuse", [False, True])
def test_full_fsync_is_asked_for_where_it_exists(tmp_path: Path, refuse: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    recording = _RecordingFcntl(refuse)
    host = fresh_host(fcntl=recording)
    assert host.choices()["flush"] == "F_FULLFSYNC"
    assert host.choices()["lock"] == "process"  # a stand-in without flock
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    fd = os.open(tmp_path / "f", os.O_RDWR | os.O_CREAT)
    try:
        host.flush_durably(fd)
    finally:
        os.close(fd)
    assert recording.calls == [(fd, 51)]
    assert synced == ([fd] if refuse else [])


def test_file_times_are_put_back_by_path(tmp_path: Path) -> None:
    host = fresh_host()
    assert host.choices()["file_times"] == "path"
    path = tmp_path / "c"
    path.write_bytes(b"x")
    fd = os.open(path, os.O_RDWR)
    try:
        os.write(fd, b"y")
        host.restore_times(fd, path, (1_000_000_000, 2_000_000_000))
    finally:
        os.close(fd)
    assert (path.stat().st_atime_ns, path.stat().st_mtime_ns) == (1_000_000_000, 2_000_000_000)


# --- locking ----------------------------------------------------------------------------------


def test_msvcrt_locking_keeps_a_second_opener_out_and_locks_past_the_end(tmp_path: Path) -> None:
    stand_in = MsvcrtStandIn()
    host = fresh_host(msvcrt=stand_in)
    assert host.choices()["lock"] == "msvcrt"
    path = tmp_path / "c"
    path.write_bytes(bytes(4096))
    first = host.open_file(path, writable=True)
    second = host.open_file(path, writable=False)
    try:
        os.lseek(first, 123, os.SEEK_SET)
        assert host.lock_exclusively(first)
        assert os.lseek(first, 0, os.SEEK_CUR) == 123  # the position is put back
        assert not host.lock_exclusively(second)
        host.unlock(first)
        assert host.lock_exclusively(second)
    finally:
        os.close(first)
        os.close(second)
    # Every lock call is one byte at 1 TiB, past the end of any container.
    assert {(position, size) for _, _, position, size in stand_in.calls} == {(1 << 40, 1)}


def test_without_any_lock_primitive_one_process_cannot_open_a_container_twice(
        tmp_path: Path) -> None:
    host = fresh_host()
    assert host.choices()["lock"] == "process"
    path = tmp_path / "c"
    path.write_bytes(b"x")
    first, second = os.open(path, os.O_RDONLY), os.open(path, os.O_RDONLY)
    try:
        assert host.lock_exclusively(first)
        assert not host.lock_exclusively(second)
        host.unlock(first)
        assert host.lock_exclusively(second)
        host.unlock(second)
    finally:
        os.close(first)
        os.close(second)


# --- new files and extraction -----------------------------------------------------------------


@pytest.mark.parametrize("portable", [False, True])
def test_a_new_file_never_replaces_a_file_or_follows_a_link(tmp_path: Path,
                                                             portable: bool) -> None:
    host = fresh_host(portable=portable)
    outside = tmp_path / "outside"
    outside.write_bytes(b"keep")
    (tmp_path / "link").symlink_to(outside)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for name in ("outside", "link", "dangling"):
        with pytest.raises(FileExistsError):
            host.create_new_file(tmp_path / name)
    assert outside.read_bytes() == b"keep"
    assert not (tmp_path / "nowhere").exists()
    with host.create_new_file(tmp_path / "new") as out:
        out.write(b"a\nb")
    assert (tmp_path / "new").read_bytes() == b"a\nb"
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o600


def test_a_new_file_reaches_the_kernel_in_pieces_and_holds_every_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = fresh_host(portable=False)
    sizes: list[int] = []

    class CountingFile(io.FileIO):
        def write(self, data: Any, /) -> int:
            sizes.append(len(memoryview(data)))
            return super().write(data)

    monkeypatch.setattr(host.io, "FileIO", CountingFile)
    payload = os.urandom(3 * 1024 * 1024 + 17)
    with host.create_new_file(tmp_path / "big") as out:
        assert out.write(memoryview(payload)) == len(payload)
        out.write(b"tail")
        out.write(bytearray(b"+" * 300_000))
    monkeypatch.undo()
    assert (tmp_path / "big").read_bytes() == payload + b"tail" + b"+" * 300_000
    assert len(sizes) >= 26 and max(sizes) <= host.NEW_FILE_PIECE

@pytest.mark.parametrize("portable", [False, True])
def test_extraction_refuses_links_files_and_names_that_leave_the_folder(
        tmp_path: Path, portable: bool) -> None:
    host = fresh_host(portable=portable)
    assert host.choices()["extraction"] == ("checked_paths" if portable else "dir_fd")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    folder = host.ExtractionFolder(out)
    try:
        with folder.create_file("manifest.json") as target:
            target.write(b"{}")
        with folder.create_file("files/01-cv.pdf") as target:
            target.write(b"%PDF")
        with pytest.raises(FileExistsError):
            folder.create_file("files/01-cv.pdf")
        (out / "files" / "02-link.pdf").symlink_to(elsewhere / "planted.pdf")
        with pytest.raises(FileExistsError):
            folder.create_file("files/02-link.pdf")
        (out / "linked").symlink_to(elsewhere, target_is_directory=True)
        with pytest.raises(host.NotAPlainFolder):
            folder.create_file("linked/03-x.pdf")
        (out / "plainfile").write_bytes(b"")
        with pytest.raises(host.NotAPlainFolder):
            folder.create_file("plainfile/04-x.pdf")
        for name in ("../escape", "files/../../escape", "/abs", "a\\b", "c:d", "", "files//x"):
            with pytest.raises(ValueError):
                folder.create_file(name)
        folder.remove_file("files/01-cv.pdf")
        folder.remove_file("files/01-cv.pdf")  # already gone: nothing happens
    finally:
        folder.close()
    assert list(elsewhere.iterdir()) == []
    assert (out / "manifest.json").read_bytes() == b"{}"
    assert not (out / "files" / "01-cv.pdf").exists()


def test_checked_path_extraction_notices_a_folder_swapped_for_a_link(tmp_path: Path) -> None:
    host = fresh_host()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    folder = host.ExtractionFolder(out)
    with folder.create_file("files/01-a.pdf"):
        pass
    # Between two members someone replaces files/ with a link to another folder.
    (out / "files").rename(tmp_path / "moved")
    (out / "files").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(host.NotAPlainFolder):
        folder.create_file("files/02-b.pdf")
    (out / "files").unlink()
    (out / "files").mkdir()  # a new plain folder is still not the one papka made
    with pytest.raises(host.NotAPlainFolder):
        folder.create_file("files/02-b.pdf")
    assert list(elsewhere.iterdir()) == []
    assert list((out / "files").iterdir()) == []


def test_created_folders_are_removed_when_empty(tmp_path: Path) -> None:
    for portable in (False, True):
        host = fresh_host(portable=portable)
        out = tmp_path / f"out-{portable}"
        out.mkdir()
        folder = host.ExtractionFolder(out)
        with folder.create_file("files/01-a.pdf"):
            pass
        folder.remove_file("files/01-a.pdf")
        folder.remove_created_folders()
        folder.close()
        assert list(out.iterdir()) == []


# --- the system's language ------------------------------------------------------------------


def test_windows_language_ids_map_to_locale_names() -> None:
    from papka import host

    assert host.windows_language_name(0x0419) == "ru_RU"
    assert host.windows_language_name(0x0409) == "en_US"
    assert host.windows_language_name(0xFFFF) is None


def test_the_windows_interface_language_is_read_through_ctypes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from papka import host

    kernel32 = types.SimpleNamespace(GetUserDefaultUILanguage=lambda: 0x0419)
    fake_ctypes = types.ModuleType("ctypes")
    fake_ctypes.windll = types.SimpleNamespace(kernel32=kernel32)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ctypes", fake_ctypes)
    assert host.system_ui_language() == "ru_RU"


def test_the_macos_interface_language_is_read_from_the_global_defaults(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from papka import host

    defaults = tmp_path / "defaults"
    defaults.write_text('#!/bin/sh\n[ "$*" = "read -g AppleLocale" ] && echo ru_RU\n')
    defaults.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert host.system_ui_language() == "ru_RU"
    monkeypatch.setattr(sys, "platform", "linux")
    assert host.system_ui_language() is None


@pytest.mark.parametrize("portable", [False, True])
def test_a_folder_is_flushed_where_the_system_allows_it(tmp_path: Path, portable: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    host = fresh_host(portable=portable)
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    host.flush_folder(tmp_path)
    assert len(synced) == (0 if portable else 1)


def test_the_process_is_kept_out_of_crash_dumps() -> None:
    script = ("import resource; from papka import host;"
              "before = host.dumpable(); host.keep_out_of_crash_dumps();"
              "print(before, host.dumpable(), resource.getrlimit(resource.RLIMIT_CORE)[0])")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "0"]
