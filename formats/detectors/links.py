"""Links, e-mail addresses and social handles: the profile link that names a person, and the
keeper's names glued into them (``vk.com/annakuznetsova1968``, ``@kuznetsova_anna``).

A link or handle is reported whole: hiding only the name inside ``annakuznetsova1968`` would
leave the year of birth and the network to search. Which names are looked for comes from the
keeper's list (:mod:`.names`), in every form and Latin spelling, matched inside the run of
letters of the link with separators and digits taken out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from papka.formats.detectors import Hit
from papka.text import fold

# A web address with or without its scheme; the host must end in a top-level domain of letters.
_URL = re.compile(
    r"(?<![\w@.\-/])(?:https?://)?(?:www\.)?"
    r"(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,12}|рф)"
    r"(?:/[^\s<>\"'«»()\[\]{}]*[^\s<>\"'«»()\[\]{}.,;:!?])?",
    re.IGNORECASE,
)
# A handle as messengers and social networks print it; not the "@" inside an e-mail address.
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][A-Za-z0-9_.]{3,31}(?<![._])(?![\w@])")
# An e-mail address (the same shape as identifiers.emails, which gives it the category).
_EMAIL = re.compile(
    r"(?<![\w.+\-])[\w.+\-]{1,64}[ \t]?@[ \t]?[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,8}"
)

# Networks where a path names a person's page; a link there is a "social" identifier even
# without a name in it (vk.com/id48151623).
_SOCIAL_HOSTS = re.compile(
    r"(?:^|\.)(?:vk\.com|vkontakte\.ru|ok\.ru|odnoklassniki\.ru|t\.me|telegram\.me|"
    r"instagram\.com|facebook\.com|fb\.com|twitter\.com|x\.com|tiktok\.com|linkedin\.com|"
    r"youtube\.com|livejournal\.com|my\.mail\.ru)$",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)
# Names shorter than this are not looked for inside links: "ivan" would also be inside
# "ivanovo-news.ru"; "anna" inside "savanna".
MIN_NAME_IN_LINK = 5
# Whole first names are short; four letters is enough when the name stands between separators
# of the link ("anna.kuz", "anna_k").
_MIN_SEPARATE = 4


def links(text: str) -> Iterator[tuple[int, int, str]]:
    """Every web address, e-mail address and handle: (start, end, kind)."""
    emails = [(m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for start, end in emails:
        yield start, end, "email"

    def inside_email(start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in emails)

    for match in _URL.finditer(text):
        if inside_email(match.start(), match.end()):
            continue
        yield match.start(), match.end(), "url"
    for match in _HANDLE.finditer(text):
        yield match.start(), match.end(), "handle"


def social_links(text: str) -> Iterator[Hit]:
    """Links to a person's page on a social network, and @handles."""
    for start, end, kind in links(text):
        if kind == "handle":
            yield Hit(start, end, "social", "social-handle")
        elif kind == "url":
            address = _SCHEME.sub("", text[start:end])
            host, _, path = address.partition("/")
            if _SOCIAL_HOSTS.search(host.lower()) and path.strip("/"):
                yield Hit(start, end, "social", "social-link")


def _letters(link: str) -> tuple[str, list[str]]:
    """The link's letters run together, and its separate letter runs (folded)."""
    folded = fold(link)
    address = _SCHEME.sub("", folded)
    host, _, path = address.partition("/")
    if folded.startswith("@"):
        parts = [folded[1:]]
    elif "@" in host:
        # An e-mail address: the name is in the local part, never in the provider's domain.
        local = host.split("@", 1)[0]
        parts = [local]
    elif path:
        # A web address: the name is in the path (vk.com/annakuznetsova1968); a personal
        # domain's first label may carry it too (kuznetsova.ru).
        parts = [path, host.split(".")[0]] if host.count(".") == 1 else [path]
    else:
        parts = [host.split(".")[0]] if host.count(".") == 1 else []
    runs: list[str] = []
    for part in parts:
        runs.extend(re.findall(r"[^\W\d_]+", part))
    return "".join(runs), runs


def names_in_links(text: str, name_keys: list[tuple[frozenset[str], str]]) -> Iterator[Hit]:
    """Links and handles that contain one of the given name keys, each key with the category
    its match gives (keeper-name or relative). Keys are folded forms and Latin spellings."""
    if not name_keys:
        return
    for start, end, _kind in links(text):
        glued, runs = _letters(text[start:end])
        if not glued:
            continue
        # The longest name found decides: "kuznetsova" (a relative's form) also contains
        # "kuznetsov" (the keeper's own).
        best: tuple[int, str] | None = None
        for keys, category in name_keys:
            for key in keys:
                if " " in key or len(key) < _MIN_SEPARATE:
                    continue
                found = (len(key) >= MIN_NAME_IN_LINK and key in glued) or key in runs
                if found and (best is None or len(key) > best[0] or (
                        len(key) == best[0] and category == "keeper-name")):
                    best = (len(key), category)
        if best is not None:
            yield Hit(start, end, best[1], "name-in-link")
