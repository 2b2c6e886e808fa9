"""Finding the boxes: where on each page the text to hide lies.

Text layers give every character's box (pypdfium2); pages without one, and every picture, are
read by Tesseract in the views each page needs (:mod:`.views`). Each span that detection
(:func:`papka.formats.finding.find_spans`) marks becomes one box per line of text, padded and
widened so that the length of what was hidden does not show (:func:`.plan.cover_text`).
"""

from __future__ import annotations

import itertools
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
    ordered = reading_order(recognised)
    for word, line in ordered:
        if previous is not None:
            separator = "\n" if line != previous else " "
            text_parts.append(separator)
            position += 1
        offsets.append((position, position + len(word.text)))
        text_parts.append(word.text)
        position += len(word.text)
        previous = line
    text = "".join(text_parts)
    for span in find_spans(text, preset=preset, hide=hide, use_ner=use_ner):
        if category is not None:
            span = Span(span.start, span.end, category, SAME_TEXT_DETECTOR, span.text)
        taken = [i for i, (start, end) in enumerate(offsets)
                 if start < span.end and end > span.start]
        if not taken:
            continue
        if span.category == "address":
            taken.extend(_unsure_tail(ordered, taken[-1]))
        rectangles = [_word_rectangle(recognised, ordered[i][0]) for i in taken]
        plan.add_secret(span.text, span.category)
        _add_rectangles(plan, page, span, rectangles, to_plan, turned)


def _unsure_tail(ordered: Sequence[tuple[ocr_engine.OcrWord, tuple[int, int, int]]], last: int
                 ) -> range:
    """The words after an address's last word (at `last`) to the end of its line, when OCR
    was unsure where the address ends: that word or the next was read below
    ocr.CONFIDENT, or the next holds a digit the address did not take.

    A photo of the case taken at an angle read «д. 107/49, корп. 2» as "д. if 07/49, корп.
    2": the address closed at "if" (a misread number) and «49» stayed readable."""
    end = last + 1
    while end < len(ordered) and ordered[end][1] == ordered[last][1]:
        end += 1
    if end == last + 1:
        return range(0)
    word, after = ordered[last][0], ordered[last + 1][0]
    if (min(word.confidence, after.confidence) < ocr_engine.CONFIDENT
            or any(char.isdigit() for char in after.text)):
        return range(last + 1, end)
    return range(0)


#: How far (in line heights) a line read as another block may start after the end of a line
#: and still continue it.
_MOST_LINE_GAP = 15.0


def reading_order(recognised: ocr_engine.OcrPage
                  ) -> list[tuple[ocr_engine.OcrWord, tuple[int, int, int]]]:
    """The words in the order of the page's lines, each with the line it is read in.

    Tesseract's layout analysis may split one printed line into blocks and give them far
    apart: a photo of the criminal case read «Мать подозреваемого, ... по адресу: Московская»
    as "Мать п" in one block and the rest in another, given after the lines below it, so
    «Московская» no longer stood before the «обл., г. Подольск ...» of the next line and was
    left out of the address. A line that starts to the right of where another (of another
    block) ends, level with it (its first word's middle within half a line height of the
    other's last word's) and at most _MOST_LINE_GAP line heights on, continues that line.

    After a line, the line right under it is read next, wherever Tesseract gave it: a photo of
    the case taken at an angle gave «проживает по адресу: Московская» as a block that
    continued «Мать ... Маратовна,», then a line from higher up, then «обл.,», so
    «Московская» was cut off from its region again (_line_under)."""
    lines = _lines(recognised)
    after: dict[tuple[int, int, int], tuple[int, int, int]] = {}
    taken: set[tuple[int, int, int]] = set()
    for key, words in lines.items():
        last = words[-1]
        best: tuple[float, tuple[int, int, int]] | None = None
        for other, others in lines.items():
            first = others[0]
            if other[0] == key[0] or other in taken:
                continue
            height = max(last.height, first.height, 1)
            gap = first.left - last.right
            middle = (first.top + first.bottom - last.top - last.bottom) / 2
            if (0 <= gap <= _MOST_LINE_GAP * height and abs(middle) < 0.5 * height
                    and (best is None or gap < best[0])):
                best = (gap, other)
        if best is not None:
            after[key] = best[1]
            taken.add(best[1])
    ordered: list[tuple[ocr_engine.OcrWord, tuple[int, int, int]]] = []
    seen: set[tuple[int, int, int]] = set()
    heads = [key for key in lines if key not in taken]
    head = heads[0] if heads else None
    while head is not None:
        line: tuple[int, int, int] | None = head
        while line is not None and line not in seen:
            seen.add(line)
            ordered.extend((word, head) for word in lines[line])
            line = after.get(line)
        unread = [key for key in heads if key not in seen]
        head = _line_under(lines, head, unread) or next(iter(unread), None)
    # A continuation whose head was never reached (a cycle) keeps its own place.
    ordered.extend((word, key) for key in lines if key not in seen for word in lines[key])
    return ordered


