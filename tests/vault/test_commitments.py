"""The commitments a catalog record keeps: one line of text, read back exactly, and refused
(as damage) when malformed."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import pytest

from papka.vault import Container
from papka.vault.commitments import Commitment, PageCommitments, commit, page_label
from papka.vault.errors import ContainerDamaged


def _commitments(pages: int | None) -> PageCommitments:
    def one(n: int) -> Commitment:
        salt = bytes([n]) * 32
        return Commitment(salt, commit(salt, b"page %d" % n))

    return PageCommitments(whole=one(0),
                           pages=None if pages is None else tuple(one(n + 1)
                                                                  for n in range(pages)),
                           made="import", at="2026-12-04T12:00:00Z")


@pytest.mark.parametrize("pages", [None, 1, 3])
def test_a_record_reads_back_exactly(pages: int | None) -> None:
    made = _commitments(pages)
    text = made.to_record()
    assert PageCommitments.from_record(text) == made
    assert text.count(" ") == 2 + (pages or 0)
    assert made.root() == hashlib.sha256(made.listing()).hexdigest()


def test_labels_widen_past_9999_pages() -> None:
    assert page_label(7, 12) == "page-0007"
    assert page_label(7, 12_000) == "page-00007"


@pytest.mark.parametrize("bad", [
    None, 5, "", "import", "import 2026-12-04T12:00:00Z",
    "imported 2026-12-04T12:00:00Z " + "0" * 128,
    "import 2026-12-04 " + "0" * 128,
    "import 2026-12-04T12:00:00Z " + "0" * 127,
    "import 2026-12-04T12:00:00Z " + "A" * 128,
    "import 2026-12-04T12:00:00Z " + "0" * 128 + " ",
    "import  2026-12-04T12:00:00Z " + "0" * 128,
])
def test_a_malformed_record_is_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        PageCommitments.from_record(bad)


def test_a_malformed_stored_record_is_damage_not_a_crash(workdir: Path) -> None:
    path = workdir / "box.papka"
    Container.create(path, 16 * 2**20, "words")
    with Container.open(path, ["words"]) as box:
        docs = box.newest.documents
        doc = docs.add(io.BytesIO(b"a note"), kind="note")
        docs._put(dataclasses.replace(doc, commitments="import nonsense"),
                  docs._content[doc.id])
        with pytest.raises(ContainerDamaged):
            docs.commitments(doc.id)


def test_editing_a_document_keeps_its_commitments(workdir: Path) -> None:
    path = workdir / "box.papka"
    Container.create(path, 16 * 2**20, "words")
    with Container.open(path, ["words"]) as box:
        doc = box.newest.documents.add(io.BytesIO(b"a note"), kind="note")
        root = box.newest.documents.commitments(doc.id).root()
        box.newest.documents.update(doc.id, title="другое название", tags=["дело"])
    with Container.open(path, ["words"]) as box:
        assert box.newest.documents.commitments(doc.id).root() == root
        assert box.newest.documents.commitments(doc.id).made == "import"
