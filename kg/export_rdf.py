"""Stage 7a: the knowledge graph as RDF (rdflib), in every exchange format, and as GraphML.

Modelling: each entity is typed with its ontology class, named with `rdfs:label`@zh and
`skos:altLabel`@zh, and linked to the articles it appears in (`hkg:mentionedIn`). Each relation is
a direct triple (`a hkg:aidedBy b`, what SPARQL users query) and also a reified `hkg:Assertion`
(rdf:subject/predicate/object) carrying `hkg:evidenceText` and `hkg:evidenceArticle`: plain RDF 1.1
that every triple store loads, unlike RDF-star. Provenance uses PROV-O and Dublin Core: articles are
`hkg:Article` and `prov:Entity` with dcterms:title, date, publisher, identifier and `hkg:sourceFile`;
assertions are `prov:Entity` and `prov:wasDerivedFrom` their article.

IRIs come from content only (entity group + canonical name, the article's file name and story
number, an assertion's triple + sentence), and every writer orders its output by the terms
themselves, so the same input gives byte-identical files whatever the hash seed or build order.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from . import lexicon
from .model import ORG_TYPES, KnowledgeGraph
from .vocab import DATA, HKG, SCHEMA, ontology_path

PREFIXES: dict[str, str] = {
    "hkg": str(HKG._NS),
    "kgid": str(DATA),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
}
# pyoxigraph would write instance IRIs as kgid:hospital\/…, escapes not every parser reads.
_OX_PREFIXES = {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "kgid"}
GRAPH_IRI = DATA["graph"]
"""Name of the one named graph written to graph.trig (the other formats have no named graphs)."""


def qname(iri: str) -> str:
    """``hkg:Hospital``, ``kgid:hospital/3f2a…`` for display (not always a valid Turtle name)."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def context_path() -> Path:
    """``ontology/context.jsonld``: the JSON-LD context graph.jsonld is compacted with."""
    return ontology_path().parent / "context.jsonld"


def article_iri(article_id: str) -> URIRef:
    """From the article id (file name plus story number), not the folder it was read from."""
    return DATA[f"article/{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:12]}"]


def assertion_iri(head: str, kind: str, tail: str, article: str, sentence: str) -> URIRef:
    digest = hashlib.sha1(f"{head}\t{kind}\t{tail}\t{article}\t{sentence}".encode()).hexdigest()
    return DATA[f"assertion/{digest[:16]}"]


def to_rdf(kg: KnowledgeGraph) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    names = {e.id for e in kg.entities}
    # A publisher is an organisation; with several entities of that name the choice is by type, then id.
    by_name: dict[str, str] = {}
    for e in sorted(kg.entities, key=lambda e: (e.type not in ORG_TYPES, e.id)):
        by_name.setdefault(e.name, e.id)
    for a in kg.articles:
        node = article_iri(a.id)
        g.add((node, RDF.type, HKG.Article))
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, RDFS.label, Literal(a.title, lang="zh")))
        g.add((node, DCTERMS.title, Literal(a.title, lang="zh")))
        g.add((node, HKG.sourceFile, Literal(a.source)))
        g.add((node, DCTERMS.identifier, Literal(a.id)))
        if a.date and len(a.date) == 10:
            g.add((node, DCTERMS.date, Literal(a.date, datatype=XSD.date)))
        if a.publisher and a.publisher in by_name:
            g.add((node, DCTERMS.publisher, DATA[by_name[a.publisher]]))
    for e in kg.entities:
        node = DATA[e.id]
        g.add((node, RDF.type, HKG[e.type]))
        g.add((node, RDFS.label, Literal(e.name, lang="zh")))
        for alias in e.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang="zh")))
        if e.date and len(e.date) == 10:
            g.add((node, SCHEMA.startDate, Literal(e.date, datatype=XSD.date)))
        if e.type == "Place":
            place = lexicon.places().get(e.name)
            if place is not None and place.province:
                g.add((node, HKG.province, Literal(place.province, lang="zh")))
        for article in e.articles:
            g.add((node, HKG.mentionedIn, article_iri(article)))
    for r in kg.relations:
        if r.head not in names or r.tail not in names:
            continue
        s, p, o = DATA[r.head], HKG[r.kind], DATA[r.tail]
        g.add((s, p, o))
        for ev in r.evidence:
            statement = assertion_iri(r.head, r.kind, r.tail, ev.article, ev.sentence)
            source = article_iri(ev.article)
            g.add((statement, RDF.type, HKG.Assertion))
            g.add((statement, RDF.type, PROV.Entity))
            g.add((statement, RDF.subject, s))
            g.add((statement, RDF.predicate, p))
            g.add((statement, RDF.object, o))
            g.add((statement, HKG.evidenceText, Literal(ev.sentence, lang="zh")))
            g.add((statement, HKG.evidenceArticle, source))
            g.add((statement, PROV.wasDerivedFrom, source))
    return g


# --- serialisers: graph in, bytes out, ordered by the terms alone ---------------------------

def _key(triple) -> tuple[str, str, str]:
    return tuple(term.n3() for term in triple)


