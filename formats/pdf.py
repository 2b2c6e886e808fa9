"""PDF reading (pikepdf for checks, pypdfium2 for text and pixels) and building from pixels.

Reading: every PDF is first opened with pikepdf (qpdf) to reject encrypted files and check page
count and page sizes against :mod:`papka.formats.limits`, then with pypdfium2 for text with
character boxes and for rendering (annotations and form fields drawn).
Building: a new PDF made from scratch, one image per page, with no DocInfo, no XMP, no history
and no identifiers taken from any input.
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Literal

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from papka.formats import limits


@dataclass(frozen=True)
class PageChar:
    """One character of a page's text layer, box in points, origin top-left as displayed."""

    char: str
    box: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class PageText:
    width: float
    height: float
    chars: list[PageChar]

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)


def check_pdf(data: bytes) -> int:
    """Reject encrypted, damaged and oversized PDFs; return the page count."""
    limits.check_input_size(data)
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
            if pages > limits.MAX_PAGES:
                raise limits.TooLargeError(
                    f"This PDF has more pages than papka handles ({limits.MAX_PAGES})."
                )
            if pages == 0:
                raise limits.DamagedPdfError(
                    "No page of this PDF can be read: it is empty, or damaged or nested too "
                    "deeply for papka to read.")
            for page in pdf.pages:
                box = page.cropbox if "/CropBox" in page.obj else page.mediabox
                x0, y0, x1, y1 = (float(v) for v in box)
                user_unit = float(page.obj.get("/UserUnit", 1))
                if max(abs(x1 - x0), abs(y1 - y0)) * user_unit > limits.MAX_PAGE_SIDE_PT:
                    raise limits.TooLargeError("This PDF has a page larger than papka handles.")
    except pikepdf.PasswordError as error:
        raise limits.EncryptedPdfError() from error
    except (pikepdf.PdfError, ValueError, TypeError, KeyError, IndexError,
            AttributeError, RecursionError) as error:
        raise limits.DamagedPdfError() from error
    return pages


@contextmanager
def open_document(data: bytes) -> Iterator[pdfium.PdfDocument]:
    """A checked PDF, opened with pypdfium2 and its form fields ready to draw."""
    check_pdf(data)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        message = str(error).lower()
        if "password" in message or "security" in message:
            raise limits.EncryptedPdfError() from error
        raise limits.DamagedPdfError() from error
    try:
        with suppress(pdfium.PdfiumError):
            document.init_forms()
        yield document
    finally:
        document.close()


def page_size(page: pdfium.PdfPage) -> tuple[float, float]:
    """Width and height in points of the page as displayed (rotation applied)."""
    width, height = page.get_size()
    return float(width), float(height)


# FPDF_PageToDevice returns whole device units; mapping into a 16x larger device keeps 1/16 pt.
_DEVICE_SCALE = 16


def _to_display(page: pdfium.PdfPage, width: float, height: float,
                x: float, y: float) -> tuple[float, float]:
    dx, dy = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(
        page, 0, 0, round(width * _DEVICE_SCALE), round(height * _DEVICE_SCALE), 0,
        ctypes.c_double(x), ctypes.c_double(y), ctypes.byref(dx), ctypes.byref(dy),
    )
    return dx.value / _DEVICE_SCALE, dy.value / _DEVICE_SCALE


def page_text(page: pdfium.PdfPage) -> PageText:
    """The text layer of a page, each character with its loose box (full font height)."""
    width, height = page_size(page)
    textpage = page.get_textpage()
    chars: list[PageChar] = []
    try:
        for index in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage, index)
            char = chr(code) if 0 < code < 0x110000 else " "
            if char in "\r\x02":
                # pdfium marks line ends as "\r\n" and soft hyphens as 0x02.
                char = "" if char == "\r" else "-"
            box: tuple[float, float, float, float] | None = None
            if char and not pdfium_c.FPDFText_IsGenerated(textpage, index):
                try:
                    left, bottom, right, top = textpage.get_charbox(index, loose=True)
                except pdfium.PdfiumError:
                    left = bottom = right = top = 0.0
                if right > left and top > bottom:
                    corners = [_to_display(page, width, height, x, y)
                               for x in (left, right) for y in (bottom, top)]
                    xs = [c[0] for c in corners]
                    ys = [c[1] for c in corners]
                    box = (min(xs), min(ys), max(xs), max(ys))
            if char:
                chars.append(PageChar(char, box))
    finally:
        textpage.close()
    return PageText(width, height, chars)


