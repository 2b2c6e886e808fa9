"""A fuzzing worker: feeds inputs to one of papka's parsers under a time and a memory cap.

Run as `python -m tests.prove.worker` (tests/prove/fuzzing.py starts it). It sets RLIMIT_AS so
a runaway allocation becomes a MemoryError, and an alarm per input so a hang becomes a failure.
Each request is length-prefixed JSON {"target", "arg"} (bytes as hex); each answer is one JSON line:
{"outcome": "ok" | "papka" | "timeout" | "memory" | "crash", "error": ClassName, "seconds": s}.
Only "ok" and "papka" (a PapkaError) are acceptable; a dead worker is a crash too.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import json
import random
import resource
import signal
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from papka.errors import PapkaError  # noqa: E402
from papka.vault import _crypto  # noqa: E402

_crypto.weaken_for_tests()

MiB = 1024 * 1024
MEMORY_CAP = 3 * 1024 * MiB         # address space: the interpreter, pdfium and qpdf fit in it
TIME_CAP_SECONDS = 20
CONTAINER_SIZE = 16 * MiB
PASSPHRASE = "fuzzing passphrase words"
HIDDEN = "fuzzing hidden words"
#: A key made for these tests only, fixed so that corpus bundles can be replayed.
TEST_IDENTITY = "AGE-SECRET-KEY-1WE5YDRKW9LA0X5HH0V0UU903P30EREX8W0ZRZJNL6HYE9QHWJ54S4VFF9S"
TEST_RECIPIENT = "age1dlgujuexnex30x7svntzpafnjxdstrz63e0z3z352rauel62uv9syrw03e"
FIXED_TIME = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
SAMPLES = Path(__file__).resolve().parents[2] / "cli" / "samples"


class InputTookTooLong(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise InputTookTooLong()


# -- the real things the mutations start from ------------------------------------------------
@functools.cache
def real_container() -> bytes:
    from papka.vault import Container
    from papka.vault.storage import MemoryStorage

    rng = random.Random(5)
    memory = MemoryStorage(bytearray(CONTAINER_SIZE))
    Container.create_on(memory, PASSPHRASE, random=rng.randbytes)
    box = Container.open_on(memory, [PASSPHRASE], random=rng.randbytes, clock=lambda: FIXED_TIME)
    box.newest.documents.add(io.BytesIO(b"decoy paper " * 100), title="decoy", tags=["a"])
    box.add_compartment(HIDDEN)
    box.newest.documents.add(io.BytesIO(rng.randbytes(50_000)), title="hidden")
    return bytes(memory.data)


def _patched(base: bytes, patches: list[tuple[int, bytes]], cut: int | None) -> bytearray:
    data = bytearray(base)
    for offset, chunk in patches:
        offset %= len(data)
        data[offset:offset + len(chunk)] = chunk
    if cut is not None:
        del data[cut % (len(data) + 1):]
    return data


def open_container(data: bytearray, passphrases: list[str]) -> None:
    from papka.vault import Container
    from papka.vault.storage import MemoryStorage

    with Container.open_on(MemoryStorage(data), passphrases) as box:
        for compartment in box.compartments:
            for document in compartment.documents.list():
                compartment.documents.read_bytes(document.id)
        box.check()


def target_container_bytes(arg: dict[str, Any]) -> None:
    """Arbitrary bytes (a seeded random image with patches, or short bytes as they are)."""
    if "raw" in arg:
        data = bytearray(arg["raw"])
    else:
        data = _patched(random.Random(arg["seed"]).randbytes(arg["size"]), arg["patches"], None)
    open_container(data, arg["passphrases"])


def target_container_mutated(arg: dict[str, Any]) -> None:
    open_container(_patched(real_container(), arg["patches"], arg.get("cut")),
                   arg["passphrases"])


def target_container_crafted_slot(arg: dict[str, Any]) -> None:
    """A slot that authenticates under the passphrase but holds arbitrary fields: the parser
    behind the authentication, as someone who knows the passphrase could craft it."""
    from papka.vault import _crypto, header

    data = bytearray(real_container())
    geometry = header.Geometry.for_size(len(data))
    params = _crypto.kdf_parameters()
    masters = [_crypto.argon2id(_crypto.passphrase_bytes(PASSPHRASE),
                                bytes(data[geometry.region_offset(r):][:header.SALT_SIZE]),
                                params) for r in (0, 1)]
    # Region A's record carries a key for region B: the right one, or crafted bytes.
    carried = bytearray(arg["carried"]) if arg.get("carried") is not None else masters[1]
    for region in arg["regions"]:
        record = header.SlotRecord(arg["generation"], arg["size"], arg["level"],
                                   bytearray(arg["key"]), arg["root"][:header.ROOT_MAX],
                                   carried if region == 0 else None)
        keys = header.SlotKeys.derive(masters[region], region, arg["slot"])
        sealed = header.seal_slot(record, keys, region, arg["slot"], random.Random(1).randbytes)
        at = geometry.slot_offset(region, arg["slot"])
        data[at:at + header.SLOT_SIZE] = sealed
    open_container(data, [PASSPHRASE])


def target_container_crafted_catalog(arg: dict[str, Any]) -> None:
    """A catalog root of arbitrary bytes, encrypted and pointed at by a valid slot."""
    from papka.vault import Container, header
    from papka.vault.storage import MemoryStorage

    memory = MemoryStorage(bytearray(real_container()))
    box = Container.open_on(memory, [PASSPHRASE], random=random.Random(2).randbytes)
    compartment = box.compartments[0]
    pointer = compartment.store.write_bytes(arg["root"], 0)
    raw = bytes([0]) + pointer.to_bytes()
    compartment._write_slots(header.pack_roots([raw, raw]))
    memory.flush()
    open_container(memory.data, [PASSPHRASE])


def target_container_crafted_packs(arg: dict[str, Any]) -> None:
    """A catalog (authenticated, as someone with the passphrase could craft it) whose records
    point into packs at crafted places and whose root lists crafted packs beside the real one:
    opening, reading, checking and removing each document end in success or a PapkaError."""
    from papka.vault import Container, header
    from papka.vault.records import record
    from papka.vault.storage import MemoryStorage

    memory = MemoryStorage(bytearray(real_container()))
    box = Container.open_on(memory, [PASSPHRASE], random=random.Random(2).randbytes)
    compartment = box.compartments[0]
    root = json.loads(compartment.root.dumps())
    real_pack = next(iter(root["packs"]))
    first = compartment.documents.list()[0]
    template = record(first, compartment.documents._content[first.id])
    records = []
    for number, (pack, offset, length) in enumerate(arg["members"]):
        crafted = {**template, "id": f"{number * 64:08x}"}
        crafted["content"] = {"p": real_pack if pack == "real" else pack, "o": offset,
                              "n": length}
        records.append(crafted)
    page = compartment.store.write_bytes(json.dumps(records).encode(), 0)
    root["pages"] = [[page.to_json(), page.to_json()]] + [None] * 63
    root.pop("search", None)
    root["packs"] = {**root["packs"], **arg["packs"]} if arg["keep_real"] else arg["packs"]
    root["format"] = 2
    pointer = compartment.store.write_bytes(json.dumps(root).encode(), 0)
    raw = bytes([0]) + pointer.to_bytes()
    compartment._write_slots(header.pack_roots([raw, raw]))
    memory.flush()
    with Container.open_on(memory, [PASSPHRASE]) as opened:
        documents = opened.compartments[0].documents
        for document in documents.list():
            with contextlib.suppress(PapkaError):
                documents.read_bytes(document.id)
        opened.check()
        for document in documents.list():
            with contextlib.suppress(PapkaError):
                documents.remove(document.id)
        documents.add(io.BytesIO(b"a new small paper"), title="new")


@functools.cache
def lawyer() -> tuple[list[Any], Any]:
    """The recipient's identities and public key (X25519: fast, unlike a passphrase's scrypt)."""
    from papka.formats.bundle import parse_identities, parse_recipient

    return parse_identities(TEST_IDENTITY), parse_recipient(TEST_RECIPIENT)


@functools.cache
def private_folder() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="fuzz-"))   # under the test's own TMPDIR


@functools.cache
def real_bundles() -> dict[str, bytes]:
    from papka.formats.bundle import BundleItem, Protection, SigningKey, write_bundle

    def item(data: bytes, kind: str, title: str, ext: str, media: str) -> BundleItem:
        return BundleItem(kind=kind, title=title, media_type=media, size=len(data),
                          open=lambda: io.BytesIO(data), extension=ext,
                          metadata={"date": "2025-03-14"}, redaction={"name": 1},
                          provenance=[{"action": "added", "document": "d1"}])

    items = [item(b"%PDF-1.7 case " * 50, "case-file", "Дело", "pdf", "application/pdf"),
             item(b"note text", "note", "Заметка", "txt", "text/plain")]
    signer = SigningKey.from_private_bytes(bytes(range(32)))
    out = {}
    for name, protection in {"plain": Protection.unencrypted(),
                             "x25519": Protection.to([lawyer()[1]])}.items():
        buffer = io.BytesIO()
        write_bundle(buffer, items, signer=signer, clock=lambda: FIXED_TIME,
                     protection=protection)
        out[name] = buffer.getvalue()
    return out


def mutated_bundle(arg: dict[str, Any]) -> bytes:
    data = bytes(_patched(real_bundles()[arg["kind"]], arg["patches"], arg.get("cut")))
    if arg.get("insert"):
        at, extra = arg["insert"]
        data = data[:at % (len(data) + 1)] + extra + data[at % (len(data) + 1):]
    return data


def target_bundle(arg: dict[str, Any]) -> None:
    target_bundle_file({"data": mutated_bundle(arg), "kind": arg["kind"]})


def target_bundle_file(arg: dict[str, Any]) -> None:
    from papka.formats.bundle import verify_bundle

    data = arg["data"]
    if arg["kind"] == "plain":
        # A plain bundle is read from a file: a private folder of the worker's own TMPDIR.
        path = private_folder() / "fuzz.bundle"
        path.write_bytes(data)
        try:
            verify_bundle(path)
        finally:
            path.unlink()
    else:
        verify_bundle(io.BytesIO(data), identities=lawyer()[0])


def target_bundle_open(arg: dict[str, Any]) -> None:
    """open_bundle (with and without force) into a new folder: whatever happens, nothing may be
    written anywhere else, and without force nothing at all unless the bundle verifies."""
    import shutil

    from papka.formats.bundle import open_bundle

    data = mutated_bundle(arg)
    folder = private_folder()
    source = folder / "fuzz.bundle"
    source.write_bytes(data)
    out = folder / "out"
    try:
        try:
            open_bundle(source, out, identities=lawyer()[0], force=arg["force"])
            verified = True
        except PapkaError:
            verified = False
            raise
        finally:
            strays = sorted(p.name for p in folder.iterdir()) != sorted(
                ["fuzz.bundle", *(["out"] if out.exists() else [])])
            written = out.exists() and any(out.rglob("*"))
            if strays:
                raise AssertionError("open_bundle wrote outside its folder")
            if written and not arg["force"] and not verified:
                raise AssertionError("open_bundle left files from a bundle that failed")
    finally:
        shutil.rmtree(out, ignore_errors=True)
        source.unlink()


@functools.cache
def real_files() -> dict[str, tuple[bytes, str]]:
    from PIL import Image

    from papka import media

    def picture(kind: str) -> bytes:
        image = Image.new("RGB", (60, 40), "white")
        out = io.BytesIO()
        image.save(out, kind, exif=Image.Exif()) if kind == "JPEG" else image.save(out, kind)
        return out.getvalue()

    def docx() -> bytes:
        import docx as python_docx

        document = python_docx.Document()
        document.add_paragraph("Иванов Иван Иванович, паспорт 4510 123456")
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    return {
        "pdf": ((SAMPLES / "summons.pdf").read_bytes(), media.PDF),
        "jpeg": (picture("JPEG"), media.JPEG),
        "png": (picture("PNG"), media.PNG),
        "docx": (docx(), media.DOCX),
        "email": ((SAMPLES / "embassy-email.eml").read_bytes(), media.EML),
    }


def mutated_file(arg: dict[str, Any]) -> bytes:
    return bytes(_patched(real_files()[arg["kind"]][0], arg["patches"], arg.get("cut")))


def target_formats(arg: dict[str, Any]) -> None:
    target_formats_file({"data": mutated_file(arg), "kind": arg["kind"], "step": arg["step"]})


def target_formats_file(arg: dict[str, Any]) -> None:
    from papka import media
    from papka.formats import plan_redaction
    from papka.formats.redaction import supported
    from papka.formats.sanitize import sanitize
    from papka.formats.verify import verify
    from papka.media import sniff_media_type

    data, step = arg["data"], arg["step"]
    media_type = {"pdf": media.PDF, "jpeg": media.JPEG, "png": media.PNG, "docx": media.DOCX,
                  "email": media.EML}[arg["kind"]]
    sniff_media_type(data[:8192])
    if step == "sanitize":
        sanitize(data, media_type)
    elif step == "plan" and supported(media_type):
        plan_redaction(data, media_type, preset=None, hide=["Иванов"], ocr=False)
    elif step == "verify":
        verify(data, media_type, ["Иванов"], ocr=False)


def target_sniff(arg: dict[str, Any]) -> None:
    from papka.media import sniff_media_type

    sniff_media_type(arg["raw"])


def encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$hex": bytes(value).hex()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$hex"}:
            return bytes.fromhex(value["$hex"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


TARGETS: dict[str, Callable[[dict[str, Any]], None]] = {
    name[len("target_"):]: value for name, value in list(globals().items())
    if name.startswith("target_")}


def run_one(target: str, arg: dict[str, Any]) -> dict[str, object]:
    start = time.perf_counter()
    signal.alarm(TIME_CAP_SECONDS)
    try:
        TARGETS[target](arg)
        outcome, error = "ok", ""
    except PapkaError as caught:
        outcome, error = "papka", type(caught).__name__
    except InputTookTooLong:
        outcome, error = "timeout", ""
    except MemoryError:
        outcome, error = "memory", ""
    except Exception as caught:     # the very thing the fuzzer looks for
        outcome, error = "crash", f"{type(caught).__name__}: {caught}"[:300]
    finally:
        signal.alarm(0)
    return {"outcome": outcome, "error": error, "seconds": time.perf_counter() - start}


def materialise(target: str, arg: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The bytes a mutation produced, to keep in the corpus independent of the base files."""
    if target == "formats":
        return "formats_file", {"data": mutated_file(arg), "kind": arg["kind"],
                                "step": arg["step"]}
    if target == "bundle":
        return "bundle_file", {"data": mutated_bundle(arg), "kind": arg["kind"]}
    return target, arg


def main() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    signal.signal(signal.SIGALRM, _alarm)
    source, sink = sys.stdin.buffer, sys.stdout
    while True:
        head = source.read(4)
        if len(head) < 4:
            if private_folder.cache_info().currsize:
                import shutil

                shutil.rmtree(private_folder(), ignore_errors=True)
            return
        request = json.loads(source.read(struct.unpack(">I", head)[0]))
        target, arg = request["target"], decode(request["arg"])
        sink.write(json.dumps(run_one(target, arg)) + "\n")
        sink.flush()


if __name__ == "__main__":
    main()
