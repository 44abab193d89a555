"""SPARQL over a built graph, with pyoxigraph as the embedded engine (`kg query`).

    kg query output 'SELECT ?name WHERE { ?h a hkg:Hospital ; rdfs:label ?name }'
    kg query output/graph.ttl ontology/queries/aid_pairs.rq --output csv
    kg query output aid_pairs                      # a query of ontology/queries by its name

The graph is a file in any RDF syntax kg writes (by extension) or a build folder (its graph.ttl,
or else graph.nt / .trig / .jsonld / .xml). The prefixes kg writes (hkg:, kgid:, rdf:, rdfs:, xsd:,
skos:, schema:, dcterms:, prov:) are predeclared, so a query typed on the command line may leave
out its PREFIX lines. Named graphs (graph.trig) are queried as one default graph.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pyoxigraph as ox

from .export_rdf import PREFIXES, qname
from .vocab import ontology_path

__all__ = ["OUTPUTS", "QueryError", "load_store", "query_dir", "read_query", "render", "run"]

OUTPUTS = ("table", "csv", "json")
GRAPH_FILES = ("graph.ttl", "graph.nt", "graph.trig", "graph.jsonld", "graph.xml")
FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".trig": ox.RdfFormat.TRIG,
           ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD,
           ".xml": ox.RdfFormat.RDF_XML, ".rdf": ox.RdfFormat.RDF_XML, ".nq": ox.RdfFormat.N_QUADS}
MAX_CELL = 40
"""Display columns a table cell is cut to (0: never cut); CSV and JSON always hold everything."""


class QueryError(Exception):
    """A graph that cannot be found or read, or a query that cannot be parsed or run."""


def query_dir() -> Path:
    """``ontology/queries``: the researchers' questions, one ``.rq`` file each."""
    return ontology_path().parent / "queries"


def graph_file(path: str | Path) -> Path:
    """The RDF file to load: ``path`` itself, or the first graph.* of a build folder."""
    path = Path(path)
    if path.is_dir():
        for name in GRAPH_FILES:
            if (path / name).is_file():
                return path / name
        raise QueryError(f"{path}: no {' / '.join(GRAPH_FILES)} in this folder (run kg build first)")
    if not path.is_file():
        raise QueryError(f"{path}: no such file or folder")
    if path.suffix.lower() not in FORMATS:
        raise QueryError(f"{path}: unknown RDF file extension (expected one of {', '.join(FORMATS)})")
    return path


def load_store(path: str | Path, with_ontology: bool = False, folder: str | Path | None = None) -> ox.Store:
    """A pyoxigraph store holding the graph (and the ontology, if asked): in memory, or on disk in
    `folder`."""
    source = graph_file(path)
    store = ox.Store() if folder is None else ox.Store(str(folder))
    try:
        store.bulk_load(path=str(source), format=FORMATS[source.suffix.lower()])
        if with_ontology:
            store.bulk_load(path=str(ontology_path()), format=ox.RdfFormat.TURTLE)
    except (SyntaxError, ValueError, OSError) as err:
        raise QueryError(f"{source}: {err}") from err
    return store


def read_query(text_or_file: str) -> str:
    """The query itself, a path to a .rq file, or the name of a file in ontology/queries."""
    if "\n" in text_or_file or len(text_or_file) > 255:
        return text_or_file
    name = text_or_file if text_or_file.endswith(".rq") else f"{text_or_file}.rq"
    for path in (Path(text_or_file), query_dir() / name):
        try:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        except OSError:  # SPARQL text is rarely a valid file name
            continue
    if text_or_file.endswith(".rq"):
        raise QueryError(f"{text_or_file}: no such query file")
    return text_or_file


def run(store: ox.Store, sparql: str):
    """QuerySolutions (SELECT), QueryBoolean (ASK) or QueryTriples (CONSTRUCT, DESCRIBE)."""
    try:
        return store.query(sparql, prefixes=PREFIXES, use_default_graph_as_union=True)
    except (SyntaxError, OSError, ValueError) as err:
        raise QueryError(f"query failed: {err}") from err


# --- output --------------------------------------------------------------------------------

def cell(term) -> str:
    """A term as a table shows it: prefixed IRIs, a literal's text, nothing when unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return qname(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, limit: int) -> str:
    text = " ".join(text.split())  # a sentence broken over lines stays on one row
    if limit <= 0 or _width(text) <= limit:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > limit - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def table(header: list[str], rows: list[list[str]], max_cell: int = MAX_CELL) -> str:
    cells = [[_fit(v, max_cell) for v in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(header)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths)).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def render(results, output: str = "table", max_cell: int = MAX_CELL) -> str:
    """Results as a text table, W3C SPARQL CSV or JSON; a graph result as Turtle, N-Triples or JSON-LD."""
    if output not in OUTPUTS:
        raise QueryError(f"unknown output {output!r} (expected one of {', '.join(OUTPUTS)})")
    if isinstance(results, ox.QuerySolutions):
        if output == "table":
            header = [v.value for v in results.variables]
            return table(header, [[cell(row[i]) for i in range(len(header))] for row in results], max_cell)
        fmt = ox.QueryResultsFormat.CSV if output == "csv" else ox.QueryResultsFormat.JSON
        text = results.serialize(format=fmt).decode("utf-8")
        return _pretty_json(text) if output == "json" else text.rstrip("\r\n")
    if isinstance(results, ox.QueryBoolean):
        if output == "table":
            return "true" if bool(results) else "false"
        fmt = ox.QueryResultsFormat.CSV if output == "csv" else ox.QueryResultsFormat.JSON
        text = results.serialize(format=fmt).decode("utf-8")
        return _pretty_json(text) if output == "json" else text.rstrip("\r\n")
    triples = list(results)
    fmt = {"table": ox.RdfFormat.TURTLE, "csv": ox.RdfFormat.N_TRIPLES, "json": ox.RdfFormat.JSON_LD}[output]
    prefixes = {p: ns for p, ns in PREFIXES.items() if p != "kgid"} if output == "table" else None
    return ox.serialize(triples, format=fmt, prefixes=prefixes).decode("utf-8").rstrip("\n")


def _pretty_json(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2)


def query_graph(graph: str | Path, query: str, output: str = "table", max_cell: int = MAX_CELL,
                with_ontology: bool = False) -> str:
    """What `kg query` prints: load, run, render."""
    sparql = read_query(query)
    return render(run(load_store(graph, with_ontology), sparql), output, max_cell)
