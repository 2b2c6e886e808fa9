"""The layers of docs/ARCHITECTURE.md, enforced over every import papka's modules make (at the top,
inside functions, and for type checking alike)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

import papka

ROOT = Path(papka.__file__).parent
#: Modules every layer may use: vocabulary and plumbing that know no layer above them.
SHARED = ("papka", "papka.errors", "papka.output_files", "papka.host", "papka.text",
          "papka.media", "papka.pages")
#: What each layer may import besides SHARED and itself.
ALLOWED: dict[str, tuple[str, ...]] = {
    "papka.vault": (),
    "papka.formats": (),
    "papka.exchange": ("papka.vault", "papka.formats"),
    "papka.cli": ("papka.vault", "papka.formats", "papka.exchange"),
}
LAYERS = (*ALLOWED, "shared")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _papka_modules() -> list[tuple[str, Path]]:
    # The package's folders may be links (src/papka in a checkout): walk through them.
    found: list[tuple[str, Path]] = []
    for folder, _dirs, files in os.walk(ROOT, followlinks=True):
        for file in sorted(files):
            if file.endswith(".py"):
                path = Path(folder) / file
                found.append((_module_name(path), path))
    return found


def _layer(module: str) -> str:
    for layer in ALLOWED:
        if module == layer or module.startswith(layer + "."):
            return layer
    return "shared"


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from papka import media` names a module, not an attribute.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names
                      if base == "papka" and ((ROOT / alias.name).is_dir()
                                              or (ROOT / f"{alias.name}.py").is_file())]
    return [(line, name) for line, name in found if name == "papka" or name.startswith("papka.")]


def _allowed(importer: str, imported: str) -> bool:
    layer = _layer(importer)
    if imported == "papka" or _layer(imported) == layer and layer != "shared":
        return True
    if layer == "shared":
        return imported in SHARED
    return imported in SHARED or any(
        imported == other or imported.startswith(other + ".") for other in ALLOWED[layer])


def test_every_layer_imports_only_what_it_may() -> None:
    modules = _papka_modules()
    assert {_layer(name) for name, _ in modules} == set(LAYERS)
    broken = [f"{path.relative_to(ROOT.parent)}:{line}: {name} imports {imported}"
              for name, path in modules
              for line, imported in _imports(path, name)
              if not _allowed(name, imported)]
    assert broken == []


@pytest.mark.parametrize(("importer", "imported", "allowed"), [
    ("papka.vault.documents", "papka.formats.media", False),
    ("papka.vault.container", "papka.exchange.identity", False),
    ("papka.formats.bundle.reader", "papka.vault.documents", False),
    ("papka.formats.burn", "papka.exchange", False),
    ("papka.exchange.export", "papka.cli.output", False),
    ("papka.media", "papka.formats.limits", False),
    ("papka.exchange.export", "papka.vault.container", True),
    ("papka.exchange.items", "papka.formats.bundle", True),
    ("papka.vault.documents", "papka.media", True),
    ("papka.cli.export", "papka.exchange", True),
])
def test_the_rule_itself(importer: str, imported: str, allowed: bool) -> None:
    assert _allowed(importer, imported) is allowed
