"""Size of burned copies: output size / input size, before and after, in the same run.

Burning turns every page into pixels at 200 dpi. Before, each page was stored as the smaller of
JPEG (quality 88) and lossless Flate of 8-bit samples, and a picture stayed a JPEG at quality
92; then a black-and-white page became CCITT Group 4 and a photograph JPEG at quality 85; now a
page that mixes text with a photograph, a stamp or shading may also be a mixed page (text in
Group 4 over a half-resolution JPEG background, papka.formats.mixed_page), whichever of these
is smallest (papka.formats.burn.encode_page). The encoder used before, and the current one with
the mixed split turned off ("no split"), run on the same generated documents with the same
boxes:

- scans: one-page PDFs of A4 JPEG pages at 200 dpi (grey paper, noise, dark text);
- phone photos: 1200 x 900 JPEG pictures of papers (shaded, every third one sideways), burned
  as pictures, and the same photos as one-page PDFs at 200 dpi, as phone scanning apps make;
- born-digital: one-page PDFs typeset with reportlab (Russian text, a text layer);
- mixed: the scan pages with a colour photograph pasted in (Tesseract reads them with each
  encoder, to show what the split and the lower quality cost in words);
- whole documents: a multi-page scan and a multi-page born-digital PDF (its fonts are shared
  by all pages, so a page costs far less than in a one-page file).

Every output is verified (without OCR: the boxes here are manual, and the OCR channel is
timed in bench/redact.py). The headline figure is the median output/input ratio over every
scan, phone photo (both forms) and mixed page with the current encoder, against the goal of at
most 2 at 200 dpi. It also times the OCR text layer (burn(..., ocr_layer=True),
Tesseract rus+eng on the burned pixels) against the same burn without it, in alternating
rounds.

    python -m bench.burn_size [--quick] [--json]

Writes bench/results/burn-size.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image, ImageChops

from bench.redact import SECRETS, born_digital, phone_photos, scanned_document
from papka import media
from papka.formats import burn as burning
from papka.formats import mixed_page, pdf, plan_redaction
from papka.formats.plan import RedactionPlan
from papka.formats.verify import verify

DPI = 200


def previous_encoder(picture: Image.Image) -> burning.EncodedPage:
    """How burned pages were stored before: grey when colourless, then the smaller of JPEG
    (quality 88) and Flate."""
    if picture.mode == "RGB":
        red, green, blue = picture.split()
        if (ImageChops.difference(red, green).getbbox() is None
                and ImageChops.difference(green, blue).getbbox() is None):
            picture = red
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=88)
    flate = zlib.compress(picture.tobytes(), 6)
    if len(flate) < len(buffer.getvalue()):
        return burning.EncodedPage(flate, "flate", picture.mode == "L")
    return burning.EncodedPage(buffer.getvalue(), "jpeg", picture.mode == "L")


@contextmanager
def encoder_before() -> Iterator[None]:
    saved = burning.encode_page, burning.JPEG_QUALITY
    burning.encode_page, burning.JPEG_QUALITY = previous_encoder, 92
    try:
        yield
    finally:
        burning.encode_page, burning.JPEG_QUALITY = saved


@contextmanager
def without_split() -> Iterator[None]:
    """The current encoder with mixed pages turned off (Group 4, JPEG or Flate only)."""
    saved = mixed_page.split_page
    mixed_page.split_page = lambda picture: None  # type: ignore[assignment]
    try:
        yield
    finally:
        mixed_page.split_page = saved


def split_pages(data: bytes) -> list[bytes]:
    """Each page of a PDF as a PDF of its own."""
    documents = []
    with pikepdf.open(io.BytesIO(data)) as source:
        for page in source.pages:
            single = pikepdf.Pdf.new()
            single.pages.append(page)
            buffer = io.BytesIO()
            single.save(buffer)
            documents.append(buffer.getvalue())
    return documents


def picture_pdf(jpeg: bytes) -> bytes:
    """A JPEG shown as one PDF page at 200 dpi, as a phone scanning app makes it."""
    with Image.open(io.BytesIO(jpeg)) as picture:
        width, height = picture.size
    return pdf.build_pdf([pdf.PageImage(jpeg, width, height, width * 72 / DPI,
                                        height * 72 / DPI)])


def mixed_pages(scans: list[bytes]) -> list[bytes]:
    """Scan pages with a colour photograph (gradients and grain, 6 x 4.5 cm) pasted in."""
    pages = []
    for number, scan in enumerate(scans):
        page = next(pdf.render_page(p, DPI) for p in pdf.each_page(scan))
        size = (480, 360)
        photo = Image.merge("RGB", (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            ImageChops.add(Image.effect_noise(size, 30 + number), Image.new("L", size, 90)),
        ))
        page.paste(photo, (1000, 1700))
        buffer = io.BytesIO()
        page.save(buffer, format="JPEG", quality=75)
        pages.append(picture_pdf(buffer.getvalue()))
    return pages


def plan_for(data: bytes, media_type: str) -> RedactionPlan:
    """The secrets found in a text layer, and one manual box on every page (a line's worth)."""
    return plan_redaction(data, media_type, preset=None, hide=SECRETS, ocr=False,
                          boxes=[(0, 40, 40, 300, 70)])


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w{4,}", text.casefold().replace("ё", "е"))}


def words_read(data: bytes) -> int:
    """How many of the filler's words (4 letters or more) Tesseract reads on the copy."""
    from bench.redact import FILLER
    from papka.formats.verify.pages import pdf_ocr

    return len(_words(FILLER) & _words(" ".join(pdf_ocr(data))))


def sizes(kind: str, documents: list[bytes], media_type: str, *,
          read: bool = False) -> dict[str, Any]:
    """The encoders on the same documents and plans; with ``read``, Tesseract also reads
    each copy (how many words of the filler it finds with each encoder)."""
    ratios_before, ratios_no_split, ratios_after, encodings = [], [], [], []
    words_before = words_no_split = words_after = 0
    burn_before = burn_no_split = burn_after = 0.0
    verified = True
    for data in documents:
        plan = plan_for(data, media_type)
        with encoder_before():
            start = time.perf_counter()
            before = burning.burn(data, media_type, plan, dpi=DPI)
            burn_before += time.perf_counter() - start
        with without_split():
            start = time.perf_counter()
            no_split = burning.burn(data, media_type, plan, dpi=DPI)
            burn_no_split += time.perf_counter() - start
        start = time.perf_counter()
        after = burning.burn(data, media_type, plan, dpi=DPI)
        burn_after += time.perf_counter() - start
        verified &= verify(after.data, after.media_type, plan.secrets, ocr=False).ok
        if read:
            words_before += words_read(before.data)
            words_no_split += words_read(no_split.data)
            words_after += words_read(after.data)
        ratios_before.append(len(before.data) / len(data))
        ratios_no_split.append(len(no_split.data) / len(data))
        ratios_after.append(len(after.data) / len(data))
        encodings += stored_as(after.data, after.media_type)
    return {
        "kind": kind,
        "documents": len(documents),
        "input_kb_median": round(statistics.median(len(d) for d in documents) / 1e3, 1),
        "ratio_before_median": round(statistics.median(ratios_before), 2),
        "ratio_no_split_median": round(statistics.median(ratios_no_split), 2),
        "ratio_after_median": round(statistics.median(ratios_after), 2),
        "ratio_after_max": round(max(ratios_after), 2),
        "stored_as": {name: encodings.count(name) for name in sorted(set(encodings))},
        "burn_s_before": round(burn_before, 2),
        "burn_s_no_split": round(burn_no_split, 2),
        "burn_s_after": round(burn_after, 2),
        "verified": verified,
        "_ratios_after": ratios_after,
        **({"filler_words_read_before": words_before,
            "filler_words_read_no_split": words_no_split,
            "filler_words_read_after": words_after} if read else {}),
    }


def stored_as(data: bytes, media_type: str) -> list[str]:
    """How each page is stored: its picture's filter, or "mixed" for a page with masks."""
    if media_type != media.PDF:
        return [media_type]
    found = []
    with pikepdf.open(io.BytesIO(data)) as document:
        for page in document.pages:
            pictures = [image for image in page.Resources.XObject.values()
                        if image.get("/Subtype") == pikepdf.Name.Image]
            if any(bool(image.get("/ImageMask", False)) for image in pictures):
                found.append("mixed")
            else:
                found += [str(image.Filter)[1:] for image in pictures]
    return found


def ocr_layer_cost(documents: list[bytes], rounds: int) -> dict[str, Any]:
    """Seconds per page that the OCR text layer adds to burning, alternating rounds."""
    plans = [plan_for(data, media.PDF) for data in documents]

    def burn_all(layer: bool) -> Callable[[], None]:
        def run() -> None:
            for data, plan in zip(documents, plans, strict=True):
                burning.burn(data, media.PDF, plan, dpi=DPI, ocr_layer=layer)
        return run

    without, with_layer = [], []
    for _ in range(rounds):
        for layer, times in ((False, without), (True, with_layer)):
            start = time.perf_counter()
            burn_all(layer)()
            times.append(time.perf_counter() - start)
    pages = len(documents)
    plain, layered = statistics.median(without) / pages, statistics.median(with_layer) / pages
    return {"pages": pages, "rounds": rounds, "burn_s_per_page": round(plain, 2),
            "burn_with_ocr_layer_s_per_page": round(layered, 2),
            "ocr_layer_s_per_page": round(layered - plain, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 documents of each kind")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    count = 3 if options.quick else 10
    scans = split_pages(scanned_document(count))
    photos = phone_photos(count)
    digital = split_pages(born_digital(count))
    rows = [
        sizes("scan (PDF, JPEG pages)", scans, media.PDF),
        sizes("phone photo (JPEG picture)", photos, media.JPEG),
        sizes("phone photo (PDF page)", [picture_pdf(p) for p in photos], media.PDF, read=True),
        sizes("born-digital (PDF, text)", digital, media.PDF),
        sizes("mixed (scan with a photo)", mixed_pages(scans), media.PDF, read=True),
        sizes(f"scan, one {count}-page PDF", [scanned_document(count)], media.PDF),
        sizes(f"born-digital, one {count}-page PDF", [born_digital(count)], media.PDF),
    ]
    # The headline: every scan, phone photo and mixed page, one document each.
    pictures = [ratio for row in rows[:3] + rows[4:5] for ratio in row["_ratios_after"]]
    overall = {"documents": len(pictures),
               "ratio_median": round(statistics.median(pictures), 2),
               "ratio_max": round(max(pictures), 2),
               "within_2x": sum(1 for ratio in pictures if ratio <= 2.0)}
    for row in rows:
        del row["_ratios_after"]
    cost = {
        "scan": ocr_layer_cost(scans[:3], 2 if options.quick else 3),
        "born-digital": ocr_layer_cost(digital[:3], 2 if options.quick else 3),
    }
    results = {"dpi": DPI, "cores": os.cpu_count(), "load": os.getloadavg()[0],
               "quick": options.quick, "scans_and_photos": overall, "sizes": rows,
               "ocr_layer": cost}
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    (folder / "burn-size.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if options.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"scans, phone photos and mixed pages burned at {DPI} dpi: median output/input "
          f"x{overall['ratio_median']} over {overall['documents']} documents (largest "
          f"x{overall['ratio_max']}; {overall['within_2x']} of {overall['documents']} within x2)")
    print(f"burned copy size / original size at {DPI} dpi, medians (before -> no split -> now)")
    for row in rows:
        print(f"  {row['kind']}: {row['documents']} documents of {row['input_kb_median']} kB: "
              f"x{row['ratio_before_median']} -> x{row['ratio_no_split_median']} -> "
              f"x{row['ratio_after_median']} (largest x{row['ratio_after_max']}), stored as "
              f"{row['stored_as']}, burn {row['burn_s_before']} s -> {row['burn_s_no_split']} s "
              f"-> {row['burn_s_after']} s, verified: {row['verified']}")
        if "filler_words_read_after" in row:
            print(f"    words of the text Tesseract reads on the copies: "
                  f"{row['filler_words_read_before']} before, "
                  f"{row['filler_words_read_no_split']} with no split, "
                  f"{row['filler_words_read_after']} now")
    for kind, figures in cost.items():
        print(f"  OCR text layer, {kind}: +{figures['ocr_layer_s_per_page']} s per page "
              f"(burn {figures['burn_s_per_page']} s per page without it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
