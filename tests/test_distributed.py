"""kg.distributed at small scale: extraction on Dask (synchronous scheduler), N-Triples shards
whose union is exactly the graph a normal build exports."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("dask.bag")

from rdflib import Graph  # noqa: E402

from kg.distributed import build_shards, render_shard, split_graph  # noqa: E402
from kg.export_rdf import to_rdf  # noqa: E402
from kg.pipeline import BuildReport, build_graph  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
ARTICLES = DATA / "articles"


@pytest.fixture(scope="module")
def reference(analyzer):
    report = BuildReport()
    return build_graph([ARTICLES, DATA / "garbage.bin"], analyzer, report), report


def _triples(path: Path) -> list:
    graph = Graph()
    graph.parse(path, format="nt")
    return list(graph)


def test_union_of_shards_equals_the_normal_build(reference, tmp_path):
    kg, report = reference
    expected = set(to_rdf(kg))
    shard_report = BuildReport()
    built, paths = build_shards([ARTICLES, DATA / "garbage.bin"], tmp_path, shards=4,
                                scheduler="synchronous", npartitions=3, report=shard_report)
    assert built == kg
    assert [p.name for p in paths] == [f"shard-{k:05d}.nt" for k in range(4)]
    union: set = set()
    total = 0
    for path in paths:
        triples = _triples(path)
        total += len(triples)
        union.update(triples)
    assert union == expected
    assert total == len(expected)  # every triple in exactly one shard
    assert sum(1 for p in paths if p.stat().st_size) > 1  # the work is really split
    assert (shard_report.files_read, shard_report.articles) == (report.files_read, report.articles)
    assert [f.source for f in shard_report.failures] == [f.source for f in report.failures]


@pytest.mark.parametrize("shards", [1, 7, 64])
def test_any_shard_count_partitions_the_graph(reference, shards):
    kg, _ = reference
    expected = set(to_rdf(kg))
    seen: list = []
    for shard in split_graph(kg, shards):
        graph = Graph()
        graph.parse(data=render_shard(shard).decode("utf-8"), format="nt")
        seen.extend(graph)
    assert len(seen) == len(expected) and set(seen) == expected


def test_stale_shards_are_replaced(reference, tmp_path):
    (tmp_path / "shard-00099.nt").write_text("<urn:x> <urn:y> <urn:z> .\n", encoding="utf-8")
    _, paths = build_shards([ARTICLES / "plain_utf8.txt"], tmp_path, shards=2, scheduler="synchronous")
    assert sorted(tmp_path.glob("shard-*.nt")) == sorted(paths)
