"""Disclosures: chosen pages of an original, with the proof that they are the pages the keeper
committed to in a bundle he signed and sent (docs/FORMAT.md, "Page commitments and
disclosures").

At export papka keeps the signed manifest of every bundle whose entries carry commitment roots
(encrypted, in the compartment's "sent" section). A disclosure is a plain ZIP archive meant for
a court: that manifest and its signature exactly as sent, the sender's public key, the
document's commitment list, each revealed page with its salt, and a README (Russian and
English) giving the commands that check it with ssh-keygen and coreutils alone.
:func:`check_disclosure` is papka's own check of the same things.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from papka.errors import DamagedError, UsageError
from papka.formats.bundle import Fingerprint, Manifest, ManifestFile, SignatureError
from papka.formats.bundle.errors import BundleError
from papka.formats.bundle.signer import public_blob_from_openssh
from papka.formats.bundle.sshsig import NAMESPACE, verify
from papka.formats.bundle.writer import BundleSummary, utc_now
from papka.media import PDF, extension_for
from papka.vault.commitments import SALT_BYTES, commit, commit_file, page_label

if TYPE_CHECKING:
    from papka.vault.compartment import Compartment

#: The compartment's catalog section that keeps the signed manifests of bundles sent.
SENT_SECTION = "sent"

README = "README.txt"
SENDER_KEY = "sender.pub"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.json.sig"
COMMITMENTS = "commitments.txt"
SALT_SUFFIX = ".salt"
#: The whole file's label in the commitment list and its name stem in a disclosure.
WHOLE = "file"
_LINE = re.compile(r"([0-9a-f]{64})  (file|page-[0-9]{4,5})")
_MEMBER = re.compile(r"(?:page-[0-9]{4,5}\.(?:pdf|salt)|file\.[a-z0-9]{1,10})")
_FIXED = (README, SENDER_KEY, MANIFEST, MANIFEST_SIGNATURE, COMMITMENTS)
#: What a disclosure checked by papka may hold (it is read into memory, page by page).
MAX_MEMBERS = 2 * 10_000 + 8
MAX_MEMBER_BYTES = 1024**3


class DisclosureRefused(UsageError):
    """papka will not make this disclosure; nothing was written."""

    default_message = "papka cannot make this disclosure; nothing was written."


class NotCommitted(DisclosureRefused):
    default_message = ("No bundle you sent carries this document's page commitments, so papka "
                       "cannot prove where its pages come from; nothing was written.")
    hint = ("Export the document (or a redacted copy of it) with this papka first: the "
            "disclosure refers to the bundle that was sent.")


class NoSuchSentBundle(DisclosureRefused):
    default_message = ("None of the bundles you sent that carry this document has a manifest "
                       "hash starting with these characters; nothing was written.")
    hint = "Leave the bundle out to use the latest one, or type more of its manifest hash."


class NoSuchPage(DisclosureRefused):
    default_message = "The document has no page with this number; nothing was written."
    hint = "Pages are numbered from 1, as a PDF viewer counts them."


class NoPages(DisclosureRefused):
    default_message = ("papka has no page commitments for this document (it is not a PDF papka "
                       "can split); only the whole file can be disclosed. Nothing was written.")
    hint = "Disclose the whole file instead."


class PageNotReproducible(DisclosureRefused):
    default_message = ("papka can no longer rebuild this document's pages exactly as it "
                       "committed to them, so the disclosure would not verify; nothing was "
                       "written.")
    hint = ("Disclose the whole file instead, or use the papka version that made the "
            "commitments.")


class NothingToDisclose(DisclosureRefused):
    default_message = "Choose at least one page, or the whole file, to disclose."


class DisclosureDoesNotVerify(DamagedError):
    """A disclosure file failed papka's check."""

    default_message = "The disclosure does not verify: do not rely on it."


@dataclass(frozen=True)
class SentBundle:
    """A bundle the keeper sent, as kept for disclosures."""

    manifest_sha256: str
    manifest: Manifest
    manifest_bytes: bytes
    signature: bytes

    def entries_for(self, root: str) -> list[ManifestFile]:
        return [f for f in self.manifest.files if root in (f.commitment_root, f.original_root)]


@dataclass(frozen=True)
class Disclosure:
    """What a disclosure file holds."""

    doc_id: str
    manifest_sha256: str
    #: The manifest entries whose root this document's commitment list is.
    entries: tuple[str, ...]
    #: Labels of what is revealed: "file", "page-0001"...
    revealed: tuple[str, ...]
    #: How many pages the commitment list names (0: the whole file is the document's one page).
    pages: int
    #: "import" or "later" (vault/commitments.py).
    made: str
    made_at: str


