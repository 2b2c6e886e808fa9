"""The document store: metadata, streaming, search, removal, errors that change nothing."""

from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import replace
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from papka.vault import KINDS, Container, DocumentMeta
from papka.vault.errors import (
    AmbiguousId,
    ContainerFull,
    DocumentNotFound,
    InvalidInput,
)
from papka.vault.header import SECTOR
from tests.vault.helpers import DECOY, MiB, add_bytes, new_container, sectors_of

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100)


@pytest.fixture
def box(workdir: Path) -> Container:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as opened:
        yield opened


def test_add_keeps_metadata_and_detects_the_type_from_content(box: Container,
                                                              workdir: Path) -> None:
    scan = workdir / "фото паспорта.pdf"       # the name lies: the bytes are a JPEG
    scan.write_bytes(JPEG)
    doc = box.newest.documents.add(
        scan, kind="internal-passport", date=dt.date(2021, 3, 4), issuer="МВД",
        number="45 06 123456", country="RU", language="ru", tags=["passport", "passport", " id "],
        notes="копия")
    assert doc.media_type == "image/jpeg"
    assert doc.filename == "фото паспорта.pdf" and doc.title == "фото паспорта"
    assert doc.tags == ("passport", "id")
    assert doc.size == len(JPEG)
    import hashlib
    assert doc.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert doc.added.tzinfo is not None
    assert doc.to_json()["date"] == "2021-03-04"


def test_streaming_a_large_file_round_trips(box: Container) -> None:
    data = os.urandom(5 * MiB + 123)
    doc = add_bytes(box, data)
    out = io.BytesIO()
    assert box.newest.documents.copy_to(doc.id, out) == len(data)
    assert out.getvalue() == data
    with box.newest.documents.open(doc.id) as stream:
        assert stream.read(10) == data[:10]


def test_list_filters_by_kind_tag_dates_and_text(box: Container) -> None:
    docs = box.newest.documents
    case = add_bytes(box, PDF, kind="criminal-case", title="Постановление о возбуждении дела",
                     issuer="Следственный комитет", date=dt.date(2023, 5, 1), tags=["дело"])
    summons = add_bytes(box, PDF, kind="summons", title="Повестка Ёлкину",
                        date=dt.date(2023, 9, 1), tags=["дело", "суд"])
    add_bytes(box, PDF, kind="cv", title="CV Ivanov", date=dt.date(2020, 1, 1))
    assert [d.id for d in docs.list(kind="summons")] == [summons.id]
    assert {d.id for d in docs.list(tag="дело")} == {case.id, summons.id}
    assert [d.id for d in docs.list(since=dt.date(2023, 6, 1))] == [summons.id]
    assert [d.id for d in docs.list(until=dt.date(2023, 5, 1), kind="criminal-case")] == [case.id]
    assert [d.id for d in docs.list(query="ПОСТАНОВЛЕНИЕ")] == [case.id]
    assert [d.id for d in docs.list(query="елкину")] == [summons.id]       # ё = е
    assert [d.id for d in docs.list(query="Ivanov")] != []
    assert [d.id for d in docs.list(query="povestka")] == [summons.id]     # Latin finds Cyrillic
    assert docs.list(query="несуществующее") == []


def test_latin_titles_are_found_by_cyrillic_queries(box: Container) -> None:
    doc = add_bytes(box, PDF, title="Letter to Ivanova from the embassy")
    assert [d.id for d in box.newest.documents.list(query="Иванова")] == [doc.id]


def test_any_word_form_finds_any_other_in_cyrillic_and_latin(box: Container) -> None:
    docs = box.newest.documents
    summons = add_bytes(box, PDF, kind="summons", title="Повестка")
    order = add_bytes(box, PDF, kind="order", title="Приказ № 217 о переводе Иванову")
    assert [d.id for d in docs.list(query="повестки")] == [summons.id]
    assert [d.id for d in docs.list(query="повесткой")] == [summons.id]
    assert [d.id for d in docs.list(query="povestki")] == [summons.id]
    assert [d.id for d in docs.list(query="ivanova")] == [order.id]
    assert [d.id for d in docs.list(query="Иванов")] == [order.id]
    # Several words: every one must match, in any order.
    assert [d.id for d in docs.list(query="приказ 217")] == [order.id]
    assert [d.id for d in docs.list(query="217 приказа")] == [order.id]
    assert docs.list(query="приказ 218") == []
    assert docs.list(query="повестка 217") == []


