"""Coverage-guided fuzzing (atheris/libFuzzer) of every outside-input parser, briefly, in the
suite: each target runs from a real seed for a few seconds, and any exception other than a
PapkaError fails the run. Longer campaigns: `python -m tests.prove.atheris_fuzz TARGET
-max_total_time=600` (tests/prove/atheris_fuzz.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.prove.atheris_fuzz import TARGETS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize("target", TARGETS)
def test_coverage_guided_fuzzing_finds_no_crash(target: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.prove.atheris_fuzz", target, "-max_total_time=6",
         "-timeout=60", "-rss_limit_mb=3072", "-max_len=300000",
         f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT, capture_output=True, text=True, timeout=170, check=False)
    report = done.stderr[-3000:]
    assert done.returncode == 0, report
    assert "Done" in done.stderr and "runs in" in done.stderr, report   # it really fuzzed
    assert not list(tmp_path.glob("crash-*")), report
