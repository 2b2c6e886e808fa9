"""A compartment's side of the exchange: the identity it signs bundles with, and the address book
of recipients and pinned signers it keeps in its catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from papka.formats.bundle import AddressBook, SigningKey

if TYPE_CHECKING:
    from papka.vault.container import Compartment

#: The catalog section that holds the address book (papka.vault.container.SECTIONS).
BOOK_SECTION = "book"


def signing_key(compartment: Compartment) -> SigningKey:
    """The compartment's Ed25519 signing identity: its identity seed, which was made with it and
    never leaves it, is the private key."""
    return SigningKey.from_private_bytes(compartment.identity_seed)


def address_book(compartment: Compartment) -> AddressBook:
    """Recipients and pinned signers the compartment knows (a copy; save it to keep changes)."""
    stored = compartment.section(BOOK_SECTION)
    return AddressBook.from_dict(stored) if stored else AddressBook()


def save_address_book(compartment: Compartment, book: AddressBook) -> None:
    """Store the address book in the compartment, in one commit."""
    compartment.set_section(BOOK_SECTION, book.to_dict())
    compartment.commit()
