"""Stage 7a: the knowledge graph as RDF (rdflib).

Modelling: each entity is typed with its ontology class, named with `rdfs:label`@zh and
`skos:altLabel`@zh, and linked to the articles it appears in (`hkg:mentionedIn`). Each relation is
a direct triple (`a hkg:aidedBy b`, what SPARQL users query) and also a reified `hkg:Assertion`
(rdf:subject/predicate/object) carrying `hkg:evidenceText` and `hkg:evidenceArticle`: plain RDF 1.1
that every triple store loads, unlike RDF-star. Articles carry dcterms:title, date, publisher
and `hkg:sourceFile`.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .model import KnowledgeGraph
from .vocab import DATA, HKG, SCHEMA

FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "xml": "xml"}


def article_iri(article_id: str) -> URIRef:
    return DATA[f"article/{hashlib.sha1(article_id.encode('utf-8')).hexdigest()[:12]}"]


def to_rdf(kg: KnowledgeGraph) -> Graph:
    g = Graph()
    for prefix, ns in (("hkg", HKG._NS), ("schema", SCHEMA), ("skos", SKOS), ("prov", PROV),
                       ("dcterms", DCTERMS), ("kgid", DATA)):
        g.bind(prefix, ns)
    names = {e.id: e for e in kg.entities}
    by_name = {e.name: e for e in kg.entities}
    for a in kg.articles:
        node = article_iri(a.id)
        g.add((node, RDF.type, HKG.Article))
        g.add((node, DCTERMS.title, Literal(a.title, lang="zh")))
        g.add((node, HKG.sourceFile, Literal(a.source)))
        g.add((node, DCTERMS.identifier, Literal(a.id)))
        if a.date and len(a.date) == 10:
            g.add((node, DCTERMS.date, Literal(a.date, datatype=XSD.date)))
        if a.publisher and a.publisher in by_name:
            g.add((node, DCTERMS.publisher, DATA[by_name[a.publisher].id]))
    for e in kg.entities:
        node = DATA[e.id]
        g.add((node, RDF.type, HKG[e.type]))
        g.add((node, RDFS.label, Literal(e.name, lang="zh")))
        for alias in e.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang="zh")))
        if e.date and len(e.date) == 10:
            g.add((node, SCHEMA.startDate, Literal(e.date, datatype=XSD.date)))
        for article in e.articles:
            g.add((node, HKG.mentionedIn, article_iri(article)))
    for r in kg.relations:
        if r.head not in names or r.tail not in names:
            continue
        s, p, o = DATA[r.head], HKG[r.kind], DATA[r.tail]
        g.add((s, p, o))
        for ev in r.evidence:
            digest = hashlib.sha1(f"{r.head}\t{r.kind}\t{r.tail}\t{ev.article}\t{ev.sentence}".encode()).hexdigest()
            statement = DATA[f"assertion/{digest[:16]}"]
            g.add((statement, RDF.type, HKG.Assertion))
            g.add((statement, RDF.subject, s))
            g.add((statement, RDF.predicate, p))
            g.add((statement, RDF.object, o))
            g.add((statement, HKG.evidenceText, Literal(ev.sentence, lang="zh")))
            g.add((statement, HKG.evidenceArticle, article_iri(ev.article)))
    return g


def write_rdf(graph: Graph, path: Path, fmt: str = "ttl") -> None:
    """Serialise to a temporary file and rename it into place: never a half-written file."""
    data = graph.serialize(format=FORMATS[fmt], encoding="utf-8")
    atomic_write_bytes(path, data)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
