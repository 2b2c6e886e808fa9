"""Run every benchmark in turn: `make bench` (or `python -m bench`).

Each compares papka with a reference tool in the same run and prints ratios; none of them is a
test, and none asserts a time. Figures land in bench/results/ and are quoted in the README.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["vault.py", "bundle.py", "redact.py", "burn_size.py", "kdf.py"]


def main() -> int:
    failed = 0
    for name in BENCHES:
        script = HERE / name
        if not script.exists():
            continue
        print(f"== bench/{name}", flush=True)
        module = f"bench.{script.stem}"
        failed |= subprocess.run([sys.executable, "-m", module], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
