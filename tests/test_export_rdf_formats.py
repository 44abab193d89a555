"""Tests of the exchange formats kg writes besides Turtle: N-Triples, JSON-LD (compacted with
ontology/context.jsonld), RDF/XML, TriG and GraphML; and of the PROV-O provenance in the graph."""

import io
import json
import random
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from kg.export_rdf import (EXPORTERS, FORMATS, GRAPH_IRI, article_iri, context_path, graphml,
                           jsonld_context, serialize, to_rdf)
from kg.graph import to_networkx
from kg.model import Article, Entity, Evidence, KnowledgeGraph, Relation
from kg.vocab import DATA, HKG

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml", "trig": "trig"}
OXIGRAPH = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES,
            "jsonld": pyoxigraph.RdfFormat.JSON_LD, "xml": pyoxigraph.RdfFormat.RDF_XML,
            "trig": pyoxigraph.RdfFormat.TRIG}
GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


@pytest.fixture(scope="module")
def turtle(build: Path) -> Graph:
    return Graph().parse(build / "graph.ttl", format="turtle")


def parse(path: Path, fmt: str) -> Graph:
    """Triples of any format kg writes; a TriG file's named graph is flattened."""
    if fmt == "trig":
        dataset = Dataset()
        dataset.parse(path, format="trig")
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
        return graph
    return Graph().parse(path, format=RDFLIB[fmt])


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    pytest.fail("graphs differ\nonly in the first:\n" + "\n".join(map(str, sorted(only_expected)[:10]))
                + "\nonly in the second:\n" + "\n".join(map(str, sorted(only_actual)[:10])))


def tiny_kg(name: str = "张强", sentence: str = "青州市人民医院对口帮扶临朐县人民医院。") -> KnowledgeGraph:
    article = Article(id="a.txt", source="news/a.txt", title="青州市人民医院新闻", text="……",
                      date="2024-06-01", publisher="青州市人民医院")
    entities = (
        Entity("hospital/1", "青州市人民医院", "Hospital", ("青州市医院",), ("a.txt",)),
        Entity("hospital/2", "临朐县人民医院", "Hospital", (), ("a.txt",)),
        Entity("person/1", name, "Doctor", ("张主任",), ("a.txt",)),
        Entity("event/1", "义诊活动", "Event", (), ("a.txt",), "2024-05-12"),
    )
    relations = (
        Relation("hospital/2", "aidedBy", "hospital/1", (Evidence("a.txt", sentence),)),
        Relation("person/1", "worksAt", "hospital/1", (Evidence("a.txt", f"{name}是医生。"),)),
        Relation("hospital/1", "hosted", "event/1", (Evidence("a.txt", "医院举办义诊活动。"),)),
    )
    return KnowledgeGraph((article,), entities, relations)


# --- every format of the examples build --------------------------------------------------

def test_export_rdf_formats_build_writes_every_format(build: Path) -> None:
    assert set(FORMATS) == {"ttl", "nt", "jsonld", "xml", "trig", "graphml"}
    for fmt in FORMATS:
        path = build / f"graph.{fmt}"
        assert path.is_file() and path.stat().st_size > 1000, fmt
        assert path.stat().st_mode & stat.S_IRGRP, f"{path.name} is readable only by its owner"


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_export_rdf_formats_rdflib_reads_the_same_graph(build: Path, turtle: Graph, fmt: str) -> None:
    assert len(turtle) > 1000
    assert_isomorphic(turtle, parse(build / f"graph.{fmt}", fmt))


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_export_rdf_formats_pyoxigraph_reads_the_same_triples(build: Path, turtle: Graph, fmt: str) -> None:
    store = pyoxigraph.Store()
    store.load(path=str(build / f"graph.{fmt}"), format=OXIGRAPH[fmt])
    assert len(store) == len(turtle)
    label = pyoxigraph.NamedNode(str(RDFS.label))
    assert len(list(store.quads_for_pattern(None, label, None))) == len(set(turtle.subjects(RDFS.label)))


def test_export_rdf_formats_trig_holds_one_named_graph(build: Path, turtle: Graph) -> None:
    quads = list(pyoxigraph.parse(path=str(build / "graph.trig"), format=pyoxigraph.RdfFormat.TRIG))
    assert {q.graph_name.value for q in quads} == {str(GRAPH_IRI)}
    assert len(quads) == len(turtle)


