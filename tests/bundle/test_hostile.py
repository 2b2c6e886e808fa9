"""Hostile bundles (threat model A3, A5): each is refused with a clear error, and nothing is
written outside the chosen folder (nor, without --force, inside it)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papka.formats.bundle import (
    BundleDamagedError,
    BundleError,
    CannotDecryptError,
    Protection,
    SignatureError,
    SigningKey,
    age_writer,
    open_bundle,
    verify_bundle,
)
from papka.formats.bundle.errors import (
    DuplicateMemberError,
    LimitExceededError,
    ManifestError,
    NotABundleError,
    UnsafeMemberError,
)
from papka.formats.bundle.manifest import canonical_json
from tests.bundle.conftest import BundleMaker, Lawyer, make_lawyer, sample_items
from tests.bundle.craft import (
    CountingChunks,
    encrypt_to,
    manifest_tree,
    member,
    signed_members,
    snapshot,
    tar_of,
    valid_tar,
)

DOC = b"%PDF-1.7 a summons " * 50


def assert_refused_and_nothing_written(bundle: bytes, lawyer: Lawyer, tmp_path: Path,
                                       error: type[BaseException], *,
                                       passphrase: str | None = None) -> BaseException:
    """verify, open and open --force all refuse; the folder's parent is exactly as before."""
    source = tmp_path / "bundle.age"
    source.write_bytes(bundle)
    before = snapshot(tmp_path)
    with pytest.raises(error) as verified:
        verify_bundle(source, identities=lawyer.identities, passphrase=passphrase)
    out = tmp_path / "out"
    with pytest.raises(error):
        open_bundle(source, out, identities=lawyer.identities, passphrase=passphrase)
    assert not out.exists()
    assert snapshot(tmp_path) == before
    if issubclass(error, REFUSED_EVEN_WITH_FORCE):
        with pytest.raises(error):
            open_bundle(source, out, identities=lawyer.identities, passphrase=passphrase,
                        force=True)
        assert not out.exists()
        assert snapshot(tmp_path) == before
    return verified.value


#: Hostile input, a wrong key and a non-bundle are refused even by --force; a damaged or
#: unsigned bundle is written by --force, marked unverified (tested below).
REFUSED_EVEN_WITH_FORCE = (UnsafeMemberError, LimitExceededError, CannotDecryptError,
                           NotABundleError)


def test_crafted_valid_tar_is_accepted(lawyer: Lawyer, signer: SigningKey) -> None:
    """The crafting helpers make acceptable bundles, so each refusal below is for its flaw."""
    bundle = encrypt_to(lawyer.public, valid_tar(signer, [("files/01-summons.pdf", DOC)]))
    assert verify_bundle(io.BytesIO(bundle), identities=lawyer.identities).files


def test_wrong_key(make_bundle: BundleMaker, tmp_path: Path) -> None:
    stranger = make_lawyer()
    error = assert_refused_and_nothing_written(make_bundle(), stranger, tmp_path,
                                               CannotDecryptError)
    assert stranger.secret not in str(error) and "AGE-SECRET" not in str(error)


@pytest.mark.parametrize("keep", [10, 100, 250, -1, -17, -70_000])
def test_truncated(make_bundle: BundleMaker, lawyer: Lawyer, tmp_path: Path, keep: int) -> None:
    bundle = make_bundle([*sample_items(), sample_items()[0]])
    assert_refused_and_nothing_written(bundle[:keep], lawyer, tmp_path, BundleDamagedError)


_FLIP_CACHE: dict[str, tuple[bytes, Lawyer]] = {}


def _flip_bundle() -> tuple[bytes, Lawyer]:
    if "bundle" not in _FLIP_CACHE:
        lawyer = make_lawyer()
        out = io.BytesIO()
        from papka.formats.bundle import write_bundle

        write_bundle(out, sample_items(), signer=SigningKey.generate(),
                     protection=Protection.to([lawyer.recipient]))
        _FLIP_CACHE["bundle"] = (out.getvalue(), lawyer)
    return _FLIP_CACHE["bundle"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.floats(min_value=0, max_value=1, exclude_max=True),
       flip=st.integers(min_value=1, max_value=255))
def test_any_altered_byte_fails(position: float, flip: int) -> None:
    bundle, lawyer = _flip_bundle()
    index = int(position * len(bundle))
    altered = bytearray(bundle)
    altered[index] ^= flip
    with pytest.raises(BundleError):
        verify_bundle(io.BytesIO(bytes(altered)), identities=lawyer.identities)


