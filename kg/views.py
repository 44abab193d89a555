"""Views of the knowledge graph that answer planners' questions, and `kg view`.

Every function here is a plain graph → graph derivation over the networkx ``MultiDiGraph`` that
:func:`kg.graph.to_networkx` builds (nodes: ``name``, ``type``, ``aliases``, ``articles``; edges keyed
by kind with ``kind`` and ``evidence`` = ((sentence, article title), ...)); ``kg.export_html`` draws
them:

* :func:`aid_graph` — institutions joined by aid, arrows from helper to helped, each node tagged
  with its province;
* :func:`ego_graph` — an entity (or several) and everything within ``depth`` relations of it;
* :func:`article_graph` — the entities one article mentions and the relations it states;
* :func:`load_graph` — a build read back from its ``graph.ttl`` (what `kg view` uses, so that a view
  never needs the articles again);
* :func:`provinces` — the province (or foreign country) of each node, from ``locatedIn`` edges to
  places and the places' names, looked up in China's administrative divisions (the ``cpca`` table).
"""
from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import re
from collections import Counter, deque
from pathlib import Path
from typing import Any, Iterable, Iterator

import networkx as nx

from .lexicon import autonomous_forms
from .model import ORG_TYPES

__all__ = ["aid_graph", "article_graph", "ego_graph", "find_articles", "find_entities",
           "load_graph", "province_centres", "provinces", "ttl_path"]

# Relations along which an entity inherits a place: an institution is where it is located, a
# department where its hospital is.
_PLACE_EDGES = ("locatedIn", "partOf")
_MAX_PLACE_HOPS = 4
_UNWANTED_DIVISIONS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "地区", "盟", "省", "市", "县", "区", "旗")


# --------------------------------------------------------------------------- administrative areas

