"""Every error class papka defines: its packages' modules imported, then the tree walked."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from papka.errors import PapkaError

#: Modules that run something when imported (the console entry, the catalogue builder).
_SCRIPTS = ("__main__", "i18n_build", "make_samples")


def every_error_class(*packages: ModuleType) -> set[type[PapkaError]]:
    """PapkaError and all its subclasses, once the packages' modules are all imported."""
    for package in packages:
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith(_SCRIPTS):
                importlib.import_module(module.name)
    found: set[type[PapkaError]] = set()
    waiting: list[type[PapkaError]] = [PapkaError]
    while waiting:
        cls = waiting.pop()
        if cls not in found:
            found.add(cls)
            waiting.extend(cls.__subclasses__())
    return found