@dataclass(frozen=True)
class DisclosureCheck:
    """A disclosure that verified: what it proves."""

    signer: str
    fingerprint: Fingerprint
    #: The sender label of the manifest (the sender's own words; may be empty).
    sender: str
    manifest_sha256: str
    created: str
    entries: tuple[str, ...]
    revealed: tuple[str, ...]
    pages: int


# -- keeping what was sent ---------------------------------------------------------------------
def keep_sent_manifest(compartment: Compartment, summary: BundleSummary) -> None:
    """Keep a bundle's signed manifest, exactly as sent, in the compartment (with its next
    commit), when any of its entries carries a commitment root."""
    if summary.manifest.version < 2 or not summary.manifest_signature:
        return
    kept = compartment.section(SENT_SECTION)
    bundles = kept.get("bundles")
    if not isinstance(bundles, dict):
        bundles = {}
    # Base64, not text: the catalog root is ASCII JSON, where each Cyrillic letter of a title
    # would take six bytes.
    bundles[summary.manifest_sha256] = {
        "manifest": base64.b64encode(summary.manifest_bytes).decode("ascii"),
        "signature": summary.manifest_signature.decode("ascii"),
    }
    compartment.set_section(SENT_SECTION, {"bundles": bundles})


def sent_bundles(compartment: Compartment) -> list[SentBundle]:
    """The bundles kept for disclosures, oldest first (a malformed one is left out)."""
    bundles = compartment.section(SENT_SECTION).get("bundles")
    found: list[SentBundle] = []
    if not isinstance(bundles, dict):
        return found
    for digest, kept in bundles.items():
        if not isinstance(kept, dict):
            continue
        text, signature = kept.get("manifest"), kept.get("signature")
        if not isinstance(text, str) or not isinstance(signature, str):
            continue
        try:
            data = base64.b64decode(text, validate=True)
        except ValueError:
            continue
        if hashlib.sha256(data).hexdigest() != digest:
            continue
        try:
            manifest = Manifest.from_bytes(data)
        except BundleError:
            continue
        found.append(SentBundle(digest, manifest, data, signature.encode("ascii")))
    return found


def _choose_bundle(compartment: Compartment, root: str, bundle: str | None) -> SentBundle:
    carrying = [b for b in sent_bundles(compartment) if b.entries_for(root)]
    if not carrying:
        raise NotCommitted()
    if bundle is None:
        return carrying[-1]
    prefix = bundle.strip().lower()
    hits = [b for b in carrying if len(prefix) >= 4 and b.manifest_sha256.startswith(prefix)]
    if len(hits) != 1:
        raise NoSuchSentBundle()
    return hits[0]


