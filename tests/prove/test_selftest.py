"""The start-up crypto self-test passes here, and fails when any one vector is wrong."""

from __future__ import annotations

import dataclasses

import pytest

from papka.errors import EnvironmentProblem
from papka.vault.selftest import VECTORS, CryptoSelfTestFailed, KnownAnswer, run_self_test


def test_the_self_test_passes_on_this_machine() -> None:
    run_self_test()


def test_it_covers_every_primitive_the_vault_and_bundles_use() -> None:
    assert {v.name for v in VECTORS} >= {"AES-256-GCM", "ChaCha20-Poly1305", "ChaCha20",
                                         "HKDF-SHA256", "HMAC-SHA256", "Argon2id", "Ed25519"}


def _flip(hex_text: str, nibble: int) -> str:
    return hex_text[:nibble] + format(int(hex_text[nibble], 16) ^ 1, "x") + hex_text[nibble + 1:]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_a_wrong_expected_answer_fails_with_one_sentence(vector: KnownAnswer) -> None:
    for nibble in (0, len(vector.expected) - 1):
        broken = dataclasses.replace(vector, expected=_flip(vector.expected, nibble))
        with pytest.raises(CryptoSelfTestFailed) as caught:
            run_self_test((*VECTORS[:1], broken))
        assert isinstance(caught.value, EnvironmentProblem) and caught.value.exit_code == 3
        assert vector.name in str(caught.value) and str(caught.value).count(".") == 1


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_a_changed_input_fails(vector: KnownAnswer) -> None:
    name, value = next((k, v) for k, v in vector.inputs.items() if v and k != "length")
    broken = dataclasses.replace(vector, inputs={**vector.inputs, name: _flip(value, 1)})
    with pytest.raises(CryptoSelfTestFailed):
        run_self_test((broken,))


def test_a_primitive_that_raises_is_a_failure_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from papka.vault import _crypto

    def broken_hmac(key: bytes, data: bytes) -> bytes:
        raise RuntimeError("a broken library")

    monkeypatch.setattr(_crypto, "hmac_sha256", broken_hmac)
    with pytest.raises(CryptoSelfTestFailed, match="HMAC-SHA256"):
        run_self_test()
