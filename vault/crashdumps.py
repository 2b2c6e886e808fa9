"""Keep a papka process out of crash dumps.

A process that holds a passphrase, keys or a decrypted catalog must not leave a core file when it
crashes: on desktop Linux, systemd-coredump or apport keep such dumps on disk whatever the shell's
limit is (docs/security.md G20). The CLI calls this on its first line, and every container
session calls it before a key is derived. What it cannot cover is stated in docs/security.md.
"""

from __future__ import annotations

import contextlib
import ctypes

_PR_SET_DUMPABLE = 4
_PR_GET_DUMPABLE = 3
_SEM_FAILCRITICALERRORS = 0x0001
_SEM_NOGPFAULTERRORBOX = 0x0002

_done = False


def keep_out_of_crash_dumps() -> None:
    """Turn core dumps off for this process and its children, once; never fails.

    - the core-file limit goes to 0 (POSIX: Linux, macOS, BSD), for children too;
    - on Linux the process is marked not dumpable, which also stops core handlers run through a
      pipe (systemd-coredump, apport) and ptrace by other processes of the same user;
    - on Windows the crash dialog and Windows Error Reporting's user-mode dump are turned off
      for this process where the system allows it.
    Each step is chosen by what the running Python offers, not by the platform's name.
    """
    global _done
    if _done:
        return
    _done = True
    try:
        import resource
    except ImportError:
        pass
    else:
        # The soft limit is what the kernel obeys; the hard one is left, so that a program that
        # embeds papka keeps the right to decide for its other children.
        with contextlib.suppress(OSError, ValueError):
            resource.setrlimit(resource.RLIMIT_CORE,
                               (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    libc = _libc()
    prctl = getattr(libc, "prctl", None) if libc is not None else None
    if prctl is not None:
        with contextlib.suppress(OSError):
            prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    windll = getattr(ctypes, "windll", None)
    if windll is not None:
        with contextlib.suppress(OSError, AttributeError):
            windll.kernel32.SetErrorMode(_SEM_FAILCRITICALERRORS | _SEM_NOGPFAULTERRORBOX)


def dumpable() -> bool | None:
    """Whether the kernel would dump this process (None where that cannot be asked)."""
    libc = _libc()
    prctl = getattr(libc, "prctl", None) if libc is not None else None
    if prctl is None:
        return None
    return bool(prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))


def _libc() -> ctypes.CDLL | None:
    """The C library already loaded into this process (no search, no child process)."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):       # Windows has no "this process" handle through CDLL(None)
        return None
