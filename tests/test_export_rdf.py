"""Tests of kg.export_rdf: the graph as RDF that rdflib and pyoxigraph read back exactly."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from kg.export_rdf import article_iri, to_rdf, write_rdf
from kg.model import Article, Entity, Evidence, KnowledgeGraph, Relation
from kg.vocab import DATA, HKG, SCHEMA

XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
HKG_NS = "https://w3id.org/hospital-kg/ontology#"
OX_FORMATS = {"ttl": pyoxigraph.RdfFormat.TURTLE, "nt": pyoxigraph.RdfFormat.N_TRIPLES}
# file extension (what write_rdf and `kg build --format` take) → rdflib parser name
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "xml": "xml", "jsonld": "json-ld"}


def written(graph: Graph, fmt: str, folder: Path) -> bytes:
    """The bytes kg writes for graph in fmt (through the project's own writer)."""
    path = folder / f"graph.{fmt}"
    write_rdf(graph, path, fmt)
    return path.read_bytes()

AID_SENTENCE = "青州市人民医院对口帮扶临朐县人民医院。"
WORK_SENTENCE = "青州市人民医院心内科主任张强接诊了患者。"


def small_kg(name: str = "张强") -> KnowledgeGraph:
    article = Article(id="a.txt", source="tests/a.txt", title="青州市人民医院新闻", text="……",
                      date="2024-06-01", publisher="青州市人民医院")
    year_only = Article(id="b.txt", source="tests/b.txt", title="年报", text="……", date="2024")
    entities = (
        Entity("hospital/1", "青州市人民医院", "Hospital", ("青州市医院",), ("a.txt",)),
        Entity("hospital/2", "临朐县人民医院", "Hospital", (), ("a.txt", "b.txt")),
        Entity("department/1", "心内科", "Department", (), ("a.txt",)),
        Entity("person/1", name, "Doctor", ("张主任",), ("a.txt",)),
        Entity("event/1", "医联体工作推进会", "Event", (), ("a.txt",), "2024-05-12"),
        Entity("place/1", "青州市", "Place", (), ("a.txt",)),
    )
    relations = (
        Relation("hospital/2", "aidedBy", "hospital/1", (Evidence("a.txt", AID_SENTENCE, 0, 19),)),
        Relation("person/1", "worksAt", "department/1",
                 (Evidence("a.txt", WORK_SENTENCE), Evidence("b.txt", "张强是心内科主任。"))),
        Relation("department/1", "partOf", "hospital/1", (Evidence("a.txt", WORK_SENTENCE),)),
        Relation("hospital/1", "hosted", "event/1", (Evidence("a.txt", "青州市人民医院召开推进会。"),)),
        Relation("hospital/1", "locatedIn", "place/1", (Evidence("a.txt", "青州市人民医院"),)),
        Relation("person/1", "participatedIn", "event/404", (Evidence("a.txt", "缺失。"),)),
    )
    return KnowledgeGraph((article, year_only), entities, relations)


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["graphs differ", "only in the original:"]
    lines += [f"  {t}" for t in sorted(only_expected)[:20]]
    lines += ["only in the parsed copy:"] + [f"  {t}" for t in sorted(only_actual)[:20]]
    pytest.fail("\n".join(lines))


@pytest.fixture(scope="module")
def graph() -> Graph:
    return to_rdf(small_kg())


@pytest.mark.parametrize("fmt", sorted(RDFLIB_FORMATS))
def test_export_rdf_roundtrip_isomorphic(tmp_path: Path, graph: Graph, fmt: str) -> None:
    parsed = Graph().parse(data=written(graph, fmt, tmp_path), format=RDFLIB_FORMATS[fmt])
    assert len(parsed) == len(graph)
    assert_isomorphic(graph, parsed)


@pytest.mark.parametrize("fmt", sorted(OX_FORMATS))
def test_export_rdf_pyoxigraph_loads_same_triples(tmp_path: Path, graph: Graph, fmt: str) -> None:
    store = pyoxigraph.Store()
    store.load(written(graph, fmt, tmp_path), format=OX_FORMATS[fmt])
    assert len(store) == len(graph)


def test_export_rdf_sparql_finds_evidence_via_assertion(tmp_path: Path, graph: Graph) -> None:
    store = pyoxigraph.Store()
    store.load(written(graph, "ttl", tmp_path), format=pyoxigraph.RdfFormat.TURTLE)
    query = f"""
        PREFIX hkg: <{HKG_NS}>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?text ?article WHERE {{
            ?receiver hkg:aidedBy ?helper .
            ?receiver rdfs:label "临朐县人民医院"@zh .
            ?a a hkg:Assertion ; rdf:subject ?receiver ; rdf:predicate hkg:aidedBy ;
               rdf:object ?helper ; hkg:evidenceText ?text ; hkg:evidenceArticle ?article .
        }}"""
    rows = list(store.query(query))
    assert [(r["text"].value, r["text"].language) for r in rows] == [(AID_SENTENCE, "zh")]
    assert rows[0]["article"].value == str(article_iri("a.txt"))


def test_export_rdf_every_relation_has_an_assertion(graph: Graph) -> None:
    kg = small_kg()
    known = {e.id for e in kg.entities}
    for r in kg.relations:
        s, p, o = DATA[r.head], HKG[r.kind], DATA[r.tail]
        if r.head not in known or r.tail not in known:
            assert (s, p, o) not in graph  # a dangling relation is dropped, not half-written
            continue
        assert (s, p, o) in graph
        statements = set(graph.subjects(RDF.subject, s)) & set(graph.subjects(RDF.predicate, p)) \
            & set(graph.subjects(RDF.object, o))
        assert len(statements) == len(r.evidence)
        texts = {str(t) for st_ in statements for t in graph.objects(st_, HKG.evidenceText)}
        assert texts == {ev.sentence for ev in r.evidence}
        for statement in statements:
            assert (statement, RDF.type, HKG.Assertion) in graph


def test_export_rdf_events_have_typed_start_date(graph: Graph) -> None:
    dates = list(graph.objects(DATA["event/1"], SCHEMA.startDate))
    assert dates == [Literal("2024-05-12", datatype=XSD_DATE)]
    for event in graph.subjects(RDF.type, HKG.Event):
        for value in graph.objects(event, SCHEMA.startDate):
            assert isinstance(value, Literal) and value.datatype == XSD_DATE


def test_export_rdf_entities_typed_labelled_and_sourced(graph: Graph) -> None:
    for e in small_kg().entities:
        node = DATA[e.id]
        assert (node, RDF.type, HKG[e.type]) in graph
        assert set(graph.objects(node, RDFS.label)) == {Literal(e.name, lang="zh")}
        assert set(graph.objects(node, SKOS.altLabel)) == {Literal(a, lang="zh") for a in e.aliases}
        assert set(graph.objects(node, HKG.mentionedIn)) == {article_iri(a) for a in e.articles}


def test_export_rdf_articles(graph: Graph) -> None:
    a, b = article_iri("a.txt"), article_iri("b.txt")
    assert (a, RDF.type, HKG.Article) in graph
    assert (a, DCTERMS.title, Literal("青州市人民医院新闻", lang="zh")) in graph
    assert (a, DCTERMS.date, Literal("2024-06-01", datatype=XSD_DATE)) in graph
    assert (a, DCTERMS.publisher, DATA["hospital/1"]) in graph
    assert (a, HKG.sourceFile, Literal("tests/a.txt")) in graph
    assert list(graph.objects(b, DCTERMS.date)) == []  # a bare year is no xsd:date
    assert a != b


@pytest.mark.parametrize("fmt", sorted(RDFLIB_FORMATS))
def test_export_rdf_write_rdf_atomic(tmp_path: Path, graph: Graph, fmt: str) -> None:
    path = tmp_path / "out" / f"graph.{fmt}"
    write_rdf(graph, path, fmt)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert_isomorphic(graph, Graph().parse(path, format=RDFLIB_FORMATS[fmt]))
    before = path.read_bytes()
    write_rdf(graph, path, fmt)  # overwriting gives the same bytes
    assert path.read_bytes() == before


# --- hostile names ---------------------------------------------------------------------

HOSTILE = st.one_of(
    st.text(min_size=1),
    st.lists(st.sampled_from(['"', '"""', "'''", "\\", "\n", "\r", "\t", "<", ">", "<>", "&",
                              "@zh", "^^", "#", "张", "医院", " ", "\x00", "\u2028", "\ufeff"]),
             min_size=1, max_size=12).map("".join),
)


@settings(max_examples=100, deadline=None)
@given(HOSTILE)
def test_export_rdf_hostile_names_roundtrip(name: str) -> None:
    graph = to_rdf(small_kg(name))
    node = DATA["person/1"]
    with tempfile.TemporaryDirectory() as folder:
        files = {fmt: written(graph, fmt, Path(folder)) for fmt in OX_FORMATS}
    for fmt, data in files.items():
        parsed = Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])
        assert [str(v) for v in parsed.objects(node, RDFS.label)] == [name], fmt
        assert len(parsed) == len(graph)
        store = pyoxigraph.Store()
        store.load(data, format=OX_FORMATS[fmt])
        rows = list(store.query(
            f"SELECT ?l WHERE {{ <{node}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"))
        assert [r["l"].value for r in rows] == [name], fmt


