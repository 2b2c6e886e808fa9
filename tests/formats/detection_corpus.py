"""A small labelled corpus of (fictional) papers for measuring detection, and the measurement.

Each document marks what must be hidden as ``[[text|category|variant]]``; everything else
must stay readable, and ``KEEP`` lists words that earlier versions boxed wrongly (labels,
greetings, ordinary words). The keeper is Кузнецов Иван Сергеевич; his mother is Кузнецова
Анна Петровна. Every person, number and address is invented; INN and SNILS have valid check
digits.

``python -m tests.formats.detection_corpus`` prints the figures written in docs/detection.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from papka.formats.detect import Finding, detect

KEEPER = "Кузнецов Иван Сергеевич"
MOTHER = "мать: Кузнецова Анна Петровна"


@dataclass(frozen=True)
class Labelled:
    name: str
    marked: str
    hide: tuple[str, ...]
    keep: tuple[str, ...]
    preset: str = "ru-personal"


@dataclass(frozen=True)
class Gold:
    start: int
    end: int
    category: str
    variant: str


CORPUS: tuple[Labelled, ...] = (
    Labelled(
        "form with letter cells",
        "АНКЕТА ВОЕННООБЯЗАННОГО\n"
        "Фамилия |[[К|У|З|Н|Е|Ц|О|В|keeper-name|letter-cells]]|\n"
        "Имя     [[И В А Н|keeper-name|letter-cells]]\n"
        "ИНН     [[6 9 0 4 1 2 3 4 5 6 3 2|inn|letter-cells]]\n"
        "СНИЛС   [[1 1 2 2 3 3 4 4 5 9 5|snils|letter-cells]]\n"
        "Адрес: [[Тверь, Радищева 27-14|address|bare-address]]\n"
        "Подпись ________  Дата заполнения 12.03.2023\n",
        (KEEPER,),
        ("Фамилия", "Имя", "Адрес:", "Подпись", "Дата заполнения", "12.03.2023"),
    ),
    Labelled(
        "criminal case with labels",
        "ПОСТАНОВЛЕНИЕ о привлечении в качестве обвиняемого\n"
        "Обвиняемый: [[Кузнецов Иван Сергеевич|keeper-name|keeper]], "
        "[[14.02.1998|birth-date|identifier]] г.р.\n"
        "Адрес: [[г. Тверь, ул. Радищева, д. 27, кв. 14|address|address]]\n"
        "Мать: [[Кузнецова Анна Петровна|relative|relative]], тел. "
        "[[+7 915 732-41-08|phone|identifier]]\n"
        "Зарекомендовала себя с положительной стороны.\n"
        "Военнослужащий войсковой части [[543-\n21|military-unit|line-hyphen]] рядовой "
        "[[Кузнецов И. С.|keeper-name|keeper]] самовольно оставил часть.\n"
        "Следователь капитан юстиции [[Шевчук О. Н.|person|ner]]\n",
        (KEEPER,),
        ("Обвиняемый:", "Адрес:", "Мать:", "Зарекомендовала", "положительной стороны",
         "Военнослужащий", "рядовой", "Следователь", "капитан юстиции"),
    ),
    Labelled(
        "e-mail with links and handles",
        "Добрый день, [[Анна Петровна|relative|relative]]!\n"
        "Ваш сын просил передать ссылку: [[vk.com/annakuznetsova1968|relative|link]]\n"
        "Пишите мне на [[kuznetsova.a@mail.ru|relative|link]] или в телеграм "
        "[[@kuznetsova_anna|relative|link]].\n"
        "Его страница: [[vk.com/ivan.kuznetsov98|keeper-name|link]], "
        "канал [[t.me/svoboda_tver_2023|social|link]].\n"
        "С уважением, юрист фонда.\n",
        (KEEPER, MOTHER),
        ("Добрый день", "Ваш сын", "ссылку", "Пишите мне", "С уважением", "юрист фонда"),
    ),
    Labelled(
        "English translation",
        "CERTIFIED TRANSLATION FROM RUSSIAN\n"
        "Mr. [[Ivan Sergeyevich Kuznetsov|keeper-name|latin]], born "
        "[[14 February 1998|birth-date|identifier]], served in military unit No. "
        "[[54321|military-unit|english]].\n"
        "His registered address is [[27 Radishcheva Street, apt. 14|address|english]], Tver.\n"
        "His mother, Mrs. [[Anna Kuznetsova|relative|latin]], was questioned by the police.\n"
        "Military Unit [[54321|military-unit|english]] issued the order under Article 337 "
        "of the Criminal Code.\n",
        (KEEPER,),
        ("CERTIFIED TRANSLATION", "registered address", "Tver", "Article 337",
         "Criminal Code", "questioned by the police"),
    ),
    Labelled(
        "letters in French, German and Polish",
        "Objet : demande d'asile de [[M. Ivan Kouznetsov|keeper-name|latin-french]], né le "
        "[[14.02.1998|birth-date|identifier]].\n"
        "Betreff: Asylantrag von Herrn [[Iwan Kusnezow|keeper-name|latin-german]], geboren am "
        "[[14.02.1998|birth-date|identifier]].\n"
        "Dotyczy: wniosek azylowy [[Iwana Kuzniecowa|keeper-name|latin-polish]], ur. "
        "[[14.02.1998|birth-date|identifier]].\n"
        "Sa mère, Mme [[Anna Kouznetsova|relative|latin-french]], vit à Tver.\n",
        (KEEPER,),
        ("Objet", "demande d'asile", "Betreff", "Asylantrag", "Dotyczy", "wniosek azylowy",
         "vit à Tver"),
    ),
    Labelled(
        "judgment with officials and ordinary words",
        "ПРИГОВОР\nИменем Российской Федерации\n"
        "Тверской гарнизонный военный суд в составе председательствующего судьи "
        "[[Петренко В. А.|person|ner]]\n"
        "Подсудимый зарекомендовал себя положительно. Добрый день, уважаемый суд.\n"
        "Дело № 1-234/2024. Статья 337 часть 5 УК РФ. Штраф 15 000 рублей.\n",
        (KEEPER,),
        ("ПРИГОВОР", "Именем Российской Федерации", "Подсудимый", "зарекомендовал",
         "Добрый день", "уважаемый суд", "Дело № 1-234/2024", "Статья 337", "15 000 рублей"),
    ),
    Labelled(
        "summons with a bare address",
        "ПОВЕСТКА\nГражданину [[Кузнецову И. С.|keeper-name|keeper]], проживающему: "
        "[[Тверь, Радищева 27, кв 14|address|bare-address]].\n"
        "Явиться 05.10.2022 к 09:00 в военный комиссариат, каб. 12.\n"
        "Военный комиссар                        стр. 1 из 2\n",
        (KEEPER,),
        ("ПОВЕСТКА", "Гражданину", "проживающему", "05.10.2022", "каб. 12", "стр. 1 из 2"),
    ),
    Labelled(
        "OCR page with broken lines",
        "Справка\nвыдана [[Кузне-\nцову Ивану|keeper-name|keeper]] в том, что он\n"
        "ИНН [[690412-\n345632|inn|line-hyphen]] состоит на учёте.\n"
        "СНИЛС [[112-233-\n445 95|snils|line-hyphen]]\n"
        "Место работы: ООО «Ромашка», ОГРН 1027700132195.\n",
        (KEEPER,),
        ("Справка", "состоит на учёте", "Место работы", "ООО «Ромашка»", "1027700132195"),
    ),
)

# Written after the detectors were built and not tuned against: a second keeper (Соколов
# Дмитрий Андреевич, his mother Соколова Елена Викторовна) in phrasings the first set lacks.
# Its figures are the fairer estimate; misses here are listed in docs/detection.md.
KEEPER_2 = "Соколов Дмитрий Андреевич"
MOTHER_2 = "мать: Соколова Елена Викторовна"

HELD_OUT: tuple[Labelled, ...] = (
    Labelled(
        "registration card in cells",
        "КАРТОЧКА УЧЁТА\n"
        "Фамилия  [[С О К О Л О В|keeper-name|letter-cells]]   "
        "Имя  [[Д М И Т Р И Й|keeper-name|letter-cells]]\n"
        "Паспорт: серия и номер  [[5 7 1 2   3 4 5 6 7 8|passport-ru-internal|letter-cells]]\n"
        "Телефон  [[8 9 1 2 0 0 0 1 1 2 2|phone|letter-cells]]\n"
        "Отметка о постановке на учёт: принят.\n",
        (KEEPER_2,),
        ("КАРТОЧКА УЧЁТА", "Фамилия", "Имя", "Отметка о постановке на учёт", "принят"),
    ),
    Labelled(
        "English statement",
        "STATEMENT\nI, [[Dmitry Andreyevich Sokolov|keeper-name|latin]], born "
        "[[3 May 1995|birth-date|identifier]], resided at "
        "[[45 Komsomolsky Prospekt, Apt. 112|address|english]], Perm.\n"
        "I served in Military Unit [[12345|military-unit|english]] until my desertion.\n"
        "My sister [[Maria Sokolova|relative|latin]] was summoned for questioning.\n"
        "Signed in Yerevan, Armenia.\n",
        (KEEPER_2,),
        ("STATEMENT", "until my desertion", "summoned for questioning", "Yerevan",
         "Armenia"),
    ),
    Labelled(
        "mother's e-mail",
        "Здравствуйте! Это [[Лена|relative|diminutive]], мама "
        "[[Димы|keeper-name|diminutive]].\n"
        "Мой номер [[+7 912 000-11-22|phone|identifier]], страница "
        "[[ok.ru/profile/elena.sokolova75|relative|link]], почта "
        "[[sokolova_e@yandex.ru|relative|link]].\n"
        "Спасибо за помощь, всего доброго.\n",
        (KEEPER_2, MOTHER_2),
        ("Здравствуйте", "Спасибо за помощь", "всего доброго"),
    ),
    Labelled(
        "court decision with a brother",
        "РЕШЕНИЕ\nОтветчик [[Соколов Д. А.|keeper-name|keeper]] проживал по адресу "
        "[[Пермь, Ленина 10-5|address|bare-address]].\n"
        "Свидетель: брат ответчика [[Соколов Павел Андреевич|relative|relative]].\n"
        "Суд не нашёл оснований для удовлетворения иска.\n",
        (KEEPER_2,),
        ("РЕШЕНИЕ", "Ответчик", "Свидетель:", "брат ответчика", "не нашёл оснований"),
    ),
    Labelled(
        "German letter",
        "Sehr geehrte Damen und Herren,\n"
        "Herr [[Dmitri Sokolow|keeper-name|latin-german]], geb. "
        "[[03.05.1995|birth-date|identifier]], wohnhaft in Perm, "
        "[[Komsomolski-Prospekt 45, Wohnung 112|address|english]], bittet um Schutz.\n"
        "Mit freundlichen Grüßen\n",
        (KEEPER_2,),
        ("Sehr geehrte Damen und Herren", "bittet um Schutz", "Mit freundlichen Grüßen"),
    ),
)

# Ordinary text with nothing to hide: every finding here is a false one. Laws, court and
# office names, numbers of cases and articles, forms' labels, greetings, English and German
# boilerplate of asylum letters.
NEUTRAL: tuple[Labelled, ...] = (
    Labelled(
        "law and procedure",
        "На основании статьи 31 Федерального закона от 28.03.1998 № 53-ФЗ «О воинской "
        "обязанности и военной службе» граждане обязаны явиться по повестке военного "
        "комиссариата в указанные в ней время и место. Неявка без уважительной причины влечёт "
        "ответственность по статье 21.5 КоАП РФ. Уважительными причинами признаются "
        "заболевание, связанное с утратой трудоспособности, тяжёлое состояние здоровья отца, "
        "матери, жены, мужа, сына, дочери, родного брата, родной сестры, а также иные "
        "обстоятельства, признанные призывной комиссией уважительными.\n"
        "Решение может быть обжаловано в Тверской областной суд в течение 10 дней.\n"
        "Дело № 2-4567/2023, УИД 77RS0020-01-2023-012345-67, лист 3 из 12.\n",
        (KEEPER,),
        (),
    ),
    Labelled(
        "form labels and greetings",
        "Фамилия:\nИмя:\nОтчество:\nДата рождения:\nМесто рождения:\nАдрес регистрации:\n"
        "Мать:\nОтец:\nОбвиняемый:\nПодозреваемый:\nСвидетель:\nПодпись, дата.\n"
        "Добрый день! Здравствуйте, уважаемые коллеги. Зарекомендовала себя как ответственный "
        "сотрудник. Спасибо за помощь, всего доброго. С уважением, приёмная фонда.\n",
        (KEEPER,),
        (),
    ),
    Labelled(
        "English and German boilerplate",
        "Dear Sir or Madam,\nWe refer to Article 1A(2) of the 1951 Refugee Convention and to "
        "Article 3 of the European Convention on Human Rights. The applicant's file number is "
        "2023/4567. Please find enclosed the certified translation of the summons and of the "
        "court decision. The Federal Office for Migration and Refugees will decide within six "
        "months.\nSehr geehrte Damen und Herren, anbei erhalten Sie die beglaubigte "
        "Übersetzung. Mit freundlichen Grüßen, Ihre Beratungsstelle.\n"
        "Yours faithfully, the Legal Aid Team, Paris Office, 12 rue de la Paix.\n",
        (KEEPER,),
        (),
    ),
)

_MARK = re.compile(r"\[\[(?P<text>.+?)\|(?P<category>[a-z-]+)\|(?P<variant>[a-z-]+)\]\]",
                   re.DOTALL)


def parse(document: Labelled) -> tuple[str, list[Gold]]:
    """The plain text and its gold spans."""
    out: list[str] = []
    gold: list[Gold] = []
    position = 0
    length = 0
    for match in _MARK.finditer(document.marked):
        before = document.marked[position:match.start()]
        out.append(before)
        length += len(before)
        gold.append(Gold(length, length + len(match["text"]), match["category"],
                         match["variant"]))
        out.append(match["text"])
        length += len(match["text"])
        position = match.end()
    out.append(document.marked[position:])
    return "".join(out), gold


def _covered(text: str, start: int, end: int, findings: Sequence[Finding]) -> bool:
    """Every letter and digit of text[start:end] lies under some finding."""
    return all(any(f.start <= i < f.end for f in findings)
               for i in range(start, end) if text[i].isalnum())


@dataclass
class Figures:
    gold: int = 0
    found: int = 0                    # gold spans fully covered
    right_category: int = 0           # ... and with the labelled category
    findings: int = 0
    true_findings: int = 0            # findings that overlap some gold span
    keep_broken: int = 0              # keep phrases a finding touched
    by_variant: Counter[str] | None = None
    variant_found: Counter[str] | None = None
    by_detector: Counter[str] | None = None
    detector_true: Counter[str] | None = None

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.true_findings / self.findings if self.findings else 1.0

    @property
    def category_accuracy(self) -> float:
        return self.right_category / self.found if self.found else 1.0


def measure(use_ner: bool = True, corpus: Sequence[Labelled] = CORPUS) -> Figures:
    figures = Figures(by_variant=Counter(), variant_found=Counter(), by_detector=Counter(),
                      detector_true=Counter())
    assert figures.by_variant is not None and figures.variant_found is not None
    assert figures.by_detector is not None and figures.detector_true is not None
    for document in corpus:
        text, gold = parse(document)
        findings = detect(text, preset=document.preset, hide=list(document.hide),
                          use_ner=use_ner)
        for span in gold:
            figures.gold += 1
            figures.by_variant[span.variant] += 1
            if _covered(text, span.start, span.end, findings):
                figures.found += 1
                figures.variant_found[span.variant] += 1
                categories = {f.category for f in findings
                              if f.start < span.end and span.start < f.end}
                if span.category in categories:
                    figures.right_category += 1
        for finding in findings:
            figures.findings += 1
            figures.by_detector[finding.detector] += 1
            if any(finding.start < g.end and g.start < finding.end for g in gold):
                figures.true_findings += 1
                figures.detector_true[finding.detector] += 1
        for phrase in document.keep:
            start = text.index(phrase)
            end = start + len(phrase)
            if any(f.start < end and start < f.end for f in findings):
                figures.keep_broken += 1
    return figures


def report(figures: Figures) -> str:
    assert figures.by_variant is not None and figures.variant_found is not None
    assert figures.by_detector is not None and figures.detector_true is not None
    lines = [
        f"gold spans {figures.gold}, found {figures.found} (recall {figures.recall:.3f}), "
        f"right category {figures.right_category} ({figures.category_accuracy:.3f})",
        f"findings {figures.findings}, on a gold span {figures.true_findings} "
        f"(precision {figures.precision:.3f}); keep phrases touched {figures.keep_broken}",
        "recall by variant:",
    ]
    for variant in sorted(figures.by_variant):
        lines.append(f"  {variant:14} {figures.variant_found[variant]}/"
                     f"{figures.by_variant[variant]}")
    lines.append("precision by detector:")
    for detector in sorted(figures.by_detector):
        lines.append(f"  {detector:20} {figures.detector_true[detector]}/"
                     f"{figures.by_detector[detector]}")
    return "\n".join(lines)


def false_findings(use_ner: bool = True) -> tuple[int, int, list[str]]:
    """Findings in the neutral texts (all false), the words read, and which detectors."""
    count, words, detectors = 0, 0, []
    for document in NEUTRAL:
        text, _ = parse(document)
        words += len(text.split())
        for finding in detect(text, preset=document.preset, hide=list(document.hide),
                              use_ner=use_ner):
            count += 1
            detectors.append(finding.detector)
    return count, words, detectors


if __name__ == "__main__":
    for ner in (False, True):
        false, words, detectors = false_findings(use_ner=ner)
        print(f"--- neutral text, use_ner={ner}: {false} findings in {words} words "
              f"({', '.join(sorted(detectors))})")
    for label, corpus in (("built with", CORPUS), ("held out", HELD_OUT)):
        for ner in (False, True):
            print(f"--- {label}, use_ner={ner}")
            print(report(measure(use_ner=ner, corpus=corpus)))
