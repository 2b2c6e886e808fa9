"""Bundles papka writes open with papka and with the standard tools, and the other way round."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path

import pytest

from papka.formats.bundle import (
    AddressBook,
    BundleError,
    BundleUsageError,
    CannotDecryptError,
    PinStatus,
    Protection,
    SigningKey,
    generate_identity,
    identity_file_text,
    open_bundle,
    parse_identities,
    parse_recipient,
    verify_bundle,
    write_bundle,
)
from tests.bundle.conftest import BundleMaker, Lawyer, clock, item, sample_items
from tests.conftest import require_tool


def test_papka_to_papka(make_bundle: BundleMaker, lawyer: Lawyer, signer: SigningKey) -> None:
    items = sample_items()
    bundle = make_bundle(items)
    assert bundle.startswith(b"age-encryption.org/v1\n")
    verified = verify_bundle(io.BytesIO(bundle), identities=lawyer.identities)
    assert verified.encrypted
    assert verified.signer == signer.public_openssh()
    assert verified.fingerprint == signer.fingerprint()
    assert verified.manifest.created == "2026-11-22T00:50:00Z"
    assert [f.name for f in verified.files] == ["files/01-case-file.pdf", "files/02-summons.jpg"]
    for entry, source in zip(verified.files, items, strict=True):
        data = source.open().read()
        assert entry.sha256 == hashlib.sha256(data).hexdigest()
        assert entry.size == len(data)
        assert entry.title == source.title
        assert entry.redaction == source.redaction
    assert verified.files[1].redaction == {"name": 2, "address": 1}


def test_summary_matches_what_the_reader_sees(lawyer: Lawyer, signer: SigningKey) -> None:
    out = io.BytesIO()
    summary = write_bundle(out, sample_items(), signer=signer,
                           protection=Protection.to([lawyer.recipient]),
                           clock=clock)
    out.seek(0)
    verified = verify_bundle(out, identities=lawyer.identities)
    assert summary.manifest_sha256 == verified.manifest_sha256
    assert summary.manifest == verified.manifest


def test_armored_bundle_round_trips(make_bundle: BundleMaker, lawyer: Lawyer) -> None:
    bundle = make_bundle(armored=True)
    assert bundle.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    assert len(verify_bundle(io.BytesIO(bundle), identities=lawyer.identities).files) == 2


@pytest.mark.slow  # pyrage picks scrypt work factor 20 (1 GiB, several seconds) for each side
def test_passphrase_bundle_round_trips(make_bundle: BundleMaker) -> None:
    bundle = make_bundle(passphrase="верный конь 1812")
    verified = verify_bundle(io.BytesIO(bundle), passphrase="верный конь 1812")
    assert len(verified.files) == 2
    # A wrong passphrase is checked on a cheap CCTV vector (scrypt_no_match); here only that a
    # key-only reader refuses a passphrase bundle without trying anything.
    with pytest.raises(CannotDecryptError):
        verify_bundle(io.BytesIO(bundle), identities=parse_identities(generate_identity()[0]))


def test_plain_bundle_round_trips(make_bundle: BundleMaker, tmp_path: Path) -> None:
    bundle = make_bundle(plain=True)
    assert bundle.startswith(b"PK\x03\x04")
    verified = verify_bundle(io.BytesIO(bundle))
    assert not verified.encrypted
    opened = open_bundle(io.BytesIO(bundle), tmp_path / "out")
    assert opened.verified
    assert (tmp_path / "out" / "files" / "02-summons.jpg").read_bytes() == (
        sample_items()[1].open().read()
    )


def test_exactly_one_protection_is_required(signer: SigningKey, lawyer: Lawyer) -> None:
    """The choice is one value that cannot hold a contradiction."""
    for contradictory in ({}, {"recipients": (lawyer.recipient,), "plain": True},
                          {"passphrase": "p", "plain": True},
                          {"recipients": (lawyer.recipient,), "passphrase": "p"},
                          {"plain": True, "armored": True}):
        with pytest.raises(BundleUsageError):
            Protection(**contradictory)  # type: ignore[arg-type]
    assert Protection.unencrypted().encrypted is False
    assert Protection.to([lawyer.recipient], armored=True).armored


def test_open_writes_the_tar_layout(make_bundle: BundleMaker, lawyer: Lawyer,
                                    tmp_path: Path) -> None:
    source = tmp_path / "bundle.age"
    source.write_bytes(make_bundle())
    opened = open_bundle(source, tmp_path / "out", identities=lawyer.identities)
    assert opened.verified and opened.problem is None
    names = sorted(p.relative_to(tmp_path / "out").as_posix() for p in opened.written)
    assert names == ["README.txt", "SHA256SUMS", "SHA256SUMS.sig", "files/01-case-file.pdf",
                     "files/02-summons.jpg", "index.pdf", "index.pdf.sig", "manifest.json",
                     "manifest.json.sig"]
    assert (tmp_path / "out" / "index.pdf").read_bytes().startswith(b"%PDF-")
    # The manifest a lawyer opens in any editor keeps Cyrillic readable: UTF-8, no \u escapes.
    manifest = (tmp_path / "out" / "manifest.json").read_bytes()
    assert "Уголовное дело".encode() in manifest and b"\\u04" not in manifest


def test_open_refuses_to_overwrite(make_bundle: BundleMaker, lawyer: Lawyer,
                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "files").mkdir(parents=True)
    (out / "files" / "02-summons.jpg").write_bytes(b"the lawyer's own file")
    with pytest.raises(BundleUsageError):
        open_bundle(io.BytesIO(make_bundle()), out, identities=lawyer.identities)
    assert (out / "files" / "02-summons.jpg").read_bytes() == b"the lawyer's own file"
    assert sorted(p.name for p in out.rglob("*")) == ["02-summons.jpg", "files"]


def test_open_needs_a_file_not_a_pipe(make_bundle: BundleMaker, lawyer: Lawyer,
                                      tmp_path: Path) -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    with pytest.raises(BundleUsageError):
        open_bundle(Pipe(make_bundle()), tmp_path / "out", identities=lawyer.identities)
    assert not (tmp_path / "out").exists()
    # verify streams and needs no seeking
    assert verify_bundle(Pipe(make_bundle()), identities=lawyer.identities).files


def test_bundle_to_ssh_keys(signer: SigningKey, tmp_path: Path) -> None:
    require_tool("ssh-keygen")
    for key_type in ("ed25519", "rsa"):
        key = tmp_path / f"id_{key_type}"
        subprocess.run(["ssh-keygen", "-q", "-t", key_type, "-N", "", "-f", str(key)],
                       check=True)
        recipient = parse_recipient(key.with_suffix(".pub").read_text())
        out = io.BytesIO()
        write_bundle(out, sample_items(), signer=signer, protection=Protection.to([recipient]),
                     clock=clock)
        out.seek(0)
        verified = verify_bundle(out, identities=parse_identities(key.read_bytes()))
        assert len(verified.files) == 2


# --- the standard age tool ------------------------------------------------------------------------


def test_age_cli_opens_papka_bundle(make_bundle: BundleMaker, lawyer: Lawyer,
                                    tmp_path: Path) -> None:
    age = require_tool("age")
    tar = require_tool("tar")
    key = tmp_path / "key.txt"
    key.write_text(identity_file_text(lawyer.secret, lawyer.public, "2026-11-22T00:50:00Z"))
    for armored in (False, True):
        bundle = tmp_path / f"bundle-{armored}.age"
        bundle.write_bytes(make_bundle(armored=armored))
        out = tmp_path / f"out-{armored}"
        out.mkdir()
        plain = subprocess.run([age, "-d", "-i", str(key), str(bundle)], check=True,
                               capture_output=True).stdout
        subprocess.run([tar, "-x", "-C", str(out)], input=plain, check=True)
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
        for entry in manifest["files"]:
            data = (out / entry["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert (out / "index.pdf").is_file()


def _unpacked_with_stock_tools(bundle: bytes, lawyer: Lawyer, tmp_path: Path) -> Path:
    """The bundle decrypted with stock `age -d` and unpacked with `tar -x` into a new folder."""
    age, tar = require_tool("age"), require_tool("tar")
    key = tmp_path / "key.txt"
    key.write_text(identity_file_text(lawyer.secret, lawyer.public, "2026-11-22T00:50:00Z"))
    (tmp_path / "bundle.age").write_bytes(bundle)
    out = tmp_path / "out"
    out.mkdir()
    plain = subprocess.run([age, "-d", "-i", str(key), str(tmp_path / "bundle.age")],
                           check=True, capture_output=True).stdout
    subprocess.run([tar, "-x", "-C", str(out)], input=plain, check=True)
    return out


def test_a_lawyer_checks_a_bundle_with_stock_tools_following_its_readme(
        make_bundle: BundleMaker, lawyer: Lawyer, signer: SigningKey, tmp_path: Path) -> None:
    """age + tar to open it, then only what README.txt says: the key line it shows, the
    fingerprint to compare by phone, `ssh-keygen -Y verify` and `sha256sum -c`."""
    require_tool("ssh-keygen")
    require_tool("sha256sum")
    out = _unpacked_with_stock_tools(make_bundle(), lawyer, tmp_path)
    readme = (out / "README.txt").read_text("utf-8")
    english = readme.split("== What this is ==")[1].split("== ")[0]
    lines = english.splitlines()
    key_line = lines[lines.index("1. Save the sender's key in a file named sender.pub "
                                 "(one line):") + 1].strip()
    (out / "sender.pub").write_text(key_line + "\n")
    shown = subprocess.run(["ssh-keygen", "-lf", "sender.pub"], cwd=out, check=True,
                           capture_output=True, text=True).stdout
    assert signer.fingerprint().openssh in shown and signer.fingerprint().openssh in english
    start = lines.index("3. In this folder, run:") + 1
    commands = [line.strip() for line in lines[start:start + 3]]
    checked = subprocess.run(["bash", "-euo", "pipefail", "-c", "\n".join(commands)], cwd=out,
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert 'Good "papka-bundle-v1" signature' in checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 7   # 2 documents, manifest, index, 2 signatures, README
    (out / "files" / "01-case-file.pdf").write_bytes(b"changed")
    broken = subprocess.run(["bash", "-c", commands[-1]], cwd=out, capture_output=True,
                            check=False)
    assert broken.returncode != 0


def test_papka_opens_bundle_built_with_age_and_gnu_tar(make_bundle: BundleMaker, lawyer: Lawyer,
                                                       tmp_path: Path) -> None:
    """Take a bundle apart with age and tar, pack it again with GNU tar's own format and
    `age -r`, and papka must accept it: the format is tar and age, nothing papka-specific."""
    age, tar = require_tool("age"), require_tool("tar")
    work = _unpacked_with_stock_tools(make_bundle(), lawyer, tmp_path)
    for armor in ([], ["-a"]):
        repacked = subprocess.run(
            [tar, "--format=gnu", "-c", "-C", str(work), "files", "manifest.json",
             "manifest.json.sig", "index.pdf", "index.pdf.sig"],
            check=True, capture_output=True).stdout
        rebuilt = subprocess.run([age, *armor, "-r", lawyer.public], input=repacked, check=True,
                                 capture_output=True).stdout
        verified = verify_bundle(io.BytesIO(rebuilt), identities=lawyer.identities)
        assert [f.name for f in verified.files] == ["files/01-case-file.pdf",
                                                     "files/02-summons.jpg"]


def test_keygen_identity_works_with_age_cli(tmp_path: Path, signer: SigningKey) -> None:
    age = require_tool("age")
    secret, public = generate_identity()
    key = tmp_path / "lawyer.txt"
    key.write_text(identity_file_text(secret, public, "2026-11-22T00:50:00Z"))
    encrypted = subprocess.run([age, "-r", public], input=b"hello", check=True,
                               capture_output=True).stdout
    assert subprocess.run([age, "-d", "-i", str(key)], input=encrypted, check=True,
                          capture_output=True).stdout == b"hello"
    assert parse_identities(key.read_text())  # papka reads its own file back


# --- pinning ------------------------------------------------------------------------------------


def test_pinning(make_bundle: BundleMaker, lawyer: Lawyer, signer: SigningKey) -> None:
    book = AddressBook()
    bundle = make_bundle(sender="Sparrow")
    first = verify_bundle(io.BytesIO(bundle), identities=lawyer.identities, address_book=book)
    assert first.pin is not None and first.pin.status is PinStatus.NEW
    book.pin_signer(first.manifest.sender, first.signer)
    again = verify_bundle(io.BytesIO(make_bundle(sender="Sparrow")),
                          identities=lawyer.identities, address_book=book)
    assert again.pin is not None and again.pin.status is PinStatus.PINNED
    assert again.pin.known_as == "Sparrow"

    impostor = SigningKey.generate()
    out = io.BytesIO()
    write_bundle(out, sample_items(), signer=impostor, protection=Protection.to([lawyer.recipient]),
                 sender="Sparrow", clock=clock)
    out.seek(0)
    changed = verify_bundle(out, identities=lawyer.identities, address_book=book)
    assert changed.pin is not None and changed.pin.status is PinStatus.CHANGED
    assert changed.pin.known_as == "Sparrow"

    restored = AddressBook.from_dict(json.loads(json.dumps(book.to_dict())))
    assert restored.check_signer(signer.public_openssh()).status is PinStatus.PINNED


def test_address_book_recipients() -> None:
    book = AddressBook()
    _, public = generate_identity()
    book.add_recipient("Адвокат Иванова", public)
    assert book.recipient("Адвокат Иванова").text == public
    with pytest.raises(BundleUsageError):
        book.add_recipient("bad", "age1notakey")
    with pytest.raises(BundleUsageError):
        book.recipient("nobody")
    assert AddressBook.from_dict(book.to_dict()).recipients == book.recipients


def test_item_limits_are_usage_errors(signer: SigningKey, lawyer: Lawyer) -> None:
    for bad in (item(b"x", kind="Повестка"), item(b"x", title="x" * 501),
                item(b"x", extension="p/df"), item(b"x", title="right\u202eleft"),
                item(b"x", redaction={"Иванов Иван": 1})):
        with pytest.raises(BundleUsageError):
            write_bundle(io.BytesIO(), [bad], signer=signer,
                         protection=Protection.to([lawyer.recipient]))


def test_open_refuses_a_linked_files_folder(make_bundle: BundleMaker, lawyer: Lawyer,
                                            tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "files").symlink_to(elsewhere)
    for force in (False, True):
        with pytest.raises(BundleUsageError):
            open_bundle(io.BytesIO(make_bundle()), out, identities=lawyer.identities,
                        force=force)
        assert list(elsewhere.iterdir()) == []
        assert sorted(p.name for p in out.iterdir()) == ["files"]


def test_a_document_that_changes_size_is_not_exported(signer: SigningKey,
                                                      lawyer: Lawyer) -> None:
    from dataclasses import replace

    from papka.formats.bundle import BundleDamagedError

    for wrong_size in (5, 500):
        liar = replace(item(b"x" * 100), size=wrong_size)
        with pytest.raises(BundleDamagedError):
            write_bundle(io.BytesIO(), [liar], signer=signer,
                         protection=Protection.to([lawyer.recipient]))


def test_progress_reports_document_bytes(signer: SigningKey, lawyer: Lawyer) -> None:
    seen: list[tuple[int, int]] = []
    items = sample_items()
    write_bundle(io.BytesIO(), items, signer=signer, protection=Protection.to([lawyer.recipient]),
                 progress=lambda done, total: seen.append((done, total)))
    total = sum(i.size for i in items)
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_import_hands_documents_over_in_memory(make_bundle: BundleMaker, lawyer: Lawyer,
                                               tmp_path: Path) -> None:
    from papka.formats.bundle import ManifestFile, import_bundle

    received: dict[str, bytearray] = {}
    closed: list[str] = []

    class Receiver:
        def __init__(self, entry: ManifestFile) -> None:
            self.entry = entry
            received[entry.name] = bytearray()

        def write(self, data: bytes) -> None:
            received[self.entry.name] += data

        def close(self) -> None:
            closed.append(self.entry.title)

    before = sorted(tmp_path.rglob("*"))
    verified = import_bundle(io.BytesIO(make_bundle()), Receiver, identities=lawyer.identities)
    assert sorted(tmp_path.rglob("*")) == before
    assert closed == [i.title for i in sample_items()]
    for entry, source in zip(verified.files, sample_items(), strict=True):
        assert bytes(received[entry.name]) == source.open().read()


def test_import_receives_nothing_from_a_bundle_that_fails(make_bundle: BundleMaker,
                                                          lawyer: Lawyer) -> None:
    from papka.formats.bundle import BundleDamagedError, import_bundle

    bundle = bytearray(make_bundle())
    bundle[-100] ^= 1
    calls: list[object] = []
    with pytest.raises(BundleDamagedError):
        import_bundle(io.BytesIO(bytes(bundle)), calls.append,  # type: ignore[arg-type]
                      identities=lawyer.identities)
    assert calls == []


def test_large_armored_bundle_with_either_line_end(make_bundle: BundleMaker,
                                                   lawyer: Lawyer) -> None:
    """Over a megabyte of armour, so lines straddle the reader's refills; CRLF is allowed."""
    data = bytes(range(256)) * 5000
    armored = make_bundle([item(data), item(data[::-1])], armored=True)
    for text in (armored, armored.replace(b"\n", b"\r\n"), b"\n \t" + armored + b"\r\n  \n"):
        verified = verify_bundle(io.BytesIO(text), identities=lawyer.identities)
        assert [f.size for f in verified.files] == [len(data), len(data)]
    with pytest.raises(BundleError):
        verify_bundle(io.BytesIO(armored + b"garbage"), identities=lawyer.identities)
    with pytest.raises(BundleError):  # a line folded differently is not canonical armour
        lines = armored.split(b"\n")
        verify_bundle(io.BytesIO(b"\n".join([lines[0], lines[1] + lines[2], *lines[3:]])),
                      identities=lawyer.identities)


