"""Redaction that keeps the text: pages per second and size, against burning and PyMuPDF.

The 100-page born-digital PDF of bench.redact (reportlab, DejaVu subsets, Russian text, three
secrets on each page) is planned once; then, in alternating rounds in the same run, papka
keeps its text (removal, lines set again, rebuilt) and verifies it (every channel plus the
width check), and burns it at 200 dpi and verifies that, for comparison. If a separate virtual
environment with PyMuPDF exists (AGPL: never a dependency of papka, only a yardstick), its
apply_redactions runs on the same file with the same boxes in the same rounds (timed inside its
process, so without its start-up); papka's verifier reads that output too. Both also redact two
one-line files whose names differ in width, to show whether the words after the box move with
the name.

    python -m bench.keep_text [--quick] [--pymupdf /tmp/mupdf-venv/bin/python] [--json]

Writes bench/results/keep-text.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bench.redact import DPI, SECRETS, apply_pymupdf, born_digital
from papka import media
from papka.formats import plan_redaction, redact_as_planned
from papka.formats.burn import burn
from papka.formats.plan import RedactionPlan
from papka.formats.text_redaction import keep_text
from papka.formats.verify import verify


def _pymupdf(python: str, data: bytes, plan: RedactionPlan) -> dict[str, Any] | None:
    ran = apply_pymupdf(python, data, [[b.page, b.x0, b.y0, b.x1, b.y1] for b in plan.boxes()])
    if ran is None or "error" in ran:
        return ran
    timing, output = ran, ran["output"]
    check = verify(output, media.PDF, plan.secrets, ocr=False)
    return {"seconds": timing["seconds"], "pages": timing["pages"], "size": len(output),
            "verify_ok": check.ok, "verify_failures": check.failures,
            "words": timing["words"]}


def _line(name: str) -> bytes:
    """One line with the name in the middle, in the bench's embedded font."""
    from reportlab.pdfbase import pdfmetrics

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    if "BenchSans" not in pdfmetrics.getRegisteredFontNames():
        born_digital(1)  # registers the font
    page.setFont("BenchSans", 11)
    page.drawString(60, 700, f"Выдана {name} о том, что она служила в части")
    page.showPage()
    page.save()
    return buffer.getvalue()


#: A word after the name, far enough from it that no box reaches it.
AFTER = "служила"


def _after_name(words: list[list[Any]]) -> float | None:
    """Where AFTER starts, from PyMuPDF's words."""
    for x0, text in words:
        if text == AFTER:
            return round(float(x0), 2)
    return None