#: How far (in line heights, the taller line's) the middle of the line under another may lie
#: below that line's: farther is the next paragraph, after a blank line.
_MOST_LINE_PITCH = 2.5


def _line_under(lines: Mapping[tuple[int, int, int], list[ocr_engine.OcrWord]],
                key: tuple[int, int, int], unread: list[tuple[int, int, int]]
                ) -> tuple[int, int, int] | None:
    """The unread line that starts right under line `key`: its first word as far left as
    that line's (within two line heights) and below it by at most _MOST_LINE_PITCH line
    heights; the nearest, if several."""
    first = lines[key][0]
    height = max(word.height for word in lines[key])
    best: tuple[float, tuple[int, int, int]] | None = None
    for other in unread:
        below = lines[other][0]
        tall = max(height, *(word.height for word in lines[other]), 1)
        drop = (below.top + below.bottom - first.top - first.bottom) / 2
        if (abs(below.left - first.left) <= 2 * tall and 0.5 * tall < drop
                <= _MOST_LINE_PITCH * tall and (best is None or drop < best[0])):
            best = (drop, other)
    return None if best is None else best[1]


def _word_rectangle(recognised: ocr_engine.OcrPage, word: ocr_engine.OcrWord
                    ) -> tuple[float, float, float, float]:
    """A word's rectangle, as tall as its line."""
    line = recognised.lines.get(word.line)
    top, bottom = word.top, word.bottom
    if line is not None:
        top, bottom = min(top, line.top), max(bottom, line.top + line.height)
    return float(word.left), float(top), float(word.right), float(bottom)


def _add_rectangles(plan: RedactionPlan, page: int, span: Span,
                    rectangles: list[tuple[float, float, float, float]], to_plan: ToPlan,
                    turned: tuple[views.View, float] | None) -> None:
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
    # The keeper's own names were matched in every form in the first pass; what OCR misread
    # or cut short of them is looked for here.
    names, forms = _keeper_names(hide)
    people = [secret for secret in plan.secrets
              if plan.secret_categories.get(secret) in NAME_CATEGORIES | {"keeper-name"}]
    for index, readout in enumerate(readouts):
        for view, recognised in readout.readings:
            also = misread_names(recognised, names, forms) if names else []
            to_plan = _view_to_plan(view, unit)
            turned = (view, unit) if view.tilted else None
            if also:
                _ocr_spans(plan, index, recognised, to_plan, preset=None, hide=also,
                           use_ner=False, turned=turned, category="keeper-name")
            known = [*people, *names, *also]
            for group in name_neighbours(recognised, known, forms):
                _add_words(plan, index, recognised, group, 0, to_plan, turned)
            for group, letters in name_cuts(recognised, known, forms):
                _add_words(plan, index, recognised, group, letters, to_plan, turned)
    return readings


