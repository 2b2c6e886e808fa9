"""Finding the boxes: where on each page the text to hide lies.

Text layers give every character's box (pypdfium2); pages without one, and every picture, are
read by Tesseract in the views each page needs (:mod:`.views`). Each span that detection
(:func:`papka.formats.finding.find_spans`) marks becomes one box per line of text, padded and
widened so that the length of what was hidden does not show (:func:`.plan.cover_text`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from PIL import Image

from papka import media
from papka.formats import image, pdf, views
from papka.formats import ocr as ocr_engine
from papka.formats.finding import KEEPER_CATEGORY, Span, find_spans
from papka.formats.plan import KEEPER_CATEGORIES, PagePlan, RedactionPlan, cover_text
from papka.formats.reading import PageReading, merge_text_layer, not_read
from papka.formats.rendering import as_pdf

#: Resolution at which pages are rendered for text recognition while planning.
PLAN_OCR_DPI = 200

ToPlan = Callable[[float, float, float, float], tuple[float, float, float, float]]


def _line_groups(boxes: list[tuple[float, float, float, float]]
                 ) -> list[tuple[float, float, float, float]]:
    """Join character or word boxes into one rectangle per line of text."""
    groups: list[list[float]] = []
    for x0, y0, x1, y1 in boxes:
        if groups:
            last = groups[-1]
            height = max(last[3] - last[1], y1 - y0)
            if abs((y0 + y1) / 2 - (last[1] + last[3]) / 2) < 0.5 * height:
                last[:] = [min(last[0], x0), min(last[1], y0), max(last[2], x1),
                           max(last[3], y1)]
                continue
        groups.append([x0, y0, x1, y1])
    return [(g[0], g[1], g[2], g[3]) for g in groups]


def _runs_vertically(boxes: list[tuple[float, float, float, float]]) -> bool:
    """Text on a page turned by 90° or 270° runs down or up the page as displayed."""
    if len(boxes) < 2:
        return False
    first, last = boxes[0], boxes[-1]
    dx = abs((last[0] + last[2]) - (first[0] + first[2])) / 2
    dy = abs((last[1] + last[3]) - (first[1] + first[3])) / 2
    return dy > 2 * dx


def _add_detected(plan: RedactionPlan, page: int, span: Span,
                  rectangles: list[tuple[float, float, float, float]]) -> None:
    sheet = plan.pages[page]
    vertical = _runs_vertically(rectangles)
    if vertical:
        # Work in transposed coordinates so lines, padding and the width grid apply unchanged.
        rectangles = [(y0, x0, y1, x1) for x0, y0, x1, y1 in rectangles]
    width, height = (sheet.height, sheet.width) if vertical else (sheet.width, sheet.height)
    for x0, y0, x1, y1 in _line_groups(rectangles):
        covered = cover_text(x0, y0, x1, y1, line_height=y1 - y0, page_width=width,
                             page_height=height)
        left, top, right, bottom = covered
        if vertical:
            left, top, right, bottom = top, left, bottom, right
        if right <= 0 or bottom <= 0 or left >= sheet.width or top >= sheet.height:
            continue  # off the page: nothing to paint, and burning drops it anyway
        if right - left <= 0 or bottom - top <= 0:
            continue
        if _contained(plan, page, (left, top, right, bottom)):
            continue
        plan.add_box(page, left, top, right, bottom, category=span.category,
                     detector=span.detector, source="detected", text=span.text)


def _contained(plan: RedactionPlan, page: int, box: tuple[float, float, float, float]) -> bool:
    """Another view already found this: an existing detected rectangle holds it (a turned
    box does not count: its surrounding rectangle holds more than it paints)."""
    x0, y0, x1, y1 = box
    return any(b.source == "detected" and b.corners is None and b.x0 <= x0 + 0.5
               and b.y0 <= y0 + 0.5 and b.x1 >= x1 - 0.5 and b.y1 >= y1 - 0.5
               for b in plan.pages[page].boxes)


def _add_turned(plan: RedactionPlan, page: int, span: Span,
                rectangles: list[tuple[float, float, float, float]], view: views.View,
                unit: float) -> None:
    """Boxes for text read on a straightened view: lines, padding and the width grid are
    worked out in the view, where the text is level, and the box is turned back with it."""
    width, height = view.picture.size
    for x0, y0, x1, y1 in _line_groups(rectangles):
        left, top, right, bottom = cover_text(x0, y0, x1, y1, line_height=y1 - y0,
                                              page_width=width, page_height=height)
        corners = [(x * unit, y * unit)
                   for x, y in view.corners_to_page(left, top, right, bottom)]
        xs = [x for x, _ in corners]
        ys = [y for _, y in corners]
        sheet = plan.pages[page]
        box = (max(0.0, min(xs)), max(0.0, min(ys)), min(sheet.width, max(xs)),
               min(sheet.height, max(ys)))
        if box[2] <= box[0] or box[3] <= box[1] or _contained(plan, page, box):
            continue
        plan.add_box(page, *box, category=span.category, detector=span.detector,
                     source="detected", text=span.text, corners=corners)


def _ocr_spans(plan: RedactionPlan, page: int, recognised: ocr_engine.OcrPage,
               to_plan: ToPlan, *, preset: str | None, hide: Sequence[str],
               use_ner: bool, turned: tuple[views.View, float] | None = None,
               category: str | None = None) -> None:
    """Add boxes for what must be hidden among recognised words.

    to_plan maps a rectangle in the recognised picture's pixels to the plan's units (through
    the view's turn and straightening, back to the page as displayed). turned: the
    straightened view and the unit, when boxes should lie turned like the text. category:
    given for every span found (the second pass, _same_text_groups).
    """
    text_parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    previous = None
    position = 0
    for word in recognised.words:
        if previous is not None:
            separator = "\n" if word.line != previous else " "
            text_parts.append(separator)
            position += 1
        offsets.append((position, position + len(word.text)))
        text_parts.append(word.text)
        position += len(word.text)
        previous = word.line
    text = "".join(text_parts)
    for span in find_spans(text, preset=preset, hide=hide, use_ner=use_ner):
        if category is not None:
            span = Span(span.start, span.end, category, SAME_TEXT_DETECTOR, span.text)
        rectangles = []
        for word, (start, end) in zip(recognised.words, offsets, strict=True):
            if start < span.end and end > span.start:
                line = recognised.lines.get(word.line)
                top, bottom = word.top, word.bottom
                if line is not None:
                    top, bottom = min(top, line.top), max(bottom, line.top + line.height)
                rectangles.append((float(word.left), float(top), float(word.right),
                                   float(bottom)))
        if not rectangles:
            continue
        plan.add_secret(span.text, span.category)
        if turned is not None:
            _add_turned(plan, page, span, rectangles, *turned)
        else:
            _add_detected(plan, page, span, [to_plan(*r) for r in rectangles])


def _view_to_plan(view: views.View, unit: float) -> ToPlan:
    def mapped(x0: float, y0: float, x1: float, y1: float
               ) -> tuple[float, float, float, float]:
        left, top, right, bottom = view.to_page(x0, y0, x1, y1)
        return left * unit, top * unit, right * unit, bottom * unit

    return mapped


def _read_pictures(plan: RedactionPlan, pictures: Iterable[tuple[Image.Image, int]],
                   unit: float, *, preset: str | None, hide: Sequence[str],
                   use_ner: bool, picture_scales: Mapping[int, float] | None = None
                   ) -> list[PageReading]:
    """Read every page in the views it needs (in parallel, one Tesseract per core) and box
    what must be hidden; unit converts page pixels to plan units. picture_scales: for a page
    rendered from a PDF, its own picture's pixels per rendered pixel (pdf.picture_scale),
    filled in as each page is rendered."""
    scales = picture_scales if picture_scales is not None else {}
    readouts = ocr_engine.side_by_side(
        lambda picture, index: views.read_page(picture, index,
                                               source_scale=scales.get(index, 1.0)),
        pictures, None)
    readings = []
    for index, readout in enumerate(readouts):
        for view, recognised in readout.readings:
            _ocr_spans(plan, index, recognised, _view_to_plan(view, unit), preset=preset,
                       hide=hide, use_ner=use_ner,
                       turned=(view, unit) if view.tilted else None)
        readings.append(_with_places(readout, unit))
    for category, secrets in _same_text_groups(plan):
        for index, readout in enumerate(readouts):
            for view, recognised in readout.readings:
                also = misread_names(recognised, secrets) if category in NAME_CATEGORIES else []
                _ocr_spans(plan, index, recognised, _view_to_plan(view, unit), preset=None,
                           hide=[*secrets, *also], use_ner=False,
                           turned=(view, unit) if view.tilted else None, category=category)
    return readings


#: The categories of people's names, whose misreadings the second pass looks for too.
NAME_CATEGORIES = frozenset({"person", "relative"})
_LETTERS = re.compile(r"[^\W\d_]{6,}")


def misread_names(recognised: ocr_engine.OcrPage, names: Sequence[str]) -> list[str]:
    """The words OCR read a letter or two off a name found elsewhere in the document: a
    blurred English letter named the brother "Krevchishin" and the writer "Kravehishin" where
    it read "KRAVCHISHIN" once, and the copy passed with both. Words of six letters or more,
    one letter off (two from nine letters), case aside."""
    targets = {word.casefold() for name in names for word in _LETTERS.findall(name)}
    found = []
    for word in recognised.words:
        for token in _LETTERS.findall(word.text):
            folded = token.casefold()
            if folded in targets:
                continue
            allowed = 1 if len(folded) < 9 else 2
            if any(abs(len(folded) - len(target)) <= allowed
                   and _edits(folded, target, allowed) <= allowed for target in targets):
                found.append(token)
    return found


def _edits(a: str, b: str, most: int) -> int:
    """Levenshtein distance of a and b, or most + 1 as soon as it is known to exceed most."""
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (letter != other)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


#: The detector named on boxes of the second pass: the same text as a finding elsewhere.
SAME_TEXT_DETECTOR = "same-text"


def _same_text_groups(plan: RedactionPlan) -> list[tuple[str, list[str]]]:
    """What detection found, by category, to be looked for again everywhere in the document.

    A detector judges a place by its context (natasha took "Kravchishin" for a name in one
    sentence and not in the next; "KRAVCHISHIN" in capitals and the mother's "Kravchishina"
    not at all), while verification looks for every string found, wherever it stands: so the
    copy was refused until the keeper boxed the rest by hand. The second pass matches each
    finding as the keeper's own strings are matched (case, spacing, grammatical forms, Latin
    spellings) in every text read, and boxes it under the category it was found as. The
    keeper's own strings were matched everywhere in the first pass already."""
    groups: dict[str, list[str]] = {}
    for secret in plan.secrets:
        category = plan.secret_categories.get(secret, KEEPER_CATEGORY)
        if category not in KEEPER_CATEGORIES:
            groups.setdefault(category, []).append(secret)
    return sorted(groups.items())


