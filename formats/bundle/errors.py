"""The bundle's error tree: one root, BundleError, whose branches carry papka's exit codes.

Messages are single sentences that never name a member, quote a manifest field, or show a key
or passphrase: a hostile bundle must not be able to put words into papka's mouth.
"""

from __future__ import annotations

from papka.errors import DamagedError, EnvironmentProblem, PapkaError, UsageError


class BundleError(PapkaError):
    """Base of every error the bundle library raises."""

    default_message = "The bundle could not be processed."


class BundleUsageError(BundleError, UsageError):
    """The request is wrong: a bad recipient, identity, item or output folder."""

    default_message = "The bundle request is not usable."


class NotABundleError(BundleError, UsageError):
    """The input is neither an age file nor a plain papka bundle."""

    default_message = "This file is not a papka bundle."


class CannotDecryptError(BundleError, UsageError):
    """No identity or passphrase given opens the bundle. Deliberately says nothing more."""

    default_message = "This bundle cannot be opened with the given key or passphrase."
    hint = "Check that the bundle was made for this key, or ask the sender to export it again."


class KeyPassphraseError(BundleUsageError):
    """An identity file protected by a passphrase (`ssh-keygen -N`, `age -p`) did not open with
    the passphrase given, or none was given."""

    default_message = "This identity file does not open with this passphrase."
    hint = ("Type the passphrase that protects the key file (the one given to ssh-keygen or "
            "age -p when it was made).")


class BundleDamagedError(BundleError, DamagedError):
    """The bundle is malformed, truncated or was altered on the way."""

    default_message = "The bundle is damaged or was altered on the way."
    hint = "Ask the sender to export and send the bundle again."


class ArmorError(BundleDamagedError):
    """The ASCII armour around an age file is malformed."""

    default_message = "The bundle's text armour is malformed."


class HeaderError(BundleDamagedError):
    """The age header is malformed or asks for more work than papka allows."""

    default_message = "The bundle's encryption header is malformed."


class PayloadError(BundleDamagedError):
    """The encrypted payload is truncated or was altered."""

    default_message = "The bundle's encrypted contents are truncated or were altered."


class UnsafeMemberError(BundleDamagedError):
    """A member would escape the output folder, is a link, or is not a member a bundle has."""

    default_message = "The bundle contains a member papka refuses to handle."


class DuplicateMemberError(UnsafeMemberError):
    default_message = "The bundle contains two members with the same name."


class LimitExceededError(BundleDamagedError):
    """A member, field, count or work factor is over papka's limit for hostile input."""

    default_message = "The bundle is over one of papka's size or count limits."


class ManifestError(BundleDamagedError):
    """The manifest is malformed or does not match the files."""

    default_message = "The bundle's manifest is malformed."


class SignatureError(BundleDamagedError):
    """The signature does not verify for the manifest."""

    default_message = "The bundle's signature does not verify."


class BundleStorageError(BundleError, EnvironmentProblem):
    """Reading the bundle or writing its output failed: a full disk, a removed stick."""

    default_message = "papka could not read or write a file while handling the bundle."
    hint = "Check the free space and that the drive is still connected, then try again."