# -- making a disclosure -----------------------------------------------------------------------
def write_disclosure(
    compartment: Compartment,
    doc_id: str,
    out: BinaryIO,
    *,
    pages: Sequence[int] = (),
    whole: bool = False,
    bundle: str | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> Disclosure:
    """Write to ``out`` a disclosure of ``pages`` (numbered from 1) and/or the ``whole`` file
    of document ``doc_id``, tied to the latest bundle sent that carries its commitment root (or
    the one whose manifest hash starts with ``bundle``). For a document that is not a PDF, page
    1 is the whole file; a PDF papka could not split has only its whole file to disclose
    (NoPages otherwise). Every revealed part is re-derived and checked against its
    commitment first: if one no longer matches, nothing is written (PageNotReproducible).
    Nothing is stored in the vault."""
    documents = compartment.documents
    doc = documents.get(doc_id)
    if doc.commitments is None:
        raise NotCommitted()
    committed = documents.commitments(doc.id)
    root = committed.root()
    sent = _choose_bundle(compartment, root, bundle)
    wanted = sorted(set(pages))
    if committed.pages is None and wanted:
        # A picture or other file: its one page is the file. Never a PDF papka could not
        # split, whose "page 1" would reveal every page.
        if wanted != [1] or doc.media_type == PDF:
            raise NoPages()
        wanted, whole = [], True
    if not wanted and not whole:
        raise NothingToDisclose()
    revealed: list[tuple[str, bytes, bytes]] = []     # name, salt, bytes
    if wanted:
        assert committed.pages is not None
        count = len(committed.pages)
        if wanted[0] < 1 or wanted[-1] > count:
            raise NoSuchPage()
        from papka import pages as pdf

        derived = 0
        try:
            # One page at a time; only the revealed ones are kept (pages.each_pdf_page).
            for number, page in enumerate(pdf.each_pdf_page(documents.read_bytes(doc.id)),
                                          start=1):
                derived = number
                if number in wanted:
                    commitment = committed.pages[number - 1] if number <= count else None
                    if commitment is None or not commitment.matches(page):
                        raise PageNotReproducible()
                    revealed.append((f"{page_label(number, count)}.pdf", commitment.salt, page))
        except pdf.PagesUnavailable:
            raise PageNotReproducible() from None
        if derived != count:
            raise PageNotReproducible()
    whole_name = f"{WHOLE}.{extension_for(doc.media_type)}"
    if whole:
        digest = hashlib.sha256()
        with documents.open(doc.id) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
        if commit_file(committed.whole.salt, digest.hexdigest()) != committed.whole.digest:
            raise PageNotReproducible()
    moment = clock().astimezone(dt.UTC)
    labels = tuple(name.rsplit(".", 1)[0] for name, _salt, _data in revealed) + (
        (WHOLE,) if whole else ())
    entries = tuple(f.name for f in sent.entries_for(root))
    result = Disclosure(doc.id, sent.manifest_sha256, entries, labels,
                        0 if committed.pages is None else len(committed.pages),
                        committed.made, committed.at)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        def member(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)

        member(README, readme(result, sent, whole_name if whole else None))
        member(SENDER_KEY, (sent.manifest.signer + "\n").encode("ascii"))
        member(MANIFEST, sent.manifest_bytes)
        member(MANIFEST_SIGNATURE, sent.signature)
        member(COMMITMENTS, committed.listing())
        for name, salt, data in revealed:
            member(name, data)
            member(name.rsplit(".", 1)[0] + SALT_SUFFIX, salt)
        if whole:
            info = zipfile.ZipInfo(whole_name, date_time=stamp)
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=doc.size >= 0x7FFFFFFF) as target:
                documents.copy_to(doc.id, target)   # type: ignore[arg-type]
            member(WHOLE + SALT_SUFFIX, committed.whole.salt)
    return result


