"""Person and place names found by natasha's offline NER, trimmed of the labels and ordinary
words natasha runs into them. The models ship in the natasha wheel: nothing is fetched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from papka.formats.detectors import Hit
from papka.formats.detectors.name_forms import analyzer, is_cyrillic, word_key


@functools.cache
def _natasha() -> tuple[Any, Any]:
    # Loaded once per process on first use (about half a second); the models ship in the
    # natasha wheel, so nothing is fetched from the network.
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


_NER_CATEGORIES = {"PER": "person", "LOC": "place"}
_NER_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


#: Latin capitals OCR puts for their Cyrillic look-alikes, and the Cyrillic letters meant.
_LOOK_ALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")
#: An initial ("B.") beside a Cyrillic initial ("А. B.", "B. А."), or a word of capitals
#: mixing the two alphabets ("AНДРЕЙ").
_LATIN_IN_CYRILLIC = re.compile(
    r"(?:(?<=\b[А-ЯЁ]\. )|(?<=\b[А-ЯЁ]\.))[ABCEHKMOPTXY](?=\.)|"
    r"\b[ABCEHKMOPTXY](?=\. ?[А-ЯЁ]\.)|"
    r"\b(?=[A-ZА-ЯЁ]*[А-ЯЁ])(?=[A-ZА-ЯЁ]*[ABCEHKMOPTXY])[ABCEHKMOPTXYА-ЯЁ]+\b"
)


def with_cyrillic_look_alikes(text: str) -> str:
    """The text with Latin capitals OCR read for Cyrillic ones put back, letter for letter
    (offsets unchanged): natasha took «Кравчишину А. В.» for a name, and not the same read
    "Кравчишину А. B." on a photo, whose name then stayed readable."""
    return _LATIN_IN_CYRILLIC.sub(lambda m: m.group().translate(_LOOK_ALIKES), text)


def named_entities(text: str) -> Iterator[Hit]:
    if not any(ch.isalpha() for ch in text):
        return
    from natasha import Doc

    segmenter, tagger = _natasha()
    # Offsets stay those of the text: the look-alikes are replaced one letter for one.
    doc = Doc(with_cyrillic_look_alikes(text))
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    for span in doc.spans:
        category = _NER_CATEGORIES.get(span.type)
        if category is not None and 0 <= span.start < span.stop <= len(text):
            for start, end in _trimmed(text, span.start, span.stop, category):
                yield Hit(start, end, category, "natasha-ner")


def _trimmed(text: str, start: int, end: int, category: str) -> list[tuple[int, int]]:
    """The parts of an NER span that are names: natasha often runs a name into the label on
    the next line ("Кузнецов Иван\nАдрес") or takes a greeting or an ordinary word for a name
    ("Добрый день", "Зарекомендовала"). Lines are judged apart; ordinary dictionary words at
    the edges are cut off; a part left without a name-like word is dropped."""
    kept: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        found = [(start + m.start() + line.start(), start + m.end() + line.start(), m.group())
                 for m in _NER_WORD.finditer(line.group())]
        # Labels at the edges go ("Обвиняемый:", "Мать"); the rest of the line stays whole
        # when one word of it is a name, so "Иван Кузнец" keeps its ordinary-noun surname.
        while found and _is_label(found[0][2], text, found[0][1]):
            found.pop(0)
        while found and _is_label(found[-1][2], text, found[-1][1]):
            found.pop()
        if category == "person" and len(found) == 1 and _opens_a_sentence(text, found[0][0]) \
                and _verb_form(found[0][2]):
            continue  # "Дана в том, что …": a certificate's formula, not the name Дана
        if any(not _ordinary(word, category) for _, _, word in found):
            kept.append((found[0][0], found[-1][1]))
    return kept


def _opens_a_sentence(text: str, start: int) -> bool:
    """The word starts the text, a line or a sentence (not after a label's colon)."""
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in "\n.!?"


def _verb_form(word: str) -> bool:
    """A word read first as a form of a verb ("дана", "дан": given), though a first name too.

    Only a name standing alone is judged so: "Дана Петрова" stays a name by its surname, and
    the keeper's own list finds a relative called Дана whatever detection guesses."""
    if not is_cyrillic(word):
        return False
    parses = analyzer().parse(word_key(word))
    return bool(parses) and parses[0].tag.POS in {"VERB", "INFN", "PRTF", "PRTS", "GRND"}


def _is_label(word: str, text: str, end: int) -> bool:
    return text[end : end + 1] == ":" or word_key(word) in _LABELS


_PLACE_GRAMMEMES = frozenset({"Geox"})
_PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Init"})


def _ordinary(word: str, category: str) -> bool:
    """A word that is no name: a greeting, a verb, an ordinary noun ("Добрый день")."""
    if not is_cyrillic(word):
        return False
    morph = analyzer()
    key = word_key(word)
    if not morph.word_is_known(key):
        return False
    wanted = _PERSON_GRAMMEMES if category == "person" else _PLACE_GRAMMEMES | _PERSON_GRAMMEMES
    parses = morph.parse(key)
    if any(wanted & p.tag.grammemes for p in parses):
        return False
    # Place names are often ordinary adjectives and nouns ("Малые Вишенки", "Красная
    # площадь"): only verbs, adverbs and greetings are taken for no place.
    if category == "place":
        return any({"VERB", "INFN", "PRTF", "PRTS", "GRND", "ADVB", "INTJ"} & p.tag.grammemes
                   for p in parses[:1])
    return True


# Words printed before a colon on forms; also cut when the colon was lost.
_LABELS = frozenset({"адрес", "мать", "отец", "обвиняемый", "обвиняемая", "подозреваемый",
                     "подозреваемая", "подсудимый", "подсудимая", "свидетель", "потерпевший",
                     "потерпевшая", "заявитель", "истец", "ответчик", "фамилия", "имя",
                     "отчество", "место", "дата", "телефон", "гражданин", "гражданка",
                     "уважаемый", "уважаемая", "получатель", "отправитель", "кому", "от",
                     # abbreviated labels before a number: «Моб. +7 915 …», «Тел. …»
                     "моб", "тел", "факс"})
