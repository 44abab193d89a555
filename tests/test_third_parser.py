"""Real clients read what kg writes: the Turtle is parsed by rdflib, loaded into pyoxigraph, and
parsed by a third, independent parser (Raptor's `rapper`, Debian package raptor2-utils, installed
by `make test`), with no error or warning and the same triples."""

import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic


EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
RAPPER = shutil.which("rapper")
RAPPER_SYNTAX = {"ttl": "turtle", "nt": "ntriples", "xml": "rdfxml", "trig": "trig"}


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


@pytest.fixture(scope="module")
def rdflib_graph(build: Path) -> Graph:
    return Graph().parse(build / "graph.ttl", format="turtle")


def rapper(path: Path, syntax: str, *options: str) -> subprocess.CompletedProcess:
    if RAPPER is None:
        pytest.fail("rapper is not installed: run `make system-deps` (Debian package raptor2-utils)")
    return subprocess.run([RAPPER, "-i", syntax, *options, str(path)], capture_output=True,
                          text=True, timeout=60)


def rapper_count(result: subprocess.CompletedProcess) -> int:
    match = re.search(r"Parsing returned (\d+) (?:triples|statements)", result.stderr)
    assert match, result.stderr
    return int(match.group(1))


def test_third_parser_turtle_same_count_in_three_parsers(build: Path, rdflib_graph: Graph) -> None:
    store = pyoxigraph.Store()
    store.load(path=str(build / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    result = rapper(build / "graph.ttl", "turtle", "--count")
    assert result.returncode == 0, result.stderr
    assert not re.search(r"error|warning", result.stderr, flags=re.IGNORECASE), result.stderr
    assert rapper_count(result) == len(store) == len(rdflib_graph) > 1000


def test_third_parser_reads_the_same_triples(build: Path, rdflib_graph: Graph) -> None:
    result = rapper(build / "graph.ttl", "turtle", "-o", "ntriples")
    assert result.returncode == 0, result.stderr
    assert isomorphic(Graph().parse(data=result.stdout, format="nt"), rdflib_graph)


@pytest.mark.parametrize("fmt", ["nt", "xml", "trig"])
def test_third_parser_reads_the_other_formats(build: Path, rdflib_graph: Graph, fmt: str) -> None:
    result = rapper(build / f"graph.{fmt}", RAPPER_SYNTAX[fmt], "--count")
    assert result.returncode == 0, result.stderr
    assert not re.search(r"error|warning", result.stderr, flags=re.IGNORECASE), result.stderr
    assert rapper_count(result) == len(rdflib_graph)
