"""Every form in which a hidden string is looked for: folded text, digits alone, and bytes in
every encoding and escape a writer may use (docs/redaction.md, section 5).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_ENCODINGS = ("utf-8", "utf-16-be", "utf-16-le", "cp1251", "koi8-r")
_IGNORED = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
_DIGIT_JOINERS = re.compile(r"(?<=\d)[\s\-\u2010-\u2015().\/+]+(?=\d)")
#: A secret with at least this many digits is also looked for as its digits alone.
MIN_DIGITS = 5
#: Byte forms shorter than this are too likely to occur by chance in binary data.
MIN_NEEDLE_BYTES = 4


def fold(text: str) -> str:
    """Case, ё/е, compatibility forms and all spacing folded away."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _IGNORED.sub("", text)


def _digits_only(text: str) -> str:
    return _DIGIT_JOINERS.sub("", text)


class Needles:
    """Every form in which the secrets are looked for."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.texts: set[str] = set()
        self.digits: set[str] = set()
        self._digit_patterns: list[re.Pattern[str]] = []
        self.raw: set[bytes] = set()
        #: (index of the secret, folded text or None, digit pattern or None), for locating.
        self._each: list[tuple[int, str | None, re.Pattern[str] | None]] = []
        for index, secret in enumerate(secrets):
            secret = " ".join(secret.split())
            if not secret:
                continue
            folded = fold(secret)
            if len(folded) >= 2:
                self.texts.add(folded)
            digits = re.sub(r"\D", "", secret)
            alnum = sum(ch.isalnum() for ch in secret)
            pattern = None
            if len(digits) >= MIN_DIGITS and len(digits) * 2 >= alnum:
                self.digits.add(digits)
                pattern = re.compile(rf"(?<!\d){digits}|{digits}(?!\d)")
            self._each.append((index, folded if len(folded) >= 2 else None, pattern))
            self.raw |= _byte_forms(secret)
        # Digits count as found when they start or end a run of digits: "912 345-67-89" is
        # in "+79123456789", but the unit number "12345" is not inside that phone number.
        self._digit_patterns = [re.compile(rf"(?<!\d){d}|{d}(?!\d)") for d in sorted(self.digits)]

    def __bool__(self) -> bool:
        return bool(self.texts or self.digits or self.raw)

    def in_text(self, pieces: Iterable[str]) -> bool:
        joined = "\x00".join(pieces)
        if not joined:
            return False
        folded = fold(joined)
        if any(needle in folded for needle in self.texts):
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
            if text is not None:
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
        return False


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


def _byte_forms(secret: str) -> set[bytes]:
    variants = {secret, secret.lower(), secret.upper(), secret.title(), secret.capitalize()}
    variants |= {v.replace("ё", "е").replace("Ё", "Е") for v in variants}
    forms: set[bytes] = set()
    for variant in variants:
        for encoding in _ENCODINGS:
            try:
                raw = variant.encode(encoding)
            except UnicodeEncodeError:
                continue
            hexed = raw.hex()
            for form in (raw, hexed.encode(), hexed.upper().encode(), _pdf_escape(raw),
                         _name_escape(raw)):
                if len(form) >= MIN_NEEDLE_BYTES:
                    forms.add(form)
    return forms
