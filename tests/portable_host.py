"""Make papka.host take the paths Windows takes, on this Linux machine.

papka.host picks each implementation at import by what Python offers. Hiding fcntl, os.pread,
os.pwrite, os.O_NOFOLLOW, os.O_DIRECTORY and os.utime's descriptor support while it is
imported makes it choose the portable ones; the rest of the process (pytest, shutil, tempfile)
gets them back at once. A stand-in for Windows' msvcrt, built on flock, lets the msvcrt locking
path run too: like a Windows byte-range lock, flock is held per open descriptor, so a second
open of a locked container fails in the same process as in another.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import sys
import types
from collections.abc import Iterator

_HIDDEN_OS = ("pread", "pwrite", "O_NOFOLLOW", "O_DIRECTORY")
#: What papka.host chooses with everything hidden and the msvcrt stand-in present.
PORTABLE_CHOICES = {
    "lock": "msvcrt",
    "positioned_io": "seek",
    "flush": "fsync",
    "file_times": "path",
    "extraction": "checked_paths",
    "no_follow": "exclusive_create",
}


class MsvcrtStandIn(types.ModuleType):
    """The two calls and constants of msvcrt that papka.host uses, with Windows' behaviour:
    a non-blocking lock that fails with EACCES while another descriptor holds it."""

    LK_UNLCK = 0
    LK_NBLCK = 2

    def __init__(self) -> None:
        super().__init__("msvcrt")
        import fcntl

        self._fcntl = fcntl
        #: (descriptor, file position, byte count) of every call, to check where papka locks.
        self.calls: list[tuple[int, int, int, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        self.calls.append((fd, mode, os.lseek(fd, 0, os.SEEK_CUR), nbytes))
        if mode == self.LK_UNLCK:
            self._fcntl.flock(fd, self._fcntl.LOCK_UN)
            return
        try:
            self._fcntl.flock(fd, self._fcntl.LOCK_EX | self._fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(errno.EACCES, "Permission denied") from None


@contextlib.contextmanager
def hidden_host_features(*, msvcrt: types.ModuleType | None = None,
                         fcntl: types.ModuleType | None = None) -> Iterator[None]:
    """While inside, the process looks like a Python without the POSIX extras (and with
    ``msvcrt``/``fcntl`` stand-ins when given)."""
    saved_os = {name: getattr(os, name) for name in _HIDDEN_OS if hasattr(os, name)}
    saved_modules = {name: sys.modules.get(name) for name in ("fcntl", "msvcrt")}
    saved_supports_fd = os.supports_fd
    try:
        for name in saved_os:
            delattr(os, name)
        sys.modules["fcntl"] = fcntl  # type: ignore[assignment]  # None makes import fail
        sys.modules["msvcrt"] = msvcrt  # type: ignore[assignment]
        os.supports_fd = saved_supports_fd - {os.utime}
        yield
    finally:
        for name, value in saved_os.items():
            setattr(os, name, value)
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        os.supports_fd = saved_supports_fd


def force_portable_host() -> types.ModuleType:
    """Import papka.host (before anything else imports papka) with the portable choices."""
    assert "papka.host" not in sys.modules, "papka.host was imported before it could be forced"
    with hidden_host_features(msvcrt=MsvcrtStandIn()):
        import papka.host as host
    assert host.choices() == PORTABLE_CHOICES, host.choices()
    return host


def fresh_host(*, msvcrt: types.ModuleType | None = None,
               fcntl: types.ModuleType | None = None, portable: bool = True) -> types.ModuleType:
    """A separate copy of papka.host, imported anew (portable unless told otherwise), that
    leaves the process's own papka.host alone."""
    import papka.host

    spec = importlib.util.spec_from_file_location("papka_host_under_test", papka.host.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    context = hidden_host_features(msvcrt=msvcrt, fcntl=fcntl) if portable \
        else contextlib.nullcontext()
    with context:
        spec.loader.exec_module(module)
    return module
