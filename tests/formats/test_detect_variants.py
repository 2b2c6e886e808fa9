"""The ways these papers write what must be hidden, beyond the plain spellings: letter cells,
line-break hyphens, addresses without markers, names in links, English, French, German and
Polish spellings; relatives told apart from the keeper; labels and ordinary words kept.

Each case is planted here, found by detection, and gone from the redacted copy; the labelled
corpus (tests/formats/detection_corpus.py) gives precision and recall with floors.
"""

from __future__ import annotations

import pytest

from papka import media
from papka.formats import redact
from papka.formats.detect import detect
from papka.formats.detectors import Hit, identifiers, joined, name_forms
from papka.formats.verify import verify_text
from papka.text import national_spellings, transliteration_variants
from tests.formats import detection_corpus, planted

KEEPER = "Кузнецов Иван Сергеевич"


def found(text: str, part: str, **options: object) -> set[str]:
    """The categories of the findings covering ``part`` exactly."""
    start = text.index(part)
    findings = detect(text, hide=options.pop("hide", [KEEPER]),  # type: ignore[arg-type]
                      use_ner=bool(options.pop("use_ner", False)))
    return {f.category for f in findings if (f.start, f.end) == (start, start + len(part))}


# ---- spellings of the keeper's names --------------------------------------------------------

@pytest.mark.parametrize(("cyrillic", "scheme", "latin"), [
    ("Кузнецов", "french", "kouznetsov"),
    ("Кузнецов", "german", "kusnezow"),
    ("Кузнецов", "polish", "kuzniecow"),
    ("Чайковский", "german", "tschaikowski"),
    ("Чайковский", "polish", "czajkowski"),
    ("Чайковский", "french", "tchaikovski"),
    ("Ельцин", "german", "jelzin"),
    ("Васильев", "french", "vassiliev"),
    ("Жуков", "french", "joukov"),
    ("Щукин", "polish", "szczukin"),
])
def test_national_spellings(cyrillic: str, scheme: str, latin: str) -> None:
    assert national_spellings(cyrillic)[scheme] == latin
    assert latin in transliteration_variants(cyrillic)


@pytest.mark.parametrize("spelling", [
    "Kuznetsov",   # ICAO
    "Kouznetsov",  # French
    "Kusnezow",    # German
    "Kuzniecow",   # Polish
    "KUZNETSOV",
])
def test_the_keepers_surname_in_every_convention(spelling: str) -> None:
    text = f"Concerning {spelling}, asylum seeker."
    assert found(text, spelling) == {"keeper-name"}


def test_keeper_names_in_letters_of_three_countries() -> None:
    text = ("Objet : demande d'asile de M. Ivan Kouznetsov.\n"
            "Betreff: Asylantrag von Herrn Iwan Kusnezow.\n"
            "Dotyczy: wniosek azylowy Iwana Kuzniecowa.\n")
    # "M." (Monsieur) is taken in as an initial: over-redaction of one letter.
    for part in ("M. Ivan Kouznetsov", "Iwan Kusnezow", "Iwana Kuzniecowa"):
        assert found(text, part) == {"keeper-name"}, part


# ---- letter cells and broken lines ------------------------------------------------------------

@pytest.mark.parametrize(("line", "part", "category"), [
    ("Фамилия К У З Н Е Ц О В", "К У З Н Е Ц О В", "keeper-name"),
    ("Фамилия |К|У|З|Н|Е|Ц|О|В|", "К|У|З|Н|Е|Ц|О|В", "keeper-name"),
    ("Фамилия | К | У | З | Н | Е | Ц | О | В |", "К | У | З | Н | Е | Ц | О | В",
     "keeper-name"),
    ("ИНН 6 9 0 4 1 2 3 4 5 6 3 2", "6 9 0 4 1 2 3 4 5 6 3 2", "inn"),
    ("ИНН |6|9|0|4|1|2|3|4|5|6|3|2|", "6|9|0|4|1|2|3|4|5|6|3|2", "inn"),
    ("СНИЛС 1 1 2 2 3 3 4 4 5 9 5", "1 1 2 2 3 3 4 4 5 9 5", "snils"),
    ("войсковая часть 543-\n21", "543-\n21", "military-unit"),
    ("ИНН 690412-\n345632 выдан", "690412-\n345632", "inn"),
    ("тел. +7 915 732-\n41-08", "+7 915 732-\n41-08", "phone"),
])
def test_cells_and_line_breaks(line: str, part: str, category: str) -> None:
    assert found(line, part) == {category}


