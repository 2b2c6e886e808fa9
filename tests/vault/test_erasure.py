"""The Reed-Solomon erasure code (papka.vault.erasure) against a reference written from the
definitions alone (bit-by-bit field multiplication, inverses by search, one byte at a time),
and its promise: any k of the k + m shares bring the data back, fewer are refused.

Parity has two paths, ISA-L through pyeclib and papka's Python; the tests marked with the
`coder` fixture run on each (the ISA-L one skips on a developer's machine without pyeclib and
fails in CI)."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papka.vault import erasure
from tests.conftest import unavailable

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "erasure"


def _reference_mul(a: int, b: int) -> int:
    """Carry-less multiplication reduced by x^8 + x^4 + x^3 + x^2 + 1, one bit at a time."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= 0x11D
    return product


_REFERENCE_INVERSE = {a: next(b for b in range(1, 256) if _reference_mul(a, b) == 1)
                      for a in range(1, 256)}


def _reference_parity(data: list[bytes], parity: int) -> list[bytes]:
    k = len(data)
    rows = [[_REFERENCE_INVERSE[(k + i) ^ j] for j in range(k)] for i in range(parity)]
    out = []
    for row in rows:
        share = bytearray(len(data[0]))
        for position in range(len(share)):
            value = 0
            for coefficient, piece in zip(row, data, strict=True):
                value ^= _reference_mul(coefficient, piece[position])
            share[position] = value
        out.append(bytes(share))
    return out


