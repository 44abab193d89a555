"""The per-file stages: read → clean → split → propose → decide, for one input file.

`extract_file` is the unit every build runs, in this process, on a process pool's workers
(`kg.parallel`) or on Dask (`kg.distributed`); `kg.pipeline` owns the order of the whole build.
An article's extraction is two steps: `propose` (the rules, jieba and LAC put forward candidate
mentions) and `decide` (the trained models of kg/models choose among them, and the relation rules
and the relation model read their pairs).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from .cache import file_digest
from .clean import clean_document
from .entities import Analyzer, extract_mentions, find_publisher, lac_words, tokenize
from .model import Article, Candidates, Document, Extraction
from .pairs import decide_relations
from .persons import decide_person_types, predict_person_types
from .read import Failure, ReadError, read_document
from .relations import extract_relations
from .split import split_articles
from .tagger import decide_mentions


def document_articles(doc: Document, analyzer: Analyzer) -> tuple[Article, ...]:
    clean = clean_document(doc)
    if not clean.publisher:
        # the breadcrumb or dateline that names the site is boilerplate, so look at the raw text too
        raw = doc.text if doc.format == "text" else ""
        publisher = find_publisher(clean.text, analyzer) or find_publisher(raw[:3000], analyzer)
        if publisher:
            clean = type(clean)(clean.text, clean.title, clean.date, publisher)
    return split_articles(clean, doc.source)


def propose(article: Article, analyzer: Analyzer) -> Candidates:
    """What the rules, jieba and LAC propose for an article, before the trained models decide."""
    tokens = tokenize(analyzer, article.text)
    words = lac_words(article.text, analyzer)
    people = [(s, e) for s, e, label in words if label == "PER"]
    return Candidates(tuple(tokens), tuple(people), extract_mentions(article, analyzer, tokens, people),
                      tuple((s, e) for s, e, label in words if label == "LOC"))


def decide(article: Article, candidates: Candidates, analyzer: Analyzer) -> Extraction:
    """The trained models' choice among the candidates (the rules' own where no model ships):
    the mentions, then the relation rules over them, then which of their pairs are related (the
    pairs read the type the person-type model gives each person), then each person's fine type."""
    mentions = decide_mentions(article, candidates, analyzer, analyzer.mention_tagger)
    mentions, rule_relations = extract_relations(article, mentions, analyzer)
    person_types = predict_person_types(article, mentions, rule_relations, analyzer.person_model,
                                        analyzer.titles) if analyzer.person_model else None
    mentions, relations = decide_relations(article, mentions, rule_relations, analyzer.relation_model,
                                           person_types)
    mentions, relations = decide_person_types(article, mentions, relations, analyzer.person_model,
                                              analyzer.titles, rule_relations)
    return Extraction(article, mentions, relations)


def extract(article: Article, analyzer: Analyzer) -> Extraction:
    return decide(article, propose(article, analyzer), analyzer)


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one input file gave: its extractions, or the failure that stopped it. Pool workers
    return it, so it holds only picklable model dataclasses."""

    source: str
    extractions: tuple[Extraction, ...] | None = None
    failure: Failure | None = None
    read: bool = False  # decoded; a file that fails in extraction still counts as read
    digest: str | None = None  # sha256 of the bytes, when the cache asked for it
    timings: tuple[tuple[str, float], ...] = ()


def extract_file(path: str | Path, analyzer: Analyzer, digest: bool = False) -> FileResult:
    """Read, clean, split and extract one file. The per-file unit of serial, pool and Dask builds."""
    source = str(path)
    checksum = file_digest(path) if digest else None
    try:
        doc = read_document(Path(path))
    except ReadError as err:
        return FileResult(source, failure=Failure(source, str(err), err.kind), digest=checksum)
    try:
        started = time.perf_counter()
        articles = document_articles(doc, analyzer)
        split = time.perf_counter()
        extractions = tuple(extract(article, analyzer) for article in articles)
        done = time.perf_counter()
    except Exception as err:  # noqa: BLE001 - one bad file must not stop a build
        return FileResult(source, failure=Failure(source, f"{type(err).__name__}: {err}"), read=True,
                          digest=checksum)
    return FileResult(source, extractions, read=True, digest=checksum,
                      timings=(("clean+split", split - started), ("extract", done - split)))


def named(result: FileResult, name: str) -> FileResult:
    """The result with its articles' source given as `name` (`read.source_names`), not as the path
    the file was read from: the graph says where an article is in the corpus, not on this machine."""
    if not result.extractions:
        return result
    return replace(result, extractions=tuple(
        replace(e, article=replace(e.article, source=name)) for e in result.extractions))
