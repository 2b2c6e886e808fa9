"""Images: safe decoding (pixel caps, orientation applied) and clean re-encoding.

Also the small container walkers for JPEG segments and PNG chunks that sanitising and
verification use to see metadata and bytes after the end of the picture.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from papka import media
from papka.formats import limits

# Pillow's format names are the media subtypes in capitals ("image/jpeg": "JPEG").
_FORMATS = {media_type: media_type.split("/")[1].upper() for media_type in sorted(media.PICTURES)}


def _bomb(error: Exception) -> limits.TooLargeError:
    # Pillow's own guard fires before papka sees the size; its message carries the pixel count.
    found = re.search(r"\((\d+) pixels\)", str(error))
    if found:
        return limits.image_too_large(int(found.group(1)))
    return limits.TooLargeError("This image is larger than papka handles.")


def _open(data: bytes) -> Image.Image:
    """Open without decoding; papka's own pixel cap (limits.MAX_IMAGE_PIXELS) is checked here."""
    limits.check_input_size(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(_FORMATS.values()))
    except Image.DecompressionBombError as error:
        raise _bomb(error) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error) as error:
        raise limits.DamagedImageError() from error
    _check_size(image)
    return image


def _check_size(image: Image.Image) -> None:
    """The current frame's size is real and under the pixel cap."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise limits.DamagedImageError()
    if width * height > limits.MAX_IMAGE_PIXELS:
        raise limits.image_too_large(width * height)


class UnsupportedHeicError(limits.UnsupportedFormatError):
    default_message = "papka cannot read HEIC photos (the iPhone's format)."
    hint = ("Export the photo as JPEG (on the iPhone: Settings, Camera, Formats, Most "
            "Compatible; or share it as JPEG), then add that copy.")


def _displayed(image: Image.Image) -> Image.Image:
    """The current frame as displayed: decoded, orientation applied, in RGB (or L for gray)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
            shown = ImageOps.exif_transpose(image) or image
    except Image.DecompressionBombError as error:
        raise _bomb(error) from error
    except (OSError, ValueError, SyntaxError, struct.error, zlib.error,
            EOFError, IndexError, KeyError, TypeError) as error:
        raise limits.DamagedImageError() from error
    if shown.mode in ("L", "RGB"):
        return shown
    if shown.mode in ("RGBA", "LA", "PA") or (shown.mode == "P" and "transparency" in shown.info):
        # Transparent areas become white, as a viewer on a white page shows them.
        rgba = shown.convert("RGBA")
        base = Image.new("RGB", rgba.size, (255, 255, 255))
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    if shown.mode.startswith("I") or shown.mode == "F":
        # 16-bit grey (as scanners write it): scale to 8 bits instead of clipping to white.
        return shown.convert("I").point(lambda value: value / 256).convert("L")
    if shown.mode == "1":
        return shown.convert("L")
    return shown.convert("RGB")


def load(data: bytes) -> Image.Image:
    """The picture as displayed (the first page of a multi-page file: see :func:`pages`)."""
    return _displayed(_open(data))


def page_count(data: bytes) -> int:
    """How many pages (frames) the file holds: a multi-page TIFF fax has several."""
    image = _open(data)
    try:
        count = int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as error:
        raise limits.DamagedImageError() from error
    if count > limits.MAX_PAGES:
        raise limits.TooLargeError(
            f"This image has more pages than papka handles ({limits.MAX_PAGES}).")
    return max(1, count)


def pages(data: bytes) -> Iterator[Image.Image]:
    """Every page (frame) as displayed, one at a time, each under the same pixel cap."""
    count = page_count(data)
    image = _open(data)
    for index in range(count):
        try:
            image.seek(index)
        except (OSError, ValueError, SyntaxError, struct.error, EOFError) as error:
            raise limits.DamagedImageError() from error
        _check_size(image)
        yield fresh_copy(_displayed(image))


def size_as_displayed(data: bytes) -> tuple[int, int]:
    """Width and height in pixels after orientation, without decoding the pixels."""
    image = _open(data)
    try:
        orientation = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, struct.error):
        orientation = 1
    width, height = image.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def fresh_copy(image: Image.Image) -> Image.Image:
    """The same pixels in a new image object that carries no metadata at all."""
    mode = image.mode if image.mode in ("L", "RGB") else "RGB"
    source = image if image.mode == mode else image.convert(mode)
    return Image.frombytes(mode, source.size, source.tobytes())