def test_search_keys_stored_before_word_forms_still_work(workdir: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import papka.vault.documents as documents
    from papka.text import search_keys

    def keys_without_word_forms(doc: documents.Document) -> str:
        keys: set[str] = set()
        for word in (doc.title, doc.filename, doc.issuer, doc.number, doc.notes, *doc.tags):
            if word:
                keys |= search_keys(word)
        return "\x00".join(sorted(k for k in keys if k))

    path = new_container(workdir / "old")
    with monkeypatch.context() as patch:
        patch.setattr(documents, "_search_text", keys_without_word_forms)
        with Container.open(path, [DECOY]) as old:
            doc = add_bytes(old, PDF, title="Повестка в суд")
            stored = old.newest.documents._page_keys(documents._page_of(doc.id))[doc.id]
            assert not stored.startswith("\x01")
    with Container.open(path, [DECOY]) as box:
        assert [d.id for d in box.newest.documents.list(query="повестки")] == [doc.id]
        assert [d.id for d in box.newest.documents.list(query="povestka")] == [doc.id]
        add_bytes(box, PDF, title="Другое")      # rewrites a page with the new keys
    with Container.open(path, [DECOY]) as box:
        assert [d.id for d in box.newest.documents.list(query="повестки")] == [doc.id]


def test_update_changes_metadata_only(box: Container) -> None:
    doc = add_bytes(box, PDF, title="old", tags=["a"])
    updated = box.newest.documents.update(doc.id, title="новое", tags=["b", "c"], notes="n")
    assert (updated.title, updated.tags, updated.notes) == ("новое", ("b", "c"), "n")
    assert updated.sha256 == doc.sha256
    with pytest.raises(InvalidInput):
        box.newest.documents.update(doc.id, title="   ")
    with pytest.raises(InvalidInput):
        box.newest.documents.update(doc.id, colour="red")
    assert box.newest.documents.get(doc.id).title == "новое"


def test_ids_resolve_by_unique_prefix(box: Container) -> None:
    doc = add_bytes(box, PDF)
    assert box.newest.documents.get(doc.id[:4].upper()).id == doc.id
    with pytest.raises(DocumentNotFound):
        box.newest.documents.get("zzzz")
    with pytest.raises(DocumentNotFound):
        box.newest.documents.get(doc.id[:3])
    docs = box.newest.documents
    docs._docs["abcd0001"] = docs._docs[doc.id]
    docs._docs["abcd0002"] = docs._docs[doc.id]
    with pytest.raises(AmbiguousId):
        docs.get("abcd")


def test_remove_overwrites_the_freed_sectors_with_random_bytes(box: Container,
                                                                workdir: Path) -> None:
    """After the next commit or the end of the session, never before: until then the previous
    generation stays whole for a copy of the stick taken during the commit (FORMAT.md §5)."""
    data = b"CANARY-" * 50_000
    doc = add_bytes(box, data)
    extents = sectors_of(box, 0, doc.id)
    before = [box.storage.read(s * SECTOR, c * SECTOR) for s, c in extents]
    box.newest.documents.remove(doc.id)
    with pytest.raises(DocumentNotFound):
        box.newest.documents.get(doc.id)
    kept = [box.storage.read(s * SECTOR, c * SECTOR) for s, c in extents]
    assert kept == before and box.space.map[extents[0][0]] == 1
    add_bytes(box, b"the next commit")
    after = [box.storage.read(s * SECTOR, c * SECTOR) for s, c in extents]
    assert all(a != b for a, b in zip(after, before, strict=True))
    assert box.space.map[extents[0][0]] == 0


def test_closing_the_session_overwrites_what_its_last_commit_freed(workdir: Path) -> None:
    path = new_container(workdir / "closing")
    with Container.open(path, [DECOY]) as opened:
        doc = add_bytes(opened, b"CANARY-" * 50_000)
        extents = sectors_of(opened, 0, doc.id)
        before = [opened.storage.read(s * SECTOR, c * SECTOR) for s, c in extents]
        opened.newest.documents.remove(doc.id)
    raw = path.read_bytes()
    after = [raw[s * SECTOR:(s + c) * SECTOR] for s, c in extents]
    assert all(a != b for a, b in zip(after, before, strict=True))


def test_batch_is_one_commit_and_an_error_inside_rolls_it_all_back(box: Container) -> None:
    docs = box.newest.documents
    keep = add_bytes(box, PDF, title="keep")
    generation = box.newest.generation
    with pytest.raises(InvalidInput), docs.batch():
        add_bytes(box, PDF, title="first")
        docs.remove(keep.id)
        add_bytes(box, PDF, kind="Not A Kind")
    assert [d.title for d in docs.list()] == ["keep"]
    assert box.newest.generation == generation
    with docs.batch():
        add_bytes(box, PDF, title="one")
        add_bytes(box, PDF, title="two")
    assert box.newest.generation == generation + 1
    assert len(docs) == 3


def test_a_full_container_refuses_before_anything_is_lost(workdir: Path) -> None:
    path = new_container(workdir / "box", size=16 * MiB)
    with Container.open(path, [DECOY]) as box:
        keep = add_bytes(box, b"important")
        free_before = box.space.free_sectors()
        with pytest.raises(ContainerFull):
            add_bytes(box, os.urandom(20 * MiB))
        assert box.space.free_sectors() == free_before
        assert box.newest.documents.read_bytes(keep.id) == b"important"
        big = workdir / "video.mp4"
        with open(big, "wb") as f:
            f.truncate(40 * MiB)                 # sparse: refused from its size alone
        writes_before = box.newest.generation
        with pytest.raises(ContainerFull):
            box.newest.documents.add(big)
        assert box.newest.generation == writes_before
    with Container.open(path, [DECOY]) as box:
        assert [d.id for d in box.newest.documents.list()] == [keep.id]


def test_hostile_paths_get_a_clear_error_and_change_nothing(box: Container,
                                                            workdir: Path) -> None:
    docs = box.newest.documents
    generation = box.newest.generation
    for bad in (workdir, workdir / "missing", Path("/dev/null")):
        with pytest.raises(InvalidInput):
            docs.add(bad)
    unreadable = workdir / "locked"
    unreadable.write_bytes(b"x")
    unreadable.chmod(0)
    if os.geteuid() != 0:                          # root reads anything
        with pytest.raises(InvalidInput):
            docs.add(unreadable)
    assert box.newest.generation == generation and len(docs) == 0


def test_empty_odd_and_duplicate_files_are_stored_as_they_are(box: Container,
                                                              workdir: Path) -> None:
    names = ["пустой.txt", "日本語.pdf", "ελληνικά", "a" * 200, ".hidden"]
    for name in names:
        (workdir / name).write_bytes(b"" if name.startswith("пустой") else PDF)
    added = [box.newest.documents.add(workdir / n) for n in names]
    added.append(box.newest.documents.add(workdir / names[1]))       # a duplicate
    assert [d.filename for d in added] == names + [names[1]]
    assert box.newest.documents.read_bytes(added[0].id) == b""
    assert len({d.id for d in added}) == len(added)


def test_import_folder_takes_regular_files_in_one_commit(box: Container, workdir: Path) -> None:
    folder = workdir / "papers"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.pdf").write_bytes(PDF)
    (folder / "sub" / "a.jpg").write_bytes(JPEG)
    (folder / "link").symlink_to(folder / "b.pdf")
    generation = box.newest.generation
    added = box.newest.documents.import_folder(folder, kind="other", tags=["imported"])
    assert sorted(d.filename for d in added) == ["a.jpg", "b.pdf"]
    assert box.newest.generation == generation + 1


def test_notes_are_documents(box: Container) -> None:
    note = box.newest.documents.add_note("12.03 — Ростов, в/ч 12345", title="Даты")
    assert note.kind == "note" and note.media_type == "text/plain"
    assert box.newest.documents.read_bytes(note.id).decode() == "12.03 — Ростов, в/ч 12345"


def test_derived_documents_record_their_original(box: Container) -> None:
    original = add_bytes(box, PDF, title="Дело")
    copy = add_bytes(box, PDF, title="Дело (redacted)", derived_from=original.id[:5],
                     derivation={"action": "redact", "log": {"person": 3}})
    assert copy.derived_from == original.id
    assert copy.derivation == {"action": "redact", "log": {"person": 3}}


def test_save_to_never_overwrites_unless_asked(box: Container, workdir: Path) -> None:
    doc = add_bytes(box, b"content")
    target = workdir / "out.bin"
    target.write_bytes(b"mine")
    with pytest.raises(InvalidInput):
        box.newest.documents.save_to(doc.id, target)
    assert target.read_bytes() == b"mine"
    box.newest.documents.save_to(doc.id, target, overwrite=True)
    assert target.read_bytes() == b"content"
    fresh = box.newest.documents.save_to(doc.id, workdir / "fresh.bin")
    assert fresh.stat().st_mode & 0o777 == 0o600        # a new file is the keeper's alone


def test_the_kind_vocabulary_covers_the_papers_people_carry() -> None:
    for kind in ("criminal-case", "summons", "military-id", "asylum-application", "video"):
        assert kind in KINDS


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["add", "update", "remove", "reopen", "batch"]),
                              st.integers(0, 50_000), st.text(max_size=8)), max_size=15))
