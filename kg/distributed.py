"""Corpora beyond one machine: per-file extraction on Dask, the graph written as N-Triples shards.

Needs the optional extra: `pip install hospital-kg[distributed]` (dask[distributed]).

- Extraction, nearly all of a build's time, is independent per file: a `dask.bag` maps
  `extract.extract_file` over the input files on whatever the scheduler is (the synchronous
  scheduler, local processes, a `distributed.LocalCluster`, or a cluster a `Client` points at:
  dask-jobqueue on SLURM/PBS, Kubernetes, ...). Each worker process builds the analyzer once
  (`default_analyzer` is cached per process). Workers must see the input paths (shared storage).
- Resolution needs the mentions of every article at once; it is linear and runs on the client,
  exactly as in `kg build`, over the extractions in input order.
- The resolved graph is split by entity: a shard holds each of its entities' triples, the
  relations those entities head (with their reified evidence) and its articles' triples. Dask
  renders the shards in parallel to `shard-00000.nt` ... (sorted N-Triples, UTF-8). Every triple is
  in exactly one shard and their union is the graph `kg build` exports, so any triple store
  bulk-loads the folder (e.g. `oxigraph load --location db --file shard-*.nt`, Jena's
  `tdb2.tdbloader`, GraphDB's `importrdf`).

Command line: `python -m kg.distributed INPUT... --out DIR [--shards 16] [--scheduler ADDRESS]`.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .model import KnowledgeGraph
from .extract import FileResult, extract_file, named
from .pipeline import BuildReport
from .read import find_inputs, source_names
from .resolve import resolve

log = logging.getLogger(__name__)


def _extract_partition(paths: Iterable[str], use_lac: bool) -> list[FileResult]:
    from .entities import default_analyzer

    analyzer = default_analyzer(use_lac=use_lac)  # once per worker process
    return [extract_file(path, analyzer) for path in paths]


def extract_bag(paths: list[str], *, use_lac: bool = True, npartitions: int | None = None):
    """A dask.bag of one `FileResult` per path, in input order."""
    import dask.bag as db

    if npartitions is None:
        npartitions = max(1, min(len(paths), 256, len(paths) // 8 or 1))
    bag = db.from_sequence(paths, npartitions=npartitions)
    return bag.map_partitions(_extract_partition, use_lac)


def shard_of(key: str, shards: int) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") % shards


@dataclass
class Shard:
    """What one shard renders: a self-contained graph, and the entities in it only as link targets."""

    graph: KnowledgeGraph
    stubs: frozenset[str] = field(default_factory=frozenset)  # entity ids owned by another shard


def split_graph(kg: KnowledgeGraph, shards: int) -> list[Shard]:
    """Partition kg by entity. A relation goes with its head; an article by its id. A shard also
    carries the other entities it links to (relation tails, every entity named as its articles'
    publisher), as stubs whose own triples are written by their owner shard."""
    owner = {e.id: shard_of(e.id, shards) for e in kg.entities}
    position = {e.id: i for i, e in enumerate(kg.entities)}
    named: dict[str, list[str]] = defaultdict(list)
    for e in kg.entities:
        named[e.name].append(e.id)
    articles: list[list] = [[] for _ in range(shards)]
    relations: list[list] = [[] for _ in range(shards)]
    members: list[set[str]] = [set() for _ in range(shards)]
    for e in kg.entities:
        members[owner[e.id]].add(e.id)
    for a in kg.articles:
        k = shard_of(a.id, shards)
        articles[k].append(a)
        if a.publisher:
            members[k].update(named.get(a.publisher, ()))
    for r in kg.relations:
        k = owner.get(r.head, shard_of(r.head, shards))
        relations[k].append(r)
        members[k].update(i for i in (r.head, r.tail) if i in owner)
    result = []
    for k in range(shards):
        ids = sorted(members[k], key=position.__getitem__)
        entities = tuple(kg.entities[position[i]] for i in ids)
        stubs = frozenset(i for i in ids if owner[i] != k)
        result.append(Shard(KnowledgeGraph(tuple(articles[k]), entities, tuple(relations[k])), stubs))
    return result


def render_shard(shard: Shard) -> bytes:
    """The shard as sorted N-Triples, without the stubs' own triples."""
    from . import export_rdf
    from .vocab import DATA

    stubs = {str(DATA[entity]) for entity in shard.stubs}
    # a stub's own triples, and its point's (a place's <IRI>/geometry), are its owner shard's
    triples = [t for t in export_rdf.to_triples(shard.graph)
               if t.subject.value.removesuffix(export_rdf.GEOMETRY) not in stubs]
    return export_rdf.serialize(triples, "nt")


