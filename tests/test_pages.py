"""papka.pages: a PDF's pages as one-page PDFs, the bytes page commitments are made over."""

from __future__ import annotations

import io

import pikepdf
import pytest

from papka.pages import PagesUnavailable, pdf_pages
from tests.exchange.test_disclosure import PAGES, four_pages, mark


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _secret(number: int) -> bytes:
    return b"SECRET-PICTURE-OF-PAGE-%d" % number


def _shared_resources() -> pikepdf.Pdf:
    """Four pages, each drawing its own form XObject, all of them in one resource dictionary
    on the page tree (as some scanners write them)."""
    pdf = pikepdf.open(io.BytesIO(four_pages()))
    xobjects = pikepdf.Dictionary()
    for number, page in enumerate(pdf.pages, start=1):
        form = pikepdf.Stream(pdf, b"% " + _secret(number) + b"\n")
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = pikepdf.Array([0, 0, 10, 10])
        xobjects[f"/X{number}"] = pdf.make_indirect(form)
        page.contents_add(pikepdf.Stream(pdf, f"q /X{number} Do Q\n".encode()))
    fonts = pdf.pages[0].obj.Resources.Font
    pdf.Root.Pages.Resources = pdf.make_indirect(pikepdf.Dictionary(Font=fonts,
                                                                     XObject=xobjects))
    for page in pdf.pages:
        del page.obj["/Resources"]
    return pdf


def test_resources_shared_by_every_page_carry_no_other_page_along() -> None:
    pages = pdf_pages(_saved(_shared_resources()))
    for number, page in enumerate(pages, start=1):
        assert _secret(number) in page and mark(number) in page
        assert [other for other in range(1, PAGES + 1)
                if other != number and (_secret(other) in page or mark(other) in page)] == []


def test_a_page_whose_content_cannot_be_read_is_never_split() -> None:
    """qpdf keeps every resource of a page whose content it cannot parse, which would carry the
    other pages' pictures along: such a PDF keeps only its whole-file commitment."""
    pdf = _shared_resources()
    pdf.pages[1].contents_add(pikepdf.Stream(pdf, b"BT (unterminated <<< ]]] >> \x00 ET"))
    with pytest.raises(PagesUnavailable):
        pdf_pages(_saved(pdf))


def test_a_page_that_names_another_page_does_not_carry_it() -> None:
    """A crafted PDF whose first page names the second among its resources: the second page's
    content never reaches the first page's one-page PDF."""
    pdf = pikepdf.open(io.BytesIO(four_pages()))
    first, second = pdf.pages[0].obj, pdf.pages[1].obj
    first.Resources.Properties = pikepdf.Dictionary(Other=second)
    try:
        pages = pdf_pages(_saved(pdf))
    except PagesUnavailable:
        return
    assert mark(1) in pages[0] and mark(2) not in pages[0]


def test_inherited_resources_and_boxes_are_carried_into_each_page() -> None:
    pdf = pikepdf.open(io.BytesIO(four_pages()))
    tree = pdf.Root.Pages
    tree.Resources = pdf.pages[0].obj.Resources
    tree.MediaBox = pdf.pages[0].obj.MediaBox
    for page in pdf.pages:
        del page.obj["/Resources"]
        del page.obj["/MediaBox"]
    pages = pdf_pages(_saved(pdf))
    assert len(pages) == PAGES
    for number, page in enumerate(pages, start=1):
        single = pikepdf.open(io.BytesIO(page))
        assert len(single.pages) == 1
        assert "/Font" in single.pages[0].obj.Resources and "/MediaBox" in single.pages[0].obj
        assert mark(number) in page


@pytest.mark.parametrize("data", [
    b"%PDF-1.7 not really a pdf",
    b"",
    b"\x00" * 1000,
])
def test_what_is_not_a_pdf_papka_can_split_is_refused(data: bytes) -> None:
    with pytest.raises(PagesUnavailable):
        pdf_pages(data)


def test_an_encrypted_pdf_is_refused() -> None:
    pdf = pikepdf.open(io.BytesIO(four_pages()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(PagesUnavailable):
        pdf_pages(out.getvalue())
