"""What papka asks of the computer it runs on, in one place.

Every call whose availability differs between Linux, macOS and Windows lives here and nowhere
else in papka: locking a container, positioned reads and writes, durable flushes, putting file
times back, creating a file without following a link, writing a bundle's files into a folder
without following links, keeping the process out of crash dumps, and the system's interface
language.

Each implementation is chosen once, at import, by what the running Python offers (``fcntl``,
``os.pread``, ``os.O_NOFOLLOW``, ``dir_fd`` support, ``msvcrt``), never by the platform's
name; so hiding those before papka is imported makes papka take the portable path, which is how
the test suite runs that path on Linux (docs/platforms.md). :func:`choices` says what was picked.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import locale
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_fcntl = _optional_module("fcntl")
_msvcrt = _optional_module("msvcrt")
_resource = _optional_module("resource")

_pread: Callable[[int, int, int], bytes] | None = getattr(os, "pread", None)
_pwrite: Callable[[int, bytes | bytearray | memoryview, int], int] | None = \
    getattr(os, "pwrite", None)
if _pread is None or _pwrite is None:   # both or neither: one way of moving through the file
    _pread = _pwrite = None
_O_NOFOLLOW: int | None = getattr(os, "O_NOFOLLOW", None)
_O_DIRECTORY: int | None = getattr(os, "O_DIRECTORY", None)
#: Windows opens descriptors in text mode (newline translation) unless asked for binary.
_O_BINARY: int = getattr(os, "O_BINARY", 0)
_O_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
_UTIME_ON_FD = os.utime in os.supports_fd
_DIR_FD = (
    _O_DIRECTORY is not None
    and _O_NOFOLLOW is not None
    and {os.open, os.mkdir, os.unlink, os.rmdir} <= os.supports_dir_fd
)
#: macOS: fsync only reaches the drive's cache; F_FULLFSYNC asks the drive to write it out.
_F_FULLFSYNC: int | None = getattr(_fcntl, "F_FULLFSYNC", None) if _fcntl else None
_FLOCK = _fcntl is not None and hasattr(_fcntl, "flock")
#: Windows byte-range locks are mandatory: lock one byte beyond any container's end (1 TiB),
#: so the lock keeps other papka processes out without stopping anyone reading the bytes
#: (`papka panic` must still work while a session holds the container). Locking past the end
#: of a file is allowed; the offset stays below the largest file most file systems allow.
_WINDOWS_LOCK_OFFSET = 1 << 40


def choices() -> dict[str, str]:
    """Which implementation of each host facility this process uses (for tests and reports)."""
    return {
        "lock": "flock" if _FLOCK else ("msvcrt" if _msvcrt is not None else "process"),
        "positioned_io": "pread" if _pread is not None else "seek",
        "flush": "F_FULLFSYNC" if _F_FULLFSYNC is not None else "fsync",
        "file_times": "descriptor" if _UTIME_ON_FD else "path",
        "extraction": "dir_fd" if _DIR_FD else "checked_paths",
        "no_follow": "O_NOFOLLOW" if _O_NOFOLLOW is not None else "exclusive_create",
    }


# --- opening and locking a container --------------------------------------------------------


def open_file(path: str | os.PathLike[str], *, writable: bool, create: bool = False) -> int:
    """Open ``path`` for raw binary access; with ``create``, make a new file (never an existing
    one, never through a link) readable only by its owner. Raises the usual OSErrors."""
    flags = (os.O_RDWR if writable else os.O_RDONLY) | _O_BINARY | _O_CLOEXEC
    if create:
        flags |= os.O_CREAT | os.O_EXCL | (_O_NOFOLLOW or 0)
    return os.open(path, flags, 0o600)


#: Without pread/pwrite a read or write is a seek and then a transfer; the lock keeps another
#: thread's seek from landing between the two (the file position is shared per descriptor).
_seek_guard = threading.Lock()


_process_locks: set[tuple[int, int]] = set()
_process_locks_guard = threading.Lock()


def lock_exclusively(fd: int) -> bool:
    """Take this process's exclusive lock on an open container; False when another holds it.

    The lock creates no file and names nothing. With neither flock nor msvcrt (no such CPython
    is known), the lock only keeps this process from opening a container twice.
    """
    if _FLOCK:
        assert _fcntl is not None
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
        except OSError as error:
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False
            raise
        return True
    if _msvcrt is not None:
        with _seek_guard:   # msvcrt locks at the file position: seek there and back
            position = os.lseek(fd, 0, os.SEEK_CUR)
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            try:
                _msvcrt.locking(fd, _msvcrt.LK_NBLCK, 1)
            except OSError as error:
                if error.errno in (errno.EACCES, errno.EDEADLK, getattr(errno, "EDEADLOCK", -1)):
                    return False
                raise
            finally:
                os.lseek(fd, position, os.SEEK_SET)
        return True
    identity = _identity(os.fstat(fd))
    with _process_locks_guard:
        if identity in _process_locks:
            return False
        _process_locks.add(identity)
    return True


def unlock(fd: int) -> None:
    """Give the lock back before closing (closing alone releases flock and msvcrt locks too)."""
    if _FLOCK:
        return
    if _msvcrt is not None:
        with _seek_guard:
            position = os.lseek(fd, 0, os.SEEK_CUR)
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            with contextlib.suppress(OSError):
                _msvcrt.locking(fd, _msvcrt.LK_UNLCK, 1)
            os.lseek(fd, position, os.SEEK_SET)
        return
    with _process_locks_guard:
        _process_locks.discard(_identity(os.fstat(fd)))


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


# --- positioned reads and writes ------------------------------------------------------------

def read_at(fd: int, length: int, offset: int) -> bytes:
    """Up to ``length`` bytes at ``offset`` (fewer only at the end of the file)."""
    if _pread is not None:
        return _pread(fd, length, offset)
    parts: list[bytes] = []
    with _seek_guard:
        os.lseek(fd, offset, os.SEEK_SET)
        remaining = length
        while remaining > 0:
            part = os.read(fd, remaining)
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
    return b"".join(parts)


#: Reads straight into a caller's buffer, where positioned reads exist at all.
_preadv: Callable[[int, list[memoryview], int], int] | None = \
    getattr(os, "preadv", None) if _pread is not None else None


def read_into_at(fd: int, view: memoryview, offset: int) -> int:
    """Fill ``view`` from ``offset`` (less only at the end of the file); returns the bytes read.
    With preadv no new buffer is made per read (getting a large document back)."""
    if _preadv is None:
        data = read_at(fd, len(view), offset)
        view[:len(data)] = data
        return len(data)
    done = 0
    while done < len(view):
        got = _preadv(fd, [view[done:]], offset + done)
        if not got:
            break
        done += got
    return done


def write_at(fd: int, data: bytes | bytearray | memoryview, offset: int) -> int:
    """Write some of ``data`` at ``offset``; returns how many bytes were written."""
    if _pwrite is not None:
        return _pwrite(fd, data, offset)
    with _seek_guard:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.write(fd, data)


def flush_durably(fd: int) -> None:
    """Return once what was written to ``fd`` is on the medium, not in a cache.

    macOS's fsync stops at the drive's cache (a yanked USB stick loses it); F_FULLFSYNC goes
    through, and where a file system refuses it, fsync is the best left. On Windows os.fsync
    is FlushFileBuffers.
    """
    if _F_FULLFSYNC is not None and _fcntl is not None:
        try:
            _fcntl.fcntl(fd, _F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(fd)


def flush_folder(folder: str | os.PathLike[str]) -> None:
    """Make a rename or a new name in ``folder`` durable, where the system lets a folder be
    flushed (POSIX); elsewhere the file system keeps its own order (NTFS journals names)."""
    if _O_DIRECTORY is None:
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def restore_times(fd: int, path: str | os.PathLike[str], times_ns: tuple[int, int]) -> None:
    """Put a file's access and modification times back (through its descriptor where the
    system allows it, else by its path)."""
    if _UTIME_ON_FD:
        os.utime(fd, ns=times_ns)
    else:
        os.utime(path, ns=times_ns)


# --- new files the keeper names ---------------------------------------------------------------


def create_new_file(path: str | os.PathLike[str]) -> BinaryIO:
    """A new file at ``path``, readable only by its owner, opened for binary writing.

    Never an existing file and never through a link: exclusive creation already refuses a
    link in the last place (POSIX and Windows both report that the name exists); O_NOFOLLOW,
    where there is one, says it twice. Raises FileExistsError when the name is taken.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY | _O_CLOEXEC | (_O_NOFOLLOW or 0)
    fd = os.open(path, flags, 0o600)
    return _NewFileWriter(io.FileIO(fd, "wb"), buffer_size=NEW_FILE_PIECE)


