"""void.ttl: the dataset's description (VoID with DCAT and PROV) that every build writes, its
counts checked against the graph itself, the publisher's options, and no clock time."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, XSD

from kg import cli
from kg.export_void import VOID, dataset_iri
from kg.vocab import HKG
from test_shacl import _fake_build, tiny_kg


@pytest.fixture(scope="module")
def void(examples_build: Path) -> Graph:
    return Graph().parse(examples_build / "void.ttl", format="turtle")


@pytest.fixture(scope="module")
def store(examples_build: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(examples_build / "graph.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def test_void_counts_are_the_graphs(void: Graph, store: ox.Store) -> None:
    dataset = dataset_iri(void)
    assert {VOID.Dataset, DCAT.Dataset, PROV.Entity} <= set(void.objects(dataset, RDF.type))
    assert int(void.value(dataset, VOID.triples)) == len(store) > 1000
    assert int(void.value(dataset, VOID.entities)) == _count(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }")
    classes = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
               for p in void.objects(dataset, VOID.classPartition)}
    assert classes[HKG.Hospital] == _count(store, f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{HKG.Hospital}> }}")
    assert len(classes) == _count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
    properties = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
                  for p in void.objects(dataset, VOID.propertyPartition)}
    for relation in ("aidedBy", "treated", "hosted", "worksAt"):
        iri = HKG[relation]
        assert properties.get(iri, 0) == _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{iri}> ?o }}")
    assert sum(properties.values()) == len(store)
    assert void.value(dataset, VOID.vocabulary) == URIRef(str(HKG._NS))


def test_void_says_which_kg_built_it_and_no_clock_time(void: Graph) -> None:
    from kg import __version__

    dataset = dataset_iri(void)
    activity = void.value(dataset, PROV.wasGeneratedBy)
    agent = void.value(activity, PROV.wasAssociatedWith)
    assert (agent, RDF.type, PROV.SoftwareAgent) in void and __version__ in str(agent)
    dated = [o for o in void.objects() if isinstance(o, Literal) and o.datatype in (XSD.dateTime, XSD.date)]
    assert dated == []
    assert not any(p in (DCTERMS.created, DCTERMS.modified, DCTERMS.issued, PROV.endedAtTime)
                   for p in void.predicates())


def test_void_takes_the_publishers_options(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli, "build_graph", _fake_build(tiny_kg()))
    licence, source = "https://creativecommons.org/licenses/by/4.0/", "https://example.org/news"
    assert cli.main(["build", "x", "--out", str(tmp_path), "--no-cache", "--no-validate", "--quiet",
                     "--title", "某市医院新闻", "--license", licence, "--source", source,
                     "--sparql-endpoint", "https://example.org/sparql",
                     "--download-url", "https://example.org/graph.ttl"]) == 0
    void = Graph().parse(tmp_path / "void.ttl", format="turtle")
    dataset = dataset_iri(void)
    assert str(void.value(dataset, DCTERMS.title)) == "某市医院新闻"
    assert void.value(dataset, DCTERMS.license) == URIRef(licence)
    assert void.value(dataset, DCTERMS.source) == URIRef(source)
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef("https://example.org/sparql")
    distribution = void.value(dataset, DCAT.distribution)
    assert void.value(distribution, DCAT.downloadURL) == URIRef("https://example.org/graph.ttl")
    plain = tmp_path / "plain"
    assert cli.main(["build", "x", "--out", str(plain), "--no-cache", "--no-validate", "--quiet"]) == 0
    bare = Graph().parse(plain / "void.ttl", format="turtle")
    assert bare.value(dataset_iri(bare), DCTERMS.license) is None
    assert dataset_iri(bare) == dataset  # one graph, one dataset: the options describe it