def _with_places(readout: views.PageReadout, unit: float) -> PageReading:
    """The page's reading, with where its best view's confident words lie (plan units)."""
    if readout.reading.status != "read":
        return readout.reading
    view, best = max(readout.readings,
                     key=lambda pair: (views.reads_well(pair[1]), pair[1].confident_words))
    to_plan = _view_to_plan(view, unit)
    places = tuple(to_plan(word.left, word.top, word.right, word.bottom)
                   for word in best.confident())
    return replace(readout.reading, confident_places=places)


def _rendered_pages(pdf_bytes: bytes, picture_scales: dict[int, float]
                    ) -> Iterator[tuple[Image.Image, int]]:
    with pdf.open_document(pdf_bytes) as document:
        for index in range(len(document)):
            page = document[index]
            try:
                picture = pdf.render_page(page, PLAN_OCR_DPI)
                picture_scales[index] = pdf.picture_scale(page, PLAN_OCR_DPI)
            finally:
                page.close()
            yield picture, index


def _plan_pdf(plan: RedactionPlan, pdf_bytes: bytes, *, preset: str | None,
              hide: Sequence[str], ocr_pages: bool, use_ner: bool) -> None:
    letters: list[int] = []
    for index, layer in enumerate(pdf.page_texts(pdf_bytes)):
        plan.pages.append(PagePlan(layer.width, layer.height))
        text = layer.text
        letters.append(sum(ch.isalnum() for ch in text))
        for span in find_spans(text, preset=preset, hide=hide, use_ner=use_ner):
            _add_layer_span(plan, index, layer, span)
    if ocr_pages:
        scales: dict[int, float] = {}
        readings = _read_pictures(plan, _rendered_pages(pdf_bytes, scales),
                                  72.0 / PLAN_OCR_DPI, preset=preset, hide=hide,
                                  use_ner=use_ner, picture_scales=scales)
        plan.readings = [merge_text_layer(reading, letters[reading.page])
                         for reading in readings]
    else:
        # Without OCR only the text layer is read: a page without one was not read at all.
        plan.readings = [PageReading(index, "text-layer" if count >= 20 else "not-read")
                         for index, count in enumerate(letters)]
    groups = _same_text_groups(plan)
    if not groups or not any(letters):
        return
    # The text layers are read again rather than held: a long document's characters and
    # their boxes take much memory.
    for index, layer in enumerate(pdf.page_texts(pdf_bytes)):
        for category, secrets in groups:
            for span in find_spans(layer.text, preset=None, hide=secrets, use_ner=False):
                _add_layer_span(plan, index, layer, Span(span.start, span.end, category,
                                                         SAME_TEXT_DETECTOR, span.text))


