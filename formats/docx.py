"""DOCX: what a reader sees (for burning) and metadata stripping (for sanitising).

Visible text means the body, tables, text boxes, headers, footers and footnotes as Word shows
them with tracked changes accepted: deleted text, hidden (vanish) text, comments and field codes
are left out. Pictures are not carried into the burned copy (see docs/redaction.md).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped]

from papka.errors import DamagedError
from papka.formats import limits
from papka.formats.typeset import Block

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HIDDEN_OFF = {"0", "false", "off"}
_SKIP_ANCESTORS = {W + "del", W + "moveFrom", W + "comment"}


class DamagedDocxError(limits.HostileInputError, DamagedError):
    default_message = "This DOCX file is damaged or not a DOCX file."


def _parser() -> etree.XMLParser:
    # No entities, no DTDs, no network: a crafted part cannot expand or fetch anything.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=False)


@dataclass
class DocxPackage:
    """The parts of a DOCX archive, read with caps on count and size."""

    names: list[str]
    parts: dict[str, bytes]
    infos: dict[str, zipfile.ZipInfo]


def read_package(data: bytes) -> DocxPackage:
    limits.check_input_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > limits.MAX_PARTS:
                raise limits.TooLargeError("This DOCX file has more parts than papka handles.")
            parts: dict[str, bytes] = {}
            names: list[str] = []
            total = 0
            for info in infos:
                if not info.filename or info.is_dir():    # a nameless member is no part
                    continue
                with archive.open(info) as member:
                    # The sizes in the archive can lie: read at most one byte past the cap.
                    content = member.read(limits.MAX_PART_BYTES + 1)
                if len(content) > limits.MAX_PART_BYTES:
                    raise limits.TooLargeError("This DOCX file is larger than papka handles.")
                total += len(content)
                if total > limits.MAX_INPUT_BYTES:
                    raise limits.TooLargeError("This DOCX file is larger than papka handles.")
                names.append(info.filename)
                parts[info.filename] = content
            infos_by_name = {i.filename: i for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError, zlib.error) as error:
        raise DamagedDocxError() from error
    if "word/document.xml" not in parts:
        raise DamagedDocxError()
    return DocxPackage(names, parts, infos_by_name)


def _xml(content: bytes) -> etree._Element:
    try:
        return etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as error:
        raise DamagedDocxError() from error


def _hidden_run(run: etree._Element) -> bool:
    properties = run.find(W + "rPr")
    if properties is None:
        return False
    for flag in (W + "vanish", W + "specVanish", W + "webHidden"):
        element = properties.find(flag)
        if element is not None and element.get(W + "val", "true").lower() not in _HIDDEN_OFF:
            return True
    return False


def _visible(element: etree._Element, paragraph: etree._Element) -> bool:
    node = element.getparent()
    while node is not None and node is not paragraph:
        if node.tag in _SKIP_ANCESTORS:
            return False
        if node.tag == W + "r" and _hidden_run(node):
            return False
        node = node.getparent()
    return True


def _paragraph_text(paragraph: etree._Element) -> str:
    out: list[str] = []
    for element in paragraph.iter(W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"):
        if not _visible(element, paragraph):
            continue
        if element.tag == W + "t":
            out.append(element.text or "")
        elif element.tag == W + "tab":
            out.append("\t")
        elif element.tag == W + "noBreakHyphen":
            out.append("-")
        else:
            out.append("\n")
    return "".join(out)


def _paragraphs(root: etree._Element) -> Iterator[str]:
    for paragraph in root.iter(W + "p"):
        # Paragraphs inside text boxes are read with the paragraph that holds them.
        parent = paragraph.getparent()
        nested = False
        while parent is not None:
            if parent.tag == W + "p":
                nested = True
                break
            parent = parent.getparent()
        if nested:
            continue
        yield _paragraph_text(paragraph)


def _related_parts(package: DocxPackage, kind: str) -> list[str]:
    rels = package.parts.get("word/_rels/document.xml.rels")
    if rels is None:
        return []
    found = []
    for relation in _xml(rels).iter(_REL + "Relationship"):
        external = relation.get("TargetMode") == "External"
        if relation.get("Type", "").endswith("/" + kind) and not external:
            target = relation.get("Target", "").lstrip("/")
            name = target if target.startswith("word/") else "word/" + target
            if name in package.parts and name not in found:
                found.append(name)
    return found


def visible_blocks(data: bytes) -> list[Block]:
    """What a reader of the document sees, as blocks of text in reading order."""
    package = read_package(data)
    blocks: list[Block] = []
    for name in _related_parts(package, "header"):
        blocks += [Block(text, "note") for text in _paragraphs(_xml(package.parts[name]))]
    blocks += [Block(text) for text in _paragraphs(_xml(package.parts["word/document.xml"]))]
    for kind in ("footnotes", "endnotes"):
        for name in _related_parts(package, kind):
            texts = [t for t in _paragraphs(_xml(package.parts[name])) if t.strip()]
            blocks += [Block(text, "note") for text in texts]
    for name in _related_parts(package, "footer"):
        blocks += [Block(text, "note") for text in _paragraphs(_xml(package.parts[name]))]
    return blocks


# --- sanitising ----------------------------------------------------------------------------

_EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms='
    b'"http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"/>'
)
_EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'custom-properties"/>'
)
_COMMENT_PARTS = re.compile(r"^word/comments[A-Za-z]*\.xml$")


def _blank_comments(content: bytes) -> bytes:
    root = _xml(content)
    for comment in list(root):
        for attribute in list(comment.attrib):
            if attribute.endswith("}author") or attribute.endswith("}initials"):
                comment.set(attribute, "")
            elif attribute.endswith("}date") or attribute.endswith("}dateUtc"):
                del comment.attrib[attribute]
        if comment.tag == W + "comment":
            for child in list(comment):
                comment.remove(child)
            etree.SubElement(comment, W + "p")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _strip_authorship(content: bytes) -> bytes:
    root = _xml(content)
    changed = False
    for element in root.iter():
        for attribute in list(element.attrib):
            local = attribute.rsplit("}", 1)[-1]
            if attribute.startswith(W) and local in ("author", "initials"):
                if element.get(attribute):
                    element.set(attribute, "")
                    changed = True
            elif attribute.startswith(W) and (local == "date" or local.startswith("rsid")):
                del element.attrib[attribute]
                changed = True
        if element.tag == W + "rsids":
            for child in list(element):
                element.remove(child)
                changed = True
    if not changed:
        return content
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _clear_people(content: bytes) -> bytes:
    root = _xml(content)
    for child in list(root):
        root.remove(child)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _drop_relations(content: bytes, targets: set[str]) -> bytes:
    root = _xml(content)
    for relation in list(root):
        if relation.get("Target", "").lstrip("/") in targets:
            root.remove(relation)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def sanitize_docx(data: bytes) -> tuple[bytes, list[str]]:
    """The same document without properties, comment texts, authors, dates and image metadata.

    Text, tracked changes and layout are kept: this changes metadata only.
    """
    from papka.formats.sanitize import sanitize_image_bytes

    package = read_package(data)
    removed: set[str] = set()
    thumbnails = {name for name in package.names if name.startswith("docProps/thumbnail")}
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in package.names:
            content = package.parts[name]
            new = content
            if name == "docProps/core.xml":
                new = _EMPTY_CORE
                removed.add("document properties")
            elif name == "docProps/app.xml":
                new = _EMPTY_APP
                removed.add("application properties")
            elif name == "docProps/custom.xml":
                new = _EMPTY_CUSTOM
                removed.add("custom properties")
            elif name in thumbnails:
                removed.add("thumbnail")
                continue
            elif name == "_rels/.rels" and thumbnails:
                new = _drop_relations(content, thumbnails)
            elif _COMMENT_PARTS.match(name):
                new = _blank_comments(content)
                removed.add("comments")
            elif name == "word/people.xml":
                new = _clear_people(content)
                removed.add("reviewer names")
            elif name.startswith("word/") and name.endswith(".xml"):
                new = _strip_authorship(content)
                if new != content:
                    removed.add("revision authors and dates")
            elif name.startswith("word/media/"):
                cleaned = sanitize_image_bytes(content)
                if cleaned is not None and cleaned != content:
                    new = cleaned
                    removed.add("picture metadata")
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, new)
    return output.getvalue(), sorted(removed)