def _canonical(graph: Graph) -> Graph:
    """A copy filled in sorted order, so that no serialiser sees the build's insertion order."""
    copy = Graph()
    for prefix, ns in PREFIXES.items():
        copy.bind(prefix, ns, replace=True)
    for triple in sorted(graph, key=_key):
        copy.add(triple)
    return copy


def _ox_term(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def _ox_triples(graph: Graph) -> list[ox.Triple]:
    return [ox.Triple(*map(_ox_term, t)) for t in sorted(graph, key=_key)]


def turtle(graph: Graph) -> bytes:
    """Sorted, with prefixes, written by pyoxigraph: rdflib's Turtle writer emits an invalid long
    string for a literal that holds a line break and ends in a backslash and a quote."""
    return ox.serialize(_ox_triples(graph), format=ox.RdfFormat.TURTLE, prefixes=_OX_PREFIXES)


def ntriples(graph: Graph) -> bytes:
    """One triple a line, UTF-8, sorted (pyoxigraph writes canonical N-Triples)."""
    return ox.serialize(_ox_triples(graph), format=ox.RdfFormat.N_TRIPLES)


def rdfxml(graph: Graph) -> bytes:
    return ox.serialize(_ox_triples(graph), format=ox.RdfFormat.RDF_XML, prefixes=_OX_PREFIXES)


def trig(graph: Graph) -> bytes:
    """The graph as the named graph ``kgid:graph``, for quad stores that keep datasets apart."""
    name = ox.NamedNode(str(GRAPH_IRI))
    quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in _ox_triples(graph)]
    return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_OX_PREFIXES)


def jsonld_context() -> dict:
    """The ``@context`` object of ontology/context.jsonld."""
    return json.loads(context_path().read_text(encoding="utf-8"))["@context"]


def _sort_json(value):
    """JSON-LD arrays without @list are unordered: sort them (and nodes by @id) for stable output."""
    if isinstance(value, dict):
        return {k: (v if k == "@context" else _sort_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sort_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def jsonld(graph: Graph) -> bytes:
    """Compacted with ontology/context.jsonld, embedded so the file loads offline."""
    context = jsonld_context()
    text = _canonical(graph).serialize(format="json-ld", context=context, auto_compact=True)
    document = json.loads(text)
    if isinstance(document, list):  # an empty graph
        document = {"@context": context, "@graph": document}
    document["@context"] = context
    if "@graph" in document:
        document["@graph"] = sorted((_sort_json(n) for n in document["@graph"]),
                                    key=lambda n: (n.get("@id", ""), json.dumps(n, sort_keys=True)))
    else:
        document = _sort_json(document)
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


EXPORTERS: dict[str, Callable[[Graph], bytes]] = {
    "ttl": turtle,
    "nt": ntriples,
    "jsonld": jsonld,
    "xml": rdfxml,
    "trig": trig,
}
"""RDF formats by file extension (graph.<ext>)."""

FORMATS: tuple[str, ...] = (*EXPORTERS, "graphml")
"""Every format `kg build --format` accepts."""


def serialize(graph: Graph, fmt: str = "ttl") -> bytes:
    return EXPORTERS[fmt](graph)


def write_rdf(graph: Graph, path: Path, fmt: str = "ttl") -> None:
    atomic_write_bytes(path, serialize(graph, fmt))


# --- GraphML (Gephi, Cytoscape, yEd) -------------------------------------------------------

def _joined(values: Iterable) -> str:
    return " | ".join(str(v) for v in values)


def to_graphml_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Only strings and integers, as GraphML types its attributes; nodes keyed by IRI, sorted.

    Node attributes: label (the name), type, iri, aliases and articles (joined with " | "), date.
    Edge attributes: label (the relation), evidence (one sentence a line), sources (article
    titles), evidence_count. Edge keys are the relation plus a hash of the triple.
    """
    out = nx.MultiDiGraph()
    iri = {node: str(DATA[node]) for node in graph.nodes}
    for node in sorted(graph.nodes):
        attrs = graph.nodes[node]
        data = {"label": str(attrs.get("name", node)), "type": str(attrs.get("type", "")),
                "iri": iri[node], "aliases": _joined(attrs.get("aliases") or ()),
                "articles": _joined(attrs.get("articles") or ())}
        if attrs.get("date"):
            data["date"] = str(attrs["date"])
        out.add_node(iri[node], **data)
    for head, tail, kind, attrs in sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3]):
        evidence = attrs.get("evidence") or ()
        digest = hashlib.sha1(f"{head}\t{kind}\t{tail}".encode()).hexdigest()[:12]
        out.add_edge(iri[head], iri[tail], key=f"{kind}-{digest}", label=str(attrs.get("kind", kind)),
                     evidence="\n".join(sentence for sentence, _ in evidence),
                     sources=_joined(dict.fromkeys(title for _, title in evidence)),
                     evidence_count=len(evidence))
    return out


def graphml(graph: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml_xml(to_graphml_graph(graph), buffer, encoding="utf-8")
    return buffer.getvalue()


def write_graphml(graph: nx.MultiDiGraph, path: Path) -> None:
    atomic_write_bytes(path, graphml(graph))


# --- files ---------------------------------------------------------------------------------

def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a temporary file beside `path` and rename it into place: never a half-written file.
    The file gets the usual permissions (0666 less the umask), not mkstemp's owner-only 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