def test_plain_bundle_streams_to_an_unseekable_output(signer: SigningKey, tmp_path: Path) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.data += data
            return len(data)

    pipe = Pipe()
    write_bundle(pipe, sample_items(), signer=signer, protection=Protection.unencrypted(),
                 clock=clock)  # type: ignore[arg-type]
    verified = verify_bundle(io.BytesIO(bytes(pipe.data)))
    assert len(verified.files) == 2 and not verified.encrypted


class _FullDisk(io.RawIOBase):
    """An output that fills up after its first write."""

    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.written > 100:
            raise OSError(28, "No space left on device")
        self.written += len(data)
        return len(data)


@pytest.mark.parametrize("mode", ["recipients", "plain"])
def test_a_full_disk_is_an_environment_problem(signer: SigningKey, lawyer: Lawyer,
                                               mode: str) -> None:
    from papka.formats.bundle import BundleStorageError

    protection = (Protection.to([lawyer.recipient]) if mode == "recipients"
                  else Protection.unencrypted())
    with pytest.raises(BundleStorageError) as caught:
        write_bundle(_FullDisk(), sample_items(), signer=signer,  # type: ignore[arg-type]
                     protection=protection)
    assert caught.value.exit_code == 3


def test_a_failing_source_is_an_environment_problem(make_bundle: BundleMaker,
                                                    lawyer: Lawyer) -> None:
    from papka.formats.bundle import BundleStorageError

    class PulledStick(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 2000:
                raise OSError(5, "Input/output error")
            return super().read(min(size or 512, 512) if size and size > 0 else 512)

    with pytest.raises(BundleStorageError):
        verify_bundle(PulledStick(make_bundle()), identities=lawyer.identities)


def test_a_manifest_too_large_to_read_is_refused_before_any_document_is_read(
        signer: SigningKey, lawyer: Lawyer) -> None:
    from dataclasses import replace

    opened: list[int] = []

    def never() -> io.BytesIO:
        opened.append(1)
        return io.BytesIO(b"x")

    heavy = replace(item(b"x"), open=never,
                    metadata={f"field{n}": "Я" * 2000 for n in range(64)})
    with pytest.raises(BundleUsageError):
        write_bundle(io.BytesIO(), [heavy] * 40, signer=signer,
                     protection=Protection.to([lawyer.recipient]))
    assert opened == []


def test_a_known_hash_gives_the_same_manifest_and_a_wrong_one_fails_verification(
        lawyer: Lawyer, signer: SigningKey) -> None:
    import dataclasses

    items = sample_items()
    known = [dataclasses.replace(i, sha256=hashlib.sha256(i.open().read()).hexdigest())
             for i in items]
    plain, fast = io.BytesIO(), io.BytesIO()
    first = write_bundle(plain, items, signer=signer, protection=Protection.to([lawyer.recipient]),
                         clock=clock)
    second = write_bundle(fast, known, signer=signer, protection=Protection.to([lawyer.recipient]),
                          clock=clock)
    assert first.manifest == second.manifest
    wrong = [dataclasses.replace(items[0], sha256="0" * 64), *items[1:]]
    bad = io.BytesIO()
    write_bundle(bad, wrong, signer=signer, protection=Protection.to([lawyer.recipient]),
                 clock=clock)
    bad.seek(0)
    with pytest.raises(BundleError):
        verify_bundle(bad, identities=lawyer.identities)
