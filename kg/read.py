"""Stage 1: files and folders in, decoded documents out.

Encodings are detected, never assumed: a BOM wins, then strict UTF-8, then UTF-16 without a BOM,
then the legacy Chinese encodings (GB18030, Big5) through charset-normalizer, line by line so that
a file pasted together from UTF-8 and GBK parts reads whole. A few undecodable bytes become U+FFFD;
a file that is mostly undecodable is refused.

Nothing here raises anything but ReadError for a bad file, and every reason is one line: the build
reports the file and goes on with the rest. Folders are walked without recursion (any depth),
following symbolic links to folders once; a link back to a folder already walked is passed over,
and a link that loops or dangles is reported.
"""
from __future__ import annotations

import codecs
import errno
import logging
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from .model import Document

log = logging.getLogger(__name__)

# Text files that are never news articles; a folder walk passes over them (named on the command
# line, they are still read). Binary files are not listed: they are reported, so nothing is lost
# silently.
DATA_SUFFIXES = {".json", ".jsonl", ".jsonld", ".csv", ".tsv", ".ttl", ".nt", ".nq", ".trig", ".rq",
                 ".py", ".js", ".css", ".yml", ".yaml", ".toml", ".ini", ".cfg", ".ipynb", ".graphml",
                 ".log", ".sh"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# Bigger files are refused unread (from their size alone, so they cost no memory): one article is
# a few kB and a web page with inline images a few MB; 20 MB is a dump, not news.
MAX_BYTES = 20 * 1024 * 1024
# Text is refused beyond this many characters (for HTML, of main content; see kg.clean). Extraction
# runs at a few thousand characters a second, so this is minutes of work and a bounded amount of
# memory; a bigger corpus should be split into files, which are read one at a time.
MAX_TEXT_CHARS = 1_000_000
# A file whose decoded text is more than this share of U+FFFD (undecodable bytes) is not text.
MAX_UNDECODABLE = 0.05
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Binary formats by their first bytes: a refusal names the format.
MAGIC = ((b"%PDF", "PDF document"), (b"PK\x03\x04", "zip archive or Office document"),
         (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
         (b"\x1f\x8b", "gzip archive"), (b"Rar!", "RAR archive"), (b"7z\xbc\xaf", "7-Zip archive"),
         (b"RIFF", "RIFF media file"), (b"\xd0\xcf\x11\xe0", "old Office document"),
         (b"\x7fELF", "executable"), (b"BZh", "bzip2 archive"), (b"\xfd7zXZ", "xz archive"))


class ReadError(Exception):
    """A file that cannot be read as an article; the message says why, on one line.

    `kind` is "skipped" for a file that is not an article (empty, binary, too large) and "failed"
    for one that should have been read but could not be (missing, unreadable, undecodable).
    """

    def __init__(self, reason: str, kind: str = "skipped"):
        super().__init__(one_line(reason))
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that gave no article: its path and the reason, each on one printable line."""

    source: str
    reason: str
    # "skipped" or "failed" (see ReadError); when not given, told from the reason
    kind: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", printable(str(self.source)))
        object.__setattr__(self, "reason", one_line(self.reason))
        if self.kind not in ("skipped", "failed"):
            object.__setattr__(self, "kind", "skipped" if self.reason.startswith(SKIP_REASONS) else "failed")


# The reasons ReadError gives for a file that is not an article (kind "skipped").
SKIP_REASONS = ("empty file", "no text", "binary file", "too large", "too much text", "not a regular file")


# Characters that would break a one-line message or hide what a file is called: control
# characters, line and paragraph separators, bidirectional overrides, the lone surrogates Python
# uses for the undecodable bytes of a file name, and U+FFFE/U+FFFF (no XML output can hold them).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
MAX_REASON = 300


def printable(text: str) -> str:
    """`text` on one line with every unprintable character escaped; ordinary text unchanged."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: one byte of a file name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(reason: str) -> str:
    """A message on one printable line, at most MAX_REASON characters."""
    text = printable(" ".join(str(reason).split()))
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


def find_inputs(paths: Iterable[str | os.PathLike]) -> tuple[list[Path], list[Failure]]:
    """Expand files and folders into a list of candidate files, each folder's files in name order
    before its sub-folders; hidden files and folders are passed over. A path that does not exist,
    a folder that cannot be listed and a symbolic link that loops or dangles are failures."""
    files: list[Path] = []
    failures: list[Failure] = []
    seen: set[str] = set()  # real paths of the files and folders taken
    for given in paths:
        path = Path(given)
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError) as err:
            failures.append(Failure(str(path), _missing(path, err), "failed"))
            continue
        if stat.S_ISDIR(mode):
            _walk(path, files, failures, seen)
        else:
            _add(path, files, seen)
    return files, failures


def source_names(paths: Iterable[str | os.PathLike], files: Iterable[Path]) -> dict[Path, str]:
    """What each input file is called in the output (`hkg:sourceFile`): its path inside the folder
    given as input, or its own name when the file itself was given; never a machine path, so one
    corpus built from two folders gives the same bytes. Files that would share a name (one name
    in two input folders) are told apart by their input folder's name, else by the path as given."""
    givens = [Path(p) for p in paths]

    def inside(file: Path, with_folder: bool) -> str:
        for given in givens:
            if file == given:
                return file.name
            if file.is_relative_to(given):
                relative = file.relative_to(given).as_posix()
                return f"{given.resolve().name}/{relative}" if with_folder else relative
        return file.name

    files = list(files)
    names = {file: inside(file, False) for file in files}
    for with_folder in (True, None):
        taken = Counter(names.values())
        clashes = [file for file in files if taken[names[file]] > 1]
        for file in clashes:
            names[file] = inside(file, True) if with_folder else file.as_posix()
    return {file: printable(name) for file, name in names.items()}  # undecodable bytes escaped


def _walk(root: Path, files: list[Path], failures: list[Failure], seen: set[str]) -> None:
    stack = [root]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:  # a link back to a folder already walked (a loop): nothing new there
            log.debug("not walking %s again (%s)", folder, real)
            continue
        seen.add(real)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as err:
            failures.append(Failure(str(folder), f"cannot list folder: {err.strerror or err}", "failed"))
            continue
        folders = []
        for entry in entries:
            if entry.name.startswith(".") or os.path.splitext(entry.name)[1].lower() in DATA_SUFFIXES:
                continue  # hidden files, and data or code beside the articles (gold.json, notes.csv)
            path = folder / entry.name
            try:
                is_dir = entry.is_dir()  # follows links; False for a loop or a dangling link
                link = entry.is_symlink()
            except OSError:
                is_dir, link = False, True
            if is_dir:
                folders.append(path)
            elif link:
                try:
                    os.stat(path)
                except OSError as err:
                    failures.append(Failure(str(path), _missing(path, err), "failed"))
                    continue
                _add(path, files, seen)
            else:
                _add(path, files, seen)
        stack.extend(reversed(folders))


def _add(path: Path, files: list[Path], seen: set[str]) -> None:
    real = os.path.realpath(path)
    if real not in seen:
        seen.add(real)
        files.append(path)


def _missing(path: Path, err: Exception) -> str:
    """Why a path cannot be opened, in words."""
    number = getattr(err, "errno", None)
    if number == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if number == errno.ENOENT:
        return "broken symlink (its target does not exist)" if os.path.islink(path) else "no such file or folder"
    if isinstance(err, ValueError):  # e.g. a NUL in the name
        return f"invalid path: {err}"
    return getattr(err, "strerror", None) or str(err)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; returns (text, encoding name).

    Raises ReadError when no encoding gives text (more than MAX_UNDECODABLE of it undecodable).
    """
    for bom, name in BOMS:
        if data.startswith(bom):
            return _checked(data.decode(name, errors="replace"), name)
    if _looks_like_utf16(data):
        name = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return _checked(data.decode(name, errors="replace"), name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    found = _utf16_without_bom(data)
    if found:
        return found
    return _checked(*_decode_lines(data))


def _checked(text: str, name: str) -> tuple[str, str]:
    bad = text.count("\ufffd")
    if bad > MAX_UNDECODABLE * max(1, len(text)):
        raise ReadError(f"not text in any known encoding ({bad} of {len(text)} characters undecodable "
                        f"as {name})", "failed")
    return text, name


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text has a NUL in every other byte of the first pairs."""
    head = data[:200]
    if len(head) < 4:
        return False
    odd_nuls = head[1::2].count(0)
    even_nuls = head[0::2].count(0)
    half = len(head) // 2
    return max(odd_nuls, even_nuls) > 0.4 * half and min(odd_nuls, even_nuls) < 0.05 * half


def _utf16_without_bom(data: bytes, sample: int = 4096) -> tuple[str, str] | None:
    """Chinese in UTF-16 without a BOM has no NUL bytes; it is told by what it decodes to: nearly
    all common hanzi, CJK and ASCII punctuation in one byte order, a mix of rare blocks in the other
    (and in random bytes)."""
    if len(data) < 4:
        return None
    best = None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            head = data[:sample - sample % 2].decode(name)
        except UnicodeDecodeError:  # a lone surrogate: not this byte order
            continue
        score = sum(_common(ch) for ch in head) / len(head)
        if score >= 0.9 and (best is None or score > best[0]):
            best = (score, name)
    if best is None:
        return None
    name = best[1]
    return data[:len(data) - len(data) % 2].decode(name, errors="replace"), name


def _common(ch: str) -> bool:
    code = ord(ch)
    return (0x4E00 <= code <= 0x9FFF or 0x20 <= code < 0x7F or ch in "\n\r\t" or 0x3000 <= code <= 0x303F
            or 0xFF00 <= code <= 0xFFEF or 0x2010 <= code <= 0x2027)


def _decode_lines(data: bytes) -> tuple[str, str]:
    """Text that is not UTF-8: the legacy encoding charset-normalizer finds, decided per line, so
    that UTF-8 lines of a mixed file stay UTF-8; undecodable bytes become U+FFFD."""
    lines = data.split(b"\n")  # 0x0A is never the second byte of a GBK or Big5 character
    utf8: list[str | None] = []
    utf8_bytes = other_bytes = 0
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            utf8.append(None)
            other_bytes += len(line)
            continue
        utf8.append(text)
        if not line.isascii():
            utf8_bytes += len(line)
    rest = b"\n".join(line for line, text in zip(lines, utf8) if text is None)
    legacy = _legacy_encoding(rest)
    mostly_utf8 = utf8_bytes >= other_bytes
    out = []
    used = set()
    for line, text in zip(lines, utf8):
        # A short line of GBK can be valid UTF-8 by chance; a line with three or more multi-byte
        # UTF-8 characters hardly ever is.
        if text is not None and (text.isascii() or mostly_utf8 or len(line) - len(text) >= 6):
            out.append(text)
            used.add("utf-8" if not text.isascii() else "ascii")
            continue
        if legacy:
            try:
                out.append(line.decode(legacy))
                used.add(legacy)
                continue
            except UnicodeDecodeError:
                pass
        fallback = "utf-8" if mostly_utf8 or not legacy else legacy
        out.append(line.decode(fallback, errors="replace"))
        used.add(fallback)
    used.discard("ascii")
    name = "+".join(sorted(used, key=lambda n: n != "utf-8")) or "ascii"
    return "\n".join(out), name


def _legacy_encoding(data: bytes) -> str | None:
    """GB18030 or Big5, as charset-normalizer judges the bytes; None if neither fits."""
    if not data:
        return None
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is None:
        for name in ("gb18030", "big5"):
            try:
                data.decode(name)
                return name
            except UnicodeDecodeError:
                continue
        return None
    name = best.encoding
    if name in {"gb2312", "gbk", "gb18030"}:
        return "gb18030"  # a superset: decodes every GBK file and more
    return "big5" if name in {"big5", "big5hkscs", "cp950"} else None


def read_document(path: Path) -> Document:
    """Read one file; raises ReadError with a one-line reason when it is not an article."""
    try:
        return _read_document(Path(path))
    except ReadError:
        raise
    except Exception as err:  # noqa: BLE001 - an unforeseen error costs this file, not the build
        raise ReadError(f"{type(err).__name__}: {err}", "failed") from err


def _read_document(path: Path) -> Document:
    try:
        info = os.stat(path)
    except (OSError, ValueError) as err:
        if isinstance(err, FileNotFoundError) and not os.path.islink(path):
            raise ReadError(err.strerror or str(err), "failed") from None
        raise ReadError(_missing(path, err), "failed") from None
    if not stat.S_ISREG(info.st_mode):
        raise ReadError("not a regular file")  # a folder, device or pipe: never opened
    if info.st_size == 0:
        raise ReadError("empty file")
    if info.st_size > MAX_BYTES:
        raise ReadError(_too_large(info.st_size))
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # never more, even if the file grew since stat
    except OSError as err:
        raise ReadError(err.strerror or str(err), "failed") from None
    if not data:
        raise ReadError("empty file")
    if len(data) > MAX_BYTES:
        raise ReadError(_too_large(len(data)))
    kind = _binary_kind(data)
    if kind:
        raise ReadError(f"binary file ({kind}), not text")
    text, encoding = decode(data)
    if not _has_visible(text):
        raise ReadError("no text")
    fmt = "html" if path.suffix.lower() in HTML_SUFFIXES or _looks_like_html(text) else "text"
    if fmt == "text" and len(text) > MAX_TEXT_CHARS:
        raise ReadError(too_much_text(len(text)))
    return Document(source=printable(str(path)), text=text, format=fmt, encoding=encoding)


def _too_large(size: int) -> str:
    return (f"too large ({size / 1_048_576:.1f} MB > {MAX_BYTES // 1_048_576} MB limit); "
            "split it into smaller files")


def too_much_text(chars: int) -> str:
    return f"too much text ({chars:,} characters > {MAX_TEXT_CHARS:,} limit); split it into smaller files"


def _binary_kind(data: bytes) -> str | None:
    """What binary format the bytes are in, or None for text."""
    for magic, name in MAGIC:
        if data.startswith(magic):
            return name
    head = data[:4096]
    if any(head.startswith(bom) for bom, _ in BOMS) or _looks_like_utf16(head) or _utf16_without_bom(head):
        return None
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return "unknown format" if controls > 0.05 * len(head) else None


def _has_visible(text: str) -> bool:
    """Some character that is neither white space nor invisible (zero-width, control, format)."""
    return any(unicodedata.category(ch)[0] not in "CZ" for ch in text if not ch.isspace())


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
            yield Failure(str(path), str(err), err.kind)
