"""Every form in which a hidden string is looked for: folded text, digits alone, and bytes in
every encoding and escape a writer may use (docs/redaction.md, section 5).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

_ENCODINGS = ("utf-8", "utf-16-be", "utf-16-le", "cp1251", "koi8-r")
_IGNORED = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
_DIGIT_JOINERS = re.compile(r"(?<=\d)[\s\-\u2010-\u2015().\/+]+(?=\d)")
#: A secret with at least this many digits is also looked for as its digits alone.
MIN_DIGITS = 5
#: Byte forms shorter than this are too likely to occur by chance in binary data.
MIN_NEEDLE_BYTES = 4
#: A secret of letters alone, at most this many, is a word to find in the text, not letters
#: to find anywhere: the name Анна is in "Данная", Ян in "января", Ира in "квартира". Such a
#: secret counts as found where a word starts with it, followed by at most SHORT_ENDING more
#: letters (its case endings: "Ивана", "Иваном" for Иван).
SHORT_WORD = 5
SHORT_ENDING = 3
_SPACING = re.compile(r"\s+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
_LETTER = r"[^\W\d_]"
_LETTERS = re.compile(_LETTER + "+")


def _case_folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


def fold(text: str) -> str:
    """Case, ё/е, compatibility forms and all spacing folded away."""
    return _IGNORED.sub("", _case_folded(text))


def fold_words(text: str) -> str:
    """As fold, but each run of spacing kept as one space, so words can be told apart."""
    return _SPACING.sub(" ", _INVISIBLE.sub("", _case_folded(text)))


def _word_pattern(folded: str) -> re.Pattern[str]:
    """A short secret as a word: at a word's start, letters spaced out or not, with a short
    ending; not inside a longer word."""
    letters = " ?".join(re.escape(letter) for letter in folded)
    return re.compile(rf"(?<!{_LETTER}){letters}{_LETTER}{{0,{SHORT_ENDING}}}(?!{_LETTER})")


def is_short_word(folded: str) -> bool:
    return folded.isalpha() and len(folded) <= SHORT_WORD


def _digits_only(text: str) -> str:
    return _DIGIT_JOINERS.sub("", text)


class Needles:
    """Every form in which the secrets are looked for."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.texts: set[str] = set()
        #: Short secrets of letters alone, looked for as words (SHORT_WORD).
        self.words: dict[str, re.Pattern[str]] = {}
        self.digits: set[str] = set()
        self._digit_patterns: list[re.Pattern[str]] = []
        self.raw: set[bytes] = set()
        #: The byte forms of short secrets, each with its encoding and hex case (None: the
        #: bytes themselves), to be told apart from the middle of a longer word.
        self.raw_words: set[tuple[bytes, str, str | None]] = set()
        #: (index of the secret, folded text or None, digit pattern or None), for locating.
        self._each: list[tuple[int, str | None, re.Pattern[str] | None]] = []
        for index, secret in enumerate(secrets):
            secret = " ".join(secret.split())
            if not secret:
                continue
            folded = fold(secret)
            if len(folded) >= 2 and is_short_word(folded):
                self.words.setdefault(folded, _word_pattern(folded))
            elif len(folded) >= 2:
                self.texts.add(folded)
            digits = re.sub(r"\D", "", secret)
            alnum = sum(ch.isalnum() for ch in secret)
            pattern = None
            if len(digits) >= MIN_DIGITS and len(digits) * 2 >= alnum:
                self.digits.add(digits)
                pattern = re.compile(rf"(?<!\d){digits}|{digits}(?!\d)")
            self._each.append((index, folded if len(folded) >= 2 else None, pattern))
            if is_short_word(folded):
                self.raw_words |= _word_byte_forms(secret)
            else:
                self.raw |= _byte_forms(secret)
        # Digits count as found when they start or end a run of digits: "912 345-67-89" is
        # in "+79123456789", but the unit number "12345" is not inside that phone number.
        self._digit_patterns = [re.compile(rf"(?<!\d){d}|{d}(?!\d)") for d in sorted(self.digits)]

    def __bool__(self) -> bool:
        return bool(self.texts or self.words or self.digits or self.raw or self.raw_words)

    def in_text(self, pieces: Iterable[str]) -> bool:
        joined = "\x00".join(pieces)
        if not joined:
            return False
        folded = fold(joined)
        if any(needle in folded for needle in self.texts):
            return True
        if self.words:
            spaced = fold_words(joined)
            if any(pattern.search(spaced) for pattern in self.words.values()):
                return True
        if self.digits:
            digits = _digits_only(joined)
            return any(pattern.search(digits) for pattern in self._digit_patterns)
        return False

    def locate(self, words: Sequence[str]) -> list[tuple[int, int, int]]:
        """Where secrets occur among a page's words read in order: (secret, first word,
        last word). The same folding and digit rules as in_text."""
        joined = " ".join(words)
        owner: list[int] = []
        word = 0
        for char in joined:
            owner.append(word)
            if char == " ":
                word += 1
        folded_chars: list[str] = []
        folded_owner: list[int] = []
        for char, who in zip(joined, owner, strict=True):
            for piece in fold(char):
                folded_chars.append(piece)
                folded_owner.append(who)
        folded = "".join(folded_chars)
        # The same with the spaces between words kept, for the short secrets.
        spaced_chars: list[str] = []
        spaced_owner: list[int] = []
        for char, who in zip(joined, owner, strict=True):
            for piece in fold_words(char) if char != " " else " ":
                spaced_chars.append(piece)
                spaced_owner.append(who)
        spaced = "".join(spaced_chars)
        digit_chars: list[str] = []
        digit_owner: list[int] = []
        cut = {i for m in _DIGIT_JOINERS.finditer(joined) for i in range(m.start(), m.end())}
        for position, (char, who) in enumerate(zip(joined, owner, strict=True)):
            if position not in cut:
                digit_chars.append(char)
                digit_owner.append(who)
        digits = "".join(digit_chars)
        found: list[tuple[int, int, int]] = []
        for index, text, pattern in self._each:
            if text is not None and text in self.words:
                for match in self.words[text].finditer(spaced):
                    found.append((index, spaced_owner[match.start()],
                                  spaced_owner[match.end() - 1]))
            elif text is not None:
                start = folded.find(text)
                while start >= 0:
                    found.append((index, folded_owner[start],
                                  folded_owner[start + len(text) - 1]))
                    start = folded.find(text, start + 1)
            if pattern is not None:
                for match in pattern.finditer(digits):
                    found.append((index, digit_owner[match.start()],
                                  digit_owner[match.end() - 1]))
        return found

    def in_bytes(self, blobs: Iterable[bytes], *, escapes: bool = True) -> bool:
        """Search raw bytes; with escapes, also the bytes with PDF string escapes undone."""
        for blob in blobs:
            forms = [blob, _unescape_pdf(blob)] if escapes and b"\\" in blob else [blob]
            if any(needle in form for form in forms for needle in self.raw):
                return True
            if any(_word_in_bytes(form, self.raw_words) for form in forms):
                return True
        return False


