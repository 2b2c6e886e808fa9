"""The printable index: Cyrillic and Latin text, every document with its hash, what was
withheld, the signer's fingerprint and the manifest hash."""

from __future__ import annotations

import io

from pdfminer.high_level import extract_text

from papka.formats.bundle import SigningKey, verify_bundle
from papka.formats.bundle.archive import INDEX
from papka.formats.bundle.reader import _Collector, _read
from tests.bundle.conftest import BundleMaker, Lawyer


def test_index_lists_documents_hashes_and_withheld(make_bundle: BundleMaker, lawyer: Lawyer,
                                                   signer: SigningKey) -> None:
    bundle = make_bundle(sender="Воробей")
    verified = verify_bundle(io.BytesIO(bundle), identities=lawyer.identities)
    collector = _Collector()
    _read(io.BytesIO(bundle), collector, lawyer.identities, None)
    pdf = collector.fixed[INDEX]
    assert pdf.startswith(b"%PDF-")
    text = " ".join(extract_text(io.BytesIO(pdf)).split())
    assert "Опись документов / Index of documents" in text
    assert "Воробей" in text
    assert "Уголовное дело" in text and "Повестка о явке / Summons" in text
    assert "address: 1, name: 2" in text
    assert "ничего (оригинал, без изменений) / nothing (original, unchanged)" in text
    assert signer.fingerprint().openssh in text
    assert signer.fingerprint().spoken in text
    assert verified.manifest_sha256 in text
    flat = text.replace(" ", "")
    for entry in verified.files:
        assert entry.sha256 in flat