def test_a_wrong_checksum_in_cells_is_not_an_inn() -> None:
    assert detect("ИНН 6 9 0 4 1 2 3 4 5 6 3 3", use_ner=False) == []


def test_short_runs_of_one_letter_words_are_not_closed_up() -> None:
    # Three one-letter words of ordinary text are not a row of cells.
    view = joined.joined_view("и в с тем же")
    assert view.text == "и в с тем же" and not view.changed


def test_joined_hits_for_a_caller_that_joins_lines_itself() -> None:
    # The redaction plan joins OCR lines with "\n"; this is the call it can make with any
    # detector, getting spans in its own text's offsets.
    text = "войсковая часть 543-\n21 и ИНН 6 9 0 4 1 2 3 4 5 6 3 2"
    hits = list(joined.joined_hits(text, identifiers.documents, identifiers.tax_numbers))
    assert Hit(text.index("543"), text.index("21 и") + 2, "military-unit",
               joined.LINE_BREAK) in hits
    start = text.index("6 9 0")
    assert Hit(start, len(text), "inn", joined.LETTER_CELLS) in hits


# ---- addresses ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "part"), [
    ("Адрес: Тверь, Радищева 27-14", "Тверь, Радищева 27-14"),
    ("проживает: Тверь, Радищева 27, кв 14.", "Тверь, Радищева 27, кв 14"),
    ("Москва, Ленина 5/12", "Москва, Ленина 5/12"),
    ("адрес: Радищева 27-14", "Радищева 27-14"),
    ("ул Радищева, д 27, кв 14", "ул Радищева, д 27, кв 14"),
    ("lives at 27 Radishcheva Street, apt. 14, Tver", "27 Radishcheva Street, apt. 14"),
    ("address: Radishcheva St. 27-14", "Radishcheva St. 27-14"),
    ("ul. Radishcheva, 27, apt. 14", "ul. Radishcheva, 27, apt. 14"),
])
def test_addresses_without_markers_and_in_english(text: str, part: str) -> None:
    assert found(text, part) == {"address"}


@pytest.mark.parametrize("text", [
    "Статья 337, Часть 5",
    "Приказ, Раздел 5",
    "Киев, Москва 2023",
    "Article 337 Part 5 of the Criminal Code",
    "Тверской гарнизонный военный суд, 2024",
    "He was born in St. Petersburg 1998 and moved.",
])
def test_things_that_look_like_addresses_are_not(text: str) -> None:
    assert [f for f in detect(text, use_ner=False) if f.category == "address"] == []


# ---- English translations ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "part", "category"), [
    ("served in military unit No. 54321.", "54321", "military-unit"),
    ("Military Unit 54321 issued the order", "54321", "military-unit"),
    ("field post 12345-A", "12345-A", "military-unit"),
    ("Mr. Ivan Sergeyevich Kuznetsov, born", "Ivan Sergeyevich Kuznetsov", "keeper-name"),
    ("witness Olga Petrovna Smirnova said", "Olga Petrovna Smirnova", "person"),
    ("Mrs. Svetlana Orlova, a neighbour", "Svetlana Orlova", "person"),
])
def test_english_translations(text: str, part: str, category: str) -> None:
    assert found(text, part) == {category}


# ---- names inside links and handles ----------------------------------------------------------

@pytest.mark.parametrize(("text", "part", "category"), [
    ("страница: vk.com/annakuznetsova1968", "vk.com/annakuznetsova1968", "relative"),
    ("https://vk.com/ivan.kuznetsov98 — его", "https://vk.com/ivan.kuznetsov98", "keeper-name"),
    ("пишите: kuznetsova.a@mail.ru", "kuznetsova.a@mail.ru", "relative"),
    ("почта ikuznetsov@proton.me", "ikuznetsov@proton.me", "keeper-name"),
    ("телеграм @kuznetsova_anna.", "@kuznetsova_anna", "relative"),
    ("instagram.com/kouznetsov.ivan", "instagram.com/kouznetsov.ivan", "keeper-name"),
    ("канал t.me/svoboda_tver", "t.me/svoboda_tver", "social"),
])
def test_names_in_links_report_the_whole_link(text: str, part: str, category: str) -> None:
    assert found(text, part) == {category}


def test_a_name_inside_an_unrelated_domain_is_not_taken() -> None:
    text = "новости на ivanovo-news.ru и сайт kuznetsk.ru"
    assert detect(text, preset="hide-only", hide=["Иван"], use_ner=False) == []


