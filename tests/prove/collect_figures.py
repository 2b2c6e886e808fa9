"""Run the proving suites and print their figures as one JSON document, for the README's
"How we test" table and docs/security.md:

    python -m tests.prove.collect_figures > figures.json

Each suite prints a `PROVE-FIGURES {...}` line (tests/prove/figures.py); this runs them in one
process (so that the lines reach the terminal) and gathers the lines by suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:xdist", "-p", "no:cacheprovider",
         "tests/prove"], cwd=ROOT, capture_output=True, text=True)
    figures: dict[str, list[dict[str, object]]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("PROVE-FIGURES "):
            entry = json.loads(line.removeprefix("PROVE-FIGURES "))
            figures.setdefault(str(entry.pop("suite")), []).append(entry)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(json.dumps({"pytest": summary, "figures": figures}, indent=2, ensure_ascii=False))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
