"""A SPARQL 1.1 endpoint over a built graph (`kg serve DIR`): rdflib-endpoint on uvicorn.

    kg serve output                      # http://127.0.0.1:8000/sparql, YASGUI in a browser
    kg serve output --port 0             # any free port; the URL is printed on the first line

The endpoint speaks the SPARQL 1.1 protocol (GET and POST, results as JSON, XML, CSV; graphs as
Turtle, N-Triples, JSON-LD ...), so SPARQLWrapper, YASGUI, Jena's and GraphDB's federated
SERVICE calls can query it. It is read-only, binds to localhost unless told otherwise, and the
example queries of ontology/queries are offered as YASGUI tabs.
"""
from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import TextIO

from rdflib import Graph

from .export_rdf import PREFIXES
from .query import graph_file, query_dir
from .vocab import ontology_path

__all__ = ["ENDPOINT_PATH", "load_graph", "make_app", "serve"]

ENDPOINT_PATH = "/sparql"
# rdflib's parser for each extension kg.query.FORMATS accepts
RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".jsonld": "json-ld", ".json": "json-ld",
                  ".xml": "xml", ".rdf": "xml", ".nq": "nquads"}


def load_graph(path: str | Path, with_ontology: bool = False) -> Graph:
    """The built graph (a file or a build folder) as one rdflib graph, prefixes bound."""
    source = graph_file(path)
    fmt = RDFLIB_FORMATS[source.suffix.lower()]
    graph = Graph()
    if fmt in ("trig", "nquads"):  # named graphs: served as one default graph
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(source, format=fmt)
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
    else:
        graph.parse(source, format=fmt)
    if with_ontology:
        graph.parse(ontology_path(), format="turtle")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, replace=True)
    return graph


def example_queries() -> dict[str, dict[str, str]]:
    """ontology/queries/*.rq as YASGUI tabs, named after their file."""
    return {path.stem: {"query": path.read_text(encoding="utf-8")}
            for path in sorted(query_dir().glob("*.rq"))}


def make_app(graph: Graph, public_url: str = f"http://127.0.0.1:8000{ENDPOINT_PATH}"):
    """The FastAPI application: the endpoint at /sparql, and / redirecting to it."""
    from fastapi.responses import RedirectResponse
    from rdflib_endpoint import SparqlEndpoint

    from . import __version__

    app = SparqlEndpoint(
        graph=graph,
        path=ENDPOINT_PATH,
        title="hospital-kg SPARQL endpoint",
        description=f"The hospital knowledge graph ({len(graph)} triples), read-only. "
                    "Ontology: https://w3id.org/hospital-kg/ontology#",
        version=__version__,
        public_url=public_url,
        cors_enabled=True,
        enable_update=False,
        example_queries=example_queries(),
    )

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(ENDPOINT_PATH)

    return app


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8000, with_ontology: bool = False,
          out: TextIO = sys.stdout) -> None:
    """Load the graph, bind the port (0: any free one), print the URL, serve until interrupted."""
    import uvicorn

    source = graph_file(path)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))  # before loading: a taken port fails at once
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        url = f"http://{shown}:{sock.getsockname()[1]}{ENDPOINT_PATH}"
        graph = load_graph(source, with_ontology)
        app = make_app(graph, public_url=url)
        print(f"SPARQL endpoint {url} ({len(graph)} triples from {source}); Ctrl-C stops it",
              file=out, flush=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        server.run(sockets=[sock])
    finally:
        sock.close()
