"""Fixtures that plant the same Russian secrets in every hiding place a file format offers.

Every builder returns bytes made here, in memory, with reportlab, pikepdf, Pillow, python-docx
or the e-mail standard library. Each file also shows KEEP visibly, a phrase that must survive
redaction (no over-redaction).
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from email.message import EmailMessage

import pikepdf
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from papka.formats import fonts

NAME = "Иванова Мария Петровна"
NAME_LATIN = "Ivanova Mariia Petrovna"
UNIT = "в/ч 12345"
PHONE = "+7 912 345-67-89"
KEEP = "Справка о прохождении службы"

pdfmetrics.registerFont(TTFont("PlantedSans", str(fonts.REGULAR)))


# --- PDFs ----------------------------------------------------------------------------------

Draw = Callable[[canvas.Canvas], None]


def canvas_pdf(draw: Draw | None = None) -> bytes:
    """An A4 PDF that shows KEEP in large type, with draw() adding the planted secret."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont("PlantedSans", 20)
    page.drawString(72, 760, KEEP)
    page.setFont("PlantedSans", 14)
    if draw is not None:
        draw(page)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _text_under_black_box(page: canvas.Canvas) -> None:
    page.drawString(72, 700, NAME)
    page.setFillColorRGB(0, 0, 0)
    page.rect(68, 694, 200, 22, fill=1, stroke=0)


def _invisible_text(page: canvas.Canvas) -> None:
    text = page.beginText(72, 650)
    text.setFont("PlantedSans", 14)
    text.setTextRenderMode(3)
    text.textLine(NAME)
    page.drawText(text)


def _white_text(page: canvas.Canvas) -> None:
    page.setFillColorRGB(1, 1, 1)
    page.drawString(72, 600, NAME)


def _tiny_text(page: canvas.Canvas) -> None:
    page.setFont("PlantedSans", 0.4)
    page.drawString(300, 300, NAME)


def _clipped_text(page: canvas.Canvas) -> None:
    page.saveState()
    path = page.beginPath()
    path.rect(0, 0, 5, 5)
    page.clipPath(path, stroke=0, fill=0)
    page.drawString(300, 400, NAME)
    page.restoreState()


def _off_page_text(page: canvas.Canvas) -> None:
    page.drawString(-3000, 400, NAME)
    page.drawString(72, 5000, NAME)


def _form_xobject(page: canvas.Canvas) -> None:
    page.beginForm("planted")
    page.setFont("PlantedSans", 14)
    page.drawString(72, 560, NAME)
    page.endForm()
    page.doForm("planted")


def _optional_content_off(page: canvas.Canvas) -> None:
    page._code.append("/OC /oc1 BDC")
    page.drawString(72, 520, NAME)
    page._code.append("EMC")


def _actual_text(page: canvas.Canvas) -> None:
    hexed = (b"\xfe\xff" + NAME.encode("utf-16-be")).hex()
    page._code.append(f"/Span << /ActualText <{hexed}> >> BDC")
    page.drawString(72, 480, "Мама")
    page._code.append("EMC")


def _docinfo(page: canvas.Canvas) -> None:
    page.setAuthor(NAME)
    page.setTitle(f"Справка: {NAME}")
    page.setSubject(UNIT)


def _bookmark(page: canvas.Canvas) -> None:
    page.bookmarkPage("mother")
    page.addOutlineEntry(NAME, "mother", level=0)
    page.showOutline()


def _photo_with_exif() -> bytes:
    picture = Image.new("RGB", (200, 120), (200, 220, 240))
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x010E] = UNIT  # ImageDescription
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif.tobytes(), comment=NAME.encode())
    return buffer.getvalue()


def _add_jpeg_with_exif(document: pikepdf.Pdf) -> None:
    # The JPEG goes in byte for byte (DCTDecode), EXIF and comment included, as scanners do.
    photo = pikepdf.Stream(document, _photo_with_exif())
    photo.Type = pikepdf.Name.XObject
    photo.Subtype = pikepdf.Name.Image
    photo.Width, photo.Height = 200, 120
    photo.ColorSpace = pikepdf.Name.DeviceRGB
    photo.BitsPerComponent = 8
    photo.Filter = pikepdf.Name.DCTDecode
    page = document.pages[0]
    page.obj.Resources.XObject = pikepdf.Dictionary(Photo=document.make_indirect(photo))
    page.contents_add(document.make_stream(b"q 200 0 0 120 72 300 cm /Photo Do Q"))


