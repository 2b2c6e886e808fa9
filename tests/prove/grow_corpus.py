"""Grow the fuzzing corpus: run seeded random mutations and keep, as regression cases, the first
input of every distinct outcome (per target, kind, step and error class) and every input that
broke the rule (a crash, a hang, a memory blow-up). Run by hand, then commit tests/prove/corpus:

    python -m tests.prove.grow_corpus [--inputs 600]
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from tests.prove.fuzzing import Worker, save_case
from tests.prove.worker import CONTAINER_SIZE, HIDDEN, PASSPHRASE, materialise

SIZES = {"pdf": 30_000, "jpeg": 800, "png": 200, "docx": 36_000, "email": 3_000}


def patches(rng: random.Random, size: int) -> list[tuple[int, bytes]]:
    return [(rng.randrange(size) if rng.random() < 0.7 else rng.randrange(min(size, 512)),
             rng.randbytes(rng.choice([1, 1, 2, 8, 64])))
            for _ in range(rng.choice([1, 1, 2, 4, 16]))]


def inputs(rng: random.Random, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    made: list[tuple[str, str, dict[str, Any]]] = []
    for _ in range(count):
        kind = rng.choice(list(SIZES))
        step = rng.choice(["sanitize", "plan", "verify"])
        made.append(("formats", f"{kind}-{step}", {
            "kind": kind, "step": step, "patches": patches(rng, SIZES[kind]),
            "cut": rng.randrange(SIZES[kind]) if rng.random() < 0.2 else None}))
    for _ in range(count // 3):
        kind = rng.choice(["plain", "x25519"])
        cut = rng.randrange(20_000) if rng.random() < 0.2 else None
        made.append(("bundle", kind, {"kind": kind, "patches": patches(rng, 20_000),
                                      "cut": cut}))
    for _ in range(count // 6):
        region = rng.choice([0, CONTAINER_SIZE - 65536])
        made.append(("container_mutated", "region", {
            "patches": [(region + o, b) for o, b in patches(rng, 65536)],
            "cut": None, "passphrases": [rng.choice([PASSPHRASE, HIDDEN])]}))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    worker = Worker()
    seen: set[tuple[str, ...]] = set()
    for target, label, arg in inputs(random.Random(arguments.seed), arguments.inputs):
        answer = worker.run(target, arg)
        key = (target, label, answer["outcome"], answer["error"].split(":")[0])
        if key in seen:
            continue
        seen.add(key)
        name = "-".join(k.replace("_", "-") for k in key[1:] if k).lower()
        final_target, final_arg = materialise(target, arg)
        print(save_case(target.split("_")[0], name, final_target, final_arg), answer["outcome"])
    worker.close()


if __name__ == "__main__":
    main()