#: The detector named on boxes of words beside a name that OCR garbled (name_neighbours).
NEIGHBOUR_DETECTOR = "beside-name"
#: Words after which a person's name follows: kinship words and titles (folded).
_BEFORE_NAMES = frozenset({
    "брат", "сестра", "мать", "отец", "сын", "дочь", "жена", "муж", "гражданин", "гражданина",
    "гражданину", "гражданка", "гражданки", "гражданке", "господин", "госпожа", "brother",
    "sister", "mother", "father", "son", "daughter", "wife", "husband", "mr", "mrs", "ms",
    "miss", "dr", "выдана", "выдан", "выдано"})
#: The fewest letters of a cut name taken right after a name, or a title or kinship word, on
#: its line.
SHORTEST_CUT_BESIDE = 3


def _add_words(plan: RedactionPlan, page: int, recognised: ocr_engine.OcrPage,
               group: list[ocr_engine.OcrWord], letters: int, to_plan: ToPlan,
               turned: tuple[views.View, float] | None) -> None:
    """Box a group of words on one line as a person's name; the first word's box is made
    `letters` letters long (at its own letters' width) when it is a name cut short."""
    text = " ".join(word.text for word in group)
    span = Span(0, len(text), "person", NEIGHBOUR_DETECTOR, text)
    first = group[0]
    if any(len(token) >= SHORTEST_CUT_BESIDE for token in _WORD.findall(first.text)):
        plan.add_secret(first.text, "person")  # garbage ("иг!") is nothing to look for
    rectangles = [_word_rectangle(recognised, word) for word in group]
    if letters > len(first.text):
        x0, y0, x1, y1 = rectangles[0]
        rectangles[0] = (x0, y0, max(x1, x0 + first.width / len(first.text) * letters), y1)
    _add_rectangles(plan, page, span, rectangles, to_plan, turned)


def _lines(recognised: ocr_engine.OcrPage
           ) -> dict[tuple[int, int, int], list[ocr_engine.OcrWord]]:
    """The words of each line, by the line Tesseract read them in, in its order."""
    lines: dict[tuple[int, int, int], list[ocr_engine.OcrWord]] = {}
    for word in recognised.words:
        lines.setdefault(word.line, []).append(word)
    return lines


def _by_line(recognised: ocr_engine.OcrPage) -> list[list[ocr_engine.OcrWord]]:
    return list(_lines(recognised).values())


def _name_words(names: Sequence[str], forms: Iterable[str]) -> set[str]:
    targets = {word.casefold() for name in names for word in _WORD.findall(name)}
    targets.update(form.casefold() for form in forms)
    return targets


def _is_name(word: ocr_engine.OcrWord, targets: set[str]) -> bool:
    tokens = _WORD.findall(word.text)
    return bool(tokens) and all(token.casefold() in targets for token in tokens)


def _is_title(word: ocr_engine.OcrWord) -> bool:
    tokens = _WORD.findall(word.text)
    return len(tokens) == 1 and tokens[0].casefold() in _BEFORE_NAMES