def each_page(data: bytes) -> Iterator[pdfium.PdfPage]:
    """Every page in order, closed again when the next is asked for; a page pdfium cannot open
    makes the PDF damaged."""
    with open_document(data) as document:
        for index in range(len(document)):
            try:
                page = document[index]
            except pdfium.PdfiumError:
                raise limits.DamagedPdfError() from None
            try:
                yield page
            finally:
                page.close()


def page_texts(data: bytes) -> Iterator[PageText]:
    """Every page's text layer, in order."""
    for page in each_page(data):
        yield page_text(page)


def render_page(page: pdfium.PdfPage, dpi: float) -> Image.Image:
    """The page as displayed, annotations and form fields drawn, as an RGB image."""
    width, height = page_size(page)
    scale = dpi / 72.0
    pixels = round(width * scale) * round(height * scale)
    if pixels > limits.MAX_IMAGE_PIXELS:
        raise limits.TooLargeError(
            f"This page is larger than papka renders ({round(pixels / 1e6)} megapixels)."
        )
    try:
        bitmap = page.render(scale=scale, may_draw_forms=True, draw_annots=True,
                             fill_color=(255, 255, 255, 255))
        image: Image.Image = bitmap.to_pil()
    except pdfium.PdfiumError as error:
        raise limits.DamagedPdfError() from error
    return image.convert("RGB")


def picture_scale(page: pdfium.PdfPage, dpi: float) -> float:
    """Pixels of the page's own picture behind each pixel of the page rendered at `dpi`: below
    1 when the picture covering most of the page (a photo or scan placed on it) has fewer
    pixels than the rendering, which then only enlarges them; 1.0 when no picture covers half
    the page or the pictures are finer than the rendering. OCR's reliability follows the
    picture's own pixels (papka.formats.views.MIN_LETTER_WIDTH)."""
    width, height = page.get_size()
    page_area = float(width) * float(height)
    scale = 1.0
    if page_area <= 0:
        return scale
    try:
        for picture in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
            left, bottom, right, top = picture.get_bounds()
            shown = max(0.0, min(right, width) - max(left, 0.0)) * max(
                0.0, min(top, height) - max(bottom, 0.0))
            if shown < page_area / 2:
                continue
            pixels_wide, pixels_high = picture.get_px_size()
            rendered = (right - left) * (top - bottom) * (dpi / 72.0) ** 2
            if rendered > 0:
                scale = min(scale, (pixels_wide * pixels_high / rendered) ** 0.5)
    except pdfium.PdfiumError:
        return 1.0
    return scale


#: How a page's pixels are stored: JPEG (DCTDecode), zlib-compressed 8-bit samples
#: (FlateDecode) or CCITT Group 4 (CCITTFaxDecode, one bit per pixel, as made by
#: :func:`encode_g4`).
PageEncoding = Literal["jpeg", "flate", "g4"]


@dataclass(frozen=True)
class PageMask:
    """A black-and-white layer drawn over a page's picture in one colour (an /ImageMask):
    Group 4 data of a mode "1" picture, drawn where its pixels are black (0)."""

    data: bytes
    pixel_width: int
    pixel_height: int
    #: 0-255 per channel (red, green, blue).
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class PageImage:
    """A finished page for :func:`build_pdf`: encoded pixels and the page size in points."""

    data: bytes
    pixel_width: int
    pixel_height: int
    width: float
    height: float
    gray: bool = False
    #: A one-page PDF of invisible text (Tesseract's text-only output) laid over the image.
    text_layer: bytes | None = None
    encoding: PageEncoding = "jpeg"
    #: Layers drawn over the picture in order, each covering the whole page (a mixed page's
    #: text and boxes: papka.formats.mixed_page).
    masks: tuple[PageMask, ...] = ()


_TIFF_STRIP_OFFSETS, _TIFF_STRIP_BYTE_COUNTS, _TIFF_PHOTOMETRIC = 273, 279, 262


