"""Where a container's bytes live: a file, a block device, or (in tests) memory.

The container writes through this narrow interface so that tests can inject faults: stop after
any byte, tear a write, drop what was not flushed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Protocol

from papka import host
from papka.errors import EnvironmentProblem
from papka.vault.errors import ContainerLocked, FileTooLarge, NotAContainer, ReadOnlyMedium


class Storage(Protocol):
    """Random-access bytes of a fixed size.

    A storage may also offer ``read_into(offset, view)``, filling a memoryview in place (both
    here do); reading a document uses it when present, and read() when not."""

    @property
    def size(self) -> int: ...

    def read(self, offset: int, length: int) -> bytes: ...

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None: ...

    def flush(self) -> None:
        """Return only once everything written so far is durable."""

    def close(self) -> None: ...


class FileStorage:
    """A container file or block device, locked for this process while open.

    The lock is taken on the container itself (papka.host): it creates no file and names nothing.
    The file's access and modification times are put back on close, whichever compartment was
    written, so they never tell which compartment a session used (docs/security.md).
    """

    def __init__(self, path: str | os.PathLike[str], *, writable: bool = True,
                 create_size: int | None = None) -> None:
        self.path = Path(path)
        #: False when closing could not put the file's times back (the CLI says so once).
        self.times_restored = True
        try:
            self._fd = host.open_file(self.path, writable=writable,
                                      create=create_size is not None)
        except FileExistsError:
            raise NotAContainer("A file already exists at this path; papka will not overwrite it.",
                                hint="Choose a new file name for the container.") from None
        except FileNotFoundError:
            raise NotAContainer("There is no container at this path.",
                                hint="Check the path, or create one with `papka init`.") from None
        except IsADirectoryError:
            raise NotAContainer("This path is a folder, not a container.") from None
        except PermissionError:
            if writable and create_size is None and os.access(self.path, os.R_OK):
                raise ReadOnlyMedium() from None
            raise EnvironmentProblem("papka may not open this path (permission denied).") from None
        except OSError as error:
            if error.errno == errno.EROFS:
                raise ReadOnlyMedium() from None
            raise
        locked = False
        try:
            if not host.lock_exclusively(self._fd):
                raise ContainerLocked()
            locked = True
            info = os.fstat(self._fd)
            self._times = (info.st_atime_ns, info.st_mtime_ns)
            self._is_device = stat.S_ISBLK(info.st_mode)
            if not (stat.S_ISREG(info.st_mode) or self._is_device):
                raise NotAContainer("This path is neither a file nor a block device.")
            if create_size is not None:
                try:
                    os.ftruncate(self._fd, create_size)
                except OSError as error:
                    if error.errno == errno.EFBIG:
                        raise FileTooLarge() from None
                    # Some file systems (FAT through FUSE) refuse to set a size: the file then
                    # grows as the fill writes it.
                    if error.errno not in (errno.EPERM, errno.EINVAL, errno.EOPNOTSUPP,
                                           errno.ENOSYS):
                        raise
                self._size = create_size
            else:
                self._size = os.lseek(self._fd, 0, os.SEEK_END)
        except BaseException:
            if locked:
                host.unlock(self._fd)
            os.close(self._fd)
            raise

    @property
    def size(self) -> int:
        return self._size

    def read(self, offset: int, length: int) -> bytes:
        data = host.read_at(self._fd, length, offset)
        if len(data) != length:
            raise EnvironmentProblem("The container is shorter than expected; was it truncated?")
        return data

    def read_into(self, offset: int, view: memoryview) -> None:
        """Fill `view` from `offset`: reading a large document reuses one buffer instead of
        making a new one per chunk."""
        if host.read_into_at(self._fd, view, offset) != len(view):
            raise EnvironmentProblem("The container is shorter than expected; was it truncated?")

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            try:
                written = host.write_at(self._fd, view, offset)
            except OSError as error:
                if error.errno == errno.ENOSPC:
                    raise EnvironmentProblem("The disk is full.") from None
                if error.errno == errno.EFBIG:
                    raise FileTooLarge() from None
                if error.errno in (errno.EROFS, errno.EBADF, errno.EACCES):
                    raise EnvironmentProblem("The container is read-only.") from None
                raise EnvironmentProblem(f"Writing to the container failed ({error.strerror}).") \
                    from None
            view = view[written:]
            offset += written

    def flush(self) -> None:
        host.flush_durably(self._fd)

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            if not self._is_device:
                try:
                    host.restore_times(self._fd, self.path, self._times)
                except OSError as error:
                    # A read-only medium keeps its times anyway; a file of another user does not
                    # let this one set them (its access time may now show this session).
                    if error.errno not in (errno.EROFS, errno.EPERM, errno.EACCES):
                        raise
                    self.times_restored = error.errno == errno.EROFS
        finally:
            try:
                host.unlock(self._fd)
            finally:
                os.close(self._fd)
                self._fd = -1


class MemoryStorage:
    """Bytes in memory: for tests and for builders who keep containers elsewhere."""

    def __init__(self, data: bytes | bytearray) -> None:
        self.data = bytearray(data)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, offset: int, length: int) -> bytes:
        if offset + length > len(self.data):
            raise EnvironmentProblem("The container is shorter than expected; was it truncated?")
        return bytes(self.data[offset:offset + length])

    def read_into(self, offset: int, view: memoryview) -> None:
        if offset + len(view) > len(self.data):
            raise EnvironmentProblem("The container is shorter than expected; was it truncated?")
        view[:] = memoryview(self.data)[offset:offset + len(view)]

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        self.data[offset:offset + len(data)] = data

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass
