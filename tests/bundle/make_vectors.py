"""Writes the bundle known answers in vectors/bundle/ (run: python -m tests.bundle.make_vectors).

The recipient's identity and the signer's key are fixed (they are public test keys); age's file
key and nonces are fresh on every run, so the encrypted files differ from run to run while
everything inside them (the manifest, its hash, the documents) stays the same.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from papka.formats.bundle import (
    BundleItem,
    Protection,
    SigningKey,
    generate_identity,
    identity_file_text,
    parse_recipient,
    write_bundle,
)

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "bundle"
#: The signer's Ed25519 seed: 32 bytes counting up from 1 (a test key, public on purpose).
SIGNER_SEED = bytes(range(1, 33))
PASSPHRASE = "папка: known answer"
CREATED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
DOCUMENTS = [
    ("criminal-case", "Постановление о возбуждении уголовного дела", "pdf", "application/pdf",
     b"%PDF-1.7\n% a stand-in for a case file\n" * 40, None),
    ("summons", "Повестка / Summons", "jpg", "image/jpeg",
     b"\xff\xd8\xff\xe0 a stand-in for a photographed summons " * 30, {"name": 2}),
]


def items() -> list[BundleItem]:
    made: list[BundleItem] = []
    for kind, title, extension, media_type, data, redaction in DOCUMENTS:
        made.append(BundleItem(
            kind=kind, title=title, media_type=media_type, size=len(data),
            open=lambda data=data: io.BytesIO(data), extension=extension,
            metadata={"date": "2025-03-14", "country": "RU"}, redaction=redaction,
            provenance=[{"action": "added", "document": "0a1b2c3d"}]))
    return made


def main() -> None:
    signer = SigningKey.from_private_bytes(SIGNER_SEED)
    identity_path = VECTORS / "identity.txt"
    if not identity_path.exists():
        secret, public = generate_identity()
        identity_path.write_text(identity_file_text(secret, public, "2026-11-22T12:00:00Z"),
                                 encoding="ascii")
    public = identity_path.read_text(encoding="ascii").split("# public key: ")[1].split()[0]
    summaries = {}
    recipient = parse_recipient(public)
    for name, protection in (
            ("to-recipient.age", Protection.to([recipient])),
            ("to-recipient-armored.age", Protection.to([recipient], armored=True)),
            ("to-passphrase.age", Protection.with_passphrase(PASSPHRASE)),
            ("plain.zip", Protection.unencrypted())):
        out = io.BytesIO()
        summary = write_bundle(out, items(), signer=signer, protection=protection,
                               sender="Sparrow", clock=lambda: CREATED)
        (VECTORS / name).write_bytes(out.getvalue())
        summaries[name] = summary.manifest_sha256
    assert len(set(summaries.values())) == 1, "the manifest is the same whatever the protection"
    expected = {
        "manifest_sha256": next(iter(summaries.values())),
        "signer": signer.public_openssh(),
        "fingerprint": signer.fingerprint().openssh,
        "sender": "Sparrow",
        "created": CREATED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "passphrase": PASSPHRASE,
        "recipient": public,
        "files": [{"kind": kind, "title": title, "sha256": hashlib.sha256(data).hexdigest(),
                   "size": len(data)}
                  for kind, title, _ext, _type, data, _red in DOCUMENTS],
    }
    (VECTORS / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (VECTORS / "signer.pub").write_text(signer.public_openssh() + "\n", encoding="ascii")


if __name__ == "__main__":
    main()