def _add_layer_span(plan: RedactionPlan, page: int, layer: pdf.PageText, span: Span) -> None:
    plan.add_secret(span.text, span.category)
    rectangles = [c.box for c in layer.chars[span.start : span.end]
                  if c.box is not None and not c.char.isspace()]
    _add_detected(plan, page, span, rectangles)


def find_boxes(plan: RedactionPlan, data: bytes, *, preset: str | None, hide: Sequence[str],
               ocr: bool, use_ner: bool) -> None:
    """Add a page to the plan for every page of the document, a box for everything detection
    marks on it, and how well each page was read (plan.readings)."""
    if image.is_supported(plan.media_type):
        def frames() -> Iterator[tuple[Image.Image, int]]:
            for index, picture in enumerate(image.pages(data)):
                plan.pages.append(PagePlan(float(picture.width), float(picture.height)))
                yield picture, index

        if ocr:
            plan.readings = _read_pictures(plan, frames(), 1.0, preset=preset, hide=hide,
                                           use_ner=use_ner)
        else:
            for _picture, index in frames():
                plan.readings.append(not_read(index))
    else:
        _plan_pdf(plan, as_pdf(data, plan.media_type), preset=preset, hide=hide,
                  ocr_pages=ocr and plan.media_type == media.PDF, use_ner=use_ner)
