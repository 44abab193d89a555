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

import contextlib
import hashlib
import io
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import networkx as nx
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from . import lexicon
from .model import ORG_TYPES, KnowledgeGraph
from .vocab import DATA, GEO, HKG, SCHEMA, ontology_path

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
    "geo": str(GEO),
}
GEOMETRY = "/geometry"  # a place's point is <place IRI>/geometry
# pyoxigraph would write instance IRIs as kgid:hospital\/…, escapes not every parser reads.
_OX_PREFIXES = {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "kgid"}
GRAPH_IRI = DATA["graph"]
"""Name of the one named graph written to graph.trig (the other formats have no named graphs)."""
DATA_IRI = str(DATA)  # instances' IRIs begin with it


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


def assertion_iri(head: str, kind: str, tail: str, article: str, sentence: str) -> str:
    """The IRI of one piece of evidence for a relation, as a string (the writer's form: 10,000
    articles make 800,000 of them, and an rdflib term each is made for nothing)."""
    digest = hashlib.sha1(f"{head}\t{kind}\t{tail}\t{article}\t{sentence}".encode()).hexdigest()
    return f"{DATA_IRI}assertion/{digest[:16]}"


class Triples:
    """Every triple of a knowledge graph, each once, in the writers' order (subject by subject,
    see _key): what every RDF file is written from. Made afresh on each iteration and never held
    whole, a subject's triples at a time: 10,000 articles make 2.6 million triples, over a
    gigabyte as Python objects (an rdflib Graph, three indexes a triple, took four)."""

    def __init__(self, kg: KnowledgeGraph):
        self.kg = kg

    def __iter__(self) -> Iterator[ox.Triple]:
        return _triples(self.kg)


