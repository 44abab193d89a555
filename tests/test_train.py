"""Training: gold projection, labels, and a deterministic model from a small annotated set."""
from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kg.model import Mention
from kg.train import (GoldDocument, GoldEntity, RelationExample, annotated_extractions, best_floors,
                      extract_documents, extract_with_annotated_names, fit_relations, gold_ids, interval_line,
                      load_documents, load_gold, main, mention_labels, paired_lines, relation_label)

ANNOTATED = Path(__file__).parent / "data" / "annotated"
SET = f"{ANNOTATED / 'articles'}:{ANNOTATED / 'gold'}"


def _gold(*entities, relations=()) -> GoldDocument:
    return GoldDocument("t.txt", tuple(entities), frozenset(relations))


def test_train_mention_labels_project_every_occurrence_longest_first(make_article) -> None:
    article = make_article("白水县人民医院在白水县。白水县人民医院")
    gold = _gold(GoldEntity("h", "Hospital", frozenset({"白水县人民医院"}), None),
                 GoldEntity("p", "Place", frozenset({"白水县"}), None))
    first, second = mention_labels(article, gold)
    assert first[:7] == ["B-HOS"] + ["I-HOS"] * 6  # not the place inside the hospital's name
    assert first[8:11] == ["B-PLA", "I-PLA", "I-PLA"] and first[7] == "O"
    assert second == ["B-HOS"] + ["I-HOS"] * 6


def test_train_gold_ids_match_as_the_scorer_does() -> None:
    gold = _gold(GoldEntity("ev", "Event", frozenset({"签约仪式"}), "2024-04-08"),
                 GoldEntity("doc", "Person", frozenset({"王立新"}), None))
    event = Mention("t", 0, 10, "Event", "帮扶协议签约仪式", "帮扶协议签约仪式", "2024-04-08")
    assert gold_ids(event, gold) == {"ev"}  # the gold label is contained in the mention's
    other_day = Mention("t", 0, 10, "Event", "签约仪式", "签约仪式", "2024-05-01")
    assert gold_ids(other_day, gold) == set()
    assert gold_ids(Mention("t", 0, 3, "Doctor", "王立新", "王立新"), gold) == {"doc"}  # any person type


def _cells(line: str) -> list[tuple[float, float]]:
    return [tuple(map(float, cell.split("–"))) for cell in line.strip("| ").split(" | ")[1:]]


def test_train_interval_is_a_point_when_every_document_scores_alike() -> None:
    # [tp predicted side, predicted, tp gold side, gold]: P 0.5, R 0.5 for every line
    same = {"entity all": [1, 2, 1, 2], "relation all": [1, 2, 1, 2], "person types": [3, 0, 4, 0]}
    cells = _cells(interval_line("x", [same] * 7))
    assert cells[0] == cells[1] == (0.5, 0.5)
    assert cells[-1] == (0.75, 0.75)  # person type accuracy


def test_train_interval_spreads_around_the_pooled_figure_and_is_reproducible() -> None:
    documents = [{"relation all": [tp, 4, tp, 4]} for tp in (0, 1, 2, 3, 4, 4, 3, 2)]
    line = interval_line("x", documents)
    low, high = _cells(line)[1]
    pooled = 19 / 32
    assert low < pooled < high and high - low > 0.2
    assert interval_line("x", documents) == line  # a fixed seed


def _change(lines: list[str], figure: str) -> tuple[float, float, float]:
    row = next(line for line in lines if line.startswith(f"| {figure} |"))
    cells = row.strip("| ").split(" | ")
    low, high = cells[4].split(" to ")
    return float(cells[3]), float(low), float(high)


def test_train_paired_lines_tell_a_change_from_noise() -> None:
    before = {f"d{i}.json": {"relation all": [tp, 4, tp, 4]} for i, tp in enumerate((0, 1, 2, 3, 4, 2, 1, 3))}
    assert _change(paired_lines(before, before), "relation all") == (0.0, 0.0, 0.0)
    # one more right fact in every document: the change is told apart, its interval leaves out 0
    better = {name: {"relation all": [min(c[0] + 1, 4), 4, min(c[2] + 1, 4), 4]} for name, c in
              ((n, v["relation all"]) for n, v in before.items())}
    change, low, high = _change(paired_lines(before, better), "relation all")
    assert change > 0 and 0 < low <= change <= high
    # the same documents only: one missing from the second run is left out of both
    fewer = dict(list(better.items())[1:])
    assert paired_lines(before, fewer)[0] == "paired over 7 documents"
    with pytest.raises(ValueError):
        paired_lines(before, {"other.json": {}})