@functools.lru_cache(maxsize=1)
def _divisions() -> tuple[dict[str, frozenset[str]], dict[str, tuple[float, float]]]:
    """(name → provinces having a division of that name, province → (longitude, latitude))."""
    text = importlib.resources.files("cpca").joinpath("resources/adcodes.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    province_of_code: dict[str, str] = {}
    centres: dict[str, tuple[float, float]] = {}
    for row in rows:
        code = row["adcode"]
        if code[2:] == "0" * (len(code) - 2):
            name = row["name"].strip()
            province_of_code[code[:2]] = name
            try:
                centres[name] = (float(row["longitude"]), float(row["latitude"]))
            except (TypeError, ValueError):
                pass
    names: dict[str, set[str]] = {}
    for row in rows:
        name = row["name"].strip()
        province = province_of_code.get(row["adcode"][:2])
        if not name or not province or name in _UNWANTED_DIVISIONS:
            continue
        forms = {name}
        if name.endswith("县"):  # 县改区: the table predates some of them
            forms.add(name[:-1] + "区")
        for suffix in _SUFFIXES:  # the short form (广元 for 广元市), when long enough to be safe
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                forms.add(name[: -len(suffix)])
                break
        forms.update(autonomous_forms(name))
        for form in forms:
            names.setdefault(form, set()).add(province)
    exact = {name: frozenset(p) for name, p in names.items()}
    # A province's own names always mean the province (吉林 the province, not only the city).
    for province in province_of_code.values():
        exact[province] = frozenset((province,))
    return exact, centres


def province_centres() -> dict[str, tuple[float, float]]:
    """Province name → (longitude, latitude) of its seat, for laying provinces out like a map."""
    return dict(_divisions()[1])


@functools.lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    try:
        from .lexicon import countries
        return frozenset(countries())
    except Exception:  # noqa: BLE001 - a missing translation table only loses the foreign groups
        return frozenset()


def _place_province(name: str) -> str | None:
    """The province a place name lies in, a foreign country's own name, or None if unknown/ambiguous."""
    table, _ = _divisions()
    found = table.get(name)
    if found and len(found) == 1:
        return next(iter(found))
    if name in _countries() and name not in ("中国", "中华人民共和国"):
        return name
    return None


_NATIONAL = ("国家", "中国", "中华", "全国")  # the names of national bodies begin so
_CAPITAL = "北京市"
_AID_MARKS = ("支援", "援助", "援")  # 援萨摩亚医疗队, 支援湖北的医疗队: where a team serves


def name_province(name: str, node_type: str = "") -> str | None:
    """The province (or foreign country) an institution's own name gives: a team by where it is sent
    (援萨摩亚医疗队, 支援湖北的医疗队), else a name that begins with a division: its full name
    (青川县人民医院, 四川省广元市人民医院) or the short name of a province or city (扬州大学附属医院);
    a county's short name (南华大学) or a name two provinces share decides nothing."""
    if node_type == "MedicalTeam" and (sent := _sent_to(name)):
        return sent
    prefix = next(_leading_divisions(name, len(name) - 1), None)
    if prefix:
        return _place_province(prefix[0])
    found = _contained_division(name) or _place_province(_university_seat(name) or "")
    if not found and node_type in ("GovernmentAgency", "Organization") and name.startswith(_NATIONAL):
        found = _CAPITAL  # a national body (国家卫生健康委…, 中华医学会) sits in the capital
    return found


def _sent_to(name: str) -> str | None:
    """The province or country a team's name says it is sent to (援马里医疗队 → 马里)."""
    for mark in _AID_MARKS:
        at = name.find(mark)
        while at >= 0:
            rest = name[at + len(mark):]
            for length in range(min(len(rest), 12), 1, -1):
                found = _place_province(rest[:length])
                if found:
                    return found
            at = name.find(mark, at + 1)
    return None


def _contained_division(name: str) -> str | None:
    """The province of the first division written out in full inside a name (民盟云南省委会,
    松桃自治县人民医院, 凉山州第一人民医院): three characters or more ending in 省, 市, 县, 区, 州, 旗
    or 盟, and a name only one province has."""
    for start in range(len(name) - 2):
        for end in range(min(len(name), start + 12), start + 2, -1):
            if name[end - 1] in "省市县区州旗盟":
                found = _place_province(name[start:end])
                if found:
                    return found
    return None


_HOSPITAL_AFTER_SHORT_NAME = tuple("一二三四五六七八九附医")  # 山大二院, 扬大附院, 厦大附属…


@functools.lru_cache(maxsize=1)
def _universities() -> tuple[dict[str, str], dict[str, str]]:
    """(a university's name → its seat, a short name → the seat of the one university it can mean).
    Short names: the first character and 大 of a four-character 某某大学 (山大 for 山东大学; where
    several share one, the national university among them, 教育部 its authority, if exactly one), and
    the name without 大学 (暨南 for 暨南大学)."""
    from .lexicon import load

    full: dict[str, str] = {}
    short: dict[str, set[tuple[str, bool]]] = {}
    for entry in load("universities.tsv"):  # term: the name, type: its seat, note: its authority
        if not _place_province(entry.type):
            continue
        full[entry.term] = entry.type
        national = entry.note == "教育部"
        if entry.term.endswith("大学") and len(entry.term) >= 4:
            short.setdefault(entry.term[:-2], set()).add((entry.type, national))
            if len(entry.term) == 4:
                short.setdefault(entry.term[0] + "大", set()).add((entry.type, national))
    chosen: dict[str, str] = {}
    for form, found in short.items():
        seats = {seat for seat, _ in found}
        national = [seat for seat, is_national in found if is_national]
        if len(seats) == 1:
            chosen[form] = next(iter(seats))
        elif len(national) == 1:
            chosen[form] = national[0]
    return full, chosen


def _university_seat(name: str) -> str | None:
    """The seat of the university a name contains (暨南大学附属第一医院 → 广州市), else of the
    university a short name at its start means when a numbered or affiliated hospital follows
    (山大二院 → 济南市), or when a 某大 short name begins a hospital's name (浙大邵逸夫医院)."""
    full, short = _universities()
    ends = [end for end in range(4, len(name) + 1) if name[end - 1] in "学院校）"]  # how such names end
    for length in range(min(len(name), 20), 3, -1):
        for end in ends:
            found = full.get(name[end - length:end]) if end >= length else None
            if found:
                return found
    for length in range(min(len(name) - 2, 6), 1, -1):
        if name[:length] in short and (
                name[length:length + 1] in _HOSPITAL_AFTER_SHORT_NAME and ("院" in name[length:] or name[length] == "附")
                or name[length - 1] == "大" and name.endswith("医院") and len(name) > length + 2
                and name[length] not in "街道路桥"):  # 南大街医院 is on a street
            return short[name[:length]]
    return None


def _leading_divisions(name: str, longest: int) -> Iterator[tuple[str, Any]]:
    """(prefix, gazetteer place) of each Chinese division the name begins with, longest first (up
    to `longest` characters): its full name, a province's or city's short name, or the whole name;
    never a name two provinces share."""
    from .lexicon import places

    gazetteer = places()
    for length in range(min(longest, 12), 1, -1):
        prefix = name[:length]
        place = gazetteer.get(prefix)
        if place is None or place.level == "country":
            continue
        if (prefix == place.name or place.level in ("province", "city") or length == len(name)) \
                and _place_province(prefix):
            yield prefix, place


def _kind(key: Any, data: dict) -> str:
    """An edge's relation kind: its ``kind`` attribute, else its key."""
    return str(data.get("kind", key))


def provinces(graph: nx.MultiDiGraph) -> dict[Any, str]:
    """Node → province (or foreign country) for every node whose place can be worked out.

    A place is placed by its own name, else by the places it is ``locatedIn``; any other node by the
    nearest place reached through ``locatedIn``/``partOf`` edges (a department through its hospital),
    else by its own name (`name_province`), else through ``partOf`` by however its institution was
    placed; then an institution aided by a team sent to it by name where the team is sent
    (`_where_teams_are_sent`), one that only receives aid by the places its articles name
    (`_helped_by_their_articles`), and a team still unplaced where those it aids are
    (`_where_teams_serve`). Names that several provinces share (朝阳区) decide nothing on their own.
    """
    out: dict[Any, str] = {}
    place_memo: dict[Any, str | None] = {}

    def via_edges(start: Any) -> str | None:
        seen = {start}
        queue = deque([(start, 0)])
        while queue:
            node, hops = queue.popleft()
            if hops:
                attrs = graph.nodes[node]
                if attrs.get("type") == "Place":
                    found = place_memo.get(node)
                    if found is None and node not in place_memo:
                        found = place_memo[node] = _place_province(str(attrs.get("name") or ""))
                    if found:
                        return found
            if hops >= _MAX_PLACE_HOPS:
                continue
            # only the few place edges are sorted (a node may have hundreds of others)
            for target in sorted({t for t, keyed in graph.succ[node].items()
                                  if any(_kind(k, data) in _PLACE_EDGES for k, data in keyed.items())},
                                 key=str):
                if target not in seen:
                    seen.add(target)
                    queue.append((target, hops + 1))
        return None

    for node, attrs in graph.nodes(data=True):
        found = None
        if attrs.get("type") == "Place":
            found = place_memo.get(node) if node in place_memo else _place_province(str(attrs.get("name") or ""))
            place_memo[node] = found
        if not found:
            found = via_edges(node)
        if not found and attrs.get("type") != "Place":
            found = name_province(str(attrs.get("name") or ""), str(attrs.get("type") or ""))
        if found:
            out[node] = found
    _inherit_through_part_of(graph, out)
    team_aid = _team_aid(graph)
    _where_teams_are_sent(graph, team_aid, out)
    _helped_by_their_articles(graph, out)
    _where_teams_serve(team_aid, out)
    return out


def _inherit_through_part_of(graph: nx.MultiDiGraph, out: dict[Any, str]) -> None:
    """A department or team unplaced so far is where its institution is, however that was found."""
    changed = True
    while changed:
        changed = False
        for node in sorted((n for n in graph if n not in out), key=str):
            for target in sorted({t for _, t, k, d in graph.out_edges(node, keys=True, data=True)
                                  if _kind(k, d) == "partOf" and t in out}, key=str):
                out[node], changed = out[target], True
                break


def _team_aid(graph: nx.MultiDiGraph) -> list[tuple[Any, Any]]:
    """(receiver, team) of each ``aidedBy`` edge whose helper is a team."""
    return [(r, h) for r, h, k, d in graph.edges(keys=True, data=True)
            if _kind(k, d) == "aidedBy" and r != h and graph.nodes[h].get("type") == "MedicalTeam"]


def _place_agreed(out: dict[Any, str], found: dict[Any, set[str]]) -> None:
    """Place each node of `found` where its one place is (an empty place: unknown)."""
    for node, where in found.items():
        if len(where) == 1 and "" not in where:
            out[node] = next(iter(where))


def _where_teams_are_sent(graph: nx.MultiDiGraph, team_aid: list[tuple[Any, Any]], out: dict[Any, str]) -> None:
    """An institution still unplaced that a team aids whose name says where it is sent (援马里医疗队)
    is there too, if all such teams agree. `team_aid`: the graph's `_team_aid`."""
    found: dict[Any, set[str]] = {}
    for receiver, team in team_aid:
        sent = _sent_to(str(graph.nodes[team].get("name") or ""))
        if receiver not in out and sent and graph.nodes[receiver].get("type") in ORG_TYPES:
            found.setdefault(receiver, set()).add(sent)
    _place_agreed(out, found)


def _where_teams_serve(team_aid: list[tuple[Any, Any]], out: dict[Any, str]) -> None:
    """A team still unplaced stands where those it aids stand, if they all stand in one place.
    `team_aid`: the graph's `_team_aid`."""
    found: dict[Any, set[str]] = {}
    for receiver, team in team_aid:
        if team not in out:
            found.setdefault(team, set()).add(out.get(receiver, ""))
    _place_agreed(out, found)


_CONTEXT_SHARE = 0.5  # of the places an institution's articles name, more than this in one province


def _helped_by_their_articles(graph: nx.MultiDiGraph, out: dict[Any, str]) -> None:
    """An institution that receives aid and gives none, still unplaced: the province where more than
    half of the places named in its articles lie. News of aid is written about the place that
    receives it, so this is not done for helpers (measured on the shared dev sets: 19 of 20
    receivers placed otherwise got the same province this way; helpers disagreed a third of the
    time)."""
    receives, gives = set(), set()
    for receiver, helper, key, data in graph.edges(keys=True, data=True):
        if _kind(key, data) == "aidedBy" and receiver != helper:
            receives.add(receiver)
            gives.add(helper)
    wanted = [n for n in receives - gives - set(out)
              if graph.nodes[n].get("type") in ORG_TYPES
              and not str(graph.nodes[n].get("name") or "").startswith(_NATIONAL)]
    if not wanted:
        return
    places_of_article: dict[str, Counter] = {}
    for node, attrs in graph.nodes(data=True):
        if attrs.get("type") == "Place" and node in out:
            for key in attrs.get("article_keys", ()):
                places_of_article.setdefault(key, Counter())[out[node]] += 1
    for node in sorted(wanted, key=str):
        counts: Counter = Counter()
        for key in graph.nodes[node].get("article_keys", ()):
            counts.update(places_of_article.get(key, Counter()))
        if counts:
            province, n = min(counts.items(), key=lambda item: (-item[1], item[0]))
            if n > _CONTEXT_SHARE * sum(counts.values()):
                out[node] = province


_LEVEL_RANK = {"county": 0, "city": 1, "province": 2}


def _point_of_name(name: str, whole_names_only: bool = False) -> tuple[int, tuple[float, float]] | None:
    """(rank: 0 county, 1 city, 2 province; the point) of a Chinese division the name is, or with
    `whole_names_only` False also one the name begins with (as `name_province` reads names)."""
    from .lexicon import places

    found = [(name, places().get(name))] if whole_names_only else _leading_divisions(name, len(name))
    for prefix, place in found:
        if place is not None and place.point is not None and place.level in _LEVEL_RANK \
                and _place_province(prefix):
            return _LEVEL_RANK[place.level], place.point
    return None


def coordinates(graph: nx.MultiDiGraph, where: dict[Any, str] | None = None
                ) -> dict[Any, tuple[float, float]]:
    """Node → (longitude, latitude) where it stands on a map of China: a place at its own point; an
    institution at the most specific place it is located in (county, else city, else province),
    else at the division its name begins with, else at its province's seat. Nodes abroad or of
    unknown place have none. `where`: the graph's `provinces`, when the caller has them."""
    where = provinces(graph) if where is None else where
    centres = province_centres()
    out: dict[Any, tuple[float, float]] = {}
    for node, attrs in graph.nodes(data=True):
        name = str(attrs.get("name") or "")
        if attrs.get("type") == "Place":
            found = _point_of_name(name, whole_names_only=True)
        else:
            located = [_point_of_name(str(graph.nodes[t].get("name") or ""), whole_names_only=True)
                       for t, keyed in graph.succ[node].items()
                       if graph.nodes[t].get("type") == "Place"
                       and any(_kind(k, d) == "locatedIn" for k, d in keyed.items())]
            located = [x for x in located if x]
            found = min(located) if located else (
                _point_of_name(name) or _point_of_name(_university_seat(name) or "", whole_names_only=True))
        if found:
            out[node] = found[1]
        elif where.get(node) in centres:
            out[node] = centres[where[node]]
    return out


def _with_provinces(whole: nx.MultiDiGraph, part: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Tag ``part``'s nodes with the provinces worked out on ``whole`` (a subgraph may have lost the
    place that locates them); returns ``part``."""
    for node, province in provinces(whole).items():
        if node in part and not part.nodes[node].get("province"):
            part.nodes[node]["province"] = province
    return part


# --------------------------------------------------------------------------- views

_AID_NODE_TYPES = ORG_TYPES + ("Place",)


def aid_graph(graph: nx.MultiDiGraph, where: dict[Any, str] | None = None) -> nx.MultiDiGraph:
    """Who helps whom: the ends of ``aidedBy`` edges, each edge turned round to run helper → helped.

    Nodes are institutions (and a place, such as a county or a country, when the text names it as
    the receiver of aid); people and events never appear. Each node keeps its attributes plus
    ``province`` and ``lonlat`` (`coordinates`), where known; each edge has kind ``aids`` and the
    evidence of the ``aidedBy`` fact. `where`: the graph's `provinces`, when the caller has them.
    """
    where = provinces(graph) if where is None else where
    points = coordinates(graph, where)
    view = nx.MultiDiGraph(**graph.graph)  # the articles, for the pages' years
    for receiver, helper, key, data in graph.edges(keys=True, data=True):
        if _kind(key, data) != "aidedBy" or receiver == helper:
            continue
        if not all(graph.nodes[n].get("type") in _AID_NODE_TYPES for n in (receiver, helper)):
            continue
        for node in (helper, receiver):
            if node not in view:
                view.add_node(node, **dict(graph.nodes[node]))
                if where.get(node) and not view.nodes[node].get("province"):
                    view.nodes[node]["province"] = where[node]
                if node in points:
                    view.nodes[node]["lonlat"] = points[node]
        view.add_edge(helper, receiver, key="aids", kind="aids", evidence=data.get("evidence", ()),
                      evidence_keys=data.get("evidence_keys", ()))
    return view


def ego_graph(graph: nx.MultiDiGraph, centres: Iterable[Any], depth: int = 1) -> nx.MultiDiGraph:
    """The centres and every node within ``depth`` relations of one of them (either direction)."""
    centres = [c for c in centres if c in graph]
    keep: set[Any] = set(centres)
    frontier = set(centres)
    for _ in range(max(0, depth)):
        nxt: set[Any] = set()
        for node in frontier:
            nxt.update(graph.successors(node))
            nxt.update(graph.predecessors(node))
        nxt -= keep
        keep |= nxt
        frontier = nxt
    return _with_provinces(graph, graph.subgraph(keep).copy())


def article_graph(graph: nx.MultiDiGraph, article: str) -> nx.MultiDiGraph:
    """The entities that ``article`` (a key of ``graph.graph["articles"]``) mentions, and the
    relations it states, each with only that article's evidence."""
    info = graph.graph.get("articles", {}).get(article)
    if info is None:
        raise KeyError(article)
    title = info["title"]
    view = nx.MultiDiGraph()
    for node, attrs in graph.nodes(data=True):
        if article in attrs.get("article_keys", ()):
            view.add_node(node, **dict(attrs))
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u not in view or v not in view:
            continue
        keys = data.get("evidence_keys", ())
        evidence = tuple(ev for ev, k in zip(data.get("evidence", ()), keys) if k == article)
        if evidence:
            view.add_edge(u, v, key=key, **{**data, "evidence": evidence,
                                           "evidence_keys": (article,) * len(evidence)})
    view.graph["title"] = title
    return _with_provinces(graph, view)


# --------------------------------------------------------------------------- reading a build back

def ttl_path(build: str | Path) -> Path:
    path = Path(build)
    return path / "graph.ttl" if path.is_dir() else path


def load_graph(build: str | Path) -> nx.MultiDiGraph:
    """The graph of a build, read back from ``graph.ttl`` (``build`` is the folder or the file).

    Gives the same nodes (ids are the entity IRIs without the ``…/id/`` base), attributes and edges
    as :func:`kg.graph.to_networkx`, plus ``graph.graph["articles"]`` (article IRI → id, title,
    source, date), each node's ``article_keys`` and each edge's ``evidence_keys`` (article IRIs).
    """
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

    from .vocab import DATA, ENTITY_CLASSES, HKG, RELATION_PROPERTIES

    rdf = Graph()
    rdf.parse(str(ttl_path(build)), format="turtle")
    base = str(DATA)

    def local(iri: Any) -> str:
        text = str(iri)
        return text[len(base):] if text.startswith(base) else text

    articles: dict[str, dict[str, str]] = {}
    for art in rdf.subjects(RDF.type, HKG.Article):
        key = str(art)
        articles[key] = {
            "title": str(rdf.value(art, DCTERMS.title) or rdf.value(art, DCTERMS.identifier) or key),
            "id": str(rdf.value(art, DCTERMS.identifier) or ""),
            "source": str(rdf.value(art, HKG.sourceFile) or ""),
            "date": str(rdf.value(art, DCTERMS.date) or ""),
        }

    def article_order(key: str) -> tuple[str, str]:
        info = articles.get(key, {})
        return (info.get("id", ""), key)

    graph = nx.MultiDiGraph(articles=articles)
    classes = {HKG[c]: c for c in ENTITY_CLASSES}
    for cls, type_name in classes.items():
        for subject in rdf.subjects(RDF.type, cls):
            if not isinstance(subject, URIRef):
                continue
            keys = sorted((str(a) for a in rdf.objects(subject, HKG.mentionedIn)), key=article_order)
            date = None
            for value in rdf.objects(subject, URIRef("https://schema.org/startDate")):
                date = str(value)
            graph.add_node(
                local(subject),
                name=str(rdf.value(subject, RDFS.label) or local(subject)),
                type=type_name,
                aliases=tuple(sorted(str(a) for a in rdf.objects(subject, SKOS.altLabel))),
                articles=tuple(articles.get(k, {}).get("title", k) for k in keys),
                article_keys=tuple(keys),
                date=date,
            )

    evidence: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for statement in rdf.subjects(RDF.type, HKG.Assertion):
        s, p, o = (rdf.value(statement, prop) for prop in (RDF.subject, RDF.predicate, RDF.object))
        if s is None or p is None or o is None:
            continue
        text = str(rdf.value(statement, HKG.evidenceText) or "")
        art = str(rdf.value(statement, HKG.evidenceArticle) or "")
        evidence.setdefault((local(s), str(p), local(o)), []).append(
            (text, articles.get(art, {}).get("title", art), art))

    for kind in RELATION_PROPERTIES:
        prop = HKG[kind]
        for s, o in rdf.subject_objects(prop):
            head, tail = local(s), local(o)
            if head not in graph or tail not in graph:
                continue
            found = sorted(evidence.get((head, str(prop), tail), ()), key=lambda e: (article_order(e[2]), e[0]))
            graph.add_edge(head, tail, key=kind, kind=kind,
                           evidence=tuple((sentence, title) for sentence, title, _ in found),
                           evidence_keys=tuple(art for _, _, art in found))
    return graph


# --------------------------------------------------------------------------- finding things

def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).lower()


