"""Small builders shared by the vault tests."""

from __future__ import annotations

import io
from pathlib import Path

from papka.vault import Container, Document

MiB = 1024 * 1024
DECOY = "берёза окно чайник полка"
HIDDEN = "сосна дверь кастрюля шкаф"


def new_container(path: Path, size: int = 32 * MiB, passphrase: str = DECOY) -> Path:
    Container.create(path, size, passphrase)
    return path


def add_bytes(box: Container, data: bytes, level: int = -1, **metadata: object) -> Document:
    return box.compartments[level].documents.add(io.BytesIO(data), **metadata)  # type: ignore[arg-type]


def sectors_of(box: Container, level: int, doc_id: str) -> list[tuple[int, int]]:
    compartment = box.compartments[level]
    return list(dict(compartment.documents._pointers())[doc_id].extents)
