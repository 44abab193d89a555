"""Tests of kg.pipeline on tests/data, and the golden checks of tests/data/expectations.json."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

import kg.extract
import kg.pipeline
from kg.model import ENTITY_TYPES, RELATION_KINDS
from kg.pipeline import BuildReport, build_graph, document_articles
from kg.read import read_document

DATA = Path(__file__).parent / "data"
ARTICLES = DATA / "articles"
EXPECTATIONS = json.loads((DATA / "expectations.json").read_text(encoding="utf-8"))

# Golden recall floors over tests/data/expectations.json.
# Measured on 2026-11-23: entities 41/44 = 0.932, relations 20/28 = 0.714 (the extractor was being
# changed that day; the best seen was 42/44 and 21/28). May rise, never fall: raise them when the
# extractor improves, never lower them to make a regression pass.
MEASURED_ENTITY_RECALL = 0.93
MEASURED_RELATION_RECALL = 0.71
ENTITY_RECALL_FLOOR = MEASURED_ENTITY_RECALL - 0.05
RELATION_RECALL_FLOOR = MEASURED_RELATION_RECALL - 0.05

PERSON_GROUP = {"Doctor", "Patient", "Official", "Person"}
ORGANIZATION_GROUP = {"MedicalTeam", "GovernmentAgency", "Organization"}


def group(entity_type: str) -> str:
    if entity_type in PERSON_GROUP:
        return "Person"
    if entity_type in ORGANIZATION_GROUP:
        return "Organization"
    return entity_type


def in_file(article_ids, file: str) -> bool:
    """An article id is the file name, or file#n for a story of a newsletter."""
    return any(a == file or a.startswith(file + "#") for a in article_ids)


def names(entity) -> set[str]:
    return {entity.name, *entity.aliases}


def entities_of(kg, file: str):
    # Only entities the build found in that file: `kg build tests/data` also reads
    # expectations.json itself as an article (see test_read), whose text names every entity.
    return [e for e in kg.entities if in_file(e.articles, file)]


def must_have_entities(kg):
    found, missing = 0, []
    for spec in EXPECTATIONS:
        entities = entities_of(kg, spec["file"])
        for etype, name in spec["must_have_entities"]:
            if any(group(e.type) == group(etype) and name in names(e) for e in entities):
                found += 1
            else:
                missing.append((spec["file"], etype, name))
    return found, missing


def must_have_relations(kg):
    ids = {e.id: e for e in kg.entities}
    found, missing = 0, []
    for spec in EXPECTATIONS:
        for kind, head, tail in spec["must_have_relations"]:
            if any(r.kind == kind and head in names(ids[r.head]) and tail in names(ids[r.tail])
                   and in_file([ev.article for ev in r.evidence], spec["file"])
                   for r in kg.relations):
                found += 1
            else:
                missing.append((spec["file"], kind, head, tail))
    return found, missing


def _forbidden(entity_type: str, actual_type: str) -> bool:
    """A generic type (Person, Organization) forbids the whole group; a fine one only itself:
    ["Patient", "王立新"] means 王立新 must not be typed Patient, not that he is absent."""
    if entity_type in ("Person", "Organization"):
        return group(actual_type) == group(entity_type)
    return actual_type == entity_type


def test_pipeline_golden_entity_recall(data_build) -> None:
    kg, _ = data_build
    found, missing = must_have_entities(kg)
    total = found + len(missing)
    recall = found / total
    assert recall >= ENTITY_RECALL_FLOOR, (
        f"entity recall {found}/{total} = {recall:.3f} < floor {ENTITY_RECALL_FLOOR:.3f}; "
        f"missing: {missing}")


def test_pipeline_golden_relation_recall(data_build) -> None:
    kg, _ = data_build
    found, missing = must_have_relations(kg)
    total = found + len(missing)
    recall = found / total
    assert recall >= RELATION_RECALL_FLOOR, (
        f"relation recall {found}/{total} = {recall:.3f} < floor {RELATION_RECALL_FLOOR:.3f}; "
        f"missing: {missing}")


@pytest.mark.parametrize("spec", EXPECTATIONS, ids=[s["file"] for s in EXPECTATIONS])
def test_pipeline_golden_must_not_have(data_build, spec) -> None:
    kg, _ = data_build
    entities = entities_of(kg, spec["file"])
    present = [(etype, name, e.type) for etype, name in spec["must_not_have_entities"]
               for e in entities if name in names(e) and _forbidden(etype, e.type)]
    assert present == []


def test_pipeline_golden_expectations_cover_every_article() -> None:
    files = {p.name for p in ARTICLES.iterdir()}
    assert {s["file"] for s in EXPECTATIONS} == files