def find_entities(graph: nx.MultiDiGraph, name: str) -> tuple[list[Any], list[Any]]:
    """(exact, partial): nodes whose name or an alias is ``name``, and those that contain it."""
    wanted = _norm(name)
    exact, partial = [], []
    if not wanted:
        return exact, partial
    for node, attrs in sorted(graph.nodes(data=True), key=lambda item: str(item[0])):
        names = [_norm(attrs.get("name") or node)] + [_norm(a) for a in attrs.get("aliases", ())]
        if wanted in names:
            exact.append(node)
        elif any(wanted in n for n in names):
            partial.append(node)
    return exact, partial


def find_articles(graph: nx.MultiDiGraph, query: str) -> tuple[list[str], list[str]]:
    """(exact, partial): articles whose title, id (``file#2``), source path or file name is ``query``,
    and those whose title contains it."""
    wanted = _norm(query)
    exact, partial = [], []
    for key, info in sorted(graph.graph.get("articles", {}).items()):
        forms = {_norm(info.get("title", "")), _norm(info.get("id", "")), _norm(info.get("source", "")),
                 _norm(Path(info.get("source", "") or "_").name), _norm(info.get("id", "").split("/")[-1])}
        if wanted and wanted in forms:
            exact.append(key)
        elif wanted and wanted in _norm(info.get("title", "")):
            partial.append(key)
    return exact, partial
