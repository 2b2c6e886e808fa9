"""Identifiers with a fixed shape or a checksum, as they appear in Russian papers and in OCR.

Patterns tolerate what scans and OCR do to numbers: spaces inside them, "№" or "номер" between
series and number, brackets and dashes in phone numbers, line breaks inside "войсковая часть".
Each pattern marks only the identifying part (the number, not the word "паспорт"), so the
surrounding words stay readable. Limits are listed in docs/detection.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papka.formats.detectors import Hit

# Separators OCR and people put inside phone numbers.
_SEP = r"[ \t\-‐‑–.]"
# "№", "N", "No." or "номер" between a series and a number; also "№" as OCR reads it ("Ne",
# "N°", "Nº": a sideways photo gave "военный билет AKNe4512378", and the number stayed).
_NUMBER_SIGN = r"(?:№|N[eoº°]?\.?|(?i:номер))"
# A number must not continue a longer run of digits on either side.
_NO_DIGIT_BEFORE = r"(?<![\d.,/\-–])"
_NO_DIGIT_AFTER = r"(?![\d])(?![.,]\d)"


def _spaced_digits(count: int) -> str:
    """`count` digits, each pair optionally split by one separator."""
    return rf"\d(?:{_SEP}?\d){{{count - 1}}}"


# ---- phones --------------------------------------------------------------------------------

# Russia and Kazakhstan share +7 (Kazakh numbers start +7 7xx); 8 is the domestic prefix.
# OCR of a photo taken at an angle split the code «(915)» as "(9 15)": a space may stand
# between its digits.
_PHONE_RU_KZ = re.compile(
    rf"(?<![\w+])(?:\+[ \t]?7|8)(?!\d{{11}}){_SEP}*\(?[ \t]*\d[ \t]?\d[ \t]?\d[ \t]*\)?{_SEP}*"
    rf"{_spaced_digits(7)}{_NO_DIGIT_AFTER}"
)
# Armenia: +374 and 8 digits; Georgia: +995 and 9 digits.
_PHONE_AM = re.compile(
    rf"(?<![\w+])\+[ \t]?374{_SEP}*\(?[ \t]*\d{{2}}[ \t]*\)?{_SEP}*"
    rf"{_spaced_digits(6)}{_NO_DIGIT_AFTER}"
)
_PHONE_GE = re.compile(
    rf"(?<![\w+])\+[ \t]?995{_SEP}*\(?[ \t]*\d{{3}}[ \t]*\)?{_SEP}*"
    rf"{_spaced_digits(6)}{_NO_DIGIT_AFTER}"
)
# Any other number written with a "+" and a country code (a lawyer abroad, a relative).
_PHONE_INTERNATIONAL = re.compile(
    rf"(?<![\w+])\+[ \t]?[1-9]\d{{0,2}}{_SEP}*\(?[ \t]*\d{{1,4}}[ \t]*\)?{_SEP}*"
    rf"\d(?:{_SEP}?\d){{5,10}}{_NO_DIGIT_AFTER}"
)
# A number after "тел." may lack a country prefix: "тел. 345-67-89", "тел.: (4822) 34-56-78",
# "Телефон для справок (495) 123-45-67" (up to three words between). OCR of a photo saved at
# JPEG quality 12 read "тел. +7 916 205-33-71" as "тел, 47.916 205-33-71"; a photo tilted by 6
# degrees read «тел. 250-14-77» as "Ten 250-14-77" (Latin look-alikes: "Ten" or "TEN", or a
# small "ten" with a full stop or colon, so that the English word in running text is left
# alone; "Ten 250-300 people" opening a sentence is boxed, which errs on the safe side). A
# country code after the word counts with the number: a photo with a second sheet over the
# case read «тел. +7 916 205-33-71» as "тел. +7 916205", the rest hidden under the sheet, and
# too few digits were left for a full number's shape.
_PHONE_AFTER_WORD = re.compile(
    r"(?<!\w)(?:(?i:тел(?:ефон\w{0,2})?|моб(?:ильный)?|сот(?:овый)?|phone|tel|mob(?:ile)?)[.,]?"
    r"|(?:Ten|TEN)[.:]?|ten[.:])"
    r"(?:[ \t]+[^\W\d_]{1,12}){0,3}[ \t]*(?:[:№][ \t]*)?"
    rf"(?P<number>(?:\+[ \t]?)?\(?\d[\d \t\-‐–().]{{4,16}}\d){_NO_DIGIT_AFTER}"
)


# A city code in brackets is a phone number on its own: "(495) 123-45-67", "(4822) 34-56-78".
_PHONE_AREA_CODE = re.compile(
    rf"(?<![\w(])\([ \t]?\d{{3,5}}[ \t]?\)[ \t]?\d{{1,3}}(?:{_SEP}?\d{{2}}){{2}}{_NO_DIGIT_AFTER}"
)


_DATE_SHAPE = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def phones(text: str) -> Iterator[Hit]:
    for pattern, detector in (
        (_PHONE_RU_KZ, "phone"),
        (_PHONE_AM, "phone"),
        (_PHONE_GE, "phone"),
        (_PHONE_INTERNATIONAL, "phone-international"),
        (_PHONE_AREA_CODE, "phone-area-code"),
    ):
        for match in pattern.finditer(text):
            yield Hit(match.start(), match.end(), "phone", detector)
    for match in _PHONE_AFTER_WORD.finditer(text):
        digits = sum(ch.isdigit() for ch in match["number"])
        # "телефон изъят 12.03.2023": a date after the word is not a number to call.
        if 5 <= digits <= 15 and not _DATE_SHAPE.fullmatch(match["number"]):
            yield Hit(match.start("number"), match.end("number"), "phone", "phone-after-word")


# ---- passports and military documents ------------------------------------------------------

# A passport word not far before the number, on the same line or the next.
_PASSPORT_WORD = (
    r"(?<!\w)(?i:паспорт\w*|серия|серии|загран\w*|заграничн\w*|passport|паспорта)"
    r"[^\d\n]{0,40}(?:\n[^\d\n]{0,20})?"
)
# Internal passport: series of 2+2 digits (region code and year of the form), number of 6.
_INTERNAL_STANDALONE = re.compile(
    rf"{_NO_DIGIT_BEFORE}\d{{2}}[ \t]?\d{{2}}[ \t]+\d{{6}}{_NO_DIGIT_AFTER}"
)
_INTERNAL_AFTER_WORD = re.compile(
    rf"{_PASSPORT_WORD}(?P<number>\d{{2}}[ \t]?\d{{2}}[ \t]*{_NUMBER_SIGN}?[ \t]*\d{{6}})"
    rf"{_NO_DIGIT_AFTER}"
)
# International passport: series of 2 digits, number of 7.
_FOREIGN_STANDALONE = re.compile(
    rf"{_NO_DIGIT_BEFORE}\d{{2}}[ \t]+(?:№[ \t]*)?\d{{7}}{_NO_DIGIT_AFTER}"
)
_FOREIGN_AFTER_WORD = re.compile(
    rf"{_PASSPORT_WORD}(?P<number>\d{{2}}[ \t]?{_NUMBER_SIGN}?[ \t]*\d{{7}}){_NO_DIGIT_AFTER}"
)
# Military ID (военный билет): two capital Cyrillic letters and 7 digits, "АВ 1234567".
_MILITARY_ID = re.compile(
    rf"(?<!\w)[А-ЯЁ]{{2}}[ \t]*{_NUMBER_SIGN}?[ \t]*\d{{7}}" + _NO_DIGIT_AFTER
)
# After "военный билет" or "удостоверение личности", OCR may read the letters as Latin
# look-alikes, and an officer's card has 6 or 7 digits.
# The number may stand on the next line, as on a military ID's first page.
_MILITARY_ID_AFTER_WORD = re.compile(
    r"(?<!\w)(?i:военн\w*[ \t\n]+билет\w*|удостоверени\w*[ \t\n]+личности)"
    r"[^\d\n]{0,30}?(?:\n[^\d\n]{0,30}?)?"
    rf"(?P<number>(?<!\w)[А-ЯЁABEKMHOPCTXY]{{2}}[ \t]*{_NUMBER_SIGN}?[ \t]*\d{{6,7}})"
    + _NO_DIGIT_AFTER
)
# The same after the words, when OCR misread its digits: a letter like a digit among them
# ("З" for 3 or 4, "О" for 0, "б" for 6) and a space inside ("АК№З5 12378" on a sideways
# photo, where the number stayed readable). Taken when at least five of its six or seven
# signs are digits (_misread_number).
_DIGIT_LIKE = "\\dЗзОоOoбIl|"
_MILITARY_ID_MISREAD = re.compile(
    r"(?<!\w)(?i:военн\w*[ \t\n]+билет\w*|удостоверени\w*[ \t\n]+личности)[^\d\n]{0,30}?"
    rf"(?P<number>(?<!\w)[А-ЯЁABEKMHOPCTXY]{{2}}[ \t]*{_NUMBER_SIGN}?[ \t]*"
    rf"[{_DIGIT_LIKE}]{{1,7}}(?:[ \t][{_DIGIT_LIKE}]{{1,6}})?)(?![{_DIGIT_LIKE}\w])"
)


# The number alone, its letters unread, on the line of the words or the next, after «билет»
# too (a military ID's heading «ВОЕННЫЙ БИЛЕТ» read as "Й БИЛЕТ"): a photo upside down with a
# finger over the series read «АВ № 1234567» as "234567" under "Й БИЛЕТ", and the number
# stayed readable. Six or seven digits, as a series' number has, and no sum of money.
_MILITARY_ID_DIGITS = re.compile(
    r"(?<!\w)(?i:(?:военн\w*[ \t\n]+)?билет\w*|удостоверени\w*[ \t\n]+личности)"
    r"[^\d\n]{0,30}?(?:\n[^\d\n]{0,30}?)?"
    rf"(?<![\d\w])[ \t]*{_NUMBER_SIGN}?[ \t]*(?P<number>\d{{6,7}})" + _NO_DIGIT_AFTER
    + r"(?![ \t]*(?i:руб|р\.|тенге|тг|драм|лари|rub|usd|\$|€))"
)


def _misread_number(number: str) -> bool:
    signs = re.sub(rf"^[^\W\d_]{{2}}[ \t]*{_NUMBER_SIGN}?[ \t]*", "", number)
    signs = signs.replace(" ", "").replace("\t", "")
    return 6 <= len(signs) <= 7 and sum(ch.isdigit() for ch in signs) >= 5


# A serviceman's personal number (личный номер): "АВ-123456", "Ж-123456".
# OCR of a blurred photo reads the dash as a dot ("М.345678") and a letter as its Latin
# look-alike.
_PERSONAL_NUMBER = re.compile(
    r"(?<!\w)(?i:личн\w*[ \t]+номер\w*)[ \t:№]*"
    r"(?P<number>[А-ЯЁABEKMHOPCTXY]{1,2}[ \t]?[-.–—][ \t]?\d{6}|[А-ЯЁABEKMHOPCTXY]{1,2}\d{6})"
    + _NO_DIGIT_AFTER
)
# The same when OCR misread «номер» and the number's letter: a fold across a military ID read
# «Личный номер М-345678» as "Личный ОБР г 245578" (the letter and its dash as a digit), and
# the number stayed readable. At most two words of up to eight signs, no digit among them,
# between «личный» and six to eight digits, on its line.
_PERSONAL_NUMBER_MISREAD = re.compile(
    r"(?<!\w)(?i:личн(?:ый|ого|ому|ым|ом))(?:[ \t]+[^\s\d]{1,8}){0,2}?[ \t:№]*"
    r"(?P<number>(?:[А-ЯЁABEKMHOPCTXY]{1,2}[ \t]?[-.–—]?[ \t]?)?(?<!\d)\d{6,8})"
    + _NO_DIGIT_AFTER
)
# "в/ч 12345", "в / ч 12345", "войсковой части 12345", "ВЧ 12345-А", "п/п 12345"
# (полевая почта). The number (with its letter suffix) is what identifies the unit. "в/ч" also
# as OCR reads it: "B/4", "в/4", "B/ч" (a sideways photo gave "B/4 73612", and the unit stayed),
# with a stray digit or mark glued to it before a space (another gave "В/Ч4 73612"), "BM" (a
# blurred one gave "BM 73612."), and before five digits "в" with one or two of the signs OCR
# makes of "/ч" (photos turned a quarter and half a turn gave "B/ 73612", "BN 73612" and, in
# capitals as a military ID prints it, "BAY 73612"), and "8/4" for it before five digits (a
# small photo upside down).
_MILITARY_UNIT = re.compile(
    r"(?<!\w)(?:(?i:[вb][ \t]*/[ \t]*[ч4](?:[\d.,;:'](?=[ \t]))?|"
    r"[вb][ \t]*[/|\\нnмmhч4]{1,2}[.,:;']?(?=[ \t]*\d{5}(?!\d)))|"
    r"[BВ][/|\\ЧY4УHНNМMAА]{1,2}[.,:;']?(?=[ \t]*\d{5}(?!\d))|"
    r"8[ \t]*/[ \t]*[ч4Ч](?=[ \t]*\d{5}(?!\d))|"
    r"(?i:вч|[вb][мm]|"
    r"(?:войсков|воинск)\w*\s+част\w*|"
    r"п[ \t]*/[ \t]*п|полев\w*\s+(?:почт\w*|[^\s\d]{2,6}(?=[ \t]*\d{5}(?!\d)))))"
    rf"[ \t]*(?:{_NUMBER_SIGN}[ \t]*)?[:]?[ \t\n]*"
    r"(?P<number>\d{4,5}(?:[ \t]?-[ \t]?[А-ЯЁA-Z0-9]{1,3}(?!\w))?)" + _NO_DIGIT_AFTER
)


# "части 54321" alone: OCR of a blurred photo read «войсковой части 54321» as «вой й части
# 54321», and the unit stayed. Five digits only, so that "части 2 статьи 338" and a year are not
# taken.
_MILITARY_UNIT_PART = re.compile(
    r"(?<!\w)(?i:част(?:и|ь|ью))[ \t]*(?:№[ \t]*)?"
    r"(?P<number>\d{5}(?:[ \t]?-[ \t]?[А-ЯЁA-Z0-9]{1,3}(?!\w))?)" + _NO_DIGIT_AFTER
)


# The same in English translations and Latin transliteration: "military unit No. 54321",
# "Military Unit 54321", "v/ch 54321", "field post office 12345".
_MILITARY_UNIT_EN = re.compile(
    r"(?<!\w)(?i:military[ \t\n]+unit|army[ \t\n]+unit|v[ \t]*/[ \t]*ch\.?|"
    r"field[ \t\n]+post(?:[ \t\n]+office)?|unit)"
    r"[ \t]*(?:(?i:No\.?|number|nr\.?)|№|#)?[ \t:]*\n?[ \t]*"
    r"(?P<number>\d{4,5}(?:[ \t]?-[ \t]?[A-Z0-9]{1,3}(?!\w))?)" + _NO_DIGIT_AFTER
)


# A case's number: "уголовное дело № 12402450021000017", "по делу № 1-123/2024",
# "материал проверки № 45пр-24", "КУСП № 4567", "criminal case No. 12402450021000017". Court
# registers publish a case's card under its number, with the defendant's name, so the number
# identifies the keeper; ru-personal keeps it (an asylum office verifies the case with it),
# ru-strict hides it. A number sign is required after the word, so "дело в том" or "дело 5 лет"
# is never read as a case.
_CASE_NUMBER = re.compile(
    r"(?<!\w)(?i:дел[оауе]м?|делу|материал\w*(?:\s+\w+)?\s+проверк\w*|куспп?|"
    r"(?:criminal\s+|court\s+)?case)"
    r"[ \t\u00a0]*(?:№|N|No\.?|(?i:номер|number|nr\.?))[ \t\u00a0]*"
    r"(?P<number>\d[\dА-ЯЁа-яёA-Za-z]*(?:[ \t]?[-/][ \t]?[\dА-ЯЁа-яёA-Za-z]+){0,4})"
    r"(?![\w])"
)


def _case_numbers(text: str) -> Iterator[Hit]:
    for match in _CASE_NUMBER.finditer(text):
        number = match.group("number")
        if sum(c.isdigit() for c in number) >= 2:
            yield Hit(match.start("number"), match.end("number"), "case-number", "case-number")


def documents(text: str) -> Iterator[Hit]:
    for match in _INTERNAL_STANDALONE.finditer(text):
        yield Hit(match.start(), match.end(), "passport-ru-internal", "passport-shape")
    for match in _INTERNAL_AFTER_WORD.finditer(text):
        yield Hit(match.start("number"), match.end("number"), "passport-ru-internal",
                  "passport-after-word")
    for match in _FOREIGN_STANDALONE.finditer(text):
        yield Hit(match.start(), match.end(), "passport-ru-foreign", "passport-shape")
    for match in _FOREIGN_AFTER_WORD.finditer(text):
        yield Hit(match.start("number"), match.end("number"), "passport-ru-foreign",
                  "passport-after-word")
    for match in _MILITARY_ID.finditer(text):
        yield Hit(match.start(), match.end(), "military-id", "military-id-shape")
    for pattern in (_MILITARY_ID_AFTER_WORD, _MILITARY_ID_DIGITS, _PERSONAL_NUMBER):
        for match in pattern.finditer(text):
            yield Hit(match.start("number"), match.end("number"), "military-id",
                      "military-id-after-word")
    for match in _PERSONAL_NUMBER_MISREAD.finditer(text):
        yield Hit(match.start("number"), match.end("number"), "military-id",
                  "personal-number-misread")
    for match in _MILITARY_ID_MISREAD.finditer(text):
        if _misread_number(match["number"]):
            yield Hit(match.start("number"), match.end("number"), "military-id",
                      "military-id-misread")
    for pattern in (_MILITARY_UNIT, _MILITARY_UNIT_PART):
        for match in pattern.finditer(text):
            yield Hit(match.start("number"), match.end("number"), "military-unit",
                      "military-unit")
    for match in _MILITARY_UNIT_EN.finditer(text):
        yield Hit(match.start("number"), match.end("number"), "military-unit",
                  "military-unit-en")
    yield from _case_numbers(text)


# ---- INN and SNILS: only numbers whose check digits are right ------------------------------

# OCR often drops the space in "ИНН7707083893".
_INN = re.compile(r"(?:(?<=ИНН)|(?<![\w.,/\-]))(?:\d{12}|\d{10})(?![\w])(?![.,]\d)")
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def inn_is_valid(number: str) -> bool:
    """The INN check digits (tax service rules): 10 digits for a company, 12 for a person."""
    if not number.isascii() or not number.isdigit():
        return False
    if len(number) == 10:
        return _check_digit(number[:9], _INN10_WEIGHTS) == int(number[9])
    if len(number) == 12:
        return (_check_digit(number[:10], _INN11_WEIGHTS) == int(number[10])
                and _check_digit(number[:11], _INN12_WEIGHTS) == int(number[11]))
    return False


_SNILS = re.compile(
    r"(?<![\w.,/\-])\d{3}[ \t\-]?\d{3}[ \t\-]?\d{3}[ \t\-]{0,3}\d{2}(?![\w])(?![.,]\d)"
)


def snils_is_valid(number: str) -> bool:
    """The SNILS control number: digits weighted 9..1, the sum mod 101 (100 and 101 give 00).

    Numbers up to 001-001-998 were issued without a checksum and are rejected here: they are
    not in use for living people.
    """
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != 11 or not digits.isascii():
        return False
    body, control = digits[:9], int(digits[9:])
    if int(body) <= 1001998:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(body))
    expected = total % 101
    if expected == 100:
        expected = 0
    return expected == control


def tax_numbers(text: str) -> Iterator[Hit]:
    for match in _INN.finditer(text):
        if inn_is_valid(match.group()):
            yield Hit(match.start(), match.end(), "inn", "inn-checksum")
    for match in _SNILS.finditer(text):
        if snils_is_valid(match.group()):
            yield Hit(match.start(), match.end(), "snils", "snils-checksum")


# ---- e-mail ---------------------------------------------------------------------------------

# OCR sometimes puts spaces around "@"; Cyrillic domains (.рф) are allowed.
_EMAIL = re.compile(
    r"(?<![\w.+\-])[\w.+\-]{1,64}[ \t]?@[ \t]?(?P<domain>[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8})"
)


#: An address OCR misread inside its domain ("gb7-rostov.ru" read as "gb/7-rostov.ru"): the
#: strict pattern stops at the odd character and finds nothing, so the address stayed readable
#: on the copy. Any run of marks up to a space after "@", ending in a dot and a top-level name.
_EMAIL_MISREAD = re.compile(
    r"(?<![\w.+\-])[\w.+\-]{1,64}[ \t]?@[ \t]?"
    r"(?P<domain>[^\s@,;:<>()\[\]«»\"']{1,200}?\.(?P<top>[^\W\d_]{2,24}))(?![\w\-])"
)


def emails(text: str) -> Iterator[Hit]:
    found: list[tuple[int, int]] = []
    for match in _EMAIL.finditer(text):
        domain = match["domain"]
        top = domain.rsplit(".", 1)[-1]
        if len(top) >= 2 and top.isalpha():
            found.append((match.start(), match.end()))
            yield Hit(match.start(), match.end(), "email", "email")
    for match in _EMAIL_MISREAD.finditer(text):
        if not any(start <= match.start() < end for start, end in found):
            yield Hit(match.start(), match.end(), "email", "email-misread")


# ---- GPS --------------------------------------------------------------------------------------

_LAT_LETTER = r"[NSСЮ]"
_LON_LETTER = r"[EWВЗ]"
# "55.7558, 37.6173", "55,7558; 37,6173", "N 55.7558 E 37.6173", "55.7558° с.ш., 37.6173° в.д.".
_GPS_DECIMAL = re.compile(
    rf"(?<![\w.,])(?:{_LAT_LETTER}[ \t]?)?(?P<lat>[+\-−]?\d{{1,2}}[.,]\d{{4,}})°?"
    rf"(?:[ \t]?(?:{_LAT_LETTER}|с\.[ \t]?ш\.|ю\.[ \t]?ш\.))?"
    rf"[ \t]*(?:[,;][ \t]*|[ \t]+)"
    rf"(?:{_LON_LETTER}[ \t]?)?(?P<lon>[+\-−]?\d{{1,3}}[.,]\d{{4,}})°?"
    rf"(?:[ \t]?(?:{_LON_LETTER}|в\.[ \t]?д\.|з\.[ \t]?д\.)(?!\w))?(?![\d])"
)
# After a word that says coordinates follow, two decimals each will do: a photo of a curved
# page with a stamp over it read «(GPS 56.8587, 35.9176)» as "(GPS 56.8587, 35.917 d", the last
# digit apart, and the coordinates of the mother's home stayed readable.
_GPS_LABELLED = re.compile(
    r"(?<!\w)(?i:gps|координат\w*|геолокаци\w*|coordinates?|location)[^\d\n]{0,12}?"
    r"(?P<pair>(?P<lat>[+\-−]?\d{1,2}[.,]\d{2,})°?[ \t]*(?:[,;][ \t]*|[ \t]+)"
    r"(?P<lon>[+\-−]?\d{1,3}[.,]\d{2,}))(?![\d])"
)
# 55°45′21″N, 55°45'21.5"N, 37° 37′ 04″ E, 55°45.35′ N.
_GPS_DMS = re.compile(
    r"(?<![\d])\d{1,3}[ \t]?°[ \t]?\d{1,2}(?:[.,]\d+)?[ \t]?[′'’]"
    r"(?:[ \t]?\d{1,2}(?:[.,]\d+)?[ \t]?(?:[″\"”]|''))?"
    r"(?:[ \t]?(?:[NSEWСЮВЗ](?!\w)|[св]\.[ \t]?[шд]\.|[юз]\.[ \t]?[шд]\.))?"
)


def _to_float(number: str) -> float:
    return float(number.replace(",", ".").replace("−", "-"))


def coordinates(text: str) -> Iterator[Hit]:
    for pattern, group, detector in ((_GPS_DECIMAL, 0, "gps-decimal"),
                                     (_GPS_LABELLED, "pair", "gps-labelled")):
        for match in pattern.finditer(text):
            if abs(_to_float(match["lat"])) <= 90 and abs(_to_float(match["lon"])) <= 180:
                yield Hit(match.start(group), match.end(group), "gps", detector)
    for match in _GPS_DMS.finditer(text):
        yield Hit(match.start(), match.end(), "gps", "gps-dms")


# ---- dates ------------------------------------------------------------------------------------

_MONTHS_RU = (
    r"январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|"
    r"сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья]"
)
_MONTHS_EN = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# «рождения» / «рождение», and as OCR misreads one of its last four letters or gives its first
# two as Latin look-alikes: a photo sent through a messenger read «03 июня 2001 года рождения»
# as "03 июня 2001 года рождемия", and the date of birth stayed readable as a plain date.
_BIRTH_WORD = r"[рp][оo]жд(?:ени[ея]|[а-яё]ни[ея]|е[а-яё]и[ея]|ен[а-яё][ея]|ени[а-яё])"
# "г." or "года" after a year belongs to the date, unless it starts "г.р." / "года рождения",
# which is left for the birth-date test to see.
_YEAR_SUFFIX = (r"(?:[ \t]?(?i:г\.(?![ \t]?[рp]\.)|года(?![ \t]+" + _BIRTH_WORD
                + r")|г(?![\w.])))?")
_DATE = re.compile(
    r"(?<![\w.,/])(?P<day>[0-3]?\d)[.\/\-](?P<month>[01]?\d)[.\/\-](?P<year>\d{4}|\d{2})"
    r"(?![\d])(?![.,]\d)" + _YEAR_SUFFIX
    + rf"|(?<![\w])(?P<wday>[0-3]?\d)[ \t]+(?i:{_MONTHS_RU}|{_MONTHS_EN})[.:;]?[ \t,]+"
    r"(?P<wyear>\d{4})(?!\d)" + _YEAR_SUFFIX
    + rf"|(?<![\w])(?i:{_MONTHS_EN})[.:;]?[ \t]+(?P<eday>[0-3]?\d),?[ \t]+(?P<eyear>\d{{4}})(?!\d)"
)
# "г.р." (год рождения), also as OCR reads it with Latin look-alikes ("r.p.", "г.p."): on a
# sideways photo of a summons "14.02.1998 г.р." came out "14.02.1998 r.p." and the date of
# birth stayed readable.
_GR = r"[гr]\.[ \t]?[рp]\."
# Words that make the date next to them a date of birth.
_BIRTH_BEFORE = re.compile(
    rf"(?i:дат\w*\s+{_BIRTH_WORD}|{_BIRTH_WORD}|д\.\s?р\.|д/р|родил(?:ся|ась)|рожд\.|род\.|"
    r"[гr]\.\s?[рp]\.|born|date\s+of\s+birth|birth\s*date|DOB|geboren|geb\.|né|née|ur\.|"
    r"urodzon\w*|data\s+urodzenia|date\s+de\s+naissance)[^\d]{0,20}$"
)
_BIRTH_AFTER = re.compile(rf"^[ \t,]*(?i:{_GR}|года\s+{_BIRTH_WORD}|г\.\s?рожд)")
# A bare year of birth: "1995 г.р.", "1995 года рождения".
_BIRTH_YEAR = re.compile(
    rf"(?<![\w.,])(?P<year>(?:19|20)\d{{2}})[ \t]?(?i:{_GR}|года[ \t]+{_BIRTH_WORD}|г\.[ \t]?рожд)"
)
# "род. 1985", "родился в 1985 году", "г.р. 1985".
_BIRTH_YEAR_AFTER_WORD = re.compile(
    rf"(?<!\w)(?i:род\.|родил(?:ся|ась)[ \t]+в|{_GR})[ \t]*(?P<year>(?:19|20)\d{{2}})"
    r"(?![\d])(?![.,/]\d)"
)
# How far before a date a birth word may stand ("Дата рождения: 12.03.1995" over OCR noise).
_BIRTH_WINDOW = 40
# A day and a year after «рождения» with the month misread between them: a fold across the
# top of «Дата рождения 7 ноября 1996 г.» read it "дата рождения 7 peel a 1996 г.", and no
# rule took the date. One or two words without digits between the day and the year.
_BIRTH_DATE_MISREAD = re.compile(
    rf"(?i:{_BIRTH_WORD})[^\d\n]{{0,12}}(?P<date>(?<!\d)(?P<day>[0-3]?\d)"
    r"(?:[ \t]+[^\s\d]{1,10}){1,2}?[ \t,]+(?:19|20)\d{2}(?!\d)" + _YEAR_SUFFIX + ")"
)


def _date_is_plausible(match: re.Match[str]) -> bool:
    if match["day"] is None:
        return True
    return 1 <= int(match["day"]) <= 31 and 1 <= int(match["month"]) <= 12


def dates(text: str) -> Iterator[Hit]:
    for match in _DATE.finditer(text):
        if not _date_is_plausible(match):
            continue
        before = text[max(0, match.start() - _BIRTH_WINDOW) : match.start()]
        after = text[match.end() : match.end() + 20]
        if _BIRTH_BEFORE.search(before) or _BIRTH_AFTER.search(after):
            yield Hit(match.start(), match.end(), "birth-date", "birth-date")
        else:
            yield Hit(match.start(), match.end(), "date", "date")
    for pattern in (_BIRTH_YEAR, _BIRTH_YEAR_AFTER_WORD):
        for match in pattern.finditer(text):
            yield Hit(match.start("year"), match.end("year"), "birth-date", "birth-year")
    for match in _BIRTH_DATE_MISREAD.finditer(text):
        if 1 <= int(match["day"]) <= 31:
            yield Hit(match.start("date"), match.end("date"), "birth-date",
                      "birth-date-misread-month")
