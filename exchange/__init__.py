"""The exchange between the vault and the world: export profiles, selections, signed bundles out
of a compartment and verified bundles into one.

This is the one layer that joins the deniable store (papka.vault) and the file formats
(papka.formats, including the bundle format papka.formats.bundle); neither of those imports it
or each other (docs/ARCHITECTURE.md).

    from papka.exchange import Selection, export_bundle
    export_bundle(compartment, Selection.parse(["kind:summons"]), "out.papka",
                  profile="embassy", recipients=[recipient])
"""

from papka.exchange.disclosure import (
    Disclosure,
    DisclosureCheck,
    DisclosureDoesNotVerify,
    DisclosureRefused,
    check_disclosure,
    disclosure_bytes,
    sent_bundles,
    write_disclosure,
)
from papka.exchange.errors import (
    BundleFileExists,
    BundleFileProblem,
    CannotRedactForProfile,
    ExportError,
)
from papka.exchange.export import ExportResult, export_bundle
from papka.exchange.identity import (
    address_book,
    profile_signing_key,
    save_address_book,
    signing_key,
    signing_keys,
)
from papka.exchange.imports import ImportResult, import_into
from papka.exchange.items import (
    ORIGINAL,
    REDACTED,
    STRIPPED,
    ExportedDocument,
    build_items,
)
from papka.exchange.profiles import (
    BUILTIN_PROFILES,
    METADATA_FIELDS,
    Profile,
    find_profile,
    profiles,
    remove_profile,
    save_profile,
)
from papka.exchange.selection import Selection

__all__ = [
    "BUILTIN_PROFILES",
    "METADATA_FIELDS",
    "ORIGINAL",
    "REDACTED",
    "STRIPPED",
    "BundleFileExists",
    "BundleFileProblem",
    "CannotRedactForProfile",
    "Disclosure",
    "DisclosureCheck",
    "DisclosureDoesNotVerify",
    "DisclosureRefused",
    "ExportError",
    "ExportResult",
    "ExportedDocument",
    "ImportResult",
    "Profile",
    "Selection",
    "address_book",
    "build_items",
    "check_disclosure",
    "disclosure_bytes",
    "export_bundle",
    "find_profile",
    "import_into",
    "profile_signing_key",
    "profiles",
    "remove_profile",
    "save_address_book",
    "save_profile",
    "sent_bundles",
    "signing_key",
    "signing_keys",
    "write_disclosure",
]
