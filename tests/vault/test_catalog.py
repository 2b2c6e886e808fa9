"""The catalog's JSON: read and checked in one place, written back byte for byte (the files in
vectors/catalog/ are known answers another implementation can use)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from papka.vault.catalog import PAGES, CatalogRoot
from papka.vault.objects import Pointer
from papka.vault.packs import Packed, content_from_json
from papka.vault.records import Document
from papka.vault.records import record as _record

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "catalog"


@pytest.mark.parametrize("name", ["decoy", "hidden"])
def test_a_root_is_written_back_exactly_as_it_was_read(name: str) -> None:
    text = (VECTORS / f"root-{name}.json").read_text(encoding="ascii")
    root = CatalogRoot.loads(text)
    assert root.dumps() == text
    assert len(root.pages) == PAGES and root.search is not None
    assert root.sections == {"book": {}}
    assert len(root.identity_seed) == 32
    # The hidden compartment keeps the decoy's keys, so that it opens the decoy too.
    assert [link["slot"] for link in root.older] == ([] if name == "decoy" else [5])


@pytest.mark.parametrize("name", ["decoy", "hidden"])
def test_a_page_of_records_is_written_back_exactly_as_it_was_read(name: str) -> None:
    raw = (VECTORS / f"page-{name}.json").read_bytes()
    records = json.loads(raw)
    rebuilt = [_record(Document.from_json(r), Pointer.from_json(r["content"])) for r in records]
    assert json.dumps(rebuilt, separators=(",", ":"), ensure_ascii=False).encode() == raw
    assert {Document.from_json(r).title for r in records} <= {"Диплом", "Повестка"}


def test_a_new_root_has_the_fields_in_their_historic_order() -> None:
    root = CatalogRoot.new(bytes(32), [])
    assert root.dumps() == ('{"format":1,"older":[],"identity":"' + "00" * 32
                            + '","pages":[],"book":{}}')
    root.pages.extend([None] * PAGES)
    root.search = [None] * PAGES
    root.kinds = ["справка-о-ранении"]
    root.sections["profiles"] = {}
    keys = list(json.loads(root.dumps()))
    assert keys == ["format", "older", "identity", "pages", "book", "search", "kinds",
                    "profiles"]


def test_what_a_newer_papka_wrote_is_kept_where_it_was() -> None:
    data = {"format": 1, "older": [], "identity": "11" * 32, "future": {"x": [1, 2]},
            "pages": [], "book": {}}
    root = CatalogRoot.from_json(data)
    assert root.unknown == {"future": {"x": [1, 2]}}
    assert list(root.to_json()) == list(data)
    assert root.to_json() == data


def _good() -> dict[str, Any]:
    return {"format": 1, "older": [{"slot": 2, "a": "aa" * 32, "b": "bb" * 32}],
            "identity": "11" * 32, "pages": [None, [{"p": 1}]], "book": {},
            "search": [None], "kinds": ["x"], "profiles": {}}


@pytest.mark.parametrize(("field", "value"), [
    ("identity", "11" * 31), ("identity", "zz" * 32), ("identity", None),
    ("pages", {}), ("pages", [None] * (PAGES + 1)), ("pages", [[]]), ("pages", [["x"]]),
    ("older", [{"slot": 16, "a": "aa" * 32, "b": "bb" * 32}]),
    ("older", [{"slot": True, "a": "aa" * 32, "b": "bb" * 32}]),
    ("older", [{"slot": 1, "a": "aa" * 32}]),
    ("older", [{"slot": 1, "a": "aa" * 32, "b": "bb" * 32, "next": {"a": "x"}}]),
    ("search", {}), ("search", ["x"]), ("kinds", "x"), ("kinds", [1]),
    ("book", []), ("profiles", ["lawyer"]), ("format", "1"),
])
def test_every_malformed_field_is_refused(field: str, value: object) -> None:
    CatalogRoot.from_json(_good())
    data = _good()
    data[field] = value
    with pytest.raises(ValueError):
        CatalogRoot.from_json(data)


def test_a_root_that_is_not_an_object_is_refused() -> None:
    for data in ([], "root", None, 1):
        with pytest.raises(ValueError):
            CatalogRoot.from_json(data)


def test_a_content_pointer_is_kept_as_one_line_of_text_and_read_back_exactly() -> None:
    pointer = Pointer(bytes(range(32)), 17000, ((4075, 5), (16, 256)))
    text = pointer.to_text()
    assert text == bytes(range(32)).hex() + " 17000 4075+5 16+256"
    assert Pointer.from_json(text) == pointer
    assert Pointer.text_extents(text) == [(4075, 5), (16, 256)]
    # The object form written before (papka 0.1.0) still reads, to the same pointer.
    assert Pointer.from_json(pointer.to_json()) == pointer
    empty = Pointer(bytes(32), 0, ())
    assert Pointer.from_json(empty.to_text()) == empty


@pytest.mark.parametrize("text", [
    "00" * 31 + " 5 16+1",            # a seed one byte short
    "00" * 32 + " -5 16+1",           # a negative length
    "00" * 32 + " 5 16+0",            # an extent of no sectors
    "00" * 32 + " 5 16-1",            # no plus sign
    "00" * 32 + " 5 +1",              # no first sector
    "00" * 32 + " ٥ 16+1",            # digits that are not ASCII
    "00" * 32 + " 5 16+1 ",           # a trailing space
    "00" * 32 + " 5  16+1",           # two spaces
    "00" * 32,                        # no length
])
def test_a_malformed_pointer_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Pointer.from_json(text)


def test_a_root_and_a_page_with_packed_documents_are_written_back_exactly() -> None:
    """The hidden compartment of vectors/container/v2-packs.papka.gz: format 2, its packs by
    id, and a page whose records point at places in a pack (docs/FORMAT.md §4 "Packs")."""
    text = (VECTORS / "root-packed.json").read_text(encoding="ascii")
    root = CatalogRoot.loads(text)
    assert root.dumps() == text
    assert root.format == 2 and root.packs and "packs" not in root.unknown
    raw = (VECTORS / "page-packed.json").read_bytes()
    records = json.loads(raw)
    contents = [content_from_json(r["content"]) for r in records]
    rebuilt = [_record(Document.from_json(r), c) for r, c in zip(records, contents, strict=True)]
    assert json.dumps(rebuilt, separators=(",", ":"), ensure_ascii=False).encode() == raw
    assert any(isinstance(c, Packed) and c.pack in root.packs for c in contents)


def test_a_pack_member_is_kept_as_one_line_of_text_and_told_from_a_pointer() -> None:
    member = Packed("0a1b2c3d", 4080, 570)
    assert member.to_text() == "0a1b2c3d 4080 570"
    assert content_from_json(member.to_text()) == member
    assert content_from_json({"p": "0a1b2c3d", "o": 4080, "n": 570}) == member
    pointer = Pointer(bytes(32), 5, ((16, 1),))
    assert content_from_json(pointer.to_text()) == pointer


@pytest.mark.parametrize("text", [
    "0a1b2c3d 4080",                  # no length
    "0a1b2c3d -1 5",                  # a negative offset
    "0A1B2C3D 0 5",                   # capitals
    "0a1b2c3g 0 5",                   # not hex
    "0a1b2c3d 0 5 ",                  # a trailing space
    "0a1b2c3d 0 ٥",                   # digits that are not ASCII
])
def test_a_malformed_pack_member_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        content_from_json(text)