@pytest.fixture(params=["isa-l", "python"])
def coder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which path computes parity in this test."""
    if request.param == "python":
        monkeypatch.setattr(erasure, "_isal", lambda data_count, parity_count: None)
    elif not erasure.accelerated():
        unavailable("pyeclib's ISA-L backend is not installed")
    return str(request.param)


def test_field_products_and_inverses_match_the_definition() -> None:
    for a in range(256):
        for b in range(256):
            assert erasure.mul(a, b) == _reference_mul(a, b)
    for a, b in _REFERENCE_INVERSE.items():
        assert erasure.inverse(a) == b
    with pytest.raises(ZeroDivisionError):
        erasure.inverse(0)


@pytest.mark.parametrize(("k", "m"), [(1, 1), (1, 3), (3, 2), (5, 5), (16, 4), (7, 16)])
def test_parity_is_the_cauchy_combination_of_the_data(k: int, m: int, coder: str) -> None:
    rng = random.Random(k * 100 + m)
    data = [rng.randbytes(64) for _ in range(k)]
    assert erasure.encode(data, m) == _reference_parity(data, m)


def test_known_answer(coder: str) -> None:
    """Frozen output for a fixed input, so that a change of field, matrix or share order (which
    would make stored parity unreadable) cannot pass unnoticed."""
    data = [bytes((i * 37 + j) % 256 for j in range(32)) for i in range(4)]
    parity = erasure.encode(data, 3)
    assert parity == _reference_parity(data, 3)
    assert hashlib.sha256(b"".join(parity)).hexdigest() == (
        "348419d76bcca1e443e7c9d69e834d93727153a8b761c2e021d16b536755ae9c")


@pytest.mark.parametrize(("k", "m"), [(1, 1), (2, 2), (3, 3), (4, 2), (2, 5), (5, 3)])
def test_every_choice_of_k_shares_brings_the_data_back(k: int, m: int) -> None:
    rng = random.Random(k * 7 + m)
    data = [rng.randbytes(40) for _ in range(k)]
    shares = dict(enumerate(data + erasure.encode(data, m)))
    for kept in itertools.combinations(range(k + m), k):
        assert erasure.decode({i: shares[i] for i in kept}, k, m) == data


def test_fewer_than_k_shares_are_refused() -> None:
    data = [b"a" * 8, b"b" * 8, b"c" * 8]
    shares = dict(enumerate(data + erasure.encode(data, 2)))
    with pytest.raises(ValueError, match="too few"):
        erasure.decode({0: shares[0], 4: shares[4]}, 3, 2)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError):
        erasure.encode([b"ab", b"a"], 1)
    with pytest.raises(ValueError):
        erasure.encode([b"a"] * 200, 57)
    with pytest.raises(ValueError):
        erasure.encode([], 1)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 24), st.integers(0, 24), st.randoms(use_true_random=False),
       st.integers(1, 300))
def test_any_erasures_up_to_m_are_repaired(k: int, m: int, rng: random.Random,
                                          length: int) -> None:
    # (hypothesis and function-scoped fixtures do not mix: this one runs on whichever path is
    # installed; test_both_paths_give_the_same_parity compares the paths.)
    data = [rng.randbytes(length) for _ in range(k)]
    shares = dict(enumerate(data + erasure.encode(data, m)))
    for lost in rng.sample(range(k + m), m):
        del shares[lost]
    assert erasure.decode(shares, k, m) == data


def test_sector_sized_shares_at_the_largest_code() -> None:
    rng = random.Random(5)
    data = [rng.randbytes(4096) for _ in range(128)]
    parity = erasure.encode(data, 128)
    shares = dict(enumerate(data + parity))
    for lost in rng.sample(range(256), 128):
        del shares[lost]
    assert erasure.decode(shares, 128, 128) == data


def _stream(label: bytes, n: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(label + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:n]


def test_parity_is_byte_for_byte_what_intel_isa_l_computes(coder: str) -> None:
    """vectors/erasure/: parity made by ISA-L (through pyeclib) for codes from 1 + 1 to the
    largest stripe format 3 writes, 128 + 63 (vectors/erasure/README.md says how)."""
    vectors = json.loads((VECTORS / "isa-l-cauchy.json").read_text())
    assert len(vectors["cases"]) >= 10
    for case in vectors["cases"]:
        k, m, size = case["k"], case["m"], case["share_bytes"]
        label = case["data"].removeprefix("SHA-256 stream of ").strip("'").encode()
        data = _stream(label, k * size)
        shares = [data[j * size:(j + 1) * size] for j in range(k)]
        parity = erasure.encode(shares, m)
        assert hashlib.sha256(b"".join(parity)).hexdigest() == case["parity_sha256"], (k, m)
        if "parity_hex" in case:
            assert [p.hex() for p in parity] == case["parity_hex"]
        kept = random.Random(k * 1000 + m).sample(range(k + m), k)
        everything = shares + parity
        assert erasure.decode({i: everything[i] for i in kept}, k, m) == shares


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 130), st.integers(1, 126), st.integers(1, 4096), st.integers(0, 2**32))
def test_both_paths_give_the_same_parity(k: int, m: int, length: int, seed: int) -> None:
    if not erasure.accelerated():
        unavailable("pyeclib's ISA-L backend is not installed")
    rng = random.Random(seed)
    data = [rng.randbytes(length) for _ in range(k)]
    assert erasure.encode(data, m) == erasure._encode_python(data, m, length)


def test_a_pyeclib_that_lays_out_its_fragments_otherwise_is_not_trusted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """If a pyeclib gave its data fragments back changed (another header size, another
    split), its parity would not be the Cauchy parity either: papka computes it itself."""

    class Shifted:
        m = 2

        def encode(self, joined: bytes) -> list[bytes]:
            width = len(joined) // 3
            return [b"h" * 80 + joined[1:] + b"\0"] + [b"h" * 80 + bytes(width)] * 4

    monkeypatch.setattr(erasure, "_isal", lambda data_count, parity_count: Shifted())
    data = [bytes(range(i, i + 32)) for i in range(3)]
    assert erasure.encode(data, 2) == _reference_parity(data, 2)


def test_a_pyeclib_whose_driver_cannot_be_made_leaves_parity_to_papka(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """pyeclib imports its driver class by name when an encoder is made; a frozen program
    that did not collect that module failed there with ModuleNotFoundError instead of
    computing parity itself."""
    ec_iface = pytest.importorskip("pyeclib.ec_iface")

    def missing(**_arguments: object) -> None:
        raise ModuleNotFoundError("No module named 'pyeclib.core'")

    monkeypatch.setattr(ec_iface, "ECDriver", missing)
    erasure._isal.cache_clear()
    try:
        assert not erasure.accelerated()
        data = [bytes(range(i, i + 32)) for i in range(3)]
        assert erasure.encode(data, 2) == _reference_parity(data, 2)
    finally:
        erasure._isal.cache_clear()
