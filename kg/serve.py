"""A SPARQL 1.1 endpoint over a built graph (`kg serve DIR`): Oxigraph answering, behind a time limit.

    kg serve output                      # http://127.0.0.1:8000/sparql, YASGUI in a browser
    kg serve output --port 0             # any free port; the URL is printed on the first line
    kg serve output --timeout 10         # a query still running after 10 s is stopped (default 30)

The graph is loaded once into an on-disk Oxigraph store in a temporary folder; a few worker
processes open it read-only and run the queries (pyoxigraph: orders of magnitude faster than
rdflib's engine, see the README). A query that runs past the time limit gets HTTP 503 with a
message, and its worker process is killed and replaced: Oxigraph cannot stop a query from outside,
a process can be stopped. The other workers answer other clients meanwhile. Ctrl-C or SIGTERM
stops the server within a second or two, running queries and all.

The endpoint speaks the SPARQL 1.1 protocol (GET, POST form and POST `application/sparql-query`;
results as JSON, XML, CSV or TSV, graphs as Turtle, N-Triples, RDF/XML or JSON-LD, chosen by the
Accept header), so SPARQLWrapper, YASGUI and other stores' SERVICE calls can query it. It is
read-only (an update is answered 403) and binds to localhost unless told otherwise; the example
queries of ontology/queries are offered as YASGUI tabs. The build's void.ttl is served in the named
graph VOID_GRAPH (not in the default graph, which is the graph's alone), with the endpoint's URL
as its `void:sparqlEndpoint`.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qs

from .query import graph_file, load_store, query_dir

__all__ = ["DEFAULT_TIMEOUT", "ENDPOINT_PATH", "QueryPool", "make_app", "serve"]

ENDPOINT_PATH = "/sparql"
DEFAULT_TIMEOUT = 30.0  # seconds a query may run
VOID_GRAPH = "https://w3id.org/hospital-kg/id/void"  # the named graph holding the build's void.ttl
SHUTDOWN_GRACE = 1  # seconds uvicorn waits for open requests on Ctrl-C or SIGTERM

# media type → pyoxigraph format name, for results (SELECT, ASK) and for graphs (CONSTRUCT, DESCRIBE)
RESULT_TYPES = {"application/sparql-results+json": "JSON", "application/json": "JSON",
                "application/sparql-results+xml": "XML", "application/xml": "XML", "text/xml": "XML",
                "text/csv": "CSV", "text/tab-separated-values": "TSV"}
GRAPH_TYPES = {"text/turtle": "TURTLE", "application/x-turtle": "TURTLE",
               "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES",
               "application/rdf+xml": "RDF_XML", "application/ld+json": "JSON_LD"}


# --- the workers ----------------------------------------------------------------------------

def _negotiate(accept: str, offered: dict[str, str], default: str) -> tuple[str, str]:
    """(media type, format name) of the first Accept entry we offer, in the client's order of q."""
    entries = []
    for position, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        entries.append((-q, position, media.lower()))
    for _, _, media in sorted(entries):
        if media in offered:
            return media, offered[media]
        if media in ("*/*", "application/*", "text/*"):
            break
    return default, offered[default]


def _answer(store, query: str, accept: str) -> tuple[int, str, bytes]:
    """Run one query in a worker: (HTTP status, media type, body)."""
    import pyoxigraph as ox

    from .export_rdf import GRAPH_IRI, PREFIXES

    try:
        # the graph (graph.trig keeps it in GRAPH_IRI) is the default graph; void.ttl is not in it
        results = store.query(query, prefixes=PREFIXES,
                              default_graph=[ox.DefaultGraph(), ox.NamedNode(str(GRAPH_IRI))])
    except SyntaxError as err:
        return 400, "text/plain; charset=utf-8", f"query syntax: {err}".encode()
    except (OSError, ValueError) as err:
        return 400, "text/plain; charset=utf-8", f"query failed: {err}".encode()
    if isinstance(results, ox.QueryTriples):
        media, name = _negotiate(accept, GRAPH_TYPES, "text/turtle")
        body = results.serialize(format=getattr(ox.RdfFormat, name))
    else:
        media, name = _negotiate(accept, RESULT_TYPES, "application/sparql-results+json")
        body = results.serialize(format=getattr(ox.QueryResultsFormat, name))
    return 200, f"{media}; charset=utf-8", body