def with_pikepdf(base: bytes, change: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(base)) as document:
        change(document)
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


def _add_ocg(document: pikepdf.Pdf) -> None:
    group = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG,
                                                      Name=pikepdf.String("Слой")))
    document.Root.OCProperties = pikepdf.Dictionary(
        OCGs=pikepdf.Array([group]),
        D=pikepdf.Dictionary(OFF=pikepdf.Array([group]), Order=pikepdf.Array([group])),
    )
    resources = document.pages[0].obj.Resources
    resources.Properties = pikepdf.Dictionary(oc1=group)


def _add_annotation(document: pikepdf.Pdf) -> None:
    page = document.pages[0]
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
        Rect=pikepdf.Array([400, 400, 420, 420]), Contents=pikepdf.String(NAME),
        T=pikepdf.String(NAME),
    )
    page.obj.Annots = document.make_indirect(pikepdf.Array([document.make_indirect(note)]))


def _add_form_field(document: pikepdf.Pdf) -> None:
    page = document.pages[0]
    field = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
        T=pikepdf.String("mother"), V=pikepdf.String(NAME),
        Rect=pikepdf.Array([72, 420, 400, 440]), P=page.obj, F=4,
    ))
    page.obj.Annots = pikepdf.Array([field])
    document.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]),
                                                NeedAppearances=True)


def _add_attachment(document: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(document, f"Мать: {NAME}, {PHONE}".encode(),
                                    description="letter", filename="letter.txt",
                                    mime_type="text/plain")
    document.attachments["letter.txt"] = spec


def _add_xmp(document: pikepdf.Pdf) -> None:
    with document.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [NAME]
        meta["dc:description"] = UNIT


def _add_page_label(document: pikepdf.Pdf) -> None:
    document.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
        0, pikepdf.Dictionary(S=pikepdf.Name.D, P=pikepdf.String(NAME + " "))
    ]))


def _add_pattern(document: pikepdf.Pdf) -> None:
    # A tiling pattern whose cell shows the Latin spelling, used to fill a small square.
    cell = pikepdf.Stream(document, f"BT /Helv 10 Tf 0 2 Td ({NAME_LATIN}) Tj ET".encode())
    cell.Type = pikepdf.Name.Pattern
    cell.PatternType = 1
    cell.PaintType = 1
    cell.TilingType = 1
    cell.BBox = pikepdf.Array([0, 0, 200, 14])
    cell.XStep = 200
    cell.YStep = 14
    cell.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
    page = document.pages[0]
    page.obj.Resources.Pattern = pikepdf.Dictionary(P1=document.make_indirect(cell))
    page.contents_add(document.make_stream(b"q /Pattern cs /P1 scn 72 200 150 30 re f Q"))


def _add_type3_text(document: pikepdf.Pdf) -> None:
    # A Type 3 font whose glyphs are plain bars; ToUnicode maps its codes to the secret.
    codes = list(range(1, len(NAME) + 1))
    procs = pikepdf.Dictionary()
    differences = pikepdf.Array([1])
    for code in codes:
        name = f"/g{code}"
        procs[name] = document.make_stream(b"600 0 0 0 500 700 d1 0 0 500 700 re f")
        differences.append(pikepdf.Name(name))
    cmap_lines = [f"<{code:02x}> <{ord(char):04x}>" for code, char in zip(codes, NAME,
                                                                            strict=True)]
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /P def "
        "1 begincodespacerange <00> <ff> endcodespacerange "
        f"{len(cmap_lines)} beginbfchar {' '.join(cmap_lines)} endbfchar "
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3,
        FontBBox=pikepdf.Array([0, 0, 600, 700]),
        FontMatrix=pikepdf.Array([0.001, 0, 0, 0.001, 0, 0]), CharProcs=procs,
        Encoding=pikepdf.Dictionary(Type=pikepdf.Name.Encoding, Differences=differences),
        FirstChar=1, LastChar=len(codes), Widths=pikepdf.Array([600] * len(codes)),
        Resources=pikepdf.Dictionary(), ToUnicode=document.make_stream(cmap),
    )
    page = document.pages[0]
    page.obj.Resources.Font.T3 = document.make_indirect(font)
    shown = bytes(codes).hex()
    page.contents_add(document.make_stream(f"BT /T3 12 Tf 72 250 Td <{shown}> Tj ET".encode()))