def test_altered_byte_in_each_region_fails(make_bundle: BundleMaker, lawyer: Lawyer) -> None:
    """Besides the random search: the header, the first chunk, the middle and the last byte."""
    bundle = make_bundle()
    header_end = bundle.index(b"\n---") + 5
    for index in (0, 25, header_end, header_end + 20, len(bundle) // 2, len(bundle) - 1):
        altered = bytearray(bundle)
        altered[index] ^= 0x01
        with pytest.raises(BundleError):
            verify_bundle(io.BytesIO(bytes(altered)), identities=lawyer.identities)


def test_altered_document_with_matching_manifest_hash(lawyer: Lawyer, signer: SigningKey,
                                                      tmp_path: Path) -> None:
    """Swap a document and fix its hash in the manifest: the old signature no longer fits."""
    forged = b"%PDF-1.7 a forged summons"
    genuine_tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    genuine_signature = signer.sign(canonical_json(genuine_tree))
    forged_tree = manifest_tree(signer, [("files/01-summons.pdf", forged)])
    members = signed_members(signer, forged_tree)
    members[1] = member("manifest.json.sig", genuine_signature)
    bundle = encrypt_to(lawyer.public, tar_of([member("files/01-summons.pdf", forged), *members]))
    assert_refused_and_nothing_written(bundle, lawyer, tmp_path, SignatureError)


def test_manifest_signed_by_another_key(lawyer: Lawyer, signer: SigningKey,
                                        tmp_path: Path) -> None:
    """A forger signs with his own key but leaves the keeper's key in the manifest."""
    forger = SigningKey.generate()
    tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    manifest = canonical_json(tree)
    tar = tar_of([member("files/01-summons.pdf", DOC), member("manifest.json", manifest),
                  member("manifest.json.sig", forger.sign(manifest)),
                  member("index.pdf", b"%PDF"), member("index.pdf.sig", forger.sign(b"%PDF"))])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       SignatureError)


def test_altered_index(lawyer: Lawyer, signer: SigningKey, tmp_path: Path) -> None:
    tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    members = signed_members(signer, tree)
    members[2] = member("index.pdf", b"%PDF-1.7 a different index")
    tar = tar_of([member("files/01-summons.pdf", DOC), *members])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       SignatureError)


def test_document_missing_from_manifest(lawyer: Lawyer, signer: SigningKey,
                                        tmp_path: Path) -> None:
    tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    tar = tar_of([member("files/01-summons.pdf", DOC), member("files/02-extra.pdf", b"extra"),
                  *signed_members(signer, tree)])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       ManifestError)


def test_non_canonical_manifest(lawyer: Lawyer, signer: SigningKey, tmp_path: Path) -> None:
    """Same content, other bytes (spaces): refused even though it is signed, so that what is
    signed and what is parsed can never differ."""
    import json

    tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    manifest = json.dumps(tree, sort_keys=True, ensure_ascii=False).encode()
    tar = tar_of([member("files/01-summons.pdf", DOC), member("manifest.json", manifest),
                  member("manifest.json.sig", signer.sign(manifest)),
                  member("index.pdf", b"%PDF"), member("index.pdf.sig", signer.sign(b"%PDF"))])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       ManifestError)


@pytest.mark.parametrize("name", ["../../x", "files/../../x", "files/../manifest.json",
                                  "/tmp/x", "/etc/passwd", "C:/x", "files\\..\\x",
                                  "files/01-summons.pdf/../../x", "x", "files/x.pdf",
                                  "files/01-Повестка.pdf"])
def test_hostile_member_names(lawyer: Lawyer, signer: SigningKey, tmp_path: Path,
                              name: str) -> None:
    tar = tar_of([member("files/01-summons.pdf", DOC), member(name, b"escaped!"),
                  *signed_members(signer, manifest_tree(signer, [("files/01-summons.pdf", DOC)]))])
    bundle = encrypt_to(lawyer.public, tar)
    assert_refused_and_nothing_written(bundle, lawyer, tmp_path, UnsafeMemberError)
    # --force writes as it reads; the hostile member must still be refused and the document
    # written before it taken back.
    before = snapshot(tmp_path)
    with pytest.raises(UnsafeMemberError):
        open_bundle(tmp_path / "bundle.age", tmp_path / "out", identities=lawyer.identities,
                    force=True)
    assert snapshot(tmp_path) == before
    assert not (tmp_path.parent / "x").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