# ---- relatives -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "part"), [
    ("Мать: Кузнецова Анна Петровна", "Кузнецова Анна Петровна"),
    ("Сведения о Кузнецовой получены", "Кузнецовой"),
    ("брат Кузнецов Павел Сергеевич", "Кузнецов Павел Сергеевич"),
    ("His mother, Mrs. Anna Kuznetsova", "Anna Kuznetsova"),
    ("sa mère Anna Kouznetsova", "Anna Kouznetsova"),
])
def test_relatives_are_relatives(text: str, part: str) -> None:
    assert found(text, part) == {"relative"}


def test_the_keeper_stays_the_keeper() -> None:
    text = "Обвиняемый: Кузнецов Иван Сергеевич. Кузнецова И. С. вызвать"
    assert found(text, "Кузнецов Иван Сергеевич") == {"keeper-name"}
    # "Кузнецова" can be "of Кузнецов": in Cyrillic the keeper's genitive stays his.
    assert found(text, "Кузнецова И. С.") == {"keeper-name"}


def test_a_relative_listed_with_a_kinship_label() -> None:
    hide = [KEEPER, "мать: Кузнецова Анна Петровна"]
    text = "Добрый день, Анна Петровна! Пишет Кузнецов Иван."
    assert found(text, "Анна Петровна", hide=hide) == {"relative"}
    assert found(text, "Кузнецов Иван", hide=hide) == {"keeper-name"}
    assert name_forms.is_name_entry("мать: Кузнецова Анна Петровна")


# ---- what must stay readable ---------------------------------------------------------------

KEEP_TEXT = """\
Обвиняемый: Кузнецов Иван Сергеевич
Адрес: г. Тверь, ул. Радищева, д. 27, кв. 14
Мать: Кузнецова Анна Петровна
Зарекомендовала себя с положительной стороны.
Добрый день, уважаемый суд.
Подсудимый зарекомендовал себя положительно.
"""


@pytest.mark.parametrize("use_ner", [False, True])
@pytest.mark.parametrize("phrase", ["Обвиняемый:", "Адрес:", "Мать:", "Зарекомендовала",
                                    "Добрый день", "уважаемый суд", "Подсудимый",
                                    "зарекомендовал себя положительно"])
def test_labels_and_ordinary_words_stay(phrase: str, use_ner: bool) -> None:
    findings = detect(KEEP_TEXT, hide=[KEEPER], use_ner=use_ner)
    start = KEEP_TEXT.index(phrase)
    end = start + len(phrase)
    touching = [f.category for f in findings if f.start < end and start < f.end]
    assert touching == [], f"{phrase!r} was boxed"
    # ... while the names next to them are found.
    assert any(f.text.startswith("Кузнецов Иван") for f in findings)
    assert any(f.category == "relative" and f.text.startswith("Кузнецова Анна")
               for f in findings)


# ---- found before, gone after: the redacted rendering of an e-mail ---------------------------

BODY = """\
Справка о прохождении службы.
Добрый день! Фамилия: К У З Н Е Ц О В
ИНН 6 9 0 4 1 2 3 4 5 6 3 2
Адрес: Тверь, Радищева 27-14
Войсковая часть 543-
21
Ссылка: vk.com/annakuznetsova1968 и @kuznetsova_anna
Translation: 27 Radishcheva Street, apt. 14; military unit No. 54322; Ivan Kouznetsov.
Мать: Кузнецова Анна Петровна.
Зарекомендовала себя хорошо.
"""
# "Зарекомендовала" stands on its own line: a box's width is rounded up to a grid
# (docs/redaction.md), so a word right after a box on the same line can lose its first letters
# to the box even though detection left it alone.
SECRETS = ["КУЗНЕЦОВ", "690412345632", "Радищева 27-14", "54321", "annakuznetsova1968",
           "kuznetsova_anna", "Radishcheva", "54322", "Kouznetsov", "Анна Петровна"]
KEPT = ["Справка о прохождении службы", "Добрый день", "Фамилия:", "Адрес:", "Мать:",
        "Зарекомендовала себя хорошо", "Translation:", "Ссылка:"]


def test_each_case_is_found_then_gone_from_the_redacted_email() -> None:
    message = planted._message(BODY).as_bytes()
    before = detect(BODY, hide=[KEEPER], use_ner=True)
    detected = "\n".join(f.text for f in before)
    for secret in SECRETS:
        # verify_text ignores spacing, line-break hyphens and digit separators.
        assert not verify_text(detected, [secret]).ok, f"{secret!r} was not detected"
    result = redact(message, media.EML, preset="ru-personal", hide=[KEEPER], ocr=False)
    assert result.text is not None
    assert verify_text(result.text, SECRETS).ok
    for phrase in KEPT:
        assert phrase in result.text, f"{phrase!r} was boxed"


