"""A compartment's signing identity and address book, kept in its catalog by the exchange layer."""

from __future__ import annotations

from pathlib import Path

from papka.exchange import address_book, save_address_book, signing_key
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
