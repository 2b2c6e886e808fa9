"""The figures the suites measure, printed for the README's "How we test" table.

Each suite records its counts here; they are printed as one JSON line (run pytest with `-s` to see
them) and written to `prove-figures.json` in the test's own temporary folder, never elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path


def report(folder: Path, suite: str, figures: dict[str, object]) -> None:
    line = json.dumps({"suite": suite, **figures}, ensure_ascii=False, sort_keys=True)
    (folder / "prove-figures.json").write_text(line + "\n", encoding="utf-8")
    print(f"\nPROVE-FIGURES {line}")