STUB_SCORER = """
def score(graph, gold_dir):
    # a report shaped as the real scorer's: the predicted count is the graph's size in lines
    lines = sum(1 for _ in open(graph, encoding="utf-8"))
    line = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "predicted": lines, "gold": lines}
    return {"entity": {"all": line}, "relation": {"all": line}}
"""


def test_train_cross_validates_one_set_and_compares_two_runs(tmp_path, capsys) -> None:
    scorer = tmp_path / "score.py"
    scorer.write_text(STUB_SCORER)
    saved = tmp_path / "cv.json"
    # one set: no set to leave out (training on no document used to crash CRFsuite), 5 folds still
    assert main([SET, "--cv", "--scorer", str(scorer), "--save", str(saved)]) == 0
    table = capsys.readouterr().out
    assert "trained on the other sets" not in table
    # folds come from a hash of each file's name: these three fall into two, and the row says so
    assert "| all 3, 2 folds by document | 0.500 | 0.500 |" in table
    assert "| the same, with the annotated names for mentions (what the relations lose to the mentions) |" in table
    assert "| the same, each file built alone | 0.500 | 0.500 |" in table
    assert "| the same, all 3 files in one build | 0.500 | 0.500 |" in table
    documents = json.loads(saved.read_text())["documents"]
    assert sorted(documents) == ["a1_clinic.json", "a2_team.json", "a3_training.json"]
    assert main([SET, "--cv", "--scorer", str(scorer), "--compare", str(saved)]) == 0
    assert "| relation all | 0.500 | 0.500 | +0.000 | +0.000 to +0.000 |" in capsys.readouterr().out


def test_train_learning_curve_command_prints_each_share_and_the_fitted_gain(tmp_path, capsys) -> None:
    scorer = tmp_path / "score.py"
    scorer.write_text(STUB_SCORER)
    assert main([SET, "--curve", "--scorer", str(scorer)]) == 0
    table = capsys.readouterr().out.splitlines()
    rows = [line for line in table if line.startswith("| ") and "---" not in line]
    # three files in two folds: each fold trains on one or two of them, a share at least one
    assert [row.split(" | ")[0] for row in rows[1:5]] == ["| 25%: 1.0, 2 draws pooled", "| 50%: 1.0, 2 draws pooled",
                                                         "| 75%: 1.5, 2 draws pooled", "| all: 1.5"]
    assert [row.split(" | ")[0] for row in rows[5:9]] == [
        "| 25%: 1.0, 2 draws pooled, with the annotated names for mentions",
        "| 50%: 1.0, 2 draws pooled, with the annotated names for mentions",
        "| 75%: 1.5, 2 draws pooled, with the annotated names for mentions",
        "| all: 1.5, with the annotated names for mentions"]
    # the stub scores every graph alike: a flat line, no gain and no count for any goal
    assert rows[9].startswith("| gain per doubling of the training documents | +0.000 | +0.000 |")
    assert rows[10].startswith("| training documents per fold for the goals (0.88, 0.70, 0.65, 0.65, 0.55, —, 0.85)")
    assert rows[10].endswith("| — | — | — | — | — | — | — |")
    with pytest.raises(SystemExit):
        main([SET, "--curve", "--cv", "--scorer", str(scorer)])
    assert "--curve runs alone" in capsys.readouterr().err


def test_train_learning_curve_samples_are_reproducible_shares_in_order() -> None:
    from kg.train import training_sample

    documents = list(range(20))
    quarter = training_sample(documents, 0.25, draw=0, fold=3)
    assert len(quarter) == 5 and quarter == sorted(quarter)
    assert training_sample(documents, 0.25, draw=0, fold=3) == quarter
    assert training_sample(documents, 0.25, draw=1, fold=3) != quarter  # another draw, another sample
    assert training_sample(documents, 1.0, draw=5, fold=0) == documents
    assert training_sample(documents[:2], 0.1, draw=0, fold=0) in ([0], [1])  # one document at least