def _incremental_revision(base: bytes) -> bytes:
    """Append an update that replaces the page's content; the old content stays in the file."""
    with pikepdf.open(io.BytesIO(base)) as document:
        page = document.pages[0]
        number = page.obj.objgen[0]
        root = document.Root.objgen[0]
        size = int(document.trailer.Size)
        rendered = page.obj.unparse(resolved=True)
        old_content = page.obj.Contents.read_bytes()
    startxref = int(base.rsplit(b"startxref", 1)[1].split()[0])
    # The update keeps everything but the lines between the planted markers.
    new_content = re.sub(rb"%planted-start.*?%planted-end", b"", old_content, flags=re.S)
    assert new_content != old_content
    body = bytearray(base)
    content_number = size
    offsets = {}
    offsets[content_number] = len(body)
    body += (f"\n{content_number} 0 obj\n<< /Length {len(new_content)} >>\nstream\n".encode()
             + new_content + b"\nendstream\nendobj\n")
    offsets[number] = len(body)
    rendered = re.sub(rb"/Contents\s*(\d+ \d+ R|\[[^\]]*\])",
                      f"/Contents {content_number} 0 R".encode(), rendered)
    body += f"{number} 0 obj\n".encode() + rendered + b"\nendobj\n"
    xref_at = len(body)
    body += b"xref\n0 1\n0000000000 65535 f \n"
    for obj in sorted(offsets):
        body += f"{obj} 1\n{offsets[obj]:010d} 00000 n \n".encode()
    body += (f"trailer\n<< /Size {size + 1} /Root {root} 0 R /Prev {startxref} >>\n"
             f"startxref\n{xref_at}\n%%EOF\n").encode()
    return bytes(body)


def _revision_base(page: canvas.Canvas) -> None:
    page._code.append("%planted-start")
    page.drawString(72, 700, NAME)
    page._code.append("%planted-end")


def pdf_channels() -> dict[str, bytes]:
    """One PDF per hiding place, each carrying NAME (or its Latin spelling) only there."""
    plain = canvas_pdf()
    return {
        "text-under-black-box": canvas_pdf(_text_under_black_box),
        "invisible-ocr-text": canvas_pdf(_invisible_text),
        "white-text": canvas_pdf(_white_text),
        "tiny-text": canvas_pdf(_tiny_text),
        "clipped-text": canvas_pdf(_clipped_text),
        "off-page-text": canvas_pdf(_off_page_text),
        "form-xobject": canvas_pdf(_form_xobject),
        "pattern": with_pikepdf(plain, _add_pattern),
        "type3-font": with_pikepdf(plain, _add_type3_text),
        "annotation": with_pikepdf(plain, _add_annotation),
        "form-field": with_pikepdf(plain, _add_form_field),
        "attachment": with_pikepdf(plain, _add_attachment),
        "optional-content-off": with_pikepdf(canvas_pdf(_optional_content_off), _add_ocg),
        "incremental-revision": _incremental_revision(canvas_pdf(_revision_base)),
        "docinfo": canvas_pdf(_docinfo),
        "xmp": with_pikepdf(plain, _add_xmp),
        "bookmark": canvas_pdf(_bookmark),
        "page-label": with_pikepdf(plain, _add_page_label),
        "actual-text": canvas_pdf(_actual_text),
        "embedded-jpeg-exif": with_pikepdf(plain, _add_jpeg_with_exif),
    }


# --- images --------------------------------------------------------------------------------


def picture(*, secret: str | None = None, size: tuple[int, int] = (1400, 700)) -> Image.Image:
    """A white 'document photo' that shows KEEP (and the secret, if given) in large type."""
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(fonts.REGULAR), 56)
    draw.text((60, 80), KEEP, font=font, fill=(0, 0, 0))
    if secret is not None:
        draw.text((60, 300), f"Мать: {secret}", font=font, fill=(0, 0, 0))
    return image


