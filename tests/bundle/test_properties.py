"""Property tests: any selection of documents gives a bundle that verifies to the same manifest,
and the archive reader gives the same result however the bytes are split."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papka.formats.bundle import (
    BundleItem,
    Protection,
    SigningKey,
    verify_bundle,
    write_bundle,
)
from papka.formats.bundle.archive import StrictTarReader, tar_stream
from papka.formats.bundle.errors import (
    ManifestError,
)
from papka.formats.bundle.manifest import Manifest
from tests.bundle.conftest import clock, make_lawyer

LAWYER = make_lawyer()
SIGNER = SigningKey.generate()

words = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяABCxyz0123456789 -—«»№.,",
                min_size=0, max_size=40)
field_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@st.composite
def items(draw: st.DrawFn) -> BundleItem:
    data = draw(st.binary(min_size=0, max_size=3000))
    redaction = draw(st.none() | st.dictionaries(field_names, st.integers(0, 99), max_size=4))
    return BundleItem(
        kind=draw(st.sampled_from(["summons", "case-file", "military-id", "passport", "x"])),
        title=draw(words),
        media_type=draw(st.sampled_from(["application/pdf", "image/jpeg", "video/mp4"])),
        size=len(data),
        open=lambda: io.BytesIO(data),
        extension=draw(st.sampled_from(["pdf", "jpg", "mp4"])),
        metadata=draw(st.dictionaries(field_names, words, max_size=3)),
        redaction=redaction,
        provenance=draw(st.lists(st.dictionaries(field_names, words, max_size=3), max_size=3)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selection=st.lists(items(), min_size=1, max_size=6), plain=st.booleans(),
       armored=st.booleans())
def test_any_selection_gives_a_bundle_that_verifies(selection: list[BundleItem], plain: bool,
                                                    armored: bool) -> None:
    out = io.BytesIO()
    protection = (Protection.unencrypted() if plain
                  else Protection.to([LAWYER.recipient], armored=armored))
    summary = write_bundle(out, selection, signer=SIGNER, clock=clock, protection=protection)
    out.seek(0)
    verified = verify_bundle(out, identities=LAWYER.identities)
    assert verified.manifest == summary.manifest
    assert verified.encrypted is not plain
    for entry, source in zip(verified.files, selection, strict=True):
        data = source.open().read()
        assert entry.sha256 == hashlib.sha256(data).hexdigest()
        assert (entry.kind, entry.title, dict(entry.metadata)) == (
            source.kind, source.title, dict(source.metadata))
        assert entry.redaction == (None if source.redaction is None else dict(source.redaction))


class Recorder:
    def __init__(self) -> None:
        self.members: dict[str, bytes] = {}

    def begin(self, name: str, size: int) -> Recorder.Sink:
        return Recorder.Sink(self, name)

    class Sink:
        def __init__(self, owner: Recorder, name: str) -> None:
            self.owner, self.name, self.data = owner, name, bytearray()

        def write(self, data: bytes) -> None:
            self.data += data

        def close(self) -> None:
            self.owner.members[self.name] = bytes(self.data)


@settings(max_examples=60, deadline=None)
@given(contents=st.lists(st.binary(max_size=2000), min_size=1, max_size=5),
       cuts=st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=50))
def test_tar_reader_is_independent_of_chunking(contents: list[bytes], cuts: list[int]) -> None:
    names = [f"files/{n:02d}-x.pdf" for n in range(1, len(contents) + 1)]
    tar = b"".join(tar_stream([(n, len(d), [d]) for n, d in zip(names, contents, strict=True)],
                              0))
    # the standard library reads what papka writes
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        assert archive.getnames() == names
    recorder = Recorder()
    reader = StrictTarReader(recorder)
    at = 0
    for cut in cuts * (len(tar) // max(1, sum(cuts)) + 1):
        if at >= len(tar):
            break
        reader.feed(tar[at : at + cut])
        at += cut
    reader.feed(tar[at:])
    reader.finish()
    assert recorder.members == dict(zip(names, contents, strict=True))


def _manifest_bytes() -> bytes:
    out = io.BytesIO()
    data = b"x"
    summary = write_bundle(out, [BundleItem("summons", "Повестка", "application/pdf", 1,
                                            lambda: io.BytesIO(data), "pdf")],
                           signer=SIGNER, protection=Protection.unencrypted(), clock=clock)
    return summary.manifest.to_bytes()


@pytest.mark.parametrize("mutate", [
    lambda t: t.update(version=2),
    lambda t: t.update(format="other"),
    lambda t: t.update(extra="field"),
    lambda t: t["files"][0].update(size=True),
    lambda t: t["files"][0].update(size=-1),
    lambda t: t["files"][0].update(name="../x"),
    lambda t: t["files"][0].update(sha256="A" * 64),
    lambda t: t["files"][0].update(metadata={"Ключ": "v"}),
    lambda t: t.update(created="yesterday"),
    lambda t: t.update(files=[t["files"][0], t["files"][0]]),
])
def test_manifest_schema_is_strict(mutate: object) -> None:
    tree = json.loads(_manifest_bytes())
    mutate(tree)  # type: ignore[operator]
    data = json.dumps(tree, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    with pytest.raises(ManifestError):
        Manifest.from_bytes(data)


def test_manifest_refuses_floats_and_duplicate_keys() -> None:
    good = _manifest_bytes()
    assert Manifest.from_bytes(good).to_bytes() == good
    with pytest.raises(ManifestError):
        Manifest.from_bytes(good.replace(b'"size":1', b'"size":1.0'))
    with pytest.raises(ManifestError):
        Manifest.from_bytes(good.replace(b'"sender":""', b'"sender":"","sender":"x"'))
