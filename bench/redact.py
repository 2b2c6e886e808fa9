"""Redaction speed: burn + verify pages per second at 200 dpi, and OCR time on its own.

Two documents are made here: a 20-page scan (one JPEG per page, no text layer) and a 100-page
born-digital PDF (reportlab, DejaVu, Russian text with the same secrets on every page). For
each, papka plans, burns at 200 dpi and verifies; OCR (planning the scan, and the OCR
verification channel) is timed separately. If a separate virtual environment with PyMuPDF
exists (PyMuPDF is AGPL: it is never a dependency of papka, only a yardstick here), PyMuPDF's
apply_redactions runs on the same files with the same boxes, and papka's verifier checks its
output too.

It also makes 20 phone photos of papers (shaded, every third one sideways) and compares
burn + verify with page views against the plain reading verification did before, and planning
with views against one plain reading per page, in alternating rounds in the same run.

    python -m bench.redact [--quick] [--photos-only] [--pymupdf /tmp/mupdf-venv/bin/python]
                           [--json]

Writes bench/results/redact.json (or, with --photos-only, bench/results/redact-photos.json).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pikepdf
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from papka import media
from papka.formats import fonts, plan_redaction
from papka.formats.burn import burn
from papka.formats.verify import verify

NAME = "Иванова Мария Петровна"
PHONE = "+7 912 345-67-89"
UNIT = "в/ч 12345"
SECRETS = [NAME, PHONE, UNIT]
FILLER = (
    "Настоящая справка выдана в том, что он действительно проходил военную службу по "
    "контракту и уволен в запас приказом командира. Справка выдана для предъявления по месту "
    "требования."
)
DPI = 200
T = TypeVar("T")


def _timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def scanned_document(pages: int) -> bytes:
    """A scan: A4 pages at 200 dpi, grey paper with a little noise, JPEG, no text layer."""
    font = ImageFont.truetype(str(fonts.REGULAR), 30)
    rng = random.Random(5)
    document = pikepdf.Pdf.new()
    for number in range(pages):
        sheet = Image.effect_noise((1654, 2339), 12).point(lambda v: 235 + v // 16)
        sheet = sheet.convert("RGB")
        draw = ImageDraw.Draw(sheet)
        y = 160
        lines = [f"Справка № {number + 1}", f"Мать: {NAME}", f"Телефон: {PHONE}",
                 f"Войсковая часть: {UNIT}"]
        lines += [FILLER[i : i + 70] for i in range(0, len(FILLER), 70)] * 4
        rng.shuffle(lines[4:])
        for line in lines:
            draw.text((150, y), line, font=font, fill=(25, 25, 25))
            y += 60
        buffer = io.BytesIO()
        sheet.save(buffer, format="JPEG", quality=75)
        page = document.add_blank_page(page_size=(595.28, 841.89))
        image = pikepdf.Stream(document, buffer.getvalue())
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = sheet.size
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        image.Filter = pikepdf.Name.DCTDecode
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
            Scan=document.make_indirect(image)))
        page.obj.Contents = document.make_stream(b"q 595.28 0 0 841.89 0 0 cm /Scan Do Q")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def born_digital(pages: int) -> bytes:
    pdfmetrics.registerFont(TTFont("BenchSans", str(fonts.REGULAR)))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for number in range(pages):
        page.setFont("BenchSans", 11)
        y = 780
        lines = [f"Лист {number + 1}. Мать: {NAME}, тел. {PHONE}, {UNIT}."]
        lines += [FILLER[i : i + 85] for i in range(0, len(FILLER), 85)] * 12
        for line in lines:
            page.drawString(60, y, line)
            y -= 17
        page.showPage()
    page.save()
    return buffer.getvalue()


def run_papka(label: str, data: bytes, *, ocr_plan: bool) -> dict[str, Any]:
    plan, plan_s = _timed(lambda: plan_redaction(data, media.PDF, preset=None, hide=SECRETS,
                                                 ocr=ocr_plan))
    redacted, burn_s = _timed(lambda: burn(data, media.PDF, plan, dpi=DPI))
    outcome, verify_s = _timed(lambda: verify(redacted.data, media.PDF, plan.secrets, ocr=False))
    ocr_outcome, verify_ocr_s = _timed(
        lambda: verify(redacted.data, media.PDF, plan.secrets, ocr=True))
    pages = len(plan.pages)
    return {
        "document": label,
        "pages": pages,
        "boxes": len(plan.boxes()),
        "plan_s": round(plan_s, 2),
        "plan_includes_ocr": ocr_plan,
        "burn_s": round(burn_s, 2),
        "verify_s": round(verify_s, 2),
        "burn_verify_pages_per_s": round(pages / (burn_s + verify_s), 2),
        "verify_ocr_channel_s": round(verify_ocr_s - verify_s, 2),
        "verified": outcome.ok and ocr_outcome.ok,
        "input_mb": round(len(data) / 1e6, 2),
        "output_mb": round(len(redacted.data) / 1e6, 2),
        "_boxes": [[b.page, b.x0, b.y0, b.x1, b.y1] for b in plan.boxes()],
        "_secrets": plan.secrets,
    }


PYMUPDF_SCRIPT = """
import json, sys, time
import pymupdf
source, boxes_path, target = sys.argv[1:4]
boxes = json.load(open(boxes_path))
start = time.perf_counter()
document = pymupdf.open(source)
for page_number, x0, y0, x1, y1 in boxes:
    document[page_number].add_redact_annot(pymupdf.Rect(x0, y0, x1, y1), fill=(0, 0, 0))
