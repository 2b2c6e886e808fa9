"""Page commitments and disclosures: made at import, carried as roots in signed manifests,
revealed page by page and checked with ssh-keygen and coreutils alone, as the README says."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from papka.exchange import Profile, Selection, export_bundle, import_into
from papka.exchange.disclosure import (
    COMMITMENTS,
    DisclosureDoesNotVerify,
    NoPages,
    NoSuchPage,
    NotCommitted,
    PageNotReproducible,
    check_disclosure,
    disclosure_bytes,
    sent_bundles,
)
from papka.formats.bundle import (
    Manifest,
    Protection,
    generate_identity,
    parse_identities,
    parse_recipient,
)
from papka.formats.bundle.errors import ManifestError
from papka.pages import pdf_pages
from papka.vault import Container
from papka.vault.commitments import SALT_BYTES
from tests.conftest import require_tool

PASS = "disclosure test passphrase"
PAGES = 4
QUICK = Profile("quick", preset="hide-only", hide=("Canary",), titles="kind",
                metadata=("date",), ocr=False)


def mark(page: int) -> bytes:
    return f"UNIQUE-MARK-OF-PAGE-{page}".encode()


def four_pages() -> bytes:
    """A PDF whose content streams are not compressed, so each page's mark is findable."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    for number in range(1, PAGES + 1):
        page.setFont("Helvetica", 14)
        page.drawString(72, 760, mark(number).decode())
        page.drawString(72, 700, f"Witness: Canary Person {number}")
        page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.fixture
def box(workdir: Path) -> Iterator[Container]:
    path = workdir / "box.papka"
    Container.create(path, 32 * 2**20, PASS)
    with Container.open(path, [PASS]) as container:
        yield container


@pytest.fixture
def sent(box: Container, workdir: Path) -> dict[str, str]:
    """An original exported whole, then a redacted copy of it exported (and stored back)."""
    secret, public = generate_identity()
    to_lawyer = Protection.to([parse_recipient(public)])
    doc = box.newest.documents.add(io.BytesIO(four_pages()), kind="criminal-case",
                                   title="Дело").id
    whole = export_bundle(box.newest, Selection.parse([doc]), workdir / "whole.age",
                          protection=to_lawyer)
    redacted = export_bundle(box.newest, Selection.parse([doc]), workdir / "redacted.age",
                             protection=to_lawyer, profile=QUICK, store_redacted=True)
    return {"doc": doc, "whole": whole.summary.manifest_sha256,
            "redacted": redacted.summary.manifest_sha256,
            "copy": str(redacted.documents[0].stored_as), "secret": secret}


# -- commitments --------------------------------------------------------------------------------
def test_one_page_pdfs_are_the_same_bytes_in_another_process() -> None:
    data = four_pages()
    here = [hashlib.sha256(p).hexdigest() for p in pdf_pages(data)]
    script = ("import sys, hashlib; from papka.pages import pdf_pages; "
              "print(' '.join(hashlib.sha256(p).hexdigest() "
              "for p in pdf_pages(sys.stdin.buffer.read())))")
    there = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True,
                           check=True).stdout.decode().split()
    assert here == there and len(here) == PAGES and len(set(here)) == PAGES
    for number, page in enumerate(pdf_pages(data), start=1):
        assert mark(number) in page
        assert all(mark(other) not in page for other in range(1, PAGES + 1) if other != number)
        assert b"/Info" not in page and page.startswith(b"%PDF-")


def test_every_page_gets_a_fresh_32_byte_salt_at_import(box: Container) -> None:
    docs = box.newest.documents
    data = four_pages()
    first = docs.add(io.BytesIO(data), kind="order")
    second = docs.add(io.BytesIO(data), kind="order")
    salts = []
    for doc in (first, second):
        committed = docs.commitments(doc.id)
        assert committed.made == "import"
        assert committed.pages is not None and len(committed.pages) == PAGES
        salts += [committed.whole.salt, *(c.salt for c in committed.pages)]
        for page, commitment in zip(pdf_pages(data), committed.pages, strict=True):
            assert commitment.digest == hashlib.sha256(commitment.salt + page).digest()
        # The whole file through its digest, as the disclosure's README recomputes it.
        hexed = hashlib.sha256(data).hexdigest().encode() + b"\n"
        assert committed.whole.digest == hashlib.sha256(committed.whole.salt + hexed).digest()
    assert all(len(s) == SALT_BYTES for s in salts) and len(set(salts)) == len(salts)
    # Same bytes, other salts: the two documents' roots say nothing about their likeness.
    assert docs.commitments(first.id).root() != docs.commitments(second.id).root()
    # Salts never appear where a document is shown.
    assert "commitments" not in first.to_json() and salts[0].hex() not in repr(first)


