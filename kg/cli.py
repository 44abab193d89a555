"""Command line: `kg build INPUT... --out DIR`."""
from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from . import __version__
from .pipeline import BuildReport, build_graph, export

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kg", description="Chinese hospital news → knowledge graph")
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build graph.ttl and graph.html from articles")
    build.add_argument("inputs", nargs="+", help="files or folders of articles (.txt, .html)")
    build.add_argument("--out", required=True, type=Path, help="output folder")
    build.add_argument("--format", action="append", choices=["ttl", "nt", "jsonld", "xml"],
                       help="RDF formats to write (repeatable; default ttl)")
    build.add_argument("--strict", action="store_true", help="exit non-zero on any unreadable file")
    build.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    build.add_argument("--no-lac", action="store_true", help="do not use the LAC model (jieba only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING,
                        format="kg: %(message)s", stream=sys.stderr)
    return _build(args)


def _build(args: argparse.Namespace) -> int:
    from .entities import default_analyzer

    report = BuildReport()
    kg = build_graph(args.inputs, default_analyzer(use_lac=not args.no_lac), report)
    formats = tuple(dict.fromkeys(["ttl"] + (args.format or [])))
    if report.files_read == 0:
        print("kg: no readable article among the inputs", file=sys.stderr)
        return EXIT_NOTHING
    export(kg, args.out, report, formats)
    if not args.quiet:
        print(summary(kg, report))
    if report.failures:
        return EXIT_FAILURES if args.strict else EXIT_OK
    return EXIT_OK


def summary(kg, report: BuildReport) -> str:
    types = Counter(e.type for e in kg.entities)
    kinds = Counter(r.kind for r in kg.relations)
    lines = [f"read {report.files_read} files ({report.articles} articles); "
             f"skipped or failed {len(report.failures)}",
             f"entities {len(kg.entities)}: " + ", ".join(f"{t} {n}" for t, n in sorted(types.items())),
             f"relations {len(kg.relations)}: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
             "wrote " + ", ".join(str(p) for p in report.outputs),
             "time " + ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items())]
    for failure in report.failures:
        lines.append(f"  skipped {failure.source}: {failure.reason}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
