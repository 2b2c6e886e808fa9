"""How a bundle is protected, chosen once: one value the writer takes, as age takes recipients.

A bundle is encrypted to recipients' keys (age X25519 or OpenSSH; any size, streamed), to a
passphrase (age scrypt; in memory, up to age.PASSPHRASE_BUNDLE_LIMIT), or not at all (a plain
ZIP for upload portals, which the caller warns about). Armour (ASCII text) applies to the two
encrypted forms. The value cannot hold a contradictory choice: it is checked when it is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from papka.formats.bundle.age import Recipient
from papka.formats.bundle.errors import BundleUsageError


@dataclass(frozen=True)
class Protection:
    recipients: tuple[Recipient, ...] = ()
    passphrase: str | None = field(default=None, repr=False)
    plain: bool = False
    #: age's ASCII armour (encrypted forms only).
    armored: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "recipients", tuple(self.recipients))
        if sum([bool(self.recipients), self.passphrase is not None, self.plain]) != 1:
            raise BundleUsageError(
                "Choose exactly one of: recipients, a passphrase, or a plain bundle.")
        if self.plain and self.armored:
            raise BundleUsageError("A plain bundle is a ZIP file; only encrypted bundles can "
                                   "be armoured.")

    @classmethod
    def to(cls, recipients: Sequence[Recipient], *, armored: bool = False) -> Protection:
        """Encrypted to these recipients' keys: any of them opens it."""
        return cls(recipients=tuple(recipients), armored=armored)

    @classmethod
    def with_passphrase(cls, passphrase: str, *, armored: bool = False) -> Protection:
        """Encrypted to a passphrase (age scrypt)."""
        return cls(passphrase=passphrase, armored=armored)

    @classmethod
    def unencrypted(cls) -> Protection:
        """No encryption: a plain ZIP that anyone who gets it can read."""
        return cls(plain=True)

    @property
    def encrypted(self) -> bool:
        return not self.plain
