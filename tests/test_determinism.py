"""Two `kg build` processes with different hash seeds write byte-identical files, and IRIs depend on
content only: a build that adds articles keeps the IRIs of a smaller one, and moving the input
folder changes none of them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from kg.entities import default_analyzer
from kg.export_rdf import FORMATS, to_rdf
from kg.pipeline import BuildReport, build_graph
from kg.vocab import HKG

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
SUBSET = ("newsletter_utf8.txt", "web_page.html")
BUILD_TIMEOUT = 180


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Path, Path]:
    """`kg build examples/articles` twice, at the same time, in separate processes with different
    PYTHONHASHSEED and --jobs, into two folders; every format."""
    base = tmp_path_factory.mktemp("determinism")
    formats = [arg for fmt in FORMATS for arg in ("--format", fmt)]
    runs = []
    for seed, jobs in (("1", "1"), ("4242", "2")):
        out = base / f"seed{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "CI": "1"}
        command = [sys.executable, "-m", "kg", "build", "examples/articles", "--out", str(out),
                   "--jobs", jobs, "--no-cache", *formats]
        runs.append((out, subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, text=True)))
    for out, process in runs:
        try:
            stdout, stderr = process.communicate(timeout=BUILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"kg build into {out.name} took more than {BUILD_TIMEOUT} s")
        assert process.returncode == 0, stderr[-2000:]
        assert "SHACL: conforms" in stdout.splitlines(), stdout
    return runs[0][0], runs[1][0]


def test_determinism_two_builds_are_byte_identical(two_builds: tuple[Path, Path]) -> None:
    first, second = two_builds
    names = sorted(p.name for p in first.iterdir() if p.is_file())
    assert names == sorted(p.name for p in second.iterdir() if p.is_file())
    assert {f"graph.{fmt}" for fmt in FORMATS} | {"graph.html", "void.ttl"} <= set(names)
    different = [name for name in names if (first / name).read_bytes() != (second / name).read_bytes()]
    assert different == [], f"differ between the two builds: {different}"


def test_determinism_iris_are_ascii_and_content_derived(two_builds: tuple[Path, Path]) -> None:
    graph = Graph().parse(two_builds[0] / "graph.ttl", format="turtle")
    nodes = {t for triple in graph for t in triple if isinstance(t, URIRef)}
    assert all(str(n).isascii() for n in nodes)
    instances = {str(n) for n in nodes if str(n).startswith("https://w3id.org/hospital-kg/id/")}
    assert instances
    for iri in instances:
        group, _, key = iri.removeprefix("https://w3id.org/hospital-kg/id/").partition("/")
        if group == "place":
            key = key.removesuffix("/geometry")  # a place's point
        assert group.isalpha() and key and all(c in "0123456789abcdef" for c in key), iri


def _labelled(graph: Graph) -> dict[tuple[str, str], set[URIRef]]:
    """(class, name) → the nodes of that class and name (same-named departments of two hospitals)."""
    found: dict[tuple[str, str], set[URIRef]] = defaultdict(set)
    for node, cls in graph.subject_objects(RDF.type):
        if str(cls).startswith(str(HKG._NS)):
            for label in graph.objects(node, RDFS.label):
                found[(str(cls), str(label))].add(node)
    return found


def test_determinism_adding_articles_keeps_iris(two_builds: tuple[Path, Path], tmp_path: Path) -> None:
    subset = tmp_path / "subset"
    subset.mkdir()
    for name in SUBSET:
        shutil.copy(EXAMPLES / name, subset / name)
    small = to_rdf(build_graph([subset], default_analyzer(use_lac=True), BuildReport()))
    full = Graph().parse(two_builds[0] / "graph.ttl", format="turtle")

    small_articles = {a: str(small.value(a, DCTERMS.identifier)) for a in small.subjects(RDF.type, HKG.Article)}
    full_articles = {a: str(full.value(a, DCTERMS.identifier)) for a in full.subjects(RDF.type, HKG.Article)}
    assert small_articles and small_articles.items() <= full_articles.items()

    in_small, in_full = _labelled(small), _labelled(full)
    shared = set(in_small) & set(in_full)
    assert len(shared) >= 0.5 * len(in_small), "the bigger build lost most of the smaller one's entities"
    renamed = {key: in_small[key] - in_full[key] for key in shared if in_small[key] - in_full[key]}
    assert renamed == {}, "entities whose IRI changed when articles were added"

    assertions = set(small.subjects(RDF.type, HKG.Assertion)) & set(full.subjects(RDF.type, HKG.Assertion))
    assert assertions, "no assertion of the smaller build kept its IRI"
    for node in assertions:
        assert small.value(node, HKG.evidenceText) == full.value(node, HKG.evidenceText)


def test_determinism_moving_the_input_folder_keeps_iris(tmp_path: Path) -> None:
    here, there = tmp_path / "a", tmp_path / "b" / "deeper"
    for folder in (here, there):
        folder.mkdir(parents=True)
        shutil.copy(EXAMPLES / SUBSET[1], folder / SUBSET[1])
    analyzer = default_analyzer(use_lac=True)
    graphs = [to_rdf(build_graph([folder], analyzer, BuildReport())) for folder in (here, there)]
    without_paths = [{t for t in g if t[1] != HKG.sourceFile} for g in graphs]
    assert without_paths[0] == without_paths[1]
