"""Files papka writes where the keeper asks: written whole under a partial name, then renamed.

A document got back, a bundle, a key file or a preview page is written under a partial name
beside its destination (`.NAME.papka-partial`), flushed to the disk, and only then renamed to
the name the keeper gave. So a run killed mid-write never leaves a truncated file under the real
name, and an existing file is replaced (when the keeper allows it) only by a complete one. The
next write to the same destination removes a partial file a killed run left behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from papka import host

PARTIAL_SUFFIX = ".papka-partial"


def partial_path(destination: Path) -> Path:
    """Where the file is written until it is complete."""
    return destination.with_name(f".{destination.name}{PARTIAL_SUFFIX}")


@contextlib.contextmanager
def new_output_file(destination: str | os.PathLike[str], *,
                    replace: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file to fill; on a clean exit it appears at `destination`, durable.

    Raises FileExistsError (before writing anything) when `destination` exists and `replace` is
    false, or is a link; OSError when the folder cannot be written. On any failure inside the
    block nothing is left at `destination` that was not there before, and the partial file is
    removed.
    """
    target = Path(destination)
    if target.is_symlink() or (target.exists() and not replace):
        raise FileExistsError(errno.EEXIST, "exists", str(target))
    if target.exists() and not target.is_file():
        raise IsADirectoryError(errno.EISDIR, "not a file", str(target))
    partial = partial_path(target)
    with contextlib.suppress(FileNotFoundError):
        if not partial.is_symlink() and partial.is_file():
            partial.unlink()                # what a killed run left behind
    created = host.create_new_file(partial)
    try:
        with created as out:
            yield out
            out.flush()
            host.flush_durably(out.fileno())
        move_into_place(partial, target, replace=replace)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    host.flush_folder(target.parent)


def move_into_place(partial: Path, target: Path, *, replace: bool = False) -> None:
    """Give a complete file its real name; without `replace`, never over an existing one."""
    if replace:
        os.replace(partial, target)
        return
    # A hard link never replaces what appeared meanwhile; file systems without links (FAT,
    # exFAT) get a rename after one more look.
    try:
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError:
        if target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.rename(partial, target)
        return
    partial.unlink()
