"""Bundle known answers (vectors/bundle/): papka's reader and the stock tools both open them and
find exactly what expected.json says, whatever the protection."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from papka.formats.bundle import SIGNATURE_NAMESPACE, parse_identities, verify_bundle
from tests.conftest import require_tool

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "bundle"
EXPECTED = json.loads((VECTORS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "key"), [
    ("to-recipient.age", "identity"), ("to-recipient-armored.age", "identity"),
    ("to-passphrase.age", "passphrase"), ("plain.zip", None)])
def test_papka_reads_every_vector_as_expected(name: str, key: str | None) -> None:
    options: dict[str, object] = {}
    if key == "identity":
        options["identities"] = parse_identities((VECTORS / "identity.txt").read_bytes())
    elif key == "passphrase":
        options["passphrase"] = EXPECTED["passphrase"]
    with open(VECTORS / name, "rb") as source:
        verified = verify_bundle(source, **options)  # type: ignore[arg-type]
    assert verified.manifest_sha256 == EXPECTED["manifest_sha256"]
    assert verified.signer == EXPECTED["signer"]
    assert verified.fingerprint.openssh == EXPECTED["fingerprint"]
    assert verified.encrypted is (key is not None)
    assert verified.manifest.sender == EXPECTED["sender"]
    assert verified.manifest.created == EXPECTED["created"]
    assert [(f.kind, f.title, f.sha256, f.size) for f in verified.files] == [
        (f["kind"], f["title"], f["sha256"], f["size"]) for f in EXPECTED["files"]]


def test_a_passphrase_bundle_opens_however_busy_the_machine_seems(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """pyrage caps scrypt's work factor by how fast the machine seems at that moment (one
    short timing), and on a busy machine refused the vector (work factor 20) as "truncated or
    altered". papka opens passphrase files itself, under its fixed cap of 22."""
    import pyrage

    def refuses(*_: object) -> bytes:
        raise pyrage.DecryptError("Excessive work parameter for passphrase.")

    monkeypatch.setattr(pyrage.passphrase, "decrypt", refuses)
    with open(VECTORS / "to-passphrase.age", "rb") as source:
        verified = verify_bundle(source, passphrase=EXPECTED["passphrase"])
    assert verified.manifest_sha256 == EXPECTED["manifest_sha256"]
    assert b" 20\n" in (VECTORS / "to-passphrase.age").read_bytes()[:200]


def test_the_stock_tools_read_the_vector_as_expected(tmp_path: Path) -> None:
    age = require_tool("age")
    ssh_keygen = require_tool("ssh-keygen")
    plain = subprocess.run([age, "-d", "-i", str(VECTORS / "identity.txt"),
                            str(VECTORS / "to-recipient.age")],
                           capture_output=True, check=True, timeout=60).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as archive:
        members = {m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                   for m in archive.getmembers() if m.isfile()}
    manifest = members["manifest.json"]
    assert hashlib.sha256(manifest).hexdigest() == EXPECTED["manifest_sha256"]
    for entry in EXPECTED["files"]:
        assert entry["sha256"] in {hashlib.sha256(data).hexdigest()
                                   for name, data in members.items()
                                   if name.startswith("files/")}
    (tmp_path / "manifest.json.sig").write_bytes(members["manifest.json.sig"])
    (tmp_path / "allowed_signers").write_text(f"Sparrow {EXPECTED['signer']}\n")
    checked = subprocess.run(
        [ssh_keygen, "-Y", "verify", "-f", str(tmp_path / "allowed_signers"), "-I", "Sparrow",
         "-n", SIGNATURE_NAMESPACE, "-s", str(tmp_path / "manifest.json.sig")],
        input=manifest, capture_output=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr
