"""The keeper's terminal while papka works: no echo, nothing typed ahead reaches the shell.

Unlocking takes seconds (a memory-hard KDF, more under load). A keeper who thinks the
passphrase was lost types it again; with echo on it shows on the screen, and once papka exits
the shell runs it as a command and writes it to its history file. So, while papka works on a
terminal, echo is off, keystrokes typed meanwhile are discarded before any later question and
before papka gives the terminal back, and a notice says that papka is busy.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO

from .i18n import _

try:  # Not on Windows: there papka only prints the notice.
    import termios
except ImportError:  # pragma: no cover - Linux and macOS have termios
    termios = None  # type: ignore[assignment]

#: The terminals held quiet now, innermost last: (descriptor, attributes to give back).
_held: list[tuple[int, list[Any]]] = []


def _terminal_descriptor() -> int | None:
    if termios is None:
        return None
    try:
        stdin = sys.stdin
        if stdin is None or not stdin.isatty():
            return None
        return stdin.fileno()
    except (AttributeError, OSError, ValueError):
        # CliRunner and other stand-ins for stdin have no descriptor.
        return None


def discard_typed_ahead() -> None:
    """Throw away keystrokes typed while papka worked, so they answer no later question."""
    if termios is None or not _held:
        return
    with suppress(termios.error):
        termios.tcflush(_held[-1][0], termios.TCIFLUSH)


@contextmanager
def keystrokes_held() -> Iterator[None]:
    """Echo off for the block; on every way out, typed-ahead input is discarded and the
    terminal is given back as it was (exceptions and Ctrl-C included: ISIG stays on)."""
    fd = _terminal_descriptor()
    if fd is None or _held:
        yield
        return
    assert termios is not None
    try:
        saved = termios.tcgetattr(fd)
    except termios.error:
        yield
        return
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ECHO | termios.ECHONL)
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    _held.append((fd, saved))
    try:
        yield
    finally:
        _held.pop()
        try:
            # TCSAFLUSH discards unread input as it restores: nothing typed reaches the shell.
            termios.tcflush(fd, termios.TCIFLUSH)
            termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
        except termios.error:
            pass


@contextmanager
def answer_visible() -> Iterator[None]:
    """For a question whose answer the keeper should see: discard what was typed ahead,
    turn echo back on for the answer, then off again."""
    if termios is None or not _held:
        yield
        return
    fd, saved = _held[-1]
    try:
        quiet = termios.tcgetattr(fd)
        termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
    except termios.error:
        yield
        return
    try:
        yield
    finally:
        with suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, quiet)


def _stderr_is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def busy_notice(message: str, *, stream: TextIO | None = None,
                interval: float = 1.0) -> Iterator[None]:
    """Say at once that papka is working, and count the seconds until the block ends.

    Only on a terminal: scripts and pipes see nothing.
    """
    out = sys.stderr if stream is None else stream
    if not _stderr_is_terminal(out):
        yield
        return
    started = time.monotonic()
    done = threading.Event()
    lock = threading.Lock()

    shown = [0]

    def show(seconds: int | None) -> None:
        text = message if seconds is None else _("{message} {seconds} s").format(
            message=message, seconds=seconds)
        with lock:
            # Spaces rather than an escape sequence: a "dumb" terminal shows those as text.
            out.write("\r" + text.ljust(shown[0]))
            shown[0] = len(text)
            out.flush()

    def count() -> None:
        while not done.wait(interval):
            show(int(time.monotonic() - started))

    show(None)
    ticker = threading.Thread(target=count, name="papka-busy-notice", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
        with lock:
            out.write("\r" + " " * shown[0] + "\r")
            out.flush()
