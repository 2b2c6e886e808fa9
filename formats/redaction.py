"""Redaction's entry points, and what they return or raise.

A redaction is planned (:func:`plan_redaction`: what to hide, as boxes), reviewed by the keeper
(:func:`render_preview`, the plan's own methods), then burned and verified
(:func:`redact_as_planned`). :func:`redact` does all three without the review. Burning never
edits the original, and a copy that fails the independent verification is never returned
(docs/redaction.md).

This module is light on purpose: the workers (:mod:`.planner`, :mod:`.preview`, :mod:`.burn`,
:mod:`.verify`) and what they load (Pillow, pypdfium2, pikepdf, natasha) are imported inside
the functions, so that ``import papka.formats`` and the command's start stay fast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from papka import media
from papka.errors import UsageError
from papka.formats import limits
from papka.formats.plan import (
    UNREADABLE_CATEGORY,
    Box,
    RedactionLog,
    RedactionPlan,
    UnreadableChoice,
)
from papka.formats.verify import Leak
from papka.formats.verify.report import UNREAD

#: Pages of a multi-page image (a TIFF fax) become PDF pages at this many pixels per inch.
FRAME_DPI = 200

#: A box as the keeper gives it: a Box, or (page from 0, x0, y0, x1, y1) in the plan's units.
BoxSpec = Box | tuple[int, float, float, float, float]

#: Documents that are typeset into pages before planning and burning.
TEXT_TYPES = frozenset({media.DOCX, media.EML, media.TEXT})


@dataclass(frozen=True)
class Leftover:
    """Where verification still found something it had to hide, for the keeper to box.

    page counts from 0; box is in the plan's units (points for PDF pages, pixels for a
    picture), already padded, or None where the channel has no place (metadata, bytes).
    """

    page: int | None
    category: str
    channel: str
    box: tuple[float, float, float, float] | None


#: The next step when the check could not read a page planning read (RedactionNotVerified).
UNREAD_HINT = ("The check could not read a page that papka read before burning: look at that "
               "page yourself, then choose with --unreadable box (black it out), drop (leave it "
               "out) or accept (keep it as it is).")


class RedactionNotVerified(UsageError):
    """The redacted copy still carried something it had to hide; it was not kept."""

    exit_code = 1
    default_message = (
        "The redacted copy did not pass verification, so papka did not keep it."
    )
    hint = "Review the boxes with --preview and add boxes where text is still visible."

    def __init__(self, failures: Sequence[str], leftovers: Sequence[Leftover] = ()) -> None:
        channels = ", ".join(sorted(set(failures))) or "unknown"
        pages = sorted({leftover.page + 1 for leftover in leftovers if leftover.page is not None})
        where = f" on page {', '.join(map(str, pages))}" if pages else ""
        super().__init__(
            "The redacted copy did not pass verification "
            f"(found{where} in: {channels}), so papka did not keep it."
        )
        self.failures = list(failures)
        self.leftovers = list(leftovers)
        if self.unread_pages():
            self.hint = UNREAD_HINT

    def unread_pages(self) -> list[int]:
        """Pages (of the original, from 0) the check could not read well enough."""
        return sorted({leftover.page for leftover in self.leftovers
                       if leftover.channel == UNREAD and leftover.page is not None})


class UnreadablePages(UsageError):
    """papka could not read some pages, so it cannot say what they show; nothing was kept."""

    default_message = "papka could not read a page with confidence, so it kept no copy."
    hint = ("Look at the page yourself, then choose what to do with it: --unreadable box "
            "(black out the whole page), drop (leave it out) or accept (keep it as it is).")

    def __init__(self, pages: Sequence[int]) -> None:
        numbers = ", ".join(str(page + 1) for page in pages)
        super().__init__(f"papka could not read page {numbers} with confidence, so it kept "
                         "no copy.")
        self.pages = list(pages)


@dataclass(frozen=True)
class Redacted:
    data: bytes = field(repr=False)
    media_type: str
    log: RedactionLog
    #: For DOCX and e-mail: the visible text with every withheld part replaced by WITHHELD.
    text: str | None = field(default=None, repr=False)
    #: With keep_text: pages (from 0, of the original) burned instead, and why (a code of
    #: papka.formats.text_redaction.BURN_REASONS). Empty when every page kept its text.
    burned_pages: dict[int, str] = field(default_factory=dict)

def burned_page_list(burned: Mapping[int, str]) -> list[dict[str, int | str]]:
    """Redacted.burned_pages as a copy's derivation and the commands' JSON give them: pages
    counted from 1, in order, each with its reason code."""
    return [{"page": page + 1, "reason": reason} for page, reason in sorted(burned.items())]


def supported(media_type: str) -> bool:
    """Whether papka can redact this kind of file: PDF, pictures, DOCX, e-mail, plain text."""
    return media_type == media.PDF or media_type in media.PICTURES or media_type in TEXT_TYPES


def check_supported(media_type: str) -> None:
    if supported(media_type):
        return
    from papka.formats import image  # only to name HEIC photos in the refusal

    image.check_supported(media_type)
    raise limits.UnsupportedFormatError()


def check_plan(plan: RedactionPlan, media_type: str) -> None:
    if plan.media_type != media_type:
        raise limits.UnsupportedFormatError("This plan was made for a different kind of file.")


def plan_redaction(data: bytes, media_type: str, *, preset: str | None = "ru-personal",
                   hide: Sequence[str] = (), boxes: Iterable[BoxSpec] = (), ocr: bool = True,
                   use_ner: bool = True) -> RedactionPlan:
    """Find what to hide and return the boxes for the keeper to review.

    preset None runs no detectors: only the keeper's strings (hide) and boxes are used.
    ocr: also recognise text in page pictures (scans, photos), with Tesseract.
    """
    check_supported(media_type)
    hide = [h for h in (s.strip() for s in hide) if h]
    plan = RedactionPlan(media_type, [])
    for secret in hide:
        plan.add_secret(secret)
    from papka.formats.planner import find_boxes

    find_boxes(plan, data, preset=preset, hide=hide, ocr=ocr, use_ner=use_ner)
    _add_manual(plan, boxes)
    return plan


def _add_manual(plan: RedactionPlan, boxes: Iterable[BoxSpec]) -> None:
    for spec in boxes:
        if isinstance(spec, Box):
            plan.add_box(spec.page, spec.x0, spec.y0, spec.x1, spec.y1, category=spec.category,
                         detector=spec.detector, source="manual", corners=spec.corners)
        else:
            page, x0, y0, x1, y1 = spec
            plan.add_box(int(page), float(x0), float(y0), float(x1), float(y1))


def render_preview(data: bytes, media_type: str, plan: RedactionPlan, *,
                   dpi: int = 100, leftovers: Sequence[Leftover] = ()) -> list[bytes]:
    """PNG pages with every planned box outlined and numbered, for the keeper to review.

    leftovers (from a RedactionNotVerified) are outlined in orange and marked "!": what
    verification still read after burning. These show the original content: they are for the
    keeper's eyes and should be written only where the keeper asked.
    """
    check_supported(media_type)
    check_plan(plan, media_type)
    from papka.formats.preview import outlined_pages

    return outlined_pages(data, media_type, plan, dpi=dpi, leftovers=leftovers)


def redact(data: bytes, media_type: str, *, preset: str | None = "ru-personal",
           hide: Sequence[str] = (), boxes: Iterable[BoxSpec] = (), ocr: bool = True,
           ocr_layer: bool | None = None, dpi: int = 200, use_ner: bool = True,
           unreadable: UnreadableChoice | None = None, keep_text: bool = False) -> Redacted:
    """Plan, burn and verify in one step, without the keeper's review.

    To burn a reviewed plan, use :func:`redact_as_planned`: a plan is made by
    :func:`plan_redaction` and applied by that function, so no option of one can be silently
    ignored by the other. Raises like :func:`redact_as_planned`.
    """
    plan = plan_redaction(data, media_type, preset=preset, hide=hide, boxes=boxes, ocr=ocr,
                          use_ner=use_ner)
    return redact_as_planned(data, media_type, plan, ocr=ocr, ocr_layer=ocr_layer, dpi=dpi,
                             unreadable=unreadable, keep_text=keep_text)


def redact_as_planned(data: bytes, media_type: str, plan: RedactionPlan, *, ocr: bool = True,
                      ocr_layer: bool | None = None, dpi: int = 200,
                      unreadable: UnreadableChoice | None = None,
                      keep_text: bool = False) -> Redacted:
    """Burn a (reviewed) plan into a new file and verify it independently.

    keep_text (PDFs, and DOCX, e-mail and text, which are typeset into a PDF first; pictures
    are burned as always): the text under the boxes is removed from the content and the rest
    of the text is kept, searchable and selectable;
    pages papka cannot rewrite safely are burned, and ``Redacted.burned_pages`` says which
    and why. Verification also checks the width channel at every box (docs/redaction.md,
    "Keeping the text"). If the copy with text kept fails verification, the pages with boxes
    are burned, then the whole document, before papka gives up.

    ocr: verification also reads the burned pages with Tesseract. ocr_layer: the copy's PDF
    pages carry an invisible text layer read from the burned pixels, so the recipient can
    search and copy the text (None: the same as ``ocr``; a copy that stays a picture has
    none). With ocr, the layer is the verifier's own reading of the verified pages, so each
    page is read once; without, Tesseract reads each page for it, about 0.7 s per scanned
    page (docs/redaction.md, "One reading per page").
    unreadable settles the pages
    papka could not read (see :meth:`RedactionPlan.settle_unreadable`). Raises UnreadablePages
    when such a page is left unsettled, and RedactionNotVerified rather than return a copy that
    still carries a secret of the plan.
    """
    check_supported(media_type)
    check_plan(plan, media_type)
    if unreadable is not None:
        plan.settle_unreadable(unreadable)
    pending = plan.unsettled_pages()
    if pending:
        raise UnreadablePages(pending)
    layer = ocr if ocr_layer is None else ocr_layer
    check_all = unreadable != "accept"
    try:
        return _redacted_once(data, media_type, plan, ocr=ocr, ocr_layer=layer, dpi=dpi,
                              keep_text=keep_text, check_all=check_all)
    except RedactionNotVerified as refusal:
        unread = refusal.unread_pages()
        # The keeper's standing choice for pages papka cannot read covers the pages the
        # check could not read too: boxed whole or left out, the copy is made again.
        if unreadable not in ("box", "drop") or not unread or set(refusal.failures) != {UNREAD}:
            raise
        plan.settle_unreadable(unreadable, unread)
        return _redacted_once(data, media_type, plan, ocr=ocr, ocr_layer=layer, dpi=dpi,
                              keep_text=keep_text, check_all=check_all)


def _redacted_once(data: bytes, media_type: str, plan: RedactionPlan, *, ocr: bool,
                   ocr_layer: bool, dpi: int, keep_text: bool, check_all: bool) -> Redacted:
    expect = expected_words(plan) if ocr and check_all else []
    if keep_text and (media_type == media.PDF or media_type in TEXT_TYPES):
        return _keep_text(data, media_type, plan, ocr=ocr, ocr_layer=ocr_layer, dpi=dpi,
                          expect=expect)
    return _burned(data, media_type, plan, ocr=ocr, ocr_layer=ocr_layer, dpi=dpi,
                   expect=expect)


#: The check must read with confidence at least this share of the words planning read with
#: confidence outside the boxes (on the bench's phone photos, small photos and scan it read
#: 0.36 to 1.0 of them once every view was tried; docs/redaction.md) ...
CHECK_SHARE = 1 / 4
#: ... on a page where planning read at least this many there; below, a reading of a few
#: words left beside large boxes says little either way.
CHECK_MIN_WORDS = 6


def expected_words(plan: RedactionPlan) -> list[int]:
    """For each page of the copy, how many words the check must read with confidence.

    A page papka read before burning and the check cannot read after is not shown clean by
    the check: the pixels left are nearly those planning read, so a check that reads far
    fewer words has missed most of the page (docs/redaction.md, "Pages the check could not
    read"). Pages planning did not read by OCR ask for nothing: planning refused those, and
    the keeper decided.
    """
    expect = []
    for page in _kept_pages(plan):
        reading = plan.readings[page] if page < len(plan.readings) else None
        if reading is None or reading.status != "read":
            expect.append(0)
            continue
        boxes = plan.pages[page].boxes
        left = sum(1 for x0, y0, x1, y1 in reading.confident_places
                   if not any(box.x0 <= (x0 + x1) / 2 <= box.x1
                              and box.y0 <= (y0 + y1) / 2 <= box.y1 for box in boxes))
        expect.append(math.ceil(left * CHECK_SHARE) if left >= CHECK_MIN_WORDS else 0)
    return expect


def _burned(data: bytes, media_type: str, plan: RedactionPlan, *, ocr: bool, ocr_layer: bool,
            dpi: int, expect: Sequence[int] = ()) -> Redacted:
    """Burn every page and verify the copy; RedactionNotVerified if it fails.

    With OCR verification and a text layer, each page is read once (docs/redaction.md, "One
    reading per page"): the copy is burned without a layer and verified in full, the words
    the verifier read are laid over its pages as invisible text, and the result must pass
    every channel but OCR again and draw exactly the pages OCR read.
    """
    from papka.formats.burn import burn
    from papka.formats.verify import verify, verify_text

    read_once = ocr and ocr_layer
    result = burn(data, media_type, plan, dpi=dpi, ocr_layer=ocr_layer and not read_once)
    outcome = verify(result.data, result.media_type, plan.secrets, ocr=ocr,
                     expect_words=expect)
    failures = list(outcome.failures)
    if result.text is not None:
        failures += verify_text(result.text, plan.secrets).failures
    if failures:
        raise RedactionNotVerified(
            failures, _leftovers(plan, media_type, result.media_type, outcome.leaks))
    if not read_once or result.media_type != media.PDF:
        return result  # a picture that stays a picture has no text layer
    from papka.formats.text_layer import add_text_layer

    layered = add_text_layer(result.data, [reading.best for reading in outcome.readings])
    final = verify(layered, media.PDF, plan.secrets, ocr=False, same_pages_as=result.data)
    if not final.ok:
        raise RedactionNotVerified(final.failures)
    return replace(result, data=layered)


def _keep_text(data: bytes, media_type: str, plan: RedactionPlan, *, ocr: bool,
               ocr_layer: bool, dpi: int, expect: Sequence[int] = ()) -> Redacted:
    """Keep the text where papka can; each failure of verification burns more, never less.

    A DOCX, e-mail or text is typeset into a PDF first (as for burning), whose text is kept.
    """
    from papka.formats.burn import visible_text
    from papka.formats.rendering import as_pdf
    from papka.formats.text_redaction import keep_text
    from papka.formats.verify import verify, verify_text

    source = data if media_type == media.PDF else as_pdf(data, media_type)
    text = visible_text(source, plan) if media_type in TEXT_TYPES else None
    if text is not None and not verify_text(text, plan.secrets).ok:
        raise RedactionNotVerified(verify_text(text, plan.secrets).failures)
    for burn_all in (None, "verification"):
        kept = keep_text(source, plan, dpi=dpi, ocr_layer=ocr_layer, burn_all=burn_all)
        outcome = verify(kept.data, media.PDF, plan.secrets, ocr=ocr, gaps=True,
                         expect_words=expect)
        if outcome.ok:
            return Redacted(kept.data, media.PDF, plan.summary(), text,
                            burned_pages=kept.burned)
    # Something outside the boxes' pages still carries a secret: burn every page, as papka
    # does without keep_text.
    result = _burned(data, media_type, plan, ocr=ocr, ocr_layer=ocr_layer, dpi=dpi,
                     expect=expect)
    burned = {index: "verification" for index in _kept_pages(plan)}
    return Redacted(result.data, result.media_type, plan.summary(), result.text,
                    burned_pages=burned)


def _kept_pages(plan: RedactionPlan) -> list[int]:
    """Page numbers of the original, in the order they appear in the copy."""
    dropped = plan.dropped_pages()
    return [index for index in range(len(plan.pages)) if index not in dropped]


def _leftovers(plan: RedactionPlan, media_type: str, out_type: str,
               leaks: Sequence[Leak]) -> list[Leftover]:
    """Verification's findings in the original's pages and the plan's units, padded."""
    kept = _kept_pages(plan)
    found: list[Leftover] = []
    for leak in leaks:
        category = plan.secret_categories.get(plan.secrets[leak.secret], "custom") if (
            0 <= leak.secret < len(plan.secrets)) else "custom"
        if leak.channel == UNREAD:
            category = UNREADABLE_CATEGORY
        page = kept[leak.page] if leak.page is not None and leak.page < len(kept) else None
        box = None
        if leak.box is not None and page is not None:
            x0, y0, x1, y1 = leak.box
            # The copy's units: points when a picture became a PDF, else the plan's own.
            factor = FRAME_DPI / 72.0 if media_type in media.PICTURES and out_type == media.PDF \
                else 1.0
            x0, y0, x1, y1 = x0 * factor, y0 * factor, x1 * factor, y1 * factor
            sheet = plan.pages[page]
            pad = 0.25 * max(1.0, y1 - y0, x1 - x0 if (y1 - y0) > (x1 - x0) else 0.0)
            box = (max(0.0, x0 - pad), max(0.0, y0 - pad), min(sheet.width, x1 + pad),
                   min(sheet.height, y1 + pad))
        found.append(Leftover(page, category, leak.channel, box))
    return found