def name_neighbours(recognised: ocr_engine.OcrPage, names: Sequence[str],
                    forms: Iterable[str] = ()) -> list[list[ocr_engine.OcrWord]]:
    """Words OCR garbled between a kinship word or title and a name on the same line, and a
    capitalised word right after a name that OCR was unsure of.

    A photo of an English letter read «His brother Iurii Kravchishin» as "His brother иг!
    Kravchishin": the surname was boxed and "Iurii" stayed readable on the copy. Such a word
    is taken when OCR was unsure of it (below ocr.CONFIDENT), or it is capitalised, or it is
    no word of the dictionary; a title or kinship word itself is not. A smaller photo of the
    same letter turned a quarter read «Kravchishin (Yuriy in his diploma)» as "Kravchishin
    (Vurty in his diploma)", "Vurty" at confidence 37, and the other spelling of the brother's
    name stayed readable: after a name, a capitalised word OCR was unsure of is taken too.
    A photo of the letter turned three quarters, a second sheet over it, read "иг!" again at
    confidence 72, and "иг" is in the dictionary: a word in another script than the name after
    it, or with a sign inside that no word has, is taken as well."""
    targets = _name_words(names, forms)
    found = []
    for words in _by_line(recognised):
        for i, word in enumerate(words[1:-1], 1):
            tokens = _WORD.findall(word.text)
            if (not _is_name(word, targets) and _is_name(words[i + 1], targets)
                    and _is_title(words[i - 1])
                    and not any(token.casefold() in _BEFORE_NAMES for token in tokens)
                    and (word.confidence < ocr_engine.CONFIDENT or not tokens
                         or tokens[0][0].isupper() or not _is_known(tokens[0])
                         or _other_script(word.text, words[i + 1].text)
                         or _garbled(word.text))):
                found.append([word])
        for previous, word in itertools.pairwise(words):
            tokens = _WORD.findall(word.text)
            if (len(tokens) == 1 and tokens[0][0].isupper()
                    and word.confidence < ocr_engine.CONFIDENT
                    and _is_name(previous, targets) and not _is_name(word, targets)
                    and not _is_title(word) and [word] not in found):
                found.append([word])
    return found


def name_cuts(recognised: ocr_engine.OcrPage, names: Sequence[str], forms: Iterable[str] = ()
              ) -> list[tuple[list[ocr_engine.OcrWord], int]]:
    """Words OCR cut short of a name, each with the fragments it left unread after it and
    the letters of the name it begins.

    A criminal case blurred by 2 pixels read «Гусейнов Руслан Эльдарович» as "Гусей Руслан
    Эль ь" (the patronymic's middle read as nothing) and the mother's «Гусейнова» as "Гусей":
    the copy passed with both surnames and the patronymic readable. A capitalised word that
    begins one of the names' words (or forms), shorter than it, is taken when it has
    SHORTEST_CUT letters or more, or SHORTEST_CUT_BESIDE right after a name or a title or
    kinship word on its line (a certificate's «Выдана Кравчишину», the second sheet of a
    photo cut at its edge, read "Выдана Кра!");
    with it the fragments OCR was unsure of that follow (at most two, of at most two letters
    each), so that one box covers the unread stretch between them. The box is made as long
    as the name (the longest of the names' words it begins, else the shortest form), at the
    cut word's own letters' width: OCR's box of "Гусей" left «нов» readable."""
    words_of_names = {word.casefold() for name in names for word in _WORD.findall(name)}
    keeper_forms = {form.casefold() for form in forms}
    targets = words_of_names | keeper_forms
    of_names: dict[str, int] = {}
    of_forms: dict[str, int] = {}
    for target in targets:
        for end in range(SHORTEST_CUT_BESIDE, len(target)):
            cut = target[:end]
            if target in words_of_names:
                of_names[cut] = max(of_names.get(cut, 0), len(target))
            else:
                of_forms[cut] = min(of_forms.get(cut, len(target)), len(target))
    lengths = of_forms | of_names
    found = []
    for words in _by_line(recognised):
        for i, word in enumerate(words):
            tokens = _WORD.findall(word.text)
            if len(tokens) != 1 or not tokens[0][0].isupper():
                continue
            folded = tokens[0].casefold()
            beside = i > 0 and (_is_name(words[i - 1], targets) or _is_title(words[i - 1]))
            # A cut read elsewhere may be among the names found already ("Гусей Лейла
            # Маратовна", by NER): what counts is that it begins a longer word of a name. A
            # form of the keeper's names ("Руслан" of "Руслана", "KRAVCHISHIN" of
            # "Kravchishina") is no cut.
            if folded not in lengths or folded in keeper_forms or (
                    len(folded) < SHORTEST_CUT and not beside):
                continue
            group = [word]
            for after in words[i + 1 : i + 3]:
                if (after.confidence >= ocr_engine.CONFIDENT
                        or any(len(token) > 2 for token in _WORD.findall(after.text))):
                    break
                group.append(after)
            found.append((group, lengths[folded]))
    return found


