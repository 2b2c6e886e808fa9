"""Independent verification: is any hidden string still anywhere in a file?

This module does not reuse the code that redacts. It looks at the output the way a recipient
with forensic tools would (threat A4): every text extractor at hand (pdfminer.six, pypdfium2),
every object and decoded stream in the raw PDF, every earlier revision (each %%EOF cut), the
metadata of every image, the bytes after an image's end, DOCX parts and e-mail parts, and
optionally OCR of the rendered pixels. Each secret is looked for in many forms: case, ё/е and
spacing folded; digits only (for numbers); and as bytes in UTF-8, UTF-16BE/LE, CP1251, KOI8-R,
hex and PDF string and name escapes.

Failures name channels only, never the string found.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import Message

import pikepdf
import pypdfium2 as pdfium
from PIL import Image, IptcImagePlugin

from papka import media
from papka.formats import limits
from papka.formats import ocr as ocr_engine
from papka.formats.image import jpeg_layout, png_chunks
from papka.formats.views import MIN_INK_READ, View, ink_read, look, make_view, reads_well, skew
from papka.formats.views import PageLook as _Look

# pdfminer warns about odd fonts through Python's last-resort handler, which writes to stderr
# when the application configured no logging: papka's library never prints. Applications that
# configure logging still receive these records (a NullHandler does not stop propagation).
logging.getLogger("pdfminer").addHandler(logging.NullHandler())

_ENCODINGS = ("utf-8", "utf-16-be", "utf-16-le", "cp1251", "koi8-r")
_IGNORED = re.compile(r"[\s\u00ad\u200b\u200c\u200d\u2060\ufeff]+")
_DIGIT_JOINERS = re.compile(r"(?<=\d)[\s\-\u2010-\u2015().\/+]+(?=\d)")
#: A secret with at least this many digits is also looked for as its digits alone.
MIN_DIGITS = 5
#: Byte forms shorter than this are too likely to occur by chance in binary data.
MIN_NEEDLE_BYTES = 4
OCR_DPI = 200


@dataclass(frozen=True)
class Leak:
    """Where a hidden string was found by reading a page (never the string itself).

    secret: its index in the list given to verify(); page: from 0; box: where on the page,
    in points for a PDF and pixels for a picture.
    """

    channel: str
    secret: int
    page: int | None = None
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Verification:
    ok: bool
    #: Names of the channels where a hidden string was found (never the string itself).
    failures: list[str] = field(default_factory=list)
    #: Pages and places found by reading the pages (OCR channels).
    leaks: list[Leak] = field(default_factory=list)


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


class _Report:
    def __init__(self, needles: Needles) -> None:
        self.needles = needles
        self.failures: list[str] = []
        self.leaks: list[Leak] = []

    def text(self, channel: str, pieces: Iterable[str]) -> None:
        if channel not in self.failures and self.needles.in_text(pieces):
            self.failures.append(channel)

    def bytes(self, channel: str, blobs: Iterable[bytes], *, escapes: bool = True) -> None:
        if channel not in self.failures and self.needles.in_bytes(blobs, escapes=escapes):
            self.failures.append(channel)

    def fail(self, channel: str) -> None:
        if channel not in self.failures:
            self.failures.append(channel)

    def pages(self, channel: str, readings: Sequence[_PageRead]) -> None:
        """OCR of pages: fail the channel, and note each page and place found."""
        for page, reading in enumerate(readings):
            for words, boxes in reading.views:
                for secret, first, last in self.needles.locate(words):
                    self.fail(channel)
                    chosen = boxes[first : last + 1]
                    box = (min(b[0] for b in chosen), min(b[1] for b in chosen),
                           max(b[2] for b in chosen), max(b[3] for b in chosen))
                    self.leaks.append(Leak(channel, secret, page, box))
            # The words' text joined per view is also searched as a whole (as before).
            if channel not in self.failures and self.needles.in_text(
                    [" ".join(words) for words, _ in reading.views]):
                self.fail(channel)
                self.leaks.append(Leak(channel, -1, page, None))

    def result(self) -> Verification:
        return Verification(not self.failures, list(self.failures), list(self.leaks))


# --- reading pages as a person would ---------------------------------------------------------
# Written apart from papka.formats.views on purpose: the verifier's own evening-out and turning,
# so that a mistake in the planner's views is not repeated here.

@dataclass(frozen=True)
class _PageRead:
    """Each view's words in reading order, with their boxes in the page's units."""

    views: list[tuple[list[str], list[tuple[float, float, float, float]]]]


def _evened(page: Image.Image) -> Image.Image:
    """The page evened out for reading (papka.formats.views.normalise: inverted if dark,
    shading divided out, contrast stretched), after the boxes already burned in are taken
    out of the way: large solid black areas would count as text and spoil the stretch."""
    from PIL import ImageChops, ImageFilter

    from papka.formats.views import normalise

    solid = page.point(lambda v: 255 if v <= 8 else 0)
    solid = solid.filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    if solid.getbbox() is None:
        return normalise(page)
    # Grow the paper around each box into it (thin strokes, text, are not touched), so the
    # shading estimate sees paper there.
    step = max(1, min(page.size) // 100)
    small = page.reduce(step)
    hole = solid.reduce(step).point(lambda v: 255 if v > 0 else 0)
    for _ in range(100):
        if hole.getbbox() is None:
            break
        grown = small.filter(ImageFilter.MaxFilter(3))
        edge = ImageChops.subtract(hole, hole.filter(ImageFilter.MinFilter(3)))
        small.paste(grown, mask=edge)
        hole = ImageChops.subtract(hole, edge)
    small.paste(255, mask=hole)
    filled = page.copy()
    filled.paste(small.resize(page.size, Image.Resampling.BILINEAR), mask=solid)
    flat = normalise(filled)
    # Shown black again, as burned: Tesseract's page layout takes plain white or textured
    # blocks worse than the black boxes it meets on every redacted page.
    flat.paste(0, mask=solid)
    return flat


def _words(view: View, dpi: int, unit: float, checks: _Measured | None = None
           ) -> tuple[list[str], list[tuple[float, float, float, float]], bool, bool]:
    """Read a view; boxes mapped back to the page (through its turns) in the page's units.

    Returns the words, their boxes, whether the reading was confident, and whether it also
    covered most of the page's ink (only measured with checks)."""
    read = ocr_engine.recognise(view.picture, dpi=round(dpi * view.scale))
    words: list[str] = []
    boxes: list[tuple[float, float, float, float]] = []
    for word in read.words:
        x0, y0, x1, y1 = view.to_page(word.left, word.top, word.right, word.bottom)
        words.append(word.text)
        boxes.append((x0 * unit, y0 * unit, x1 * unit, y1 * unit))
    confident = reads_well(read)
    covered = confident
    if confident and checks is not None:
        covered = ink_read(checks.look, view, read, checks.size) >= MIN_INK_READ
    return words, boxes, confident, covered