def _word_in_bytes(data: bytes, forms: set[tuple[bytes, str, str | None]]) -> bool:
    """A short secret's byte form found where its text starts a word (as in_text decides
    for text)."""
    for needle, encoding, hexed in forms:
        start = data.find(needle)
        while start >= 0:
            before, after = _around(data, start, start + len(needle), encoding, hexed)
            ending = _LETTERS.match(after)
            if not (before[-1:].isalpha()
                    or (ending is not None and ending.end() > SHORT_ENDING)):
                return True
            start = data.find(needle, start + 1)
    return False


#: Bytes of context read on each side of a short secret's byte form.
_CONTEXT = 4 * (SHORT_ENDING + 2)


def _around(data: bytes, start: int, end: int, encoding: str, hexed: str | None
            ) -> tuple[str, str]:
    """The text just before and just after a match, decoded as the match was encoded."""
    unit = 2 if encoding.startswith("utf-16") else 1
    if hexed is None:
        before, after = data[max(0, start - _CONTEXT):start], data[end:end + _CONTEXT]
    else:
        digits = re.search(rb"[0-9a-fA-F]*$", data[max(0, start - 2 * _CONTEXT):start])
        tail = digits.group() if digits else b""
        tail = tail[len(tail) % (2 * unit):]
        head = re.match(rb"[0-9a-fA-F]*", data[end:end + 2 * _CONTEXT])
        lead = head.group() if head else b""
        lead = lead[:len(lead) - len(lead) % (2 * unit)]
        before, after = bytes.fromhex(tail.decode()), bytes.fromhex(lead.decode())
    if unit == 2:
        before = before[len(before) % 2:]
        after = after[:len(after) - len(after) % 2]
    return (before.decode(encoding, errors="replace"),
            after.decode(encoding, errors="replace"))


_PDF_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[nrtbf()\\]|\r\n|\r|\n)")
_PDF_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f",
                b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape_pdf(blob: bytes) -> bytes:
    """Undo PDF literal-string escapes everywhere in a blob (a writer may escape any byte)."""

    def one(match: re.Match[bytes]) -> bytes:
        token = match.group(1)
        if token[:1].isdigit():
            return bytes([int(token, 8) & 0xFF])
        return _PDF_ESCAPED.get(token, b"")

    return _PDF_ESCAPE.sub(one, blob)


def _pdf_escape(raw: bytes) -> bytes:
    out = bytearray()
    for byte in raw:
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte > 0x7E:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    return bytes(out)


def _name_escape(raw: bytes) -> bytes:
    out = bytearray()
    for byte in raw:
        if byte < 0x21 or byte > 0x7E or byte in b"#()<>[]{}/%":
            out += b"#%02x" % byte
        else:
            out.append(byte)
    return bytes(out)


def _encoded(secret: str) -> Iterator[tuple[bytes, str]]:
    """The secret in every casing, with ё and е, in every encoding it can be written in."""
    variants = {secret, secret.lower(), secret.upper(), secret.title(), secret.capitalize()}
    variants |= {v.replace("ё", "е").replace("Ё", "Е") for v in variants}
    for variant in variants:
        for encoding in _ENCODINGS:
            try:
                yield variant.encode(encoding), encoding
            except UnicodeEncodeError:
                continue


def _word_byte_forms(secret: str) -> set[tuple[bytes, str, str | None]]:
    """A short secret's bytes in every encoding, raw and as hex in either case (its PDF
    string escapes are matched by undoing them in the data; its name escapes, PDF names,
    hold no words)."""
    forms: set[tuple[bytes, str, str | None]] = set()
    for raw, encoding in _encoded(secret):
        for form, hexed in ((raw, None), (raw.hex().encode(), "lower"),
                            (raw.hex().upper().encode(), "upper")):
            if len(form) >= MIN_NEEDLE_BYTES:
                forms.add((form, encoding, hexed))
    return forms


def _byte_forms(secret: str) -> set[bytes]:
    forms: set[bytes] = set()
    for raw, _encoding in _encoded(secret):
        hexed = raw.hex()
        for form in (raw, hexed.encode(), hexed.upper().encode(), _pdf_escape(raw),
                     _name_escape(raw)):
            if len(form) >= MIN_NEEDLE_BYTES:
                forms.add(form)
    return forms
