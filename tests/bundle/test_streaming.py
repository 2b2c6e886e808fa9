"""Bundles stream: exporting or verifying a large document never holds it in memory.

Measured with tracemalloc (Python allocations; pyrage's own buffers are fixed 64 KiB chunks).
Peak resident memory for a 2 GiB document is measured in bench/bundle.py.
"""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

from papka.formats.bundle import BundleItem, Protection, SigningKey, verify_bundle, write_bundle
from tests.bundle.conftest import Lawyer, clock

_MIB = 1024 * 1024
SIZE = 96 * _MIB


class Generated(io.RawIOBase):
    """A document of ``size`` bytes made on the fly, so the test itself holds no copy."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = bytes(range(256)) * 4096

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        take = min(size if size > 0 else _MIB, self._left, len(self._block))
        self._left -= take
        return self._block[:take]


def test_export_and_verify_do_not_hold_the_document(lawyer: Lawyer, signer: SigningKey,
                                                    tmp_path: Path) -> None:
    item = BundleItem("video", "Видео", "video/mp4", SIZE, lambda: Generated(SIZE), "mp4")
    target = tmp_path / "bundle.age"
    # Load fonts and modules first, so the measurement is of the streaming alone.
    tiny = BundleItem("note", "n", "text/plain", 1, lambda: io.BytesIO(b"n"), "txt")
    write_bundle(io.BytesIO(), [tiny], signer=signer, protection=Protection.to([lawyer.recipient]))
    seen: list[tuple[int, int]] = []
    tracemalloc.start()
    try:
        with open(target, "wb") as out:
            write_bundle(out, [item], signer=signer, protection=Protection.to([lawyer.recipient]),
                         clock=clock,
                         progress=lambda done, total: seen.append((done, total)))
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        verified = verify_bundle(target, identities=lawyer.identities)
        _, verify_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verified.files[0].size == SIZE
    assert target.stat().st_size > SIZE
    assert write_peak < 8 * _MIB, write_peak
    assert verify_peak < 8 * _MIB, verify_peak
    assert seen[-1] == (SIZE, SIZE) and len(seen) == SIZE // _MIB
