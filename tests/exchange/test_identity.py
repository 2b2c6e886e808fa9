"""A compartment's signing identity and address book, kept in its catalog by the exchange layer."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from papka.exchange import (
    ExportError,
    Profile,
    address_book,
    profile_signing_key,
    remove_profile,
    save_address_book,
    save_profile,
    signing_key,
    signing_keys,
)
from papka.exchange.identity import PROFILE_KEY_LABEL
from papka.formats.bundle import SigningKey
from papka.vault import Container
from tests.vault.helpers import DECOY, HIDDEN, new_container


def test_each_compartment_has_its_own_signing_identity_and_address_book(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        hidden = box.add_compartment(HIDDEN)
        decoy = box.compartments[0]
        assert signing_key(decoy).public_openssh() != signing_key(hidden).public_openssh()
        book = address_book(hidden)
        book.pin_signer("адвокат", signing_key(decoy).public_openssh())
        save_address_book(hidden, book)
        key = signing_key(hidden).public_openssh()
    with Container.open(path, [HIDDEN]) as box:
        assert signing_key(box.newest).public_openssh() == key
        assert "адвокат" in address_book(box.newest).to_dict()["signers"]
        assert address_book(box.compartments[0]).to_dict()["signers"] == {}


# --- one signing key per export profile ----------------------------------------------------------

#: RFC 8032, section 7.1, test 1: an Ed25519 secret key (seed) and its public key.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


def _hkdf_sha256_by_hand(seed: bytes, info: bytes) -> bytes:
    """RFC 5869 with no salt (HashLen zero bytes) and one block of output, written out with the
    standard library's HMAC, independently of the code under test."""
    prk = hmac.new(b"\x00" * 32, seed, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def test_the_lawyer_profile_keeps_the_key_every_bundle_was_signed_with() -> None:
    # Before profiles had keys, the identity seed was the Ed25519 secret key of every bundle.
    lawyer = profile_signing_key(RFC8032_SEED, "lawyer")
    assert lawyer.public_blob()[-32:] == RFC8032_PUBLIC
    assert lawyer.public_blob() == SigningKey.from_private_bytes(RFC8032_SEED).public_blob()


def test_every_other_profile_key_is_hkdf_of_the_seed_and_the_profile_name() -> None:
    for name in ("embassy", "public", "embassy-fr"):
        expected = SigningKey.from_private_bytes(
            _hkdf_sha256_by_hand(RFC8032_SEED, PROFILE_KEY_LABEL + name.encode()))
        assert profile_signing_key(RFC8032_SEED, name).public_blob() == expected.public_blob()
    # Known answers, so that a change to the derivation cannot pass unnoticed: it would change
    # every keeper's fingerprints and break the pins his recipients hold.
    assert profile_signing_key(RFC8032_SEED, "public").fingerprint().openssh == \
        "SHA256:WVYtM2YohCXoRmbmRnjL+Gh2eE9V3dNkBTnUCoXEz3c"
    assert profile_signing_key(RFC8032_SEED, "embassy").fingerprint().openssh == \
        "SHA256:jOQMDdLEi7hB/XjxKBXmuMek1c69hBJ66zESwlhHB1o"
    with pytest.raises(ExportError):
        profile_signing_key(RFC8032_SEED, "Public\x00")


def test_each_profile_has_its_own_key_stable_across_sessions(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        compartment = box.newest
        save_profile(compartment, Profile("journalist", preset="ru-personal", titles="kind"))
        keys = {name: key.public_openssh() for name, key in signing_keys(compartment).items()}
        assert set(keys) == {"lawyer", "embassy", "public", "journalist"}
        assert len(set(keys.values())) == 4  # all different
        # The lawyer's key is the compartment's seed: the key bundles were always signed with.
        assert keys["lawyer"] == signing_key(compartment).public_openssh() == \
            SigningKey.from_private_bytes(compartment.identity_seed).public_openssh()
        assert signing_key(compartment, "public").public_openssh() == keys["public"]
        with pytest.raises(ExportError):
            signing_key(compartment, "no-such-profile")
    with Container.open(path, [DECOY]) as box:
        again = {name: key.public_openssh() for name, key in signing_keys(box.newest).items()}
        assert again == keys
        # A profile removed and added again (with other settings) signs with the same key, so
        # the pins its recipients hold still hold.
        remove_profile(box.newest, "journalist")
        with pytest.raises(ExportError):
            signing_key(box.newest, "journalist")
        save_profile(box.newest, Profile("journalist", preset="ru-strict", titles="redact"))
        assert signing_key(box.newest, "journalist").public_openssh() == keys["journalist"]
