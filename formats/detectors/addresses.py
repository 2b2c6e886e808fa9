"""Russian postal addresses: "г. Москва, ул. Ленина, д. 5, кв. 12" and its many spellings.

An address is a run of components (postal code, region, district, settlement, street, house,
building, flat) separated by commas, spaces or line breaks. A run that names a street, or a
house or flat together with something else, is an address; a settlement or region on its own
("г. Тверь", "Московская обл.") is only a place. Limits are listed in docs/detection.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from papka.formats.detectors import Hit

# A proper name of one to three words, each capitalised: "Ленина", "Красной Армии",
# "Маршала Жукова", "Малые Вишенки", "Ростов-на-Дону".
_PROPER = r"[А-ЯЁ][а-яёА-ЯЁ]*(?:-[а-яёА-ЯЁ]+)*(?:[ \t]+[А-ЯЁ][а-яёА-ЯЁ]*(?:-[а-яёА-ЯЁ]+)*){0,2}"
# Street names may start with a number: "ул. 8 Марта", "1-я Линия", "ул. 40 лет Победы".
_STREET_NAME = rf"(?:\d{{1,3}}(?:-?[а-яё]{{1,2}})?[ \t]+(?:[а-яё]+[ \t]+)?)?{_PROPER}"
# Between a name and its kind ("Московская обл."), spaces or one line break: a line may end
# after the region's name («... по адресу: Московская» / «обл., г. Подольск, ...»).
_NAME_GAP = r"(?:[ \t]*\n[ \t]*|[ \t]+)"
# Between a marker and what it marks ("г. Подольск", "ул. Ленина"), a line break too.
_MARK_GAP = r"[ \t]*(?:\n[ \t]*)?"
_HOUSE_NUMBER = r"\d{1,4}(?:[ \t]?[А-ЯЁа-яё](?![а-яё]))?(?:[ \t]?/[ \t]?\d{1,4}[А-ЯЁа-яё]?)?"

_COMPONENTS: tuple[tuple[str, str], ...] = (
    # A postcode may be followed by a bare town name: "123456, Москва, ...".
    ("postcode", r"(?<![\d\w])\d{6}(?![\d\w])(?:,[ \t]*[А-ЯЁ][а-яё]+(?:-[а-яёА-ЯЁ]+)*(?=,))?"),
    # «обл.» also as OCR of a grainy photo read it, "o6n." (Latin o, 6, Latin n).
    ("region",
     rf"{_PROPER}{_NAME_GAP}(?i:обл\.|[оo][б6][лn]\.|область|края?|р-н|р-на|района?|АО|"
     r"автономный[ \t]+округ)(?!\w)"
     rf"|(?i:респ\.|республика|обл\.|область|край){_NAME_GAP}{_PROPER}"),
    # "г." after a number is "год" (2024 г. Следователь...), not "город". Photos tilted or
    # saved at low quality read «г.» as "г," or "Г:", and the town stayed readable.
    ("settlement",
     r"(?<!\d)(?<!\d[ \t])(?<![\w])"
     r"(?i:г[.,:]|гор\.|город[ау]?|с\.|село|пос\.|п\.|пгт\.?|посёл[ко]к|посел[ко]к|дер\.|"
     r"деревня|ст-ца|станица|аул|х\.|хутор)"
     rf"{_MARK_GAP}{_PROPER}"),
    # «пр-т» also with its hyphen read as a space or a dash: the photo of the case taken at an
    # angle, in shadow and sent through a messenger read "пр т Ленина", and the region before
    # it was taken as a place, not as an address.
    ("street",
     r"(?<![\w])(?i:ул\.|ул(?=[ \t]+[А-ЯЁ])|улица|улиц[еыу]|пр[-‐–—]?[ \t]?т|пр-кт|просп\.|"
     r"проспект[ау]?|"
     r"пер\.|переул(?:ок|ке|ка)|"
     r"б-р|бульвар[ау]?|ш\.|шоссе|пл\.|площад[ьи]|наб\.|набережн(?:ая|ой)|мкр\.?|мкр-н|"
     r"микрорайон[ау]?|проезд[ау]?|туп\.|тупик[ау]?|аллея|аллеи|линия|линии)"
     rf"{_MARK_GAP}{_STREET_NAME}"),
    # The street's name before its kind: "Ленинский проспект", "Садовая ул.".
    ("street_after_name",
     rf"(?<![\w]){_PROPER}{_NAME_GAP}(?i:проспект|улица|переулок|шоссе|бульвар|проезд|площадь|"
     r"набережная|тупик|аллея|пр-т|ул\.|пер\.|б-р|пл\.|наб\.)(?!\w)"),
    ("house", rf"(?<![\w])(?i:д\.|дом[ау]?|д(?=[ \t]*\d)){_MARK_GAP}№?[ \t]*{_HOUSE_NUMBER}"),
    ("building", r"(?<![\w])(?i:корп\.|корпус|к\.|стр\.|строение|лит\.|литера)[ \t]*"
                 r"\d{1,3}[А-ЯЁа-яё]?(?!\d)"),
    ("flat", r"(?<![\w])(?i:кв\.|кв(?=[ \t]*\d)|квартира|квартиры|квартире|ком\.|комн\.|"
             rf"комната){_MARK_GAP}№?[ \t]*\d{{1,4}}[А-ЯЁа-яё]?(?!\d)"),
    # A house or flat number OCR did not read as digits: a sharp photo read the «д. 3.» that
    # closes an address as "д. a" and "д. ae". Taken only inside an address (_judge).
    # Never the marker of a next component ("т. д. ул. Ленина").
    ("misread_number", rf"(?<![\w])(?i:д\.|кв\.){_MARK_GAP}"
                       r"(?!(?i:ул|д|г|с|п|х|кв|пр|пл|ш|стр|корп|наб|пер|мкр|обл|респ)\.)"
                       r"[^\s,;]{1,3}(?![^\s,;])"),
    # «д.» itself misread before its number: a photo tilted by 6 degrees read «ул. Советская,
    # д. 15, кв. 42» as "... Советская, А: 15, кв. 42", and the house and flat stayed
    # readable. Taken only inside an address, like misread_number.
    ("misread_house", rf"(?<![\w])[АAаaДд][.:,]{_MARK_GAP}{_HOUSE_NUMBER}(?![\d/])"),
    # «кв.» misread with Latin or Cyrillic look-alikes before the flat's number: a photo upside
    # down, faint and sent through a messenger read «д. 15, кв. 42» as "д. 15, xe. 42.", and
    # the flat stayed readable. Taken only inside an address, like misread_number.
    ("misread_flat", r"(?<![\w])[кkKxXхХ][вbBeEеЕ8][.:,]?[ \t]*\d{1,4}(?![\d/])"),
    # A house number without «д.», as people write it ("ул. Советская, 15, кв. 42") and as OCR
    # reads «д.» lost or as a mark (a photo of a summons on ruled paper read «ул. Советская,
    # д. 15, кв. 42.» as "ул. Советская . 15, кв. 42."): the street was boxed, and the house
    # and flat stayed readable. Taken only inside an address, like misread_number; not a year.
    ("misread_bare_house", rf"(?<![\w.,/-])(?!(?:19|20)\d\d(?!\d)){_HOUSE_NUMBER}(?![\w/])"),
)
_COMPONENT = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _COMPONENTS))
# What may stand between two components of one address: a comma, or a full stop as OCR of a
# blurred photo reads one («170100, г. Тверь. ул. Советская»: the postcode and the town were
# left out of the address and stayed readable), or both («Московская обл..,»).
_GAP = re.compile(r"[ \t]*[,;.]{0,2}[ \t]*\n?[ \t]*")
_STRONG = {"street", "street_after_name"}
_HOUSE_PARTS = {"house", "building", "flat"}
_MISREAD = {"misread_number", "misread_house", "misread_flat", "misread_bare_house"}


def addresses(text: str) -> Iterator[Hit]:
    run: list[re.Match[str]] = []
    for match in _COMPONENT.finditer(text):
        if run and _GAP.fullmatch(text, run[-1].end(), match.start()) is None:
            yield from _judge(run)
            run = []
        run.append(match)
    if run:
        yield from _judge(run)


def _judge(run: list[re.Match[str]]) -> Iterator[Hit]:
    while run and run[0].lastgroup in _MISREAD:
        run = run[1:]  # a misread marker or number closes an address, it does not open one
    if not run:
        return
    kinds = {str(match.lastgroup) for match in run}
    start, end = run[0].start(), run[-1].end()
    if kinds & _STRONG or (kinds & _HOUSE_PARTS and len(run) >= 2):
        yield Hit(start, end, "address", "address")
        return
    for match in run:
        if match.lastgroup in {"settlement", "region"}:
            yield Hit(match.start(), match.end(), "place", "address-place")


# A settlement right after an address word, whatever follows: its line may be cut. A photo
# with a second sheet over the page cut «Адрес больницы: г. Ростов-на-Дону, ул. 40 лет Победы»
# at the photo's edge and read it "Адрес больницы: г. Pocros-+": a town on its own is a place,
# and the town stayed readable. The marker and the next word, in whatever letters OCR read it.
_LABELLED_SETTLEMENT = re.compile(
    r"(?<!\w)(?i:адрес\w*)(?:[ \t]+[^\W\d_]+){0,2}[ \t]*:?[ \t]*"
    r"(?P<place>(?<!\w)(?i:г[.,:]|гор\.|город[ау]?|с\.|село|пос\.|п\.|пгт\.?|дер\.|ст-ца|х\.)"
    r"[ \t]*[^\s,;]+(?:[ \t]+[А-ЯЁA-Z][^\s,;]*)?)"
)


def labelled_settlements(text: str) -> Iterator[Hit]:
    for match in _LABELLED_SETTLEMENT.finditer(text):
        yield Hit(match.start("place"), match.end("place"), "address", "address-labelled")


# ---- addresses without street markers: "Тверь, Радищева 27-14" ----------------------------------

# A town, a street's name, a house and perhaps a flat ("27-14", "27/14", "27, кв 14", "27 кв. 14").
_BARE = re.compile(
    r"(?<![\w.])(?:(?P<city>[А-ЯЁ][а-яё]+(?:-[а-яёА-ЯЁ]+){0,2}),[ \t]*)?"
    r"(?P<street>[А-ЯЁ][а-яё]+(?:[ \t]+[А-ЯЁ][а-яё]+)?),?[ \t]+"
    r"(?P<house>\d{1,4}[а-яА-Я]?(?![\w]))"
    r"(?:[ \t]*(?:[-/–][ \t]*|,?[ \t]*(?i:кв\.?|квартира)[ \t]*)(?P<flat>\d{1,4})(?![\w/.,]\d))?"
    r"(?![\w/]|[.,]\d)"
)
# Words before an address that make a bare street and number an address on their own.
_ADDRESS_WORD = re.compile(
    r"(?i:адрес\w*|прожива\w*|проживает|зарегистрирован\w*|прописан\w*|жив[её]т|жила|жил|"
    r"место[ \t]+жительства|address|resides|lives)[^\n]{0,24}$"
)


@functools.lru_cache(maxsize=4096)
def _is_town(word: str, *, nouns_only: bool = False) -> bool:
    from papka.formats.detectors.name_forms import analyzer

    return any("Geox" in p.tag.grammemes and (not nouns_only or "NOUN" in p.tag.grammemes)
               for p in analyzer().parse(word.lower()))


def bare_addresses(text: str) -> Iterator[Hit]:
    """A town, a street named without "ул." and a house with or without its flat.

    Taken when the town is a known place name (pymorphy3's Geox) and a house number follows the
    street, or when an address word stands shortly before ("Адрес: Радищева 27-14").
    """
    for match in _BARE.finditer(text):
        city, street = match["city"], match["street"]
        labelled = _ADDRESS_WORD.search(text, max(0, match.start() - 48), match.start())
        house = match["house"]
        if match["flat"] is None and len(house) == 4 and house[:2] in ("19", "20"):
            continue  # "Киев, Москва 2023": a year, not a house
        if city is not None and _is_town(city) and not _is_town(street.split()[0],
                                                                nouns_only=True):
            yield Hit(match.start(), match.end(), "address", "address-bare")
        elif labelled is not None and (match["flat"] is not None or city is not None):
            start = match.start("street") if city is None else match.start()
            yield Hit(start, match.end(), "address", "address-bare")


# ---- addresses in English translations -----------------------------------------------------------

_EN_STREET_KIND = (
    r"(?:Street|St\.|Str\.|Avenue|Ave\.|Prospekt|Prospect|Pr\.|Lane|Pereulok|Per\.|Boulevard|"
    r"Blvd\.|Square|Sq\.|Embankment|Naberezhnaya|Highway|Shosse|Road|Rd\.|Ulitsa|ul\.|Drive)"
)
_EN_NAME = r"[A-Z][a-z]+(?:-[A-Za-z]+)*(?:[ \t]+[A-Z][a-z]+){0,2}"
_EN_FLAT = (r"(?:,?[ \t]*(?i:apt\.?|apartment|flat|app\.?|kv\.?|room)[ \t]*(?:No\.?[ \t]*|#)?"
            r"\d{1,4}[A-Za-z]?(?![\w]))")
_EN_BUILDING = r"(?:,?[ \t]*(?i:bldg\.?|building|korpus|block)[ \t]*\d{1,3}[A-Za-z]?(?![\w]))"
_EN_ADDRESS = re.compile(
    # "27 Radishcheva Street, apt. 14"
    rf"(?<![\w])\d{{1,4}}[A-Za-z]?(?:/\d{{1,4}})?[ \t]+{_EN_NAME}[ \t]+{_EN_STREET_KIND}(?!\w)"
    rf"{_EN_BUILDING}?{_EN_FLAT}?"
    # "Radishcheva Street 27-14", "ul. Radishcheva, 27, apt. 14"
    rf"|(?<![\w])(?:{_EN_STREET_KIND}[ \t]*{_EN_NAME}|{_EN_NAME}[ \t]+{_EN_STREET_KIND})"
    rf",?[ \t]+(?:(?i:house|bldg\.?|h\.|d\.)[ \t]*)?\d{{1,4}}[A-Za-z]?"
    rf"(?:[ \t]*[-/][ \t]*\d{{1,4}})?"
    rf"(?![\w]){_EN_BUILDING}?{_EN_FLAT}?"
)


def english_addresses(text: str) -> Iterator[Hit]:
    """Russian addresses in English translations: "27 Radishcheva Street, apt. 14",
    "Radishcheva St. 27-14", "ul. Radishcheva 27, apt. 14"."""
    for match in _EN_ADDRESS.finditer(text):
        # "born in St. Petersburg 1998": a year after a name, not a house.
        if _EN_YEAR_AT_END.search(match.group()):
            continue
        yield Hit(match.start(), match.end(), "address", "address-en")


_EN_YEAR_AT_END = re.compile(r"(?<![\d/-])(?:19|20)\d\d$")