def _jpeg(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, **options)
    return buffer.getvalue()


def _png(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _insert_after_soi(jpeg: bytes, segment: bytes) -> bytes:
    return jpeg[:2] + segment + jpeg[2:]


def _app_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def exif_with_thumbnail(thumbnail: bytes) -> bytes:
    """An EXIF APP1 segment whose IFD1 carries a JPEG thumbnail, as cameras write it."""
    # TIFF header, IFD0 with one entry (Orientation), IFD1 with the thumbnail pointers.
    ifd0_at = 8
    ifd1_at = ifd0_at + 2 + 12 + 4
    thumb_at = ifd1_at + 2 + 3 * 12 + 4
    tiff = bytearray(b"II*\x00" + struct.pack("<I", ifd0_at))
    tiff += struct.pack("<H", 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 1, 0)
    tiff += struct.pack("<I", ifd1_at)
    tiff += struct.pack("<H", 3)
    tiff += struct.pack("<HHIHH", 0x0103, 3, 1, 6, 0)
    tiff += struct.pack("<HHII", 0x0201, 4, 1, thumb_at)
    tiff += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
    tiff += struct.pack("<I", 0)
    tiff += thumbnail
    return _app_segment(0xE1, b"Exif\x00\x00" + bytes(tiff))


def iptc_segment(caption: str) -> bytes:
    dataset = b"\x1c\x02\x78" + struct.pack(">H", len(caption.encode())) + caption.encode()
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(dataset))
    resource += dataset + (b"\x00" if len(dataset) % 2 else b"")
    return _app_segment(0xED, b"Photoshop 3.0\x00" + resource)


