"""Building hostile bundles by hand: raw tar members, hand-made manifests, `age -r`-style
encryption (pyrage, the same library the age tool's Rust twin uses)."""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyrage

from papka.formats.bundle import SigningKey
from papka.formats.bundle.manifest import canonical_json

BLOCK = 512


def member(name: str, data: bytes = b"", *, kind: bytes = tarfile.REGTYPE,
           linkname: str = "", size: int | None = None,
           fmt: int = tarfile.GNU_FORMAT) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = len(data) if size is None else size
    info.type = kind
    info.linkname = linkname
    info.mode = 0o644
    header = info.tobuf(fmt, "utf-8", "surrogateescape")
    return header + data + b"\0" * (-len(data) % BLOCK)


def tar_of(members: Iterable[bytes]) -> bytes:
    body = b"".join(members)
    return body + b"\0" * (2 * BLOCK) + b"\0" * (-(len(body) + 2 * BLOCK) % (20 * BLOCK))


def manifest_tree(signer: SigningKey, files: list[tuple[str, bytes]], **changes: object) -> dict:
    tree = {
        "format": "papka-bundle",
        "version": 1,
        "created": "2026-11-22T00:50:00Z",
        "signer": signer.public_openssh(),
        "sender": "",
        "files": [
            {
                "name": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "media_type": "application/pdf",
                "kind": "summons",
                "title": "Повестка",
                "metadata": {},
                "redaction": None,
                "provenance": [],
            }
            for name, data in files
        ],
    }
    tree.update(changes)
    return tree


def signed_members(signer: SigningKey, tree: dict) -> list[bytes]:
    """manifest.json, its signature, a small index and its signature, as tar members."""
    manifest = canonical_json(tree)
    index = b"%PDF-1.7 stand-in index"
    return [
        member("manifest.json", manifest),
        member("manifest.json.sig", signer.sign(manifest)),
        member("index.pdf", index),
        member("index.pdf.sig", signer.sign(index)),
    ]


def valid_tar(signer: SigningKey, files: list[tuple[str, bytes]]) -> bytes:
    return tar_of([*(member(n, d) for n, d in files),
                   *signed_members(signer, manifest_tree(signer, files))])


def encrypt_to(public: str, plaintext: bytes) -> bytes:
    return pyrage.encrypt(plaintext, [pyrage.x25519.Recipient.from_str(public)])


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` with a hash of its content: to prove nothing else changed."""
    result = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            result[relative] = "link"
        elif path.is_file():
            result[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            result[relative] = "folder"
    return result


class CountingChunks:
    """A lazily generated tar of many empty members; records how much of it was ever produced."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.produced = 0

    def __call__(self) -> Iterator[bytes]:
        template = tarfile.TarInfo("files/00000-a.pdf")
        template.mode = 0o644
        for number in range(1, self.count + 1):
            template.name = f"files/{number % 100000:05d}-a.pdf"
            block = template.tobuf(tarfile.USTAR_FORMAT, "ascii", "strict")
            self.produced += 1
            yield block
        yield b"\0" * (2 * BLOCK)

