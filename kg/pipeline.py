"""The order of the stages: read → clean → split → extract → resolve → graph → export.

Each stage is a plain function; this module runs them, times them, and names the stage and file
in any error.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import export_html, export_rdf
from .clean import clean_document
from .entities import Analyzer, default_analyzer, extract_mentions, find_publisher
from .graph import to_networkx
from .model import Article, Document, Extraction, KnowledgeGraph
from .read import Failure, read_all
from .relations import extract_relations
from .resolve import resolve
from .split import split_articles

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    files_read: int = 0
    articles: int = 0
    failures: list[Failure] = field(default_factory=list)
    timings: Counter = field(default_factory=Counter)
    outputs: list[Path] = field(default_factory=list)


def document_articles(doc: Document, analyzer: Analyzer) -> tuple[Article, ...]:
    clean = clean_document(doc)
    if not clean.publisher:
        publisher = find_publisher(clean.text, analyzer)
        if publisher:
            clean = type(clean)(clean.text, clean.title, clean.date, publisher)
    return split_articles(clean, doc.source)


def extract(article: Article, analyzer: Analyzer) -> Extraction:
    mentions = extract_mentions(article, analyzer)
    mentions, relations = extract_relations(article, mentions, analyzer)
    return Extraction(article, mentions, relations)


def build_graph(inputs: Iterable[str | Path], analyzer: Analyzer | None = None,
                report: BuildReport | None = None,
                progress: Callable[[str], None] | None = None) -> KnowledgeGraph:
    """Read, clean, split and extract every input, then resolve into one graph."""
    analyzer = analyzer or default_analyzer()
    report = report if report is not None else BuildReport()
    extractions: list[Extraction] = []
    for item in read_all(inputs):
        if isinstance(item, Failure):
            report.failures.append(item)
            log.warning("skipped %s: %s", item.source, item.reason)
            continue
        report.files_read += 1
        try:
            started = time.perf_counter()
            articles = document_articles(item, analyzer)
            report.timings["clean+split"] += time.perf_counter() - started
            started = time.perf_counter()
            for article in articles:
                extractions.append(extract(article, analyzer))
            report.timings["extract"] += time.perf_counter() - started
        except Exception as err:  # noqa: BLE001 - one bad file must not stop a build
            report.failures.append(Failure(item.source, f"{type(err).__name__}: {err}"))
            log.error("failed %s: %s: %s", item.source, type(err).__name__, err)
            continue
        report.articles += len(articles)
        if progress:
            progress(item.source)
    started = time.perf_counter()
    kg = resolve(extractions)
    report.timings["resolve"] += time.perf_counter() - started
    return kg


def export(kg: KnowledgeGraph, out: Path, report: BuildReport, formats: tuple[str, ...] = ("ttl",)) -> None:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rdf = export_rdf.to_rdf(kg)
    for fmt in formats:
        path = out / f"graph.{fmt}"
        export_rdf.write_rdf(rdf, path, fmt)
        report.outputs.append(path)
    report.timings["export rdf"] += time.perf_counter() - started
    started = time.perf_counter()
    html = out / "graph.html"
    export_html.write_html(to_networkx(kg), html, title="hospital-kg")
    report.outputs.append(html)
    report.timings["export html"] += time.perf_counter() - started