def _triples(kg: KnowledgeGraph) -> Iterator[ox.Triple]:
    nodes: dict[str, ox.NamedNode] = {}

    def node(iri: str) -> ox.NamedNode:
        term = nodes.get(iri)
        if term is None:
            term = nodes[iri] = ox.NamedNode(iri)
        return term

    # Vocabulary terms and article IRIs made once each: an rdflib namespace term and an article's
    # sha1 cost more than the triple they go into, and 10,000 articles make 3 million triples.
    hkg_terms: dict[str, ox.NamedNode] = {}
    article_nodes: dict[str, ox.NamedNode] = {}

    def hkg(local: str) -> ox.NamedNode:
        term = hkg_terms.get(local)
        if term is None:
            term = hkg_terms[local] = node(str(HKG[local]))
        return term

    def article_node(article_id: str) -> ox.NamedNode:
        term = article_nodes.get(article_id)
        if term is None:
            term = article_nodes[article_id] = node(str(article_iri(article_id)))
        return term

    def text(value: str) -> ox.Literal:
        return ox.Literal(value, language="zh")

    data = DATA_IRI
    a, label, prov_entity = node(str(RDF.type)), node(str(RDFS.label)), node(str(PROV.Entity))
    date = node(str(XSD.date))
    title, source_file, identifier = node(str(DCTERMS.title)), hkg("sourceFile"), node(str(DCTERMS.identifier))
    published, publisher = node(str(DCTERMS.date)), node(str(DCTERMS.publisher))
    alt_label, start_date = node(str(SKOS.altLabel)), node(str(SCHEMA.startDate))
    has_geometry, geometry, as_wkt = node(str(GEO.hasGeometry)), node(str(GEO.Geometry)), node(str(GEO.asWKT))
    wkt = node(str(GEO.wktLiteral))
    subject_of, predicate_of, object_of = node(str(RDF.subject)), node(str(RDF.predicate)), node(str(RDF.object))
    derived_from = node(str(PROV.wasDerivedFrom))

    def article_triples(art) -> Iterator[ox.Triple]:
        subject = article_node(art.id)
        yield ox.Triple(subject, a, hkg("Article"))
        yield ox.Triple(subject, a, prov_entity)
        yield ox.Triple(subject, label, text(art.title))
        yield ox.Triple(subject, title, text(art.title))
        yield ox.Triple(subject, source_file, ox.Literal(art.source))
        yield ox.Triple(subject, identifier, ox.Literal(art.id))
        if art.date and len(art.date) == 10:
            yield ox.Triple(subject, published, ox.Literal(art.date, datatype=date))
        if art.publisher and art.publisher in by_name:
            yield ox.Triple(subject, publisher, node(data + by_name[art.publisher]))

    def entity_triples(e) -> Iterator[ox.Triple]:
        subject = node(data + e.id)
        yield ox.Triple(subject, a, hkg(e.type))
        yield ox.Triple(subject, label, text(e.name))
        for alias in e.aliases:
            yield ox.Triple(subject, alt_label, text(alias))
        if e.date and len(e.date) == 10:
            yield ox.Triple(subject, start_date, ox.Literal(e.date, datatype=date))
        place = lexicon.places().get(e.name) if e.type == "Place" else None
        if place is not None:
            if place.province:
                yield ox.Triple(subject, hkg("province"), text(place.province))
            if place.code:
                yield ox.Triple(subject, hkg("countryCode" if place.level == "country" else "divisionCode"),
                                ox.Literal(place.code))
            if place.point:
                yield ox.Triple(subject, has_geometry, node(data + e.id + GEOMETRY))
        for article in e.articles:
            yield ox.Triple(subject, hkg("mentionedIn"), article_node(article))
        for r in heads.get(e.id, ()):
            yield ox.Triple(subject, hkg(r.kind), node(data + r.tail))

    def geometry_triples(e, point: tuple[float, float]) -> Iterator[ox.Triple]:
        subject = node(data + e.id + GEOMETRY)
        yield ox.Triple(subject, a, geometry)
        yield ox.Triple(subject, as_wkt,
                        ox.Literal(f"POINT({_decimal(point[0])} {_decimal(point[1])})", datatype=wkt))

    def assertion_triples(statement: str, r, ev) -> Iterator[ox.Triple]:
        subject, source = node(statement), article_node(ev.article)
        yield ox.Triple(subject, a, hkg("Assertion"))
        yield ox.Triple(subject, a, prov_entity)
        yield ox.Triple(subject, subject_of, node(data + r.head))
        yield ox.Triple(subject, predicate_of, hkg(r.kind))
        yield ox.Triple(subject, object_of, node(data + r.tail))
        yield ox.Triple(subject, hkg("evidenceText"), text(ev.sentence))
        yield ox.Triple(subject, hkg("evidenceArticle"), source)
        yield ox.Triple(subject, derived_from, source)

    names = {e.id for e in kg.entities}
    # A publisher is an organisation; with several entities of that name the choice is by type, then id.
    by_name: dict[str, str] = {}
    for e in sorted(kg.entities, key=lambda e: (e.type not in ORG_TYPES, e.id)):
        by_name.setdefault(e.name, e.id)
    heads: dict[str, list] = {}
    # Each subject IRI and the makers of its triples (an IRI can come twice: the set merges them).
    subjects: dict[str, list[tuple]] = {}
    for art in kg.articles:
        subjects.setdefault(article_node(art.id).value, []).append((article_triples, art))
    for e in kg.entities:
        subjects.setdefault(data + e.id, []).append((entity_triples, e))
        place = lexicon.places().get(e.name) if e.type == "Place" else None
        if place is not None and place.point:  # the seat's point: a subject of its own
            subjects.setdefault(data + e.id + GEOMETRY, []).append((geometry_triples, e, place.point))
    for r in kg.relations:
        if r.head not in names or r.tail not in names:
            continue
        heads.setdefault(r.head, []).append(r)
        for ev in r.evidence:
            statement = assertion_iri(r.head, r.kind, r.tail, ev.article, ev.sentence)
            subjects.setdefault(statement, []).append((assertion_triples, statement, r, ev))
    for iri in sorted(subjects, key=lambda iri: str(node(iri))):
        found = {t for maker, *args in subjects.pop(iri) for t in maker(*args)}
        yield from sorted(found, key=str)


def _decimal(value: float) -> str:
    """A coordinate to the gazetteer's six decimals, without trailing zeros (119.48421, not
    119.484210): the form stores with a geometry type (Virtuoso) write back, so rows compare."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def to_triples(kg: KnowledgeGraph) -> list[ox.Triple]:
    """Every triple of the graph, in a list (Triples, held whole)."""
    return list(Triples(kg))


def to_rdf(kg: KnowledgeGraph) -> Graph:
    """The graph as an rdflib Graph (for pyshacl, JSON-LD and Python users); same triples as
    :func:`to_triples`."""
    return as_graph(Triples(kg))


# --- serialisers: graph in, bytes out, ordered by the terms alone ---------------------------

RDFData = Graph | Triples | Sequence[ox.Triple]
"""What the writers take: an rdflib Graph, a Triples stream or a list of pyoxigraph triples."""


def _key(triple: ox.Triple) -> tuple[str, str]:
    """Subject by subject, then by the whole triple written as N-Triples."""
    return str(triple.subject), str(triple)


def _ox_term(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def _rdflib_term(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == str(XSD.string) else URIRef(datatype))


def as_graph(data: RDFData) -> Graph:
    """An rdflib Graph with our prefixes bound, holding the triples of `data`."""
    if isinstance(data, Graph):
        return data
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, replace=True)
    for triple in data:
        graph.add(tuple(map(_rdflib_term, (triple.subject, triple.predicate, triple.object))))
    return graph


def _ox_triples(data: RDFData) -> Iterable[ox.Triple]:
    """Sorted by the terms alone (_key), so that no writer sees the build's insertion order."""
    if isinstance(data, Triples):
        return data  # sorted as it is made
    if isinstance(data, Graph):
        return sorted((ox.Triple(*map(_ox_term, t)) for t in data), key=_key)
    return sorted(set(data), key=_key)