#: The verifier reads pictures as they are unless they are smaller than this (long side);
#: enlarging costs four times the work and adds little on phone photos and 200 dpi pages.
READ_ENLARGE_BELOW = 1000


@dataclass(frozen=True)
class _Measured:
    look: _Look
    size: tuple[int, int]


def _read_page(picture: Image.Image, dpi: int, unit: float) -> _PageRead:
    """Read a page in the views that matter.

    A light page is read as it is; if that reads poorly, leaves much of the page's ink unread,
    or its lines are tilted, the evened-out view (straightened, and turned upright when
    orientation detection says so) is read as well. A dark page is read evened out (inverted)
    first, and as it is only if that reads poorly.
    """
    page = picture.convert("L")
    views: list[tuple[list[str], list[tuple[float, float, float, float]]]] = []

    def plain() -> tuple[bool, bool]:
        words, boxes, confident, covered = _words(
            make_view(page, name="plain", enlarge_below=READ_ENLARGE_BELOW), dpi, unit,
            _Measured(checks, page.size))
        views.append((words, boxes))
        return confident, covered

    def evened(turn_first: bool) -> bool:
        flat = _evened(page)
        small = flat.reduce(max(1, max(flat.size) // 1200))

        def read(turn: int) -> bool:
            tilt = skew(small.rotate(-turn, expand=True) if turn else small)
            view = make_view(flat, name="evened", clockwise=turn, tilt=tilt,
                             enlarge_below=READ_ENLARGE_BELOW)
            words, boxes, confident, _ = _words(view, dpi, unit)
            views.append((words, boxes))
            return confident

        # Orientation detection costs about one reading: asked first when the plain reading
        # was poor (a turned page), else only when the upright evened-out view reads poorly.
        if turn_first:
            return read(_upright_turn(small))
        if read(0):
            return True
        turn = _upright_turn(small)
        return read(turn) if turn else False

    checks = look(page)
    if not (checks.dark or checks.shaded):
        confident, covered = plain()
        if not covered or skew(page.reduce(max(1, max(page.size) // 1200))):
            evened(turn_first=not confident)
    elif not evened(turn_first=False):
        plain()
    return _PageRead(views)


def _upright_turn(small: Image.Image) -> int:
    found = ocr_engine.orientation(small)
    return found.clockwise if found is not None and found.confidence >= 1.5 else 0


# --- images --------------------------------------------------------------------------------


def _metadata_values(value: object, depth: int = 0) -> Iterable[bytes | str]:
    if depth > 6:
        return
    if isinstance(value, bytes | str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _metadata_values(key, depth + 1)
            yield from _metadata_values(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _metadata_values(item, depth + 1)


@dataclass
class _ImageFacts:
    texts: list[str] = field(default_factory=list)
    blobs: list[bytes] = field(default_factory=list)
    #: GPS position fields: where the picture was taken (numbers no string search can match).
    gps: bool = False


def _image_metadata(data: bytes) -> _ImageFacts:
    """Text and bytes from every metadata field Pillow exposes, and what pictures it holds."""
    facts = _ImageFacts()
    texts, blobs = facts.texts, facts.blobs
    try:
        picture = Image.open(io.BytesIO(data))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return facts
    with picture:
        values: list[object] = [picture.info, getattr(picture, "applist", [])]
        # A PNG's text chunks after the image data are only reached by decoding it; a broken
        # stream ends that here (its raw chunks are still read on their own, below).
        with contextlib.suppress(OSError, ValueError, SyntaxError, zlib.error):
            values.append(getattr(picture, "text", {}) if picture.format == "PNG" else {})
        try:
            exif = picture.getexif()
            values.append(dict(exif))
            for ifd in (0x8769, 0x8825, 0xA005, 0x927C):
                try:
                    fields = dict(exif.get_ifd(ifd))
                except (KeyError, ValueError, TypeError, SyntaxError):
                    continue
                values.append(fields)
                if ifd == 0x8825 and any(tag in fields for tag in (2, 4, 0x1B, 0x1D)):
                    facts.gps = True
            if 0x8825 in exif and not isinstance(exif.get(0x8825), int | type(None)):
                facts.gps = True
        except (OSError, ValueError, SyntaxError, TypeError):
            pass
        with contextlib.suppress(OSError, ValueError, SyntaxError, TypeError, IndexError):
            values.append(IptcImagePlugin.getiptcinfo(picture) or {})
    for value in _metadata_values(values):
        if isinstance(value, bytes):
            blobs.append(value)
            for encoding in ("utf-8", "utf-16-le", "utf-16-be", "cp1251"):
                texts.append(value.decode(encoding, errors="ignore"))
        else:
            texts.append(value)
    return facts


def _embedded_jpeg(data: bytes) -> bool:
    """A second JPEG inside a JPEG's metadata segments (EXIF or vendor thumbnails, MPF).

    Such a picture may show what was painted over, so its presence alone fails verification.
    """
    try:
        layout = jpeg_layout(data)
    except limits.HostileInputError:
        return data.find(b"\xff\xd8\xff", 3) >= 0
    return any(0xE0 <= s.marker <= 0xEF and b"\xff\xd8\xff" in s.payload for s in layout.segments)


def _trailing(data: bytes, media_type: str) -> bool:
    """Bytes after the end of the picture (where appended files and old versions hide)."""
    try:
        if media_type == media.JPEG:
            end = jpeg_layout(data).end
        elif media_type == media.PNG:
            end = png_chunks(data)[1]
        else:
            return False
    except limits.HostileInputError:
        return True
    return end is None or bool(data[end:].strip(b"\x00"))


def _verify_image(report: _Report, data: bytes, media_type: str, ocr: bool) -> None:
    report.bytes("image-bytes", [data])
    facts = _image_metadata(data)
    report.text("image-metadata", facts.texts)
    report.bytes("image-metadata", facts.blobs)
    if facts.gps:
        report.fail("image-gps")
    if media_type == media.PNG:
        try:
            chunks, _ = png_chunks(data)
        except limits.HostileInputError:
            chunks = []
        for chunk in chunks:
            if chunk.kind in (b"zTXt", b"iTXt", b"iCCP"):
                report.bytes("image-metadata", _inflate_all(chunk.data))
    if media_type == media.JPEG and _embedded_jpeg(data):
        report.fail("image-thumbnail")
    if _trailing(data, media_type):
        report.fail("image-trailing-data")
    if ocr:
        from papka.formats.image import pages

        report.pages("image-ocr", ocr_engine.side_by_side(
            lambda picture, _: _read_page(picture, 300, 1.0),
            ((picture, 0) for picture in pages(data)), None))


def _inflate_all(data: bytes) -> list[bytes]:
    out = []
    for start in range(min(len(data), 96)):
        if data[start : start + 1] in (b"\x78", b"\x58", b"\x68", b"\x48", b"\x38", b"\x28"):
            try:
                out.append(zlib.decompressobj().decompress(data[start:], limits.MAX_PART_BYTES))
            except zlib.error:
                continue
    return out


# --- PDF -----------------------------------------------------------------------------------


def _decoded(stream: pikepdf.Stream, budget: list[int]) -> bytes:
    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else (
        [str(filters)] if filters is not None else [])
    if not names:
        decoded = raw
    elif names == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        try:
            decoded = inflater.decompress(raw, limits.MAX_STREAM_BYTES + 1)
        except zlib.error:
            decoded = raw
        if len(decoded) > limits.MAX_STREAM_BYTES:
            raise limits.TooLargeError("This PDF holds a stream larger than papka checks.")
    elif names[-1] in ("/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"):
        decoded = raw
    else:
        try:
            decoded = stream.read_bytes()
        except pikepdf.PdfError:
            decoded = raw
    budget[0] -= len(decoded)
    if budget[0] < 0:
        raise limits.TooLargeError("This PDF is larger than papka checks.")
    return decoded


def _walk(value: object, texts: list[str], blobs: list[bytes], budget: list[int],
          images: list[bytes], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(value, pikepdf.Stream):
        if value.get("/Subtype") == pikepdf.Name.Image:
            # Pixel samples are not text: their stored bytes are in the raw file (pdf-bytes),
            # what they show is read by OCR, and JPEG metadata is read from the stored bytes.
            raw = value.read_raw_bytes()
            if raw[:3] == b"\xff\xd8\xff":
                images.append(raw)
        else:
            blobs.append(_decoded(value, budget))
        _walk(value.stream_dict, texts, blobs, budget, images, depth + 1)
    elif isinstance(value, pikepdf.Dictionary):
        for key in list(value.keys()):
            name = str(key)
            texts.append(name)
            try:
                child = value.get(name)
            except (TypeError, ValueError, pikepdf.PdfError):
                # Verification fails closed: a dictionary papka cannot walk is not "clean".
                raise limits.DamagedPdfError() from None
            if isinstance(child, pikepdf.Object) and child.is_indirect:
                continue  # walked at the top level, once
            _walk(child, texts, blobs, budget, images, depth + 1)
    elif isinstance(value, pikepdf.Array):
        for child in value:
            if isinstance(child, pikepdf.Object) and child.is_indirect:
                continue
            _walk(child, texts, blobs, budget, images, depth + 1)
    elif isinstance(value, pikepdf.String):
        raw = bytes(value)
        blobs.append(raw)
        try:
            texts.append(str(value))
        except UnicodeDecodeError:       # not text in any PDF encoding: search its bytes as Latin-1
            texts.append(raw.decode("latin-1"))
    elif isinstance(value, pikepdf.Name):
        try:
            name = str(value)
        except UnicodeDecodeError:       # a name of bytes that are no text: keep its escaped form
            name = bytes(value.unparse()).decode("latin-1")
        texts.append(name)
        blobs.append(name.encode("latin-1", "replace"))


def _pdf_objects(data: bytes) -> tuple[list[str], list[bytes], list[bytes]]:
    texts: list[str] = []
    blobs: list[bytes] = []
    images: list[bytes] = []
    budget = [limits.MAX_TOTAL_STREAM_BYTES]
    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            for obj in document.objects:
                _walk(obj, texts, blobs, budget, images)
            _walk(document.trailer, texts, blobs, budget, images)
    except pikepdf.PasswordError as error:
        raise limits.EncryptedPdfError() from error
    except (pikepdf.PdfError, UnicodeDecodeError) as error:
        # Fail closed: an object papka cannot read as a PDF object is not "verified clean".
        raise limits.DamagedPdfError() from error
    return texts, blobs, images


def _pdfium_text(data: bytes) -> list[str]:
    out: list[str] = []
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    return out


def _pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams

    # all_texts: also analyse text inside figures (Form XObjects).
    return str(extract_text(io.BytesIO(data), laparams=LAParams(all_texts=True)))


def _revision_cuts(data: bytes) -> list[int]:
    cuts = [m.end() for m in re.finditer(rb"%%EOF", data)]
    tail = len(data.rstrip(b"\r\n\x00 \t"))
    return [cut for cut in cuts if cut < tail]


def _rendered_pages(data: bytes) -> Iterator[tuple[Image.Image, int]]:
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            # Huge pages are read at a lower resolution rather than exceed the pixel cap.
            dpi = min(float(OCR_DPI),
                      72.0 * (limits.MAX_IMAGE_PIXELS / max(1.0, width * height)) ** 0.5)
            picture = page.render(scale=dpi / 72, draw_annots=True).to_pil().convert("L")
            page.close()
            yield picture, round(dpi)
    finally:
        document.close()


def _pdf_ocr(data: bytes) -> list[str]:
    return ocr_engine.read_texts(_rendered_pages(data))


def _pdf_read_pages(data: bytes) -> list[_PageRead]:
    return ocr_engine.side_by_side(lambda picture, dpi: _read_page(picture, dpi, 72.0 / dpi),
                                   _rendered_pages(data), None)


def _verify_pdf(report: _Report, data: bytes, ocr: bool) -> None:
    from papka.formats.pdf import check_pdf

    check_pdf(data)  # the same caps on pages and page sizes as for redaction
    report.bytes("pdf-bytes", [data])
    texts, blobs, images = _pdf_objects(data)
    report.text("pdf-objects", texts)
    report.bytes("pdf-streams", blobs)
    for jpeg in images:
        facts = _image_metadata(jpeg)
        report.text("pdf-image-metadata", facts.texts)
        report.bytes("pdf-image-metadata", facts.blobs)
        if facts.gps:
            report.fail("pdf-image-gps")
        if _embedded_jpeg(jpeg):
            report.fail("pdf-image-thumbnail")
    try:
        report.text("pdfium-text", _pdfium_text(data))
    except pdfium.PdfiumError:
        report.fail("pdfium-unreadable")
    try:
        report.text("pdfminer-text", [_pdfminer_text(data)])
    except Exception:  # noqa: BLE001 - any pdfminer failure means this channel is unchecked
        report.fail("pdfminer-unreadable")
    cuts = _revision_cuts(data)
    if len(cuts) > limits.MAX_REVISIONS:
        report.fail("pdf-revisions-too-many")
        cuts = cuts[-limits.MAX_REVISIONS :]
    for cut in cuts:
        prefix = data[:cut]
        try:
            old_texts, old_blobs, _ = _pdf_objects(prefix)
        except limits.HostileInputError:
            continue
        report.text("pdf-revisions", old_texts)
        report.bytes("pdf-revisions", old_blobs)
        with contextlib.suppress(pdfium.PdfiumError):
            report.text("pdf-revisions", _pdfium_text(prefix))
    if ocr:
        report.pages("pdf-ocr", _pdf_read_pages(data))


# --- DOCX, e-mail, text --------------------------------------------------------------------

_TAG = re.compile(rb"<[^>]*>")


def _verify_docx(report: _Report, data: bytes, ocr: bool) -> None:
    from papka.formats.docx import read_package

    report.bytes("docx-bytes", [data])
    package = read_package(data)
    for name, content in package.parts.items():
        report.bytes("docx-parts", [content, name.encode("utf-8", "replace")])
        if name.endswith((".xml", ".rels")):
            # Text split across runs joins up once the markup is gone.
            report.text("docx-text", [_TAG.sub(b"", content).decode("utf-8", "replace")])
        kind = media.sniff_media_type(content[: media.SNIFF_BYTES])
        if kind in (media.JPEG, media.PNG):
            facts = _image_metadata(content)
            report.text("docx-image-metadata", facts.texts)
            report.bytes("docx-image-metadata", facts.blobs)
            if facts.gps:
                report.fail("docx-image-gps")
            if kind == media.JPEG and _embedded_jpeg(content):
                report.fail("docx-image-thumbnail")
            if ocr:
                from papka.formats.image import load

                try:
                    picture = load(content)
                except limits.HostileInputError:
                    report.fail("docx-image-unreadable")
                    continue
                report.text("docx-image-ocr", [ocr_engine.read_text(picture, dpi=300)])


def _verify_email(report: _Report, data: bytes) -> None:
    from papka.formats.email import DamagedEmailError, iter_parts, parse

    report.bytes("email-bytes", [data])
    message = parse(data)
    try:
        _email_parts(report, iter_parts(message))
    except (ValueError, TypeError, IndexError, LookupError, AttributeError,
            AssertionError) as error:
        raise DamagedEmailError() from error


def _email_parts(report: _Report, parts: Iterable[Message]) -> None:
    for part in parts:
        headers = []
        for name, value in part.items():
            headers.append(f"{name}: {value}")
        report.text("email-headers", headers)
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            report.bytes("email-parts", [payload])
            charset = part.get_content_charset() or "utf-8"
            try:
                decoded = payload.decode(charset, errors="replace")
            except LookupError:
                decoded = payload.decode("utf-8", errors="replace")
            report.text("email-parts", [decoded, _TAG.sub(b"", payload).decode(
                charset if charset else "utf-8", errors="replace") if charset else ""])


def verify_text(text: str, secrets: Sequence[str]) -> Verification:
    """Check a plain text (such as the text version of a redacted DOCX or e-mail)."""
    report = _Report(Needles(secrets))
    report.text("text", [text])
    return report.result()


def verify(data: bytes, media_type: str, secrets: Sequence[str], *, ocr: bool) -> Verification:
    """Look for every secret in every channel of a file; ok only if none is found anywhere."""
    # With no secrets, the structural checks (thumbnails, GPS, trailing data) still apply.
    report = _Report(Needles(secrets))
    if media_type == media.PDF:
        _verify_pdf(report, data, ocr)
    elif media_type in (media.JPEG, media.PNG, media.GIF, media.WEBP, media.TIFF):
        _verify_image(report, data, media_type, ocr)
    elif media_type == media.DOCX:
        _verify_docx(report, data, ocr)
    elif media_type == media.EML:
        _verify_email(report, data)
    elif media_type == media.TEXT:
        report.bytes("text-bytes", [data])
        report.text("text", [data.decode("utf-8", errors="replace")])
    else:
        raise limits.UnsupportedFormatError("papka cannot verify this kind of file.")
    return report.result()