@pytest.mark.parametrize("target", ["/etc/passwd", "../../x", "files/01-summons.pdf"])
def test_link_members(lawyer: Lawyer, signer: SigningKey, tmp_path: Path, kind: bytes,
                      target: str) -> None:
    tar = tar_of([member("files/01-summons.pdf", DOC),
                  member("files/02-summons.pdf", kind=kind, linkname=target),
                  *signed_members(signer, manifest_tree(signer, [("files/01-summons.pdf", DOC)]))])
    error = assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                               UnsafeMemberError)
    assert "link" in str(error)


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.FIFOTYPE, tarfile.DIRTYPE])
def test_other_member_types(lawyer: Lawyer, signer: SigningKey, tmp_path: Path,
                            kind: bytes) -> None:
    tar = tar_of([member("files/02-summons.pdf", kind=kind),
                  *signed_members(signer, manifest_tree(signer, []))])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       UnsafeMemberError)


@pytest.mark.parametrize("name", ["files/01-summons.pdf", "manifest.json"])
def test_duplicate_names(lawyer: Lawyer, signer: SigningKey, tmp_path: Path, name: str) -> None:
    files = [("files/01-summons.pdf", DOC)]
    tree = manifest_tree(signer, files)
    members = [member("files/01-summons.pdf", DOC), *signed_members(signer, tree)]
    duplicate = member(name, DOC if name.startswith("files/") else canonical_json(tree))
    tar = tar_of([*members[:2], duplicate, *members[2:]])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       DuplicateMemberError)


def test_pax_and_long_name_headers_refused(lawyer: Lawyer, signer: SigningKey,
                                           tmp_path: Path) -> None:
    long_name = "files/01-" + "a" * 150 + ".pdf"
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        tar = tar_of([member(long_name, DOC, fmt=fmt)])
        with pytest.raises(UnsafeMemberError):
            verify_bundle(io.BytesIO(encrypt_to(lawyer.public, tar)),
                          identities=lawyer.identities)


def test_a_million_tiny_entries_hit_the_cap_early(lawyer: Lawyer) -> None:
    """The bundle is produced lazily through a pipe, as a hostile sender would stream it; the
    reader must stop after the cap (10,004 members), having seen a tiny part of the million."""
    chunks = CountingChunks(1_000_000)
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb")
    writer = os.fdopen(write_fd, "wb")

    def produce() -> None:
        # The reader hangs up once it has refused the bundle; the writer's failure is expected.
        with contextlib.suppress(Exception):
            age_writer.encrypt(chunks, writer, recipients=[lawyer.recipient])
        with contextlib.suppress(OSError):
            writer.close()

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        with pytest.raises(LimitExceededError):
            verify_bundle(reader, identities=lawyer.identities)
    finally:
        reader.close()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert chunks.produced < 50_000


def test_plain_zip_with_too_many_entries(tmp_path: Path, lawyer: Lawyer) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(20_000):
            archive.writestr(f"files/{number:05d}-a.pdf", b"")
    assert_refused_and_nothing_written(buffer.getvalue(), lawyer, tmp_path, LimitExceededError)


def test_plain_zip_decompression_bomb(tmp_path: Path, lawyer: Lawyer, signer: SigningKey) -> None:
    """200 MiB of zeros deflated to a few hundred KiB: refused before a byte is inflated."""
    buffer = io.BytesIO()
    with (zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
          archive.open("files/01-summons.pdf", "w") as bomb):
        zeros = b"\0" * (1 << 20)
        for _ in range(200):
            bomb.write(zeros)
    assert len(buffer.getvalue()) < 1 << 20
    error = assert_refused_and_nothing_written(buffer.getvalue(), lawyer, tmp_path,
                                               LimitExceededError)
    assert "compress" in str(error)


