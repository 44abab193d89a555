"""Command line: `kg build INPUT... --out DIR`, `kg query GRAPH QUERY`, `kg serve DIR`, `kg publish DIR`,
`kg table DIR NAME`, `kg view DIR`."""
from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

from . import __version__
from .export_rdf import FORMATS
from .export_void import DatasetInfo
from .model import KnowledgeGraph
from .pipeline import BuildReport, build_graph, export, input_fingerprint, log_failure
from .read import Failure, printable

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_NOTHING, EXIT_OUTPUT = 0, 1, 2, 3, 4
# Interrupted: 128 + the signal, as a shell reports it (130 for Ctrl-C, 143 for kill).
EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM


class _Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`) during a build, stopped the same clean way as Ctrl-C."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kg", description="Chinese hospital news → knowledge graph")
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build graph.ttl and graph.html from articles")
    build.add_argument("inputs", nargs="+", help="files or folders of articles (.txt, .html)")
    build.add_argument("--out", required=True, type=Path, help="output folder")
    build.add_argument("--format", action="append", choices=FORMATS,
                       help="more formats to write besides ttl (repeatable): N-Triples, JSON-LD, "
                            "RDF/XML, TriG, GraphML")
    build.add_argument("--no-validate", action="store_true",
                       help="do not check the graph against ontology/shapes.ttl (SHACL)")
    build.add_argument("--strict", action="store_true", help="exit non-zero on any unreadable file")
    build.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    build.add_argument("--no-lac", action="store_true", help="do not use the LAC model (jieba only)")
    build.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help="extraction processes (default: all cores)")
    about = build.add_argument_group("the dataset's description (void.ttl)")
    about.add_argument("--title", help="the dataset's title")
    about.add_argument("--license", metavar="IRI", help="its licence, e.g. https://creativecommons.org/licenses/by/4.0/")
    about.add_argument("--source", action="append", metavar="IRI", help="where the articles come from (repeatable)")
    about.add_argument("--sparql-endpoint", metavar="URL", help="where it will be queried")
    about.add_argument("--download-url", metavar="URL", help="where graph.ttl will be downloaded from")
    caching = build.add_mutually_exclusive_group()
    caching.add_argument("--cache", type=Path, metavar="DIR",
                         help="per-file extraction cache folder (default: OUT/.cache)")
    caching.add_argument("--no-cache", action="store_true",
                         help="neither read nor write the extraction cache; rebuild even when up to date")
    query = sub.add_parser("query", help="run SPARQL over a built graph and print a table, CSV or JSON")
    query.add_argument("graph", help="a build folder or an RDF file (graph.ttl, .nt, .trig, .jsonld, .xml)")
    query.add_argument("query", help="SPARQL text, a .rq file, or the name of a query in ontology/queries")
    query.add_argument("--output", "-o", choices=("table", "csv", "json"), default="table",
                       help="table (default), or W3C SPARQL results CSV or JSON")
    query.add_argument("--max-width", type=int, default=40, metavar="N",
                       help="cut table cells to N columns (0: never; CSV and JSON are never cut)")
    query.add_argument("--with-ontology", action="store_true", help="load ontology/hospital-kg.ttl too")
    publish = sub.add_parser("publish", help="put a build into a triple store (SPARQL 1.1 Graph Store Protocol)")
    publish.add_argument("graph", help="a build folder or an RDF file")
    publish.add_argument("--store", required=True, metavar="URL",
                         help="the store's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store "
                              "(Oxigraph) or http://127.0.0.1:8890/sparql-graph-crud-auth (Virtuoso)")
    publish.add_argument("--graph-iri", "--graph-name", dest="graph_iri", default=None, metavar="IRI",
                         help="the named graph to replace (default https://w3id.org/hospital-kg/id/graph)")
    publish.add_argument("--user", help="user name; the password is read from $KG_STORE_PASSWORD")
    publish.add_argument("--batch", type=_positive_int, default=None, metavar="N",
                         help="triples a request (default 100,000); a larger graph goes in pieces")
    publish.add_argument("--timeout", type=float, default=300.0, help="seconds a request may take (default 300)")
    table = sub.add_parser("table", help="one table of a build (aid pairs, entities, relations) for Excel")
    table.add_argument("graph", help="a build folder or its graph.ttl")
    table.add_argument("table", choices=("aid", "entities", "relations"),
                       help="aid: one row per aided/helper pair; entities; relations: one row per sentence")
    table.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="csv (default) or xlsx")
    table.add_argument("--out", type=Path, help="file to write (default: CSV on standard output)")
    serve = sub.add_parser("serve", help="serve a built graph as a SPARQL 1.1 endpoint on localhost")
    serve.add_argument("graph", help="a build folder or an RDF file")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    serve.add_argument("--with-ontology", action="store_true", help="load ontology/hospital-kg.ttl too")
    serve.add_argument("--timeout", type=float, default=30.0,
                       help="seconds a query may run before it is stopped with HTTP 503 (default 30)")
    serve.add_argument("--workers", type=int, default=None,
                       help="queries answered at once (default: the number of cores, at least 2)")
    view = sub.add_parser("view", help="write an HTML page of one entity's or one article's part of a built graph")
    view.add_argument("build", help="a build folder (or its graph.ttl)")
    about = view.add_mutually_exclusive_group(required=True)
    about.add_argument("--name", help="an entity's name or alias, e.g. 广元市第一医院 (ego view)")
    about.add_argument("--article", help="an article's title, file name or id such as news.txt#2")
    view.add_argument("--depth", type=_positive_int, default=1, metavar="N",
                      help="with --name: relations to follow out from the entity (default 1)")
    view.add_argument("--out", type=Path, help="page to write (default BUILD/ego-NAME.html or BUILD/article-ID.html)")
    evaluation = sub.add_parser("eval", help="per-stage error analysis of a build against gold annotations")
    evaluation.add_argument("inputs", nargs="+", help="the article files or folders the gold describes")
    evaluation.add_argument("--gold", required=True, type=Path, help="folder of gold *.json files")
    evaluation.add_argument("--examples", type=int, default=8, metavar="N", help="examples shown per stage")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR if getattr(args, "quiet", False) else logging.WARNING,
                        format="kg: %(message)s", stream=sys.stderr)
    if args.command == "query":
        return _query(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "publish":
        return _publish(args)
    if args.command == "table":
        return _table(args)
    if args.command == "eval":
        from .evaluate import evaluate

        print(evaluate(args.inputs, args.gold).table(args.examples))
        return EXIT_OK
    if args.command == "view":
        return _view(args)
    # Outputs are written to temporary files and renamed into place, so an interrupted build
    # leaves each output either as it was or complete; exit with one line, not a traceback.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _build(args)
    except KeyboardInterrupt as err:
        terminated = isinstance(err, _Terminated)
        print(f"kg: {'terminated' if terminated else 'interrupted'}; no output file was half-written",
              file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _build(args: argparse.Namespace) -> int:
    from .cache import BuildManifest, read_manifest, write_manifest
    from .parallel import available_cores

    report = BuildReport()
    cache = None if args.no_cache else (args.cache or args.out / ".cache")
    formats = tuple(dict.fromkeys(["ttl"] + (args.format or [])))
    dataset = DatasetInfo(**{"sources": tuple(args.source or ())}, **{
        key: value for key, value in (("title", args.title), ("license", args.license),
                                      ("sparql_endpoint", args.sparql_endpoint),
                                      ("download_url", args.download_url)) if value})
    fingerprint = None
    if cache is not None:
        # With the cache on, a build whose inputs, settings and kg are those of the last build
        # into this folder, its outputs untouched since, has nothing to do.
        started = time.perf_counter()
        settings = (f"formats={','.join(formats)}", f"lac={not args.no_lac}",
                    f"validate={not args.no_validate}", f"dataset={dataset}")
        fingerprint = input_fingerprint(args.inputs, settings)
        last = read_manifest(args.out)
        if last is not None and last.fingerprint == fingerprint and last.intact(args.out):
            return _up_to_date(args, last, time.perf_counter() - started)
        report.timings["fingerprint"] += time.perf_counter() - started
    jobs = args.jobs or available_cores()
    try:
        # handed straight over: export frees the graph once the RDF is written
        validation = export(_built(args, report, jobs, cache), args.out, report, formats,
                            validate=not args.no_validate, jobs=jobs, dataset=dataset)
    except _NothingRead:
        print("kg: no readable article among the inputs", file=sys.stderr)
        return EXIT_NOTHING
    except OSError as err:
        print(f"kg: cannot write {printable(str(args.out))}: {err.strerror or err}", file=sys.stderr)
        return EXIT_OUTPUT
    text = summary(report, validation)
    if not args.quiet:
        print(text)
    elif validation is not None and not validation.conforms:
        print(validation.summary(), file=sys.stderr)
    if fingerprint is not None:
        lines = [line for line in text.splitlines() if not line.startswith("time ")]
        failures = [(f.kind, f.source, f.reason) for f in report.failures]
        write_manifest(args.out, BuildManifest.record(fingerprint, report.outputs, lines, failures, args.out))
    return _exit_code(args, bool(report.failures))


class _NothingRead(Exception):
    """No input gave an article: nothing is written."""


def _built(args: argparse.Namespace, report: BuildReport, jobs: int,
           cache: Path | None) -> KnowledgeGraph:
    """The inputs' graph, the progress shown; the last build's manifest removed, as it vouches for
    the outputs about to change. Raises _NothingRead, before anything is touched, if no input gave
    an article."""
    from .cache import MANIFEST

    with _ProgressBar(report, enabled=_show_progress(args)) as bar:
        kg = build_graph(args.inputs, report=report, progress=bar.advance, on_start=bar.start,
                         jobs=jobs, cache=cache, use_lac=not args.no_lac)
    if report.files_read == 0:
        raise _NothingRead
    (args.out / MANIFEST).unlink(missing_ok=True)
    return kg


def _up_to_date(args: argparse.Namespace, last, seconds: float) -> int:
    """Report the last build again (its summary, its failures on the log) without redoing it."""
    for kind, source, reason in last.failures:
        log_failure(Failure(source, reason, kind))
    if not args.quiet:
        print("\n".join([*last.summary,
                         f"up to date: inputs, settings and kg unchanged since the last build into "
                         f"{printable(str(args.out))}; nothing rebuilt (--no-cache rebuilds)",
                         f"time fingerprint {seconds:.1f}s"]))
    return _exit_code(args, bool(last.failures))


def _exit_code(args: argparse.Namespace, failures: bool) -> int:
    """A build that wrote its outputs: non-zero for unreadable inputs only with --strict."""
    return EXIT_FAILURES if failures and args.strict else EXIT_OK


def _query(args: argparse.Namespace) -> int:
    from .query import QueryError, query_graph

    try:
        print(query_graph(args.graph, args.query, args.output, args.max_width, args.with_ontology))
    except QueryError as err:
        print(f"kg: {err}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _table(args: argparse.Namespace) -> int:
    from .query import QueryError, graph_file
    from .tables import table_rows, write_csv, write_xlsx
    from .views import load_graph

    if args.format == "xlsx" and args.out is None:
        print("kg: --format xlsx needs --out FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        rows = table_rows(load_graph(graph_file(args.graph)), args.table)
    except QueryError as err:
        print(f"kg: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.out is None:
        import csv

        csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
    elif args.format == "xlsx":
        write_xlsx({args.table: rows}, args.out)
    else:
        write_csv(rows, args.out)
    if args.out is not None:
        print(f"wrote {args.out} ({len(rows) - 1} rows)", file=sys.stderr)
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    from .export_rdf import GRAPH_IRI
    from .publish import DEFAULT_BATCH, PASSWORD_VARIABLE, PublishError, publish
    from .query import QueryError

    if args.user and os.environ.get(PASSWORD_VARIABLE) is None:
        print(f"kg: --user {args.user}: set the password in ${PASSWORD_VARIABLE}", file=sys.stderr)
        return EXIT_USAGE

    def progress(pieces: int, triples: int) -> None:
        if pieces > 1 or triples > (args.batch or DEFAULT_BATCH):
            print(f"  sent {triples:,} triples ({pieces} pieces)", file=sys.stderr, flush=True)

    started = time.perf_counter()
    try:
        done = publish(args.graph, args.store, args.graph_iri or str(GRAPH_IRI), args.user,
                       batch=args.batch or DEFAULT_BATCH, timeout=args.timeout, progress=progress)
    except QueryError as err:
        print(f"kg: {err}", file=sys.stderr)
        return EXIT_USAGE
    except PublishError as err:
        print(f"kg: publish failed: {err}", file=sys.stderr)
        return 1
    pieces = "one request" if done.pieces == 1 else f"{done.pieces} requests"
    print(f"published {done.triples:,} triples into <{done.graph}> at {done.store} "
          f"({pieces}, {time.perf_counter() - started:.1f} s)")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .query import QueryError
    from .serve import serve

    try:
        if args.timeout <= 0 or (args.workers is not None and args.workers < 1):
            print("kg: --timeout must be above 0 and --workers at least 1", file=sys.stderr)
            return EXIT_USAGE
        serve(args.graph, args.host, args.port, args.with_ontology, timeout=args.timeout,
              workers=args.workers)
    except QueryError as err:
        print(f"kg: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # the port is taken, the address is not ours
        print(f"kg: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return number


def _show_progress(args: argparse.Namespace) -> bool:
    """A progress bar on a terminal only: never with --quiet, in CI, or into a pipe or log file."""
    in_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return not args.quiet and not in_ci and sys.stderr.isatty()


class _ProgressBar:
    """tqdm over the articles being extracted, with articles/s and ETA; log lines print above it.

    Files are counted as they finish; the total is estimated from the articles per file so far
    (a newsletter file holds several stories), so the ETA holds for mixed corpora.
    """

    def __init__(self, report: BuildReport, enabled: bool):
        self.report, self.enabled = report, enabled
        self.bar = self.redirect = None
        self.files = self.done = self.base = 0

    def __enter__(self) -> "_ProgressBar":
        if self.enabled:
            from tqdm.contrib.logging import logging_redirect_tqdm

            self.redirect = logging_redirect_tqdm()
            self.redirect.__enter__()
        return self

    def start(self, files: int) -> None:
        if self.enabled and files:
            from tqdm import tqdm

            self.files, self.base = files, self.report.articles
            self.bar = tqdm(total=files, unit="article", desc="extracting", file=sys.stderr,
                            dynamic_ncols=True, smoothing=0.1)

    def advance(self, source: str) -> None:
        if self.bar is None:
            return
        self.done += 1
        articles = self.report.articles - self.base
        per_file = articles / self.done if articles else 1.0
        self.bar.total = max(articles, articles + round((self.files - self.done) * per_file))
        self.bar.update(articles - self.bar.n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()
        if self.redirect is not None:
            self.redirect.__exit__(*exc)


def summary(report: BuildReport, validation=None) -> str:
    types, kinds = report.entity_types, report.relation_kinds
    cached = f"; {report.cached} files from the cache" if report.cached else ""
    skipped = sum(f.kind == "skipped" for f in report.failures)
    lines = [f"read {report.files_read} files ({report.articles} articles{cached}); "
             f"skipped or failed {len(report.failures)} "
             f"({skipped} skipped, {len(report.failures) - skipped} failed)",
             f"entities {types.total()}: " + ", ".join(f"{t} {n}" for t, n in sorted(types.items())),
             f"relations {kinds.total()}: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
             "wrote " + ", ".join(str(p) for p in report.outputs),
             *([validation.summary()] if validation is not None else []),
             "time " + ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items())]
    for failure in report.failures:
        lines.append(f"  {failure.kind} {failure.source}: {failure.reason}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())


def _safe_filename(text: str, limit: int = 40) -> str:
    cleaned = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE).strip("_.")
    return (cleaned[:limit] or "view")


def _describe(graph, node) -> str:
    attrs = graph.nodes[node]
    return f"{attrs.get('name', node)} ({attrs.get('type', '?')}, {node})"


def _view(args: argparse.Namespace) -> int:
    """`kg view BUILD (--name NAME | --article ARTICLE) [--depth N] [--out FILE]`.

    Exit codes: 0 written; 2 the name or article matches several and none exactly (candidates are
    listed); 3 no graph.ttl in BUILD, or nothing matches.
    """
    from .export_html import write_html
    from .views import article_graph, ego_graph, find_articles, find_entities, load_graph, ttl_path

    ttl = ttl_path(args.build)
    if not ttl.is_file():
        print(f"kg: no graph.ttl at {ttl} (run `kg build ... --out DIR` first)", file=sys.stderr)
        return 3
    graph = load_graph(ttl)
    out_dir = ttl.parent
    if args.article:
        exact, partial = find_articles(graph, args.article)
        chosen = exact or partial
        if not chosen:
            print(f"kg: no article matches {args.article!r}", file=sys.stderr)
            return 3
        if len(chosen) > 1:
            print(f"kg: {args.article!r} matches {len(chosen)} articles; give one of:", file=sys.stderr)
            for key in chosen[:20]:
                info = graph.graph["articles"][key]
                print(f"  {info['id'] or key}  {info['title']}", file=sys.stderr)
            return 2
        view = article_graph(graph, chosen[0])
        info = graph.graph["articles"][chosen[0]]
        title = f"文章：{info['title']}"
        subtitle = "这篇文章提到的实体和它陈述的关系"
        focus: list = []
        default_name = f"article-{_safe_filename(info['id'] or info['title'])}.html"
    else:
        exact, partial = find_entities(graph, args.name)
        chosen = exact or partial
        if not chosen:
            print(f"kg: no entity is named {args.name!r}", file=sys.stderr)
            return 3
        if not exact and len(partial) > 1:
            print(f"kg: {args.name!r} is part of {len(partial)} names; give the full one:", file=sys.stderr)
            for node in partial[:20]:
                print(f"  {_describe(graph, node)}", file=sys.stderr)
            if len(partial) > 20:
                print(f"  … and {len(partial) - 20} more", file=sys.stderr)
            return 2
        view = ego_graph(graph, chosen, depth=args.depth)
        names = "、".join(dict.fromkeys(str(graph.nodes[n].get("name", n)) for n in chosen))
        title = f"{names} 的关系网"
        subtitle = f"与它相距 {args.depth} 步以内的实体" if args.depth != 1 else "与它直接相连的实体"
        focus = chosen
        default_name = f"ego-{_safe_filename(names)}.html"
    out = Path(args.out) if args.out else out_dir / default_name
    links = (("完整图谱", "graph.html"), ("援助网络", "aid.html")) if out.parent.resolve() == out_dir.resolve() else ()
    write_html(view, out, title=title, subtitle=subtitle, focus=focus, links=links)
    print(f"wrote {out} ({view.number_of_nodes()} entities, {view.number_of_edges()} relations)")
    return 0