def xmp_packet(value: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator><rdf:Seq><rdf:li>{value}</rdf:li></rdf:Seq></dc:creator>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def jpeg_channels() -> dict[str, tuple[bytes, str]]:
    """JPEGs with a secret in one metadata channel each: (bytes, the secret planted)."""
    base = picture()
    exif = Image.Exif()
    exif[0x013B] = NAME_LATIN  # Artist
    exif_ifd = exif.get_ifd(0x8769)
    exif_ifd[0xA431] = "79123456789"  # BodySerialNumber
    gps = Image.Exif()
    gps_ifd = gps.get_ifd(0x8825)
    gps_ifd.update({1: "N", 2: (55.0, 45.0, 20.0), 3: "E", 4: (37.0, 37.0, 0.0)})
    thumb_source = picture(secret=NAME).resize((280, 140))
    thumbnail = _jpeg(thumb_source)
    plain = _jpeg(base)
    return {
        "exif-artist-serial": (_jpeg(base, exif=exif.tobytes()), PHONE),
        "exif-gps": (_jpeg(base, exif=gps.tobytes()), "55.7556"),
        "exif-thumbnail": (_insert_after_soi(plain, exif_with_thumbnail(thumbnail)), NAME),
        "xmp": (_jpeg(base, xmp=xmp_packet(NAME)), NAME),
        "iptc": (_insert_after_soi(plain, iptc_segment(NAME)), NAME),
        "comment": (_jpeg(base, comment=NAME.encode("utf-8")), NAME),
        "bytes-after-eoi": (plain + NAME.encode("utf-16-le"), NAME),
    }


def png_channels() -> dict[str, tuple[bytes, str]]:
    from PIL.PngImagePlugin import PngInfo

    base = picture()
    text = PngInfo()
    text.add_text("Author", NAME_LATIN)
    compressed = PngInfo()
    compressed.add_text("Comment", NAME_LATIN, zip=True)
    international = PngInfo()
    international.add_itxt("Description", NAME, zip=True)
    return {
        "text-chunk": (_png(base, pnginfo=text), NAME_LATIN),
        "ztxt-chunk": (_png(base, pnginfo=compressed), NAME_LATIN),
        "itxt-chunk": (_png(base, pnginfo=international), NAME),
        "bytes-after-iend": (_png(base) + zlib.compress(NAME.encode()) + NAME.encode(), NAME),
    }


def jpeg(image: Image.Image) -> bytes:
    return _jpeg(image)


def png(image: Image.Image) -> bytes:
    return _png(image)


# --- DOCX ----------------------------------------------------------------------------------


def _docx_document():  # type: ignore[no-untyped-def]
    import docx

    document = docx.Document()
    document.add_paragraph(KEEP)
    return document


def _docx_bytes(document) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _tracked_deletion(document) -> None:  # type: ignore[no-untyped-def]
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph = document.add_paragraph("Мать: ")
    deletion = parse_xml(
        f'<w:del {nsdecls("w")} w:id="1" w:author="{NAME_LATIN}" '
        f'w:date="2024-01-01T00:00:00Z"><w:r><w:delText>{NAME}</w:delText></w:r></w:del>'
    )
    paragraph._p.append(deletion)


def _comment(document) -> None:  # type: ignore[no-untyped-def]
    paragraph = document.add_paragraph("Мать указана в приложении.")
    document.add_comment(paragraph.runs, text=f"Это {NAME}", author=NAME_LATIN, initials="IM")


def _hidden_text(document) -> None:  # type: ignore[no-untyped-def]
    paragraph = document.add_paragraph("Мать: ")
    run = paragraph.add_run(NAME)
    run.font.hidden = True


def _header(document) -> None:  # type: ignore[no-untyped-def]
    document.sections[0].header.paragraphs[0].text = f"Заявитель: {NAME}"


def _properties(document) -> None:  # type: ignore[no-untyped-def]
    document.core_properties.author = NAME
    document.core_properties.comments = UNIT
    document.core_properties.last_modified_by = NAME_LATIN


def _embedded_media(document) -> None:  # type: ignore[no-untyped-def]
    document.add_picture(io.BytesIO(_photo_with_exif()))


def _visible_body(document) -> None:  # type: ignore[no-untyped-def]
    document.add_paragraph(f"Мать: {NAME}, тел. {PHONE}")


def docx_channels() -> dict[str, bytes]:
    builders = {
        "tracked-deletion": _tracked_deletion,
        "comment": _comment,
        "hidden-text": _hidden_text,
        "header": _header,
        "properties": _properties,
        "embedded-media": _embedded_media,
        "visible-body": _visible_body,
    }
    out = {}
    for name, build in builders.items():
        document = _docx_document()
        build(document)
        out[name] = _docx_bytes(document)
    return out


# --- e-mail --------------------------------------------------------------------------------

IP = "203.0.113.77"
HOST = "ivanova-laptop"


def _message(body: str = f"{KEEP}.\nДобрый день.", subtype: str = "plain",
             cte: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Sergei <sergei@example.org>"
    message["To"] = "lawyer@example.net"
    message["Subject"] = "Документы"
    message["Date"] = "Mon, 06 May 2024 10:00:00 +0300"
    message["Message-ID"] = "<20240506.1@example.org>"
    message.set_content(body, subtype=subtype, cte=cte)
    return message


def email_channels() -> dict[str, tuple[bytes, str]]:
    out: dict[str, tuple[bytes, str]] = {}
    routed = _message()
    routed["Received"] = f"from {HOST} ([{IP}]) by mx.example.org; Mon, 6 May 2024"
    routed["X-Originating-IP"] = f"[{IP}]"
    out["received-and-originating-ip"] = (routed.as_bytes(), IP)
    message_id = _message()
    message_id.replace_header("Message-ID", f"<20240506.1@{HOST}.home.example>")
    out["message-id-host"] = (message_id.as_bytes(), HOST)
    out["base64-body"] = (_message(f"{KEEP}.\nМать: {NAME}", cte="base64").as_bytes(), NAME)
    out["quoted-printable-body"] = (
        _message(f"{KEEP}.\nМать: {NAME}", cte="quoted-printable").as_bytes(), NAME)
    hidden = _message(
        f"<html><body><p>{KEEP}.</p><div style=\"display:none\">{NAME}</div>"
        f"<span style='font-size:0px'>{PHONE}</span></body></html>", subtype="html",
        cte="base64")
    out["hidden-html"] = (hidden.as_bytes(), NAME)
    attached = _message()
    attached.add_attachment(f"Мать: {NAME}".encode(), maintype="text", subtype="plain",
                            filename="note.txt")
    out["attachment"] = (attached.as_bytes(), NAME)
    return out
