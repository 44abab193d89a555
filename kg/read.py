"""Stage 1: files and folders in, decoded documents out.

Encodings are detected, never assumed: a BOM wins, then strict UTF-8, then the legacy Chinese
encodings (GB18030, Big5) through charset-normalizer.
"""
from __future__ import annotations

import codecs
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from .model import Document

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# Bigger inputs are read but refused: one article is a few kB; a 50 MB file is a dump, not news.
MAX_BYTES = 20 * 1024 * 1024
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class ReadError(Exception):
    """A file that cannot be read as an article; the message says why."""


@dataclass(frozen=True, slots=True)
class Failure:
    source: str
    reason: str


def find_inputs(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Failure]]:
    """Expand files and folders into a sorted list of candidate files."""
    files: list[Path] = []
    failures: list[Failure] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.exists():
            failures.append(Failure(str(path), "no such file or folder"))
        elif path.is_dir():
            for root, dirs, names in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        _add(Path(root) / name, files, seen)
        else:
            _add(path, files, seen)
    return files, failures


def _add(path: Path, files: list[Path], seen: set[Path]) -> None:
    real = path.resolve()
    if real not in seen:
        seen.add(real)
        files.append(path)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; returns (text, encoding name)."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return data.decode(name), name
    if _looks_like_utf16(data):
        name = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return data.decode(name, errors="replace"), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_8", "utf_16"]).best()
    if best is None:
        raise ReadError("not text in any known encoding")
    name = best.encoding
    if name in {"gb2312", "gbk"}:
        name = "gb18030"  # a superset: decodes every GBK file and more
    return data.decode(name, errors="replace"), name


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: CJK or ASCII text has a NUL in every other byte of the first pairs."""
    head = data[:200]
    if len(head) < 4:
        return False
    odd_nuls = head[1::2].count(0)
    even_nuls = head[0::2].count(0)
    half = len(head) // 2
    return max(odd_nuls, even_nuls) > 0.4 * half and min(odd_nuls, even_nuls) < 0.05 * half


def read_document(path: Path) -> Document:
    """Read one file; raises ReadError with a one-line reason when it is not an article."""
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ReadError(err.strerror or str(err)) from None
    if not path.is_file():
        raise ReadError("not a regular file")
    if size == 0:
        raise ReadError("empty file")
    if size > MAX_BYTES:
        raise ReadError(f"too large ({size // 1_000_000} MB > {MAX_BYTES // 1_000_000} MB)")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ReadError(err.strerror or str(err)) from None
    if _is_binary(data):
        raise ReadError("binary file, not text")
    text, encoding = decode(data)
    if not text.strip():
        raise ReadError("no text")
    fmt = "html" if path.suffix.lower() in HTML_SUFFIXES or _looks_like_html(text) else "text"
    return Document(source=str(path), text=text, format=fmt, encoding=encoding)


MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def _is_binary(data: bytes) -> bool:
    if data.startswith(MAGIC):
        return True
    head = data[:4096]
    if any(head.startswith(bom) for bom, _ in BOMS) or _looks_like_utf16(head):
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > 0.05 * len(head)


def _looks_like_html(text: str) -> bool:
    head = text[:5000].lower()
    return head.count("<div") + head.count("<p") + head.count("<section") + head.count("<html") >= 3


def read_all(paths: Iterable[str | os.PathLike]) -> Iterator[Document | Failure]:
    """Every document found under the paths, and a Failure for each that could not be read."""
    files, failures = find_inputs(paths)
    yield from failures
    for path in files:
        try:
            yield read_document(path)
        except ReadError as err:
            yield Failure(str(path), str(err))