def _die_with(parent: int) -> None:
    """Linux: this process is killed when the server's process ends, however it ends (a worker
    deep in an endless query would otherwise go on alone)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the server ended before that took hold
        os._exit(0)


def _work(location: str, connection, parent: int) -> None:
    """A worker process: open the store read-only, answer queries until the pipe closes."""
    import pyoxigraph as ox

    _die_with(parent)
    store = ox.Store.read_only(location)
    while True:
        try:
            query, accept = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(_answer(store, query, accept))
        except Exception as err:  # noqa: BLE001 - a worker reports, never dies of a query
            connection.send((500, "text/plain; charset=utf-8", f"{type(err).__name__}: {err}".encode()))


class _Worker:
    def __init__(self, context, location: str) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_work, args=(location, child, os.getpid()), daemon=True)
        self.process.start()
        child.close()

    def ask(self, query: str, accept: str) -> tuple[int, str, bytes]:
        """Blocking: send the query, wait for the answer (EOFError when the worker was killed)."""
        self.connection.send((query, accept))
        return self.connection.recv()

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class QueryPool:
    """Worker processes over one read-only store; `await pool.answer(query, accept)` gives (status,
    media type, body), HTTP 503 when the query ran past `timeout` seconds (its worker is replaced)."""

    def __init__(self, location: str | Path, workers: int, timeout: float) -> None:
        self.location, self.timeout = str(location), timeout
        # spawned, not forked: the server's threads and sockets are not copied into the workers
        self._context = multiprocessing.get_context("spawn")
        self._workers = [_Worker(self._context, self.location) for _ in range(workers)]
        self._idle: asyncio.Queue | None = None
        # twice the workers: a stopped query's thread may still be ending when its successor starts
        self._threads = ThreadPoolExecutor(max_workers=2 * workers, thread_name_prefix="sparql")
        self._lock = threading.Lock()

    async def answer(self, query: str, accept: str) -> tuple[int, str, bytes]:
        if self._idle is None:  # made in the server's event loop
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        worker = await self._idle.get()
        loop = asyncio.get_running_loop()
        pending = loop.run_in_executor(self._threads, worker.ask, query, accept)
        # a stopped query's thread ends with EOFError once its worker is killed: nobody waits for it
        pending.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            result = await asyncio.wait_for(asyncio.shield(pending), self.timeout)
        except asyncio.TimeoutError:
            worker = self._replace(worker)
            return 503, "text/plain; charset=utf-8", (
                f"query stopped: it ran past the endpoint's {self.timeout:g} s limit "
                "(kg serve --timeout)").encode()
        except (EOFError, OSError):  # the worker died (out of memory, killed): a fresh one
            worker = self._replace(worker)
            return 500, "text/plain; charset=utf-8", b"query failed: its worker process stopped"
        finally:
            self._idle.put_nowait(worker)
        return result

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        fresh = _Worker(self._context, self.location)
        with self._lock:
            self._workers[self._workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        with self._lock:
            for worker in self._workers:
                worker.stop()
        self._threads.shutdown(wait=False, cancel_futures=True)


def load_store_folder(source: Path, folder: Path, with_ontology: bool = False, url: str | None = None) -> int:
    """Bulk-load the graph (and the ontology) into an on-disk store in `folder`, and the build's
    void.ttl into the named graph VOID_GRAPH, stating `url` as its SPARQL endpoint; the count of
    the graph's triples (and the ontology's)."""
    import pyoxigraph as ox

    from .export_void import VOID, dataset_iri

    store = load_store(source, with_ontology, folder)
    count = len(store)
    void = source.parent / "void.ttl"
    if void.is_file():
        store.bulk_load(path=str(void), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(VOID_GRAPH))
        if url:
            from rdflib import Graph

            dataset = dataset_iri(Graph().parse(void, format="turtle"))
            store.add(ox.Quad(ox.NamedNode(str(dataset)), ox.NamedNode(str(VOID.sparqlEndpoint)),
                              ox.NamedNode(url), ox.NamedNode(VOID_GRAPH)))
    store.flush()
    del store  # closed: the workers open it read-only
    return count


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


# --- the web application ----------------------------------------------------------------------

def example_queries() -> dict[str, dict[str, str]]:
    """ontology/queries/*.rq as YASGUI tabs, named after their file."""
    return {path.stem: {"query": path.read_text(encoding="utf-8")}
            for path in sorted(query_dir().glob("*.rq"))}


def yasgui_page(triples: int) -> str:
    """The YASGUI page (rdflib-endpoint's template) with our example queries as tabs."""
    page = resources.files("rdflib_endpoint").joinpath("yasgui.html").read_text(encoding="utf-8")
    return (page.replace("$TITLE", "hospital-kg SPARQL endpoint")
            .replace("$DESCRIPTION", f"The hospital knowledge graph ({triples} triples), read-only.")
            .replace("$FAVICON", "")
            .replace("$EXAMPLE_QUERIES", json.dumps(example_queries(), ensure_ascii=False)))


def make_app(pool: QueryPool, triples: int):
    """The ASGI application: the endpoint at /sparql (YASGUI for a browser), / redirecting to it."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    page = yasgui_page(triples)

    async def sparql(request: Request) -> Response:
        form = {}
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "application/sparql-update":
                return PlainTextResponse("this endpoint is read-only", status_code=403)
            body = (await request.body()).decode("utf-8", "replace")
            if kind == "application/sparql-query":
                form = {"query": body}
            elif kind in ("application/x-www-form-urlencoded", ""):
                form = {key: values[-1] for key, values in parse_qs(body).items()}
            else:
                return PlainTextResponse(f"cannot read a {kind} request: send a form or "
                                         "application/sparql-query", status_code=415)
        params = {**request.query_params, **form}
        if "update" in params:
            return PlainTextResponse("this endpoint is read-only", status_code=403)
        query = params.get("query")
        accept = request.headers.get("accept", "")
        if not query:  # a browser, or a client seeing whether the endpoint is up
            return HTMLResponse(page)
        status, media, body = await pool.answer(str(query), accept)
        return Response(body, status_code=status, media_type=media)

    async def root(request: Request) -> Response:
        return RedirectResponse(ENDPOINT_PATH)

    return Starlette(routes=[Route(ENDPOINT_PATH, sparql, methods=["GET", "POST"]), Route("/", root)],
                     middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                                            allow_headers=["*"])])


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8000, with_ontology: bool = False,
          out: TextIO = sys.stdout, timeout: float = DEFAULT_TIMEOUT, workers: int | None = None) -> None:
    """Load the graph, bind the port (0: any free one), print the URL, serve until interrupted."""
    import uvicorn

    source = graph_file(path)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    pool = None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))  # before loading: a taken port fails at once
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        url = f"http://{shown}:{sock.getsockname()[1]}{ENDPOINT_PATH}"
        with tempfile.TemporaryDirectory(prefix="kg-serve-") as folder:
            triples = load_store_folder(source, Path(folder), with_ontology, url)
            pool = QueryPool(folder, workers or max(2, os.cpu_count() or 2), timeout)
            app = make_app(pool, triples)
            print(f"SPARQL endpoint {url} ({triples} triples from {source}; queries stop after "
                  f"{timeout:g} s); Ctrl-C stops it", file=out, flush=True)
            server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                                   timeout_graceful_shutdown=SHUTDOWN_GRACE))
            # uvicorn raises the signal it stopped on again once it is done: SIGTERM then ends the
            # process at once, before `finally` could stop the workers, unless it raises here
            previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
            try:
                server.run(sockets=[sock])
            finally:
                pool.close()
                signal.signal(signal.SIGTERM, previous)
    finally:
        sock.close()
