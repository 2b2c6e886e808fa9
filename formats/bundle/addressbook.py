"""A compartment's address book: the recipients the keeper sends to, and the signers a reader has
seen (pinning). It is a plain JSON-able dict so the vault can keep it inside a compartment and
nothing about it ever reaches the disk in the clear."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from papka.formats.bundle.age import Recipient, parse_recipient
from papka.formats.bundle.errors import BundleUsageError
from papka.formats.bundle.fingerprint import Fingerprint
from papka.formats.bundle.signer import public_blob_from_openssh, public_openssh_line

_MAX_NAME = 200
_FORMAT_VERSION = 1


class PinStatus(enum.Enum):
    PINNED = "pinned"  # this key was seen before
    NEW = "new"  # neither the key nor the sender's name is known
    CHANGED = "changed"  # the sender's name is known, with another key: a warning sign


@dataclass(frozen=True)
class SignerCheck:
    status: PinStatus
    #: The name the key is pinned under (PINNED), or the known name whose key differs (CHANGED).
    known_as: str | None


def _name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _MAX_NAME:
        raise BundleUsageError("A name in the address book must have 1 to 200 characters.")
    return cleaned


@dataclass
class AddressBook:
    """Recipients by name (age or OpenSSH public keys) and pinned signers by name (one or more
    ssh-ed25519 keys each)."""

    recipients: dict[str, str] = field(default_factory=dict)
    signers: dict[str, list[str]] = field(default_factory=dict)

    # -- recipients
    def add_recipient(self, name: str, key: str) -> Recipient:
        recipient = parse_recipient(key)
        self.recipients[_name(name)] = recipient.text
        return recipient

    def recipient(self, name: str) -> Recipient:
        try:
            return parse_recipient(self.recipients[name.strip()])
        except KeyError:
            raise BundleUsageError(
                "The address book has no recipient with this name.",
                hint="Run `papka recipients` to see the names.",
            ) from None

    def remove_recipient(self, name: str) -> None:
        if self.recipients.pop(name.strip(), None) is None:
            raise BundleUsageError("The address book has no recipient with this name.")

    # -- signers
    def check_signer(self, public_openssh: str, sender: str = "") -> SignerCheck:
        """Is this signing key known? A known sender name with a different key is CHANGED."""
        blob = public_blob_from_openssh(public_openssh)
        for name, keys in sorted(self.signers.items()):
            if any(public_blob_from_openssh(k) == blob for k in keys):
                return SignerCheck(PinStatus.PINNED, name)
        sender = sender.strip()
        if sender and sender in self.signers:
            return SignerCheck(PinStatus.CHANGED, sender)
        return SignerCheck(PinStatus.NEW, None)

    def pin_signer(self, name: str, public_openssh: str, *, replace: bool = False) -> Fingerprint:
        """Remember ``public_openssh`` as ``name``'s key; ``replace`` drops the keys known before
        (after the keeper confirmed a new key by other means)."""
        blob = public_blob_from_openssh(public_openssh)
        canonical = public_openssh_line(blob)
        keys = [] if replace else list(self.signers.get(_name(name), []))
        if canonical not in keys:
            keys.append(canonical)
        self.signers[_name(name)] = keys
        return Fingerprint.of_public_blob(blob)

    def forget_signer(self, name: str) -> None:
        if self.signers.pop(name.strip(), None) is None:
            raise BundleUsageError("The address book has no signer with this name.")

    # -- storage
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": _FORMAT_VERSION,
            "recipients": dict(sorted(self.recipients.items())),
            "signers": {name: list(keys) for name, keys in sorted(self.signers.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AddressBook:
        if data.get("version") != _FORMAT_VERSION:
            raise BundleUsageError("The address book is in a format papka does not read.")
        book = cls()
        recipients = data.get("recipients", {})
        signers = data.get("signers", {})
        if not isinstance(recipients, Mapping) or not isinstance(signers, Mapping):
            raise BundleUsageError("The address book is malformed.")
        for name, key in recipients.items():
            if not isinstance(name, str) or not isinstance(key, str):
                raise BundleUsageError("The address book is malformed.")
            book.add_recipient(name, key)
        for name, keys in signers.items():
            if not isinstance(name, str) or not isinstance(keys, list):
                raise BundleUsageError("The address book is malformed.")
            for key in keys:
                if not isinstance(key, str):
                    raise BundleUsageError("The address book is malformed.")
                book.pin_signer(name, key)
        return book