def test_train_learning_curve_fit_reads_the_gain_per_doubling_and_where_a_goal_is_reached() -> None:
    from kg.train import documents_for, log2_fit

    # 0.50 at 8 documents, +0.05 a doubling
    points = [(8, 0.50), (16, 0.55), (32, 0.60), (64, 0.65)]
    slope, intercept = log2_fit(points)
    assert slope == pytest.approx(0.05) and intercept == pytest.approx(0.35)
    assert documents_for(0.70, (slope, intercept), 64, 0.65) == "128"
    assert documents_for(0.60, (slope, intercept), 64, 0.65) == "met"
    assert documents_for(0.70, (-0.01, 0.9), 64, 0.65) == "—"  # a line that does not rise
    assert log2_fit([(8, 0.5), (8, 0.6)]) is None  # one count: no line
    assert documents_for(0.70, None, 64, 0.65) == "—"


def test_train_folds_first_assignment_unsalted_and_each_repeat_another() -> None:
    import hashlib
    from types import SimpleNamespace

    from kg.train import folds_of

    documents = [SimpleNamespace(source=Path(f"article_{i}.txt")) for i in range(40)]
    first = folds_of(documents, 5)
    # the first assignment is the one figures were always quoted on: a hash of the name alone
    assert first == [int(hashlib.sha256(d.source.name.encode()).hexdigest(), 16) % 5 for d in documents]
    assert folds_of(documents, 5, repeat=0) == first
    second = folds_of(documents, 5, repeat=1)
    assert second == folds_of(documents, 5, repeat=1)  # reproducible
    assert second != first and folds_of(documents, 5, repeat=2) not in (first, second)
    assert set(second) <= set(range(5))


def test_train_repeats_pool_each_documents_counts_and_compare_only_like_runs(tmp_path, capsys) -> None:
    scorer = tmp_path / "score.py"
    scorer.write_text(STUB_SCORER)
    once, twice = tmp_path / "once.json", tmp_path / "twice.json"
    assert main([SET, "--cv", "--scorer", str(scorer), "--save", str(once)]) == 0
    assert main([SET, "--cv", "--scorer", str(scorer), "--repeats", "2", "--save", str(twice)]) == 0
    assert "| all 3, 2 folds by document, 2 assignments pooled | 0.500 |" in capsys.readouterr().out
    one = json.loads(once.read_text())
    two = json.loads(twice.read_text())
    assert (one["repeats"], two["repeats"]) == (1, 2)
    # each document is scored once per assignment: its pooled gold count is at least its single
    # one, by another model's graph (the stub's counts are the graph's size)
    for name, found in two["documents"].items():
        assert found["entity all"][3] > one["documents"][name]["entity all"][3]
    with pytest.raises(SystemExit):
        main([SET, "--cv", "--scorer", str(scorer), "--compare", str(once), "--repeats", "2"])
    assert "saved with --repeats 1, this run has --repeats 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([SET, "--cv", "--scorer", str(scorer), "--repeats", "0"])
    with pytest.raises(SystemExit):  # without the scorer nothing is cross-validated to repeat
        main([SET, "--repeats", "2", "--out", str(tmp_path / "models")])
    assert "--repeats need --scorer" in capsys.readouterr().err


def test_train_needs_a_document() -> None:
    from kg.train import train

    with pytest.raises(ValueError, match="no annotated document"):
        train([], Path("unused"), None)


def test_train_compare_refuses_a_file_save_did_not_write(tmp_path, capsys) -> None:
    bad = tmp_path / "cv.json"
    bad.write_text("not json")
    with pytest.raises(SystemExit):
        main([SET, "--cv", "--scorer", str(tmp_path / "score.py"), "--compare", str(bad)])
    assert "not a file --save wrote" in capsys.readouterr().err


