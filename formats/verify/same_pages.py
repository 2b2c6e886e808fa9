"""Does a PDF draw exactly the pages of the copy that was verified, plus invisible text only?

A burned copy is read by OCR once (docs/redaction.md, "One reading per page"): the copy without
a text layer is verified in full, then the words OCR read on it are laid over its pages as
invisible text. This check proves, from the two files' objects, that the file that leaves
shows the very pixels OCR read:

- the same number of pages, each with the same dictionary (sizes, boxes, rotation, including
  what a page inherits from the page tree), no annotation added;
- every resource the verified page had is there, equal: each picture's stored bytes and
  dictionary are byte-identical, not merely alike;
- the verified page's content streams come first, byte-identical, and at most one stream is
  added after them, made only of text operators that draw nothing (rendering mode 3, no
  painting, no pictures, no changes to the drawing state) with fonts the copy did not have,
  none of them a Type 3 font (whose glyphs are drawings);
- the document's catalogue is the same apart from its page tree (nothing like optional
  content that could hide or show parts of a page).

Anything else fails the channel ``pdf-pages-changed``. It imports nothing of the code that
writes the text layer (tests/formats/test_verify.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pikepdf

from papka.formats import limits
from papka.formats.verify.report import Report

CHANNEL = "pdf-pages-changed"
#: What the added stream may use: begin and end text, choose the rendering mode (3 only), a
#: font and a text matrix, and show text. Nothing that paints, places pictures or changes
#: the drawing state outside text.
TEXT_OPERATORS = frozenset({"BT", "ET", "Tr", "Tf", "Tm", "Tj", "TJ"})
_SHOWING = frozenset({"Tj", "TJ"})
#: Page attributes a page may inherit from the page tree (ISO 32000-1, table 30).
_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_MAX_DEPTH = 32


class _Different(Exception):
    """The final file's pages are not the verified ones (caught here, never raised out)."""


def _keys(dictionary: pikepdf.Dictionary) -> set[str]:
    # keys(): pikepdf's type hints give iteration over a dictionary as objects, not names.
    return {str(key) for key in dictionary.keys()}  # noqa: SIM118


def _same(a: object, b: object, depth: int = 0) -> None:
    """Raise _Different unless a and b are the same PDF value (references followed, streams
    by their stored bytes and dictionaries)."""
    if depth > _MAX_DEPTH:
        raise _Different()
    if isinstance(a, pikepdf.Stream) or isinstance(b, pikepdf.Stream):
        if not (isinstance(a, pikepdf.Stream) and isinstance(b, pikepdf.Stream)):
            raise _Different()
        if bytes(a.read_raw_bytes()) != bytes(b.read_raw_bytes()):
            raise _Different()
        _same(a.stream_dict, b.stream_dict, depth + 1)
    elif isinstance(a, pikepdf.Dictionary) or isinstance(b, pikepdf.Dictionary):
        if not (isinstance(a, pikepdf.Dictionary) and isinstance(b, pikepdf.Dictionary)):
            raise _Different()
        keys = _keys(a) - {"/Parent"}
        if keys != _keys(b) - {"/Parent"}:
            raise _Different()
        for key in keys:
            _same(a.get(key), b.get(key), depth + 1)
    elif isinstance(a, pikepdf.Array) or isinstance(b, pikepdf.Array):
        if not (isinstance(a, pikepdf.Array) and isinstance(b, pikepdf.Array)) or \
                len(a) != len(b):
            raise _Different()
        for first, second in zip(a, b, strict=True):
            _same(first, second, depth + 1)
    elif isinstance(a, pikepdf.Object) and isinstance(b, pikepdf.Object):
        if bytes(a.unparse()) != bytes(b.unparse()):
            raise _Different()
    elif a != b:  # numbers, booleans and None come back as Python values
        raise _Different()


