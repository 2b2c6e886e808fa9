"""The container: compartments, passphrases, placement, damage, locking (threat model A1, A6)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from papka.vault import Container
from papka.vault.errors import (
    ContainerLocked,
    DocumentDamaged,
    InvalidInput,
    NoCompartmentOpens,
    NotAContainer,
)
from papka.vault.header import REGION_SIZE, SECTOR
from tests.vault.helpers import DECOY, HIDDEN, MiB, add_bytes, new_container, sectors_of


def test_create_open_and_read_back(workdir: Path) -> None:
    path = new_container(workdir / "box")
    assert path.stat().st_size == 32 * MiB
    with Container.open(path, [DECOY]) as box:
        doc = add_bytes(box, b"%PDF-1.7 paper", title="Справка", kind="medical")
    with Container.open(path, [DECOY]) as box:
        (compartment,) = box.compartments
        assert compartment.documents.read_bytes(doc.id) == b"%PDF-1.7 paper"
        assert compartment.documents.get(doc.id).title == "Справка"


def test_wrong_passphrase_is_one_error_that_says_nothing_more(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with pytest.raises(NoCompartmentOpens) as caught:
        Container.open(path, ["not it"])
    assert str(caught.value) == "No compartment opens with this passphrase."
    # One wrong passphrase among right ones is refused too, with the same sentence.
    with pytest.raises(NoCompartmentOpens):
        Container.open(path, [DECOY, "not it"])


def test_hidden_compartment_opens_the_decoy_and_the_decoy_sees_nothing_of_it(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        decoy_doc = add_bytes(box, b"CV", title="CV")
        hidden = box.add_compartment(HIDDEN)
        assert hidden.level == 1 and box.newest is hidden
        secret = add_bytes(box, b"criminal case", title="Дело")
    with Container.open(path, [HIDDEN]) as box:
        assert [c.level for c in box.compartments] == [0, 1]
        assert box.compartments[0].documents.read_bytes(decoy_doc.id) == b"CV"
        assert box.newest.documents.read_bytes(secret.id) == b"criminal case"
    with Container.open(path, [DECOY]) as box:
        assert [c.level for c in box.compartments] == [0]
        assert [d.id for d in box.newest.documents.list()] == [decoy_doc.id]


def test_placement_decoy_from_the_start_hidden_from_the_end(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
        low = add_bytes(box, os.urandom(200_000), level=0)
        high = add_bytes(box, os.urandom(200_000), level=1)
        middle = box.size // SECTOR // 2
        assert all(start + count <= middle for start, count in sectors_of(box, 0, low.id))
        assert all(start >= middle for start, _ in sectors_of(box, 1, high.id))


def test_decoy_only_writes_leave_hidden_data_intact_until_they_grow_into_it(workdir: Path) -> None:
    path = new_container(workdir / "box")
    secret = os.urandom(3 * MiB)
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
        hidden_doc = add_bytes(box, secret)
    with Container.open(path, [DECOY]) as box:          # the decoy alone, as at a border
        for _ in range(20):
            add_bytes(box, os.urandom(100_000))
        for doc in box.newest.documents.list()[:10]:
            box.newest.documents.remove(doc.id)
    with Container.open(path, [HIDDEN]) as box:
        assert box.newest.documents.read_bytes(hidden_doc.id) == secret
        assert box.check().ok


def test_several_passphrases_open_several_compartments(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
    with Container.open(path, [DECOY, HIDDEN]) as box:
        assert [c.level for c in box.compartments] == [0, 1]


def test_a_passphrase_already_in_use_is_refused_for_a_new_compartment(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box, pytest.raises(InvalidInput):
        box.add_compartment(DECOY)


def test_change_passphrase_keeps_documents_and_the_link_from_newer_compartments(
        workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        doc = add_bytes(box, b"decoy paper", level=0)
        box.add_compartment(HIDDEN)
        box.change_passphrase(box.compartments[0], "новая фраза для ширмы")
    with pytest.raises(NoCompartmentOpens):
        Container.open(path, [DECOY])
    with Container.open(path, ["новая фраза для ширмы"]) as box:
        assert box.newest.documents.read_bytes(doc.id) == b"decoy paper"
    with Container.open(path, [HIDDEN]) as box:
        assert box.unreachable_older == 0
        assert box.compartments[0].documents.read_bytes(doc.id) == b"decoy paper"


def test_panic_makes_every_compartment_unopenable_for_good(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
    Container.panic(path)
    for passphrase in (DECOY, HIDDEN):
        with pytest.raises(NoCompartmentOpens):
            Container.open(path, [passphrase])


def test_a_second_session_is_refused_while_one_is_open(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]), pytest.raises(ContainerLocked):
        Container.open(path, [DECOY])
    with Container.open(path, [DECOY]):
        pass                                   # the lock went with the session
    assert sorted(os.listdir(workdir)) == ["box"]  # and it left no lock file behind


def test_file_times_are_put_back_after_every_session(workdir: Path) -> None:
    path = new_container(workdir / "box")
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
        add_bytes(box, b"written in the hidden compartment only")
    info = path.stat()
    assert (info.st_atime_ns, info.st_mtime_ns) == (1_600_000_000_000_000_000,) * 2


def test_create_refuses_existing_files_and_tiny_sizes(workdir: Path) -> None:
    existing = workdir / "exists"
    existing.write_bytes(b"keep me")
    with pytest.raises(NotAContainer):
        Container.create(existing, 32 * MiB, DECOY)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(InvalidInput):
        Container.create(workdir / "small", MiB, DECOY)
    assert not (workdir / "small").exists()
    with pytest.raises(InvalidInput):
        Container.create(workdir / "nopass", 32 * MiB, "")


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_destroyed_header_region_is_recovered_from_the_other(workdir: Path, where: str) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
        doc = add_bytes(box, b"survives")
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(0 if where == "first" else size - REGION_SIZE)
        f.write(bytes(REGION_SIZE))
    with Container.open(path, [HIDDEN]) as box:
        assert box.headers_repaired == 2
    # The repaired region now opens on its own: destroy the other one too.
    with open(path, "r+b") as f:
        f.seek(size - REGION_SIZE if where == "first" else 0)
        f.write(bytes(REGION_SIZE))
    with Container.open(path, [HIDDEN]) as box:
        assert box.newest.documents.read_bytes(doc.id) == b"survives"


@pytest.mark.parametrize("where", ["first", "last"])
def test_an_overwritten_first_or_last_mib_loses_only_what_it_hit(workdir: Path,
                                                                 where: str) -> None:
    path = new_container(workdir / "box", size=64 * MiB)
    with Container.open(path, [DECOY]) as box:
        add_bytes(box, b"decoy paper", level=0)              # sits in the first MiB
        add_bytes(box, os.urandom(2 * MiB), level=0)         # reaches beyond it
        box.add_compartment(HIDDEN)
        add_bytes(box, b"hidden paper")                      # sits in the last MiB
        add_bytes(box, os.urandom(3 * MiB))                  # reaches below it
        size = box.size
        lost = range(0, MiB // SECTOR) if where == "first" else \
            range((size - MiB) // SECTOR, size // SECTOR)
        expected = sorted((c.level, doc_id) for c in box.compartments
                          for doc_id, pointer in c.documents._pointers()
                          if any(s in lost or s + n - 1 in lost for s, n in pointer.extents))
        everything = {(c.level, d.id) for c in box.compartments for d in c.documents.list()}
    assert 0 < len(expected) < len(everything)
    with open(path, "r+b") as f:
        f.seek(0 if where == "first" else size - MiB)
        f.write(bytes(MiB))
    with Container.open(path, [HIDDEN]) as box:
        # Both catalogs survive through their second copies; only the documents whose bytes
        # were overwritten are lost, and they are named.
        assert box.unreachable_older == 0
        assert box.headers_repaired >= 1
        report = box.check()
        assert sorted(report.damaged) == expected
        for level, doc_id in everything - set(expected):
            box.compartments[level].documents.read_bytes(doc_id)
        for level, doc_id in expected:
            with pytest.raises(DocumentDamaged):
                box.compartments[level].documents.read_bytes(doc_id)
    with Container.open(path, [HIDDEN]) as box:      # the repair was written: both copies again
        assert box.headers_repaired == 0


def test_both_header_regions_destroyed_means_nothing_opens(workdir: Path) -> None:
    path = new_container(workdir / "box")
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.write(bytes(REGION_SIZE))
        f.seek(size - REGION_SIZE)
        f.write(bytes(REGION_SIZE))
    with pytest.raises(NoCompartmentOpens):
        Container.open(path, [DECOY])


def test_bit_flips_in_a_document_are_detected_and_confined(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        victim = add_bytes(box, os.urandom(300_000))
        bystander = add_bytes(box, b"untouched")
        start, count = sectors_of(box, 0, victim.id)[0]
    rng = random.Random(7)
    for _ in range(5):
        with open(path, "r+b") as f:
            offset = start * SECTOR + rng.randrange(300_000)
            f.seek(offset)
            byte = f.read(1)[0]
            f.seek(offset)
            f.write(bytes([byte ^ (1 << rng.randrange(8))]))
        with Container.open(path, [DECOY]) as box:
            documents = box.newest.documents
            with pytest.raises(DocumentDamaged) as caught:
                documents.read_bytes(victim.id)
            assert caught.value.doc_id == victim.id
            assert documents.read_bytes(bystander.id) == b"untouched"
            report = box.check()
            assert not report.ok and report.damaged == [(0, victim.id)]


def test_bit_flips_in_a_header_copy_fall_back_to_the_other_copy(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        doc = add_bytes(box, b"paper")
    with open(path, "r+b") as f:                 # flip one bit in every slot of region A
        for slot in range(16):
            offset = 4096 + slot * 2048 + 100
            f.seek(offset)
            byte = f.read(1)[0]
            f.seek(offset)
            f.write(bytes([byte ^ 1]))
    with Container.open(path, [DECOY]) as box:
        assert box.newest.documents.read_bytes(doc.id) == b"paper"
        assert box.headers_repaired == 1


def test_truncation_is_detected_and_the_container_opens_read_only(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        doc = add_bytes(box, b"early paper")
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size - 4 * MiB)
    before = path.read_bytes()
    with Container.open(path, [DECOY]) as box:     # region A still opens it
        assert box.read_only
        assert box.newest.documents.read_bytes(doc.id) == b"early paper"
        with pytest.raises(Exception, match="read-only; nothing was changed"):
            add_bytes(box, b"more")
    assert path.read_bytes() == before              # and it is true: not one sector written


def test_a_directory_or_missing_path_is_not_a_container(workdir: Path) -> None:
    with pytest.raises(NotAContainer):
        Container.open(workdir, [DECOY])
    with pytest.raises(NotAContainer):
        Container.open(workdir / "missing", [DECOY])


def test_a_read_only_session_never_writes_not_even_repairs(workdir: Path) -> None:
    path = new_container(workdir / "box")
    with Container.open(path, [DECOY]) as box:
        doc = add_bytes(box, b"paper")
    with open(path, "r+b") as f:                  # damage region A: a writable open would repair
        f.write(bytes(REGION_SIZE))
    before = path.read_bytes()
    path.chmod(0o400)
    with Container.open(path, [DECOY], writable=False) as box:
        assert box.read_only and box.headers_repaired == 0
        assert box.newest.documents.read_bytes(doc.id) == b"paper"
        with pytest.raises(Exception, match="read-only"):
            add_bytes(box, b"more")
    assert path.read_bytes() == before