for page in document:
    page.apply_redactions()
document.save(target, garbage=4, deflate=True)
seconds = time.perf_counter() - start
# The first page's words, for bench.keep_text's look at where the words after a box stand.
words = [[w[0], w[4]] for w in pymupdf.open(target)[0].get_text("words")]
print(json.dumps({"seconds": seconds, "pages": len(document), "words": words}))
"""


def apply_pymupdf(python: str, data: bytes, boxes: list[list[float]]) -> dict[str, Any] | None:
    """PyMuPDF's apply_redactions on ``data`` with ``boxes`` (page, x0, y0, x1, y1), run by the
    separate environment's ``python``: what PYMUPDF_SCRIPT prints and the redacted bytes
    ("output"), {"error": [last line]} when it failed, None where it is not installed."""
    if not Path(python).exists():
        return None
    with tempfile.TemporaryDirectory(prefix="papka-bench-") as folder:
        source, listed, target = (Path(folder) / n for n in ("in.pdf", "boxes.json", "out.pdf"))
        source.write_bytes(data)
        listed.write_text(json.dumps(boxes))
        done = subprocess.run([python, "-c", PYMUPDF_SCRIPT, str(source), str(listed),
                               str(target)], capture_output=True, text=True, check=False,
                              timeout=3600)
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1:]}
        return {**json.loads(done.stdout), "output": target.read_bytes()}


def run_pymupdf(python: str, data: bytes, result: dict[str, Any]) -> dict[str, Any] | None:
    ran = apply_pymupdf(python, data, result["_boxes"])
    if ran is None or "error" in ran:
        return ran
    timing, output = ran, ran["output"]
    check = verify(output, media.PDF, result["_secrets"], ocr=False)
    return {
        "apply_redactions_s": round(timing["seconds"], 2),
        "pages_per_s": round(timing["pages"] / timing["seconds"], 2),
        "papka_verify_ok": check.ok,
        "papka_verify_failures": check.failures,
        "output_mb": round(len(output) / 1e6, 2),
    }


_PYMUPDF_CHANNELS_SCRIPT = """
import json, sys
import pymupdf
folder, secrets = sys.argv[1], json.loads(sys.argv[2])
names = json.loads(open(folder + "/names.json").read())
for name in names:
    document = pymupdf.open(folder + "/" + name + ".pdf")
    for page in document:
        for secret in secrets:
            for rect in page.search_for(secret):
                page.add_redact_annot(rect, fill=(0, 0, 0))
        page.apply_redactions()
    document.save(folder + "/" + name + ".out.pdf", garbage=4, deflate=True)
"""


def pymupdf_channels(python: str) -> dict[str, list[str]] | None:
    """PyMuPDF's usual recipe (search_for + apply_redactions) on the planted-secret PDFs of
    tests/formats/planted.py; papka's verifier then names the channels where a secret stayed."""
    if not Path(python).exists():
        return None
    from tests.formats import planted

    secrets = [planted.NAME, planted.NAME_LATIN]
    channels = planted.pdf_channels()
    leaks: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="papka-bench-") as folder:
        for name, data in channels.items():
            (Path(folder) / f"{name}.pdf").write_bytes(data)
        (Path(folder) / "names.json").write_text(json.dumps(sorted(channels)))
        done = subprocess.run([python, "-c", _PYMUPDF_CHANNELS_SCRIPT, folder,
                               json.dumps(secrets)], capture_output=True, text=True,
                              check=False, timeout=600)
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1:]}
        for name in sorted(channels):
            output = (Path(folder) / f"{name}.out.pdf").read_bytes()
            outcome = verify(output, media.PDF, secrets, ocr=False)
            if not outcome.ok:
                leaks[name] = outcome.failures
    return leaks