def _write_shard(shard: Shard, path: str) -> str:
    from .export_rdf import atomic_write_bytes

    atomic_write_bytes(Path(path), render_shard(shard))
    return path


def build_shards(inputs: Iterable[str | Path], out: str | Path, *, shards: int = 16,
                 scheduler=None, use_lac: bool = True, npartitions: int | None = None,
                 report: BuildReport | None = None) -> tuple[KnowledgeGraph, list[Path]]:
    """Extract on Dask, resolve, and write `out/shard-NNNNN.nt`; returns the graph and the files.

    `scheduler` is anything `dask.compute(scheduler=...)` takes: "synchronous", "processes", a
    `distributed.Client`, or None for the default (the active Client, if any).
    """
    import dask

    report = report if report is not None else BuildReport()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    inputs = list(inputs)
    files, missing = find_inputs(inputs)
    names = source_names(inputs, files)
    report.failures.extend(missing)
    results: list[FileResult] = extract_bag([str(p) for p in files], use_lac=use_lac,
                                            npartitions=npartitions).compute(scheduler=scheduler) \
        if files else []
    extractions = []
    for path, result in zip(files, results):
        report.files_read += result.read
        if result.failure is not None:
            report.failures.append(result.failure)
            log.warning("skipped %s: %s", result.source, result.failure.reason)
        else:
            report.articles += len(result.extractions)
            extractions.extend(named(result, names[path]).extractions)
    kg = resolve(extractions)
    for stale in out.glob("shard-*.nt"):
        stale.unlink()
    tasks = [dask.delayed(_write_shard)(shard, str(out / f"shard-{k:05d}.nt"))
             for k, shard in enumerate(split_graph(kg, shards))]
    written = dask.compute(*tasks, scheduler=scheduler)
    paths = [Path(p) for p in written]
    report.outputs.extend(paths)
    return kg, paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.distributed",
                                     description="extract on Dask, write N-Triples shards")
    parser.add_argument("inputs", nargs="+", help="files or folders of articles, visible to every worker")
    parser.add_argument("--out", required=True, type=Path, help="folder for shard-*.nt")
    parser.add_argument("--shards", type=int, default=16, help="number of N-Triples files (default 16)")
    parser.add_argument("--scheduler", help="address of a Dask scheduler (tcp://host:8786); "
                                            "default: a LocalCluster on this machine")
    parser.add_argument("--no-lac", action="store_true", help="do not use the LAC model (jieba only)")
    args = parser.parse_args(argv)
    if args.shards < 1:
        parser.error("--shards must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="kg: %(message)s", stream=sys.stderr)
    from dask.distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)  # cluster start/stop chatter

    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(threads_per_worker=1))
    with client:
        report = BuildReport()
        kg, paths = build_shards(args.inputs, args.out, shards=args.shards, scheduler=client,
                                 use_lac=not args.no_lac, report=report)
    print(f"read {report.files_read} files ({report.articles} articles); skipped or failed "
          f"{len(report.failures)}; {len(kg.entities)} entities, {len(kg.relations)} relations; "
          f"wrote {len(paths)} shards to {args.out}")
    return 0 if report.files_read else 3


if __name__ == "__main__":
    sys.exit(main())