def test_export_rdf_formats_ntriples_one_sorted_triple_a_line(build: Path, turtle: Graph) -> None:
    lines = (build / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(turtle) == len(set(lines))
    assert all(line.endswith(" .") for line in lines)
    subjects = [line.split(" ", 1)[0] for line in lines]
    assert subjects == sorted(subjects)
    assert any("医院" in line for line in lines)  # UTF-8, not \u escapes


def test_export_rdf_formats_jsonld_embeds_the_context_file(build: Path) -> None:
    document = json.loads((build / "graph.jsonld").read_text(encoding="utf-8"))
    in_file = json.loads(context_path().read_text(encoding="utf-8"))["@context"]
    assert document["@context"] == in_file == jsonld_context()
    nodes = document["@graph"]
    assert [n["@id"] for n in nodes] == sorted(n["@id"] for n in nodes)
    hospital = next(n for n in nodes if n.get("@type") == "hkg:Hospital")
    assert isinstance(hospital["label"], str) and "mentionedIn" in hospital  # compacted terms
    assertion = next(n for n in nodes if "evidenceText" in n)
    assert {"subject", "predicate", "object", "evidenceArticle", "wasDerivedFrom"} <= set(assertion)


def test_export_rdf_formats_context_terms_are_in_the_vocabularies() -> None:
    context = jsonld_context()
    prefixes = {k: v for k, v in context.items() if isinstance(v, str)}
    for term, definition in context.items():
        if isinstance(definition, str):
            continue
        prefix, _, local = definition["@id"].partition(":")
        assert prefix in prefixes, term
        if prefix == "hkg":
            getattr(HKG, local)  # raises on a term the ontology does not declare


def test_export_rdf_formats_graphml_for_gephi(build: Path) -> None:
    tree = ET.parse(build / "graph.graphml")
    keys = [k.get("id") for k in tree.iter(f"{GRAPHML_NS}key")]
    edges = [e.get("id") for e in tree.iter(f"{GRAPHML_NS}edge")]
    assert len(keys) == len(set(keys)) and len(edges) == len(set(edges))
    graph = nx.read_graphml(build / "graph.graphml")
    assert graph.is_directed() and graph.number_of_edges() == len(edges) > 50
    turtle = Graph().parse(build / "graph.ttl", format="turtle")
    for node, attrs in graph.nodes(data=True):
        assert (URIRef(node), RDFS.label, Literal(attrs["label"], lang="zh")) in turtle
        assert attrs["iri"] == node and attrs["type"]
    for head, tail, attrs in graph.edges(data=True):
        assert (URIRef(head), HKG[attrs["label"]], URIRef(tail)) in turtle
        assert attrs["evidence"] and attrs["evidence_count"] >= 1


# --- provenance -----------------------------------------------------------------------------

def test_export_rdf_formats_articles_are_prov_entities(turtle: Graph) -> None:
    articles = set(turtle.subjects(RDF.type, HKG.Article))
    assert len(articles) >= 7
    for article in articles:
        assert (article, RDF.type, PROV.Entity) in turtle
        assert turtle.value(article, DCTERMS.title) == turtle.value(article, RDFS.label)
        assert turtle.value(article, HKG.sourceFile) is not None
        assert turtle.value(article, DCTERMS.identifier) is not None
    assert any(turtle.value(a, DCTERMS.date) for a in articles)
    assert any(turtle.value(a, DCTERMS.publisher) for a in articles)


def test_export_rdf_formats_every_fact_points_to_article_and_sentence(turtle: Graph) -> None:
    assertions = set(turtle.subjects(RDF.type, HKG.Assertion))
    assert len(assertions) > 50
    for node in assertions:
        source = turtle.value(node, PROV.wasDerivedFrom)
        assert source == turtle.value(node, HKG.evidenceArticle)
        assert (source, RDF.type, HKG.Article) in turtle
        assert (node, RDF.type, PROV.Entity) in turtle
        assert str(turtle.value(node, HKG.evidenceText)).strip()
        fact = (turtle.value(node, RDF.subject), turtle.value(node, RDF.predicate), turtle.value(node, RDF.object))
        assert fact in turtle


# --- determinism and round trips on hand-built graphs --------------------------------------

@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_export_rdf_formats_bytes_do_not_depend_on_insertion_order(fmt: str) -> None:
    graph = to_rdf(tiny_kg())
    triples = list(graph)
    random.Random(7).shuffle(triples)
    shuffled = Graph()
    for triple in triples:
        shuffled.add(triple)
    assert serialize(shuffled, fmt) == serialize(graph, fmt)


def test_export_rdf_formats_graphml_does_not_depend_on_insertion_order() -> None:
    kg = tiny_kg()
    reordered = KnowledgeGraph(kg.articles, kg.entities[::-1], kg.relations[::-1])
    assert graphml(to_networkx(reordered)) == graphml(to_networkx(kg))


NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                min_size=1, max_size=12).filter(str.strip)


@settings(max_examples=25, deadline=None)
@given(NAMES, NAMES)
def test_export_rdf_formats_roundtrip_through_every_parser(name: str, sentence: str) -> None:
    graph = to_rdf(tiny_kg(name, sentence))
    for fmt in EXPORTERS:
        data = serialize(graph, fmt)
        if fmt == "trig":
            dataset = Dataset()
            dataset.parse(data=data, format="trig")
            parsed = Graph()
            for s, p, o, _ in dataset.quads():
                parsed.add((s, p, o))
        else:
            parsed = Graph().parse(data=data, format=RDFLIB[fmt])
        assert isomorphic(parsed, graph), fmt
        assert len(list(pyoxigraph.parse(data, format=OXIGRAPH[fmt]))) == len(graph), fmt
    network = nx.read_graphml(io.BytesIO(graphml(to_networkx(tiny_kg(name, sentence)))))
    assert network.nodes[str(DATA["person/1"])]["label"] == name


def test_export_rdf_formats_article_iri_ignores_the_folder() -> None:
    kg = tiny_kg()
    moved = KnowledgeGraph((Article(id="a.txt", source="/elsewhere/a.txt", title=kg.articles[0].title,
                                    text="", date="2024-06-01", publisher="青州市人民医院"),),
                           kg.entities, kg.relations)
    a, b = to_rdf(kg), to_rdf(moved)
    assert set(a.subjects(RDF.type, HKG.Article)) == set(b.subjects(RDF.type, HKG.Article)) \
        == {article_iri("a.txt")}
    assert {t for t in a if t[1] != HKG.sourceFile} == {t for t in b if t[1] != HKG.sourceFile}
