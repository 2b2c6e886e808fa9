"""A compartment's side of the exchange: the identities it signs bundles with (one per export
profile), and the address book of recipients and pinned signers it keeps in its catalog.

Every export profile signs with its own Ed25519 key, so bundles sent under two profiles (the
lawyer's and a journalist's copy) cannot be linked by their signatures. The built-in ``lawyer``
profile signs with the compartment's identity seed itself, the key every bundle was signed with
before profiles had keys of their own, so pins recipients already hold stay valid; every other
profile's key is derived from the seed with HKDF-SHA256 and the profile's name. The argument
(unlinkability, stability, a profile removed and added again) is in docs/FORMAT.md, "Signer
fingerprints and pinning".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from papka.exchange.profiles import Profile, find_profile, profiles
from papka.formats.bundle import AddressBook, SigningKey

if TYPE_CHECKING:
    from papka.vault.compartment import Compartment

#: The catalog section that holds the address book (papka.vault.container.SECTIONS).
BOOK_SECTION = "book"
#: The profile whose bundles the identity seed itself signs.
SEED_PROFILE = "lawyer"
#: HKDF's info for a profile's key is this label followed by the profile's name. Names are
#: ``[a-z][a-z0-9-]{0,31}`` (Profile.check), so no two profiles share an info string, and the
#: label keeps these keys apart from anything else ever derived from the seed.
PROFILE_KEY_LABEL = b"papka/v1 bundle signing key for export profile\x00"


def profile_signing_key(identity_seed: bytes, profile_name: str) -> SigningKey:
    """The Ed25519 key that signs bundles exported under ``profile_name``, from a compartment's
    32-byte identity seed: the seed itself for ``lawyer``, HKDF-SHA256 of it for any other."""
    Profile(profile_name).check()  # a well-formed name, so the info string is unambiguous
    if profile_name == SEED_PROFILE:
        return SigningKey.from_private_bytes(identity_seed)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=PROFILE_KEY_LABEL + profile_name.encode("ascii")).derive(identity_seed)
    return SigningKey.from_private_bytes(derived)


def signing_key(compartment: Compartment, profile: Profile | str = SEED_PROFILE) -> SigningKey:
    """The key that signs the compartment's bundles exported under ``profile`` (by default the
    lawyer's: the identity seed, which was made with the compartment and never leaves it). A
    name must be a profile the compartment has; the key follows the profile's name."""
    name = profile.name if isinstance(profile, Profile) else find_profile(compartment,
                                                                          profile).name
    return profile_signing_key(compartment.identity_seed, name)


def signing_keys(compartment: Compartment) -> dict[str, SigningKey]:
    """Every profile's signing key, by profile name (the built-in ones first)."""
    seed = compartment.identity_seed
    return {name: profile_signing_key(seed, name) for name in profiles(compartment)}


def address_book(compartment: Compartment) -> AddressBook:
    """Recipients and pinned signers the compartment knows (a copy; save it to keep changes)."""
    stored = compartment.section(BOOK_SECTION)
    return AddressBook.from_dict(stored) if stored else AddressBook()


def save_address_book(compartment: Compartment, book: AddressBook) -> None:
    """Store the address book in the compartment, in one commit."""
    compartment.set_section(BOOK_SECTION, book.to_dict())
    compartment.commit()