def test_a_picture_is_its_own_one_page(box: Container) -> None:
    committed = box.newest.documents.commitments(
        box.newest.documents.add(io.BytesIO(b"\xff\xd8\xff\xe0 not much of a photo"),
                                 kind="photo").id)
    assert committed.pages is None
    assert committed.listing() == f"{committed.whole.digest.hex()}  file\n".encode()
    assert committed.root() == hashlib.sha256(committed.listing()).hexdigest()


def test_commitments_and_disclosures_are_stable_across_sessions(workdir: Path) -> None:
    path = workdir / "own.papka"
    Container.create(path, 32 * 2**20, PASS)
    with Container.open(path, [PASS]) as box:
        doc = box.newest.documents.add(io.BytesIO(four_pages()), kind="order").id
        export_bundle(box.newest, Selection.parse([doc]), workdir / "b.zip",
                      protection=Protection.unencrypted())
        root = box.newest.documents.commitments(doc).root()
        first = check_disclosure(disclosure_bytes(box.newest, doc, pages=[2]))
    with Container.open(path, [PASS]) as again:
        assert again.newest.documents.commitments(doc).root() == root
        second = check_disclosure(disclosure_bytes(again.newest, doc, pages=[2]))
    assert first == second


def test_a_document_added_before_commitments_gets_them_when_first_needed(
        box: Container, workdir: Path) -> None:
    docs = box.newest.documents
    doc = docs.add(io.BytesIO(four_pages()), kind="order")
    # As papka wrote records before it made commitments.
    docs._put(dataclasses.replace(docs._docs[doc.id], commitments=None),
              docs._content[doc.id])
    box.newest.commit()
    assert docs.get(doc.id).commitments is None
    _secret, public = generate_identity()
    export_bundle(box.newest, [docs.get(doc.id)], workdir / "b.age",
                  protection=Protection.to([parse_recipient(public)]))
    committed = docs.commitments(doc.id)
    assert committed.made == "later"
    readme = _members(disclosure_bytes(box.newest, doc.id, pages=[1]))["README.txt"]
    assert b"made later" in readme and "сделаны позже".encode() in readme


# -- manifests ----------------------------------------------------------------------------------
def test_manifests_carry_the_roots_and_older_manifests_still_read(
        box: Container, sent: dict[str, str]) -> None:
    docs = box.newest.documents
    root = docs.commitments(sent["doc"]).root()
    kept = {b.manifest_sha256: b for b in sent_bundles(box.newest)}
    whole = kept[sent["whole"]].manifest
    redacted = kept[sent["redacted"]].manifest
    assert whole.version == 2 and whole.files[0].commitment_root == root
    assert whole.files[0].original_root is None
    assert redacted.files[0].original_root == root
    assert redacted.files[0].commitment_root == docs.commitments(sent["copy"]).root()
    # A version 1 manifest (no roots) still reads; roots in a version 1 manifest do not, nor
    # a malformed root, nor a null one.
    old = Manifest(created=whole.created, signer=whole.signer, sender="",
                   files=(whole.files[0].__class__(**{**whole.files[0].__dict__,
                                                      "commitment_root": None}),))
    assert old.version == 1 and b'"version":1' in old.to_bytes()
    assert Manifest.from_bytes(old.to_bytes()) == old
    text = kept[sent["whole"]].manifest_bytes
    for bad in (text.replace(b'"version":2', b'"version":1'),
                text.replace(root.encode(), root[:-1].encode()),
                text.replace(root.encode(), root.upper().encode()),
                text.replace(f'"{root}"'.encode(), b"null")):
        with pytest.raises(ManifestError):
            Manifest.from_bytes(bad)


