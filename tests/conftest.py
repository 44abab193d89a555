"""Shared fixtures: one analyzer and one build of tests/data for the whole session.

The analyzer loads LAC (about 1.5 s) and is built once per process; the CLI calls it as
``default_analyzer(use_lac=...)`` and the fixture does the same, so the
CLI tests reuse the instance built here.
"""
from __future__ import annotations

import contextlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.model import Article
from kg.split import split_sentences

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
ARTICLES = DATA / "articles"


@pytest.fixture(scope="session")
def analyzer():
    from kg.entities import default_analyzer

    return default_analyzer(use_lac=True)


def _make_article(text: str, article_id: str = "t.txt", date: str | None = None,
                  publisher: str | None = None, title: str = "测试") -> Article:
    return Article(id=article_id, source=article_id, title=title, text=text, date=date,
                   publisher=publisher, sentences=split_sentences(text))


@pytest.fixture(scope="session")
def make_article():
    """Factory: an Article over already-clean text, its sentences split by kg.split."""
    return _make_article


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str
    outdir: Path


@pytest.fixture(scope="session")
def cli_build(tmp_path_factory, analyzer) -> CliRun:
    """`kg build tests/data --out DIR`, run once for the session."""
    from kg.cli import main

    outdir = tmp_path_factory.mktemp("cli_build")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["build", str(DATA), "--out", str(outdir)])
    return CliRun(code, out.getvalue(), err.getvalue(), outdir)


@pytest.fixture(scope="session")
def data_build(analyzer):
    """(KnowledgeGraph, BuildReport) of every file under tests/data, built in-process."""
    from kg.pipeline import BuildReport, build_graph

    logging.getLogger("kg").setLevel(logging.ERROR)
    try:
        report = BuildReport()
        kg = build_graph([DATA], analyzer, report)
    finally:
        logging.getLogger("kg").setLevel(logging.NOTSET)
    return kg, report


@pytest.fixture(scope="session")
def examples_build(tmp_path_factory, analyzer) -> Path:
    """examples/articles built once per session in every format (the linked-data tests share it)."""
    from kg.export_rdf import FORMATS
    from kg.pipeline import BuildReport, build_graph, export

    out = tmp_path_factory.getbasetemp() / "examples-all-formats"
    kg = build_graph([Path(__file__).resolve().parent.parent / "examples" / "articles"],
                     analyzer, BuildReport())
    export(kg, out, BuildReport(), FORMATS, validate=False)
    return out


def stop_process(process, grace: float = 10) -> None:
    """Terminate a server the tests started; kill it if it has not ended within `grace` seconds."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