def encode(image: Image.Image, media_type: str, *, quality: int = 90) -> bytes:
    """Encode pixels with nothing else: no EXIF, XMP, ICC, comments or thumbnails."""
    clean = fresh_copy(image)
    buffer = io.BytesIO()
    if media_type == media.JPEG:
        clean.save(buffer, format="JPEG", quality=quality, optimize=False, exif=b"",
                   icc_profile=None)
    else:
        clean.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def output_type(media_type: str) -> str:
    """Burned images keep JPEG as JPEG; everything else becomes PNG."""
    return media.JPEG if media_type == media.JPEG else media.PNG


# --- JPEG segments -------------------------------------------------------------------------


@dataclass(frozen=True)
class JpegSegment:
    marker: int
    start: int  # offset of the 0xFF
    end: int  # offset just past the segment (for SOS: past its entropy-coded data)
    payload: bytes  # the segment's data, without marker and length


@dataclass(frozen=True)
class JpegLayout:
    segments: list[JpegSegment]
    #: Offset just past EOI, or None when the file ends without one.
    end: int | None


_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def jpeg_layout(data: bytes) -> JpegLayout:
    """Walk a JPEG's segments up to EOI. Raises DamagedImageError on a broken structure."""
    if not data.startswith(b"\xff\xd8"):
        raise limits.DamagedImageError()
    segments: list[JpegSegment] = [JpegSegment(0xD8, 0, 2, b"")]
    position = 2
    size = len(data)
    while position < size:
        if data[position] != 0xFF:
            raise limits.DamagedImageError()
        while position < size and data[position] == 0xFF:
            position += 1  # fill bytes
        if position >= size:
            break
        marker = data[position]
        start = position - 1
        position += 1
        if marker == 0xD9:
            segments.append(JpegSegment(marker, start, position, b""))
            return JpegLayout(segments, position)
        if marker in _STANDALONE:
            segments.append(JpegSegment(marker, start, position, b""))
            continue
        if position + 2 > size:
            raise limits.DamagedImageError()
        length = int.from_bytes(data[position : position + 2], "big")
        if length < 2 or position + length > size:
            raise limits.DamagedImageError()
        payload = data[position + 2 : position + length]
        position += length
        if marker == 0xDA:
            # Entropy-coded data runs to the next marker that is not a stuffed 0x00 or RSTn.
            while True:
                found = data.find(b"\xff", position)
                if found < 0 or found + 1 >= size:
                    position = size
                    break
                following = data[found + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    position = found + 1 if following == 0xFF else found + 2
                    continue
                position = found
                break
        segments.append(JpegSegment(marker, start, position, payload))
    return JpegLayout(segments, None)


# --- PNG chunks ----------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class PngChunk:
    kind: bytes
    start: int
    end: int
    data: bytes


def png_chunks(data: bytes) -> tuple[list[PngChunk], int | None]:
    """The chunks of a PNG up to IEND, and the offset just past IEND (None if it is missing)."""
    if not data.startswith(PNG_SIGNATURE):
        raise limits.DamagedImageError()
    chunks: list[PngChunk] = []
    position = len(PNG_SIGNATURE)
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise limits.DamagedImageError()
        chunks.append(PngChunk(kind, position, end, data[position + 8 : position + 8 + length]))
        position = end
        if kind == b"IEND":
            return chunks, position
    return chunks, None


def iter_png_text(chunks: list[PngChunk]) -> Iterator[bytes]:
    """Decoded contents of tEXt, zTXt and iTXt chunks (compressed ones inflated, capped)."""
    for chunk in chunks:
        if chunk.kind == b"tEXt":
            yield chunk.data
        elif chunk.kind in (b"zTXt", b"iTXt"):
            yield chunk.data
            for offset in range(len(chunk.data)):
                # Try inflating from each plausible start: cheap, and robust to odd layouts.
                if chunk.data[offset : offset + 1] in (b"\x78", b"\x58", b"\x68"):
                    inflater = zlib.decompressobj()
                    try:
                        yield inflater.decompress(chunk.data[offset:], limits.MAX_PART_BYTES)
                    except zlib.error:
                        continue
                    break


def is_supported(media_type: str) -> bool:
    """Images papka can decode, redact and sanitise (HEIC needs a plug-in papka does not ship)."""
    return media_type in media.PICTURES


def check_supported(media_type: str) -> None:
    """Refuse HEIC by name: the keeper can fix that one by exporting a JPEG."""
    if media_type == media.HEIC:
        raise UnsupportedHeicError()
