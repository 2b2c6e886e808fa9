"""Every committed corpus input, replayed: the interesting inputs fuzzing found, kept as
regression cases (tests/prove/corpus, grown by tests/prove/grow_corpus.py). Each must end in
success or a PapkaError within the worker's time and memory caps. Inputs that still break that
rule are marked xfail(strict=True) with the reason, so fixing one makes its case pass loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.prove.fuzzing import Worker, acceptable, corpus_cases, load_case

pytestmark = pytest.mark.timeout(300)

_DOCX = ("a DOCX whose deflate stream is damaged lets zlib.error escape from "
         "papka.formats.docx.read_package (formats/docx.py:61, member.read) instead of "
         "DamagedDocxError")
_CATALOG = ("a catalog root that decrypts but is not the expected JSON object raises "
            "AttributeError/TypeError instead of ContainerDamaged (vault/container.py "
            "Compartment.__init__, vault/documents.py DocumentStore._reload)")
_SIZE = ("the container size recorded in an authenticated slot is not checked: opening builds "
         "SpaceMap(Geometry(recorded)) in vault/container.py Container._load, a MemoryError for "
         "an enormous size and ValueError('negative count') below 64 KiB")
KNOWN_BUGS = {
    "docx-bad-deflate-plan": _DOCX,
    "docx-bad-deflate-sanitize": _DOCX,
    "docx-bad-deflate-verify": _DOCX,
    "png-broken-stream-verify": "verify() on a damaged PNG lets PIL's OSError escape from "
                                "formats/verify.py:221 (_image_metadata, picture.text)",
    "pdf-name-key-typeerror-verify": "verify() walks a PDF dictionary with value.get(str) on a "
                                     "non-dictionary pikepdf object: TypeError "
                                     "(formats/verify.py:360, _walk)",
    "pdf-undecodable-string-verify": "verify() calls str() on a PDF string that is not UTF-8: "
                                     "UnicodeDecodeError (formats/verify.py:373, _walk)",
    "pdf-page-fails-to-load-plan": "plan_redaction on a PDF whose page pdfium cannot load lets "
                                   "PdfiumError escape (formats/burn.py:204, _plan_pdf, "
                                   "document[index]) instead of DamagedPdfError",
    "crafted-slot-enormous-size": _SIZE,
    "crafted-slot-zero-size": _SIZE,
    "crafted-catalog-list-root": _CATALOG,
    "crafted-catalog-pages-not-a-list": _CATALOG,
}


def _case(path: Path) -> object:
    reason = KNOWN_BUGS.get(path.stem)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(path, id=f"{path.parent.name}/{path.stem}", marks=marks)


@pytest.mark.parametrize("path", [_case(p) for p in corpus_cases()])
def test_corpus_input_ends_in_success_or_a_papka_error(worker: Worker, path: Path) -> None:
    target, arg = load_case(path)
    answer = worker.run(target, arg)
    assert acceptable(answer), answer


def test_every_known_bug_has_its_case_in_the_corpus() -> None:
    assert set(KNOWN_BUGS) <= {p.stem for p in corpus_cases()}
