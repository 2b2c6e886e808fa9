"""papka's core library: the deniable container, its compartments and their documents.

    from papka.vault import Container
    Container.create("papka.box", 256 * 2**20, passphrase)
    with Container.open("papka.box", [passphrase]) as box:
        doc = box.newest.documents.add("scan.jpg", kind="military-id")

See docs/api.md for a worked example and docs/FORMAT.md for the on-disk format.
"""

from papka.vault.compartment import Compartment
from papka.vault.container import CheckReport, Container, Usage
from papka.vault.documents import DocumentStore
from papka.vault.records import KINDS, Document, DocumentMeta

__all__ = ["CheckReport", "Compartment", "Container", "Document", "DocumentMeta", "DocumentStore",
           "KINDS", "Usage"]