def test_a_stored_copy_sent_whole_names_its_original(box: Container, workdir: Path,
                                                    sent: dict[str, str]) -> None:
    """A copy redacted earlier and stored (`papka redact --store`) that goes out under the
    lawyer profile carries its own root and its original's, so the original's pages can be
    disclosed against that bundle."""
    docs = box.newest.documents
    copy = docs.add(io.BytesIO(b"%PDF-1.4 a copy made by hand"), kind="criminal-case",
                    derived_from=sent["doc"], derivation={"action": "redact"})
    result = export_bundle(box.newest, [copy], workdir / "copy.zip",
                           protection=Protection.unencrypted())
    entry = result.summary.manifest.files[0]
    assert entry.original_root == docs.commitments(sent["doc"]).root()
    assert entry.commitment_root == docs.commitments(copy.id).root()
    data = disclosure_bytes(box.newest, sent["doc"], pages=[4])
    report = check_disclosure(data)
    assert report.manifest_sha256 == result.summary.manifest_sha256   # the latest by default
    assert report.revealed == ("page-0004",)


def test_roots_travel_only_where_provenance_does(box: Container, workdir: Path,
                                               sent: dict[str, str]) -> None:
    """A root is the same in every bundle that carries the document: the public profile, which
    keeps a journalist's copy unlinkable to the lawyer's, sends none and keeps nothing."""
    docs = box.newest.documents
    kept_before = len(sent_bundles(box.newest))
    public = Profile("public-quick", preset="hide-only", hide=("Canary",), titles="kind",
                     provenance=False, ocr=False)
    result = export_bundle(box.newest, [docs.get(sent["doc"])], workdir / "public.zip",
                           protection=Protection.unencrypted(), profile=public)
    manifest = result.summary.manifest
    assert manifest.version == 1 and not result.disclosable
    assert manifest.files[0].commitment_root is None and manifest.files[0].original_root is None
    assert docs.commitments(sent["doc"]).root().encode() not in result.summary.manifest_bytes
    assert len(sent_bundles(box.newest)) == kept_before


def test_a_read_only_vault_exports_without_roots_and_stores_nothing(workdir: Path) -> None:
    path = workdir / "ro.papka"
    Container.create(path, 32 * 2**20, PASS)
    with Container.open(path, [PASS]) as box:
        doc = box.newest.documents.add(io.BytesIO(four_pages()), kind="order").id
    before = path.read_bytes()
    with Container.open(path, [PASS], writable=False) as box:
        result = export_bundle(box.newest, Selection.parse([doc]), workdir / "ro.zip",
                               protection=Protection.unencrypted())
        assert result.summary.manifest.version == 1 and not result.disclosable
        with pytest.raises(NotCommitted):
            disclosure_bytes(box.newest, doc, pages=[1])
    assert path.read_bytes() == before


