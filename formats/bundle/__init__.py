"""Bundles: signed, age-encrypted exports of chosen documents, and the recipient's side.

A bundle is an age v1 file holding a tar archive: ``files/NN-kind.ext`` (the documents, under
neutral names), ``manifest.json`` (canonical JSON: hashes, kinds, titles, allowed metadata,
redaction counts, provenance), ``manifest.json.sig`` (an OpenSSH SSHSIG signature by the
compartment's Ed25519 key for the export profile), ``index.pdf`` (a printable index) and
``index.pdf.sig``. The recipient needs only ``age -d -i KEY BUNDLE | tar x`` and
``ssh-keygen -Y verify`` to use it without papka. The format and its security argument are in
docs/FORMAT.md, "Bundles".
"""

from papka.formats.bundle.addressbook import AddressBook, PinStatus, SignerCheck
from papka.formats.bundle.age import (
    Identity,
    Recipient,
    generate_identity,
    identity_file_text,
    parse_recipient,
)
from papka.formats.bundle.errors import (
    BundleDamagedError,
    BundleError,
    BundleStorageError,
    BundleUsageError,
    CannotDecryptError,
    KeyPassphraseError,
    SignatureError,
)
from papka.formats.bundle.fingerprint import Fingerprint, terminal_qr
from papka.formats.bundle.identities import KeyPassphrase, parse_identities
from papka.formats.bundle.manifest import Manifest, ManifestFile
from papka.formats.bundle.protection import Protection
from papka.formats.bundle.reader import (
    DocumentReceiver,
    OpenedBundle,
    VerifiedBundle,
    import_bundle,
    open_bundle,
    verify_bundle,
)
from papka.formats.bundle.signer import SigningKey
from papka.formats.bundle.sshsig import NAMESPACE as SIGNATURE_NAMESPACE
from papka.formats.bundle.writer import BundleItem, BundleSummary, write_bundle

__all__ = [
    "AddressBook",
    "BundleDamagedError",
    "BundleError",
    "BundleItem",
    "BundleSummary",
    "BundleStorageError",
    "BundleUsageError",
    "CannotDecryptError",
    "DocumentReceiver",
    "Fingerprint",
    "Identity",
    "KeyPassphrase",
    "KeyPassphraseError",
    "Manifest",
    "ManifestFile",
    "OpenedBundle",
    "PinStatus",
    "Protection",
    "Recipient",
    "SIGNATURE_NAMESPACE",
    "SignatureError",
    "SignerCheck",
    "SigningKey",
    "VerifiedBundle",
    "generate_identity",
    "identity_file_text",
    "import_bundle",
    "open_bundle",
    "parse_identities",
    "parse_recipient",
    "terminal_qr",
    "verify_bundle",
    "write_bundle",
]