def test_any_sequence_of_operations_equals_the_model(workdir: Path,
                                                     ops: list[tuple[str, int, str]]) -> None:
    path = workdir / f"model-{os.urandom(4).hex()}"
    Container.create(path, 16 * MiB, DECOY)
    model: dict[str, tuple[str, bytes]] = {}
    box = Container.open(path, [DECOY])
    try:
        for op, n, text in ops:
            docs = box.newest.documents
            title = text.strip().replace("\x00", "") or "t"
            if op == "add":
                data = os.urandom(n)
                model[add_bytes(box, data, title=title).id] = (title, data)
            elif op == "update" and model:
                doc_id = sorted(model)[n % len(model)]
                docs.update(doc_id, title=title)
                model[doc_id] = (title, model[doc_id][1])
            elif op == "remove" and model:
                doc_id = sorted(model)[n % len(model)]
                docs.remove(doc_id)
                del model[doc_id]
            elif op == "batch":
                with docs.batch():
                    a = add_bytes(box, b"a" * n, title="a")
                    b = add_bytes(box, b"b", title="b")
                    docs.remove(a.id)
                model[b.id] = ("b", b"b")
            elif op == "reopen":
                box.close()
                box = Container.open(path, [DECOY])
            state = {d.id: (d.title, box.newest.documents.read_bytes(d.id))
                     for d in box.newest.documents.list()}
            assert state == model
    finally:
        box.close()