def turtle(graph: RDFData, output: BinaryIO | None = None, prefixes: dict[str, str] | None = None
           ) -> bytes | None:
    """Sorted, with prefixes (ours, and `prefixes`), written by pyoxigraph: rdflib's Turtle writer
    emits an invalid long string for a literal that holds a line break and ends in a backslash and
    a quote. Like every writer here: the bytes, or None once written to `output`."""
    return ox.serialize(_ox_triples(graph), output, ox.RdfFormat.TURTLE,
                        prefixes={**_OX_PREFIXES, **(prefixes or {})})


def ntriples(graph: RDFData, output: BinaryIO | None = None) -> bytes | None:
    """One triple a line, UTF-8, sorted (pyoxigraph writes canonical N-Triples)."""
    return ox.serialize(_ox_triples(graph), output, ox.RdfFormat.N_TRIPLES)


class _CarriageReturnsEscaped:
    """A binary stream that writes each carriage return as `&#xD;`. pyoxigraph's RDF/XML writer
    puts a literal's CR in the file as it is, and an XML parser reads a raw CR as a line feed
    (XML 1.0, 2.11); the writer's own line breaks are line feeds, and no UTF-8 sequence holds the
    byte 0x0D but CR itself, so every such byte is a literal's."""

    def __init__(self, output: BinaryIO) -> None:
        self._output = output

    def write(self, data: bytes) -> int:
        self._output.write(bytes(data).replace(b"\r", b"&#xD;"))
        return len(data)

    def flush(self) -> None:
        self._output.flush()


def rdfxml(graph: RDFData, output: BinaryIO | None = None) -> bytes | None:
    buffer = io.BytesIO() if output is None else None
    stream = _CarriageReturnsEscaped(output if buffer is None else buffer)
    ox.serialize(_ox_triples(graph), stream, ox.RdfFormat.RDF_XML, prefixes=_OX_PREFIXES)
    return None if buffer is None else buffer.getvalue()


def trig(graph: RDFData, output: BinaryIO | None = None) -> bytes | None:
    """The graph as the named graph ``kgid:graph``, for quad stores that keep datasets apart."""
    name = ox.NamedNode(str(GRAPH_IRI))
    quads = (ox.Quad(t.subject, t.predicate, t.object, name) for t in _ox_triples(graph))
    return ox.serialize(quads, output, ox.RdfFormat.TRIG, prefixes=_OX_PREFIXES)


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


def jsonld(graph: RDFData, output: BinaryIO | None = None) -> bytes | None:
    """Compacted with ontology/context.jsonld, embedded so the file loads offline."""
    context = jsonld_context()
    text = as_graph(_ox_triples(graph)).serialize(format="json-ld", context=context, auto_compact=True)
    document = json.loads(text)
    if isinstance(document, list):  # an empty graph
        document = {"@context": context, "@graph": document}
    document["@context"] = context
    if "@graph" in document:
        document["@graph"] = sorted((_sort_json(n) for n in document["@graph"]),
                                    key=lambda n: (n.get("@id", ""), json.dumps(n, sort_keys=True)))
    else:
        document = _sort_json(document)
    data = (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    if output is None:
        return data
    output.write(data)
    return None


EXPORTERS: dict[str, Callable[[RDFData, BinaryIO | None], bytes | None]] = {
    "ttl": turtle,
    "nt": ntriples,
    "jsonld": jsonld,
    "xml": rdfxml,
    "trig": trig,
}
"""RDF formats by file extension (graph.<ext>)."""

FORMATS: tuple[str, ...] = (*EXPORTERS, "graphml")
"""Every format `kg build --format` accepts."""


def serialize(graph: RDFData, fmt: str = "ttl") -> bytes:
    return EXPORTERS[fmt](graph, None)


def write_rdf(graph: RDFData, path: Path, fmt: str = "ttl") -> None:
    """Streamed into a temporary file renamed into place: the file's bytes are never held whole."""
    with atomic_output(path) as handle:
        EXPORTERS[fmt](graph, handle)


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

@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file handle on a temporary file beside `path`, renamed into place when the block
    ends without an error (and deleted when it does not): never a half-written `path`. The file
    gets the usual permissions (0666 less the umask), not mkstemp's owner-only 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` through atomic_output."""
    with atomic_output(path) as handle:
        handle.write(data)
