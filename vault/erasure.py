"""Reed-Solomon erasure coding over GF(2^8): k data shares, m parity shares, any k of the k + m
bring back the data (docs/FORMAT.md §10, "Erasure coding").

The code is systematic (the data shares are kept as they are) with a Cauchy parity matrix:
parity share i is the sum over the data shares j of C[i][j]·d_j, where C[i][j] = 1/(x_i + y_j),
x_i = k + i and y_j = j (addition in the field is XOR). Every square submatrix of a Cauchy
matrix is invertible, so every k rows of the generator [I; C] are too: the code is
maximum-distance separable (Blomer et al., "An XOR-based erasure-resilient coding scheme",
1995). The field is GF(2)[x]/(x^8 + x^4 + x^3 + x^2 + 1) (0x11d, the polynomial of most
Reed-Solomon codes, generator 2). Matrix and field are those of Intel ISA-L's
gf_gen_cauchy1_matrix, so its parity is byte for byte ISA-L's: vectors/erasure/ holds parity
made by ISA-L (through pyeclib), which tests/vault/test_erasure.py checks this code against.

Parity is computed by ISA-L itself when it is installed: pyeclib (OpenStack's erasure-coding
binding, whose Linux wheels bundle liberasurecode and ISA-L; pinned in requirements.lock) with
its `isa_l_rs_cauchy` backend, the same matrix and field, about a hundred times faster than the
code below on wide stripes (bench/format3.py). Elsewhere, and whenever that backend does not
load, the code below computes the same bytes: multiplying a share by a constant is
`bytes.translate` with that constant's 256-byte product table, and adding shares is an XOR of
two integers. Decoding (rare: only when shares were lost) is always the code below.

This is coding, not cryptography: it protects against loss, not against anyone. papka encodes
plaintext and encrypts every share on its own; coded ciphertext would leave linear relations
between sectors that someone holding two images could find (docs/FORMAT.md §10).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyeclib.ec_iface import ECDriver

_POLY = 0x11D
MAX_SHARES = 256


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 510
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= _POLY
    for power in range(255, 510):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _tables()


def mul(a: int, b: int) -> int:
    """The product of two field elements."""
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def inverse(a: int) -> int:
    if a == 0:
        raise ZeroDivisionError("0 has no inverse in GF(2^8)")
    return _EXP[255 - _LOG[a]]


#: _SCALE[c] is the translation table that multiplies every byte of a string by c.
_SCALE = [bytes(mul(c, b) for b in range(256)) for c in range(256)]


def cauchy_row(row: int, data_count: int, parity_count: int) -> list[int]:
    """Parity share `row`'s coefficients over the data shares."""
    return [inverse((data_count + row) ^ column) for column in range(data_count)]


def _check(data_count: int, parity_count: int) -> None:
    if data_count < 1 or parity_count < 0 or data_count + parity_count > MAX_SHARES:
        raise ValueError("an erasure code needs 1 or more data shares and at most 256 shares")


def _combine(coefficients: Sequence[int], shares: Sequence[bytes], length: int) -> bytes:
    total = 0
    for coefficient, share in zip(coefficients, shares, strict=True):
        if coefficient:
            total ^= int.from_bytes(share.translate(_SCALE[coefficient]), "big")
    return total.to_bytes(length, "big")


@functools.lru_cache(maxsize=512)
def _isal(data_count: int, parity_count: int) -> ECDriver | None:
    """pyeclib's ISA-L encoder for k data and m parity shares, or None without it."""
    try:
        from pyeclib.ec_iface import ECDriver, ECDriverError
    except ImportError:
        return None
    try:
        return ECDriver(k=data_count, m=parity_count, ec_type="isa_l_rs_cauchy")
    # Its ISA-L library did not load, or the module it imports by name at this point is
    # missing (a frozen program that did not collect it).
    except (ECDriverError, ImportError):
        return None


def accelerated() -> bool:
    """Whether parity is computed by ISA-L (pyeclib) rather than by this module's Python."""
    return _isal(1, 1) is not None


def _encode_isal(driver: ECDriver, data: Sequence[bytes], length: int) -> list[bytes] | None:
    # liberasurecode cuts its input into k fragments whose length is a multiple of 16 and puts
    # a header before each: every share is padded with zero bytes to that length (zero
    # padding adds nothing to the parity of the bytes before it), and the headers are cut off.
    width = -(-length // 16) * 16
    pad = bytes(width - length)
    fragments = driver.encode(b"".join(bytes(share) + pad for share in data))
    shares = [fragment[len(fragment) - width:][:length] for fragment in fragments]
    # The data fragments must come back as given, or this pyeclib lays its fragments out
    # otherwise than the one pinned, and its parity cannot be trusted either.
    if len(shares) != len(data) + driver.m or any(
            got != given for got, given in zip(shares, data, strict=False)):
        return None
    return shares[len(data):]


def encode(data: Sequence[bytes], parity_count: int) -> list[bytes]:
    """The parity shares of `data` (shares of one length)."""
    _check(len(data), parity_count)
    length = len(data[0])
    if any(len(share) != length for share in data):
        raise ValueError("every share must have the same length")
    if parity_count == 0 or length == 0:
        return [bytes(length) for _ in range(parity_count)]
    driver = _isal(len(data), parity_count)
    parity = _encode_isal(driver, data, length) if driver is not None else None
    if parity is not None:
        return parity
    return _encode_python(data, parity_count, length)


def _encode_python(data: Sequence[bytes], parity_count: int, length: int) -> list[bytes]:
    return [_combine(cauchy_row(row, len(data), parity_count), data, length)
            for row in range(parity_count)]


def _generator_row(index: int, data_count: int, parity_count: int) -> list[int]:
    if index < data_count:
        return [int(column == index) for column in range(data_count)]
    return cauchy_row(index - data_count, data_count, parity_count)


def _invert(matrix: list[list[int]]) -> list[list[int]]:
    """Gauss-Jordan over GF(2^8); the matrix is invertible (any k rows of an MDS generator)."""
    size = len(matrix)
    work = [row[:] + [int(i == j) for j in range(size)] for i, row in enumerate(matrix)]
    for column in range(size):
        pivot = next(r for r in range(column, size) if work[r][column])
        work[column], work[pivot] = work[pivot], work[column]
        scale = inverse(work[column][column])
        work[column] = [mul(scale, v) for v in work[column]]
        for r in range(size):
            factor = work[r][column]
            if r != column and factor:
                work[r] = [v ^ mul(factor, p) for v, p in zip(work[r], work[column], strict=True)]
    return [row[size:] for row in work]


def decode(shares: Mapping[int, bytes], data_count: int, parity_count: int) -> list[bytes]:
    """The data shares, from any `data_count` of the shares numbered 0 … k + m − 1 (data shares
    first). ValueError when fewer are given."""
    _check(data_count, parity_count)
    usable = sorted(i for i in shares if 0 <= i < data_count + parity_count)
    if len(usable) < data_count:
        raise ValueError("too few shares are left to rebuild the data")
    if usable[:data_count] == list(range(data_count)):
        return [bytes(shares[i]) for i in range(data_count)]
    chosen = usable[:data_count]
    length = len(shares[chosen[0]])
    if any(len(shares[i]) != length for i in chosen):
        raise ValueError("every share must have the same length")
    rows = _invert([_generator_row(i, data_count, parity_count) for i in chosen])
    picked = [shares[i] for i in chosen]
    return [shares[j] if j in shares else _combine(rows[j], picked, length)
            for j in range(data_count)]