def _kept_after_name(data: bytes) -> float | None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        textpage = document[0].get_textpage()
        # pdfium's text has one character per character index, generated spaces included.
        text = textpage.get_text_range()
        at = text.find(AFTER)
        if at < 0:
            return None
        return round(float(textpage.get_charbox(at, loose=True)[0]), 2)
    finally:
        document.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 pages and 1 round")
    parser.add_argument("--pymupdf", default=os.environ.get("PAPKA_BENCH_PYMUPDF",
                                                            "/tmp/mupdf-venv/bin/python"))
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    pages, rounds = (10, 1) if options.quick else (100, 3)
    data = born_digital(pages)
    plan = plan_redaction(data, media.PDF, preset=None, hide=SECRETS, ocr=False)
    kept_s: list[float] = []
    kept_verify_s: list[float] = []
    burned_s: list[float] = []
    kept_out = burned_out = b""
    burned_pages: dict[int, str] = {}
    other: dict[str, Any] | None = None
    pymupdf_s: list[float] = []
    for _ in range(rounds):
        # PyMuPDF in the same rounds, so that the machine's load weighs on both alike.
        other = _pymupdf(options.pymupdf, data, plan)
        if other is not None and "error" not in other:
            pymupdf_s.append(other["seconds"])
        start = time.perf_counter()
        kept = keep_text(data, plan, dpi=DPI)
        middle = time.perf_counter()
        outcome = verify(kept.data, media.PDF, plan.secrets, ocr=False, gaps=True)
        kept_s.append(middle - start)
        kept_verify_s.append(time.perf_counter() - middle)
        assert outcome.ok, outcome.failures
        kept_out, burned_pages = kept.data, kept.burned
        start = time.perf_counter()
        burned = burn(data, media.PDF, plan, dpi=DPI)
        assert verify(burned.data, media.PDF, plan.secrets, ocr=False).ok
        burned_s.append(time.perf_counter() - start)
        burned_out = burned.data
    kept_total = statistics.median(a + b for a, b in zip(kept_s, kept_verify_s, strict=True))
    widths: dict[str, Any] = {}
    for name in ("Ли Ян", "Константинопольская Александра Вячеславовна"):
        line = _line(name)
        line_plan = plan_redaction(line, media.PDF, preset=None, hide=[name], ocr=False)
        kept_line = redact_as_planned(line, media.PDF, line_plan, ocr=False, keep_text=True)
        found = _pymupdf(options.pymupdf, line, line_plan)
        widths[name] = {"papka_after_name_x": _kept_after_name(kept_line.data),
                        "pymupdf_after_name_x": _after_name(found["words"]) if found and
                        "words" in found else None}
    results: dict[str, Any] = {
        "pages": pages, "rounds": rounds, "boxes": len(plan.boxes()), "cores": os.cpu_count(),
        "input_bytes": len(data),
        "keep_text_s": round(statistics.median(kept_s), 3),
        "keep_text_verify_s": round(statistics.median(kept_verify_s), 3),
        "keep_text_pages_per_s": round(pages / statistics.median(kept_s), 1),
        "keep_text_with_verify_pages_per_s": round(pages / kept_total, 1),
        "keep_text_bytes": len(kept_out),
        "keep_text_size_ratio": round(len(kept_out) / len(data), 2),
        "keep_text_burned_pages": len(burned_pages),
        "burn_verify_s": round(statistics.median(burned_s), 3),
        "burn_verify_pages_per_s": round(pages / statistics.median(burned_s), 1),
        "burn_bytes": len(burned_out),
        "after_name_x": widths,
    }
    if other is not None and "error" not in other:
        results["pymupdf_s"] = round(statistics.median(pymupdf_s), 3)
        results["pymupdf_pages_per_s"] = round(pages / statistics.median(pymupdf_s), 1)
        results["pymupdf_bytes"] = other["size"]
        results["pymupdf_verify_failures"] = other["verify_failures"]
        results["keep_text_vs_pymupdf_speed"] = round(
            results["keep_text_pages_per_s"] / results["pymupdf_pages_per_s"], 2)
    elif other is not None:
        results["pymupdf_error"] = other["error"]
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    (folder / "keep-text.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if options.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"born-digital, {pages} pages, {results['boxes']} boxes, medians of {rounds} rounds")
    print(f"  keep text: {results['keep_text_s']} s ({results['keep_text_pages_per_s']} pages/s)"
          f", + verification with the width check {results['keep_text_verify_s']} s "
          f"({results['keep_text_with_verify_pages_per_s']} pages/s); "
          f"{len(data)} -> {len(kept_out)} bytes (x{results['keep_text_size_ratio']}); "
          f"pages burned instead: {len(burned_pages)}")
    print(f"  burn at {DPI} dpi + verify: {results['burn_verify_s']} s "
          f"({results['burn_verify_pages_per_s']} pages/s), {len(burned_out)} bytes")
    if "pymupdf_s" in results:
        print(f"  PyMuPDF apply_redactions: {results['pymupdf_s']} s "
              f"({results['pymupdf_pages_per_s']} pages/s), {results['pymupdf_bytes']} bytes; "
              f"papka's verifier on it: {results['pymupdf_verify_failures'] or 'clean'}")
    else:
        print("  PyMuPDF: " + results.get("pymupdf_error", "not installed in a separate venv"))
    for name, where in widths.items():
        print(f"  {len(name)}-letter name: the word after it starts at "
              f"{where['papka_after_name_x']} (papka), {where['pymupdf_after_name_x']} (PyMuPDF)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