@pytest.mark.parametrize("place, province", [("玛曲县", "甘肃省"), ("渭南市", "陕西省"), ("厄立特里亚", None)])
def test_export_rdf_places_carry_their_province(place: str, province: str | None) -> None:
    kg = KnowledgeGraph(articles=(), entities=(Entity(id="place/x", name=place, type="Place"),),
                        relations=())
    found = list(to_rdf(kg).objects(DATA["place/x"], HKG.province))
    assert found == ([Literal(province, lang="zh")] if province else [])


@pytest.mark.parametrize("fmt", ["ttl", "nt", "trig", "xml", "jsonld"])
def test_streamed_triples_write_what_the_graph_writes(tmp_path: Path, fmt: str) -> None:
    """A build writes from Triples (made subject by subject, never held whole); the bytes are
    those of the same graph given as an rdflib Graph or as a shuffled list."""
    import random

    from kg.export_rdf import Triples, serialize, to_triples

    kg = small_kg()
    streamed = written(Triples(kg), fmt, tmp_path)
    assert streamed == serialize(to_rdf(kg), fmt)
    shuffled = to_triples(kg)
    random.Random(7).shuffle(shuffled)
    assert streamed == serialize(shuffled, fmt)


def test_triples_are_made_afresh_each_pass_sorted_and_once() -> None:
    from kg.export_rdf import Triples, _key

    triples = Triples(small_kg())
    first, second = list(triples), list(triples)
    assert first == second and len(first) == len(set(first)) == len(to_rdf(small_kg()))
    assert first == sorted(first, key=_key)
    # the relation to a missing entity (event/404) gives no triple and no assertion
    assert not any("event/404" in str(t) for t in first)
