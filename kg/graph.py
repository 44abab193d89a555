"""Stage 6: the resolved knowledge graph as a networkx MultiDiGraph (the in-memory graph)."""
from __future__ import annotations

import networkx as nx

from .model import KnowledgeGraph


def to_networkx(kg: KnowledgeGraph) -> nx.MultiDiGraph:
    """Nodes keyed by entity id with name/type/aliases/articles; one edge per relation kind."""
    titles = {a.id: a.title for a in kg.articles}
    graph = nx.MultiDiGraph()
    for e in kg.entities:
        graph.add_node(e.id, name=e.name, type=e.type, aliases=e.aliases,
                       articles=tuple(titles.get(a, a) for a in e.articles), date=e.date)
    for r in kg.relations:
        graph.add_edge(r.head, r.tail, key=r.kind, kind=r.kind,
                       evidence=tuple((ev.sentence, titles.get(ev.article, ev.article)) for ev in r.evidence))
    return graph
