"""What one passphrase guess costs an attacker who uses papka's exact KDF (never asserted in tests).

    python -m bench.kdf [--runs 3]

An attacker testing a guess runs Argon2id once with the format's parameters
(papka.vault._crypto.KDF_V1: 512 MiB, 2 passes, 4 lanes) against one region's salt. Measured on
one core (threads = 1, the attacker's best use of a core: lanes can be computed one after
another) and with every lane on its own thread (what one unlock costs the keeper). Prints one
line per figure and writes bench/results/kdf.json; docs/security.md turns the figures into the
cost of searching a diceware passphrase.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import time
from pathlib import Path

from argon2.low_level import Type, core, ffi

from papka.vault._crypto import KDF_V1, KdfParameters

HERE = Path(__file__).resolve().parent
DICEWARE_WORDS = 7776


def one_guess(params: KdfParameters, threads: int, password: bytes, salt: bytes) -> bytes:
    """Argon2id through the same C function as the vault's KDF, with a chosen thread count
    (argon2-cffi's high-level call always uses one thread per lane)."""
    out = ffi.new("uint8_t[]", 32)
    pwd = ffi.new("uint8_t[]", password)
    slt = ffi.new("uint8_t[]", salt)
    context = ffi.new("argon2_context *", {
        "out": out, "outlen": 32, "pwd": pwd, "pwdlen": len(password),
        "salt": slt, "saltlen": len(salt), "secret": ffi.NULL, "secretlen": 0,
        "ad": ffi.NULL, "adlen": 0, "t_cost": params.iterations, "m_cost": params.memory_kib,
        "lanes": params.lanes, "threads": threads, "version": 0x13,
        "allocate_cbk": ffi.NULL, "free_cbk": ffi.NULL, "flags": 0,
    })
    if core(context, Type.ID.value) != 0:
        raise RuntimeError("argon2 failed")
    return bytes(ffi.buffer(out, 32))


def measure(runs: int) -> dict[str, object]:
    params = KDF_V1
    salt = os.urandom(32)
    single: list[float] = []
    parallel: list[float] = []
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for i in range(runs):
        guess = f"guess number {i}".encode()
        start = time.perf_counter()
        one_guess(params, 1, guess, salt)
        single.append(time.perf_counter() - start)
        start = time.perf_counter()
        one_guess(params, params.lanes, guess, salt)
        parallel.append(time.perf_counter() - start)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_guess_core_s = min(single)
    guesses_per_core_s = 1 / per_guess_core_s
    space = DICEWARE_WORDS ** 6
    core_seconds = space / 2 / guesses_per_core_s          # on average half the space
    return {
        "parameters": {"memory_kib": params.memory_kib, "iterations": params.iterations,
                       "lanes": params.lanes},
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "runs": runs,
        "seconds_per_guess_one_core": per_guess_core_s,
        "guesses_per_second_per_core": guesses_per_core_s,
        "seconds_per_guess_all_lanes": min(parallel),
        "memory_per_guess_mib": params.memory_kib / 1024,
        "peak_rss_growth_mib": (peak_kib - before) / 1024,
        "peak_rss_mib": peak_kib / 1024,
        "six_word_diceware_log2": math.log2(space),
        "six_word_diceware_core_years_average": core_seconds / (365.25 * 86400),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    figures = measure(arguments.runs)
    for key, value in figures.items():
        print(f"{key}: {value}")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "kdf.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
