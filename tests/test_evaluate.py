"""The per-stage error analysis (kg.evaluate) on a small hand-made gold file."""
from __future__ import annotations

from pathlib import Path

from kg.evaluate import evaluate

DATA = Path(__file__).parent / "data"


def test_evaluate_attributes_each_miss_to_a_stage() -> None:
    report = evaluate([DATA / "articles" / "plain_utf8.txt"], DATA / "gold")
    assert report.gold_entities == 6
    assert report.gold_relations == 3
    # the one entity the article never names is lost before extraction ever sees it
    assert report.entity_losses["clean"] == ["Hospital:不存在的医院"]
    assert not report.entity_losses["extract"], report.table()
    # a relation to a missing entity is an entity error, not a rule error
    assert report.relation_losses["entity missing"] == ["aidedBy(沭阳县人民医院→不存在的医院)"]
    # what the models did not choose is among the rest of the gold relations (both ends found)
    assert set(report.relation_losses["relation not chosen"]) <= {
        "treated(王立新→李刚)", "partOf(心血管内科→沭阳县人民医院)"}, report.table()


def test_evaluate_table_lists_every_stage() -> None:
    table = evaluate([DATA / "articles" / "plain_utf8.txt"], DATA / "gold").table()
    for stage in ("clean", "extract", "type", "resolve", "entity missing", "relation not chosen"):
        assert stage in table


def test_evaluate_command_prints_the_stage_table(capsys) -> None:
    from kg.cli import main

    assert main(["eval", str(DATA / "articles" / "plain_utf8.txt"), "--gold", str(DATA / "gold")]) == 0
    out = capsys.readouterr().out
    assert "gold entities 6" in out and "Hospital:不存在的医院" in out