def test_a_crafted_record_with_wrong_types_is_damage_not_a_crash(box: Container) -> None:
    """A record that authenticates (someone who holds the passphrase could write one) but whose
    fields have the wrong types is reported as damage when it is first used."""
    from papka.vault.errors import ContainerDamaged

    doc = add_bytes(box, PDF, title="real")
    docs = box.newest.documents
    record = {**docs._docs[doc.id].to_json(), "title": 5,
              "content": docs._content[doc.id].to_json()}
    docs._docs.load({doc.id: record})
    with pytest.raises(ContainerDamaged):
        docs.get(doc.id)


def test_a_record_read_back_equals_the_document_that_was_stored(box: Container) -> None:
    import datetime as dt

    from papka.vault import Document

    doc = add_bytes(box, PDF, title="Справка", kind="medical", date=dt.date(2024, 1, 2),
                    issuer="Поликлиника", tags=["a", "b"], notes="n",
                    derivation={"action": "redact"})
    record = {k: v for k, v in doc.to_json().items() if v is not None and v != []}
    record["commitments"] = doc.commitments     # stored beside, never shown (to_json)
    again = Document.from_json(record)
    assert again == doc and repr(again) == repr(doc)
    import dataclasses

    from papka.vault import records
    # from_json fills the slots itself: every field, in the order its setters are listed.
    assert not hasattr(again, "__dict__")
    names = [f.name for f in dataclasses.fields(Document)]
    assert all(hasattr(again, name) for name in names)
    assert sorted(setter.__self__.__name__ for setter in records._SETTERS) == sorted(names)


@given(data=st.binary(max_size=3 * MiB), cuts=st.lists(st.integers(1, 700_000), max_size=12))
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_bytes_pushed_in_any_pieces_store_the_same_document_as_a_stream(
        workdir: Path, data: bytes, cuts: list[int]) -> None:
    path = new_container(workdir / os.urandom(6).hex(), size=16 * MiB)
    with Container.open(path, [DECOY]) as box:
        incoming = box.newest.documents.receive(kind="order", title="Приказ")
        position = 0
        for cut in cuts:
            incoming.write(data[position:position + cut])
            position += cut
        incoming.write(memoryview(data)[position:])
        pushed = incoming.close()
        pulled = box.newest.documents.add(io.BytesIO(data), kind="order")
        assert pushed.sha256 == pulled.sha256 and pushed.size == pulled.size == len(data)
        assert pushed.media_type == pulled.media_type
    with Container.open(path, [DECOY]) as box:
        assert box.newest.documents.read_bytes(pushed.id) == data


def test_an_abandoned_incoming_document_leaves_nothing_behind(workdir: Path) -> None:
    path = new_container(workdir / "abandoned", size=16 * MiB)
    with Container.open(path, [DECOY]) as box:
        documents = box.newest.documents
        free_before = box.usage().free
        with pytest.raises(RuntimeError), documents.batch():
            incoming = documents.receive(kind="order")
            incoming.write(os.urandom(3 * MiB))
            raise RuntimeError("the bundle failed to verify")
        assert len(documents) == 0
        assert box.usage().free == free_before
        kept = documents.add(io.BytesIO(b"still works"), kind="note")
    with Container.open(path, [DECOY]) as box:
        assert [d.id for d in box.newest.documents.list()] == [kept.id]


