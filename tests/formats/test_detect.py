"""Detection on realistic (fictional) Russian papers: exact spans, checksums, no over-redaction.

Every person, number and address below is invented; the INN and SNILS values are made up with
valid check digits.
"""

from __future__ import annotations

import pytest

from papka.errors import UsageError
from papka.formats.detect import CATEGORIES, PRESETS, Finding, detect, name_forms
from papka.formats.detectors.identifiers import inn_is_valid, snils_is_valid


def span(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of `part` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def spans(findings: list[Finding]) -> dict[tuple[int, int], str]:
    return {(f.start, f.end): f.category for f in findings}


def assert_found(text: str, findings: list[Finding], part: str, category: str,
                 nth: int = 0) -> None:
    where = span(text, part, nth)
    got = spans(findings)
    assert where in got, f"{category} not found at its exact place"
    assert got[where] == category


def assert_untouched(text: str, findings: list[Finding], part: str) -> None:
    start, end = span(text, part)
    for f in findings:
        assert f.end <= start or f.start >= end, f"{f.category} by {f.detector} overlaps"


SUMMONS = """\
ПОВЕСТКА
Гражданину Кравчишину Андрею Викторовичу, 14.02.1998 г.р.,
проживающему по адресу: 170100, г. Тверь, ул. Советская, д. 15, кв. 42.
На основании ст. 31 Федерального закона № 53-ФЗ Вам надлежит явиться 05.10.2022 к 09:00
в военный комиссариат Заволжского района г. Твери (каб. 12) для уточнения данных воинского
учёта. При себе иметь паспорт, военный билет АК 4512378.
Контактный телефон: 8 (4822) 34-56-78. Моб. +7 (915) 732-41-08.
Военный комиссар полковник                                    стр. 1 из 2
"""


def test_summons() -> None:
    found = detect(SUMMONS, hide=["Кравчишин Андрей Викторович"], use_ner=False)
    assert_found(SUMMONS, found, "Кравчишину Андрею Викторовичу", "keeper-name")
    assert_found(SUMMONS, found, "14.02.1998", "birth-date")
    assert_found(SUMMONS, found, "170100, г. Тверь, ул. Советская, д. 15, кв. 42", "address")
    assert_found(SUMMONS, found, "АК 4512378", "military-id")
    assert_found(SUMMONS, found, "8 (4822) 34-56-78", "phone")
    assert_found(SUMMONS, found, "+7 (915) 732-41-08", "phone")
    # The date of the appointment, the law, the office number and the page stay.
    for kept in ("05.10.2022", "ст. 31", "№ 53-ФЗ", "09:00", "каб. 12", "стр. 1 из 2"):
        assert_untouched(SUMMONS, found, kept)
    assert len(found) == 6


CRIMINAL_CASE = """\
ПОСТАНОВЛЕНИЕ
о возбуждении уголовного дела и принятии его к производству
г. Москва                                                         15 апреля 2024 г.
Следователь военного следственного отдела по Московскому гарнизону капитан юстиции
Шевчук О. Н., рассмотрев сообщение о преступлении, УСТАНОВИЛ:
военнослужащий войсковой части 54321 рядовой Гусейнов Руслан Эльдарович,
личный номер АЮ-482915, 03 июня 2001 года рождения, уроженец с. Малые Вишенки
Тверской обл., паспорт гражданина РФ серии 28 19 № 604213, ИНН 690412345632,
СНИЛС 112-233-445 95, с 12.09.2023 не явился в срок без уважительных причин на службу
в в/ч 54321-А, то есть совершил преступление, предусмотренное ч. 5 ст. 337 УК РФ.
Мать подозреваемого, Гусейнова Лейла Маратовна, проживает по адресу: Московская обл.,
г. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118; тел. +7 916 205-33-71.
На основании изложенного и руководствуясь ст. 140, 145, 146 УПК РФ, ПОСТАНОВИЛ:
возбудить уголовное дело № 12402450001000077.
"""


def test_criminal_case() -> None:
    found = detect(CRIMINAL_CASE, hide=["Гусейнов Руслан Эльдарович"], use_ner=False)
    assert_found(CRIMINAL_CASE, found, "54321", "military-unit")
    assert_found(CRIMINAL_CASE, found, "54321-А", "military-unit")
    assert_found(CRIMINAL_CASE, found, "Гусейнов Руслан Эльдарович", "keeper-name")
    assert_found(CRIMINAL_CASE, found, "АЮ-482915", "military-id")
    assert_found(CRIMINAL_CASE, found, "03 июня 2001", "birth-date")
    assert_found(CRIMINAL_CASE, found, "28 19 № 604213", "passport-ru-internal")
    assert_found(CRIMINAL_CASE, found, "690412345632", "inn")
    assert_found(CRIMINAL_CASE, found, "112-233-445 95", "snils")
    # The surname covers the family: the mother is found by the keeper's own surname, with
    # her own first name and patronymic, and is reported as a relative, not as the keeper.
    assert_found(CRIMINAL_CASE, found, "Гусейнова Лейла Маратовна", "relative")
    assert_found(CRIMINAL_CASE, found,
                 "Московская обл.,\nг. Подольск, пр-т Ленина, д. 107/49, корп. 2, кв. 118",
                 "address")
    assert_found(CRIMINAL_CASE, found, "+7 916 205-33-71", "phone")
    for kept in ("15 апреля 2024 г.", "ч. 5 ст. 337 УК РФ", "ст. 140, 145, 146 УПК РФ",
                 "№ 12402450001000077", "12.09.2023", "г. Москва"):
        assert_untouched(CRIMINAL_CASE, found, kept)


def test_criminal_case_with_ner_finds_the_other_people() -> None:
    found = detect(CRIMINAL_CASE, use_ner=True)
    # The investigator's and the mother's names come from NER, not from the keeper's list.
    people = [f for f in found if f.category == "person"]
    texts = " | ".join(f.text for f in people)
    assert "Гусейнов Руслан Эльдарович" in texts
    assert "Гусейнова Лейла Маратовна" in texts
    # ru-personal keeps place names and plain dates.
    assert not [f for f in found if f.category in {"place", "date"}]


def test_a_certificates_formula_is_no_name_but_a_name_after_a_label_is() -> None:
    """"Дана в том, что …" opens most Russian certificates; natasha takes «Дана» for a name,
    and "выдана" further down then holds it, so no copy could pass verification."""
    certificate = ("СПРАВКА № 7\nДана в том, что он проходил военную службу.\n"
                   "Справка выдана для предъявления по месту требования.")
    assert not [f for f in detect(certificate, use_ner=True) if f.category == "person"]
    for text, name in (("Мать: Дана", "Дана"), ("Дана Петрова приходила вчера", "Дана Петрова"),
                       ("Вчера приходил Дан", "Дан"), ("Справку получила Вера", "Вера")):
        people = [f.text for f in detect(text, use_ner=True) if f.category == "person"]
        assert people == [name], text


def test_an_address_ocr_misread_inside_its_domain_is_still_an_email() -> None:
    """Tesseract read "gb7-rostov.ru" on a scanned certificate as "gb/7-rostov.ru"; the
    strict pattern then found nothing and the doctor's address stayed readable on the copy."""
    text = "Контакты лечащего врача: dr.petrenko@gb/7-rostov.ru, тел. 250-14-77."
    found = [f for f in detect(text, use_ner=False) if f.category == "email"]
    assert [f.text for f in found] == ["dr.petrenko@gb/7-rostov.ru"]
    for plain in ("x@y", "см. @username", "user@host без домена"):
        assert not [f for f in detect(plain, use_ner=False) if f.category == "email"], plain


def test_a_date_of_birth_is_found_when_ocr_reads_its_mark_with_latin_letters() -> None:
    """On a sideways photo of a summons Tesseract read "14.02.1998 г.р." as "14.02.1998 r.p.";
    the date of birth was then an ordinary date, which ru-personal leaves readable."""
    for text, date in (("Кравчишину, 14.02.1998 r.p., проживающему", "14.02.1998"),
                       ("Кравчишину, 14.02.1998 г.p., проживающему", "14.02.1998"),
                       ("Иванов И. И., 1995 r.p.", "1995")):
        found = [f.text for f in detect(text, use_ner=False) if f.category == "birth-date"]
        assert found == [date], text


def test_a_number_sign_as_ocr_reads_it_still_joins_series_and_number() -> None:
    """A sideways photo gave "военный билет AKNe4512378" for "АК№4512378": «№» read as
    "Ne" after Latin look-alikes of the series, and the military ID stayed readable."""
    for text, category, number in (
            ("военный билет AKNe4512378 Мать", "military-id", "AKNe4512378"),
            ("АК N° 4512378", "military-id", "АК N° 4512378"),
            ("паспорт 28 06 Ne604213", "passport-ru-internal", "28 06 Ne604213")):
        found = [f.text for f in detect(text, use_ner=False) if f.category == category]
        assert found == [number], text


def test_a_military_id_whose_digits_ocr_misread_is_still_found_after_its_words() -> None:
    """A sideways photo gave "военный билет АК№З5 12378" for «АК№4512378»."""
    for text, number in (("военный билет АК№З5 12378 Мать: Кравчишина", "АК№З5 12378"),
                         ("военный билет АК 45О2378,", "АК 45О2378")):
        found = [f.text for f in detect(text, use_ner=False) if f.category == "military-id"]
        assert found == [number], text
    # Too few digits among the signs: not taken for a number.
    for text in ("военный билет АВ 123 выдан 2014", "военный билет АК№ЗЗЗ12 Мать"):
        assert not [f for f in detect(text, use_ner=False) if f.category == "military-id"]


def test_identifiers_ocr_garbled_on_blurred_or_compressed_photos_are_found() -> None:
    """A slightly blurred photo (Gaussian radius 2 at 200 dpi, letters 14 pixels wide) read
    «войсковой части 54321» as "вой й части 54321", «В/Ч 73612» as "BM 73612." and «Личный
    номер М-345678» as "Личный номер М.345678"; one saved at JPEG quality 12 read the
    military ID's series in Latin letters on its own line, "Отчество. СЕРГЕЕВИЧ" and "тел,
    47.916 205-33-71": each stayed on a copy that passed."""
    for text, category, expected in (
            ("УСТАНОВИЛ: у A вой й части 54321 рядовой", "military-unit", "54321"),
            ("проходит службу в воинской части 54321-А", "military-unit", "54321-А"),
            ("комиссариатом 12 мая 2014 Г. BM 73612. полевая", "military-unit", "73612"),
            ("Личный номер М.345678 Принят", "military-id", "М.345678"),
            ("Личный номер M-345678", "military-id", "M-345678")):
        found = [f.text for f in detect(text, use_ner=False) if f.category == category]
        assert found == [expected], text
    # A photo saved at JPEG quality 12: the series in Latin letters on the line under the
    # title, and a speck read as a full stop after a name field.
    text = "ВОЕННЫЙ БИЛЕТ\nAB № 1234567\nОтчество. СЕРГЕЕВИЧ\nДата рождения"
    found = {(f.category, f.text) for f in detect(text, use_ner=False)}
    assert {("military-id", "AB № 1234567"), ("person", "СЕРГЕЕВИЧ")} <= found
    text = "кв. 118; тел, 47.916 205-33-71. На основании"
    assert [f.text for f in detect(text, use_ner=False) if f.category == "phone"] == [
        "47.916 205-33-71"]
    # Parts of articles and years after "части" are not units.
    for text in ("по части 2 статьи 338 УК РФ", "в части 2024 года", "части 5 ст. 337"):
        assert not [f for f in detect(text, use_ner=False) if f.category == "military-unit"]


def test_a_name_after_a_kinship_label_is_found_without_ner() -> None:
    """On a photo natasha missed "Мать: Кравчишина О. H." (a Latin initial, noisy lines
    around it); whoever a form names after «Мать:» is a relative."""
    line = "билет АК№4512378 Мать: Кравчишина О. H. SA a a er"
    for text, name in ((line, "Кравчишина О. H."), ("Мать: Анна", "Анна"),
                       ("Отец — Иван Петрович Сидоров", "Иван Петрович Сидоров")):
        found = [f.text for f in detect(text, use_ner=False) if f.category == "person"]
        assert found == [name], text
    for text in ("Отец: не указан", "Сын: 2 года", "имя файла: отчет"):
        assert not [f for f in detect(text, use_ner=False) if f.category == "person"], text
    fields = "Фамилия  ЁЛКИН\nИмя  ДМИТРИЙ\nОтчество  СЕРГЕЕВИЧ"
    assert [f.text for f in detect(fields, use_ner=False) if f.category == "person"] == [
        "ЁЛКИН", "ДМИТРИЙ", "СЕРГЕЕВИЧ"]


def test_latin_look_alikes_ocr_puts_in_initials_are_read_as_cyrillic_for_ner() -> None:
    from papka.formats.detectors.named_entities import with_cyrillic_look_alikes

    text = "Выдана Кравчишину А. B., 1998 г.р.; приложение A. Далее; OFPRA и BBC"
    turned = with_cyrillic_look_alikes(text)
    assert len(turned) == len(text)
    assert "А. В.," in turned  # the second initial, beside a Cyrillic one
    assert "приложение A. Далее" in turned and "OFPRA и BBC" in turned  # left alone


def test_a_unit_number_is_found_when_ocr_reads_v_ch_as_b_4() -> None:
    """Sideways photos of a military ID gave "B/4 73612" and "В/Ч4 73612" for «в/ч 73612»."""
    for text in ("2014 г. B/4 73612, полевая почта", "в/4 73612", "B/ч 73612",
                 "2014 г.\nВ/Ч4 73612, полевая почта", "в/ч. 73612", "в/ч73612",
                 "2014 г.\nB/ 73612, полевая почта", "2014 г.\nBN 73612, полевая почта",
                 "Bh 73612", "в| 73612", "12 мая 2014 г. BAY 73612, полевая почта",
                 "2014 г. 8/4 73612, полевая почта"):
        found = [f.text for f in detect(text, use_ner=False) if f.category == "military-unit"]
        assert found == ["73612"], text
    assert not detect("дробь 3/4 12345", use_ner=False)
    # The marker without its "ч" only before five digits, and no word before them.
    assert not detect("в/ 2024 и B/ 1234 BN 2024", use_ner=False)
    assert not detect("вам 10000 рублей, в 12345 экземплярах, вн. 2024", use_ner=False)
    assert not [f for f in detect("ВАЗ 21099, Bay 12345, BAY 2024, д. 8/4 1234, 84 12345",
                                  use_ner=False) if f.category == "military-unit"]
    # A digit glued to the marker is the number's own when no space follows it.
    found = [f.text for f in detect("в/ч123456 и в/ч 12345", use_ner=False)]
    assert found == ["12345"]


def test_an_abbreviated_label_before_a_number_is_no_name() -> None:
    text = "Контактный телефон: 8 (4822) 34-56-78. Моб. +7 (915) 732-41-08."
    assert not [f for f in detect(text, use_ner=True) if f.category == "person"]
    assert [f.category for f in detect(text, use_ner=True)] == ["phone", "phone"]


def test_strict_preset_also_hides_places_and_dates() -> None:
    found = detect(CRIMINAL_CASE, preset="ru-strict", use_ner=True)
    assert_found(CRIMINAL_CASE, found, "12.09.2023", "date")
    assert_found(CRIMINAL_CASE, found, "15 апреля 2024 г.", "date")
    assert any(f.category == "place" and "Москва" in f.text for f in found)


MILITARY_ID = """\
ВОЕННЫЙ БИЛЕТ
АВ № 1234567
Фамилия  ЁЛКИН
Имя  ДМИТРИЙ
Отчество  СЕРГЕЕВИЧ
Дата рождения  7 ноября 1996 г.
Место рождения  г. Псков
Личный номер  М-345678
Принят на воинский учёт Псковским районным военным комиссариатом 12 мая 2014 г.
В/Ч 73612, полевая почта 45087
"""


def test_military_id_page() -> None:
    found = detect(MILITARY_ID, hide=["Елкин Дмитрий Сергеевич"], use_ner=False)
    assert_found(MILITARY_ID, found, "АВ № 1234567", "military-id")
    assert_found(MILITARY_ID, found, "ЁЛКИН", "keeper-name")
    assert_found(MILITARY_ID, found, "ДМИТРИЙ", "keeper-name")
    assert_found(MILITARY_ID, found, "СЕРГЕЕВИЧ", "keeper-name")
    assert_found(MILITARY_ID, found, "7 ноября 1996 г.", "birth-date")
    assert_found(MILITARY_ID, found, "М-345678", "military-id")
    assert_found(MILITARY_ID, found, "73612", "military-unit")
    assert_found(MILITARY_ID, found, "45087", "military-unit")
    assert_untouched(MILITARY_ID, found, "12 мая 2014 г.")


MEDICAL = """\
СПРАВКА № 318
Выдана Кравчишину А. В., 1998 г.р., в том, что он находился на стационарном лечении
в хирургическом отделении ГБУЗ «Городская больница № 7» с 02.03.2023 по 27.03.2023
с диагнозом: осколочное ранение левого бедра (S71.1). Рост 182 см, вес 76 кг.
Адрес больницы: г. Ростов-на-Дону, ул. 40 лет Победы, д. 3.
Контакты лечащего врача: dr.petrenko@gb7-rostov.ru, тел. 250-14-77.
"""


def test_medical_certificate() -> None:
    found = detect(MEDICAL, hide=["Кравчишин"], use_ner=False)
    assert_found(MEDICAL, found, "Кравчишину А. В.", "keeper-name")
    assert_found(MEDICAL, found, "1998", "birth-date")
    assert_found(MEDICAL, found, "г. Ростов-на-Дону, ул. 40 лет Победы, д. 3", "address")
    assert_found(MEDICAL, found, "dr.petrenko@gb7-rostov.ru", "email")
    assert_found(MEDICAL, found, "250-14-77", "phone")
    for kept in ("№ 318", "№ 7", "02.03.2023", "S71.1", "182 см", "76 кг"):
        assert_untouched(MEDICAL, found, kept)


ASYLUM_LETTER = """\
To the Office français de protection des réfugiés et apatrides (OFPRA)

Re: asylum application of Mr. Andrei KRAVCHISHIN, born 14 February 1998, Russian passport
no. 75 4815162, currently residing in Yerevan, Armenia (phone +374 91 234567,
e-mail a.kravchishin@proton.me).

Mr. Kravchishin served in military unit 54321 until September 2023. His mother, Mrs. Olga
Kravchishina, still lives in Tver (GPS 56.8587, 35.9176) and was questioned by the police on
12 October 2023. His brother Iurii Kravchishin (Yuriy in his diploma) left for Tbilisi;
he can be reached at +995 599 12 34 56. We refer to Article 1A(2) of the 1951 Convention.
"""


def test_asylum_letter_in_english() -> None:
    found = detect(ASYLUM_LETTER, hide=["Кравчишин", "Юрий"], use_ner=False)
    # His first name goes with the surname written in capitals.
    assert_found(ASYLUM_LETTER, found, "Andrei KRAVCHISHIN", "keeper-name")
    assert_found(ASYLUM_LETTER, found, "Kravchishin", "keeper-name", nth=0)
    # His mother: the feminine surname in an English text is another person of the family.
    assert_found(ASYLUM_LETTER, found, "Olga\nKravchishina", "relative")
    # "His brother Iurii Kravchishin": a relative, named after a kinship word.
    assert_found(ASYLUM_LETTER, found, "Iurii Kravchishin", "relative")
    assert_found(ASYLUM_LETTER, found, "Yuriy", "relative")  # the brother's other spelling
    assert_found(ASYLUM_LETTER, found, "14 February 1998", "birth-date")
    assert_found(ASYLUM_LETTER, found, "75 4815162", "passport-ru-foreign")
    assert_found(ASYLUM_LETTER, found, "+374 91 234567", "phone")
    assert_found(ASYLUM_LETTER, found, "+995 599 12 34 56", "phone")
    assert_found(ASYLUM_LETTER, found, "56.8587, 35.9176", "gps")
    # The e-mail holds the keeper's surname; it is hidden as a whole, under the keeper's list.
    assert_found(ASYLUM_LETTER, found, "a.kravchishin@proton.me", "keeper-name")
    for kept in ("Article 1A(2)", "1951 Convention", "12 October 2023", "September 2023"):
        assert_untouched(ASYLUM_LETTER, found, kept)


# ---- each identifier on its own, in the shapes OCR produces ----------------------------------

@pytest.mark.parametrize(("text", "part", "category"), [
    ("тел.: +7 (912) 345-67-89", "+7 (912) 345-67-89", "phone"),
    ("звонить 8 912 3456789 вечером", "8 912 3456789", "phone"),
    ("звонить 89123456789 вечером", "89123456789", "phone"),
    ("Алматы: +7 701 234 56 78", "+7 701 234 56 78", "phone"),
    ("Ереван +374 (10) 12-34-56", "+374 (10) 12-34-56", "phone"),
    ("Тбилиси +995 32 2 12 34 56", "+995 32 2 12 34 56", "phone"),
    ("адвокат в Париже: +33 1 42 68 53 00", "+33 1 42 68 53 00", "phone"),
    ("паспорт 45 06 123456 выдан", "45 06 123456", "passport-ru-internal"),
    ("паспорт 4506 123456 выдан", "4506 123456", "passport-ru-internal"),
    ("паспорт серия 4506 номер 123456", "4506 номер 123456", "passport-ru-internal"),
    ("паспорт: 4506123456", "4506123456", "passport-ru-internal"),
    ("загранпаспорт 75 1234567", "75 1234567", "passport-ru-foreign"),
    ("заграничный паспорт № 751234567", "751234567", "passport-ru-foreign"),
    ("военный билет АВ 1234567", "АВ 1234567", "military-id"),
    ("военный билет серии AB № 1234567", "AB № 1234567", "military-id"),
    ("служил в в/ч 12345 до", "12345", "military-unit"),
    ("служил в в / ч 12345 до", "12345", "military-unit"),
    ("командир войсковой\nчасти 12345 приказал", "12345", "military-unit"),
    ("командир войсковой части № 01234 приказал", "01234", "military-unit"),
    ("ИНН 7707083893", "7707083893", "inn"),
    ("ИНН: 500100732259.", "500100732259", "inn"),
    ("СНИЛС 112-233-445 95", "112-233-445 95", "snils"),
    ("СНИЛС 11223344595", "11223344595", "snils"),
    ("пишите на ivanov.s@mail.ru", "ivanov.s@mail.ru", "email"),
    ("почта: почта@пример.рф", "почта@пример.рф", "email"),
    ("стоял у 55.7558, 37.6173 весь день", "55.7558, 37.6173", "gps"),
    ("точка 55,7558; 37,6173", "55,7558; 37,6173", "gps"),
    ("точка N 55.7558 E 37.6173", "N 55.7558 E 37.6173", "gps"),
    ("точка 55°45′21″N 37°37′04″E", "55°45′21″N", "gps"),
    ("точка 55°45'21.5\"N", "55°45'21.5\"N", "gps"),
    ("Дата рождения: 12.03.1995", "12.03.1995", "birth-date"),
    ("Иванов И. И., 12.03.1995 г.р.", "12.03.1995", "birth-date"),
    ("родился 5 мая 1990 г. в Твери", "5 мая 1990 г.", "birth-date"),
    ("Иванов И. И., 1995 г. р.", "1995", "birth-date"),
    ("date of birth: May 5, 1990", "May 5, 1990", "birth-date"),
    ("проживает: ул. Ленина, д. 5, кв. 12", "ул. Ленина, д. 5, кв. 12", "address"),
    ("г. Москва, ул. Ленина, д. 5, кв. 12", "г. Москва, ул. Ленина, д. 5, кв. 12", "address"),
    ("адрес: Тверская обл., Калининский р-н, с. Медное, ул. Школьная, д. 3",
     "Тверская обл., Калининский р-н, с. Медное, ул. Школьная, д. 3", "address"),
    ("живёт на пер. Чайковского, дом 7а", "пер. Чайковского, дом 7а", "address"),
    ("пос. Сосновый Бор, мкр. Южный, д. 12, корп. 3, кв. 7",
     "пос. Сосновый Бор, мкр. Южный, д. 12, корп. 3, кв. 7", "address"),
    ("по адресу: 123456, Москва, Ленинский проспект, дом 12, квартира 34.",
     "123456, Москва, Ленинский проспект, дом 12, квартира 34", "address"),
    ("адрес: Садовая ул., д. 3", "Садовая ул., д. 3", "address"),
    ("Телефон для справок (495) 123-45-67.", "(495) 123-45-67", "phone"),
    ("звоните: (4822) 34-56-78", "(4822) 34-56-78", "phone"),
    ("Иванов И. И. (род. 1985) служил", "1985", "birth-date"),
    ("он родился в 1985 году", "1985", "birth-date"),
])
def test_identifier_shapes(text: str, part: str, category: str) -> None:
    found = detect(text, use_ner=False)
    assert_found(text, found, part, category)


@pytest.mark.parametrize("text", [
    "осуждён по ч. 2.1 ст. 338 УК РФ",
    "см. стр. 5 из 12, п. 3.2",
    "в 2024 году, в 1995 г.",
    "уголовное дело № 12401450001000123",
    "штраф 15 000 рублей, 2 500 000 руб.",
    "приказ № 123 от 2023 года",
    "ИНН 7707083894",            # wrong check digit
    "ИНН 500100732258",          # wrong check digit
    "СНИЛС 112-233-445 96",      # wrong check digit
    "версия 1.2.3, файл 10-12",
    "Приказ Министра обороны РФ № 333 от 22.11.2021 (ред. от 01.03.2023)",
    "рост 182 см, вес 76 кг, давление 120/80",
    "время 12:45, температура 36.6",
    "Статья 1A(2) Конвенции 1951 года",
    "In 2023 the court case number 1-234/2024 was opened.",
    "ООО «Ромашка», ОГРН 1027700132195, КПП 773601001, р/с 40702810938000012345, "
    "БИК 044525225, к/с 30101810400000000225",
    "ГОСТ Р 7.0.97-2016, УИД 77RS0020-01-2023-012345-67, дело № 2-4567/2023",
    "служил в 2015-2017 гг., тираж 1000 экз., приложение на 3 л. в 1 экз.",
    "взыскать 125 000 руб. 00 коп. в срок 10 дней по п. 4.2 договора № 15/22",
    "телефон изъят 12.03.2023 и возвращён",
])
def test_ordinary_text_is_not_flagged(text: str) -> None:
    assert detect(text, use_ner=False) == []


def test_checksums() -> None:
    # Published test values of the tax service and a hand-made SNILS.
    for good in ("7707083893", "500100732259"):
        assert inn_is_valid(good)
        # Every other last digit fails.
        for digit in "0123456789":
            if digit != good[-1]:
                assert not inn_is_valid(good[:-1] + digit)
    assert not inn_is_valid("12345")
    assert not inn_is_valid("７７０７０８３８９３")  # full-width digits are not a number here
    assert snils_is_valid("112-233-445 95")
    for control in range(100):
        if control != 95:
            assert not snils_is_valid(f"112-233-445 {control:02d}")
    # A sum of 100 or 101 gives the control number 00.
    assert snils_is_valid("123-456-789 00") is (
        sum(int(d) * (9 - i) for i, d in enumerate("123456789")) % 101 in (0, 100))


# ---- the keeper's own names ----------------------------------------------------------------

MOTHER = "Иванова Мария Петровна"
MOTHER_IN_CASES = {
    "nomn": "Иванова Мария Петровна",
    "gent": "Ивановой Марии Петровны",
    "datv": "Ивановой Марии Петровне",
    "accs": "Иванову Марию Петровну",
    "ablt": "Ивановой Марией Петровной",
    "loct": "Ивановой Марии Петровне",
}


@pytest.mark.parametrize("case", sorted(MOTHER_IN_CASES))
def test_keeper_name_in_every_case(case: str) -> None:
    form = MOTHER_IN_CASES[case]
    text = f"Протокол допроса: свидетель {form}, мать подозреваемого, показала."
    found = detect(text, hide=[MOTHER], use_ner=False)
    assert spans(found) == {span(text, form): "keeper-name"}


@pytest.mark.parametrize(("surname", "forms"), [
    # An unknown surname: pymorphy3 guesses its paradigm.
    ("Кравчишин", ["Кравчишин", "Кравчишина", "Кравчишину", "Кравчишиным", "Кравчишине"]),
    # A female surname given in the nominative finds the male forms too (the family), and
    # reports them as a relative's.
    ("Кравчишина", ["Кравчишиной", "Кравчишину", "+Кравчишин", "+Кравчишиным"]),
    ("Ёлкин", ["Елкина", "ЁЛКИНУ", "ёлкиным", "Ёлкине"]),
])
def test_keeper_surname_forms(surname: str, forms: list[str]) -> None:
    for form in forms:
        category = "relative" if form.startswith("+") else "keeper-name"
        form = form.lstrip("+")
        text = f"Сведения о {form} получены."
        assert spans(detect(text, hide=[surname], use_ner=False)) == {
            span(text, form): category}


@pytest.mark.parametrize("latin", [
    "Mariia Ivanova", "IVANOVA MARIIA", "Maria Iwanowa", "Ivanovoi Marii", "Mariya Ivanova",
])
def test_keeper_name_in_latin(latin: str) -> None:
    text = f"Letter concerning {latin}, resident of Tver."
    found = detect(text, hide=[MOTHER], use_ner=False)
    assert spans(found) == {span(text, latin): "keeper-name"}


def test_keeper_name_through_ocr_noise_and_initials() -> None:
    text = "Свидетель Ива-\nнова М.П. и М. П. Ива\u0301новой; ИВАНОВА."
    found = detect(text, hide=["Иванова"], use_ner=False)
    assert spans(found) == {
        span(text, "Ива-\nнова М.П."): "keeper-name",
        span(text, "М. П. Ива\u0301новой"): "keeper-name",
        span(text, "ИВАНОВА"): "keeper-name",
    }


def test_keeper_names_do_not_spread_to_other_people() -> None:
    text = "Иван Петрович Сидоров и Марина Иваненко пришли к Петровичу."
    found = detect(text, hide=[MOTHER], use_ner=False)
    assert found == []


def test_keeper_strings_that_are_not_names() -> None:
    text = "Позывной «Сокол-7», номер 8 (912) 345-67-89, дом 12/3."
    found = detect(text, preset="hide-only", hide=["сокол-7", "89123456789", "12/3"],
                   use_ner=False)
    assert spans(found) == {
        span(text, "Сокол-7"): "custom",
        span(text, "8 (912) 345-67-89"): "custom",
        span(text, "12/3"): "custom",
    }


def test_a_common_word_in_a_phrase_is_only_hidden_with_the_phrase() -> None:
    text = "Кафе «Красная Шапочка» на красной площади; красная машина."
    found = detect(text, preset="hide-only", hide=["Красная Шапочка"], use_ner=False)
    assert spans(found) == {span(text, "Красная Шапочка"): "keeper-name"}


def test_name_forms() -> None:
    forms = name_forms(MOTHER)
    for form in ("иванова", "ивановой", "иванову", "марию", "марией", "петровне", "петровной",
                 "ivanova", "ivanovoi", "ivanovoy", "mariia", "maria", "petrovna"):
        assert form in forms
    for other in ("иван", "петрович", "петровича", "марина"):
        assert other not in forms
    assert all(form == form.lower() and "ё" not in form for form in forms)


# ---- the API's contract --------------------------------------------------------------------

def test_unknown_preset_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as raised:
        detect("Иванов, тел. +7 912 345 67 89", preset="everything")
    assert "Иванов" not in str(raised.value) and "912" not in str(raised.value)


def test_a_single_string_for_hide_is_refused() -> None:
    with pytest.raises(UsageError):
        detect("Иванов", hide="Иванов")


@pytest.mark.parametrize(("text", "number"), [
    ("из материалов уголовного дела № 12402450021000017", "12402450021000017"),
    ("по уголовному делу № 1-123/2024 в отношении", "1-123/2024"),
    ("в деле № 33-1234/2024 суд", "33-1234/2024"),
    ("Дело № 2а-456/2023", "2а-456/2023"),
    ("КУСП № 4567 от 12.03.2024", "4567"),
    ("материал проверки № 45пр-24", "45пр-24"),
    ("уголовное дело №\u00a012402450021000017", "12402450021000017"),
    ("Criminal case No. 12402450021000017 was opened", "12402450021000017"),
])
def test_strict_preset_hides_a_case_number_that_personal_keeps(text: str, number: str) -> None:
    # A court register publishes a case's card, with the defendant's name, under its number.
    strict = [f for f in detect(text, preset="ru-strict", use_ner=False)
              if f.category == "case-number"]
    assert [f.text for f in strict] == [number]
    assert all(f.category != "case-number" for f in detect(text, use_ner=False))


@pytest.mark.parametrize("text", ["Дело в том, что повестку не вручили.",
                                  "дело 5 лет назад закрыли", "Дело №5", "делом № один"])
def test_a_case_number_needs_the_number_sign_and_digits(text: str) -> None:
    assert all(f.category != "case-number"
               for f in detect(text, preset="ru-strict", use_ner=False))


def test_presets() -> None:
    assert PRESETS["ru-strict"] == CATEGORIES
    assert PRESETS["ru-personal"] == CATEGORIES - {"date", "place", "case-number"}
    assert PRESETS["hide-only"] == {"keeper-name", "relative", "custom"}
    text = "Иванов, тел. +7 912 345 67 89, 12.03.2020"
    assert detect(text, preset="hide-only", use_ner=False) == []


def test_finding_repr_does_not_carry_the_text() -> None:
    [finding] = detect("тел. +7 912 345 67 89", use_ner=False)
    assert "912" not in repr(finding)
    assert finding.text == "+7 912 345 67 89"


def test_overlaps_merge_into_the_widest_span_with_the_specific_category() -> None:
    # The e-mail contains a phone-like run and the keeper's name: one span, the keeper's.
    text = "Пишите: ivanov89123456789@mail.ru"
    found = detect(text, hide=["Иванов"], use_ner=False)
    assert len(found) == 1
    assert (found[0].start, found[0].end) == span(text, "ivanov89123456789@mail.ru")


@pytest.mark.parametrize(("entry", "forms"), [
    ("Kravchishina", ["Кравчишина", "Кравчишиной", "Кравчишину", "+Кравчишин", "KRAVCHISHINOI"]),
    ("Yuriy", ["Юрий", "Юрия", "Юрию", "Юрием", "Юрии", "Iurii", "Yuri"]),
    ("Olga", ["Ольга", "Ольги", "Ольге", "Ольгу", "Ольгой", "OLGA"]),
    ("Khachatryan", ["Хачатрян", "Хачатряна", "Хачатряну", "Хачатряном", "Хачатряне"]),
    ("Shchukina", ["Щукина", "Щукиной", "Щукину", "Shchukinoi"]),
])
def test_keeper_name_typed_in_latin_finds_cyrillic_in_every_case(entry: str,
                                                                 forms: list[str]) -> None:
    for form in forms:
        # "+": a form of the other gender, which belongs to a relative.
        category = "relative" if form.startswith("+") else "keeper-name"
        form = form.lstrip("+")
        text = f"Справка в отношении {form} выдана."
        assert spans(detect(text, hide=[entry], use_ner=False)) == {
            span(text, form): category}, "a form of the entry was missed"


def test_ocr_latin_lookalikes_inside_a_cyrillic_name() -> None:
    text = "Свидетель Ивaнoвa (OCR) и ИВAНОВОЙ."
    found = detect(text, hide=["Иванова"], use_ner=False)
    assert spans(found) == {span(text, "Ивaнoвa"): "keeper-name",
                            span(text, "ИВAНОВОЙ"): "keeper-name"}


def test_short_latin_spellings_do_not_hide_english_words() -> None:
    text = "Yan is an old friend; Ян живёт в Ереване."
    found = detect(text, preset="hide-only", hide=["Ян"], use_ner=False)
    assert spans(found) == {span(text, "Yan"): "keeper-name", span(text, "Ян"): "keeper-name"}


def test_keeper_string_with_a_unit_number() -> None:
    text = "Командир В / Ч 12345 и в/ч 12346."
    found = detect(text, preset="hide-only", hide=["в/ч 12345"], use_ner=False)
    assert spans(found) == {span(text, "В / Ч 12345"): "custom"}


def test_name_forms_of_a_latin_entry_include_cyrillic() -> None:
    forms = name_forms("Ivanova")
    assert {"ivanova", "иванова", "ивановой", "иванову", "ivanovoi"} <= forms


# What Tesseract makes of a phone photo of a summons: broken lines, hyphenation, lost and
# doubled spaces, a Latin letter inside a Cyrillic word.
OCR_PAGE = """\
ПОВЕСТКА   №  318
Гражданину    Кравчи-
шину  Андрею  Викторовичу
проживающему: г.Тверь, ул.Советская,
д.15, кв.42
Вам  надлежит  явиться  в  в / ч  12345   05.10.2022
ИНН500100732259  тел.8(915)732-41-08
паспорт  28 06 №604213   военный билет АК№4512378
Мать:  Кравчишинa  О. Н.
"""


def test_ocr_output() -> None:
    found = detect(OCR_PAGE, hide=["Кравчишин Андрей Викторович"], use_ner=False)
    assert_found(OCR_PAGE, found, "Кравчи-\nшину  Андрею  Викторовичу", "keeper-name")
    assert_found(OCR_PAGE, found, "г.Тверь, ул.Советская,\nд.15, кв.42", "address")
    assert_found(OCR_PAGE, found, "12345", "military-unit")
    assert_found(OCR_PAGE, found, "500100732259", "inn")
    assert_found(OCR_PAGE, found, "8(915)732-41-08", "phone")
    assert_found(OCR_PAGE, found, "28 06 №604213", "passport-ru-internal")
    assert_found(OCR_PAGE, found, "АК№4512378", "military-id")
    # The mother, after "Мать:", is a relative, not the keeper.
    assert_found(OCR_PAGE, found, "Кравчишинa  О. Н.", "relative")
    assert_untouched(OCR_PAGE, found, "№  318")
    assert_untouched(OCR_PAGE, found, "05.10.2022")


def test_a_surname_with_two_initials_is_a_name_without_ner() -> None:
    """A blurred photo of a medical certificate read «Выдана Кравчишину А. B.. 1998 r.p.»
    (a Latin initial, a doubled full stop): natasha found no name in it."""
    for text, name in (("Выдана Кравчишину А. B.. 1998 r.p., в том", "Кравчишину А. B."),
                       ("Шевчук О. Н., рассмотрев сообщение", "Шевчук О. Н."),
                       ("подписал О.Н. Шевчук.", "О.Н. Шевчук"),
                       ("следователь Петров-Водкин И. И.", "Петров-Водкин И. И."),
                       # A typewriter face turned a quarter: «О» read as a zero.
                       ("Шевчук 0. H., рассмотрев сообщение", "Шевчук 0. H."),
                       ("подписал 0.Н. Шевчук.", "0.Н. Шевчук")):
        found = [f.text for f in detect(text, use_ner=False) if f.category == "person"]
        assert found == [name], text
    for text in ("ст. 337 УК РФ", "т. е. Иванов пришёл", "г. Москва, ул. Ленина, д. 5",
                 "Москва А.", "Петров 0.5 л", "Итог 0. 5 мест"):
        assert not [f for f in detect(text, use_ner=False) if f.category == "person"], text


def test_digits_and_signs_ocr_of_a_blurred_photo_stands_in_are_read_back() -> None:
    """An English asylum letter out of focus: OCR read «75 4815162» as "7$ 4815162", «54321»
    as "$4321", «+374» as "#374" and «proton.me» as "proton me"; none was found and the copy
    passed with exit 0."""
    text = ("Russian passport no 7$ 4815162, currently residing in Yerevan (phone #374 91 "
            "234567, e-mail a krevchishin@proton me). He served in military unit $4321 until "
            "September 2023.")
    found = {(f.category, f.text) for f in detect(text, preset="ru-personal", use_ner=False)}
    assert ("passport-ru-foreign", "7$ 4815162") in found
    assert ("phone", "#374 91 234567") in found
    assert ("email", "krevchishin@proton me") in found
    assert ("military-unit", "$4321") in found
    gps = "still lives in Tver (GPS 56.8587. 35 9176) and was questioned"
    assert [(f.category, f.text) for f in detect(gps, use_ner=False)] == [
        ("gps", "56.8587. 35 9176")]
    # A noisy photo at an angle read the comma as a full stop and kept the second point.
    gps = "still lives in Tver (GPS 56.8587. 35.9176) and was questioned"
    assert [(f.category, f.text) for f in detect(gps, use_ner=False)] == [
        ("gps", "56.8587. 35.9176")]
    # A surname in capitals after a first name, as letters write it.
    assert ("person", "Andrei KRAVCHISHIN") in {
        (f.category, f.text) for f in detect("application of Mr. Andrei KRAVCHISHIN, born",
                                             preset="ru-personal", use_ner=False)}
    assert not detect("OFPRA, the BBC and the UK office in BERLIN", preset="ru-personal",
                      use_ner=False)
    from papka.formats.detect import ocr_look_alikes

    assert len(ocr_look_alikes(text)) == len(text)
    for harmless in ("It costs $500 a month.", "Item #1 on the list, #12 in all.",
                     "Version 2.1. 35 of 1200 pages were read.",
                     "Write to me at home or at the office.", "Call me after 5 o'clock."):
        assert not detect(harmless, preset="ru-strict", use_ner=False), harmless


def test_phones_and_dates_as_ocr_reads_them_on_photos_taken_at_an_angle() -> None:
    """Photos of a summons at 18 degrees, a medical certificate tilted 6 and an English letter
    turned 20 degrees passed with a mobile number, the doctor's number and a date of birth
    readable: OCR read «(915)» as "(9 15)", «Тел.» as "Ten." and «February» as "Feb:"."""
    def found(text: str) -> list[tuple[str, str]]:
        return [(f.category, f.text) for f in detect(text, preset="ru-personal", use_ner=False)]

    assert found("Моб. +7 (9 15) 732-41-08.") == [("phone", "+7 (9 15) 732-41-08")]
    assert found("Ten. 250-14-77.") == [("phone", "250-14-77")]
    assert found("врача: Ten 250-14-77.") == [("phone", "250-14-77")]
    assert found("born 14 Feb: 1998, in Tver") == [("birth-date", "14 Feb: 1998")]
    for harmless in ("It costs ten 100 000 rubles", "Ten people, 250 of them came.",
                     "we were ten 250-300 km from home",
                     "Item 7 (9 15) of the list"):
        assert not found(harmless), harmless


def test_a_birth_word_ocr_misread_by_a_letter_still_makes_a_date_of_birth() -> None:
    """A photo sent through a messenger read «03 июня 2001 года рождения» as "03 июня 2001
    года рождемия": the date was a plain date, which ru-personal keeps, and the date of birth
    stayed readable."""
    def found(text: str) -> list[tuple[str, str]]:
        return [(f.category, f.text) for f in detect(text, preset="ru-personal", use_ner=False)]

    assert found("03 июня 2001 года рождемия, уроженец") == [("birth-date", "03 июня 2001")]
    assert found("Дата рожденмя: 12.03.1995") == [("birth-date", "12.03.1995")]
    assert found("poждения 12.03.1995") == [("birth-date", "12.03.1995")]
    assert found("1995 года рождемия") == [("birth-date", "1995")]
    # Other words after a year stay what they were.
    assert not found("25 декабря 2001 года Рождества, 7 января 2002 года рожек")


def test_a_day_ocr_read_as_letters_before_a_month_and_year_is_a_date() -> None:
    """A sideways photo of a criminal case read «03 июня 2001 года рождения» as "ОЗ июня 2001
    года рождения": only the year was boxed, and the day and month of birth stayed."""
    def found(text: str) -> list[tuple[str, str]]:
        return [(f.category, f.text) for f in detect(text, preset="ru-personal", use_ner=False)]

    assert ("birth-date", "ОЗ июня 2001") in found(
        "личный номер АЮ-482915, ОЗ июня 2001 года рождения, уроженец")
    assert ("birth-date", "l7 мая 1999") in found("Петров, l7 мая 1999 года рождения")
    from papka.formats.detect import ocr_look_alikes

    # Only one or two such letters right before a month and a year: a word, a day without a
    # year, a letter after a full stop stay.
    text = "ОЗ июня 2001, О июня, зоо мая 2001, до июня 2001, т.О мая 2001"
    assert ocr_look_alikes(text) == "03 июня 2001, О июня, зоо мая 2001, до июня 2001, т.О мая 2001"


def test_address_markers_as_ocr_misreads_them_keep_the_address_whole() -> None:
    """Photos tilted 5-6 degrees or saved at JPEG 20-30 passed with a house and flat, a town
    or a region readable: OCR read «д.» as "А:", «г.» as "г," or "Г:", «обл.» as "o6n."."""
    def found(text: str) -> list[tuple[str, str]]:
        return [(f.category, f.text) for f in detect(text, preset="ru-personal", use_ner=False)]

    assert found("170100, г. Тверь, ул. Советская, А: 15, кв. 42.") == [
        ("address", "170100, г. Тверь, ул. Советская, А: 15, кв. 42")]
    assert found("проживает: Московская o6n., г. Подольск, ул. Ленина, д. 5") == [
        ("address", "Московская o6n., г. Подольск, ул. Ленина, д. 5")]
    assert found("Адрес: г, Ростов-на-Дону, ул. 40 лет Победы, д. 3") == [
        ("address", "г, Ростов-на-Дону, ул. 40 лет Победы, д. 3")]
    assert found("Г: Ростов-на-Дону, ул. Садовая, д. 1") == [
        ("address", "Г: Ростов-на-Дону, ул. Садовая, д. 1")]
    for harmless in ("Иванов А. 15 лет назад уехал", "Пункт А: 15 человек",
                     "Москва, 2024 г, Следователь Петров", "пример: г, Иван"):
        assert not found(harmless), harmless


def test_a_capital_i_ocr_read_as_a_small_l_opening_a_name_is_read_back() -> None:
    """A sharp photo of the English letter: OCR read «His brother Iurii Kravchishin» as
    "His brother lurii Kravchishin", no rule took the brother's name, and the copy passed with
    it readable."""
    found = {(f.category, f.text) for f in detect(
        "His brother lurii Kravchishin left for Tbilisi.", preset="ru-personal", use_ner=False)}
    assert ("person", "lurii Kravchishin") in found
    assert ("person", "lgor Petrov") in {(f.category, f.text) for f in detect(
        "Mr. lgor Petrov came.", preset="ru-personal", use_ner=False)}
    for harmless in ("We learn English at school.", "I will leave Moscow soon.",
                     "the lamp Post office", "lots of Tea"):
        assert not detect(harmless, preset="ru-strict", use_ner=False), harmless


def test_words_ocr_read_a_letter_or_two_off_a_name_found_elsewhere_are_boxed_too() -> None:
    """A blurred English letter read "KRAVCHISHIN" once, then "Kravehishin" and
    "Krevchishin": the second pass boxes those as the name found."""
    from papka.formats import ocr
    from papka.formats.planner import misread_names

    words = [ocr.OcrWord(text, 0, 0, 10, 10, (1, 1, 1), 90.0) for text in (
        "Me.", "Kravehishin", "served", "Krevchishine,", "Kravchishin", "in", "Tver",
        "Kuznetsova", "Petrov", "Petrol", "Petrova")]
    page = ocr.OcrPage(words, {})
    found = misread_names(page, ["Andrei KRAVCHISHIN", "Petrova"])
    assert found == ["Kravehishin", "Krevchishine", "Petrov"]