def _script(text: str) -> set[str]:
    return {"cyrillic" if "\u0400" <= char <= "\u04ff" else "latin"
            for char in text if char.isalpha()}


def _other_script(word: str, name: str) -> bool:
    """Whether `word` is written in letters of one script and `name` in those of the other."""
    ours, theirs = _script(word), _script(name)
    return len(ours) == 1 and len(theirs) == 1 and ours != theirs


#: A word's text as print has it: letters, with a hyphen or apostrophe inside and a mark of
#: punctuation after.
_PLAIN_WORD = re.compile(r"[(«\"']?[^\W\d_]+(?:[-'’][^\W\d_]+)*[.,;:»\")']?")


def _garbled(text: str) -> bool:
    """Whether OCR's reading of a word holds signs no printed word has ("иг!", "Ир|")."""
    return _PLAIN_WORD.fullmatch(text) is None


def _is_known(word: str) -> bool:
    """A word of the dictionary (Russian), or any word when the dictionary is absent."""
    try:
        from papka.formats.detectors.name_forms import analyzer
    except ImportError:
        return True
    return bool(analyzer().word_is_known(word.lower()))


#: The categories of people's names, whose misreadings the second pass looks for too.
NAME_CATEGORIES = frozenset({"person", "relative"})
_LETTERS = re.compile(r"[^\W\d_]{6,}")
_WORD = re.compile(r"[^\W\d_]+")
#: The fewest letters of a word OCR cut short that is taken for the name it begins.
SHORTEST_CUT = 5


def misread_names(recognised: ocr_engine.OcrPage, names: Sequence[str],
                  forms: Iterable[str] = ()) -> list[str]:
    """The words OCR read a letter or two off a name found elsewhere in the document, or cut
    short of it.

    A blurred English letter named the brother "Krevchishin" and the writer "Kravehishin"
    where it read "KRAVCHISHIN" once, and the copy passed with both: words of six letters or
    more, one letter off (two from nine letters), case aside. A blurred criminal case read
    the keeper's «Гусейнов» and his mother's «Гусейнова» confidently as "Гусей", and the copy
    passed with both surnames readable: a capitalised word of SHORTEST_CUT letters or more
    that begins one of the names (or one of `forms`, the folded forms of the keeper's names,
    :func:`papka.formats.detect.name_forms`), shorter than it."""
    targets = {word.casefold() for name in names for word in _WORD.findall(name)}
    targets.update(form.casefold() for form in forms)
    near = {target for target in targets if len(target) >= 6}
    beginnings = {target[:end] for target in targets
                  for end in range(SHORTEST_CUT, len(target))}
    found = []
    for word in recognised.words:
        for token in _WORD.findall(word.text):
            folded = token.casefold()
            if folded in targets:
                continue
            if len(folded) >= SHORTEST_CUT and token[0].isupper() and folded in beginnings:
                found.append(token)
                continue
            if len(folded) < 6:
                continue
            allowed = 1 if len(folded) < 9 else 2
            if any(abs(len(folded) - len(target)) <= allowed
                   and _edits(folded, target, allowed) <= allowed for target in near):
                found.append(token)
    return found


def _keeper_names(hide: Sequence[str]) -> tuple[list[str], set[str]]:
    """The keeper's entries that are names, and every form they are matched under."""
    try:
        from papka.formats.detectors.name_forms import forms_of, is_name_entry, split_relative
    except ImportError:  # detection's dictionaries are not installed: the strings alone
        return [], set()
    names = [split_relative(entry)[0] for entry in hide if is_name_entry(entry)]
    return names, {form for name in names for form in forms_of(name)}


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
