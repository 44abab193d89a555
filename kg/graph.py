"""Stage 6: the resolved knowledge graph as a networkx MultiDiGraph (the in-memory graph)."""
from __future__ import annotations

import networkx as nx

from .model import KnowledgeGraph


def to_networkx(kg: KnowledgeGraph, provenance: bool = False) -> nx.MultiDiGraph:
    """Nodes keyed by entity id with name/type/aliases/articles; one edge per relation kind.
    With `provenance`, also what `kg.views.load_graph` reads back from a build: the articles
    (`graph.graph["articles"]`: article IRI → id, title, source, date), each node's `article_keys`
    and each edge's `evidence_keys` (article IRIs)."""
    titles = {a.id: a.title for a in kg.articles}
    graph = nx.MultiDiGraph()
    if provenance:
        from .export_rdf import article_iri

        keys = {a.id: str(article_iri(a.id)) for a in kg.articles}
        graph.graph["articles"] = {keys[a.id]: {"title": a.title, "id": a.id, "source": a.source,
                                                "date": a.date or ""} for a in kg.articles}
    for e in kg.entities:
        graph.add_node(e.id, name=e.name, type=e.type, aliases=e.aliases,
                       articles=tuple(titles.get(a, a) for a in e.articles), date=e.date)
        if provenance:
            graph.nodes[e.id]["article_keys"] = tuple(keys.get(a, a) for a in e.articles)
    for r in kg.relations:
        graph.add_edge(r.head, r.tail, key=r.kind, kind=r.kind,
                       evidence=tuple((ev.sentence, titles.get(ev.article, ev.article)) for ev in r.evidence))
        if provenance:
            graph.edges[r.head, r.tail, r.kind]["evidence_keys"] = tuple(
                keys.get(ev.article, ev.article) for ev in r.evidence)
    return graph