# -- the disclosure, checked as its README says -----------------------------------------------
def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _readme_commands(readme: str) -> list[str]:
    """The commands the English half of README.txt gives, as printed."""
    english = readme.split("== What this is ==", 1)[1]
    block = english.split("in its folder, run:\n", 1)[1].split("   ssh-keygen must say", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def _follow_readme(data: bytes, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    require_tool("ssh-keygen")
    require_tool("sha256sum")
    folder.mkdir()
    for name, content in _members(data).items():
        (folder / name).write_bytes(content)
    commands = _readme_commands((folder / "README.txt").read_text(encoding="utf-8"))
    return [subprocess.run(["sh", "-c", command], cwd=folder, capture_output=True, text=True,
                           check=False) for command in commands]


def test_a_disclosure_of_pages_1_and_3_checks_with_ssh_keygen_and_coreutils(
        box: Container, workdir: Path, sent: dict[str, str]) -> None:
    data = disclosure_bytes(box.newest, sent["doc"], pages=[3, 1], bundle=sent["redacted"][:8])
    members = _members(data)
    assert set(members) == {"README.txt", "sender.pub", "manifest.json", "manifest.json.sig",
                            COMMITMENTS, "page-0001.pdf", "page-0001.salt", "page-0003.pdf",
                            "page-0003.salt"}
    # The manifest and signature exactly as they went out in the redacted bundle.
    kept = {b.manifest_sha256: b for b in sent_bundles(box.newest)}[sent["redacted"]]
    assert members["manifest.json"] == kept.manifest_bytes
    assert members["manifest.json.sig"] == kept.signature
    assert hashlib.sha256(members["manifest.json"]).hexdigest() == sent["redacted"]
    runs = _follow_readme(data, workdir / "court")
    assert len(runs) == 5
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    assert 'Good "papka-bundle-v1" signature' in runs[1].stdout + runs[1].stderr
    root = box.newest.documents.commitments(sent["doc"]).root()
    assert runs[2].stdout.strip() == f'_root":"{root}"'
    assert runs[3].stdout.endswith("  page-0001\n") and runs[4].stdout.endswith("  page-0003\n")
    report = check_disclosure(data)
    assert report.revealed == ("page-0001", "page-0003") and report.pages == PAGES
    assert report.manifest_sha256 == sent["redacted"]
    # Unrevealed pages are absent, byte for byte; the revealed ones are there.
    assert mark(1) in data and mark(3) in data
    assert mark(2) not in data and mark(4) not in data
    original = box.newest.documents.read_bytes(sent["doc"])
    assert original not in data


def test_the_whole_file_can_be_disclosed_against_the_bundle_that_sent_it(
        box: Container, workdir: Path, sent: dict[str, str]) -> None:
    data = disclosure_bytes(box.newest, sent["doc"], whole=True, bundle=sent["whole"])
    assert _members(data)["file.pdf"] == box.newest.documents.read_bytes(sent["doc"])
    runs = _follow_readme(data, workdir / "court")
    assert all(run.returncode == 0 for run in runs) and len(runs) == 4
    assert check_disclosure(data).revealed == ("file",)


def _flip(data: bytes, at: int = 200) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def _swap_salts(members: dict[str, bytes]) -> None:
    members["page-0001.salt"], members["page-0003.salt"] = (members["page-0003.salt"],
                                                           members["page-0001.salt"])


def _change_unrevealed_line(members: dict[str, bytes]) -> None:
    lines = members[COMMITMENTS].split(b"\n")
    lines[2] = (b"0" if lines[2][:1] != b"0" else b"1") + lines[2][1:]     # page-0002
    members[COMMITMENTS] = b"\n".join(lines)


def _change_manifest(members: dict[str, bytes]) -> None:
    members["manifest.json"] = members["manifest.json"].replace(b'"kind":"', b'"kind":"x', 1)


def _other_sender_key(members: dict[str, bytes]) -> None:
    from papka.formats.bundle import SigningKey

    members["sender.pub"] = SigningKey.generate().public_openssh().encode() + b"\n"


@pytest.mark.parametrize(("tamper", "failing"), [
    (lambda m: m.update({"page-0003.pdf": _flip(m["page-0003.pdf"])}), 4),
    (_swap_salts, 3),
    (_change_unrevealed_line, 2),
    (_change_manifest, 1),
    (_other_sender_key, 1),
])
def test_a_tampered_disclosure_fails_both_checks(
        box: Container, workdir: Path, sent: dict[str, str], tamper: object,
        failing: int) -> None:
    members = _members(disclosure_bytes(box.newest, sent["doc"], pages=[1, 3]))
    tamper(members)  # type: ignore[operator]
    data = _zip(members)
    with pytest.raises(DisclosureDoesNotVerify):
        check_disclosure(data)
    runs = _follow_readme(data, workdir / "court")
    assert runs[failing].returncode != 0


def test_a_disclosure_refuses_what_it_cannot_prove(
        box: Container, workdir: Path, sent: dict[str, str]) -> None:
    docs = box.newest.documents
    with pytest.raises(NoSuchPage):
        disclosure_bytes(box.newest, sent["doc"], pages=[PAGES + 1])
    never_sent = docs.add(io.BytesIO(four_pages()), kind="order").id
    with pytest.raises(NotCommitted):
        disclosure_bytes(box.newest, never_sent, pages=[1])
    photo = docs.add(io.BytesIO(b"\xff\xd8\xff\xe0 a photo"), kind="photo").id
    export_bundle(box.newest, [docs.get(photo)], workdir / "photo.zip",
                  protection=Protection.unencrypted())
    with pytest.raises(NoPages):
        disclosure_bytes(box.newest, photo, pages=[2])
    assert check_disclosure(disclosure_bytes(box.newest, photo, pages=[1])).revealed == ("file",)


def test_a_lawyer_who_imported_the_redacted_copy_can_match_a_disclosure_to_it(
        box: Container, workdir: Path, sent: dict[str, str]) -> None:
    Container.create(workdir / "lawyer.papka", 32 * 2**20, "lawyer words")
    with Container.open(workdir / "lawyer.papka", ["lawyer words"]) as lawyer:
        received = import_into(lawyer.newest, workdir / "redacted.age",
                               identities=parse_identities(sent["secret"]))
        copy = lawyer.newest.documents.get(received.ids[0])
    members = _members(disclosure_bytes(box.newest, sent["doc"], pages=[2]))
    assert copy.derivation is not None
    assert copy.derivation["original_root"] == hashlib.sha256(members[COMMITMENTS]).hexdigest()


def test_pages_papka_can_no_longer_rebuild_are_refused(
        box: Container, sent: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import papka.pages

    real = papka.pages.each_pdf_page
    monkeypatch.setattr(papka.pages, "each_pdf_page",
                        lambda data: (page + b"\n% another qpdf\n" for page in real(data)))
    with pytest.raises(PageNotReproducible):
        disclosure_bytes(box.newest, sent["doc"], pages=[1])


def test_nothing_but_the_named_files_reaches_the_disk(
        box: Container, workdir: Path, sent: dict[str, str]) -> None:
    target = workdir / "for-the-court.zip"
    target.write_bytes(disclosure_bytes(box.newest, sent["doc"], pages=[1]))
    everything = {p.relative_to(workdir).as_posix() for p in workdir.rglob("*")}
    assert everything == {"box.papka", "whole.age", "redacted.age", "for-the-court.zip"}
    tmp = Path(os.environ["TMPDIR"])
    assert list(tmp.rglob("*")) == []


def test_a_pdf_whose_pages_would_cost_too_much_keeps_only_its_whole_file(
        box: Container, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many pages sharing one large picture would each carry a copy of it: past a budget papka
    does not split (papka.pages.MAX_TOTAL_OUTPUT), and the whole file stays committed."""
    import papka.pages

    monkeypatch.setattr(papka.pages, "MAX_TOTAL_OUTPUT", 2000)
    doc = box.newest.documents.add(io.BytesIO(four_pages()), kind="order").id
    committed = box.newest.documents.commitments(doc)
    assert committed.pages is None and committed.made == "import"
    assert committed.listing().count(b"\n") == 1
    # Its "page 1" is never the whole file, which would reveal every page.
    export_bundle(box.newest, Selection.parse([doc]), workdir / "unsplit.zip",
                  protection=Protection.unencrypted())
    with pytest.raises(NoPages):
        disclosure_bytes(box.newest, doc, pages=[1])
    assert check_disclosure(disclosure_bytes(box.newest, doc, whole=True)).revealed == ("file",)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.integers(min_value=0), bit=st.integers(0, 7))
def test_any_changed_bit_fails_the_check_or_touches_nothing_it_checks(
        box: Container, sent: dict[str, str], at: int, bit: int) -> None:
    """Hostile or damaged disclosures end in DisclosureDoesNotVerify, never another error; a
    change that passes can only be in the ZIP's framing (times, attributes), never in what the
    check covers."""
    data = _disclosure_once(box, sent)
    expected = check_disclosure(data)
    changed = bytearray(data)
    changed[at % len(data)] ^= 1 << bit
    try:
        report = check_disclosure(bytes(changed))
    except DisclosureDoesNotVerify:
        return
    assert report == expected
    assert _members(bytes(changed)) == _members(data)


def test_a_directory_entry_that_swallows_the_ones_after_it_is_refused(
        box: Container, sent: dict[str, str]) -> None:
    """One flipped bit in a length field of page 1's salt entry made zipfile read page 3's
    entries as that entry's comment: the disclosure checked, showing page 1 alone."""
    data = _disclosure_once(box, sent)
    assert check_disclosure(data).revealed == ("page-0001", "page-0003")
    changed = bytearray(data)
    # The name's last place is in the central directory, 46 bytes into its entry.
    entry = changed.rindex(b"page-0001.salt") - 46
    assert changed[entry:entry + 4] == b"PK\x01\x02"
    following = changed.index(b"PK\x01\x02", entry + 4)
    directory_end = changed.rindex(b"PK\x05\x06")
    # The entry's comment now reaches over every entry after it, up to the end record.
    changed[entry + 32:entry + 34] = struct.pack("<H", directory_end - following)
    assert [i.filename for i in zipfile.ZipFile(io.BytesIO(bytes(changed))).infolist()][-1] \
        == "page-0001.salt"
    with pytest.raises(DisclosureDoesNotVerify):
        check_disclosure(bytes(changed))


_CACHE: dict[str, bytes] = {}


def _disclosure_once(box: Container, sent: dict[str, str]) -> bytes:
    key = sent["doc"]
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = disclosure_bytes(box.newest, sent["doc"], pages=[1, 3])
    return _CACHE[key]
