"""What sharp and slightly blurred photos of the detection papers lost, and how it is boxed.

Photos made as test_blurred_photos makes them (a sheet of 30 px DejaVu at about 200 dpi,
tilted 1.5°, blurred, reduced, saved as JPEG) passed with exit 0 while part of an identifier
stayed readable: the first word of an address that ended the line before the rest, the house
number closing an address that OCR read as letters, a postcode and town that a full stop read
for a comma cut off from their street, a surname OCR cut short («Гусей»), the middle of a
patronymic OCR did not read, and a brother's first name OCR read as garbage between "brother"
and his surname. Each is checked on the text as OCR gave it and on the photo itself, where
the letters' places on the photo are worked out from how the sheet was drawn.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench.phone_photos import perspective
from papka import media
from papka.formats import fonts, ocr, plan_redaction, planner
from papka.formats.detect import detect
from papka.formats.plan import PagePlan, RedactionPlan
from tests.conftest import require_tool
from tests.formats.test_blurred_photos import _photo
from tests.formats.test_detect import (
    ASYLUM_LETTER,
    CRIMINAL_CASE,
    MEDICAL,
    MILITARY_ID,
    SUMMONS,
)

#: The papers with the keeper's hide list the detection tests give each.
PAPERS = {
    "ASYLUM_LETTER": (ASYLUM_LETTER, ["Кравчишин", "Юрий"]),
    "CRIMINAL_CASE": (CRIMINAL_CASE, ["Гусейнов Руслан Эльдарович"]),
    "MEDICAL": (MEDICAL, ["Кравчишин"]),
    "MILITARY_ID": (MILITARY_ID, ["Елкин Дмитрий Сергеевич"]),
    "SUMMONS": (SUMMONS, ["Кравчишин Андрей Викторович"]),
}


def _found(text: str, category: str = "address") -> list[str]:
    return [f.text for f in detect(text, preset="ru-personal", use_ner=False)
            if f.category == category]


# --- detection on the text as OCR gave it -----------------------------------------------------


def test_an_address_whose_first_word_ends_the_line_before_is_found_whole() -> None:
    """The photo's lines break «... по адресу: Московская» / «обл., г. Подольск, ...»: the
    region was not taken, and «Московская» stayed readable on every photo of the case."""
    text = ("Мать подозреваемого, Гусейнова Лейла Маратовна, проживает по адресу: Московская\n"
            "обл., г. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118; тел. +7 916 205-33-71.")
    assert _found(text) == [
        "Московская\nобл., г. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118"]
    for text, address in (("проживает: ул.\nЛенина, д.\n5, кв.\n12", "ул.\nЛенина, д.\n5, кв.\n12"),
                          ("адрес: Ленинский\nпроспект, д. 5", "Ленинский\nпроспект, д. 5"),
                          ("Калининский\nр-н, с. Горки, ул. Луговая, д. 3",
                           "Калининский\nр-н, с. Горки, ул. Луговая, д. 3")):
        assert _found(text) == [address], text
    # A year's "г." before a line break is no town, and a line break alone joins nothing.
    for text in ("15 апреля 2024 г.\nСледователь военного отдела", "Московская\nобласть"):
        assert not _found(text), text
    found = detect("15 апреля 2024 г.\nСледователь", preset="ru-strict", use_ner=False)
    assert not [f for f in found if f.category in {"place", "address"}]


def test_a_house_number_ocr_read_as_letters_still_closes_the_address() -> None:
    """Two sharp photos of the medical certificate read «д. 3.» as "д. a" and "д. ae"."""
    line = "Адрес больницы: г. Ростов-на-Дону, ул. 40 лет Победы, д. {}"
    for number in ("a", "ae", "З.", "3"):
        assert _found(line.format(number)) == [line.format(number)[16:]], number
    assert _found("г. Тверь, ул. Советская, д. 15, кв. a2") == [
        "г. Тверь, ул. Советская, д. 15, кв. a2"]
    # Only inside an address: "и т. д." stays, and never swallows the marker after it.
    for text in ("и т. д. и т. п.", "жили в г. Тверь и т. д. а также", "кв. ab"):
        assert not _found(text), text
    assert _found("и т. д. ул. Ленина, д. 5") == ["ул. Ленина, д. 5"]


def test_a_flat_marker_ocr_misread_still_closes_the_address() -> None:
    """A photo upside down, faint and sent through a messenger read «д. 15, кв. 42» as
    "д. 15, xe. 42.", and the flat stayed readable."""
    for flat in ("xe. 42", "kb. 42", "Ke 42", "кe. 42"):
        line = f"адресу: 170100, г. Тверь, ул. Советская, д. 15, {flat}."
        assert _found(line) == [line[8:-1]], flat
    # Only inside an address.
    assert not _found("ke 42 и xe 12, XE 42 поле")


def test_a_full_stop_ocr_read_for_a_comma_does_not_cut_the_address() -> None:
    """A summons blurred by 2 pixels read «170100, г. Тверь, ул. Советская» with a full stop
    after the town; the postcode and the town were left out and stayed readable."""
    text = "проживающему по адресу: 170100, г. Тверь. ул. Советская, д. 15, кв. 42."
    assert _found(text) == ["170100, г. Тверь. ул. Советская, д. 15, кв. 42"]
    # Blurred by 2 pixels, «Московская обл.,» read as "Московская обл..,".
    address = "Московская\nобл..,\nг. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118"
    assert _found(f"по адресу: {address};") == [address]
    # A town at the end of a sentence is still no address on its own.
    assert not _found("г. Москва. Следователь военного отдела")


def test_a_street_marker_whose_hyphen_ocr_lost_still_makes_an_address() -> None:
    """A photo of the case taken at an angle, in shadow and sent through a messenger read
    «пр-т Ленина» as "пр т Ленина": the region and the town before it were taken as places
    only, and «Московская» stayed readable."""
    address = "Московская\nобл.,\nг. Подольск, пр т Ленина, д. 107/49, корп. 2"
    assert _found(f"проживает по адресу: {address}; тел.") == [address]
    assert _found("г. Подольск, пр—т Ленина") == ["г. Подольск, пр—т Ленина"]
    # Without a capitalised name after it, "пр т" is nothing.
    for text in ("пр т", "см. пр т. е. далее", "Пункт А: 15 человек", "в 2024 г, Следователь"):
        assert not _found(text), text


def test_a_phone_cut_short_after_its_label_is_found_with_its_country_code() -> None:
    """A second sheet lying over the case hid the end of «тел. +7 916 205-33-71», and OCR
    merged what was left into "тел. +7 916205": too few digits for a number's shape, and
    "916205" stayed readable."""
    assert _found("кв. 118; тел. +7 916205", "phone") == ["+7 916205"]
    assert _found("Моб. +7 (915) 732-4", "phone") == ["+7 (915) 732-4"]
    # No number, a code alone, a date, or numbers in a table without a label: nothing.
    for text in ("тел. не указан", "тел. +7 916", "телефон изъят 12.03.2023",
                 "Пункт А: 15 человек", "12 345 678 910 112 131", "+7 участников"):
        assert not _found(text, "phone"), text


def test_a_military_id_number_whose_series_ocr_lost_is_found_under_its_heading() -> None:
    """A photo of a military ID upside down, a finger over the series, read «ВОЕННЫЙ БИЛЕТ» /
    «АВ № 1234567» as "Й БИЛЕТ" / "234567": no letters before the digits, and the number
    stayed readable."""
    assert _found("Й БИЛЕТ\n234567\nлия ЁЛКИН", "military-id") == ["234567"]
    assert _found("военный билет № 1234567", "military-id") == ["1234567"]
    assert _found("удостоверение личности\n1234567", "military-id") == ["1234567"]
    # The series read with it is still taken whole; a ticket's date, a sum of money, a longer
    # number or one two lines on is not a military ID's number.
    assert _found("ВОЕННЫЙ БИЛЕТ АВ № 1234567", "military-id") == ["АВ № 1234567"]
    for text in ("купил билет 12 марта 2024 года", "билеты стоили 1200000 рублей",
                 "билет на поезд 123456789", "Билет № 1234 на 12.05.2024",
                 "военный билет\nвыдан\n1234567"):
        assert not _found(text, "military-id"), text


def test_a_town_after_an_address_word_is_an_address_when_the_line_is_cut() -> None:
    """A second sheet lying over a page turned three quarters, cut at the photo's edge, read
    «Адрес больницы: г. Ростов-на-Дону, ул. 40 лет Победы» as "Адрес больницы: г. Pocros-+":
    a town on its own is a place, and «Ростов» stayed readable."""
    assert _found("Адрес больницы: г. Pocros-+") == ["г. Pocros-+"]
    assert _found("Адрес: г. Нижний Новгород, где") == ["г. Нижний Новгород"]
    assert _found("по адресу г. Ростов-на-Дону") == ["г. Ростов-на-Дону"]
    # A whole address is taken whole, and a town with no address word before it, or an
    # address word before something else, is no address.
    assert _found("Адрес: г. Тверь, ул. Советская, д. 5") == ["г. Тверь, ул. Советская, д. 5"]
    for text in ("родился в г. Тверь", "адрес электронной почты: ivan@mail.ru",
                 "адрес не указан, г. Тверь"):
        assert not _found(text), text


def test_a_house_number_without_its_marker_is_part_of_the_address() -> None:
    """People write «ул. Советская, 15, кв. 42», and a photo of a summons on ruled paper read
    «ул. Советская, д. 15, кв. 42.» as "ул. Советская . 15, кв. 42.": the street was boxed,
    and the house and flat stayed readable."""
    for text, address in (
            ("ул. Советская, 15, кв. 42", "ул. Советская, 15, кв. 42"),
            ("170100, г. Тверь, ул. Советская . 15, кв. 42.",
             "170100, г. Тверь, ул. Советская . 15, кв. 42"),
            ("проживает: ул. Ленина, 5", "ул. Ленина, 5"),
            ("ул. Ленина 12а, кв 3", "ул. Ленина 12а, кв 3")):
        assert _found(text) == [address], text
    # Only after an address: a number alone, after a town alone, or a year, is not one.
    assert _found("ул. Ленина, 2024 г.") == ["ул. Ленина"]
    for text in ("В 2020 году 15 кв. м", "г. Тверь, 15 человек", "15, кв. 42"):
        assert not _found(text), text


def test_a_field_post_number_after_a_misread_word_and_labelled_coordinates_are_found() -> None:
    """A photo of a military ID on a curved page read «полевая почта 45087» as "полевая NYT?
    45087", and one of the English letter read «(GPS 56.8587, 35.9176)» as "(GPS 56.8587,
    35.917 d": the field post number and the mother's home stayed readable."""
    assert _found("В/Ч 73612, полевая NYT? 45087", "military-unit") == ["73612", "45087"]
    assert _found("полевая кухня 12", "military-unit") == []
    assert _found("still lives in Tver (GPS 56.8587, 35.917 d was", "gps") == [
        "56.8587, 35.917"]
    assert _found("координаты: 55,75 37,61", "gps") == ["55,75 37,61"]
    # Without the word, two short decimals are no coordinates.
    for text in ("version 3.11, 2.7 of", "56.85, 35.91"):
        assert not _found(text, "gps"), text


def test_a_personal_number_after_a_misread_word_is_found() -> None:
    """A fold across a photo of a military ID ran its crease through «Личный номер М-345678»:
    one reading gave "Личный ОБР г 245578", and the number stayed readable."""
    assert _found("Личный ОБР г 245578", "military-id") == ["245578"]
    assert _found("Личный номер М-345678", "military-id") == ["М-345678"]
    assert _found("Личный нмр: М 345678", "military-id") == ["М 345678"]
    # Not a sum, a year or a number far from the word.
    for text in ("Личный вклад 1200 рублей", "личный рекорд 2014 года",
                 "Личный состав части прибыл 12 мая, приказ 1234567"):
        assert not _found(text, "military-id"), text


def test_a_birth_date_whose_month_was_misread_is_found() -> None:
    """A fold across the top of «Дата рождения 7 ноября 1996 г.» read it "дата рождения 7 peel
    a 1996 г.": no rule took the date, and the copy passed with it readable."""
    assert _found("дата рождения 7 peel a 1996 г.", "birth-date") == ["7 peel a 1996 г."]
    assert _found("Дата рождения: 12 мзрта 1995 года", "birth-date") == ["12 мзрта 1995 года"]
    # Not without the birth word, not a number of years, not a day beyond 31.
    for text in ("Приказ от 7 peel a 1996 г.", "рождения 45 лет 1990",
                 "Место рождения г. Псков 1996", "рождения 37 peel 1996"):
        assert not _found(text, "birth-date"), text


def test_a_name_field_read_in_small_letters_is_found() -> None:
    """A fold across the top of «Имя  ДМИТРИЙ» on a military ID took the capitals' tops: OCR
    read "Имя дмитрий", no rule took a name in small letters, and it stayed readable."""
    assert _found("Имя дмитрий", "person") == ["дмитрий"]
    assert _found("Фамилия: елкин", "person") == ["елкин"]
    # A label in running text is no field.
    for text in ("укажите имя и фамилию", "имя отца", "фамилия матери"):
        assert not _found(text, "person"), text


def test_an_e_mail_whose_at_sign_ocr_lost_is_found() -> None:
    """A photo of the medical certificate in 24 px type read «dr.petrenko@gb7-rostov.ru» as
    "dr.p gb7-rostov.ru": without an "@" nothing took it, and the copy passed with it."""
    line = "Контакты о врача: dr.p gb7-rostov.ru, тел. 250-14-77."
    assert _found(line, "email") == ["dr.p gb7-rostov.ru"]
    assert _found("пишите ivan_petrov1998 mail.ru", "email") == ["ivan_petrov1998 mail.ru"]
    # English words before a domain, an abbreviation's full stop and a version number are no
    # names of an address.
    for text in ("visit gosuslugi.ru today", "see e.g. gosuslugi.ru", "i.e. www.site.ru",
                 "Version 2.0 example.com", "сайт gosuslugi.ru", "Email: ivan@mail.ru ok"):
        found = _found(text, "email")
        assert found in ([], ["ivan@mail.ru"]), text


# --- the planner's second pass on words as OCR gave them ----------------------------------------


def _page(*lines: str, unsure: tuple[str, ...] = ()) -> ocr.OcrPage:
    """Words of `lines`, one OCR line each; those in `unsure` read with little confidence."""
    words = [ocr.OcrWord(text, 10 * k, 10 * n, 8, 8, (1, 1, n),
                         40.0 if text in unsure else 96.0)
             for n, line in enumerate(lines) for k, text in enumerate(line.split())]
    return ocr.OcrPage(words, {})


def test_a_line_tesseract_split_into_blocks_is_read_in_its_order() -> None:
    """A sharp photo of the criminal case: «Мать подозреваемого, Гусейнова ... Московская»
    came as "Мать п" in one block and the rest in another, given after the next lines, so
    «Московская» was cut off from the «обл., г. Подольск ...» that follows it."""
    def word(text: str, left: int, top: int, line: tuple[int, int, int]) -> ocr.OcrWord:
        return ocr.OcrWord(text, left, top, 12 * len(text), 20, line, 95.0)

    words = [word("Мать", 81, 589, (1, 9, 2)), word("п", 152, 592, (1, 9, 2)),
             word("обл.,", 81, 624, (1, 9, 3)), word("г.", 81, 660, (1, 9, 4)),
             word("Подольск,", 110, 660, (1, 9, 4)),
             word("ого,", 318, 587, (3, 1, 1)), word("Московская", 1045, 564, (3, 1, 1)),
             # A block level with a line but far right of it, and one a line lower: not joined.
             word("стр.", 1300, 660, (4, 1, 1)), word("далее", 240, 700, (5, 1, 1))]
    ordered = planner.reading_order(ocr.OcrPage(words, {}))
    assert [(w.text, line) for w, line in ordered] == [
        ("Мать", (1, 9, 2)), ("п", (1, 9, 2)), ("ого,", (1, 9, 2)), ("Московская", (1, 9, 2)),
        ("обл.,", (1, 9, 3)), ("г.", (1, 9, 4)), ("Подольск,", (1, 9, 4)),
        ("стр.", (4, 1, 1)), ("далее", (5, 1, 1))]


def test_after_a_line_the_line_right_under_it_is_read_next() -> None:
    """A photo of the case taken at an angle of 25°: «проживает по адресу: Московская» came
    as a block continuing «Мать ... Маратовна,», and Tesseract gave a line from higher up
    («военнослужащий ...») before «обл.,», so «Московская» was cut off from its region."""
    def word(text: str, left: int, top: int, line: tuple[int, int, int]) -> ocr.OcrWord:
        return ocr.OcrWord(text, left, top, 14 * len(text), 36, line, 95.0)

    words = [word("Мать", 333, 1218, (6, 1, 2)), word("Маратовна,", 1302, 1193, (6, 1, 2)),
             word("военнослужащий", 267, 731, (7, 1, 1)), word("части", 985, 730, (7, 1, 1)),
             word("адресу:", 1936, 1182, (9, 1, 1)), word("Московская", 2132, 1172, (9, 1, 1)),
             word("обл.,", 343, 1280, (10, 1, 1)), word("г.", 352, 1354, (10, 1, 2)),
             word("Подольск,", 403, 1344, (10, 1, 2)),
             # After a blank line: the next paragraph, read in Tesseract's order.
             word("ПОСТАНОВИЛ:", 350, 1500, (11, 1, 1)), word("юстиции", 270, 790, (12, 1, 1))]
    ordered = planner.reading_order(ocr.OcrPage(words, {}))
    assert [w.text for w, _line in ordered] == [
        "Мать", "Маратовна,", "адресу:", "Московская", "обл.,", "г.", "Подольск,",
        "военнослужащий", "части", "юстиции", "ПОСТАНОВИЛ:"]


def _spaced_page(*lines: str, unsure: tuple[str, ...] = ()) -> ocr.OcrPage:
    """Words of `lines` as OCR places them, 14 px a letter, one OCR line each; those in
    `unsure` read with little confidence."""
    words = []
    for n, line in enumerate(lines):
        left = 80
        for text in line.split():
            words.append(ocr.OcrWord(text, left, 60 + 45 * n, 14 * len(text), 30, (1, 1, n),
                                     40.0 if text in unsure else 96.0))
            left += 14 * len(text) + 14
    return ocr.OcrPage(words, {})


def _boxed(page: ocr.OcrPage) -> list[str]:
    """The words of `page` whose middle a box of detection's covers."""
    plan = RedactionPlan(media.JPEG, [PagePlan(2000, 1000)])
    planner._ocr_spans(plan, 0, page, lambda *rectangle: rectangle, preset="ru-personal",
                       hide=[], use_ner=False)
    return [word.text for word in page.words
            if any(box.x0 <= word.left + word.width / 2 <= box.x1
                   and box.y0 <= word.top + word.height / 2 <= box.y1
                   for box in plan.pages[0].boxes)]


def test_the_rest_of_the_line_is_boxed_when_ocr_was_unsure_where_an_address_ends() -> None:
    """A photo of the case taken at an angle of 18° read «д. 107/49, корп. 2» as "д. if
    07/49, корп. 2", "if" unsure: the address closed at "if", and «49» stayed readable."""
    line = "г. Подольск, пр-т Ленина, д. if 07/49, корп. 2, кв. 118; тел. +7 916 205-33-71."
    assert _boxed(_spaced_page(line, "На основании изложенного", unsure=("if",))) == [
        *line.split()]
    assert _boxed(_spaced_page(line)) == line.split()
    # Read with confidence, "if" still leaves a number after the address, which is taken with
    # the rest of its line, and so is any other number right after one; ordinary words
    # after one read with confidence, or an unsure word farther on, are not.
    assert _boxed(_spaced_page("ул. Советская, д. 15 2024 этаж")) == [
        "ул.", "Советская,", "д.", "15", "2024", "этаж"]
    # A number that may be a house's is the address's own, and the line goes on unboxed.
    assert _boxed(_spaced_page("ул. Советская, д. 15 1/2 этаж")) == [
        "ул.", "Советская,", "д.", "15", "1/2"]
    # (padding may reach into the word after the address: the boxes must be the same as when
    # all is read with confidence).
    for line in ("проживает по адресу: г. Тверь, ул. Советская, д. 15, кв. 42, ранее не судим",
                 "г. Тверь, ул. Советская, д. 15 ранее не судим"):
        boxed = _boxed(_spaced_page(line, unsure=("судим",)))
        assert boxed == _boxed(_spaced_page(line)), line
        assert boxed[:2] == ["г.", "Тверь,"] and "не" not in boxed and "судим" not in boxed


def test_a_name_ocr_cut_short_is_boxed_in_the_second_pass() -> None:
    """A criminal case blurred by 2 pixels read «Гусейнов» and the mother's «Гусейнова»
    confidently as "Гусей": the copy passed with both surnames readable."""
    names, forms = planner._keeper_names(["Гусейнов Руслан Эльдарович"])
    page = _page("рядовой Гусей Руслан Эль ь", "Мать г о, Гусей Лейла Маратовна,",
                 "Гусе Гусь Русла, гусей Эльдаров", unsure=("ь",))
    assert planner.misread_names(page, names, forms) == ["Гусей", "Гусей", "Русла", "Эльдаров"]
    # Found elsewhere on the page (not in the keeper's list), the same.
    page = _page("свидетель Шевчуков О. Н.", "показания Шевчу и Шевчукова")
    assert planner.misread_names(page, ["Шевчукова Ольга"]) == ["Шевчуков", "Шевчу"]
    # Four letters are too few; a small letter is no name; a word longer than the name is not
    # its beginning.
    assert planner.misread_names(_page("Шевч шевчу Шевчуковский"), ["Шевчукова"]) == []


def test_a_name_cut_short_is_boxed_as_long_as_the_name() -> None:
    """OCR's box of "Гусей" covers five letters of «Гусейнов»; "Эль ь" stood for
    «Эльдарович», its middle read as nothing."""
    names, forms = planner._keeper_names(["Гусейнов Руслан Эльдарович"])
    page = _page("рядовой Гусей Руслан Эль ь", "Мать г о, Гусей Лейла Маратовна,",
                 "Эль ь Русл Гусе", unsure=("ь",))
    cuts = planner.name_cuts(page, [*names, "Гусейнова Лейла Маратовна"], forms)
    assert [([word.text for word in group], letters) for group, letters in cuts] == [
        (["Гусей"], 9), (["Эль", "ь"], 10), (["Гусей"], 9)]
    # Three or four letters only right after a name, or a title or kinship word (a
    # certificate's second sheet cut at the photo's edge read "Выдана Кра!"); small letters
    # never; whole names are no cuts.
    page = _page("Эль ь Русл Гусе", "Руслан эльд Гусейнов Эльдарович")
    assert planner.name_cuts(page, names, forms) == []
    names, forms = planner._keeper_names(["Кравчишин Андрей Викторович"])
    page = _page("Выдана Кра!", "Гражданину Кра", "Выдана Кар", "выдана кра", "Справка Кра")
    assert [([word.text for word in group], letters)
            for group, letters in planner.name_cuts(page, names, forms)] == [
        (["Кра!"], 9), (["Кра"], 9)]


def test_a_garbled_word_between_a_kinship_word_and_a_name_is_boxed() -> None:
    """«His brother Iurii Kravchishin» read as "His brother иг! Kravchishin"."""
    page = _page("His brother иг! Kravchishin (Yuriy in his diploma)",
                 "Брат Анд Кравчишин", unsure=("иг!",))
    groups = planner.name_neighbours(page, ["Iurii Kravchishin", "Yuriy", "Кравчишин"])
    assert [[word.text for word in group] for group in groups] == [["иг!"], ["Анд"]]
    # An ordinary word read with confidence between a kinship word and a name stays, and so
    # do a title and a name read whole. An English word there is taken (the dictionary is
    # Russian): boxed, on the safe side.
    page = _page("Мать подозреваемого, Гусейнова Лейла", "His mother, Mrs. Olga Kravchishina",
                 "Гражданину Кравчишину Андрею Викторовичу", "his brother also Kravchishin")
    groups = planner.name_neighbours(page, ["Гусейнова Лейла", "Olga Kravchishina",
                                            "Кравчишину Андрею Викторовичу", "Kravchishin"])
    assert [[word.text for word in group] for group in groups] == [["also"]]


def test_a_word_in_another_script_or_with_signs_no_word_has_before_a_name_is_boxed() -> None:
    """A photo of the English letter turned three quarters, a second sheet over it, read
    «His brother Iurii Kravchishin» as "His brother иг! Kravchishin" again, now with
    confidence, and "иг" is in the dictionary: «Iurii» stayed readable."""
    names = ["Iurii Kravchishin", "Kravchishin", "Кравчишин"]
    page = _page("His brother иг! Kravchishin", "His brother Ир| Kravchishin",
                 "Брат Ivan Кравчишин")
    assert [[word.text for word in group]
            for group in planner.name_neighbours(page, names)] == [["иг!"], ["Ир|"], ["Ivan"]]
    # A word of the dictionary in the name's script, read with confidence, stays.
    page = _page("Брат его Кравчишин", "брат, «его» Кравчишин", "Брат из-за Кравчишин")
    assert planner.name_neighbours(page, names) == []


def test_an_unsure_capitalised_word_right_after_a_name_is_boxed() -> None:
    """A small photo of the English letter turned a quarter read «Kravchishin (Yuriy in his
    diploma)» as "Kravchishin (Vurty in his diploma)", "Vurty" read unsure, and the other
    spelling of the brother's name stayed readable."""
    names = ["Iurii Kravchishin", "Kravchishin"]
    page = _page("His brother Кий Kravchishin (Vurty in his diploma) left", unsure=("(Vurty",))
    groups = planner.name_neighbours(page, names)
    assert [[word.text for word in group] for group in groups] == [["Кий"], ["(Vurty"]]
    # Read with confidence, a small word, or nothing before it that is a name: left alone.
    page = _page("Kravchishin (Yuriy in his diploma)", "Kravchishin left Moscow",
                 "Kravchishin, and Then", "the Vurty", unsure=("left", "Then", "Vurty"))
    assert planner.name_neighbours(page, names) == []


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_on_the_papers_clean_text_the_second_pass_adds_no_box(name: str) -> None:
    """Read as OCR would read them without a mistake, the five papers give these rules
    nothing to box: every name they take there is a name detection found already."""
    text, hide = PAPERS[name]
    found = detect(text, preset="ru-personal", hide=hide, use_ner=True)
    people = [f.text for f in found if f.category in {"person", "relative", "keeper-name"}]
    names, forms = planner._keeper_names(hide)
    page = _page(*text.split("\n"))
    also = planner.misread_names(page, [*people, *names], forms)
    assert also == []
    assert planner.name_neighbours(page, [*people, *names], forms) == []
    # A surname found in both genders is the other's beginning ("Kravchishin" of
    # "Kravchishina" when NER found both): its box grows by a letter, and no other word is
    # taken.
    for group, _letters in planner.name_cuts(page, [*people, *names], forms):
        assert [word.text for word in group] == [group[0].text]
        assert any(group[0].text.strip(".,") in person for person in people), group[0].text


# --- on the photos --------------------------------------------------------------------------------


def _letters_on_photo(text: str, part: str, scale: float) -> list[tuple[float, float]]:
    """Where the letters of `part` (its first occurrence in `text`) lie on _photo(text, scale,
    ...): drawn as test_small_pictures._sheet draws the sheet, turned 1.5° with it, reduced."""
    centres = _sheet_letters(text, part, 30, blank_lines=True)
    width, height = 1654, 2339
    cos, sin = math.cos(math.radians(1.5)), math.sin(math.radians(1.5))
    turned_width = math.ceil(width * cos + height * sin - 1e-6)
    turned_height = math.ceil(width * sin + height * cos - 1e-6)
    sx = round(turned_width * scale) / turned_width
    sy = round(turned_height * scale) / turned_height
    placed = []
    for x, y in centres:
        dx, dy = x - width / 2, y - height / 2
        placed.append(((turned_width / 2 + dx * cos + dy * sin) * sx,
                       (turned_height / 2 - dx * sin + dy * cos) * sy))
    return placed


def _inside(x: float, y: float, corners: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _uncovered(plan: RedactionPlan, text: str, part: str, scale: float) -> int:
    """How many letters of `part` no box of the plan covers on the photo."""
    boxes = plan.pages[0].boxes
    left = 0
    for x, y in _letters_on_photo(text, part, scale):
        if not any(_inside(x, y, box.corners) if box.corners
                   else box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1 for box in boxes):
            left += 1
    return left


@pytest.mark.parametrize(("name", "scale", "quality", "spread", "parts"), [
    # «Московская» ends the line before the rest of the address (every photo of the case).
    ("CRIMINAL_CASE", 0.7, 85, 1.2, ["Московская", "Подольск"]),
    # The line read as two blocks, «Мать п» and «ого, Гусей ... Московская» given after the
    # lines below it.
    ("CRIMINAL_CASE", 0.8, 40, 1.2, ["Московская", "Гусейнова Лейла Маратовна"]),
    # Blurred by 2 pixels: «обл.,» read as "обл..,".
    ("CRIMINAL_CASE", 0.7, 85, 2.0, ["Московская", "Подольск"]),
    # «д. 3.» read as "д. ae".
    ("MEDICAL", 0.8, 85, 1.2, ["Ростов-на-Дону", "Победы, д. 3"]),
    # «Гусейнов» and «Гусейнова» read as "Гусей", «Эльдарович» as "Эль ь".
    ("CRIMINAL_CASE", 0.8, 85, 2.0, ["Гусейнов Руслан Эльдарович", "Гусейнова Лейла"]),
    # «Тверь, ул.» read as "Тверь. ул.".
    ("SUMMONS", 0.7, 40, 2.0, ["170100, г. Тверь, ул. Советская, д. 15, кв. 42"]),
    # «Iurii» read as "иг!".
    ("ASYLUM_LETTER", 0.6, 40, 1.2, ["Iurii Kravchishin"]),
], ids=["region-at-line-end", "line-split-into-blocks", "two-marks-gap", "house-read-as-letters",
        "surname-cut-short", "full-stop-gap", "first-name-garbled"])
def test_what_the_photos_lost_is_boxed(name: str, scale: float, quality: int, spread: float,
                                       parts: list[str]) -> None:
    require_tool("tesseract")
    text, hide = PAPERS[name]
    data = _photo(text, scale, spread, quality)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal", hide=hide)
    assert plan.readings[0].status == "read", plan.readings[0]
    for part in parts:
        assert _uncovered(plan, text, part, scale) == 0, part


def _angled_photo(text: str, degrees: float, size: int, scale: float
                  ) -> tuple[bytes, Callable[[float, float], tuple[float, float]]]:
    """`text` in `size` px type on a sheet tilted 1.5°, blurred by 1.2 pixels, seen by a
    camera turned `degrees` about the page's horizontal axis (its top farther away than its
    bottom), reduced by `scale` and saved as a JPEG of quality 85; and where a point of the
    sheet lies on the photo."""
    font = ImageFont.truetype(str(fonts.REGULAR), size)
    sheet = Image.new("L", (1654, 2339), 235)
    draw = ImageDraw.Draw(sheet)
    lines = [line for paragraph in text.split("\n") for line in textwrap.wrap(paragraph, 80)]
    for number, line in enumerate(lines):
        draw.text((80, 60 + number * round(size * 1.5)), line, font=font, fill=40)
    sheet = sheet.rotate(1.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    sheet = sheet.filter(ImageFilter.GaussianBlur(1.2))
    width, height = sheet.size
    distance, turn = 1.3 * max(width, height), math.radians(degrees)

    def seen(x: float, y: float) -> tuple[float, float]:
        near = distance / (distance + (y - height / 2) * math.sin(turn))
        return (x - width / 2) * near, (y - height / 2) * math.cos(turn) * near

    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    placed = [seen(x, y) for x, y in corners]
    least_x, least_y = min(u for u, _ in placed), min(v for _, v in placed)
    placed = [(u - least_x + 20, v - least_y + 20) for u, v in placed]
    frame = (math.ceil(max(u for u, _ in placed)) + 20, math.ceil(max(v for _, v in placed)) + 20)
    sheet = sheet.transform(frame, Image.Transform.PERSPECTIVE,
                            tuple(perspective(corners, placed)), Image.Resampling.BICUBIC,
                            fillcolor=235)
    a, b, c, d, e, f, g, h = perspective(placed, corners)
    photo = sheet.resize((round(frame[0] * scale), round(frame[1] * scale)),
                         Image.Resampling.LANCZOS)
    sx, sy = photo.width / frame[0], photo.height / frame[1]
    cos, sin = math.cos(math.radians(1.5)), math.sin(math.radians(1.5))

    def where(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - 1654 / 2, y - 2339 / 2
        x, y = width / 2 + dx * cos + dy * sin, height / 2 - dx * sin + dy * cos
        w = g * x + h * y + 1
        return (a * x + b * y + c) / w * sx, (d * x + e * y + f) / w * sy

    buffer = io.BytesIO()
    photo.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue(), where


def _sheet_letters(text: str, part: str, size: int, *, blank_lines: bool = False
                   ) -> list[tuple[float, float]]:
    """The middles of the letters of `part` (its first occurrence) as _angled_photo draws
    `text` on its sheet (`blank_lines`: as test_small_pictures._sheet draws it, an empty
    paragraph taking a line)."""
    font = ImageFont.truetype(str(fonts.REGULAR), size)
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    wanted = range(text.index(part), text.index(part) + len(part))
    centres = []
    number, base = 0, 0
    for paragraph in text.split("\n"):
        pointer = 0
        for line in textwrap.wrap(paragraph, 80) or ([""] if blank_lines else []):
            at = paragraph.find(line, pointer) if line else pointer
            y = 60 + number * round(size * 1.5)
            top, bottom = draw.textbbox((80, y), line, font=font)[1::2]
            centres += [(80 + (draw.textlength(line[:i], font=font)
                               + draw.textlength(line[: i + 1], font=font)) / 2,
                         (top + bottom) / 2)
                        for i, char in enumerate(line) if base + at + i in wanted
                        and char.isalnum()]
            pointer = at + len(line)
            number += 1
        base += len(paragraph) + 1
    return centres


@pytest.mark.parametrize(("name", "degrees", "size", "scale", "part"), [
    # «д. 107/49» read as "д. if 07/49".
    ("CRIMINAL_CASE", 18, 30, 0.7, "обл.,\nг. Подольск, пр-т Ленина, д. 107/49, корп. 2"),
    # «... по адресу: Московская» a block of its own, a line from higher up before «обл.,».
    ("CRIMINAL_CASE", 25, 30, 0.7, "Московская обл.,\nг. Подольск"),
    # «dr.petrenko@gb7-rostov.ru» read as "dr.p gb7-rostov.ru".
    ("MEDICAL", 0, 24, 0.8, "dr.petrenko@gb7-rostov.ru"),
], ids=["house-number-misread", "region-read-after-a-higher-line", "at-sign-lost"])
def test_what_photos_at_an_angle_lost_is_boxed(name: str, degrees: float, size: int,
                                                scale: float, part: str) -> None:
    require_tool("tesseract")
    text, hide = PAPERS[name]
    data, where = _angled_photo(text, degrees, size, scale)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal", hide=hide)
    assert plan.readings[0].status == "read", plan.readings[0]
    letters = [where(x, y) for x, y in _sheet_letters(text, part, size)]
    assert len(letters) == sum(char.isalnum() for char in part)
    left = [(round(x), round(y)) for x, y in letters
            if not any(_inside(x, y, box.corners) if box.corners
                       else box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1
                       for box in plan.pages[0].boxes)]
    assert left == [], part


def test_the_photo_geometry_is_right() -> None:
    """The letters' places worked out above lie on the photo's ink (else the test above
    would check nothing)."""
    picture = Image.open(io.BytesIO(_photo(MEDICAL, 0.7, 0.0, 95))).convert("L")
    places = _letters_on_photo(MEDICAL, "Кравчишину", 0.7)
    assert len(places) == len("Кравчишину")
    for x, y in places:
        assert min(picture.getpixel((round(x) + dx, round(y) + dy))
                   for dx in range(-3, 4) for dy in range(-3, 4)) < 120


def test_an_upside_down_photo_of_a_military_id_is_read_boxed_and_checked() -> None:
    """A military ID photographed upside down at 11 pixels a letter: planning read it half a
    turn round and boxed the unit, but the check read the copy at its size, which is too small
    for Tesseract once turned (4 words where planning read 35), and refused it. The check reads
    each turn enlarged, as planning does, before it calls a page unread."""
    require_tool("tesseract")
    from papka.formats.redaction import redact_as_planned
    from papka.formats.verify import verify

    text, hide = PAPERS["MILITARY_ID"]
    picture = Image.open(io.BytesIO(_photo(text, 0.6, 1.2, 85))).rotate(180, expand=True)
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=70)
    data = buffer.getvalue()
    plan = plan_redaction(data, media.JPEG, preset="ru-personal", hide=hide)
    assert plan.readings[0].status == "read" and plan.readings[0].turned == 180
    assert "73612" in [box.text for box in plan.pages[0].boxes]
    done = redact_as_planned(data, media.JPEG, plan)
    assert verify(done.data, media.JPEG, ["73612", *hide], ocr=True).ok
