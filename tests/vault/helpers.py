"""Small builders shared by the vault tests, and the kill of a writing process."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from pathlib import Path

from papka.vault import Container, Document

MiB = 1024 * 1024
DECOY = "берёза окно чайник полка"
HIDDEN = "сосна дверь кастрюля шкаф"


def new_container(path: Path, size: int = 32 * MiB, passphrase: str = DECOY,
                  format_version: int = 2) -> Path:
    Container.create(path, size, passphrase, format_version=format_version)
    return path


def add_bytes(box: Container, data: bytes, level: int = -1, **metadata: object) -> Document:
    return box.compartments[level].documents.add(io.BytesIO(data), **metadata)  # type: ignore[arg-type]


def sectors_of(box: Container, level: int, doc_id: str) -> list[tuple[int, int]]:
    compartment = box.compartments[level]
    return list(dict(compartment.documents._pointers())[doc_id].extents)


def kill_once_written(child: subprocess.Popen[str], count: int) -> bool:
    """SIGKILL `child` once it has written `count` bytes (as the kernel counts them in
    /proc/PID/io), wherever in its work that falls; returns whether it was killed (False: it
    ended first)."""
    while child.poll() is None:
        try:
            counters = Path(f"/proc/{child.pid}/io").read_text()
        except OSError:
            break
        if int(counters.split("wchar:")[1].split()[0]) >= count:
            os.kill(child.pid, signal.SIGKILL)
            return True
        time.sleep(0.0005)
    return False