def test_pipeline_report_counts(data_build) -> None:
    kg, report = data_build
    failed = {Path(f.source).name: f.reason for f in report.failures}
    assert set(failed) == {"empty.txt", "garbage.bin"}
    assert failed["empty.txt"].startswith("empty")
    assert failed["garbage.bin"].startswith("binary")
    assert report.files_read >= 7
    assert report.articles == len(kg.articles) >= 8
    assert report.entity_types == Counter(e.type for e in kg.entities)
    assert report.relation_kinds == Counter(r.kind for r in kg.relations)


def test_pipeline_graph_is_well_formed(data_build) -> None:
    kg, _ = data_build
    ids = [e.id for e in kg.entities]
    assert len(ids) == len(set(ids))
    article_ids = {a.id for a in kg.articles}
    for e in kg.entities:
        assert e.type in ENTITY_TYPES
        assert e.name and e.name == e.name.strip()
        assert set(e.articles) <= article_ids
    known = set(ids)
    for r in kg.relations:
        assert r.kind in RELATION_KINDS
        assert r.head in known and r.tail in known and r.head != r.tail
        assert r.evidence and all(ev.sentence and ev.article in article_ids for ev in r.evidence)


def test_pipeline_newsletter_publisher_from_masthead(analyzer) -> None:
    articles = document_articles(read_document(ARTICLES / "newsletter.txt"), analyzer)
    assert len(articles) == 2
    assert {a.publisher for a in articles} == {"东台市人民医院"}


def test_pipeline_build_is_deterministic(analyzer) -> None:
    first = build_graph([ARTICLES / "plain_utf8.txt", ARTICLES / "gb18030.txt"], analyzer)
    second = build_graph([ARTICLES / "gb18030.txt", ARTICLES / "plain_utf8.txt"], analyzer)
    assert {(e.id, e.name, e.type) for e in first.entities} == \
        {(e.id, e.name, e.type) for e in second.entities}
    assert set(first.relations) == set(second.relations)


def test_pipeline_collects_garbage_less_often_while_building_and_then_as_before(analyzer, monkeypatch) -> None:
    import gc

    seen = []
    real = kg.pipeline.resolve

    def resolve(extractions):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0))
        return real(extractions)

    monkeypatch.setattr(kg.pipeline, "resolve", resolve)
    before = gc.get_threshold()
    build_graph([ARTICLES / "plain_utf8.txt"], analyzer)
    assert seen == [(kg.pipeline.GC_THRESHOLD, True)]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    gc.freeze()  # a process that freezes objects itself keeps them frozen
    try:
        build_graph([ARTICLES / "plain_utf8.txt"], analyzer)
        assert gc.get_freeze_count() > 0 and gc.get_threshold() == before
    finally:
        gc.unfreeze()


def test_pipeline_one_bad_file_does_not_stop_the_build(analyzer, monkeypatch) -> None:
    real = kg.extract.document_articles

    def flaky(doc, an):
        if doc.source.endswith("gb18030.txt"):
            raise ValueError("boom")
        return real(doc, an)

    monkeypatch.setattr(kg.extract, "document_articles", flaky)
    report = BuildReport()
    graph = build_graph([ARTICLES / "gb18030.txt", ARTICLES / "plain_utf8.txt"], analyzer, report)
    assert [(Path(f.source).name, f.reason) for f in report.failures] == [("gb18030.txt", "ValueError: boom")]
    assert [a.id for a in graph.articles] == ["plain_utf8.txt"]
    assert any(e.name == "沭阳县人民医院" for e in graph.entities)


def test_pipeline_output_names_no_machine_path(tmp_path) -> None:
    """One corpus built from two folders: the same bytes, and neither folder's path in any output
    (the hidden .kg-build.json is this machine's record of the build, with file times: not data)."""
    from kg.cli import main

    outputs = []
    for folder in (tmp_path / "here", tmp_path / "somewhere" / "else" / "corpus"):
        (folder / "sub").mkdir(parents=True)
        shutil.copy(ARTICLES / "plain_utf8.txt", folder)
        shutil.copy(ARTICLES / "gb18030.txt", folder / "sub")
        out = tmp_path / f"out-{len(outputs)}"
        assert main(["build", str(folder), "--out", str(out), "--quiet"]) == 0
        outputs.append({f.name: f.read_bytes() for f in sorted(out.iterdir())
                        if f.is_file() and not f.name.startswith(".")})
    assert outputs[0] == outputs[1] and "graph.ttl" in outputs[0]
    for name, data in outputs[0].items():
        assert str(tmp_path).encode() not in data, name
    assert 'hkg:sourceFile "sub/gb18030.txt"' in outputs[0]["graph.ttl"].decode()
