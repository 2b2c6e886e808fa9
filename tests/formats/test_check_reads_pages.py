"""A page the check cannot read is no proof that it is clean.

Planning reads a page and boxes what it finds; the independent check then reads the burned
copy. When the check reads far fewer words than planning read outside the boxes, it has missed
most of the page, and "nothing found" there would be a silent pass. The copy is refused, with
the keeper's --unreadable choice as the way forward (docs/redaction.md, "Pages the check could
not read").
"""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image, ImageDraw, ImageFont

from papka import media
from papka.formats import (
    RedactionNotVerified,
    fonts,
    ocr,
    plan_redaction,
    redact_as_planned,
)
from papka.formats.plan import UNREADABLE_CATEGORY
from papka.formats.redaction import CHECK_MIN_WORDS, CHECK_SHARE, expected_words
from papka.formats.verify import pages as check_pages
from papka.formats.verify import verify
from papka.formats.verify.report import UNREAD
from tests.conftest import require_tool
from tests.formats import planted

LINES = [planted.KEEP, f"Мать: {planted.NAME}", "Справка выдана для предъявления по месту",
         "требования в военный комиссариат города", "Сведения о прохождении службы верны"]


def _page() -> bytes:
    picture = Image.new("L", (1100, 560), 255)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(fonts.REGULAR), 34)
    for number, line in enumerate(LINES):
        draw.text((50, 50 + number * 95), line, font=font, fill=0)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _check_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, Tesseract finds no word on any page (as on a page the check's views all
    fail on)."""
    monkeypatch.setattr(ocr, "recognise", lambda *_, **__: ocr.OcrPage([], {}))


def test_planning_notes_where_it_read_words_and_the_check_is_asked_for_a_share() -> None:
    require_tool("tesseract")
    data = _page()
    plan = plan_redaction(data, media.PNG, preset=None, hide=[planted.NAME])
    reading = plan.readings[0]
    assert reading.status == "read"
    places = reading.confident_places
    assert len(places) == reading.confident_words >= 15
    sheet = plan.pages[0]
    assert all(0 <= x0 < x1 <= sheet.width and 0 <= y0 < y1 <= sheet.height
               for x0, y0, x1, y1 in places)
    # The name's words lie under its box and are not asked for.
    (box,) = plan.boxes()
    under = [p for p in places if box.x0 <= (p[0] + p[2]) / 2 <= box.x1
             and box.y0 <= (p[1] + p[3]) / 2 <= box.y1]
    assert len(under) >= 2
    left = len(places) - len(under)
    assert expected_words(plan) == [math.ceil(left * CHECK_SHARE)]
    # A page boxed whole leaves nothing to read, and asks for nothing.
    plan.add_box(0, 0, 0, sheet.width, sheet.height)
    assert expected_words(plan) == [0]
    assert CHECK_MIN_WORDS > 0


def test_a_page_the_check_cannot_read_is_refused_not_passed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("tesseract")
    data = _page()
    plan = plan_redaction(data, media.PNG, preset=None, hide=[planted.NAME])
    assert plan.readings[0].status == "read" and expected_words(plan)[0] >= 5
    _check_reads_nothing(monkeypatch)
    # Without the expectation the check finds no secret in what it read: nothing.
    burned_alone = verify(data, media.PNG, [planted.NAME], ocr=True)
    assert burned_alone.ok
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(data, media.PNG, plan)
    refusal = caught.value
    assert refusal.failures == [UNREAD]
    assert refusal.unread_pages() == [0]
    (leftover,) = refusal.leftovers
    assert leftover.category == UNREADABLE_CATEGORY and leftover.box is None
    assert planted.NAME not in refusal.message


def test_the_keepers_choice_for_unreadable_pages_covers_the_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("tesseract")
    data = _page()
    accept_plan = plan_redaction(data, media.PNG, preset=None, hide=[planted.NAME])
    box_plan = plan_redaction(data, media.PNG, preset=None, hide=[planted.NAME])
    _check_reads_nothing(monkeypatch)
    accepted = redact_as_planned(data, media.PNG, accept_plan, unreadable="accept")
    # Accepted: the page keeps its text outside the name's box.
    picture = Image.open(io.BytesIO(accepted.data)).convert("L")
    assert picture.getextrema() == (0, 255)
    boxed = redact_as_planned(data, media.PNG, box_plan, unreadable="box")
    picture = Image.open(io.BytesIO(boxed.data)).convert("L")
    assert picture.getextrema() == (0, 0)
    assert boxed.log.unreadable == {0: "box"}


def test_the_check_reads_every_view_before_it_counts_a_page_as_unread() -> None:
    require_tool("tesseract")
    picture = Image.open(io.BytesIO(_page()))
    plain = check_pages.read_page(picture, 300, 1.0)
    assert len(plain.views) == 1 and plain.read_well and plain.confident_words >= 15
    wanting = check_pages.read_page(picture, 300, 1.0, expect=plain.confident_words + 50)
    # As it is; evened out; and turned a quarter each way and upside down.
    assert len(wanting.views) >= 5
    assert wanting.confident_words == plain.confident_words
    short = verify(_page(), media.PNG, [], ocr=True,
                   expect_words=[plain.confident_words + 50])
    assert short.failures == [UNREAD] and short.leaks[0].page == 0
    assert verify(_page(), media.PNG, [], ocr=True,
                  expect_words=[plain.confident_words]).ok


def test_the_check_paints_a_dark_table_white_when_it_falls_short() -> None:
    """Faint print on a dark table: the check's usual views read six words; asked for twenty,
    it reads the page again with the surround painted white."""
    require_tool("tesseract")
    from tests.formats.test_views import faint_photo_on_a_dark_table

    photo = faint_photo_on_a_dark_table()
    usual = check_pages.read_page(photo, 300, 1.0)
    assert usual.confident_words < 20
    wanting = check_pages.read_page(photo, 300, 1.0, expect=20)
    assert wanting.confident_words >= 20
