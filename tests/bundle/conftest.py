"""Fixtures for the bundle tests: a recipient's key pair, a keeper's signing key, sample items."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from papka.formats.bundle import (
    BundleItem,
    Identity,
    Protection,
    Recipient,
    SigningKey,
    generate_identity,
    parse_identities,
    parse_recipient,
    write_bundle,
)

FIXED_TIME = datetime(2026, 11, 22, 0, 50, tzinfo=UTC)


@dataclass
class Lawyer:
    secret: str
    public: str
    recipient: Recipient
    identities: list[Identity]


def make_lawyer() -> Lawyer:
    secret, public = generate_identity()
    return Lawyer(secret, public, parse_recipient(public), parse_identities(secret))


@pytest.fixture
def lawyer() -> Lawyer:
    return make_lawyer()


@pytest.fixture
def signer() -> SigningKey:
    return SigningKey.generate()


def item(
    data: bytes,
    *,
    kind: str = "summons",
    title: str = "Повестка о явке / Summons",
    extension: str = "pdf",
    media_type: str = "application/pdf",
    redaction: dict[str, int] | None = None,
) -> BundleItem:
    return BundleItem(
        kind=kind,
        title=title,
        media_type=media_type,
        size=len(data),
        open=lambda: io.BytesIO(data),
        extension=extension,
        metadata={"date": "2025-03-14"},
        redaction=redaction,
        provenance=[{"action": "added", "document": "d1"}],
    )


def sample_items() -> list[BundleItem]:
    return [
        item(b"%PDF-1.7 criminal case file " * 300, kind="case-file", title="Уголовное дело"),
        item(b"\xff\xd8\xff summons photo" * 100, kind="summons", extension="jpg",
             media_type="image/jpeg", redaction={"name": 2, "address": 1}),
    ]


def clock() -> datetime:
    return FIXED_TIME


BundleMaker = Callable[..., bytes]


@pytest.fixture
def make_bundle(lawyer: Lawyer, signer: SigningKey) -> BundleMaker:
    def make(items: list[BundleItem] | None = None, *, plain: bool = False,
             passphrase: str | None = None, armored: bool = False, **options: object) -> bytes:
        out = io.BytesIO()
        if plain:
            protection = Protection.unencrypted()
        elif passphrase is not None:
            protection = Protection.with_passphrase(passphrase, armored=armored)
        else:
            protection = Protection.to([lawyer.recipient], armored=armored)
        write_bundle(out, items or sample_items(), signer=signer, protection=protection,
                     clock=clock, **options)  # type: ignore[arg-type]
        return out.getvalue()

    return make
