"""Tables for a report: every build writes tables/aid.csv, entities.csv, relations.csv (UTF-8 with
a BOM, for Excel) and tables.xlsx (three sheets, frozen header row); `kg table` writes one of them
from a build, the same bytes as the build's own."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import cli
from kg.tables import HEADERS, programme_words, write_csv
from kg.views import load_graph


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


def _csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_tables_aid_has_a_row_per_pair_with_programme_dates_and_provinces(build: Path) -> None:
    rows = _csv(build / "tables" / "aid.csv")
    assert rows[0] == HEADERS["aid"]
    graph = load_graph(build)
    pairs = [(h, t) for h, t, kind in graph.edges(keys=True) if kind == "aidedBy"]
    assert len(rows) - 1 == len(pairs) > 3
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    for record in records:
        assert record["文章数"].isdigit() and int(record["文章数"]) >= 1
        for day in (record["最早日期"], record["最近日期"]):
            assert day == "" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", day)
        assert record["最早日期"] <= record["最近日期"] or not record["最近日期"]
    assert any("对口帮扶" in r["项目"] for r in records)
    assert any(r["受助方省份"] and r["援助方省份"] for r in records)
    assert all(r["证据原文"] for r in records)


_CELLS = st.one_of(st.text(st.sampled_from('医院甲,"\r\n \t\ufeff;a1')), st.integers(0, 10**6))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_CELLS, min_size=1, max_size=5), min_size=1, max_size=20))
def test_tables_csv_reads_back_as_written_with_one_bom_and_excel_line_ends(rows, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    write_csv(rows, path)
    data = path.read_bytes()
    expected = io.StringIO()  # what Python's csv module writes for these rows, encoded after
    csv.writer(expected, lineterminator="\r\n").writerows(rows)
    assert data == b"\xef\xbb\xbf" + expected.getvalue().encode("utf-8")
    assert _csv(path) == [[str(cell) for cell in row] for row in rows]
    assert [p.name for p in path.parent.iterdir()] == ["t.csv"]  # no temporary file left


def test_tables_entities_and_relations(build: Path) -> None:
    entities = _csv(build / "tables" / "entities.csv")
    graph = load_graph(build)
    assert entities[0] == HEADERS["entities"] and len(entities) - 1 == graph.number_of_nodes()
    assert {"医院", "医生", "事件"} <= {row[1] for row in entities[1:]}
    relations = _csv(build / "tables" / "relations.csv")
    assert relations[0] == HEADERS["relations"]
    sentences = sum(max(1, len(data.get("evidence", ()))) for *_, data in graph.edges(keys=True, data=True))
    assert len(relations) - 1 == sentences
    assert {"受援于", "救治", "主办", "任职于"} <= {row[1] for row in relations[1:]}


def test_tables_workbook_has_three_sheets_with_frozen_headers(build: Path) -> None:
    with zipfile.ZipFile(build / "tables.xlsx") as book:
        names = book.namelist()
        workbook = book.read("xl/workbook.xml").decode()
        sheets = [book.read(f"xl/worksheets/sheet{i}.xml").decode() for i in (1, 2, 3)]
        strings = book.read("xl/sharedStrings.xml").decode()
        core = book.read("docProps/core.xml").decode()
    assert "xl/worksheets/sheet3.xml" in names
    assert all(f'name="{name}"' in workbook for name in ("援助", "实体", "关系"))
    for sheet in sheets:
        assert 'ySplit="1"' in sheet and 'state="frozen"' in sheet  # the header row stays
        assert "<cols>" in sheet  # widths set
    assert all(header in strings for header in HEADERS["aid"] + HEADERS["relations"])
    assert "2000-01-01" in core  # a fixed time: rebuilds give the same bytes


def test_tables_kg_table_gives_the_builds_bytes(build: Path, tmp_path: Path, capsys) -> None:
    for name in ("aid", "entities", "relations"):
        out = tmp_path / f"{name}.csv"
        assert cli.main(["table", str(build), name, "--out", str(out)]) == 0
        assert out.read_bytes() == (build / "tables" / f"{name}.csv").read_bytes(), name
    assert cli.main(["table", str(build), "aid", "--format", "xlsx", "--out", str(tmp_path / "aid.xlsx")]) == 0
    assert zipfile.is_zipfile(tmp_path / "aid.xlsx")
    capsys.readouterr()
    assert cli.main(["table", str(build), "entities"]) == 0
    assert capsys.readouterr().out.startswith(",".join(HEADERS["entities"]))
    assert cli.main(["table", str(build), "aid", "--format", "xlsx"]) == 2
    assert cli.main(["table", str(tmp_path / "nowhere"), "aid"]) == 2


def test_tables_programme_words_keep_the_most_specific() -> None:
    assert programme_words(["省人民医院对口帮扶县医院，组建医联体"]) == ["对口帮扶", "医联体"]
    assert programme_words(["中国援外医疗队"]) == ["援外医疗队"]
    assert programme_words(["签约仪式"]) == []


def test_tables_a_huge_build_gets_csv_but_no_workbook(build: Path, tmp_path: Path, monkeypatch, caplog) -> None:
    import kg.tables
    from kg.tables import write_tables

    out = tmp_path / "out"
    out.mkdir()
    (out / "tables.xlsx").write_bytes(b"an older build's workbook")
    monkeypatch.setattr(kg.tables, "MAX_WORKBOOK_ROWS", 10)
    written = write_tables(load_graph(build), out)
    assert [p.name for p in written] == ["aid.csv", "entities.csv", "relations.csv"]
    assert not (out / "tables.xlsx").exists()
    assert "tables.xlsx not written" in caplog.text