def encode_g4(bilevel: Image.Image) -> bytes:
    """A black-and-white picture as one CCITT Group 4 stream (lossless), for ``/BlackIs1 true``.

    Pillow writes Group 4 only inside a TIFF (through libtiff); the picture is written as a
    single strip, whose bytes are the stream a PDF image with ``/K -1`` decodes. libtiff codes
    Pillow's 0 bits (black, "min is black") as the fax code's white runs, so the page is drawn
    the right way round only with ``/BlackIs1 true`` (tests compare pdfium's and poppler's
    rendering with the pixels).
    """
    if bilevel.mode != "1":
        raise ValueError("Group 4 needs a picture in black and white (mode 1).")
    buffer = io.BytesIO()
    # One strip for the whole page: strips cannot be joined into one PDF stream.
    bilevel.save(buffer, format="TIFF", compression="group4",
                 strip_size=max(1, (bilevel.width + 7) // 8) * bilevel.height + 1)
    tiff = buffer.getvalue()
    with Image.open(io.BytesIO(tiff)) as written:
        tags = written.tag_v2  # type: ignore[attr-defined]
        offsets = tags.get(_TIFF_STRIP_OFFSETS)
        counts = tags.get(_TIFF_STRIP_BYTE_COUNTS)
        photometric = tags.get(_TIFF_PHOTOMETRIC)
    if offsets is None or counts is None or len(offsets) != 1 or len(counts) != 1:
        raise ValueError("The Group 4 encoder did not write a single strip.")
    if photometric != 1:
        # Any other interpretation would come out inverted under /BlackIs1 true.
        raise ValueError("The Group 4 encoder wrote an unexpected photometric interpretation.")
    return tiff[offsets[0]:offsets[0] + counts[0]]


def build_pdf(pages: Sequence[PageImage]) -> bytes:
    """A new PDF with one image per page and nothing else."""
    pdf = pikepdf.Pdf.new()
    for index, sheet in enumerate(pages):
        page = pdf.add_blank_page(page_size=(sheet.width, sheet.height))
        image = pikepdf.Stream(pdf, sheet.data)
        image["/Type"] = pikepdf.Name.XObject
        image["/Subtype"] = pikepdf.Name.Image
        image["/Width"] = sheet.pixel_width
        image["/Height"] = sheet.pixel_height
        gray = sheet.gray or sheet.encoding == "g4"
        image["/ColorSpace"] = pikepdf.Name.DeviceGray if gray else pikepdf.Name.DeviceRGB
        if sheet.encoding == "g4":
            image["/BitsPerComponent"] = 1
            image["/Filter"] = pikepdf.Name.CCITTFaxDecode
            # BlackIs1 true: see encode_g4 for why.
            image["/DecodeParms"] = pikepdf.Dictionary(
                K=-1, Columns=sheet.pixel_width, Rows=sheet.pixel_height, BlackIs1=True)
        else:
            image["/BitsPerComponent"] = 8
            image["/Filter"] = (pikepdf.Name.FlateDecode if sheet.encoding == "flate"
                                else pikepdf.Name.DCTDecode)
        pictures = pikepdf.Dictionary(Im0=pdf.make_indirect(image))
        place = f"{sheet.width:.4f} 0 0 {sheet.height:.4f} 0 0 cm"
        content = [f"q {place} /Im0 Do Q"]
        for number, mask in enumerate(sheet.masks):
            pictures[f"/Mk{number}"] = pdf.make_indirect(_image_mask(pdf, mask))
            red, green, blue = (f"{channel / 255:.4f}" for channel in mask.colour)
            content.append(f"q {place} {red} {green} {blue} rg /Mk{number} Do Q")
        page.obj["/Resources"] = pikepdf.Dictionary(XObject=pictures)
        page.obj["/Contents"] = pdf.make_stream("\n".join(content).encode())
        if sheet.text_layer is not None:
            _overlay_text(pdf, index, sheet.text_layer)
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    buffer = io.BytesIO()
    # The /ID is derived from the new file's own bytes: nothing ties it to the original.
    pdf.save(buffer, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _image_mask(pdf: pikepdf.Pdf, mask: PageMask) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, mask.data)
    stream["/Type"] = pikepdf.Name.XObject
    stream["/Subtype"] = pikepdf.Name.Image
    stream["/Width"] = mask.pixel_width
    stream["/Height"] = mask.pixel_height
    stream["/ImageMask"] = True
    stream["/BitsPerComponent"] = 1
    stream["/Filter"] = pikepdf.Name.CCITTFaxDecode
    # As for Group 4 pages (encode_g4): black pixels decode as 0, which a mask paints.
    stream["/DecodeParms"] = pikepdf.Dictionary(
        K=-1, Columns=mask.pixel_width, Rows=mask.pixel_height, BlackIs1=True)
    return stream


def _overlay_text(pdf: pikepdf.Pdf, index: int, text_layer: bytes) -> None:
    with pikepdf.open(io.BytesIO(text_layer)) as layer:
        if len(layer.pages) != 1:
            return
        target = pdf.pages[index]
        target.add_overlay(layer.pages[0], pikepdf.Rectangle(*(float(v) for v in target.mediabox)))
