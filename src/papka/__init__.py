"""papka: legal papers in an encrypted, deniable container; real redaction; signed bundles.

The code is organised in three packages: :mod:`papka.vault` (the container, compartments,
documents and bundles), :mod:`papka.formats` (document handlers, detection and redaction) and
:mod:`papka.cli` (the ``papka`` command).
"""

__version__ = "0.1.0"
