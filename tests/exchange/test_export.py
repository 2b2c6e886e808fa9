"""Export orchestration: selection, profiles, redaction in the export path, import."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfminer.high_level import extract_text
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from papka.errors import PapkaError
from papka.exchange import (
    BUILTIN_PROFILES,
    BundleFileExists,
    CannotRedactForProfile,
    ExportError,
    Profile,
    Selection,
    export_bundle,
    find_profile,
    import_into,
    profiles,
    remove_profile,
    save_profile,
    signing_key,
)
from papka.formats import fonts
from papka.formats.bundle import (
    SIGNATURE_NAMESPACE,
    AddressBook,
    BundleDamagedError,
    PinStatus,
    Protection,
    SigningKey,
    generate_identity,
    open_bundle,
    parse_identities,
    parse_recipient,
    verify_bundle,
)
from papka.formats.verify import verify
from papka.vault import Container
from tests.conftest import require_tool

CANARY = "Канарейкина Ольга Степановна"
KEPT = "Повестка о явке в военный комиссариат"
PASS = "export test passphrase"
CLOCK = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)

pdfmetrics.registerFont(TTFont("ExportSans", str(fonts.REGULAR)))


def canary_pdf(lines: tuple[str, ...] = (KEPT, f"Мать: {CANARY}")) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("ExportSans", 14)
    for number, line in enumerate(lines):
        page.drawString(72, 760 - 28 * number, line)
    page.save()
    return buffer.getvalue()


@pytest.fixture
def box(workdir: Path) -> Iterator[Container]:
    path = workdir / "box.papka"
    Container.create(path, 32 * 2**20, PASS)
    with Container.open(path, [PASS]) as container:
        yield container


@pytest.fixture
def lawyer_key() -> tuple[str, str]:
    return generate_identity()


def _add(box: Container, data: bytes, **fields: object) -> str:
    return box.newest.documents.add(io.BytesIO(data), **fields).id  # type: ignore[arg-type]


def test_selectors_are_read_as_typed() -> None:
    selection = Selection.parse(["3f2a", "id:ABCD1", "kind:summons", "tag:court",
                                 "since:2024-01-01", "until:2024-12-31"])
    assert selection.ids == ("3f2a", "abcd1")
    assert selection.kinds == ("summons",)
    assert selection.tags == ("court",)
    assert selection.since == dt.date(2024, 1, 1) and selection.until == dt.date(2024, 12, 31)
    for bad in (["since:2024-13-01"], ["мама"], []):
        with pytest.raises(ExportError):
            Selection.parse(bad)


def test_selection_by_ids_kinds_tags_and_dates(box: Container) -> None:
    a = _add(box, b"a", kind="summons", tags=["court"], date="2024-04-02")
    b = _add(box, b"b", kind="summons", tags=["army"], date="2023-01-01")
    c = _add(box, b"c", kind="cv", tags=["court"], date="2024-05-01")
    docs = box.newest.documents

    def ids(*selectors: str) -> set[str]:
        return {d.id for d in Selection.parse(selectors).resolve(docs)}

    assert ids("kind:summons") == {a, b}
    assert ids("tag:court") == {a, c}
    assert ids("kind:summons", "tag:court") == {a}
    assert ids("since:2024-01-01") == {a, c}
    assert ids("until:2023-12-31", c) == {b, c}
    assert ids("all") == {a, b, c}
    with pytest.raises(ExportError):
        ids("kind:diploma")


def test_lawyer_bundle_carries_originals_and_metadata(box: Container, workdir: Path,
                                                      lawyer_key: tuple[str, str]) -> None:
    secret, public = lawyer_key
    original = canary_pdf()
    doc = _add(box, original, kind="criminal-case", title="Дело", number="123",
               tags=["court"], date="2024-03-15")
    result = export_bundle(box.newest, Selection.parse([doc]), workdir / "b.age",
                           protection=Protection.to([parse_recipient(public)]), sender="Sparrow",
                           clock=lambda: CLOCK)
    assert (workdir / "b.age").stat().st_mode & 0o777 == 0o600
    out = workdir / "opened"
    opened = open_bundle(workdir / "b.age", out, identities=parse_identities(secret))
    assert opened.verified and opened.bundle is not None
    entry = opened.bundle.files[0]
    assert (out / entry.name).read_bytes() == original
    assert entry.redaction is None
    assert entry.metadata == {"date": "2024-03-15", "number": "123", "tags": "court"}
    assert entry.provenance == ({"action": "added", "document": doc},)
    assert opened.bundle.manifest.sender == "Sparrow"
    assert result.summary.fingerprint == signing_key(box.newest).fingerprint()


def _photo_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (56.0, 51.0, 31.0), 3: "E", 4: (35.0, 55.0, 3.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_lawyer_gets_the_original_photo_and_the_keeper_is_told_what_it_carries(
        box: Container, workdir: Path, lawyer_key: tuple[str, str]) -> None:
    from papka.exchange import ORIGINAL, STRIPPED
    from papka.formats.sanitize import CAMERA_AND_TIME, GPS_POSITION, carried_metadata

    secret, public = lawyer_key
    photo = _photo_with_gps()
    summons = canary_pdf()
    doc = _add(box, photo, kind="photo", title="Фото")
    pdf = _add(box, summons, kind="summons", title="Повестка")
    result = export_bundle(box.newest, Selection.parse([doc, pdf]), workdir / "l.age",
                           protection=Protection.to([parse_recipient(public)]), clock=lambda: CLOCK)
    by_id = {d.doc_id: d for d in result.documents}
    # The original goes out byte for byte (its hash is the vault's); the keeper is warned.
    assert by_id[doc].sent_as == ORIGINAL
    assert set(by_id[doc].carries) == {GPS_POSITION, CAMERA_AND_TIME}
    assert by_id[pdf].sent_as == ORIGINAL and by_id[pdf].carries == ()
    opened = open_bundle(workdir / "l.age", workdir / "lo", identities=parse_identities(secret))
    assert opened.bundle is not None
    names = {f.provenance[0]["document"]: f.name for f in opened.bundle.files}
    assert (workdir / "lo" / names[doc]).read_bytes() == photo

    # Asked for, the photo goes as a copy without its metadata; the PDF is still the original.
    result = export_bundle(box.newest, Selection.parse([doc, pdf]), workdir / "s.age",
                           protection=Protection.to([parse_recipient(public)]),
                               strip_image_metadata=True,
                           clock=lambda: CLOCK)
    by_id = {d.doc_id: d for d in result.documents}
    assert by_id[doc].sent_as == STRIPPED and by_id[doc].removed
    assert by_id[pdf].sent_as == ORIGINAL
    opened = open_bundle(workdir / "s.age", workdir / "so", identities=parse_identities(secret))
    assert opened.bundle is not None
    files = {f.provenance[0]["document"]: f for f in opened.bundle.files}
    copy = (workdir / "so" / files[doc].name).read_bytes()
    assert copy != photo and carried_metadata(copy, "image/jpeg") == []
    assert {"action": "metadata-stripped"} in files[doc].provenance
    assert (workdir / "so" / files[pdf].name).read_bytes() == summons


def test_embassy_profile_never_sends_the_unredacted_name(box: Container, workdir: Path,
                                                         lawyer_key: tuple[str, str]) -> None:
    secret, public = lawyer_key
    doc = _add(box, canary_pdf(), kind="summons", title=f"Повестка ({CANARY})",
               issuer=f"Военкомат, инспектор {CANARY}", number="77-123")
    assert verify(canary_pdf(), "application/pdf", [CANARY], ocr=False).ok is False
    result = export_bundle(box.newest, Selection.parse([doc]), workdir / "e.age",
                           profile="embassy", protection=Protection.to([parse_recipient(public)]),
                           hide=[CANARY], store_redacted=True, clock=lambda: CLOCK)
    opened = open_bundle(workdir / "e.age", workdir / "o", identities=parse_identities(secret))
    assert opened.bundle is not None
    entry = opened.bundle.files[0]
    data = (workdir / "o" / entry.name).read_bytes()
    # Independent check of the exported bytes: the canary is gone from every channel...
    assert verify(data, "application/pdf", [CANARY], ocr=True).ok
    # ...while the story the embassy needs is still there (read back by OCR).
    from papka.formats.verify import fold
    from papka.formats.verify.pages import pdf_ocr

    assert fold("военный комиссариат") in fold(" ".join(pdf_ocr(data)))
    # The copy carries a text layer read from its burned pages, so the embassy can search it.
    from pdfminer.high_level import extract_text

    assert fold("комиссариат") in fold(extract_text(io.BytesIO(data)))
    assert entry.redaction and sum(entry.redaction.values()) >= 1
    assert CANARY.split()[0] not in entry.title and "█" in entry.title
    assert "number" not in entry.metadata
    assert entry.metadata["issuer"].startswith("Военкомат") and "Канарейкин" not in \
        entry.metadata["issuer"]
    # The redacted copy was stored back, derived from the original, with only counts.
    stored = result.documents[0].stored_as
    assert stored is not None
    copy = box.newest.documents.get(stored)
    assert copy.derived_from == doc and copy.derivation is not None
    assert copy.derivation["action"] == "redact"
    assert CANARY not in repr(copy.derivation)
    # Sent later as it is (lawyer profile), the stored copy still says what it withholds.
    export_bundle(box.newest, [copy], workdir / "again.age",
                  protection=Protection.to([parse_recipient(public)]))
    again = verify_bundle(workdir / "again.age", identities=parse_identities(secret))
    assert again.files[0].redaction == entry.redaction


def test_an_export_without_the_ocr_text_layer_sends_pictures_only(
        box: Container, workdir: Path, lawyer_key: tuple[str, str]) -> None:
    from pdfminer.high_level import extract_text

    secret, public = lawyer_key
    doc = _add(box, canary_pdf(), kind="summons", title="Повестка")
    export_bundle(box.newest, Selection.parse([doc]), workdir / "e.age", profile="embassy",
                  protection=Protection.to([parse_recipient(public)]), hide=[CANARY],
                  ocr_layer=False, clock=lambda: CLOCK)
    opened = open_bundle(workdir / "e.age", workdir / "o", identities=parse_identities(secret))
    assert opened.bundle is not None
    data = (workdir / "o" / opened.bundle.files[0].name).read_bytes()
    assert extract_text(io.BytesIO(data)).strip() == ""
    assert verify(data, "application/pdf", [CANARY], ocr=False).ok


def test_originals_stream_from_the_vault_and_are_never_read_whole(
        box: Container, workdir: Path, lawyer_key: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from papka.vault.documents import DocumentStore

    doc = _add(box, os.urandom(5 * 2**20), kind="video")

    def refuse(self: DocumentStore, doc_id: str) -> bytes:
        raise AssertionError("an original was read into memory whole")

    monkeypatch.setattr(DocumentStore, "read_bytes", refuse)
    pieces: list[int] = []
    export_bundle(box.newest, Selection.parse([doc]), workdir / "v.age",
                  protection=Protection.to([parse_recipient(lawyer_key[1])]),
                  progress=lambda done, total: pieces.append(done))
    assert len(pieces) >= 5 and pieces[-1] == 5 * 2**20  # 1 MiB at a time, in order


def test_redacting_profile_refuses_a_video(box: Container, workdir: Path,
                                           lawyer_key: tuple[str, str]) -> None:
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4000
    doc = _add(box, video, kind="video")
    assert box.newest.documents.get(doc).media_type.startswith("video/")
    for name in ("embassy", "public"):
        with pytest.raises(CannotRedactForProfile) as caught:
            export_bundle(box.newest, Selection.parse([doc]), workdir / f"{name}.age",
                          profile=name, protection=Protection.to([parse_recipient(lawyer_key[1])]))
        assert caught.value.doc_id == doc
        assert not (workdir / f"{name}.age").exists()
    # The lawyer profile sends it whole.
    export_bundle(box.newest, Selection.parse([doc]), workdir / "l.age",
                  protection=Protection.to([parse_recipient(lawyer_key[1])]))


def test_existing_file_is_never_overwritten_and_failures_leave_nothing(
        box: Container, workdir: Path, lawyer_key: tuple[str, str]) -> None:
    doc = _add(box, b"%PDF-1.4 x", kind="summons")
    target = workdir / "b.age"
    target.write_bytes(b"keep me")
    with pytest.raises(BundleFileExists):
        export_bundle(box.newest, [box.newest.documents.get(doc)], target,
                      protection=Protection.to([parse_recipient(lawyer_key[1])]))
    assert target.read_bytes() == b"keep me"
    # A document whose bytes cannot be read midway: the partial bundle is removed.
    broken = workdir / "broken.age"

    class Failing(Exception):
        pass

    def explode(done: int, total: int) -> None:
        raise Failing

    with pytest.raises(Failing):
        export_bundle(box.newest, [box.newest.documents.get(doc)], broken,
                      protection=Protection.to([parse_recipient(lawyer_key[1])]), progress=explode)
    assert not broken.exists()


def test_custom_profiles_are_kept_inside_the_compartment(box: Container, workdir: Path) -> None:
    mine = Profile("embassy-fr", preset="hide-only", hide=("Иванова",), metadata=("date",),
                   titles="kind", provenance=False, kinds=("summons",))
    save_profile(box.newest, mine)
    assert find_profile(box.newest, "embassy-fr") == mine
    assert set(BUILTIN_PROFILES) < set(profiles(box.newest))
    with pytest.raises(ExportError):
        save_profile(box.newest, Profile("lawyer"))
    with pytest.raises(ExportError):
        save_profile(box.newest, Profile("Bad Name"))
    with pytest.raises(ExportError):
        save_profile(box.newest, Profile("leaky", preset="ru-personal", titles="keep"))
    cv = _add(box, b"%PDF-1.4 cv", kind="cv")
    with pytest.raises(ExportError):
        export_bundle(box.newest, Selection.parse([cv]), workdir / "x.age", profile="embassy-fr",
                      protection=Protection.unencrypted())
    remove_profile(box.newest, "embassy-fr")
    with pytest.raises(ExportError):
        find_profile(box.newest, "embassy-fr")


def test_import_stores_documents_with_provenance(box: Container, workdir: Path,
                                                  lawyer_key: tuple[str, str]) -> None:
    secret, public = lawyer_key
    data = os.urandom(3 * 2**20 + 17)  # over several queue chunks
    doc = _add(box, data, kind="summons", title="Повестка", date="2024-04-02")
    export_bundle(box.newest, Selection.parse([doc]), workdir / "b.age",
                  protection=Protection.to([parse_recipient(public)]))
    lawyer_path = workdir / "lawyer.papka"
    Container.create(lawyer_path, 32 * 2**20, "lawyer vault words")
    with Container.open(lawyer_path, ["lawyer vault words"]) as lawyer:
        result = import_into(lawyer.newest, workdir / "b.age",
                             identities=parse_identities(secret), tags=["client-sparrow"])
        assert len(result.ids) == 1
        stored = lawyer.newest.documents.get(result.ids[0])
        assert lawyer.newest.documents.read_bytes(stored.id) == data
        assert stored.kind == "summons" and stored.title == "Повестка"
        assert stored.date == dt.date(2024, 4, 2) and "client-sparrow" in stored.tags
        assert stored.derivation is not None
        assert stored.derivation["bundle"] == result.bundle.manifest_sha256
        assert stored.derivation["provenance"] == [{"action": "added", "document": doc}]


def test_import_of_an_altered_bundle_stores_nothing(box: Container, workdir: Path,
                                                     lawyer_key: tuple[str, str]) -> None:
    secret, public = lawyer_key
    doc = _add(box, os.urandom(100_000), kind="summons")
    export_bundle(box.newest, Selection.parse([doc]), workdir / "b.age",
                  protection=Protection.to([parse_recipient(public)]))
    raw = bytearray((workdir / "b.age").read_bytes())
    raw[len(raw) // 2] ^= 1
    (workdir / "bad.age").write_bytes(bytes(raw))
    lawyer_path = workdir / "lawyer.papka"
    Container.create(lawyer_path, 32 * 2**20, "lawyer vault words")
    with Container.open(lawyer_path, ["lawyer vault words"]) as lawyer:
        with pytest.raises(BundleDamagedError):
            import_into(lawyer.newest, workdir / "bad.age", identities=parse_identities(secret))
        assert len(lawyer.newest.documents) == 0


QUICK_REDACTION = Profile("quick", preset="hide-only", hide=(CANARY,), titles="kind",
                          metadata=("date",), ocr=False)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(0, 3), min_size=1, max_size=4, unique=True),
       profile_name=st.sampled_from(["lawyer", "plain-lawyer", "quick", "public-no-ocr"]),
       flip=st.integers(min_value=0))
def test_any_selection_and_profile_verifies_and_any_changed_byte_fails(
        box: Container, workdir: Path, lawyer_key: tuple[str, str], picks: list[int],
        profile_name: str, flip: int) -> None:
    secret, public = lawyer_key
    docs = box.newest.documents
    if len(docs) == 0:
        for n in range(4):
            _add(box, canary_pdf((f"Документ {n}", f"Свидетель: {CANARY}")),
                 kind=["summons", "cv", "order", "photo"][n], title=f"Документ {n}",
                 tags=["t"] if n % 2 else [])
    everything = docs.list()
    chosen = [everything[i] for i in picks]
    target = workdir / f"p-{os.urandom(6).hex()}.bundle"
    plain = profile_name == "plain-lawyer"
    profile: Profile | str = {
        "quick": QUICK_REDACTION,
        "public-no-ocr": Profile("public-no-ocr", preset="ru-personal", titles="kind",
                                 provenance=False, ocr=False),
    }.get(profile_name, "lawyer")
    protection = (Protection.unencrypted() if plain
                  else Protection.to([parse_recipient(public)]))
    export_bundle(box.newest, chosen, target, protection=protection, profile=profile)
    identities = parse_identities(secret)
    checked = verify_bundle(target, identities=identities)
    assert len(checked.files) == len(chosen)
    if profile_name in ("lawyer", "plain-lawyer"):
        assert sorted(f.sha256 for f in checked.files) == sorted(d.sha256 for d in chosen)
        assert all(f.redaction is None for f in checked.files)
    else:
        assert all(f.redaction and f.redaction.get("custom", 0) + f.redaction.get(
            "keeper-name", 0) + f.redaction.get("person", 0) >= 1 for f in checked.files)
        assert all(f.title == f.kind for f in checked.files)
    if plain:
        return  # the ZIP framing is not covered (docs/FORMAT.md (Part II)); the age form is
    raw = bytearray(target.read_bytes())
    raw[flip % len(raw)] ^= 0x01 << (flip % 8)
    with pytest.raises(PapkaError):  # cannot decrypt (a header byte) or damaged
        verify_bundle(io.BytesIO(bytes(raw)), identities=identities)


def _ssh_keygen_verifies(folder: Path, public_line: str, member: str) -> bool:
    """`ssh-keygen -Y verify` of ``folder/member`` against ``folder/member.sig`` and one key."""
    ssh_keygen = require_tool("ssh-keygen")
    allowed = folder.parent / f"{folder.name}-allowed_signers"
    allowed.write_text(f"sender {public_line}\n")
    checked = subprocess.run(
        [ssh_keygen, "-Y", "verify", "-f", str(allowed), "-I", "sender",
         "-n", SIGNATURE_NAMESPACE, "-s", str(folder / f"{member}.sig")],
        stdin=(folder / member).open("rb"), capture_output=True, check=False)
    return checked.returncode == 0


def test_lawyer_and_public_bundles_of_the_same_papers_carry_unlinkable_signers(
        box: Container, workdir: Path, lawyer_key: tuple[str, str]) -> None:
    secret, public = lawyer_key
    doc = _add(box, canary_pdf(), kind="summons", title="Повестка")
    signers = {}
    for profile in ("lawyer", "public"):
        result = export_bundle(box.newest, Selection.parse([doc]), workdir / f"{profile}.age",
                               profile=profile, protection=Protection.to([parse_recipient(public)]),
                               hide=[CANARY], sender="Sparrow", clock=lambda: CLOCK)
        key = signing_key(box.newest, profile)
        assert result.summary.fingerprint == key.fingerprint()
        out = workdir / profile
        opened = open_bundle(workdir / f"{profile}.age", out,
                             identities=parse_identities(secret))
        assert opened.bundle is not None
        assert opened.bundle.signer == key.public_openssh()
        # What the recipient reads: the index's printed fingerprint and README's key line.
        index_text = " ".join(extract_text(out / "index.pdf").split())
        assert key.fingerprint().openssh in index_text and key.fingerprint().spoken in index_text
        assert key.public_openssh() in (out / "README.txt").read_text()
        signers[profile] = (key.public_openssh(), out)
    lawyer_line, lawyer_out = signers["lawyer"]
    public_line, public_out = signers["public"]
    assert lawyer_line != public_line
    # The lawyer's key is the one every bundle had before: the compartment's seed.
    assert lawyer_line == SigningKey.from_private_bytes(box.newest.identity_seed).public_openssh()
    for member in ("manifest.json", "index.pdf", "SHA256SUMS"):
        assert _ssh_keygen_verifies(lawyer_out, lawyer_line, member)
        assert _ssh_keygen_verifies(public_out, public_line, member)
        assert not _ssh_keygen_verifies(lawyer_out, public_line, member)
        assert not _ssh_keygen_verifies(public_out, lawyer_line, member)

    # Pinning works for each key as it always did: a recipient of both sees a changed key
    # under the same sender name, which is the point; each pins its own.
    lawyers_book, journalists_book = AddressBook(), AddressBook()
    lawyers_book.pin_signer("Sparrow", lawyer_line)
    journalists_book.pin_signer("Sparrow", public_line)
    for book, bundle in ((lawyers_book, "lawyer.age"), (journalists_book, "public.age")):
        again = verify_bundle(workdir / bundle, identities=parse_identities(secret),
                              address_book=book)
        assert again.pin is not None and again.pin.status is PinStatus.PINNED
    crossed = verify_bundle(workdir / "public.age", identities=parse_identities(secret),
                            address_book=lawyers_book)
    assert crossed.pin is not None and crossed.pin.status is PinStatus.CHANGED


def test_a_profile_keeps_text_only_when_asked_and_old_profiles_burn(box: Container) -> None:
    mine = Profile("court", preset="ru-personal", titles="redact",
                   redaction_method="keep-text")
    assert mine.keeps_text and mine.to_json()["redaction_method"] == "keep-text"
    save_profile(box.newest, mine)
    assert find_profile(box.newest, "court") == mine
    # A profile stored before the field existed reads as burning.
    old = {k: v for k, v in mine.to_json().items() if k != "redaction_method"}
    assert Profile.from_json(old).redaction_method == "burn"
    assert not Profile.from_json(old).keeps_text
    assert not BUILTIN_PROFILES["embassy"].keeps_text
    with pytest.raises(ExportError, match="burned or keep their text"):
        Profile.from_json({**old, "redaction_method": "blur"})
    with pytest.raises(ExportError, match="Only a profile that redacts"):
        save_profile(box.newest, Profile("whole", redaction_method="keep-text"))


def _two_page_letter() -> bytes:
    """Page 1: text only; page 2: the name printed over a picture (a page papka cannot keep
    the text of, so it is burned)."""
    from reportlab.lib.utils import ImageReader

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setFont("ExportSans", 14)
    page.drawString(72, 760, KEPT)
    page.drawString(72, 732, f"Мать: {CANARY}")
    page.showPage()
    page.setFont("ExportSans", 14)
    page.drawString(72, 760, "Приложение")
    page.drawImage(ImageReader(Image.new("RGB", (400, 40), (230, 230, 200))), 60, 690, 400, 30)
    page.drawString(72, 700, f"Мать: {CANARY}")
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_an_export_under_a_profile_that_keeps_text(box: Container, workdir: Path,
                                                  lawyer_key: tuple[str, str]) -> None:
    secret, public = lawyer_key
    letter = _two_page_letter()
    assert not verify(letter, "application/pdf", [CANARY], ocr=False).ok
    doc = _add(box, letter, kind="summons", title="Повестка")
    save_profile(box.newest, Profile("court", preset="hide-only", titles="redact",
                                     redaction_method="keep-text"))
    # No OCR layer: any text in the copy is the original's own, kept.
    result = export_bundle(box.newest, Selection.parse([doc]), workdir / "c.age",
                           profile="court", protection=Protection.to([parse_recipient(public)]),
                           hide=[CANARY], ocr_layer=False, store_redacted=True,
                           clock=lambda: CLOCK)
    exported = result.documents[0]
    assert exported.burned_pages == {1: "picture"}
    opened = open_bundle(workdir / "c.age", workdir / "o", identities=parse_identities(secret))
    assert opened.bundle is not None
    data = (workdir / "o" / opened.bundle.files[0].name).read_bytes()
    assert verify(data, "application/pdf", [CANARY], ocr=True).ok
    pages = extract_text(io.BytesIO(data)).split("\f")
    assert KEPT in pages[0] and "Канарейкин" not in pages[0]
    assert "Приложение" not in pages[1]   # burned: pixels only
    stored = box.newest.documents.get(exported.stored_as or "")
    assert stored.derivation is not None and stored.derivation["keep_text"] is True
    assert stored.derivation["burned_pages"] == [{"page": 2, "reason": "picture"}]
    # The same export under a burning profile keeps no text at all.
    burned = export_bundle(box.newest, Selection.parse([doc]), workdir / "b.age",
                           profile="embassy", protection=Protection.to([parse_recipient(public)]),
                           hide=[CANARY], ocr_layer=False, clock=lambda: CLOCK)
    assert burned.documents[0].burned_pages is None
    opened = open_bundle(workdir / "b.age", workdir / "p", identities=parse_identities(secret))
    assert opened.bundle is not None
    whole = (workdir / "p" / opened.bundle.files[0].name).read_bytes()
    assert extract_text(io.BytesIO(whole)).strip() == ""
