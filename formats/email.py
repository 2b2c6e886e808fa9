"""E-mail (RFC 5322 .eml): what a reader sees (for burning) and routing headers (sanitising).

The burned copy shows From, To, Cc, Date, Subject and the body a mail program shows: the plain
text part, or the visible text of the HTML part (scripts, styles and elements hidden with CSS or
the hidden attribute left out). Attachments are counted, never named or rendered: they are
separate documents to redact on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

from papka.errors import DamagedError
from papka.formats import limits
from papka.formats.typeset import Block

SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject")
#: Headers that record the path a message took and the sender's machine and network.
ROUTING_HEADERS = frozenset({
    "received", "x-received", "received-spf", "x-originating-ip", "x-sender-ip",
    "x-forwarded-for", "x-client-ip", "x-real-ip", "authentication-results",
    "arc-authentication-results", "arc-seal", "arc-message-signature", "x-google-smtp-source",
    "x-ms-exchange-organization-originalclientipaddress", "x-yandex-fwd", "x-mailru-src",
    "message-id", "x-mailer", "user-agent",
})

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])"
    r"|mso-hide\s*:\s*all|opacity\s*:\s*0(?![.\d]*[1-9])|max-height\s*:\s*0(?![.\d]*[1-9])",
    re.IGNORECASE,
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "object"})
_BREAKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                     "table", "blockquote", "section", "article", "ul", "ol", "pre", "hr"})


class DamagedEmailError(limits.HostileInputError, DamagedError):
    default_message = "This e-mail is damaged or not an e-mail."


class _VisibleText(HTMLParser):
    """Collects the text a mail program shows; anything inside a hidden element is dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = (
            tag in _SKIPPED
            or "hidden" in values
            or (values.get("aria-hidden") or "").lower() == "true"
            or bool(_HIDDEN_STYLE.search(values.get("style") or ""))
        )
        if tag in _BREAKS and not self._hidden():
            self.parts.append("\n")
        if tag not in _VOID:
            if len(self._stack) > 512:
                self._stack.pop(0)
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break
        if tag in _BREAKS and not self._hidden():
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = [" ".join(line.split()) for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return parser.text()


def parse(data: bytes) -> EmailMessage:
    limits.check_input_size(data)
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
    except (ValueError, TypeError, IndexError, LookupError) as error:
        raise DamagedEmailError() from error
    if not isinstance(message, EmailMessage) or not message.keys():
        raise DamagedEmailError()
    return message


def iter_parts(message: Message) -> Iterator[Message]:
    """Every part of the message, capped in number (a hostile message can nest without end)."""
    for count, part in enumerate(message.walk()):
        if count >= limits.MAX_PARTS:
            raise limits.TooLargeError("This e-mail has more parts than papka handles.")
        yield part


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError, KeyError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if len(content) > limits.MAX_PART_BYTES:
        raise limits.TooLargeError("This e-mail is larger than papka handles.")
    return content


def _header(message: EmailMessage, name: str) -> str:
    try:
        values = message.get_all(name) or []
        return ", ".join(str(value) for value in values)
    except (ValueError, TypeError, IndexError, LookupError, AttributeError):
        # The standard library's structured header parsers fail on some malformed headers
        # (found by fuzzing: an address group where a mailbox belongs). Show the raw value, so
        # that what the header says is still rendered, detected and redacted.
        wanted = name.lower()
        return ", ".join(
            # 8-bit header bytes come back as surrogate escapes: read them as UTF-8.
            str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            for key, value in message.raw_items() if key.lower() == wanted)


def visible_blocks(data: bytes) -> list[Block]:
    """What a mail program shows: the main headers, the body, and how many attachments."""
    message = parse(data)
    blocks: list[Block] = []
    for name in SHOWN_HEADERS:
        value = _header(message, name)
        if value:
            blocks.append(Block(f"{name}: {value}", "heading" if name == "Subject" else "label"))
    blocks.append(Block(""))
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except (ValueError, TypeError, IndexError, LookupError, AttributeError):
        body = None
    if isinstance(body, EmailMessage):
        text = _text_of(body)
        if body.get_content_subtype() == "html":
            text = html_visible_text(text)
        blocks += [Block(paragraph) for paragraph in text.split("\n\n")]
    attachments = 0
    for part in iter_parts(message):
        if part is body or part.is_multipart():
            continue
        if isinstance(part, EmailMessage) and (
            part.is_attachment() or part.get_content_maintype() not in ("text",)
        ):
            attachments += 1
    if attachments:
        blocks.append(Block(f"Вложений не показано: {attachments} (attachments not shown).",
                            "note"))
    return blocks


def strip_routing(data: bytes) -> tuple[bytes, list[str]]:
    """Remove routing headers from the top of a message, leaving every other byte as it was."""
    limits.check_input_size(data)
    end = len(data)
    for separator in (b"\r\n\r\n", b"\n\n"):
        found = data.find(separator)
        if found >= 0:
            end = min(end, found + len(separator) // 2)
    head, rest = data[:end], data[end:]
    fields: list[list[bytes]] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)
        else:
            fields.append([line])
    kept: list[bytes] = []
    removed: set[str] = set()
    for field in fields:
        name = field[0].split(b":", 1)[0].strip().decode("ascii", "replace").lower()
        if name in ROUTING_HEADERS:
            removed.add(name)
            continue
        kept.extend(field)
    if not removed:
        return data, []
    return b"".join(kept) + rest, sorted(f"header {name}" for name in removed)
