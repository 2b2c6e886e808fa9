"""Sanitising strips metadata and keeps the content exactly."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from papka import media
from papka.formats.sanitize import sanitize
from papka.formats.verify import verify
from tests.formats import planted

PDFS = planted.pdf_channels()
SECRETS = [planted.NAME, planted.NAME_LATIN, planted.UNIT, planted.PHONE]
# The metadata channels sanitising is meant to clear; content channels are burning's job.
PDF_METADATA_CHANNELS = ["docinfo", "xmp", "attachment", "incremental-revision",
                         "embedded-jpeg-exif"]


def _pdfium_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


@pytest.mark.parametrize("channel", PDF_METADATA_CHANNELS)
def test_pdf_metadata_channels_are_cleared(channel: str) -> None:
    result = sanitize(PDFS[channel], media.PDF)
    assert result.media_type == media.PDF
    assert result.removed
    if channel == "embedded-jpeg-exif":
        # Images inside a PDF are content: their EXIF is only removed by burning.
        assert not verify(result.data, media.PDF, SECRETS, ocr=False).ok
        return
    assert verify(result.data, media.PDF, SECRETS, ocr=False).ok
    assert planted.KEEP in _pdfium_text(result.data)


def test_pdf_javascript_and_open_action_are_removed() -> None:
    def add_script(document: pikepdf.Pdf) -> None:
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                    JS=pikepdf.String(f"app.alert('{planted.NAME_LATIN}')"))
        document.Root.OpenAction = document.make_indirect(script)
        document.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("a"), document.make_indirect(script)])))

    source = planted.with_pikepdf(planted.canvas_pdf(), add_script)
    assert not verify(source, media.PDF, [planted.NAME_LATIN], ocr=False).ok
    result = sanitize(source, media.PDF)
    assert "JavaScript" in result.removed
    assert verify(result.data, media.PDF, [planted.NAME_LATIN], ocr=False).ok


def test_sanitising_does_not_remove_content_channels() -> None:
    # Said plainly in docs/redaction.md: text under a box is content; only burning removes it.
    result = sanitize(PDFS["text-under-black-box"], media.PDF)
    assert not verify(result.data, media.PDF, SECRETS, ocr=False).ok


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB").tobytes()


@pytest.mark.parametrize("channel", sorted(planted.jpeg_channels()))
def test_jpeg_metadata_is_stripped_and_pixels_kept(channel: str) -> None:
    data, secret = planted.jpeg_channels()[channel]
    result = sanitize(data, media.JPEG)
    assert result.removed
    assert verify(result.data, media.JPEG, [secret], ocr=False).ok
    assert _pixels(result.data) == _pixels(data)


def test_jpeg_orientation_survives_sanitising() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x013B] = planted.NAME_LATIN
    buffer = io.BytesIO()
    planted.picture(size=(300, 200)).save(buffer, format="JPEG", exif=exif.tobytes())
    result = sanitize(buffer.getvalue(), media.JPEG)
    with Image.open(io.BytesIO(result.data)) as picture:
        assert dict(picture.getexif()) == {0x0112: 6}
    assert verify(result.data, media.JPEG, [planted.NAME_LATIN], ocr=False).ok


@pytest.mark.parametrize("channel", sorted(planted.png_channels()))
def test_png_metadata_is_stripped_and_pixels_kept(channel: str) -> None:
    data, secret = planted.png_channels()[channel]
    result = sanitize(data, media.PNG)
    assert result.removed
    assert verify(result.data, media.PNG, [secret], ocr=False).ok
    assert _pixels(result.data) == _pixels(data)


@pytest.mark.parametrize("channel", ["properties", "comment", "embedded-media"])
def test_docx_metadata_is_stripped(channel: str) -> None:
    data = planted.docx_channels()[channel]
    result = sanitize(data, media.DOCX)
    assert result.removed
    assert verify(result.data, media.DOCX, SECRETS, ocr=False).ok
    import docx

    document = docx.Document(io.BytesIO(result.data))
    assert planted.KEEP in [p.text for p in document.paragraphs]


def test_docx_revision_author_is_stripped_but_tracked_text_is_content() -> None:
    data = planted.docx_channels()["tracked-deletion"]
    result = sanitize(data, media.DOCX)
    assert "revision authors and dates" in result.removed
    assert verify(result.data, media.DOCX, [planted.NAME_LATIN], ocr=False).ok
    # The deleted text itself is content: sanitising leaves it, burning drops it.
    assert not verify(result.data, media.DOCX, [planted.NAME], ocr=False).ok


def test_email_routing_headers_go_only_on_request() -> None:
    data, secret = planted.email_channels()["received-and-originating-ip"]
    kept = sanitize(data, media.EML)
    assert kept.data == data and kept.removed == []
    stripped = sanitize(data, media.EML, strip_email_routing=True)
    assert "header received" in stripped.removed
    assert "header x-originating-ip" in stripped.removed
    assert verify(stripped.data, media.EML, [secret], ocr=False).ok
    body = data.split(b"\n\n", 1)[1]
    assert stripped.data.endswith(body)


# ---- every place an action, a script or a file can hide in a PDF ---------------------------

CANARY = "kuznetsova-canary"


def _script(document: pikepdf.Pdf, tag: str, **extra: object) -> pikepdf.Object:
    return document.make_indirect(pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{CANARY}-{tag}')"), **extra))


def _action(document: pikepdf.Pdf, kind: str, **extra: object) -> pikepdf.Object:
    return document.make_indirect(pikepdf.Dictionary(S=pikepdf.Name(kind), **extra))


def _plant_everywhere(document: pikepdf.Pdf) -> None:
    """Scripts, outside-reaching actions, attachments and metadata in every slot, some of them
    only reachable through /Next chains, outline children or form-field kids."""
    page = document.pages[0].obj
    uri = pikepdf.String(f"https://vk.com/{CANARY}")
    goto = document.make_indirect(pikepdf.Dictionary(
        S=pikepdf.Name.GoTo, D=pikepdf.Array([page, pikepdf.Name.Fit])))
    # /OpenAction: a harmless GoTo whose /Next is an array holding a script and a Launch,
    # the script's own /Next a URI, and a cycle back to the GoTo.
    launch = _action(document, "/Launch", F=pikepdf.String(f"{CANARY}.exe"))
    chained = _script(document, "chained", Next=_action(document, "/URI", URI=uri))
    goto.Next = pikepdf.Array([chained, launch])
    launch.Next = goto
    document.Root.OpenAction = goto
    # Document-level scripts and catalog additional actions.
    document.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(
        [pikepdf.String("one"), _script(document, "names-1"),
         pikepdf.String("two"), _script(document, "names-2")])))
    document.Root.AA = pikepdf.Dictionary(WC=_script(document, "will-close"))
    document.Root.URI = pikepdf.Dictionary(Base=uri)
    # Page additional actions: a single dictionary in /Next.
    page.AA = pikepdf.Dictionary(O=_action(document, "/GoToR", F=pikepdf.String(CANARY),
                                           Next=_script(document, "page-open")))
    # Annotations: a URI link, a JavaScript link with /AA, a file attachment.
    attachment_spec = pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec, F=pikepdf.String("note.txt"),
        EF=pikepdf.Dictionary(F=document.make_stream(CANARY.encode())))
    link = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 600, 200, 620],
        A=_action(document, "/URI", URI=uri)))
    scripted = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[72, 560, 200, 580],
        A=_script(document, "annotation"),
        AA=pikepdf.Dictionary(E=_script(document, "annotation-enter"))))
    attached = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment, Rect=[72, 520, 90, 540],
        FS=attachment_spec))
    # A form field with a kid: a submit action on the parent, a keystroke script on the kid.
    kid = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=[300, 600, 400, 620],
        AA=pikepdf.Dictionary(K=_script(document, "keystroke"))))
    field_ = document.make_indirect(pikepdf.Dictionary(
        FT=pikepdf.Name.Tx, T=pikepdf.String("name"), Kids=pikepdf.Array([kid]),
        A=_action(document, "/SubmitForm", F=pikepdf.String(f"https://{CANARY}.example/")),
    ))
    kid.Parent = field_
    page.Annots = pikepdf.Array([link, scripted, attached, kid])
    document.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field_]))
    # Outlines: a child two levels down runs a script; its sibling imports form data.
    deep = document.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String("deep"), A=_script(document, "outline")))
    sibling = document.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String("sibling"), A=_action(document, "/ImportData",
                                                   F=pikepdf.String(CANARY))))
    deep.Next = sibling
    middle = document.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String("middle"), First=deep, Last=sibling))
    top = document.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String("top"), First=middle, Last=middle, A=goto))
    top.Next = top  # a cycle among siblings
    document.Root.Outlines = pikepdf.Dictionary(First=top, Last=top)
    # Attachments and metadata.
    document.Root.Names.EmbeddedFiles = pikepdf.Dictionary(Names=pikepdf.Array(
        [pikepdf.String("case.txt"), document.make_indirect(attachment_spec)]))
    page.Metadata = document.make_stream(f"<x:xmpmeta>{CANARY}</x:xmpmeta>".encode())
    page.PieceInfo = pikepdf.Dictionary(App=pikepdf.Dictionary(
        Private=pikepdf.String(CANARY)))
    document.Root.PieceInfo = pikepdf.Dictionary(App=pikepdf.Dictionary(
        Private=pikepdf.String(CANARY)))
    document.docinfo["/Author"] = CANARY


_FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/URI", "/GoToR", "/GoToE", "/SubmitForm",
                      "/ImportData"}


def _walk(document: pikepdf.Pdf) -> list[str]:
    """Everything forbidden in a saved PDF, found by visiting every object from the trailer
    (written apart from papka's sanitiser, so a step it forgets is still caught)."""
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    pending: list[object] = [document.trailer, *document.objects]
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key, value in obj.items():
                if key in ("/JS", "/EmbeddedFiles", "/AF", "/Metadata", "/PieceInfo", "/Info",
                           "/XFA", "/URI") and not (key == "/URI" and
                                                    obj.get("/S") == pikepdf.Name.URI):
                    problems.append(key)
                if key == "/S" and str(value) in _FORBIDDEN_ACTIONS:
                    problems.append(str(value))
                if key == "/Subtype" and value == pikepdf.Name.FileAttachment:
                    problems.append("/FileAttachment")
                pending.append(value)
        elif isinstance(obj, pikepdf.Array):
            pending.extend(obj)
        elif isinstance(obj, pikepdf.String) and CANARY in str(obj):
            problems.append("canary string")
    return problems


def test_every_script_action_and_attachment_is_gone_from_every_place() -> None:
    source = planted.with_pikepdf(planted.canvas_pdf(), _plant_everywhere)
    with pikepdf.open(io.BytesIO(source)) as before:
        found_before = _walk(before)
    for planted_kind in ("/JS", "/Launch", "/URI", "/GoToR", "/SubmitForm", "/ImportData",
                         "/EmbeddedFiles", "/FileAttachment", "/Metadata", "/PieceInfo",
                         "canary string"):
        assert planted_kind in found_before
    assert not verify(source, media.PDF, [CANARY], ocr=False).ok

    result = sanitize(source, media.PDF)

    with pikepdf.open(io.BytesIO(result.data)) as after:
        assert _walk(after) == []
        # The harmless GoTo survives; what followed the removed Launch (the planted cycle back
        # to the GoTo) is all its chain holds now. The outline and the links stay.
        assert str(after.Root.OpenAction.S) == "/GoTo"
        chain = [item.S for item in after.Root.OpenAction.Next]
        assert chain == [pikepdf.Name.GoTo]
        assert str(after.Root.Outlines.First.First.First.Title) == "deep"
        assert len(after.pages[0].obj.Annots) == 3
    assert verify(result.data, media.PDF, [CANARY], ocr=False).ok
    assert planted.KEEP in _pdfium_text(result.data)
    # Counted per channel: 7 scripts (two in the names tree, the chained one, will-close,
    # page-open, annotation, annotation-enter, keystroke, outline: 9), 7 outside actions
    # (Launch, the chained URI, the link's URI, GoToR, SubmitForm, ImportData, the URI base).
    assert result.counts["JavaScript"] == 9
    assert result.counts["actions that open files, links or send data"] == 7
    assert result.counts["attachments"] == 2
    assert result.counts["document information"] == 1
    assert result.counts["XMP metadata"] >= 1  # the page's (and reportlab's own, if any)
    assert result.counts["piece info"] == 2
    assert set(result.removed) == set(result.counts)


def test_a_script_only_reachable_through_a_next_cycle_is_cut() -> None:
    def plant(document: pikepdf.Pdf) -> None:
        first = _action(document, "/GoTo", D=pikepdf.Array([document.pages[0].obj,
                                                            pikepdf.Name.Fit]))
        script = _script(document, "cycle")
        first.Next = script
        script.Next = first
        document.Root.OpenAction = first

    source = planted.with_pikepdf(planted.canvas_pdf(), plant)
    result = sanitize(source, media.PDF)
    assert result.counts["JavaScript"] == 1
    with pikepdf.open(io.BytesIO(result.data)) as after:
        assert _walk(after) == []


def test_a_deep_outline_and_a_long_chain_finish() -> None:
    def plant(document: pikepdf.Pdf) -> None:
        parent = document.Root.Outlines = document.make_indirect(pikepdf.Dictionary())
        for depth in range(200):
            child = document.make_indirect(pikepdf.Dictionary(
                Title=pikepdf.String(str(depth)), A=_script(document, str(depth))))
            parent.First = child
            parent = child
        action = document.Root.OpenAction = _script(document, "start")
        for step in range(500):
            action.Next = _script(document, f"next-{step}")
            action = action.Next

    source = planted.with_pikepdf(planted.canvas_pdf(), plant)
    result = sanitize(source, media.PDF)
    # Cut at MAX_DEPTH, never recursing without bound; what lies deeper is unreachable
    # from the kept objects and does not survive the rewrite.
    with pikepdf.open(io.BytesIO(result.data)) as after:
        assert "/JavaScript" not in _walk(after)
    assert result.counts["JavaScript"] >= 64


def test_a_multi_page_tiff_keeps_every_page_and_loses_its_metadata() -> None:
    import io as _io

    from PIL import Image, ImageDraw, TiffImagePlugin

    from papka import media
    from papka.formats import image
    from papka.formats.sanitize import sanitize

    frames = []
    for number in range(3):
        page = Image.new("L", (240, 120), 255)
        ImageDraw.Draw(page).text((10, 50), f"page {number}", fill=0)
        frames.append(page)
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[270] = "CANARY-FAX-SENDER"              # ImageDescription
    buffer = _io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:],
                   tiffinfo=info)
    data = buffer.getvalue()
    assert b"CANARY-FAX-SENDER" in data and image.page_count(data) == 3
    cleaned = sanitize(data, media.TIFF)
    assert cleaned.media_type == media.TIFF
    assert image.page_count(cleaned.data) == 3
    assert b"CANARY-FAX-SENDER" not in cleaned.data
    assert [p.tobytes() for p in image.pages(cleaned.data)] == \
        [p.tobytes() for p in image.pages(data)]
