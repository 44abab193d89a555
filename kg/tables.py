"""Stage 7d: the graph as tables for a report: `tables/aid.csv`, `entities.csv`, `relations.csv`
and `tables.xlsx` with the same three sheets (`kg table BUILD NAME` writes one from a build).

- aid: one row per aided/helper pair: both names and types, the programme words found in the
  helper's name and the evidence (对口帮扶, 医联体 …, from kg/resources/programmes.tsv), the first and
  last date of the articles stating it, both sides' provinces, the number of articles, one evidence
  sentence and its article;
- entities: name, type, aliases, province, number of articles;
- relations: one row per fact and sentence: head, relation, tail, the sentence, its article.

The tables read the networkx graph in the shape `kg.views.load_graph` gives (a build read back) and
`kg.graph.to_networkx(kg, provenance=True)` makes at build time. CSV is UTF-8 with a BOM so that
Excel shows the Chinese; the workbook is written by XlsxWriter (frozen header row, column widths to
fit) with fixed document times, so a rebuild gives the same bytes. Headers are Chinese, the page's
language; the README gives each column in English.
"""
from __future__ import annotations

import csv
import datetime
import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from . import lexicon, views
from .vocab import chinese_labels

__all__ = ["TABLES", "table_rows", "write_csv", "write_tables", "write_xlsx"]

TABLES = ("aid", "entities", "relations")
SHEET_NAMES = {"aid": "援助", "entities": "实体", "relations": "关系"}
HEADERS = {
    "aid": ["受助方", "受助方类型", "援助方", "援助方类型", "项目", "最早日期", "最近日期",
            "受助方省份", "援助方省份", "文章数", "证据原文", "证据文章"],
    "entities": ["名称", "类型", "别名", "省份", "文章数"],
    "relations": ["主体", "关系", "客体", "证据原文", "证据文章"],
}
# One fixed time for the workbook's properties: the file says nothing of when it was built.
FIXED_TIME = datetime.datetime(2000, 1, 1)
MAX_COLUMN_WIDTH = 60
# XlsxWriter writes about 10,000 rows a second here: a workbook of a research corpus (10,000
# articles, some 400,000 rows) would add a minute to its build.
MAX_WORKBOOK_ROWS = 100_000
log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _programmes() -> tuple[str, ...]:
    return tuple(e.term for e in lexicon.load("programmes.tsv"))


def programme_words(texts: Sequence[str]) -> list[str]:
    """The programme words found in the texts, in the lexicon's order; a word inside a longer one
    found (帮扶 in 对口帮扶) is not repeated."""
    joined = "\n".join(texts)
    found = [word for word in _programmes() if word in joined]
    return [w for w in found if not any(w != other and w in other for other in found)]


def _label(name: str) -> str:
    return chinese_labels().get(name, name)


