"""The parent side of fuzzing: a worker process per test, each input answered within a cap."""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.prove.worker import decode, encode

ROOT = Path(__file__).resolve().parents[2]
#: The worker's own alarm fires first; this only catches a worker stuck outside Python.
HARD_CAP_SECONDS = 40
CORPUS = Path(__file__).resolve().parent / "corpus"


class Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tests.prove.worker"], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})

    def run(self, target: str, arg: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        if self.process.poll() is not None:
            self.__init__()  # type: ignore[misc]   # a new worker after a crash
            assert self.process.stdin is not None and self.process.stdout is not None
        request = json.dumps({"target": target, "arg": encode(arg)}).encode()
        try:
            self.process.stdin.write(struct.pack(">I", len(request)) + request)
            self.process.stdin.flush()
        except BrokenPipeError:
            return {"outcome": "died", "error": "the worker exited", "seconds": 0}
        ready, _, _ = select.select([self.process.stdout], [], [], HARD_CAP_SECONDS)
        if not ready:
            self.process.kill()
            self.process.wait()
            return {"outcome": "timeout", "error": "no answer", "seconds": HARD_CAP_SECONDS}
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            return {"outcome": "died", "error": f"exit status {code}", "seconds": 0}
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def acceptable(answer: dict[str, Any]) -> bool:
    return answer["outcome"] in ("ok", "papka")


def save_case(folder: str, name: str, target: str, arg: dict[str, Any]) -> Path:
    """Keep an input as a regression case (JSON; bytes as hex). Used by grow_corpus only."""
    path = CORPUS / folder / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"target": target, "arg": encode(arg)}, sort_keys=True) + "\n")
    return path


def load_case(path: Path) -> tuple[str, dict[str, Any]]:
    case = json.loads(path.read_text())
    return case["target"], decode(case["arg"])


def corpus_cases() -> list[Path]:
    return sorted(CORPUS.glob("*/*.json"))