#: Writes into a new file reach the kernel in pieces of at most this many bytes. Growing a new
#: file on Linux (ext4) was more than twice as fast in 128 KiB writes as in 1 MiB ones on the
#: project machine: 1 GiB with its fsync took 0.63 s against 1.75 s, medians of 6 alternating
#: rounds (bench/before-after.md); overwriting a file's existing blocks showed no difference.
NEW_FILE_PIECE = 128 * 1024


class _NewFileWriter(io.BufferedWriter):
    """A buffered writer that hands the kernel at most NEW_FILE_PIECE bytes at a time."""

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data).cast("B")
        if len(view) <= NEW_FILE_PIECE:
            return super().write(view)
        for start in range(0, len(view), NEW_FILE_PIECE):
            super().write(view[start:start + NEW_FILE_PIECE])
        return len(view)


# --- writing a received bundle's files into a folder ---------------------------------------


class NotAPlainFolder(OSError):
    """A link, a reparse point or a file stands where papka expects a plain folder."""


def _is_link_or_reparse_point(info: os.stat_result) -> bool:
    attributes = getattr(info, "st_file_attributes", 0)
    return stat.S_ISLNK(info.st_mode) or bool(attributes & stat.FILE_ATTRIBUTE_REPARSE_POINT)


def _split(name: str) -> list[str]:
    parts = name.split("/")
    for part in parts:
        if part in ("", ".", "..") or any(c in part for c in '\\:\x00'):
            raise ValueError("not a relative name made of plain parts")
    return parts