# ---- precision and recall on the labelled corpus ------------------------------------------

def test_corpus_figures_built_with() -> None:
    plain = detection_corpus.measure(use_ner=False)
    assert plain.precision >= 0.95
    assert plain.recall >= 0.90
    assert plain.keep_broken == 0
    assert plain.category_accuracy >= 0.95
    with_ner = detection_corpus.measure(use_ner=True)
    assert with_ner.precision >= 0.95
    assert with_ner.recall >= 0.95
    assert with_ner.keep_broken == 0


def test_corpus_figures_held_out() -> None:
    # Floors a little under what was measured (docs/detection.md), so a regression fails.
    plain = detection_corpus.measure(use_ner=False, corpus=detection_corpus.HELD_OUT)
    assert plain.precision >= 0.95
    assert plain.recall >= 0.80
    assert plain.keep_broken == 0
    with_ner = detection_corpus.measure(use_ner=True, corpus=detection_corpus.HELD_OUT)
    assert with_ner.precision >= 0.90
    assert with_ner.recall >= 0.85
    assert with_ner.keep_broken == 0


def test_the_corpus_marks_parse_back_to_the_text() -> None:
    for document in (*detection_corpus.CORPUS, *detection_corpus.HELD_OUT):
        text, gold = detection_corpus.parse(document)
        assert "[[" not in text and gold
        for phrase in document.keep:
            assert phrase in text


@pytest.mark.parametrize("use_ner", [False, True])
def test_neutral_text_stays_readable(use_ner: bool) -> None:
    false, words, _ = detection_corpus.false_findings(use_ner=use_ner)
    assert words > 150
    assert false == 0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("hostile", [
    "К " * 100_000,                       # one endless row of cells
    "|К" * 100_000,
    "1-\n" * 60_000,                      # a number broken over every line
    "аб-\nвг " * 30_000,                  # thousands of joins on one page
    "vk.com/" * 30_000,
    "@aaaa " * 30_000,
    "a-" * 100_000 + ".ru",
    "Mr. Ivanov " * 20_000,
    "Тверь, Радищева 27-14, " * 10_000,
    "27 Radishcheva Street, apt. 14 " * 8_000,
    "мать " * 50_000 + "Кузнецова",
])
def test_hostile_text_for_the_new_detectors_finishes(hostile: str) -> None:
    # A timeout (not a wall-clock assertion) catches quadratic scans and backtracking; each
    # of these took 1 s or less here.
    found = detect(hostile, hide=[KEEPER, "12345"], use_ner=False)
    previous_end = 0
    for finding in found:
        assert previous_end <= finding.start < finding.end <= len(hostile)
        previous_end = finding.end


def test_a_kinship_label_in_the_hide_list_does_not_box_the_printed_label() -> None:
    from papka.formats.finding import find_spans

    text = "Мать: Кузнецова Анна Петровна\nОтец: неизвестен"
    spans = find_spans(text, preset="ru-personal", hide=["мать: Кузнецова Анна Петровна"],
                       use_ner=False)
    assert [(s.text, s.category) for s in spans] == [("Кузнецова Анна Петровна", "relative")]


def test_each_case_is_boxed_on_a_born_digital_pdf_page() -> None:
    # The same cases set in a PDF's text layer: the plan boxes them (spans over several cells
    # and over two lines map to the characters they cover) and the labels stay readable.
    import io as _io

    from reportlab.pdfgen import canvas

    from papka.formats import plan_redaction
    from papka.formats.burn import visible_text

    lines = BODY.splitlines()
    buffer = _io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("PlantedSans", 11)
    for number, line in enumerate(lines):
        page.drawString(40, 800 - 18 * number, line)
    page.showPage()
    page.save()
    pdf = buffer.getvalue()
    plan = plan_redaction(pdf, media.PDF, preset="ru-personal", hide=[KEEPER], ocr=False)
    detectors = {box.detector for page_plan in plan.pages for box in page_plan.boxes}
    assert {"letter-cells", "line-break-hyphen", "address-bare", "name-in-link",
            "address-en"} <= detectors
    visible = visible_text(pdf, plan)
    assert verify_text(visible, SECRETS).ok
    for phrase in KEPT:
        assert phrase in visible, f"{phrase!r} was boxed"
