"""Tests of the ontology file, its Python mirror ``kg.vocab`` and the SPARQL queries."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery

from kg.vocab import (
    DATA,
    ENTITY_CLASSES,
    HKG,
    ONTOLOGY_FILE,
    RELATION_PROPERTIES,
    SCHEMA,
    ontology_path,
)

QUERY_DIR = ontology_path().parent / "queries"
QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))
EXPECTED_QUERIES = {
    "aid_pairs.rq",
    "doctors_patients.rq",
    "events_by_host.rq",
    "people_by_institution.rq",
    "facts_with_evidence.rq",
    "aid_network_province.rq",
}
# (rdflib.namespace.XSD is not imported at module level: pytest probes module attributes and
# XSD warns on unknown names.)
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_path(), format="turtle")


def _declared(graph: Graph, kind: URIRef) -> set[URIRef]:
    return {
        s for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(str(HKG._NS))
    }


def _all_declared(graph: Graph) -> set[URIRef]:
    return set().union(*(_declared(graph, kind) for kind in TERM_TYPES))


# --- the ontology file ---------------------------------------------------------------------

def test_vocab_ontology_path_points_at_the_repository_file() -> None:
    path = ontology_path()
    assert path == ONTOLOGY_FILE
    assert path.is_file()
    assert path.parent.name == "ontology"
    assert path.parent.parent == Path(__file__).resolve().parent.parent


def test_vocab_ontology_parses_in_rdflib(ontology: Graph) -> None:
    header = URIRef("https://w3id.org/hospital-kg/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(header, DCTERMS.title) is not None
    assert ontology.value(header, DCTERMS.description) is not None


def test_vocab_ontology_parses_in_pyoxigraph() -> None:
    quads = list(pyoxigraph.parse(path=str(ontology_path()), format=pyoxigraph.RdfFormat.TURTLE))
    assert quads
    store = pyoxigraph.Store()
    store.load(path=str(ontology_path()), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(quads)
    hospital = pyoxigraph.NamedNode(str(HKG.Hospital))
    owl_class = pyoxigraph.NamedNode(str(OWL.Class))
    rdf_type = pyoxigraph.NamedNode(str(RDF.type))
    assert list(store.quads_for_pattern(hospital, rdf_type, owl_class))


def test_vocab_ontology_and_python_namespace_declare_the_same_terms(ontology: Graph) -> None:
    declared = _all_declared(ontology)
    in_python = {URIRef(str(term)) for term in dir(HKG)}
    assert declared - in_python == set(), "declared in the .ttl but missing from kg.vocab.HKG"
    assert in_python - declared == set(), "in kg.vocab.HKG but not declared in the .ttl"


def test_vocab_entity_classes_and_relations_are_declared(ontology: Graph) -> None:
    classes = _declared(ontology, OWL.Class)
    object_properties = _declared(ontology, OWL.ObjectProperty)
    assert len(ENTITY_CLASSES) == 12 and len(set(ENTITY_CLASSES)) == 12
    assert len(RELATION_PROPERTIES) == 8 and len(set(RELATION_PROPERTIES)) == 8
    assert {HKG[name] for name in ENTITY_CLASSES} <= classes
    assert {HKG[name] for name in RELATION_PROPERTIES} <= object_properties
    assert classes - {HKG[name] for name in ENTITY_CLASSES} == {HKG.Article, HKG.Assertion}


def test_vocab_class_hierarchy(ontology: Graph) -> None:
    for org in ("Hospital", "Department", "MedicalTeam", "GovernmentAgency"):
        assert (HKG[org], RDFS.subClassOf, HKG.Organization) in ontology
    for person in ("Doctor", "Patient", "Official"):
        assert (HKG[person], RDFS.subClassOf, HKG.Person) in ontology
    assert (HKG.Hospital, RDFS.subClassOf, SCHEMA.Hospital) in ontology
    assert (HKG.Person, RDFS.subClassOf, SCHEMA.Person) in ontology
    assert (HKG.Condition, RDFS.subClassOf, SCHEMA.MedicalCondition) in ontology
    assert (HKG.Assertion, RDFS.subClassOf, RDF.Statement) in ontology


def test_vocab_every_term_has_labels_and_comment(ontology: Graph) -> None:
    missing = []
    for term in sorted(_all_declared(ontology)):
        langs = {label.language for label in ontology.objects(term, RDFS.label)
                 if isinstance(label, Literal)}
        if not {"zh", "en"} <= langs:
            missing.append(f"{term}: rdfs:label @zh/@en")
        comments = [c for c in ontology.objects(term, RDFS.comment)
                    if isinstance(c, Literal) and c.language == "en"]
        if not comments:
            missing.append(f"{term}: rdfs:comment @en")
    assert missing == []


def test_vocab_every_property_has_domain_and_range(ontology: Graph) -> None:
    missing = []
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(_declared(ontology, kind)):
            if ontology.value(prop, RDFS.domain) is None:
                missing.append(f"{prop}: rdfs:domain")
            if ontology.value(prop, RDFS.range) is None:
                missing.append(f"{prop}: rdfs:range")
    assert missing == []


def test_vocab_misspelt_term_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        HKG.Hosptial  # noqa: B018


def test_vocab_terms_are_iris_in_the_namespace() -> None:
    assert HKG.Hospital == URIRef("https://w3id.org/hospital-kg/ontology#Hospital")
    assert HKG.aidedBy == URIRef("https://w3id.org/hospital-kg/ontology#aidedBy")
    assert DATA["x"] == URIRef("https://w3id.org/hospital-kg/id/x")
    assert SCHEMA.startDate == URIRef("https://schema.org/startDate")


# --- the SPARQL queries --------------------------------------------------------------------

def _tiny_graph() -> Graph:
    """A graph in the instance data model: one article, one aid pair, one of each relation."""
    g = Graph()
    g.bind("hkg", HKG._NS)
    article = DATA["article/news-txt-1"]
    g.add((article, RDF.type, HKG.Article))
    g.add((article, DCTERMS.title, Literal("省医疗队赴兰州开展义诊", lang="zh")))
    g.add((article, HKG.sourceFile, Literal("examples/articles/news.txt")))
    g.add((article, DCTERMS.date, Literal("2024-01-01", datatype=XSD_DATE)))

    def entity(key: str, cls: URIRef, label: str, *alt: str) -> URIRef:
        node = DATA[key]
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(label, lang="zh")))
        for alias in alt:
            g.add((node, SKOS.altLabel, Literal(alias, lang="zh")))
        g.add((node, HKG.mentionedIn, article))
        return node

    receiver = entity("hospital/1", HKG.Hospital, "兰州市第一人民医院", "兰州一院")
    helper = entity("hospital/2", HKG.Hospital, "北京协和医院", "协和医院")
    place = entity("place/1", HKG.Place, "甘肃省兰州市")
    doctor = entity("person/1", HKG.Doctor, "张伟")
    g.add((doctor, RDF.type, HKG.Person))  # a coarser type too: the query must pick Doctor
    patient = entity("person/2", HKG.Patient, "李某")
    condition = entity("condition/1", HKG.Condition, "心肌梗死")
    event = entity("event/1", HKG.Event, "义诊活动")
    g.add((event, SCHEMA.startDate, Literal("2024-01-01", datatype=XSD_DATE)))
    g.add((article, DCTERMS.publisher, helper))

    facts = [
        (receiver, HKG.aidedBy, helper, "北京协和医院对口帮扶兰州市第一人民医院。"),
        (receiver, HKG.locatedIn, place, "兰州市第一人民医院位于甘肃省兰州市。"),
        (doctor, HKG.treated, patient, "张伟为李某实施了手术。"),
        (patient, HKG.hasCondition, condition, "李某突发心肌梗死。"),
        (doctor, HKG.worksAt, receiver, "兰州市第一人民医院医生张伟。"),
        (helper, HKG.hosted, event, "北京协和医院举办义诊活动。"),
        (doctor, HKG.participatedIn, event, "张伟参加了义诊活动。"),
    ]
    for subject, predicate, obj, sentence in facts:
        g.add((subject, predicate, obj))
        assertion = BNode()
        g.add((assertion, RDF.type, HKG.Assertion))
        g.add((assertion, RDF.subject, subject))
        g.add((assertion, RDF.predicate, predicate))
        g.add((assertion, RDF.object, obj))
        g.add((assertion, HKG.evidenceText, Literal(sentence, lang="zh")))
        g.add((assertion, HKG.evidenceArticle, article))
    return g


def _run(name: str) -> list:
    query = prepareQuery((QUERY_DIR / name).read_text(encoding="utf-8"))
    return list(_tiny_graph().query(query))


def test_vocab_expected_query_files_exist() -> None:
    assert EXPECTED_QUERIES <= {path.name for path in QUERY_FILES}


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.name)
def test_vocab_query_parses_and_runs(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "a query file starts with a comment saying what it answers"
    rows = list(_tiny_graph().query(prepareQuery(text)))
    assert rows, f"{path.name} returns nothing on the tiny graph"


def test_vocab_aid_pairs_returns_the_one_pair() -> None:
    rows = _run("aid_pairs.rq")
    assert len(rows) == 1
    row = rows[0]
    assert row.receiverLabel == Literal("兰州市第一人民医院", lang="zh")
    assert row.helperLabel == Literal("北京协和医院", lang="zh")
    assert row.evidence == Literal("北京协和医院对口帮扶兰州市第一人民医院。", lang="zh")


def test_vocab_aid_network_province_finds_the_gansu_pair() -> None:
    rows = _run("aid_network_province.rq")
    assert [(str(r.receiverLabel), str(r.helperLabel), str(r.side)) for r in rows] == [
        ("兰州市第一人民医院", "北京协和医院", "receiver")
    ]


def test_vocab_people_by_institution_reports_the_finest_type() -> None:
    rows = _run("people_by_institution.rq")
    assert [(str(r.personLabel), str(r.type), str(r.institutionLabel)) for r in rows] == [
        ("张伟", "Doctor", "兰州市第一人民医院")
    ]


def test_vocab_facts_with_evidence_lists_every_assertion() -> None:
    rows = _run("facts_with_evidence.rq")
    assert len(rows) == 7
    assert {str(r.articleTitle) for r in rows} == {"省医疗队赴兰州开展义诊"}
    assert {str(r.relation) for r in rows} == {
        "aidedBy", "locatedIn", "treated", "hasCondition", "worksAt", "hosted", "participatedIn"
    }


def test_vocab_doctors_patients_and_events_by_host() -> None:
    [treated] = _run("doctors_patients.rq")
    assert (str(treated.doctorLabel), str(treated.patientLabel), str(treated.conditionLabel)) == (
        "张伟", "李某", "心肌梗死"
    )
    [hosted] = _run("events_by_host.rq")
    assert str(hosted.hostLabel) == "北京协和医院"
    assert hosted.date == Literal("2024-01-01", datatype=XSD_DATE)