class ExtractionFolder:
    """A folder that receives new files by relative name ("a.pdf", "files/01-cv.pdf"), never
    following a link or reparse point below it and never replacing a file.

    Where the system offers directory descriptors (Linux, macOS), every step is relative to a
    descriptor of the folder opened once, so nothing done to the paths meanwhile can redirect
    a write. Elsewhere (Windows) every component is checked before and after each creation to
    be the plain folder first seen (same device and file number, no link, no reparse point),
    and a creation that landed anywhere else is refused. docs/platforms.md states what that
    check cannot stop.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._created_folders: list[tuple[str, ...]] = []
        self._descriptors: dict[tuple[str, ...], int] = {}
        self._seen: dict[tuple[str, ...], tuple[int, int]] = {}
        if _DIR_FD:
            assert _O_DIRECTORY is not None
            self._descriptors[()] = os.open(self.path, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
        else:
            # The folder the keeper named may itself be reached through a link; below it,
            # nothing may be.
            self.path = Path(os.path.realpath(self.path))
            info = os.stat(self.path)
            if not stat.S_ISDIR(info.st_mode):
                raise NotADirectoryError(errno.ENOTDIR, "not a folder")
            self._seen[()] = _identity(info)

    # -- with directory descriptors ----------------------------------------------------------
    def _descriptor(self, folder: tuple[str, ...]) -> int:
        if folder in self._descriptors:
            return self._descriptors[folder]
        assert _O_DIRECTORY is not None and _O_NOFOLLOW is not None
        parent = self._descriptor(folder[:-1])
        try:
            os.mkdir(folder[-1], 0o700, dir_fd=parent)
            self._created_folders.append(folder)
        except FileExistsError:
            pass
        try:
            fd = os.open(folder[-1], os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC,
                         dir_fd=parent)
        except OSError:
            raise NotAPlainFolder(errno.ENOTDIR, "not a plain folder") from None
        self._descriptors[folder] = fd
        return fd

    # -- with checked paths --------------------------------------------------------------------
    def _checked(self, folder: tuple[str, ...], *, create: bool) -> Path:
        """The path of ``folder`` after checking that it and every folder above it is still the
        plain folder first seen there."""
        current = self.path
        for depth in range(len(folder) + 1):
            key = folder[:depth]
            if depth:
                current = current / folder[depth - 1]
                if create and key not in self._seen:
                    try:
                        os.mkdir(current, 0o700)
                        self._created_folders.append(key)
                    except FileExistsError:
                        pass
            try:
                info = os.lstat(current) if depth else os.stat(current)
            except OSError:
                raise NotAPlainFolder(errno.ENOTDIR, "not a plain folder") from None
            if (depth and _is_link_or_reparse_point(info)) or not stat.S_ISDIR(info.st_mode):
                raise NotAPlainFolder(errno.ENOTDIR, "not a plain folder")
            if self._seen.setdefault(key, _identity(info)) != _identity(info):
                raise NotAPlainFolder(errno.ENOTDIR, "the folder was replaced")
        return current

    # -- what callers use ----------------------------------------------------------------------
    def create_file(self, name: str) -> BinaryIO:
        """A new file called ``name`` inside the folder, creating sub-folders as needed.
        Raises FileExistsError when the name is taken and NotAPlainFolder when a link or a
        file stands where a folder belongs."""
        parts = _split(name)
        folder, base = tuple(parts[:-1]), parts[-1]
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY | _O_CLOEXEC
        if _DIR_FD:
            assert _O_NOFOLLOW is not None
            fd = os.open(base, flags | _O_NOFOLLOW, 0o600, dir_fd=self._descriptor(folder))
            return os.fdopen(fd, "wb")
        target = self._checked(folder, create=True) / base
        fd = os.open(target, flags | (_O_NOFOLLOW or 0), 0o600)
        try:
            self._checked(folder, create=False)
            if _identity(os.fstat(fd)) != _identity(os.lstat(target)):
                raise NotAPlainFolder(errno.ENOTDIR, "the folder was replaced")
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "wb")

    def remove_file(self, name: str) -> None:
        """Remove a file this folder received; nothing happens when it is already gone."""
        parts = _split(name)
        folder, base = tuple(parts[:-1]), parts[-1]
        with contextlib.suppress(FileNotFoundError):
            if _DIR_FD:
                os.unlink(base, dir_fd=self._descriptor(folder))
            else:
                os.unlink(self._checked(folder, create=False) / base)

    def remove_created_folders(self) -> None:
        """Remove the sub-folders this object created, if they are empty."""
        for folder in reversed(self._created_folders):
            with contextlib.suppress(OSError):
                if _DIR_FD:
                    os.rmdir(folder[-1], dir_fd=self._descriptor(folder[:-1]))
                else:
                    os.rmdir(self._checked(folder[:-1], create=False) / folder[-1])
        self._created_folders.clear()

    def close(self) -> None:
        for fd in reversed(list(self._descriptors.values())):
            os.close(fd)
        self._descriptors.clear()


# --- the process ------------------------------------------------------------------------------


def system_ui_language() -> str | None:
    """The user interface language the operating system was set to, as a locale name such as
    "ru_RU", when it can be asked without environment variables (Windows, macOS); else None."""
    windll = getattr(_optional_module("ctypes"), "windll", None)
    if windll is not None:
        with contextlib.suppress(OSError, AttributeError):
            return windows_language_name(int(windll.kernel32.GetUserDefaultUILanguage()))
    import shutil
    import subprocess

    defaults = shutil.which("defaults") if sys.platform == "darwin" else None
    if defaults is not None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            answer = subprocess.run([defaults, "read", "-g", "AppleLocale"], capture_output=True,
                                    text=True, timeout=5, check=True)
            return answer.stdout.strip() or None
    return None


def windows_language_name(language_id: int) -> str | None:
    """The locale name of a Windows LANGID (0x0419 is "ru_RU")."""
    return locale.windows_locale.get(language_id)


# --- crash dumps ------------------------------------------------------------------------------
# A process that holds a passphrase, keys or a decrypted catalog must not leave a core file when
# it crashes: on desktop Linux, systemd-coredump or apport keep such dumps on disk whatever the
# shell's limit is (docs/security.md G24). What this cannot cover is stated there.

_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4
_SEM_FAILCRITICALERRORS = 0x0001
_SEM_NOGPFAULTERRORBOX = 0x0002
_kept_out_of_crash_dumps = False


def keep_out_of_crash_dumps() -> None:
    """Turn core dumps off for this process and its children, once; never fails.

    - the core-file limit goes to 0 (POSIX: Linux, macOS, BSD), for children too;
    - on Linux the process is marked not dumpable, which also stops core handlers run through a
      pipe (systemd-coredump, apport) and ptrace by other processes of the same user;
    - on Windows the crash dialog and Windows Error Reporting's user-mode dump are turned off
      for this process where the system allows it.
    Each step is chosen by what the running Python offers, not by the platform's name.
    """
    global _kept_out_of_crash_dumps
    if _kept_out_of_crash_dumps:
        return
    _kept_out_of_crash_dumps = True
    if _resource is not None:
        # The soft limit is what the kernel obeys; the hard one is left, so that a program that
        # embeds papka keeps the right to decide for its other children.
        with contextlib.suppress(OSError, ValueError):
            _resource.setrlimit(_resource.RLIMIT_CORE,
                                (0, _resource.getrlimit(_resource.RLIMIT_CORE)[1]))
    prctl = getattr(_libc(), "prctl", None)
    if prctl is not None:
        with contextlib.suppress(OSError):
            prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    windll = getattr(_optional_module("ctypes"), "windll", None)
    if windll is not None:
        with contextlib.suppress(OSError, AttributeError):
            windll.kernel32.SetErrorMode(_SEM_FAILCRITICALERRORS | _SEM_NOGPFAULTERRORBOX)


def dumpable() -> bool | None:
    """Whether the kernel would dump this process (None where that cannot be asked)."""
    prctl = getattr(_libc(), "prctl", None)
    if prctl is None:
        return None
    return bool(prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))


def _libc() -> object | None:
    """The C library already loaded into this process (no search, no child process)."""
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):       # Windows has no "this process" handle through CDLL(None)
        return None
