"""`compartment add` from a session that sees only the decoy, with a hidden compartment present
(threat model A1/A6; docs/security.md G23). Over 1,000 containers (decoy below half the
container, hidden below a third), the new compartment's catalog and data never land on the
hidden compartment's. Its header slot is another matter: a session that cannot see the hidden
slot cannot avoid it, and the measured share of lost hidden compartments must match the 1 in 15
that the confirmation and docs/security.md state."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from papka.vault import Container
from papka.vault.errors import NoCompartmentOpens
from papka.vault.storage import MemoryStorage
from tests.prove.figures import report

SIZE = 16 * 1024 * 1024
DECOY, HIDDEN, NEW = "decoy words here", "hidden words there", "the new compartment"
TRIALS = 1000


def _trial(seed: int) -> str:
    """'intact', 'slot' (the hidden slot was taken) or 'data' (hidden data or catalog hit)."""
    rng = random.Random(seed)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes)
    hidden_docs: dict[str, bytes] = {}
    with Container.open_on(memory, [DECOY], random=rng.randbytes) as box:
        box.add_compartment(HIDDEN)
        decoy, hidden = box.compartments
        budget_decoy = rng.randrange(0, SIZE * 45 // 100)
        budget_hidden = rng.randrange(0, SIZE * 30 // 100)
        while budget_decoy > 0:
            size = min(budget_decoy, rng.choice([3000, 80_000, 700_000, 2_000_000]))
            decoy.documents.add(io.BytesIO(rng.randbytes(size)), title="cv")
            budget_decoy -= size
        while budget_hidden > 0:
            size = min(budget_hidden, rng.choice([3000, 80_000, 700_000, 2_000_000]))
            data = rng.randbytes(size)
            hidden_docs[hidden.documents.add(io.BytesIO(data), title="case").id] = data
            budget_hidden -= size
    with Container.open_on(memory, [DECOY], random=rng.randbytes) as decoy_only:
        decoy_only.add_compartment(NEW)
    try:
        with Container.open_on(memory, [HIDDEN], writable=False) as after:
            docs = after.newest.documents
            same = {d.id: docs.read_bytes(d.id) for d in docs.list()} == hidden_docs
            return "intact" if same and after.check().ok else "data"
    except NoCompartmentOpens:
        return "slot"
    except Exception:  # noqa: BLE001 - anything else is damage to the hidden compartment
        return "data"


@pytest.mark.slow
def test_compartment_add_from_the_decoy_never_touches_hidden_data(tmp_path: Path) -> None:
    outcomes = [_trial(seed) for seed in range(TRIALS)]
    data, slot = outcomes.count("data"), outcomes.count("slot")
    report(tmp_path, "compartment add with only the decoy open",
           {"trials": TRIALS, "hidden data or catalog damaged": data,
            "hidden slot taken": slot, "hidden slot taken, share": round(slot / TRIALS, 4)})
    assert data == 0
    # 1 in 15 over 1,000 trials: 66.7 expected; far outside 35..105 means the model is wrong.
    assert 35 <= slot <= 105, slot