def table_rows(graph: nx.MultiDiGraph, name: str, provinces: dict[Any, str] | None = None) -> list[list]:
    """The rows (header first) of one table. `provinces`: the graph's `views.provinces`, when the
    caller has them."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}: one of {', '.join(TABLES)}")
    provinces = views.provinces(graph) if provinces is None else provinces
    articles = graph.graph.get("articles", {})
    nodes = graph.nodes
    rows: list[list] = [list(HEADERS[name])]
    if name == "entities":
        for node, attrs in sorted(graph.nodes(data=True), key=lambda item: (item[1]["type"], item[1]["name"], str(item[0]))):
            rows.append([attrs["name"], _label(attrs["type"]), "；".join(attrs.get("aliases", ())),
                         provinces.get(node, ""), len(set(attrs.get("article_keys", attrs.get("articles", ()))))])
        return rows
    edges = sorted(graph.edges(keys=True, data=True),
                   key=lambda e: (nodes[e[0]]["name"], e[2], nodes[e[1]]["name"], str(e[0]), str(e[1])))
    for head, tail, kind, data in edges:
        keys = list(data.get("evidence_keys", ())) or [""] * len(data.get("evidence", ()))
        # sentences in article order, then by text: the same whether built or read back
        ordered = sorted(zip(data.get("evidence", ()), keys),
                         key=lambda pair: (articles.get(pair[1], {}).get("id", ""), pair[1], pair[0][0]))
        evidence = [sentence_and_title for sentence_and_title, _ in ordered]
        if name == "relations":
            for sentence, title in evidence or [("", "")]:
                rows.append([nodes[head]["name"], _label(kind), nodes[tail]["name"], sentence, title])
        elif kind == "aidedBy":
            receiver, helper = nodes[head], nodes[tail]
            dates = sorted(d for d in (articles.get(k, {}).get("date", "") for k in keys) if d)
            sentence, title = evidence[0] if evidence else ("", "")
            rows.append([receiver["name"], _label(receiver["type"]), helper["name"], _label(helper["type"]),
                         "、".join(programme_words([helper["name"], *(s for s, _ in evidence)])),
                         dates[0] if dates else "", dates[-1] if dates else "",
                         provinces.get(head, ""), provinces.get(tail, ""),
                         len(set(keys)) or len({t for _, t in evidence}), sentence, title])
    return rows


def write_csv(rows: list[list], path: Path) -> None:
    """UTF-8 with a byte-order mark (Excel then reads the Chinese right), CRLF rows as Excel writes.
    Written as it is encoded: the relations of 10,000 articles make a 110 MB file, which held as
    text and then as bytes took 300 MB."""
    from .export_rdf import atomic_output

    with atomic_output(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        text.flush()
        text.detach()  # the handle is atomic_output's to close


def write_xlsx(tables: dict[str, list[list]], path: Path) -> None:
    """One sheet per table: bold frozen header row, an autofilter, columns as wide as their text."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"title": "hospital-kg", "created": FIXED_TIME})
    bold = workbook.add_format({"bold": True, "bg_color": "#eef1f4", "border": 1})
    for name, rows in tables.items():
        sheet = workbook.add_worksheet(SHEET_NAMES.get(name, name))
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row, bold if r == 0 else None)
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, max(len(rows) - 1, 0), len(rows[0]) - 1)
            for c in range(len(rows[0])):
                width = max(_display_width(str(row[c])) for row in rows[:2000]) + 2
                sheet.set_column(c, c, min(width, MAX_COLUMN_WIDTH))
    workbook.close()
    _atomic(path, buffer.getvalue())


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _atomic(path: Path, data: bytes) -> None:
    from .export_rdf import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)


def write_tables(graph: nx.MultiDiGraph, out: Path, provinces: dict[Any, str] | None = None) -> list[Path]:
    """`out/tables/<name>.csv` for every table and `out/tables.xlsx`; the files written. Above
    MAX_WORKBOOK_ROWS rows the workbook is left out (said in the log): CSV is what so large a table
    is read as, and `kg table BUILD NAME --format xlsx` still writes any sheet of it."""
    where = views.provinces(graph) if provinces is None else provinces
    tables = {name: table_rows(graph, name, where) for name in TABLES}
    written = []
    for name, rows in tables.items():
        write_csv(rows, out / "tables" / f"{name}.csv")
        written.append(out / "tables" / f"{name}.csv")
    workbook = out / "tables.xlsx"
    total = sum(len(rows) for rows in tables.values())
    if total > MAX_WORKBOOK_ROWS:
        log.warning("tables.xlsx not written: %d rows (more than %d; the workbook would take a "
                    "minute); the CSV tables are, and kg table %s aid --format xlsx --out FILE writes "
                    "a sheet", total, MAX_WORKBOOK_ROWS, out)
        workbook.unlink(missing_ok=True)  # never an older build's workbook beside these tables
        return written
    write_xlsx(tables, workbook)
    written.append(workbook)
    return written
