"""Tesseract, run as a subprocess that reads the image on stdin and writes to stdout.

No temporary files: the image goes in as PGM bytes, TSV word boxes or a text-only PDF come back
on stdout. Every run has a timeout (limits.OCR_TIMEOUT_S) so a hostile image cannot hang papka.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image

from papka.errors import EnvironmentProblem
from papka.formats import limits

#: Russian first: most of the keeper's papers are Russian; English for the rest.
LANGUAGES = "rus+eng"


class OcrUnavailable(EnvironmentProblem):
    default_message = "Text recognition needs Tesseract with Russian and English, which is missing."
    hint = "Install the packages tesseract-ocr, tesseract-ocr-rus and tesseract-ocr-eng."


class OcrFailed(EnvironmentProblem):
    default_message = "Text recognition failed on this page."


class OcrTimeout(OcrFailed):
    default_message = "Text recognition took too long on this page and was stopped."


@dataclass(frozen=True)
class OcrWord:
    """One recognised word, in pixels of the image given, origin top-left."""

    text: str
    left: int
    top: int
    width: int
    height: int
    #: (block, paragraph, line) as Tesseract numbers them: words sharing it share a line.
    line: tuple[int, int, int]
    confidence: float

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass(frozen=True)
class OcrLine:
    left: int
    top: int
    width: int
    height: int


#: A word counts as read with confidence at this Tesseract confidence (0-100) or above.
CONFIDENT = 70.0


@dataclass(frozen=True)
class OcrPage:
    words: list[OcrWord]
    lines: dict[tuple[int, int, int], OcrLine]

    @property
    def word_count(self) -> int:
        """Words of at least two letters or digits (single marks are mostly specks)."""
        return sum(1 for word in self.words if _is_word(word.text))

    @property
    def confident_words(self) -> int:
        return len(self.confident())

    def confident(self) -> list[OcrWord]:
        """The words read with confidence (of at least two letters or digits)."""
        return [word for word in self.words
                if _is_word(word.text) and word.confidence >= CONFIDENT]


def _is_word(text: str) -> bool:
    return sum(ch.isalnum() for ch in text) >= 2


def _tesseract() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise OcrUnavailable()
    return path


def _image_bytes(image: Image.Image) -> bytes:
    # PGM: uncompressed, so nothing is spent on encoding; Leptonica reads it from memory.
    gray = image.convert("L")
    buffer = io.BytesIO()
    gray.save(buffer, format="PPM")
    return buffer.getvalue()


def _run(image: Image.Image, dpi: int, output: str, *config: str,
         timeout: float | None = None, languages: str = LANGUAGES,
         psm: int | None = None) -> bytes:
    command = [_tesseract(), "stdin", "stdout", "-l", languages, "--dpi", str(int(dpi))]
    if psm is not None:
        command += ["--psm", str(psm)]
    for item in config:
        command += ["-c", item]
    if output:
        command.append(output)
    # One thread per run: papka runs pages side by side itself, and OpenMP oversubscription on
    # two cores makes Tesseract several times slower.
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1"}
    for name in ("TESSDATA_PREFIX", "LANG", "LC_ALL"):
        if name in os.environ:
            environment[name] = os.environ[name]
    try:
        done = subprocess.run(
            command,
            input=_image_bytes(image),
            capture_output=True,
            timeout=timeout if timeout is not None else limits.OCR_TIMEOUT_S,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise OcrTimeout() from error
    except OSError as error:
        raise OcrUnavailable() from error
    if done.returncode != 0:
        # stderr may quote the image's text in odd cases; it is not passed on.
        if b"Failed loading language" in done.stderr:
            raise OcrUnavailable()
        raise OcrFailed()
    return done.stdout


def available() -> bool:
    return shutil.which("tesseract") is not None


def recognise(image: Image.Image, *, dpi: int = 300) -> OcrPage:
    """Words and lines found on an image, with their boxes in the image's pixels."""
    raw = _run(image, dpi, "tsv").decode("utf-8", errors="replace")
    words: list[OcrWord] = []
    lines: dict[tuple[int, int, int], OcrLine] = {}
    for row in raw.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12:
            continue
        try:
            level = int(cells[0])
            key = (int(cells[2]), int(cells[3]), int(cells[4]))
            left, top, width, height = (int(v) for v in cells[6:10])
            confidence = float(cells[10])
        except ValueError:
            continue
        if level == 4:
            lines[key] = OcrLine(left, top, width, height)
        elif level == 5:
            text = cells[11].strip()
            if text:
                words.append(OcrWord(text, left, top, width, height, key, confidence))
    return OcrPage(words, lines)


def page_text(page: OcrPage) -> str:
    """The words of a page as text, one line of the page per line of text."""
    out: list[str] = []
    previous: tuple[int, int, int] | None = None
    for word in page.words:
        if previous is not None:
            out.append("\n" if word.line != previous else " ")
        out.append(word.text)
        previous = word.line
    return "".join(out)


def read_text(image: Image.Image, *, dpi: int = 300) -> str:
    """Plain text of an image."""
    return _run(image, dpi, "txt").decode("utf-8", errors="replace")


_T = TypeVar("_T")


def side_by_side(work: Callable[[Image.Image, int], _T],
                  pictures: Iterable[tuple[Image.Image, int]], jobs: int | None) -> list[_T]:
    """Run work on each picture in its own thread (Tesseract is a separate process), in order.

    The pictures are produced one at a time; at most two per core wait in memory.
    """
    workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    results: list[Future[_T]] = []
    slots = threading.BoundedSemaphore(2 * workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for picture, dpi in pictures:
            slots.acquire()
            future = pool.submit(work, picture, dpi)
            future.add_done_callback(lambda _: slots.release())
            results.append(future)
    return [future.result() for future in results]


def read_texts(pictures: Iterable[tuple[Image.Image, int]], *, jobs: int | None = None
               ) -> list[str]:
    """Plain text of many images (each with its dpi), recognised in parallel, in order."""
    return side_by_side(lambda picture, dpi: read_text(picture, dpi=dpi), pictures, jobs)


def recognise_many(pictures: Iterable[tuple[Image.Image, int]], *, jobs: int | None = None
                   ) -> list[OcrPage]:
    """Words and lines of many images (each with its dpi), recognised in parallel, in order."""
    return side_by_side(lambda picture, dpi: recognise(picture, dpi=dpi), pictures, jobs)


@dataclass(frozen=True)
class Orientation:
    """How far a page must be turned clockwise to stand upright, and Tesseract's confidence."""

    clockwise: int
    confidence: float


def orientation(image: Image.Image) -> Orientation | None:
    """The page's orientation by Tesseract's script and orientation detection (osd data).

    None when Tesseract finds too little text to tell, or has no osd data.
    """
    try:
        raw = _run(image, 300, "", languages="osd", psm=0, timeout=30)
    except OcrFailed:
        return None
    except OcrUnavailable:
        if not available():
            raise
        return None  # osd.traineddata missing: the caller falls back to trial readings
    text = raw.decode("utf-8", errors="replace")
    turn = re.search(r"Rotate:\s*(\d+)", text)
    sure = re.search(r"Orientation confidence:\s*([0-9.]+)", text)
    if turn is None or sure is None:
        return None
    clockwise = int(turn.group(1)) % 360
    if clockwise not in (0, 90, 180, 270):
        return None
    return Orientation(clockwise, float(sure.group(1)))


def text_only_pdf(image: Image.Image, *, dpi: int) -> bytes:
    """A one-page PDF holding only Tesseract's invisible text for this image."""
    return _run(image, dpi, "pdf", "textonly_pdf=1")