def test_plain_zip_symlink_and_traversal(tmp_path: Path, lawyer: Lawyer) -> None:
    for name, mode in (("files/01-summons.pdf", 0o120777), ("../../x", 0o100644)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            archive.writestr(info, "/etc/passwd")
        folder = tmp_path / name.replace("/", "_").replace(".", "d")
        folder.mkdir()
        assert_refused_and_nothing_written(buffer.getvalue(), lawyer, folder, UnsafeMemberError)


def test_plain_bundle_with_altered_document(make_bundle: BundleMaker, lawyer: Lawyer,
                                            tmp_path: Path) -> None:
    bundle = bytearray(make_bundle(plain=True))
    at = bytes(bundle).index(b"criminal case file")
    bundle[at] ^= 0x20
    assert_refused_and_nothing_written(bytes(bundle), lawyer, tmp_path, BundleDamagedError)


def test_oversize_title_in_signed_manifest(lawyer: Lawyer, signer: SigningKey,
                                           tmp_path: Path) -> None:
    files = [("files/01-summons.pdf", DOC)]
    tree = manifest_tree(signer, files)
    tree["files"][0]["title"] = "Я" * 100_000
    tar = tar_of([member("files/01-summons.pdf", DOC), *signed_members(signer, tree)])
    assert_refused_and_nothing_written(encrypt_to(lawyer.public, tar), lawyer, tmp_path,
                                       LimitExceededError)


def test_oversize_members_are_refused_from_their_header(lawyer: Lawyer, tmp_path: Path) -> None:
    """A header claiming 1 TiB, or a 100 MiB manifest, is refused before its data is read."""
    for name, size in (("files/01-summons.pdf", 1 << 40), ("manifest.json", 100 << 20),
                       ("manifest.json.sig", 1 << 20)):
        header = member(name, size=size, fmt=tarfile.GNU_FORMAT)[:512]
        bundle = encrypt_to(lawyer.public, header + b"\0" * 4096)
        with pytest.raises(LimitExceededError):
            verify_bundle(io.BytesIO(bundle), identities=lawyer.identities)


def test_scrypt_work_factor_23_is_refused_before_any_work(tmp_path: Path,
                                                          lawyer: Lawyer) -> None:
    """Work factor 23 would cost 8 GiB of memory; the header gate refuses it first."""
    import base64

    def b64(data: bytes) -> bytes:
        return base64.b64encode(data).rstrip(b"=")

    header = (b"age-encryption.org/v1\n-> scrypt " + b64(b"s" * 16) + b" 23\n"
              + b64(b"k" * 32) + b"\n--- " + b64(b"m" * 32) + b"\n")
    bundle = header + b"n" * 16 + b"p" * 100
    error = assert_refused_and_nothing_written(bundle, lawyer, tmp_path, LimitExceededError,
                                               passphrase="hunter2")
    assert "hunter2" not in str(error)


def test_not_a_bundle(tmp_path: Path, lawyer: Lawyer) -> None:
    assert_refused_and_nothing_written(os.urandom(4096), lawyer, tmp_path, NotABundleError)
    assert_refused_and_nothing_written(b"", lawyer, tmp_path, NotABundleError)


def test_force_keeps_intact_documents_and_marks_them(lawyer: Lawyer, signer: SigningKey,
                                                     tmp_path: Path) -> None:
    forger = SigningKey.generate()
    tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    manifest = canonical_json(tree)
    tar = tar_of([member("files/01-summons.pdf", DOC), member("manifest.json", manifest),
                  member("manifest.json.sig", forger.sign(manifest)),
                  member("index.pdf", b"%PDF"), member("index.pdf.sig", signer.sign(b"%PDF"))])
    source = tmp_path / "bundle.age"
    source.write_bytes(encrypt_to(lawyer.public, tar))
    opened = open_bundle(source, tmp_path / "out", identities=lawyer.identities, force=True)
    assert not opened.verified and opened.bundle is None
    assert opened.problem is not None
    assert (tmp_path / "out" / "files" / "01-summons.pdf").read_bytes() == DOC
    mark = (tmp_path / "out" / "UNVERIFIED.txt").read_text()
    assert "could not verify" in mark


def test_force_drops_a_document_cut_off_midway(make_bundle: BundleMaker, lawyer: Lawyer,
                                               tmp_path: Path) -> None:
    big = sample_items()[0]
    data = big.open().read() * 40  # over 64 KiB, so the cut lands inside it
    from tests.bundle.conftest import item

    bundle = make_bundle([item(b"first document"), item(data)])
    source = tmp_path / "bundle.age"
    source.write_bytes(bundle[: len(bundle) // 2])
    opened = open_bundle(source, tmp_path / "out", identities=lawyer.identities, force=True)
    assert not opened.verified
    files = sorted(p.name for p in (tmp_path / "out" / "files").iterdir())
    assert files == ["01-summons.pdf"]
    assert (tmp_path / "out" / "UNVERIFIED.txt").exists()


def test_error_messages_carry_no_content(make_bundle: BundleMaker, lawyer: Lawyer) -> None:
    bundle = bytearray(make_bundle())
    bundle[-40] ^= 1
    with pytest.raises(BundleDamagedError) as caught:
        verify_bundle(io.BytesIO(bytes(bundle)), identities=lawyer.identities)
    text = str(caught.value)
    assert "Уголовное" not in text and "summons" not in text and "files/" not in text


def test_plain_zip_with_overlapping_members(tmp_path: Path, lawyer: Lawyer) -> None:
    """Two central-directory entries pointing at the same stored bytes (the overlap trick of
    non-recursive ZIP bombs) are refused once the sizes add up to more than the file."""
    payload = b"A" * 4000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("files/01-summons.pdf", payload)
    data = buffer.getvalue()
    directory_at = data.rindex(b"PK\x01\x02")
    end_at = data.rindex(b"PK\x05\x06")
    entry = data[directory_at:end_at]
    second = entry.replace(b"files/01-summons.pdf", b"files/02-summons.pdf")
    end = bytearray(data[end_at:])
    end[8:12] = (2).to_bytes(2, "little") * 2
    end[12:16] = (2 * len(entry)).to_bytes(4, "little")
    bomb = data[:directory_at] + entry + second + bytes(end)
    with zipfile.ZipFile(io.BytesIO(bomb)) as check:  # the standard reader would inflate both
        assert len(check.infolist()) == 2
    assert_refused_and_nothing_written(bomb, lawyer, tmp_path, LimitExceededError)


_NAMES_LAWYER = make_lawyer()
_NAME_PARTS = st.sampled_from(["files/", "../", "..", "/", "\\", ".", "x", "01-a.pdf",
                               "manifest.json", "C:", "~", "é", "\x00", " ", "files"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.lists(_NAME_PARTS, min_size=1, max_size=6).map("".join),
                      min_size=1, max_size=4))
def test_no_member_name_writes_outside_the_folder(names: list[str]) -> None:
    """Whatever the names, open (even with force) writes only inside the folder it was given."""
    import tempfile

    lawyer = _NAMES_LAWYER
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "inside").mkdir()
        source = root / "inside" / "bundle.age"
        members = [member(name, b"payload") for name in names if name.strip("\x00")]
        source.write_bytes(encrypt_to(lawyer.public, tar_of(members)))
        before = snapshot(root)
        out = root / "inside" / "out"
        try:
            opened = open_bundle(source, out, identities=lawyer.identities, force=True)
        except BundleError:
            assert snapshot(root) == before
            return
        for path in opened.written:
            assert path.resolve().is_relative_to(out.resolve())
        after = {k: v for k, v in snapshot(root).items() if not k.startswith("inside/out")}
        assert after == before


def test_a_plain_bundle_with_a_nameless_member_is_refused(tmp_path: Path) -> None:
    """zipfile's is_dir() indexes the member's name: an empty name must be refused, not crash."""
    import zipfile

    bundle = tmp_path / "nameless.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr(zipfile.ZipInfo(""), b"nameless")
    with pytest.raises(BundleError):
        verify_bundle(bundle)


def _with_stock_check(signer: SigningKey, files: list[tuple[str, bytes]], *,
                      listed: dict[str, bytes] | None = None, sign_with: SigningKey | None = None,
                      leave_out: str = "") -> bytes:
    """A tar with README.txt, SHA256SUMS and its signature (checksums of `listed`, by default
    exactly the members); one of them can be left out or signed by another key."""
    from papka.formats.bundle.stockcheck import checksums

    fixed = signed_members(signer, manifest_tree(signer, files))
    readme = b"README"
    members = dict(files)
    for raw in fixed:
        info = tarfile.TarInfo.frombuf(raw[:512], "utf-8", "surrogateescape")
        members[info.name] = raw[512:512 + info.size]
    members["README.txt"] = readme
    sums = checksums({name: hashlib.sha256(data).hexdigest()
                      for name, data in (listed or members).items()})
    extra = {"README.txt": readme, "SHA256SUMS": sums,
             "SHA256SUMS.sig": (sign_with or signer).sign(sums)}
    return tar_of([*(member(n, d) for n, d in files), *fixed,
                   *(member(n, d) for n, d in extra.items() if n != leave_out)])


def test_the_checksum_list_must_be_whole_signed_and_true(lawyer: Lawyer,
                                                         signer: SigningKey) -> None:
    files = [("files/01-summons.pdf", DOC)]
    good = encrypt_to(lawyer.public, _with_stock_check(signer, files))
    assert verify_bundle(io.BytesIO(good), identities=lawyer.identities).files
    other = SigningKey.generate()
    for crafted, error in (
        (_with_stock_check(signer, files, leave_out="SHA256SUMS.sig"), ManifestError),
        (_with_stock_check(signer, files, sign_with=other), SignatureError),
        (_with_stock_check(signer, files, listed={"files/01-summons.pdf": b"other"}),
         BundleDamagedError),
    ):
        with pytest.raises(error):
            verify_bundle(io.BytesIO(encrypt_to(lawyer.public, crafted)),
                          identities=lawyer.identities)