def test_receiving_refuses_unknown_fields_before_writing(box: Container) -> None:
    with pytest.raises(InvalidInput):
        box.newest.documents.receive(kind="order", colour="red")
    with pytest.raises(InvalidInput):
        box.newest.documents.receive(kind="Not A Kind")


def test_one_metadata_value_serves_add_update_and_the_record(box: Container) -> None:
    documents = box.newest.documents
    meta = DocumentMeta(kind="summons", title="Повестка", tags=("суд",), number="17")
    added = documents.add(io.BytesIO(b"%PDF-1.7 summons"), meta, date="2024-03-01")
    assert added.meta == replace(meta, date=dt.date(2024, 3, 1))
    assert isinstance(added, DocumentMeta) and added.media_type == "application/pdf"
    changed = documents.update(added.id, tags=["суд", "оригинал"], notes="у адвоката")
    assert changed.meta == replace(added.meta, tags=("суд", "оригинал"), notes="у адвоката")
    pushed = documents.receive(changed.meta)
    pushed.write(b"copy")
    assert pushed.close().meta == changed.meta


def test_metadata_is_checked_the_same_way_everywhere(box: Container) -> None:
    documents = box.newest.documents
    for bad in ({"colour": "red"}, {"date": "March"}, {"kind": "Не Вид"}, {"tags": ["x" * 101]},
                {"title": "a\x00b"}):
        with pytest.raises(InvalidInput):
            DocumentMeta().with_changes(bad)
        with pytest.raises(InvalidInput):
            documents.add(io.BytesIO(b"x"), **bad)
    assert len(documents) == 0
    assert DocumentMeta().with_changes({"tags": [" a ", "a", "b"]}).tags == ("a", "b")


def test_removing_first_in_a_session_whose_page_has_no_stored_search_keys(
        box: Container) -> None:
    """A page whose search keys must be recomputed from its records (stored before word forms
    were indexed, or lost) still lets a document on it be removed first thing."""
    docs = box.newest.documents
    with docs.batch():
        # Numbers of one width: a query word matches inside longer ones ("1" finds "справка 12").
        added = [add_bytes(box, PDF, title=f"справка {n:03d}") for n in range(70)]
    by_page: dict[int, list[str]] = {}
    for doc in added:
        by_page.setdefault(int(doc.id, 16) % 64, []).append(doc.id)
    page, (victim, neighbour, *_) = next((p, ids) for p, ids in by_page.items() if len(ids) > 1)
    docs._keys.pop(page, None)
    docs._search_pointers[page] = None
    docs.remove(victim)
    assert [d.id for d in docs.list(query=docs.get(neighbour).title)] == [neighbour]


def test_a_page_whose_first_copy_does_not_read_is_read_from_the_second(box: Container) -> None:
    """Unlocking reads the pages in order while the next page's first copy inflates on another
    thread. A first copy that fails anywhere (a damaged sector, a stream that does not inflate,
    JSON that is not a list of records) is read from the second copy, on the first page, a
    middle one and the last, and the page is marked for rewriting; both copies bad is damage."""
    import zlib

    from papka.vault.errors import ContainerDamaged

    docs = box.newest.documents
    with docs.batch():
        added = {add_bytes(box, os.urandom(200), title=f"paper {n}").id for n in range(150)}
    stored = [p for p, copies in enumerate(docs._page_pointers) if copies]
    assert len(stored) > 10
    first, middle, last = stored[0], stored[len(stored) // 2], stored[-1]
    root = box.newest.root
    store = box.newest.store
    not_a_stream = store.write_bytes(b"\x78" + os.urandom(300))
    not_records = store.write_bytes(zlib.compress(b'{"id": "x"}' + b" " * 5000))
    root.pages[first] = [not_a_stream.to_json(), root.pages[first][1]]
    root.pages[middle] = [not_records.to_json(), root.pages[middle][1]]
    torn = docs._page_pointers[last][0]
    box.storage.write(torn.extents[0][0] * SECTOR, os.urandom(SECTOR))
    docs._reload()
    assert {d.id for d in docs.list()} == added
    assert docs._dirty == {first, middle, last}
    assert box.newest.needs_repair

    root.pages[middle] = [not_records.to_json(), not_a_stream.to_json()]
    with pytest.raises(ContainerDamaged):
        docs._reload()
