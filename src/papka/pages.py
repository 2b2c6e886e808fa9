"""The bytes of a PDF's pages as papka commits to them: each page as a one-page PDF, rebuilt the
same way every time (docs/FORMAT.md, "Page commitments and disclosures").

The vault commits to these bytes when a document is added; a disclosure re-derives them and
reveals them. A one-page PDF holds what prints: the page's boxes, rotation, resources and
content streams, copied as they are (no stream is decoded, recompressed or normalised), with a
fixed /ID and no information dictionary, so the same input and the same pikepdf/qpdf give the
same bytes. Resources the page's content does not use are dropped, so that a resource
dictionary shared by all pages does not carry the other pages along. Annotations (links,
comments, form fields) and everything outside the page are left out; the whole-file commitment
covers them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

#: What a one-page PDF keeps of a page.
_KEPT = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit",
         "/Resources", "/Contents")
#: What a page may inherit from the page tree above it (PDF 32000-1, 7.7.3.4).
_INHERITED = frozenset({"/Resources", "/MediaBox", "/CropBox", "/Rotate"})
#: Pages and bytes above which papka does not split a PDF (it is held in memory; the page cap
#: is the one papka.formats redacts up to).
MAX_PAGES = 2000
MAX_INPUT = 256 * 1024 * 1024
#: The most bytes of one-page PDFs papka makes from one PDF: each carries its own copy of the
#: fonts and pictures it uses, so a crafted PDF of many pages sharing one large picture could
#: otherwise cost terabytes of work (threat model A5). Such a PDF keeps only its whole-file
#: commitment.
MAX_TOTAL_OUTPUT = 1024 * 1024 * 1024


class PagesUnavailable(ValueError):
    """papka cannot split this PDF into one-page PDFs (damaged, encrypted, too large, or a page
    that reaches into another page)."""


def page_value(page: object, key: str) -> object | None:
    """A page dictionary's value for ``key``, taken from the page tree above it for the keys a
    page inherits (PDF 32000-1, 7.7.3.4); None where there is none."""
    import pikepdf

    node = page
    for _ in range(64):                      # a hostile tree may loop
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node[key]
        if key not in _INHERITED or "/Parent" not in node:
            return None
        node = node["/Parent"]
    return None


def pdf_pages(data: bytes) -> list[bytes]:
    """Each page of the PDF ``data`` as a one-page PDF, in order. PagesUnavailable when papka
    cannot split it."""
    return list(each_pdf_page(data))


def each_pdf_page(data: bytes) -> Iterator[bytes]:
    """The one-page PDFs of ``data``, one at a time: a page that shares a large font or picture
    with the others carries its own copy, so holding them all could take many times the PDF's
    size. PagesUnavailable (possibly after some pages) when papka cannot split it."""
    import pikepdf

    if len(data) > MAX_INPUT:
        raise PagesUnavailable("the PDF is too large to split")
    try:
        with pikepdf.open(io.BytesIO(data)) as source:
            if source.is_encrypted or not 1 <= len(source.pages) <= MAX_PAGES:
                raise PagesUnavailable("the PDF is encrypted, has no page or too many")
            total = 0
            for page in source.pages:
                kept = {key: value for key in _KEPT
                        if (value := page_value(page.obj, key)) is not None}
                # A page dictionary made in the source with only what prints, so that copying
                # it never follows /Parent (and so never reaches the other pages).
                bare = source.make_indirect(pikepdf.Dictionary(
                    {"/Type": pikepdf.Name.Page, **kept}))
                single = pikepdf.new()
                copied = single.copy_foreign(bare)
                single.pages.append(pikepdf.Page(copied))
                # Resources shared by every page (inherited from the page tree, as some
                # scanners write them) would carry the other pages' pictures along: only what
                # this page's content uses is kept (qpdf parses the content streams for it).
                single.pages[0].remove_unreferenced_resources()
                if single.get_warnings():
                    # qpdf could not read the content (and so kept every resource): refused.
                    raise PagesUnavailable("a page's content cannot be read")
                _refuse_other_pages(single)
                buffer = io.BytesIO()
                single.save(buffer, static_id=True, compress_streams=False,
                            stream_decode_level=pikepdf.StreamDecodeLevel.none,
                            object_stream_mode=pikepdf.ObjectStreamMode.disable,
                            recompress_flate=False, normalize_content=False, linearize=False,
                            qdf=False, fix_metadata_version=False)
                total += buffer.tell()
                if total > MAX_TOTAL_OUTPUT:
                    raise PagesUnavailable("the PDF's pages together are too large to split")
                yield buffer.getvalue()
    except PagesUnavailable:
        raise
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, TypeError, KeyError,
            IndexError, AttributeError, RecursionError) as error:
        raise PagesUnavailable("the PDF cannot be split into pages") from error


def _refuse_other_pages(single: object) -> None:
    """A page whose resources reach another page object (a crafted PDF) would carry that page
    into its one-page PDF: refused, so an unrevealed page is never revealed with another."""
    import pikepdf

    assert isinstance(single, pikepdf.Pdf)
    pages = 0
    for obj in single.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.Page:
            pages += 1
    if pages != 1:
        raise PagesUnavailable("a page of the PDF refers to another page")