def _ancestors(page: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    node = page.get("/Parent")
    for _ in range(_MAX_DEPTH):
        if not isinstance(node, pikepdf.Dictionary):
            return
        yield node
        node = node.get("/Parent")
    raise _Different()


def _attributes(page: pikepdf.Dictionary) -> dict[str, object]:
    """The page's own entries and what it inherits, as a reader resolves them."""
    found: dict[str, object] = {}
    for ancestor in reversed(list(_ancestors(page))):
        for key in _INHERITED:
            if key in ancestor:
                found[key] = ancestor.get(key)
    for key in _keys(page) - {"/Parent"}:
        found[key] = page.get(key)
    return found


def _streams(contents: object) -> list[pikepdf.Stream]:
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    if isinstance(contents, pikepdf.Array):
        streams = [item for item in contents if isinstance(item, pikepdf.Stream)]
        if len(streams) == len(contents):
            return streams
    if contents is None:
        return []
    raise _Different()


def _check_added_text(stream: pikepdf.Stream, fonts: set[str],
                      font_dictionary: pikepdf.Dictionary) -> None:
    invisible = False
    try:
        instructions = pikepdf.parse_content_stream(stream)
    except pikepdf.PdfError:
        raise _Different() from None
    for instruction in instructions:
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            raise _Different()  # an inline picture
        operands, name = instruction.operands, str(instruction.operator)
        if name not in TEXT_OPERATORS:
            raise _Different()
        if name == "Tr":
            invisible = len(operands) == 1 and operands[0] == 3
            if not invisible:
                raise _Different()
        elif name == "Tf":
            if len(operands) != 2 or str(operands[0]) not in fonts:
                raise _Different()
        elif name in _SHOWING and not invisible:
            raise _Different()
    for name in fonts:
        font = font_dictionary.get(name)
        if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != pikepdf.Name.Type0:
            raise _Different()


def _same_page(verified: pikepdf.Dictionary, final: pikepdf.Dictionary) -> None:
    mine, theirs = _attributes(verified), _attributes(final)
    if set(mine) - {"/Contents", "/Resources"} != set(theirs) - {"/Contents", "/Resources"}:
        raise _Different()
    for key in set(mine) - {"/Contents", "/Resources"}:
        _same(mine[key], theirs[key])
    resources, final_resources = mine.get("/Resources"), theirs.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary) or \
            not isinstance(final_resources, pikepdf.Dictionary):
        raise _Different()
    if _keys(final_resources) - _keys(resources) - {"/Font"}:
        raise _Different()
    for key in _keys(resources) - {"/Font"}:
        _same(resources.get(key), final_resources.get(key))
    fonts = final_resources.get("/Font", pikepdf.Dictionary())
    old_fonts = resources.get("/Font", pikepdf.Dictionary())
    if not isinstance(fonts, pikepdf.Dictionary) or not isinstance(old_fonts, pikepdf.Dictionary):
        raise _Different()
    for key in _keys(old_fonts):
        _same(old_fonts.get(key), fonts.get(key))
    added_fonts = _keys(fonts) - _keys(old_fonts)
    before, after = _streams(mine.get("/Contents")), _streams(theirs.get("/Contents"))
    if len(after) not in (len(before), len(before) + 1):
        raise _Different()
    for first, second in zip(before, after, strict=False):
        _same(first, second)
    if len(after) > len(before):
        _check_added_text(after[-1], added_fonts, fonts)
    elif added_fonts:
        raise _Different()


def _same_catalogue(verified: pikepdf.Pdf, final: pikepdf.Pdf) -> None:
    mine, theirs = verified.Root, final.Root
    if not isinstance(mine, pikepdf.Dictionary) or not isinstance(theirs, pikepdf.Dictionary):
        raise _Different()
    keys = _keys(mine) - {"/Pages"}
    if keys != _keys(theirs) - {"/Pages"}:
        raise _Different()
    for key in keys:
        _same(mine.get(key), theirs.get(key))


def check_same_pages(report: Report, verified: bytes, final: bytes) -> None:
    """Fail pdf-pages-changed unless ``final`` draws exactly the pages of ``verified``, with
    at most invisible text added (see the module's docstring)."""
    try:
        with pikepdf.open(io.BytesIO(verified)) as mine, \
                pikepdf.open(io.BytesIO(final)) as theirs:
            if len(mine.pages) != len(theirs.pages):
                raise _Different()
            _same_catalogue(mine, theirs)
            for page, final_page in zip(mine.pages, theirs.pages, strict=True):
                _same_page(page.obj, final_page.obj)
    except _Different:
        report.fail(CHANNEL)
    except pikepdf.PasswordError as error:
        raise limits.EncryptedPdfError() from error
    except (pikepdf.PdfError, ValueError, TypeError) as error:
        # Fail closed: pages papka cannot compare are not "the verified ones".
        raise limits.DamagedPdfError() from error
