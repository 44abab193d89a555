"""The order of the stages: read → clean → split → extract → resolve → graph → export.

The per-file stages (read to extract) are `kg.extract`'s; this module runs them over every input
(here, on a process pool or from the cache), then resolves and exports.

Each stage is a plain function; this module runs them, times them, and names the stage and file
in any error.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import export_html, export_rdf, export_void, tables, views
from .cache import ExtractionCache, build_fingerprint, file_digest
from .entities import Analyzer, default_analyzer
# the per-file stages, re-exported: callers of kg.pipeline have always found them here
from .extract import FileResult, decide, document_articles, extract, extract_file, named, propose  # noqa: F401
from .graph import to_networkx
from .model import Extraction, KnowledgeGraph
from .read import Failure, find_inputs, source_names
from .resolve import resolve

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    files_read: int = 0
    articles: int = 0
    failures: list[Failure] = field(default_factory=list)
    timings: Counter = field(default_factory=Counter)
    outputs: list[Path] = field(default_factory=list)
    cached: int = 0  # files whose extractions came from the cache
    entity_types: Counter = field(default_factory=Counter)  # the graph's entities by type
    relation_kinds: Counter = field(default_factory=Counter)  # its relations by kind


def input_fingerprint(inputs: Iterable[str | Path], settings: tuple[str, ...]) -> str:
    """The fingerprint (kg.cache.build_fingerprint) of a build of `inputs` with `settings`: equal
    fingerprints, equal outputs."""
    files, missing = find_inputs(inputs)
    found = [(str(path), file_digest(path)) for path in files]
    return build_fingerprint(found + [(failure.source, None) for failure in missing], settings)


# Fewer files to extract than this run in-process: each pool worker first builds its own analyzer
# (seconds), which a handful of files does not repay.
POOL_MIN_FILES = 16
# ...unless this many come from the cache: this process holds their extractions until the export,
# and the analyzer (about 230 MB) is better built by a worker that exits (measured: 10 new files
# beside 10,000 cached, peak 1,991 MB in-process, 1,808 MB on the pool; beside 100, the pool cost
# 0.5 s and 450 MB more, so small builds stay in-process).
POOL_MIN_CACHED = 1000


# While resolution, the network and the RDF are made from millions of objects, the garbage
# collector's first generation is collected every GC_THRESHOLD allocations rather than CPython's
# 700: at 10,000 articles collections took 2.6 s of resolution's 8.2, 1.0 s of the network's 2.4
# and 3.3 s of the RDF's 16.6. Not while the pages are written: with that too, the build's peak
# memory (this process and the layout's beside it) rose by about 200 MB.
GC_THRESHOLD = 20_000


@contextlib.contextmanager
def _large_heap() -> Iterator[None]:
    """Fewer collections: the objects made so far frozen (the collector no longer walks them; a
    frozen object is still freed when its last reference goes) and collections rarer. On leaving,
    the collector is as it was. A process that froze objects itself is left alone but for the
    threshold."""
    threshold = gc.get_threshold()
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if ours:
            gc.unfreeze()


def build_graph(inputs: Iterable[str | Path], analyzer: Analyzer | None = None,
                report: BuildReport | None = None,
                progress: Callable[[str], None] | None = None, *,
                jobs: int = 1, cache: str | Path | None = None, use_lac: bool = True,
                on_start: Callable[[int], None] | None = None) -> KnowledgeGraph:
    """Read, clean, split and extract every input, then resolve into one graph.

    - `jobs` > 1 extracts on a process pool (`kg.parallel`) whose workers build
      `default_analyzer(use_lac=use_lac)`; with an explicit `analyzer`, or fewer than
      POOL_MIN_FILES files to extract and fewer than POOL_MIN_CACHED from the cache, extraction
      runs in this process.
    - `cache` is a folder for the per-file extraction cache (`kg.cache`): files whose bytes and
      pipeline version are unchanged are not extracted again. Resolution always reruns over all.
    - `on_start(n)` is called once with the number of files to extract (those not cached), then
      `progress(source)` as each of them is done.
    The graph is the same whatever `jobs` and `cache` are: results are taken in input order.
    """
    report = report if report is not None else BuildReport()
    began = time.perf_counter()
    inputs = list(inputs)  # walked, then read again for the files' names
    files, missing = find_inputs(inputs)
    lac = use_lac if analyzer is None else analyzer.lac is not None
    store = ExtractionCache(cache, use_lac=lac) if cache is not None else None
    results: list[FileResult | None] = [None] * len(files)
    digests: list[str | None] = [None] * len(files)

    def count(result: FileResult) -> None:
        report.files_read += result.read
        report.articles += len(result.extractions or ())

    todo = list(range(len(files)))
    if store is not None:
        started = time.perf_counter()
        todo = []
        for index, path in enumerate(files):
            digests[index] = digest = file_digest(path)
            cached = store.get(str(path), digest) if digest else None
            if cached is None:
                todo.append(index)
            else:
                results[index] = FileResult(str(path), cached, read=True, digest=digest)
                count(results[index])
                report.cached += 1
        report.timings["cache"] += time.perf_counter() - started
    if on_start:
        on_start(len(todo))

    def finish(index: int, result: FileResult, pickled: bytes | None = None) -> None:
        results[index] = result
        if store is not None and result.extractions is not None and result.digest \
                and result.digest == digests[index]:  # not changed while it was being extracted
            store.put(result.source, result.digest, result.extractions, pickled)
        count(result)
        for stage, seconds in result.timings:
            report.timings[stage] += seconds
        if progress:
            progress(result.source)

    if analyzer is None and jobs > 1 and todo and (
            len(todo) >= POOL_MIN_FILES or len(files) - len(todo) >= POOL_MIN_CACHED):
        from .parallel import extract_files

        for position, result, pickled in extract_files([files[i] for i in todo], jobs=jobs,
                                                       use_lac=use_lac, digest=store is not None):
            finish(todo[position], result, pickled)
        todo = [i for i in todo if results[i] is None]  # left by a pool that broke
        if todo:
            log.error("extracting the %d remaining files in this process", len(todo))
    if todo:
        if analyzer is None:
            started = time.perf_counter()
            analyzer = default_analyzer(use_lac=use_lac)
            report.timings["analyzer"] += time.perf_counter() - started
        for index in todo:
            finish(index, extract_file(files[index], analyzer, digest=store is not None))
    report.timings["files (wall)"] += time.perf_counter() - began

    # Input order from here on: the graph, the failures and their log lines never depend on which
    # worker finished first.
    extractions: list[Extraction] = []
    for failure in missing:
        report.failures.append(failure)
        log_failure(failure)
    names = source_names(inputs, files)
    for path, result in zip(files, results):
        if result.failure is None:
            extractions.extend(named(result, names[path]).extractions)
            continue
        report.failures.append(result.failure)
        log_failure(result.failure)
    if store is not None:
        store.prune()
    started = time.perf_counter()
    with _large_heap():  # the extractions frozen
        kg = resolve(extractions)
    report.timings["resolve"] += time.perf_counter() - started
    report.entity_types.update(e.type for e in kg.entities)
    report.relation_kinds.update(r.kind for r in kg.relations)
    return kg


def log_failure(failure: Failure) -> None:
    """One log line for an input that gave no article: an error when it failed, a warning when it
    was skipped (its source and reason are one printable line each)."""
    (log.error if failure.kind == "failed" else log.warning)(
        "%s %s: %s", failure.kind, failure.source, failure.reason)


# pyshacl checks about 1,500 triples a second here: a build of a few hundred articles is checked
# in seconds, a research corpus is left to `python -m kg.validate` rather than block the build.
MAX_VALIDATED_TRIPLES = 60_000


# Above this many nodes the HTML layout takes seconds (17 s at 82,000 nodes): with
# more than one job it is computed in another process while this one writes and checks the RDF
# and builds the pages' other records, and that process then writes the tables while this one
# writes the pages.
BACKGROUND_LAYOUT_NODES = 5_000


def export(kg: KnowledgeGraph, out: Path, report: BuildReport, formats: tuple[str, ...] = ("ttl",),
           validate: bool = True, jobs: int = 1, dataset: export_void.DatasetInfo | None = None):
    """Write graph.<fmt> for each format (export_rdf.FORMATS), void.ttl (what `dataset` states, and
    the counts), graph.html and aid.html, and the tables (tables/*.csv, tables.xlsx); then check
    the RDF against ontology/shapes.ttl, unless `validate` is false. Returns the kg.validate result
    or None.
    With `jobs` > 1 a large graph's layout is computed in another process meanwhile, which then
    writes the tables (the same files). `kg` is not kept past the RDF: given as a value no one
    else holds (`export(build_graph(...), ...)`), it is freed before the pages are made."""
    out.mkdir(parents=True, exist_ok=True)
    with _large_heap():
        network = to_networkx(kg, provenance=True)  # article dates: the pages' year filter, the tables
    where = views.provinces(network)  # once, for the pages and the tables
    background = None
    if jobs > 1 and network.number_of_nodes() >= BACKGROUND_LAYOUT_NODES:
        from .parallel import BackgroundCall

        background = BackgroundCall(_layout_then_tables, network, out, where)
    try:
        with _large_heap():  # the graph and its network frozen
            validation = _write_rdf_and_validate(kg, network, out, report, formats, validate,
                                                 dataset or export_void.DatasetInfo())
        # Only the network is read from here on; a graph handed over is freed now, not after the
        # pages (built beside the layout's process: the build's peak, 180 MB less at 10,000 articles).
        del kg
        started = time.perf_counter()
        positions = None
        if background is not None:  # asked for once, by the pages or (below) before the tables
            positions = functools.cache(functools.partial(_laid_out_in_background, background, network))
        report.outputs.extend(export_html.write_pages(network, out, positions, where))  # graph.html, aid.html
        report.timings["export html"] += time.perf_counter() - started
        tabled = None
        if background is not None:
            positions()  # the layout is the background process's first answer, the tables its second
            try:
                tabled, seconds = background.result()
                report.timings["export tables"] += seconds
            except ChildProcessError as err:
                log.error("%s; writing the tables in this process", err)
        if tabled is None:
            started = time.perf_counter()
            tabled = tables.write_tables(network, out, where)
            report.timings["export tables"] += time.perf_counter() - started
        report.outputs.extend(tabled)
    finally:
        if background is not None:
            background.stop()
    return validation


def _layout_then_tables(network, out: Path, where: dict) -> Iterator:
    """The background process's work: the layout (the pages wait for it), then the tables, timed
    there (the pages are written here meanwhile)."""
    yield export_html.layout_positions(network)
    started = time.perf_counter()
    yield tables.write_tables(network, out, where), time.perf_counter() - started


def _laid_out_in_background(background, network) -> dict:
    """The background process's layout, or (logged) the layout computed here if that process died."""
    try:
        return background.result()
    except ChildProcessError as err:
        log.error("%s; laying out the graph in this process", err)
        return export_html.layout_positions(network)


def _write_rdf_and_validate(kg: KnowledgeGraph, network, out: Path, report: BuildReport,
                            formats: tuple[str, ...], validate: bool, dataset: export_void.DatasetInfo):
    from . import __version__

    started = time.perf_counter()
    rdf = export_void.CountedTriples(kg)  # counted for void.ttl as graph.ttl is written
    for fmt in formats:
        path = out / f"graph.{fmt}"
        if fmt == "graphml":
            export_rdf.write_graphml(network, path)
        else:
            export_rdf.write_rdf(rdf, path, fmt)
        report.outputs.append(path)
    export_void.write_void(rdf, out / "graph.ttl", out / "void.ttl", dataset, __version__)
    report.outputs.append(out / "void.ttl")
    report.timings["export rdf"] += time.perf_counter() - started
    if not validate:
        return None
    # counted as graph.ttl was written: a large graph is not made again only to be refused (4 s at
    # 10,000 articles)
    if export_void.tally_of(rdf).triples > MAX_VALIDATED_TRIPLES:
        log.warning("SHACL: not checked, the graph has more than %d triples (pyshacl would take "
                    "minutes); check it with: python -m kg.validate %s", MAX_VALIDATED_TRIPLES,
                    out / "graph.ttl")
        return None
    from .validate import validate as shacl_validate  # pyshacl is slow to import; only when used

    started = time.perf_counter()
    result = shacl_validate(export_rdf.as_graph(rdf))
    report.timings["validate"] += time.perf_counter() - started
    return result