def test_train_worksat_the_departments_hospital_is_a_positive() -> None:
    gold = _gold(relations={("worksAt", "p", "dept"), ("partOf", "dept", "hosp")})
    assert relation_label("worksAt", {"p"}, {"hosp"}, gold, {"dept": {"hosp"}})
    assert not relation_label("worksAt", {"p"}, {"other"}, gold, {"dept": {"hosp"}})


def test_train_load_gold_reads_the_scorers_format() -> None:
    gold = load_gold(ANNOTATED / "gold" / "a1_clinic.json")
    assert gold.document == "a1_clinic.txt"
    assert ("treated", "wang_lixin", "li_daye") in gold.relations
    event = next(e for e in gold.entities if e.id == "ev_clinic")
    assert event.group == "Event" and "健康进乡村" in event.names and event.date == "2024-03-12"


def test_train_documents_are_read_as_a_build_reads_them(analyzer) -> None:
    documents = load_documents([("annotated", ANNOTATED / "articles", ANNOTATED / "gold")], analyzer)
    assert [d.source.name for d in documents] == ["a1_clinic.txt", "a2_team.txt", "a3_training.txt"]
    article, candidates = documents[0].stories[0]
    assert article.text.startswith("青川县人民医院") and candidates.tokens and candidates.mentions


def test_train_annotated_reading_has_the_gold_names_for_mentions(analyzer) -> None:
    documents = load_documents([("annotated", ANNOTATED / "articles", ANNOTATED / "gold")], analyzer)
    (index, doc, extraction), *_ = annotated_extractions(documents[:1], analyzer)
    gold_names = {name for e in doc.gold.entities for name in e.names}
    found = {m.text for m in extraction.mentions if m.end > m.start}
    assert found <= gold_names and {"青川县人民医院", "王立新", "冠心病"} <= found
    assert index == 0 and extraction.relations  # the rules' relations over the gold names


def test_train_a_build_over_the_annotated_names_takes_them_for_its_mentions(analyzer) -> None:
    import dataclasses

    documents = load_documents([("annotated", ANNOTATED / "articles", ANNOTATED / "gold")], analyzer)
    doc = documents[0]
    # a name no tagger would propose: annotated, it is a mention; the tagger's build lacks it
    odd = GoldEntity("odd", "Department", frozenset({"能力显著"}), None)
    doc = dataclasses.replace(doc, gold=dataclasses.replace(doc.gold, entities=doc.gold.entities + (odd,)))
    given = {m.text for x in extract_with_annotated_names([doc], analyzer)[0] for m in x.mentions}
    tagged = {m.text for x in extract_documents([doc], analyzer)[0] for m in x.mentions}
    assert "能力显著" in given and "能力显著" not in tagged
    assert {"青川县人民医院", "王立新", "冠心病"} <= given
    gold_names = {name for e in doc.gold.entities for name in e.names}
    assert {name for name in given if name} <= gold_names
    relations = [r for x in extract_with_annotated_names([doc], analyzer)[0] for r in x.relations]
    assert ("王立新", "treated", "李大爷") in {(r.head.text, r.kind, r.tail.text) for r in relations}


def test_train_thresholds_are_chosen_on_the_held_out_reading_alone(monkeypatch) -> None:
    import kg.train

    seen = []

    def best_thresholds(scores, rows):
        seen.extend(rows)
        return 0.5, 0.5

    monkeypatch.setattr(kg.train, "best_thresholds", best_thresholds)
    rows = [RelationExample(document, "treated", [f"x={label}", f"d={document}"], label,
                            (document, "甲", str(n)), held_out)
            for document in range(4) for n, label in enumerate((True, False, True))
            for held_out in (True, False)]
    assert "treated" in fit_relations(rows)
    assert seen and all(row.held_out for row in seen) and len(seen) == len(rows) // 2


def _row(head: str, tail: str, score_label: str, label: bool, rule: bool = False) -> RelationExample:
    features = [f"ht={score_label}>Hospital", *(["rule"] if rule else [])]
    return RelationExample(0, "partOf", features, label, (0, head, tail))


