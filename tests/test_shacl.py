"""Tests of ontology/shapes.ttl and kg.validate: the examples build conforms, each kind of
mistake is reported, and `kg build` prints the result (or skips it with --no-validate)."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, XSD

from kg import cli
from kg.export_rdf import article_iri, to_rdf
from kg.model import Article, Entity, Evidence, KnowledgeGraph, Relation
from kg.pipeline import build_graph
from kg.validate import main as validate_main
from kg.validate import shapes_path, validate
from kg.vocab import DATA, HKG, SCHEMA, ontology_path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(shapes_path(), format="turtle")


def tiny_kg() -> KnowledgeGraph:
    article = Article(id="a.txt", source="news/a.txt", title="青州市人民医院新闻", text="……",
                      date="2024-06-01", publisher="青州市人民医院")
    entities = (
        Entity("hospital/1", "青州市人民医院", "Hospital", ("青州市医院",), ("a.txt",)),
        Entity("hospital/2", "临朐县人民医院", "Hospital", (), ("a.txt",)),
        Entity("department/1", "心内科", "Department", (), ("a.txt",)),
        Entity("person/1", "张强", "Doctor", ("张主任",), ("a.txt",)),
        Entity("person/2", "李某", "Patient", (), ("a.txt",)),
        Entity("person/3", "王局长", "Official", (), ("a.txt",)),
        Entity("condition/1", "心肌梗死", "Condition", (), ("a.txt",)),
        Entity("event/1", "义诊活动", "Event", (), ("a.txt",), "2024-05-12"),
        Entity("place/1", "青州市", "Place", (), ("a.txt",)),
        Entity("team/1", "青州市医疗队", "MedicalTeam", (), ("a.txt",)),
        Entity("agency/1", "青州市卫生健康委员会", "GovernmentAgency", (), ("a.txt",)),
    )
    facts = [("hospital/2", "aidedBy", "hospital/1"), ("person/1", "worksAt", "department/1"),
             ("department/1", "partOf", "hospital/1"), ("hospital/1", "hosted", "event/1"),
             ("hospital/1", "locatedIn", "place/1"), ("person/1", "treated", "person/2"),
             ("person/2", "hasCondition", "condition/1"), ("person/3", "participatedIn", "event/1"),
             ("team/1", "partOf", "hospital/1"), ("person/3", "worksAt", "agency/1")]
    relations = tuple(Relation(h, k, t, (Evidence("a.txt", f"{h} {k} {t}。"),)) for h, k, t in facts)
    return KnowledgeGraph((article,), entities, relations)


def test_shacl_examples_build_conforms(build: Path) -> None:
    data = Graph().parse(build / "graph.ttl", format="turtle")
    started = time.perf_counter()
    result = validate(data)
    elapsed = time.perf_counter() - started
    assert result.conforms, result.summary(shown=20)
    assert result.violations == 0 and result.summary() == "SHACL: conforms"
    assert elapsed < 30, f"validation took {elapsed:.1f} s"


def test_shacl_every_class_has_a_closed_shape_requiring_its_name(shapes: Graph) -> None:
    ontology = Graph().parse(ontology_path(), format="turtle")
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(HKG._NS))}
    targeted = {}
    for shape in shapes.subjects(SH.targetClass, None):
        targeted[shapes.value(shape, SH.targetClass)] = shape
    assert classes and classes <= set(targeted), f"no shape for {sorted(classes - set(targeted))}"
    for cls in classes:
        shape = targeted[cls]
        assert shapes.value(shape, SH.closed) == Literal(True), cls
        paths = {shapes.value(p, SH.path) for p in shapes.objects(shape, SH.property)}
        required = {shapes.value(p, SH.path) for p in shapes.objects(shape, SH.property)
                    if shapes.value(p, SH.minCount) is not None and int(shapes.value(p, SH.minCount)) >= 1}
        name = DCTERMS.title if cls == HKG.Article else HKG.evidenceText if cls == HKG.Assertion else RDFS.label
        assert name in required, cls
        if cls not in (HKG.Article, HKG.Assertion):
            assert {RDFS.label, HKG.mentionedIn} <= paths


def test_shacl_every_relation_has_a_domain_and_range_shape(shapes: Graph) -> None:
    targets = set(shapes.objects(None, SH.targetSubjectsOf))
    assert {HKG[k] for k in ("aidedBy", "treated", "hosted", "worksAt", "partOf", "participatedIn",
                             "locatedIn", "hasCondition")} <= targets


def test_shacl_hand_built_graph_of_every_class_conforms() -> None:
    result = validate(to_rdf(tiny_kg()))
    assert result.conforms, result.summary(shown=20)


DOCTOR, PATIENT = DATA["person/1"], DATA["person/2"]
HOSPITAL, EVENT, ARTICLE = DATA["hospital/1"], DATA["event/1"], article_iri("a.txt")


def _first_assertion(g: Graph):
    return sorted(g.subjects(RDF.type, HKG.Assertion))[0]


def _unstate(g: Graph) -> None:
    a = _first_assertion(g)
    g.remove((g.value(a, RDF.subject), g.value(a, RDF.predicate), g.value(a, RDF.object)))


BREAKAGES: dict[str, tuple[Callable[[Graph], object], str]] = {
    "second label": (lambda g: g.add((DOCTOR, RDFS.label, Literal("张医生", lang="zh"))), "rdfs:label"),
    "no label": (lambda g: g.remove((HOSPITAL, RDFS.label, None)), "rdfs:label"),
    "label without @zh": (lambda g: g.set((HOSPITAL, RDFS.label, Literal("Qingzhou"))), "rdfs:label"),
    "property not allowed": (lambda g: g.add((HOSPITAL, SCHEMA.name, Literal("x"))), "closed"),
    "no article": (lambda g: g.remove((PATIENT, HKG.mentionedIn, None)), "hkg:mentionedIn"),
    "event date not xsd:date": (lambda g: g.set((EVENT, SCHEMA.startDate, Literal("5月12日"))), "startDate"),
    "two event dates": (lambda g: g.add((EVENT, SCHEMA.startDate, Literal("2024-05-13", datatype=XSD.date))),
                        "startDate"),
    "article without title": (lambda g: g.remove((ARTICLE, DCTERMS.title, None)), "dcterms:title"),
    "article not prov:Entity": (lambda g: g.remove((ARTICLE, RDF.type, PROV.Entity)), "prov:Entity"),
    "treated by a hospital": (lambda g: g.add((HOSPITAL, HKG.treated, PATIENT)), "hkg:treated"),
    "works at an event": (lambda g: g.add((DOCTOR, HKG.worksAt, EVENT)), "hkg:worksAt"),
    "assertion without article": (lambda g: g.remove((_first_assertion(g), PROV.wasDerivedFrom, None)),
                                  "prov:wasDerivedFrom"),
    "assertion without sentence": (lambda g: g.remove((_first_assertion(g), HKG.evidenceText, None)),
                                   "evidenceText"),
    "asserted triple missing": (_unstate, "not stated"),
    "relation without evidence": (lambda g: g.add((DOCTOR, HKG.participatedIn, EVENT)), "no hkg:Assertion"),
}


def test_shacl_examples_build_conforms_under_rdfs_inference(build: Path) -> None:
    # stores that reason before validating add every super-property the ontology declares
    data = Graph().parse(build / "graph.ttl", format="turtle")
    result = validate(data, inference="rdfs")
    assert result.conforms, result.summary(shown=20)
    inferred = Graph().parse(build / "graph.ttl", format="turtle")
    inferred += Graph().parse(ontology_path(), format="turtle")
    import owlrl
    owlrl.DeductiveClosure(owlrl.RDFS_Semantics).expand(inferred)
    assert (None, SCHEMA.worksFor, None) in inferred  # the inference did add what the shapes allow


# What RDFS entailment itself repairs: hkg:Article ⊑ prov:Entity types the article again,
# hkg:evidenceArticle ⊑ prov:wasDerivedFrom restates the derivation, and worksAt's range makes
# the event an Organization too (saying that an event is none needs OWL, not RDFS).
REPAIRED_BY_RDFS = {"article not prov:Entity", "assertion without article", "works at an event"}


@pytest.mark.parametrize("name", sorted(set(BREAKAGES) - REPAIRED_BY_RDFS))
def test_shacl_reports_the_mistake_also_under_rdfs_inference(name: str) -> None:
    change, expected = BREAKAGES[name]
    graph = to_rdf(tiny_kg())
    change(graph)
    result = validate(graph, inference="rdfs")
    assert not result.conforms and any(expected in message for message in result.messages), result.messages


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_shacl_reports_the_mistake(name: str) -> None:
    change, expected = BREAKAGES[name]
    graph = to_rdf(tiny_kg())
    change(graph)
    result = validate(graph)
    assert not result.conforms and result.violations >= 1
    assert any(expected in message for message in result.messages), result.messages
    summary = result.summary()
    assert summary.startswith(f"SHACL: {result.violations} violation")
    assert len(summary.splitlines()) <= 1 + 3 + 1


# --- kg build prints it -------------------------------------------------------------------

def _fake_build(kg: KnowledgeGraph):
    def fake(inputs, analyzer=None, report=None, *args, **kwargs):
        report.files_read, report.articles = 1, len(kg.articles)
        return kg
    return fake


def test_shacl_kg_build_prints_conforms(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(cli, "build_graph", _fake_build(tiny_kg()))
    assert cli.main(["build", "x", "--out", str(tmp_path), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "SHACL: conforms" in out.splitlines()
    assert "validate" in out


def test_shacl_kg_build_no_validate(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(cli, "build_graph", _fake_build(tiny_kg()))
    assert cli.main(["build", "x", "--out", str(tmp_path), "--no-cache", "--no-validate"]) == 0
    assert "SHACL" not in capsys.readouterr().out


def test_shacl_kg_build_skips_a_graph_over_the_limit_without_making_it_again(
        monkeypatch, tmp_path: Path, capsys, caplog) -> None:
    from kg import export_rdf, pipeline

    passes = []
    whole = export_rdf._triples

    def counted(kg):
        passes.append(1)
        return whole(kg)

    monkeypatch.setattr(export_rdf, "_triples", counted)
    monkeypatch.setattr(pipeline, "MAX_VALIDATED_TRIPLES", 20)
    monkeypatch.setattr(cli, "build_graph", _fake_build(tiny_kg()))
    assert cli.main(["build", "x", "--out", str(tmp_path), "--no-cache"]) == 0
    assert "SHACL" not in capsys.readouterr().out
    assert "SHACL: not checked, the graph has more than 20 triples" in caplog.text
    assert len(passes) == 1  # graph.ttl's (void.ttl counts it as it goes), none for SHACL


def test_shacl_kg_build_reports_violations(monkeypatch, tmp_path: Path, capsys) -> None:
    kg = tiny_kg()
    bad = KnowledgeGraph(kg.articles, kg.entities,
                         kg.relations + (Relation("hospital/1", "treated", "person/2",
                                                  (Evidence("a.txt", "医院救治了李某。"),)),))
    monkeypatch.setattr(cli, "build_graph", _fake_build(bad))
    assert cli.main(["build", "x", "--out", str(tmp_path), "--no-cache"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("SHACL:"))
    assert "violation" in line
    assert "hkg:treated" in out
    assert cli.main(["build", "x", "--out", str(tmp_path), "--no-cache", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "SHACL:" in captured.err


def test_shacl_validate_module_command(build: Path, tmp_path: Path, capsys) -> None:
    assert validate_main([str(build / "graph.ttl")]) == 0
    assert capsys.readouterr().out.strip() == "SHACL: conforms"
    graph = to_rdf(tiny_kg())
    graph.add((HOSPITAL, HKG.treated, PATIENT))
    graph.serialize(tmp_path / "bad.ttl", format="turtle")
    assert validate_main([str(tmp_path / "bad.ttl")]) == 1
    assert validate_main([str(build / "graph.ttl"), "--inference", "rdfs"]) == 0
    with pytest.raises(SystemExit) as usage:
        validate_main([])
    assert usage.value.code == 2
