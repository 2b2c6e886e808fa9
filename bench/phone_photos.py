"""Phone photos of papers: papka's burn + verify against PyMuPDF burning the same boxes.

Twenty phone photos are generated as a phone takes them: an A4 letter (Russian text, a name,
a phone number, a blue stamp) lying on a table, photographed at an angle (perspective), lit
unevenly (a shadow falling off to one side, darker corners), slightly blurred and grainy,
saved by the "camera" as a 12-megapixel JPEG (4000 x 3000, quality 90, 4:2:0); every fourth
one is stored sideways. They are put one per page into a PDF (as a phone's scanning app does,
at 360 pixels per inch, so a page is about A4 landscape), and each page gets one box over the
name's line, worked out through the same perspective.

papka's side is the whole path the CLI takes by default: ``redact_as_planned(..., ocr=True)``,
which burns at 200 dpi, runs the independent verifier with its OCR channel (Tesseract rus+eng
on the rendered copy), lays the words it read over the verified pages as a searchable text
layer and checks the result again (every channel but OCR, and that its pages are the verified
ones: docs/redaction.md, "One reading per page"); a copy that fails is refused, so every
timed copy is verified. PyMuPDF's side (AGPL: a separate virtual environment, never a
dependency of papka) is ``add_redact_annot`` + ``apply_redactions(images=PDF_REDACT_IMAGE_PIXELS)``
(the image pixels under the box are blanked, the rest of each photo kept) + ``save``, with no
verification and no OCR. The two alternate, papka first in even rounds and second in odd ones;
figures are medians with the fastest and slowest round.

It also times papka's steps once each (burning, verification with and without OCR, the text
layer and the final checks, and what Tesseract's own text layer, a second reading, would add)
and splits one run's processor time between papka's own process and Tesseract's, to say
where the time goes.

    python -m bench.phone_photos [--pages 20] [--rounds 3] [--pymupdf PYTHON] [--json]

Writes bench/results/phone-photos.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pikepdf
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from bench.redact import FILLER, NAME, PHONE, UNIT, apply_pymupdf
from papka import media
from papka.formats import fonts, limits, plan_redaction, redact_as_planned
from papka.formats.burn import burn
from papka.formats.plan import RedactionPlan
from papka.formats.text_layer import add_text_layer
from papka.formats.verify import verify

DPI = 200
#: The camera's frame and how densely the scanning app places it on the page.
CAMERA = (4000, 3000)
PAGE_PPI = 360
#: The letter before it is photographed (A4 at about 200 pixels per inch).
SHEET = (1700, 2400)
NAME_LINE_TOP = 520
SECRETS = [NAME]

Point = tuple[float, float]


def _solve(matrix: list[list[float]], values: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 unknowns)."""
    size = len(values)
    rows = [row[:] + [value] for row, value in zip(matrix, values, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for other in range(size):
            if other != column:
                factor = rows[other][column] / rows[column][column]
                rows[other] = [a - factor * b for a, b in zip(rows[other], rows[column],
                                                              strict=True)]
    return [rows[i][size] / rows[i][i] for i in range(size)]


def perspective(source: Sequence[Point], target: Sequence[Point]) -> list[float]:
    """The 8 coefficients that map each target point to its source point (what Pillow's
    Image.transform(PERSPECTIVE) takes: for every output pixel, where to read)."""
    matrix, values = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        values.append(u)
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values.append(v)
    return _solve(matrix, values)


def _apply(coefficients: Sequence[float], point: Point) -> Point:
    a, b, c, d, e, f, g, h = coefficients
    x, y = point
    scale = g * x + h * y + 1
    return (a * x + b * y + c) / scale, (d * x + e * y + f) / scale


def letter(number: int) -> Image.Image:
    """The paper: slightly warm white with fibre grain, text, a blue stamp."""
    rng = random.Random(number)
    grain = Image.frombytes("L", SHEET, rng.randbytes(SHEET[0] * SHEET[1])).point(
        lambda v: v // 24)
    paper = Image.merge("RGB", [ImageChops.subtract(Image.new("L", SHEET, tone), grain)
                                for tone in (246, 243, 236)])
    draw = ImageDraw.Draw(paper)
    title = ImageFont.truetype(str(fonts.REGULAR), 56)
    body = ImageFont.truetype(str(fonts.REGULAR), 40)
    draw.text((150, 200), f"СПРАВКА № {number + 1}", font=title, fill=(30, 30, 35))
    draw.text((150, 360), "Дана в том, что он проходил военную службу", font=body,
              fill=(30, 30, 35))
    draw.text((150, NAME_LINE_TOP), f"Мать: {NAME}", font=body, fill=(30, 30, 35))
    draw.text((150, 680), f"Телефон: {PHONE}", font=body, fill=(30, 30, 35))
    draw.text((150, 840), f"Войсковая часть: {UNIT}", font=body, fill=(30, 30, 35))
    for row, start in enumerate(range(0, len(FILLER), 52)):
        draw.text((150, 1000 + row * 80), FILLER[start:start + 52], font=body, fill=(30, 30, 35))
    draw.ellipse((1050, 1800, 1450, 2200), outline=(50, 70, 170), width=12)
    draw.text((1130, 1975), "ПЕЧАТЬ", font=body, fill=(50, 70, 170))
    return paper


def _name_box_on_sheet() -> list[Point]:
    """The name's line on the flat sheet, padded as a keeper's box would be."""
    left, top, right, bottom = 120, NAME_LINE_TOP - 20, 1400, NAME_LINE_TOP + 70
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def _grain(rng: random.Random, sigma: float) -> Image.Image:
    """Gaussian sensor noise around 128 from the photo's own random source (PIL's
    effect_noise draws from the C library's rand(), whose state other code moves: the same
    photo then differed from one run of the tests to the next)."""
    normal = statistics.NormalDist(128, sigma)
    table = [max(0, min(255, round(normal.inv_cdf((v + 0.5) / 256)))) for v in range(256)]
    return Image.frombytes("L", CAMERA, rng.randbytes(CAMERA[0] * CAMERA[1])).point(table)


def phone_photo(number: int) -> tuple[bytes, tuple[float, float, float, float]]:
    """One photo as the camera saves it, and the box over the name in its pixels."""
    rng = random.Random(1000 + number)
    width, height = CAMERA
    # The sheet lies upright in a landscape frame, turned a little and seen at an angle.
    middle_x, middle_y = width / 2 + rng.uniform(-150, 150), height / 2 + rng.uniform(-80, 80)
    half_w, half_h = 1000 + rng.uniform(-60, 60), 1400 + rng.uniform(-60, 60)
    lean = rng.uniform(-120, 120)
    near = rng.uniform(60, 160)   # the edge nearer the camera looks wider
    corners = [(middle_x - half_w + lean - near, middle_y - half_h + 40),
               (middle_x + half_w + lean + near, middle_y - half_h - 40),
               (middle_x + half_w - lean, middle_y + half_h),
               (middle_x - half_w - lean, middle_y + half_h)]
    sheet_corners = [(0.0, 0.0), (SHEET[0], 0.0), (SHEET[0], SHEET[1]), (0.0, SHEET[1])]
    # The corners reach past the frame's top and bottom a little: crop to what the camera saw.
    frame_to_sheet = perspective(sheet_corners, corners)
    sheet_to_frame = perspective(corners, sheet_corners)
    table = Image.merge("RGB", [Image.new("L", CAMERA, tone) for tone in (96, 78, 60)])
    paper = letter(number).transform(CAMERA, Image.Transform.PERSPECTIVE, frame_to_sheet,
                                     Image.Resampling.BILINEAR)
    outline = Image.new("L", SHEET, 255).transform(CAMERA, Image.Transform.PERSPECTIVE,
                                                   frame_to_sheet, Image.Resampling.BILINEAR)
    photo = Image.composite(paper, table, outline)
    # Uneven light: a shadow falling off towards one side, and darker corners.
    side = Image.linear_gradient("L").rotate(90 if number % 2 else -90).resize(CAMERA).point(
        lambda v: 150 + v * 105 // 255)
    corners_dark = Image.radial_gradient("L").resize(CAMERA).point(
        lambda v: 255 - max(0, v - 150) * 70 // 105)
    light = ImageChops.multiply(side, corners_dark)
    photo = ImageChops.multiply(photo, Image.merge("RGB", (light, light, light)))
    # The lens and the sensor: a little blur, grain.
    photo = photo.filter(ImageFilter.GaussianBlur(1.2))
    noise = _grain(rng, 6)
    photo = ImageChops.add(photo, Image.merge("RGB", (noise, noise, noise)), offset=-128)
    box = [_apply(sheet_to_frame, point) for point in _name_box_on_sheet()]
    xs, ys = [x for x, _ in box], [y for _, y in box]
    rect = (min(xs), min(ys), max(xs), max(ys))
    if number % 4 == 3:
        # Stored sideways (the phone held on its side, no orientation tag).
        photo = photo.rotate(90, expand=True)
        rect = (rect[1], width - rect[2], rect[3], width - rect[0])
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=90, subsampling=2)
    return buffer.getvalue(), rect


def photo_document(count: int) -> tuple[bytes, list[list[float]]]:
    """The photos one per page in a PDF (as a scanning app makes it), and the boxes as
    (page, x0, y0, x1, y1) in points."""
    document = pikepdf.Pdf.new()
    boxes: list[list[float]] = []
    for number in range(count):
        jpeg, (x0, y0, x1, y1) = phone_photo(number)
        with Image.open(io.BytesIO(jpeg)) as picture:
            width, height = picture.size
        unit = 72.0 / PAGE_PPI
        page = document.add_blank_page(page_size=(width * unit, height * unit))
        image = pikepdf.Stream(document, jpeg)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height = width, height
        image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        image.Filter = pikepdf.Name.DCTDecode
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
            Photo=document.make_indirect(image)))
        page.obj.Contents = document.make_stream(
            f"q {width * unit:.4f} 0 0 {height * unit:.4f} 0 0 cm /Photo Do Q".encode())
        boxes.append([number, x0 * unit, y0 * unit, x1 * unit, y1 * unit])
    out = io.BytesIO()
    document.save(out)
    return out.getvalue(), boxes


def papka_plan(data: bytes, boxes: list[list[float]]) -> RedactionPlan:
    """The same boxes as PyMuPDF gets; the name is what verification looks for."""
    return plan_redaction(data, media.PDF, preset=None, hide=SECRETS, ocr=False,
                          boxes=[(int(p), x0, y0, x1, y1) for p, x0, y0, x1, y1 in boxes])


def _spread(values: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(values), 2), "min_s": round(min(values), 2),
            "max_s": round(max(values), 2)}


def compare(data: bytes, boxes: list[list[float]], pages: int, rounds: int,
            python: str) -> dict[str, Any]:
    plan = papka_plan(data, boxes)
    ours: list[float] = []
    theirs: list[float] = []
    sizes: dict[str, int] = {}
    leaks: list[str] = []

    def papka_round() -> None:
        start = time.perf_counter()
        result = redact_as_planned(data, media.PDF, plan, ocr=True, dpi=DPI)
        ours.append(time.perf_counter() - start)
        sizes["papka"] = len(result.data)

    def pymupdf_round() -> bool:
        ran = apply_pymupdf(python, data, boxes)
        if ran is None or "error" in ran:
            return False
        theirs.append(float(ran["seconds"]))
        sizes["pymupdf"] = len(ran["output"])
        if not leaks:
            try:
                outcome = verify(ran["output"], media.PDF, SECRETS, ocr=True)
                leaks.extend(outcome.failures or ["none"])
            except limits.TooLargeError:
                # PyMuPDF stores each changed photo as Flate of its raw pixels.
                leaks.append(f"not checked: {len(ran['output']) / 2**20:.0f} MiB is more "
                             f"than papka reads ({limits.MAX_INPUT_BYTES // 2**20} MiB)")
        return True

    available = True
    for number in range(rounds):
        steps: list[Callable[[], object]] = [papka_round, pymupdf_round]
        if number % 2:
            steps.reverse()
        for step in steps:
            if step() is False:
                available = False
    figures: dict[str, Any] = {"pages": pages, "rounds": rounds, "input_mb": round(
        len(data) / 1e6, 1), "papka": _spread(ours), "papka_output_mb": round(
        sizes["papka"] / 1e6, 2)}
    figures["papka"]["pages_per_s"] = round(pages / statistics.median(ours), 3)
    if available and theirs:
        figures["pymupdf"] = _spread(theirs)
        figures["pymupdf"]["pages_per_s"] = round(pages / statistics.median(theirs), 3)
        figures["pymupdf_output_mb"] = round(sizes["pymupdf"] / 1e6, 2)
        figures["pymupdf_checked_by_papka_verify"] = leaks
        ratios = [t / o for o, t in zip(ours, theirs, strict=False)]
        # papka's pages/s over PyMuPDF's: above 1, papka is faster.
        figures["speed_ratio"] = round(statistics.median(theirs) / statistics.median(ours), 3)
        figures["speed_ratio_min"] = round(min(ratios), 3)
        figures["speed_ratio_max"] = round(max(ratios), 3)
    return figures


def steps(data: bytes, boxes: list[list[float]]) -> dict[str, float]:
    """papka's steps, once each: where the time of redact_as_planned goes, and what the
    second reading of each page it no longer makes would cost (Tesseract's own text layer)."""
    plan = papka_plan(data, boxes)
    start = time.perf_counter()
    plain = burn(data, media.PDF, plan, dpi=DPI, ocr_layer=False)
    burn_s = time.perf_counter() - start
    start = time.perf_counter()
    verify(plain.data, media.PDF, plan.secrets, ocr=False)
    verify_s = time.perf_counter() - start
    start = time.perf_counter()
    read = verify(plain.data, media.PDF, plan.secrets, ocr=True)
    verify_ocr_s = time.perf_counter() - start
    start = time.perf_counter()
    layered = add_text_layer(plain.data, [reading.best for reading in read.readings])
    verify(layered, media.PDF, plan.secrets, ocr=False, same_pages_as=plain.data)
    layer_s = time.perf_counter() - start
    start = time.perf_counter()
    burn(data, media.PDF, plan, dpi=DPI, ocr_layer=True)
    second_reading_s = time.perf_counter() - start - burn_s
    return {"burn_s": round(burn_s, 2), "verify_without_ocr_s": round(verify_s, 2),
            "verify_ocr_channel_s": round(verify_ocr_s - verify_s, 2),
            "text_layer_and_final_checks_s": round(layer_s, 2),
            "second_reading_not_made_s": round(second_reading_s, 2),
            "burned_without_layer_mb": round(len(plain.data) / 1e6, 2)}


def cpu_split(data: bytes, boxes: list[list[float]]) -> dict[str, float]:
    """One redact_as_planned: its wall time, the processor time spent in papka's own process
    (Python, Pillow, pdfium, qpdf, zlib, on every thread) and in Tesseract's processes."""
    plan = papka_plan(data, boxes)
    own, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    redact_as_planned(data, media.PDF, plan, ocr=True, dpi=DPI)
    wall = time.perf_counter() - start
    own_after, children_after = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)

    def used(before: resource.struct_rusage, after: resource.struct_rusage) -> float:
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    return {"wall_s": round(wall, 2), "papka_process_cpu_s": round(used(own, own_after), 2),
            "tesseract_cpu_s": round(used(children, children_after), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pymupdf", default=os.environ.get("PAPKA_BENCH_PYMUPDF",
                                                            "/tmp/mupdf-venv/bin/python"))
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    data, boxes = photo_document(options.pages)
    results = {"dpi": DPI, "cores": os.cpu_count(), "load_before": list(os.getloadavg()),
               "camera": f"{CAMERA[0]} x {CAMERA[1]} JPEG", "page_ppi": PAGE_PPI,
               "comparison": compare(data, boxes, options.pages, options.rounds,
                                     options.pymupdf),
               "papka_steps": steps(data, boxes),
               "papka_cpu": cpu_split(data, boxes),
               "load_after": list(os.getloadavg())}
    folder = Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    (folder / "phone-photos.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    if options.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    c = results["comparison"]
    print(f"{c['pages']} phone photos ({results['camera']}, one per PDF page, {c['input_mb']} MB),"
          f" one box each; {c['rounds']} alternating rounds, medians (fastest-slowest); load "
          f"average {results['load_before'][0]:.1f} before, {results['load_after'][0]:.1f} after")
    p = c["papka"]
    print(f"  papka redact_as_planned (burn at {DPI} dpi + verification with OCR + text layer "
          f"from its reading + final checks): {p['median_s']} s ({p['min_s']}-{p['max_s']}) -> "
          f"{p['pages_per_s']} pages/s, output {c['papka_output_mb']} MB")
    if "pymupdf" in c:
        m = c["pymupdf"]
        print(f"  PyMuPDF add_redact_annot + apply_redactions (image pixels) + save: "
              f"{m['median_s']} s ({m['min_s']}-{m['max_s']}) -> {m['pages_per_s']} pages/s, "
              f"output {c['pymupdf_output_mb']} MB; papka's verifier with OCR on its output: "
              f"{', '.join(c['pymupdf_checked_by_papka_verify'])}")
        print(f"  papka's pages/s / PyMuPDF's: {c['speed_ratio']} "
              f"({c['speed_ratio_min']}-{c['speed_ratio_max']} per round)")
    else:
        print("  PyMuPDF: not installed in a separate venv (see --pymupdf)")
    s = results["papka_steps"]
    print(f"  papka's steps, once: burn {s['burn_s']} s, verification without OCR "
          f"{s['verify_without_ocr_s']} s, its OCR channel (the one reading of each page) "
          f"+{s['verify_ocr_channel_s']} s, text layer from that reading and the final checks "
          f"{s['text_layer_and_final_checks_s']} s; a second reading for Tesseract's own layer "
          f"(no longer made) would add {s['second_reading_not_made_s']} s")
    u = results["papka_cpu"]
    print(f"  one run of papka's path: {u['wall_s']} s on the clock; processor time "
          f"{u['papka_process_cpu_s']} s in papka's process (rendering, painting, encoding, "
          f"verification's parsers) and {u['tesseract_cpu_s']} s in Tesseract (the OCR "
          "verification channel, whose reading also makes the text layer)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