def disclosure_bytes(compartment: Compartment, doc_id: str, **options: object) -> bytes:
    """The disclosure as bytes (see write_disclosure for the options)."""
    buffer = io.BytesIO()
    write_disclosure(compartment, doc_id, buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


# -- the README ---------------------------------------------------------------------------------
def check_commands(revealed: Sequence[str], whole_name: str | None) -> str:
    """The commands README.txt gives, one a line; tests run them as they stand."""
    lines = [
        "printf 'sender %s\\n' \"$(cat sender.pub)\" > allowed_signers",
        f"ssh-keygen -Y verify -f allowed_signers -I sender -n {NAMESPACE} "
        "-s manifest.json.sig < manifest.json",
        "grep -o \"_root\\\":\\\"$(sha256sum commitments.txt | cut -c1-64)\\\"\" manifest.json",
    ]
    for label in revealed:
        if label == WHOLE and whole_name:
            # The whole file is committed through its SHA-256 (vault/commitments.commit_file).
            digest = f"{{ cat {label}.salt; sha256sum < {whole_name} | cut -c1-64; }} | sha256sum"
        else:
            digest = f"cat {label}.salt {label}.pdf | sha256sum"
        lines.append(f"grep -x \"$({digest} | cut -c1-64)  {label}\" commitments.txt")
    return "".join(line + "\n" for line in lines)


def readme(disclosure: Disclosure, sent: SentBundle, whole_name: str | None) -> bytes:
    commands = "".join(f"    {line}\n"
                       for line in check_commands(disclosure.revealed, whole_name).splitlines())
    fingerprint = Fingerprint.of_public_blob(public_blob_from_openssh(sent.manifest.signer))
    entries = ", ".join(disclosure.entries)
    shown = ", ".join(disclosure.revealed)
    count = disclosure.pages
    if disclosure.made == "import":
        made_ru = (f"papka сделала эти обязательства, когда документ был добавлен в хранилище "
                   f"({disclosure.made_at}).")
        made_en = (f"papka made these commitments when the document was added to the vault "
                   f"({disclosure.made_at}).")
    else:
        made_ru = (f"Документ был добавлен раньше, чем papka стала делать обязательства: они "
                   f"сделаны позже ({disclosure.made_at}), когда понадобились впервые, и "
                   f"доказывают меньше: только что это страницы документа, каким он был в тот "
                   f"момент.")
        made_en = (f"The document was added before papka made commitments: these were made "
                   f"later ({disclosure.made_at}), the first time they were needed, and prove "
                   f"less: only that these are the pages of the document as it was then.")
    pages_ru = (f"Страниц в списке обязательств: {count}; первая строка списка — файл целиком."
                if count else "Документ не разбит на страницы: его страница — весь файл.")
    pages_en = (f"The commitment list names {count} pages; its first line is the whole file."
                if count else "The document is not split into pages: its one page is the file.")
    text = f"""\
== Что это ==

Раскрытие страниц документа, сделанное программой papka. Архив не зашифрован: он
предназначен для суда. Раскрыто: {shown}. Остальные страницы не раскрыты и по этому
архиву не восстанавливаются.

Что доказывается: раскрытые страницы — те самые, на которые отправитель взял
обязательства в пакете, подписанном его ключом (manifest.json, запись {entries}).
Каждое обязательство — SHA-256 от 32 случайных байт («соль») и байтов страницы; соли
нераскрытых страниц не показаны, поэтому их содержимое нельзя подобрать по хешу.
Что не доказывается: кто владеет ключом (сверьте отпечаток с отправителем), и когда
подписан пакет — время в manifest.json указано самим отправителем.
{made_ru}
{pages_ru}
SHA-256 манифеста (`sha256sum manifest.json`): {sent.manifest_sha256}. Тот же хеш
показывают `papka bundle verify` у получателя пакета и QR-код в его index.pdf.

1. Отпечаток ключа отправителя (`ssh-keygen -lf sender.pub`) должен совпасть с тем,
   что отправитель сообщил вам сам или что показал пакет, который вы от него получили:
    {fingerprint.openssh}
2. Распакуйте архив и в этой папке выполните:
{commands}   ssh-keygen должен сказать «Good "{NAMESPACE}" signature», первый grep —
   вывести «_root":"…» (корень списка обязательств есть в подписанном manifest.json),
   каждый следующий — строку из commitments.txt. Если что-то не выводится, не
   полагайтесь на это раскрытие.

== What this is ==

A disclosure of pages of a document, made by papka. The archive is not encrypted: it
is meant for a court. Revealed: {shown}. The other pages are not revealed and cannot
be recovered from this archive.

What it proves: the revealed pages are the ones the sender committed to in a bundle
signed with his key (manifest.json, entry {entries}). Each commitment is the SHA-256
of 32 random bytes (a "salt") followed by the page's bytes; the salts of unrevealed
pages are not shown, so their content cannot be guessed from their hashes.
What it does not prove: who holds the key (compare the fingerprint with the sender),
or when the bundle was signed: the time in manifest.json is the sender's own.
{made_en}
{pages_en}
The manifest's SHA-256 (`sha256sum manifest.json`): {sent.manifest_sha256}. The
recipient's `papka bundle verify` and the QR code in the bundle's index.pdf show the same.

1. The sender's key fingerprint (`ssh-keygen -lf sender.pub`) must match the one the
   sender told you himself, or the one the bundle you received from him showed:
    {fingerprint.openssh}
2. Unpack the archive and, in its folder, run:
{commands}   ssh-keygen must say 'Good "{NAMESPACE}" signature', the first grep must print
   '_root":"…' (the commitment list's root is in the signed manifest.json), and each
   of the others a line of commitments.txt. If one prints nothing, do not rely on
   this disclosure.
"""
    return text.encode("utf-8")


# -- checking a disclosure ---------------------------------------------------------------------
def check_disclosure(source: bytes | str | Path) -> DisclosureCheck:
    """Check a disclosure file as its README does: the manifest's signature, the commitment
    list's root in it, and every revealed part against its commitment. Raises
    DisclosureDoesNotVerify with one sentence saying what failed."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    members = _read_members(data)
    missing = [name for name in _FIXED if name not in members]
    if missing:
        raise DisclosureDoesNotVerify("The disclosure lacks one of its fixed files.")
    manifest_bytes = members[MANIFEST]
    try:
        signer_blob = verify(members[MANIFEST_SIGNATURE], manifest_bytes)
        manifest = Manifest.from_bytes(manifest_bytes)
    except SignatureError:
        raise DisclosureDoesNotVerify("The manifest's signature does not verify.") from None
    except BundleError:
        raise DisclosureDoesNotVerify("The manifest is not a papka manifest.") from None
    if public_blob_from_openssh(manifest.signer) != signer_blob:
        raise DisclosureDoesNotVerify("The manifest was signed by a key other than its own.")
    if members[SENDER_KEY].strip() != manifest.signer.encode("ascii"):
        raise DisclosureDoesNotVerify("sender.pub is not the key that signed the manifest.")
    listing = members[COMMITMENTS]
    committed = _parse_listing(listing)
    root = hashlib.sha256(listing).hexdigest()
    entries = tuple(f.name for f in manifest.files
                    if root in (f.commitment_root, f.original_root))
    if not entries:
        raise DisclosureDoesNotVerify("The commitment list is not one the signed manifest names.")
    revealed: list[str] = []
    for name, content in members.items():
        if name in _FIXED or name.endswith(SALT_SUFFIX):
            continue
        label = name.rsplit(".", 1)[0]
        if label not in committed or (label == WHOLE) != name.startswith(WHOLE + "."):
            raise DisclosureDoesNotVerify("A revealed page is not in the commitment list.")
        salt = members.get(label + SALT_SUFFIX)
        if salt is None or len(salt) != SALT_BYTES:
            raise DisclosureDoesNotVerify("A revealed page lacks its 32-byte salt.")
        made = (commit_file(salt, hashlib.sha256(content).hexdigest()) if label == WHOLE
                else commit(salt, content))
        if made.hex() != committed[label]:
            raise DisclosureDoesNotVerify("A revealed page does not match its commitment.")
        revealed.append(label)
    salts = {n.rsplit(".", 1)[0] for n in members if n.endswith(SALT_SUFFIX)}
    if not revealed or salts != set(revealed):
        raise DisclosureDoesNotVerify("The disclosure reveals nothing, or holds a salt without "
                                      "its page.")
    return DisclosureCheck(
        signer=manifest.signer, fingerprint=Fingerprint.of_public_blob(signer_blob),
        sender=manifest.sender, manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
        created=manifest.created,
        entries=entries, revealed=tuple(sorted(revealed)), pages=len(committed) - 1)


def _read_members(data: bytes) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DisclosureDoesNotVerify("The disclosure has more files than papka's limit.")
        # zipfile reads the directory until it has read as many bytes as the end record says
        # it holds: one entry's damaged length field swallows the entries after it, and the
        # disclosure would pass showing fewer pages than it holds. Every entry the end record
        # counts must be read (papka writes no archive comment: the end record ends the file).
        if data[-22:-18] != b"PK\x05\x06" or struct.unpack("<H", data[-12:-10])[0] != len(infos):
            raise DisclosureDoesNotVerify("The disclosure is not a complete ZIP archive.")
        members: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            stem = name[: -len(SALT_SUFFIX)] if name.endswith(SALT_SUFFIX) else None
            allowed = (name in _FIXED or _MEMBER.fullmatch(name) or (
                stem is not None and (stem == WHOLE or _MEMBER.fullmatch(stem + ".pdf"))))
            if not allowed or name in members:
                raise DisclosureDoesNotVerify("The disclosure holds a file papka does not expect.")
            if info.compress_type != zipfile.ZIP_STORED or info.file_size > MAX_MEMBER_BYTES:
                raise DisclosureDoesNotVerify("The disclosure holds a compressed or oversized "
                                              "file.")
            members[name] = archive.read(info)
        return members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            RuntimeError, NotImplementedError, struct.error, KeyError, IndexError):
        # zipfile's answers to a damaged archive (an encryption flag set: RuntimeError).
        raise DisclosureDoesNotVerify("The disclosure is not a complete ZIP archive.") from None


def _parse_listing(listing: bytes) -> dict[str, str]:
    try:
        lines = listing.decode("ascii").split("\n")
    except UnicodeDecodeError:
        lines = ["?"]
    if lines[-1] != "":
        raise DisclosureDoesNotVerify("The commitment list is malformed.")
    found: dict[str, str] = {}
    for number, line in enumerate(lines[:-1]):
        match = _LINE.fullmatch(line)
        expected = WHOLE if number == 0 else page_label(number, len(lines) - 2)
        if match is None or match.group(2) != expected:
            raise DisclosureDoesNotVerify("The commitment list is malformed.")
        found[expected] = match.group(1)
    if not found:
        raise DisclosureDoesNotVerify("The commitment list is malformed.")
    return found


__all__ = [
    "COMMITMENTS", "Disclosure", "DisclosureCheck", "DisclosureDoesNotVerify",
    "DisclosureRefused", "NoPages", "NoSuchPage", "NoSuchSentBundle", "NotCommitted",
    "NothingToDisclose", "PageNotReproducible", "SENT_SECTION", "SentBundle",
    "check_disclosure", "disclosure_bytes", "keep_sent_manifest", "sent_bundles",
    "write_disclosure",
]