def test_train_floors_give_a_head_its_likeliest_fact_where_that_raises_f1() -> None:
    # over the thresholds (0.5): A's fact. Under them: B's two departments' facts, the likelier
    # right; C, a hospital, whose only fact is wrong
    rows = [_row("A", "H1", "Department", True), _row("B", "H1", "Department", True),
            _row("B", "H2", "Department", False), _row("C", "X", "Hospital", False),
            _row("D", "H1", "Department", True)]
    scores = [0.9, 0.3, 0.2, 0.35, 0.6]
    floors = best_floors(scores, rows, (0.5, 0.5))
    # B takes its likelier fact (0.3, right), not its other (0.2): of the floors that do so, the
    # highest …
    assert floors == {"Department": 0.3}
    # … and a head over the thresholds takes nothing more: A and D keep one fact each
    assert best_floors([0.9, 0.6, 0.2, 0.35, 0.6], rows, (0.5, 0.5)) == {}


def test_train_no_floor_where_the_likeliest_facts_are_wrong() -> None:
    rows = [_row("A", "H1", "Department", True), _row("B", "H2", "Department", False),
            _row("C", "H3", "Department", False)]
    assert best_floors([0.9, 0.4, 0.3], rows, (0.5, 0.5)) == {}
    # a fact a rule voted for counts under the rules' threshold
    voted = [_row("A", "H1", "Department", True), _row("B", "H2", "Department", True, rule=True)]
    assert best_floors([0.9, 0.3], voted, (0.2, 0.5)) == {}
    assert best_floors([0.9, 0.3], voted, (0.5, 0.5)) == {"Department": 0.3}
    # no true fact and none over the thresholds (a small set of one's own annotations): no floor
    assert best_floors([0.3], [_row("A", "H1", "Department", False)], (0.5, 0.5)) == {}


@pytest.mark.timeout(300)
def test_train_is_deterministic_and_its_models_load(tmp_path, caplog) -> None:
    from kg.pairs import load_model
    from kg.persons import load_model as load_person_model
    from kg.tagger import load_tagger

    for run in ("one", "two"):
        assert main([SET, "--out", str(tmp_path / run)]) == 0
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == ["mentions.crfsuite", "mentions.crfsuite.meta.json", "person_types.json",
                     "person_types.json.meta.json", "relations.json", "relations.json.meta.json"]
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    meta = json.loads((tmp_path / "one" / "relations.json.meta.json").read_text())
    assert meta["documents"] == 3 and len(meta["data"]) == 16 and "scikit-learn" in meta["libraries"]
    with caplog.at_level(logging.WARNING):
        assert load_tagger(tmp_path / "one" / "mentions.crfsuite") is not None
        assert load_model(tmp_path / "one" / "relations.json") is not None
        person_model = load_person_model(tmp_path / "one" / "person_types.json")
    assert not caplog.records
    # the three articles name doctors, officials and plain people: a type model is learnt
    assert person_model is not None and {"Doctor", "Person"} <= set(person_model.classes)


def test_train_a_model_trained_elsewhere_says_so(tmp_path, caplog) -> None:
    from kg.models import check_meta, write_meta

    model = tmp_path / "m.json"
    model.write_text("{}")
    write_meta(model, {"documents": 1})
    meta_file = tmp_path / "m.json.meta.json"
    meta = json.loads(meta_file.read_text())
    meta["libraries"]["python-crfsuite"] = "0.0.1"
    meta_file.write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING):
        check_meta(model)
    assert "trained with python-crfsuite 0.0.1" in caplog.text


def test_train_command_line_refuses_a_missing_folder(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["/nonexistent:/nonexistent"])
    assert stop.value.code == 2 and "no such folder" in capsys.readouterr().err


def test_train_shipped_models_carry_their_record_and_match_the_pinned_libraries(caplog) -> None:
    from kg.models import check_meta

    folder = Path(__file__).parent.parent / "kg" / "models"
    for name in ("mentions.crfsuite", "relations.json", "person_types.json"):
        with caplog.at_level(logging.WARNING):
            meta = check_meta(folder / name)
        assert not caplog.records, caplog.text  # retrain after changing a pinned library
        assert meta["documents"] == 71 and meta["sets"] == ["corpus", "dev2", "dev3"]
        assert any("5 folds by document" in line for line in meta["cross_validated"])
        assert any("95 % interval" in line for line in meta["cross_validated"])