def phone_photos(count: int) -> list[bytes]:
    """Phone photos of papers: grey paper, light falling off to one side, a little noise and
    blur; every third one turned sideways, as photos often are. JPEG, 1200 x 900."""
    from PIL import ImageChops, ImageFilter

    font = ImageFont.truetype(str(fonts.REGULAR), 30)
    photos = []
    for number in range(count):
        sheet = Image.new("L", (1200, 900), 255)
        draw = ImageDraw.Draw(sheet)
        lines = [f"Справка № {number + 1}", f"Мать: {NAME}", f"Телефон: {PHONE}",
                 f"Войсковая часть: {UNIT}"] + [FILLER[i : i + 60]
                                               for i in range(0, len(FILLER), 60)]
        for row, line in enumerate(lines):
            draw.text((70, 60 + row * 70), line, font=font, fill=0)
        sheet = sheet.point(lambda v: 70 + v * 110 // 255)
        light = Image.linear_gradient("L").rotate(90).resize(sheet.size).point(
            lambda v: v * 60 // 255)
        sheet = ImageChops.add(sheet, light, scale=1.0, offset=-30)
        sheet = ImageChops.add(sheet, Image.effect_noise(sheet.size, 4), scale=1.0, offset=-128)
        sheet = sheet.filter(ImageFilter.GaussianBlur(0.7))
        if number % 3 == 2:
            sheet = sheet.rotate(90, expand=True)
        buffer = io.BytesIO()
        sheet.convert("RGB").save(buffer, format="JPEG", quality=85)
        photos.append(buffer.getvalue())
    return photos


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run_photo_views(count: int, rounds: int) -> dict[str, Any]:
    """Burn + verify of phone photos: papka's verification with its page views against the
    plain reading it did before (one Tesseract text run per page), alternating rounds."""
    from papka.formats import ocr, views
    from papka.formats.image import load

    photos = phone_photos(count)

    def plan_plain() -> None:
        # What planning a picture did before page views: one reading of the plain picture.
        for photo in photos:
            ocr.recognise(views.make_view(load(photo), name="plain").picture, dpi=300)

    plan_before: list[float] = []
    plan_after: list[float] = []
    plans: list[Any] = []
    for _ in range(max(1, rounds - 1)):
        plan_before.append(_timed(plan_plain)[1])
        plans, seconds = _timed(lambda: [plan_redaction(p, media.JPEG, preset=None,
                                                        hide=SECRETS) for p in photos])
        plan_after.append(seconds)
    plan_s = _median(plan_after)
    burned = [burn(p, media.JPEG, plan) for p, plan in zip(photos, plans, strict=True)]

    def plain() -> bool:
        # What verify(ocr=True) did for a picture before page views: one plain text reading.
        clean = True
        for one in burned:
            clean &= verify(one.data, one.media_type, SECRETS, ocr=False).ok
            text = ocr.read_text(load(one.data), dpi=300)
            clean &= not verify(text.encode(), media.TEXT, SECRETS, ocr=False).failures
        return clean

    def with_views() -> bool:
        return all(verify(b.data, b.media_type, SECRETS, ocr=True).ok for b in burned)

    burn_s = _timed(lambda: [burn(p, media.JPEG, plan)
                             for p, plan in zip(photos, plans, strict=True)])[1]
    before: list[float] = []
    after: list[float] = []
    outcome = {}
    for _ in range(rounds):
        outcome["plain"], seconds = _timed(plain)
        before.append(seconds)
        outcome["views"], seconds = _timed(with_views)
        after.append(seconds)
    # How many of the planted secrets each way of reading finds on the original photos.
    from papka.formats.verify import Needles

    needles = Needles(SECRETS)
    seen_plain = seen_views = 0
    for photo in photos:
        words = ocr.read_text(load(photo), dpi=300).split()
        seen_plain += len({found[0] for found in needles.locate(words)})
        leaks = verify(photo, media.JPEG, SECRETS, ocr=True).leaks
        seen_views += len({leak.secret for leak in leaks if leak.secret >= 0})
    reference = count / (burn_s + _median(before))
    ours = count / (burn_s + _median(after))
    return {
        "document": f"phone-photos-{count}",
        "pages": count,
        "rounds": rounds,
        "plan_s": round(plan_s, 2),
        "plan_plain_reading_s": round(_median(plan_before), 2),
        "plan_views_cost_ratio": round(plan_s / _median(plan_before), 2),
        "unreadable_pages": sum(len(p.unreadable_pages()) for p in plans),
        "pages_turned": sum(1 for p in plans for r in p.readings if r.turned),
        "burn_s": round(burn_s, 2),
        "verify_plain_s_median": round(_median(before), 2),
        "verify_views_s_median": round(_median(after), 2),
        "burn_verify_pages_per_s_plain": round(reference, 2),
        "burn_verify_pages_per_s_views": round(ours, 2),
        "views_cost_ratio": round(reference / ours, 2),
        "secrets_planted": count * len(SECRETS),
        "secrets_read_plain": seen_plain,
        "secrets_read_views": seen_views,
        "verified_plain": outcome["plain"],
        "verified_views": outcome["views"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 and 10 pages instead of 20/100")
    parser.add_argument("--pymupdf", default=os.environ.get("PAPKA_BENCH_PYMUPDF",
                                                            "/tmp/mupdf-venv/bin/python"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--photos-only", action="store_true",
                        help="only the phone-photo views benchmark")
    options = parser.parse_args(argv)
    photos = run_photo_views(5 if options.quick else 20, 2 if options.quick else 3)
    print(f"\n{photos['document']}: burn + verify {photos['burn_verify_pages_per_s_views']} "
          f"pages/s with page views, {photos['burn_verify_pages_per_s_plain']} pages/s with "
          f"the plain reading only (same run, medians of {photos['rounds']} alternating "
          f"rounds): views cost x{photos['views_cost_ratio']}; plan {photos['plan_s']} s "
          f"against {photos['plan_plain_reading_s']} s for one plain reading per page "
          f"(x{photos['plan_views_cost_ratio']}), "
          f"{photos['pages_turned']} pages turned upright, {photos['unreadable_pages']} "
          f"unreadable; secrets readable on the originals: {photos['secrets_read_views']} of "
          f"{photos['secrets_planted']} with page views, {photos['secrets_read_plain']} with "
          "the plain reading")
    results_dir = Path(__file__).resolve().parent / "results"
    if options.photos_only:
        results_dir.mkdir(exist_ok=True)
        (results_dir / "redact-photos.json").write_text(
            json.dumps(photos, ensure_ascii=False, indent=2))
        return 0
    scan_pages, digital_pages = (4, 10) if options.quick else (20, 100)
    rows = []
    for label, data, ocr_plan in (
        (f"scan-{scan_pages}p", scanned_document(scan_pages), True),
        (f"born-digital-{digital_pages}p", born_digital(digital_pages), False),
    ):
        result = run_papka(label, data, ocr_plan=ocr_plan)
        result["pymupdf"] = run_pymupdf(options.pymupdf, data, result)
        rows.append({k: v for k, v in result.items() if not k.startswith("_")})
    leaks = pymupdf_channels(options.pymupdf)
    results = {"dpi": DPI, "cores": os.cpu_count(), "quick": options.quick, "documents": rows,
               "phone_photos": photos,
               "pymupdf_planted_channel_leaks": leaks}
    results_dir.mkdir(exist_ok=True)
    (results_dir / "redact.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if options.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"papka burn + verify at {DPI} dpi (one process; OCR reported separately)")
    for row in rows:
        print(f"\n{row['document']}: {row['pages']} pages, {row['boxes']} boxes")
        print(f"  plan {row['plan_s']} s" + (" (OCR with Tesseract rus+eng)"
                                             if row["plan_includes_ocr"] else " (text layer)"))
        print(f"  burn {row['burn_s']} s, verify {row['verify_s']} s  ->  "
              f"{row['burn_verify_pages_per_s']} pages/s")
        print(f"  OCR verification channel {row['verify_ocr_channel_s']} s; "
              f"verified: {row['verified']}; {row['input_mb']} MB -> {row['output_mb']} MB")
        other = row["pymupdf"]
        if other is None:
            print("  PyMuPDF: not installed in a separate venv (see --pymupdf)")
        elif "error" in other:
            print(f"  PyMuPDF: failed: {other['error']}")
        else:
            print(f"  PyMuPDF apply_redactions (same boxes): {other['apply_redactions_s']} s "
                  f"-> {other['pages_per_s']} pages/s; papka's verifier on its output: "
                  f"{'clean' if other['papka_verify_ok'] else other['papka_verify_failures']}")
    if leaks is not None:
        print("\nPyMuPDF search_for + apply_redactions on the 20 planted-secret PDFs of "
              "tests/formats/planted.py;\nchannels where papka's verifier still finds the secret "
              f"({len(leaks)} of 20):")
        for name, failures in leaks.items():
            print(f"  {name}: {', '.join(failures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
