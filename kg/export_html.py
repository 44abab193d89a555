"""Export the knowledge graph as self-contained, offline, interactive HTML pages.

pyvis assembles the vis-network node/edge/option records; the page itself comes from our own
template (``kg/resources/graph_template.html``) rather than pyvis's, because pyvis 0.3.2's
templates load Bootstrap from a CDN, insert the heading unescaped, route tooltips through
``innerHTML`` and write the file without an encoding. Here:

* vis-network's JS and CSS are inlined from the pyvis wheel, so one file works offline;
* all graph data (which comes from untrusted article text) is embedded as JSON in a
  ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` written as ``\\u003c``,
  ``\\u003e`` and ``\\u0026``; the page's script puts every piece of it into the DOM through
  ``textContent`` (tooltips are DOM elements, never HTML strings); whatever Python writes into the
  HTML itself (title, filter labels) is HTML-escaped;
* nodes are laid out in Python (`kg.layout`: a multilevel force-directed layout over numpy,
  overlaps removed, components packed side by side; here scaled to pixels and, on the aid page,
  grouped by province), and vis's physics stays off: the page is drawn at once and is still from
  the first frame, and a 5,000-node page is interactive in seconds;
* output is deterministic (nodes and edges sorted, JSON keys sorted, seeded layout).

Pages: :func:`write_html` draws any graph; :func:`write_pages` writes a build's ``graph.html`` (the
whole graph) and ``aid.html`` (institutions and who aids whom, grouped by province).
"""
from __future__ import annotations

import functools
import html
import importlib.resources
import json
import math
import os
import pathlib
import re
import tempfile
from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import networkx
import numpy as np
from pyvis.network import Network

from . import views
from .layout import LAYOUT_SEED, layout_units
from .model import ORG_TYPES, PERSON_TYPES

__all__ = ["LARGE_GRAPH", "layout_positions", "write_html", "write_pages"]

_VIS_DIR = "lib/vis-9.1.2"
_TEMPLATE = "resources/graph_template.html"

# CJK first for each platform: macOS (PingFang, Hiragino, Heiti), Windows (Microsoft YaHei, DengXian,
# SimHei), Linux (Noto/Source Han, WenQuanYi, Droid), then the generic family.
FONT_STACK = ('"PingFang SC","Hiragino Sans GB","Heiti SC","Microsoft YaHei","DengXian","SimHei",'
              '"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Source Han Sans CN",'
              '"WenQuanYi Micro Hei","WenQuanYi Zen Hei","Droid Sans Fallback",sans-serif')

# type -> (Chinese label, colour); order is the legend order.
_TYPE_STYLE: dict[str, tuple[str, str]] = {
    "Hospital": ("医院", "#d62728"),
    "Department": ("科室", "#ff7f0e"),
    "MedicalTeam": ("医疗队", "#e377c2"),
    "GovernmentAgency": ("政府机构", "#8c564b"),
    "Organization": ("其他机构", "#bcbd22"),
    "Doctor": ("医生", "#1f77b4"),
    "Patient": ("患者", "#17becf"),
    "Official": ("官员", "#9467bd"),
    "Person": ("人物", "#7f7f7f"),
    "Place": ("地点", "#2ca02c"),
    "Event": ("事件", "#e6a800"),
    "Condition": ("病症", "#393b79"),
}
_UNKNOWN_COLOUR = "#a0a4a8"

# type group -> (vis shape, legend glyph).  Only shapes whose size follows ``size``.
_GROUP_SHAPE: dict[str, tuple[str, str]] = {
    "org": ("square", "■"),
    "person": ("dot", "●"),
    "Place": ("triangle", "▲"),
    "Event": ("star", "★"),
    "Condition": ("hexagon", "⬢"),
    "other": ("diamond", "◆"),
}

# kind -> (Chinese label read along the arrow, edge colour); order is the filter order.
_KIND_STYLE: dict[str, tuple[str, str]] = {
    "aids": ("帮扶", "#c0392b"),
    "aidedBy": ("受…帮扶", "#c0392b"),
    "treated": ("诊治", "#16a085"),
    "hosted": ("主办", "#b7950b"),
    "worksAt": ("任职于", "#2e86c1"),
    "partOf": ("隶属", "#d35400"),
    "participatedIn": ("参与", "#8e44ad"),
    "locatedIn": ("位于", "#27ae60"),
    "hasCondition": ("患有", "#34495e"),
}
_UNKNOWN_KIND_COLOUR = "#9aa3ad"
_EMPHASISED_KINDS = ("aids", "aidedBy")

LARGE_GRAPH = 1000  # above this many nodes: straight edges, edges hidden while dragging
_EDGE_PX = 100.0  # typical edge length on screen
_MAX_LABEL = 24
# Screen size of a node label, from the smallest node's to the largest's, at every zoom: zooming in
# spreads the nodes apart but not their labels, so labels that gave way at first come back.
_LABEL_PX = {"min": 12, "max": 19, "gap": 3}

_OPTIONS: dict[str, Any] = {
    "autoResize": True,
    # Node size follows ``value`` (√degree, see _size_share). Node labels are drawn by the page
    # itself (_LABEL_PX), not by vis.
    "nodes": {"borderWidth": 1, "borderWidthSelected": 3, "shadow": False,
              "scaling": {"min": 10, "max": 48}},
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
        "font": {"size": 11, "align": "middle", "color": "#4a5059",
                 "strokeWidth": 3, "strokeColor": "#ffffff"},
        "smooth": {"enabled": True, "type": "continuous", "roundness": 0.5},
        "width": 1.2,
        "selectionWidth": 2,
    },
    # Laid out in Python (below); vis never runs physics, so the page is still from the first frame.
    "physics": {"enabled": False},
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                    "keyboard": {"enabled": True, "bindToWindow": False},
                    "multiselect": False},
    "layout": {"randomSeed": LAYOUT_SEED, "improvedLayout": False},
}


# --------------------------------------------------------------------------- small helpers

def _group(node_type: str) -> str:
    if node_type in ORG_TYPES:
        return "org"
    if node_type in PERSON_TYPES:
        return "person"
    if node_type in ("Place", "Event", "Condition"):
        return node_type
    return "other"


def _type_label(node_type: str) -> str:
    style = _TYPE_STYLE.get(node_type)
    return style[0] if style else f"其他（{node_type}）"


def _colour(node_type: str) -> str:
    style = _TYPE_STYLE.get(node_type)
    return style[1] if style else _UNKNOWN_COLOUR


def _kind_label(kind: str) -> str:
    style = _KIND_STYLE.get(kind)
    return style[0] if style else kind


def _kind_colour(kind: str) -> str:
    style = _KIND_STYLE.get(kind)
    return style[1] if style else _UNKNOWN_KIND_COLOUR


@functools.lru_cache(maxsize=None)  # a handful of palette colours, asked for per node and edge
def _darker(hex_colour: str, factor: float = 0.7) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(int(r * factor), int(g * factor), int(b * factor))


def _strs(value: Any) -> tuple[str, ...]:
    """A tuple of strings from an attribute that should be a tuple of str (tolerantly)."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        return tuple(str(v) for v in value)
    except TypeError:
        return (str(value),)


def _evidence(value: Any) -> tuple[tuple[str, str], ...]:
    """Normalise an edge's evidence to (sentence, source) string pairs."""
    if value is None:
        return ()
    if isinstance(value, str):
        return ((value, ""),)
    pairs = []
    for item in value:
        if isinstance(item, str):
            pairs.append((item, ""))
            continue
        item = tuple(item)
        sentence = str(item[0]) if len(item) > 0 else ""
        source = str(item[1]) if len(item) > 1 else ""
        pairs.append((sentence, source))
    return tuple(pairs)


_VALUE_CAP = 8.0  # √degree at which a node (and its label) reaches its largest size


def _size_share(degree: int) -> float:
    """Where a node's size lies between the smallest and the largest: √degree, capped. The page's
    ``customScalingFunction`` computes the same, so sizes do not depend on the rest of the graph."""
    return min(1.0, math.sqrt(degree) / _VALUE_CAP)


def _node_size(degree: int) -> float:
    scaling = _OPTIONS["nodes"]["scaling"]
    return round(scaling["min"] + _size_share(degree) * (scaling["max"] - scaling["min"]), 2)


def _short(text: str, limit: int = _MAX_LABEL) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _script_json(data: Any) -> Iterator[str]:
    """JSON that is inert inside a ``<script>`` element: pure ASCII, no ``<``, ``>`` or ``&``; in
    pieces, so that a page of 200 MB is never one string (nor three, with its copies)."""
    for piece in _json_pieces(data):
        yield piece.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_JSON_PIECE = 2000  # list items dumped at a time


def _json_pieces(value: Any) -> Iterator[str]:
    """``json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))``, the same
    text, as pieces: dicts key by key, long lists _JSON_PIECE items at a time."""
    if isinstance(value, dict) and value:
        yield "{"
        for i, key in enumerate(sorted(value)):
            yield ("," if i else "") + json.dumps(str(key), ensure_ascii=True) + ":"
            yield from _json_pieces(value[key])
        yield "}"
    elif isinstance(value, list) and len(value) > _JSON_PIECE:
        yield "["
        for start in range(0, len(value), _JSON_PIECE):
            text = json.dumps(value[start:start + _JSON_PIECE], ensure_ascii=True, sort_keys=True,
                              separators=(",", ":"))
            yield ("," if start else "") + text[1:-1]
        yield "]"
    else:
        yield json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    base = importlib.resources.files("pyvis").joinpath(_VIS_DIR)
    js = base.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = base.joinpath("vis-network.css").read_text(encoding="utf-8")
    # Neither file contains these today; guard so that they can never end their element early.
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", "\\x3C!--")
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
    return js, css


@functools.lru_cache(maxsize=1)
def _template() -> str:
    return importlib.resources.files("kg").joinpath(_TEMPLATE).read_text(encoding="utf-8")


def _radii(graph: networkx.MultiDiGraph, nodes: Sequence[Any]) -> np.ndarray:
    """Each node's disc in layout units: its drawn size (as vis scales ``value`` = √degree) or half
    its label, whichever is larger (labels capped), plus a little air."""
    if not nodes:
        return np.zeros(0)
    share = np.array([_size_share(graph.degree(n)) for n in nodes])
    scaling = _OPTIONS["nodes"]["scaling"]
    size = scaling["min"] + share * (scaling["max"] - scaling["min"])
    label = np.array([min(len(str(graph.nodes[n].get("name") or n)), _MAX_LABEL) for n in nodes]) * 14 / 2
    return (np.maximum(size, np.minimum(label, 45.0)) + 6.0) / _EDGE_PX


def layout_positions(graph: networkx.MultiDiGraph) -> dict[Any, tuple[float, float]]:
    """Screen positions (pixels) for every node of ``graph``: deterministic, components packed."""
    nodes = sorted(graph.nodes, key=str)
    units = layout_units(nodes, graph.edges(), _radii(graph, nodes))
    return {node: (round(float(x) * _EDGE_PX, 1), round(float(y) * _EDGE_PX, 1))
            for node, (x, y) in zip(nodes, units)}


_UNKNOWN_GROUP = "省份不详"


def _grouped_layout(graph: networkx.MultiDiGraph, group_of: Mapping[Any, str]
                    ) -> tuple[dict[Any, tuple[float, float]], list[dict[str, Any]]]:
    """Positions with each group (province) laid out on its own, the groups placed roughly where
    the provinces are on a map and pushed apart until they do not overlap; groups with no known
    place (other countries, unknown) go in a row underneath. Returns (positions, group circles)."""
    members: dict[str, list[Any]] = defaultdict(list)
    for node in sorted(graph.nodes, key=str):
        members[group_of.get(node) or _UNKNOWN_GROUP].append(node)
    centres = views.province_centres()
    names = sorted(members, key=lambda g: (g == _UNKNOWN_GROUP, g not in centres, g))
    local: dict[str, np.ndarray] = {}
    radius: dict[str, float] = {}
    for name in names:
        nodes = members[name]
        inside_set = set(nodes)
        inside = [(u, v) for u, v in graph.edges() if u in inside_set and v in inside_set]
        radii = _radii(graph, nodes)
        units = layout_units(nodes, inside, radii)
        local[name] = units
        radius[name] = max(0.8, float((np.sqrt((units * units).sum(1)) + radii).max()) + 0.5)
    mapped = [n for n in names if n in centres]
    at: dict[str, np.ndarray] = {}
    if mapped:
        # About one ideal edge per degree of longitude/latitude; north up.
        pts = np.array([[centres[n][0] - 110.0, 32.0 - centres[n][1]] for n in mapped]) * 0.9
        rad = np.array([radius[n] for n in mapped])
        for _ in range(300):
            moved = False
            for i in range(len(mapped)):
                for j in range(i + 1, len(mapped)):
                    d = pts[j] - pts[i]
                    dist = float(np.hypot(*d))
                    need = rad[i] + rad[j] + 0.8
                    if dist < need:
                        direction = d / dist if dist > 1e-9 else np.array([1.0, 0.0])
                        push = (need - dist) / 2 + 1e-3
                        pts[i] -= direction * push
                        pts[j] += direction * push
                        moved = True
            if not moved:
                break
        for n, p in zip(mapped, pts):
            at[n] = p
    rest = [n for n in names if n not in at]
    if rest:
        bottom = max((float(at[n][1]) + radius[n] for n in at), default=-2.0) + 1.5
        left = min((float(at[n][0]) - radius[n] for n in at), default=0.0)
        x = left
        for n in rest:
            at[n] = np.array([x + radius[n], bottom + radius[n]])
            x += 2 * radius[n] + 1.0
    positions: dict[Any, tuple[float, float]] = {}
    groups = []
    for name in names:
        centre = at[name]
        for node, (x, y) in zip(members[name], local[name] + centre):
            positions[node] = (round(float(x) * _EDGE_PX, 1), round(float(y) * _EDGE_PX, 1))
        groups.append({"name": name, "count": len(members[name]), "known": name != _UNKNOWN_GROUP,
                       "x": round(float(centre[0]) * _EDGE_PX, 1), "y": round(float(centre[1]) * _EDGE_PX, 1),
                       "r": round(radius[name] * _EDGE_PX, 1)})
    return positions, groups


# --------------------------------------------------------------------------- pyvis records

class _IdList(list):
    """pyvis keeps node ids in a list and tests membership for every node and edge it adds
    (quadratic); this list answers ``in`` from a set."""

    def __init__(self) -> None:
        super().__init__()
        self._members: set = set()

    def append(self, item: Any) -> None:  # noqa: D102
        super().append(item)
        self._members.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._members


Positions = Callable[[], Mapping[Any, tuple[float, float]]]


def _build(graph: networkx.MultiDiGraph, focus: Iterable[Any], group_by_province: bool,
           positions: Positions | None = None, provinces: dict[Any, str] | None = None
           ) -> tuple[Network, list[dict], list[dict], dict[str, Any]]:
    large = graph.number_of_nodes() > LARGE_GRAPH

    net = Network(directed=True)
    net.node_ids = _IdList()
    net.set_options(json.dumps(_OPTIONS, separators=(",", ":")))
    options = net.options
    options["nodes"]["font"] = {"face": FONT_STACK, "size": 14, "color": "#222222",
                                "strokeWidth": 3, "strokeColor": "#ffffff"}
    options["edges"]["font"]["face"] = FONT_STACK
    if large:
        options["edges"]["smooth"] = {"enabled": False}
        options["interaction"]["hideEdgesOnDrag"] = True

    ids = {node: str(node) for node in graph.nodes}
    where = views.provinces(graph) if provinces is None else provinces
    province = {node: str(graph.nodes[node].get("province") or where.get(node) or "") for node in graph.nodes}
    groups: list[dict[str, Any]] = []
    grouped = None
    if group_by_province:
        grouped, groups = _grouped_layout(graph, {n: p for n, p in province.items() if p})
    focus_ids = sorted({ids[n] for n in focus if n in ids})

    articles = graph.graph.get("articles", {})

    def years(keys: Iterable[str], date: Any = None) -> list[int]:
        """An event's own year, else the years of the articles that state it (none: undated)."""
        days = [str(date)] if date else [articles.get(k, {}).get("date") or "" for k in keys]
        return sorted({int(day[:4]) for day in days if day[:4].isdigit()})

    names: dict[Any, str] = {}
    node_meta: list[dict] = []
    type_counts: dict[str, int] = defaultdict(int)
    province_counts: dict[str, int] = defaultdict(int)
    for node in sorted(graph.nodes, key=lambda n: ids[n]):
        attrs = graph.nodes[node]
        nid = ids[node]
        name = attrs.get("name")
        name = nid if name is None else str(name)
        node_type = str(attrs.get("type") or "Entity")
        names[node] = name
        type_counts[node_type] += 1
        province_counts[province[node] or _UNKNOWN_GROUP] += 1
        colour = _colour(node_type)
        centre = nid in focus_ids
        net.add_node(
            nid,
            label=_short(name),
            shape=_GROUP_SHAPE[_group(node_type)][0],
            color={"background": colour, "border": "#111111" if centre else _darker(colour),
                   "highlight": {"background": colour, "border": "#111111"},
                   "hover": {"background": colour, "border": "#111111"}},
            borderWidth=4 if centre else 1,
            size=_node_size(graph.degree(node)),
            value=round(math.sqrt(graph.degree(node)), 3),
            x=None, y=None,  # set below
        )
        node_meta.append({"name": name, "type": node_type, "typeLabel": _type_label(node_type),
                          "aliases": list(_strs(attrs.get("aliases"))),
                          "articles": list(_strs(attrs.get("articles"))),
                          "province": province[node],
                          "years": years(attrs.get("article_keys", ()), attrs.get("date"))})

    records = []
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        kind = str(attrs.get("kind") or key or "")
        evidence = _evidence(attrs.get("evidence"))
        records.append(((ids[u], ids[v], kind, evidence, repr(key)), u, v, kind, evidence,
                        years(attrs.get("evidence_keys", ()))))
    records.sort(key=lambda r: r[0])

    edge_meta: list[dict] = []
    kind_counts: dict[str, int] = defaultdict(int)
    parallel: dict[frozenset, int] = defaultdict(int)
    for index, (_, u, v, kind, evidence, edge_years) in enumerate(records):
        kind_counts[kind] += 1
        pair = frozenset((ids[u], ids[v]))
        rank = parallel[pair]
        parallel[pair] += 1
        extra: dict[str, Any] = {}
        if rank and u != v:  # fan out parallel edges so that their labels stay readable
            extra["smooth"] = {"enabled": True, "type": "curvedCW" if rank % 2 else "curvedCCW",
                               "roundness": round(0.2 * ((rank + 1) // 2), 2)}
        colour = _kind_colour(kind)
        net.add_edge(
            ids[u], ids[v],
            id=f"e{index}",
            label=_kind_label(kind),
            color={"color": colour, "highlight": _darker(colour, 0.55), "hover": _darker(colour), "inherit": False},
            width=2.4 if kind in _EMPHASISED_KINDS else 1.2,
            **extra,
        )
        edge_meta.append({"kind": kind, "kindLabel": _kind_label(kind),
                          "evidence": [list(pair_) for pair_ in evidence], "years": edge_years})

    # The layout is asked for last: `positions` may be computing it in another process meanwhile.
    if grouped is not None:
        drawn = grouped
    else:
        drawn = positions() if positions is not None else layout_positions(graph)
    # pyvis keeps the first of the nodes that share an id (str(node)): it takes that one's place
    first_of_id: dict[str, Any] = {}
    for node in names:
        first_of_id.setdefault(ids[node], node)
    for record in net.nodes:
        record["x"], record["y"] = drawn[first_of_id[record["id"]]]

    view = {"focus": focus_ids, "valueCap": _VALUE_CAP, "labels": _LABEL_PX, "groups": groups,
            "types": dict(type_counts), "kinds": dict(kind_counts),
            "provinces": dict(province_counts) if group_by_province else {},
            "years": sorted({y for m in node_meta + edge_meta for y in m["years"]})}
    if group_by_province:
        view["map"] = _map_view(graph, ids, province)
    return net, node_meta, edge_meta, view


_MAP_PX_PER_DEGREE = 60.0
_MAP_CENTRE = (104.0, 36.0)  # longitude, latitude at the middle of China's map


def _project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular, scaled for the middle latitude: near enough for a country's outline."""
    x = (lon - _MAP_CENTRE[0]) * _MAP_PX_PER_DEGREE * math.cos(math.radians(_MAP_CENTRE[1]))
    return round(x, 1), round((_MAP_CENTRE[1] - lat) * _MAP_PX_PER_DEGREE, 1)


def _map_view(graph: networkx.MultiDiGraph, ids: Mapping[Any, str], province: Mapping[Any, str]) -> dict[str, Any]:
    """Where each node stands on the map (its `lonlat`, projected; several at one point fanned out
    around it), other countries in a column on the right, the rest in one on the left and listed
    by name; and each province's name at its seat, for orientation."""
    centres = views.province_centres()
    at: dict[str, list[float]] = {}
    crowd: dict[tuple[float, float], int] = defaultdict(int)
    abroad, unknown = [], []
    for node in sorted(graph.nodes, key=lambda n: ids[n]):
        point = graph.nodes[node].get("lonlat")
        if point:
            x, y = _project(*point)
            k = crowd[(x, y)]
            crowd[(x, y)] += 1
            if k:  # a golden-angle spiral around the shared point
                x, y = x + 26 * math.sqrt(k) * math.cos(2.4 * k), y + 26 * math.sqrt(k) * math.sin(2.4 * k)
            at[ids[node]] = [round(x, 1), round(y, 1)]
        elif province.get(node) and province[node] not in centres:
            abroad.append(node)
        else:
            unknown.append(node)
    xs = [p[0] for p in at.values()] + [_project(lon, lat)[0] for lon, lat in centres.values()]
    ys = [p[1] for p in at.values()] + [_project(lon, lat)[1] for lon, lat in centres.values()]
    for column, nodes in ((max(xs) + 320, sorted(abroad, key=lambda n: (province[n], ids[n]))),
                          (min(xs) - 320, unknown)):
        for row, node in enumerate(nodes):
            at[ids[node]] = [round(column, 1), round(min(ys) + 90.0 * row, 1)]
    return {"positions": at,
            "provinces": [[name, *_project(lon, lat)] for name, (lon, lat) in sorted(centres.items())],
            "abroad": [[ids[n], province[n]] for n in abroad],
            "margin": [str(graph.nodes[n].get("name") or ids[n]) for n in unknown],
            "columns": {"abroad": round(max(xs) + 320, 1), "unknown": round(min(xs) - 320, 1),
                        "top": round(min(ys) - 60, 1)}}


# --------------------------------------------------------------------------- page

def _chip(attr: str, value: str, glyph: str, colour: str, label: str, count: int, hint: str) -> str:
    v = html.escape(value, quote=True)
    return (f'<label class="kg-chip" data-{attr}="{v}" title="{html.escape(hint, quote=True)}">'
            f'<input type="checkbox" checked data-filter="{attr}" value="{v}">'
            f'<span class="kg-swatch" style="color:{colour}">{glyph}</span>'
            f'{html.escape(label)}<span class="kg-n">{count}</span></label>')


def _type_chips(counts: Mapping[str, int]) -> str:
    ordered = [t for t in _TYPE_STYLE if t in counts] + sorted(set(counts) - set(_TYPE_STYLE))
    return "\n".join(_chip("type", t, _GROUP_SHAPE[_group(t)][1], _colour(t), _type_label(t), counts[t], t)
                     for t in ordered)


def _kind_chips(counts: Mapping[str, int]) -> str:
    ordered = [k for k in _KIND_STYLE if k in counts] + sorted(set(counts) - set(_KIND_STYLE))
    return "\n".join(_chip("kind", k, "➝", _kind_colour(k), _kind_label(k), counts[k], k) for k in ordered)


def _province_chips(counts: Mapping[str, int]) -> str:
    ordered = sorted(counts, key=lambda p: (p == _UNKNOWN_GROUP, -counts[p], p))
    return "\n".join(_chip("province", p, "◯", "#5d6d7e", p, counts[p], p) for p in ordered)


def _year_row(years: Sequence[int]) -> str:
    """From/to selects over the years found, and the switch that hides what has no date."""
    def select(element_id: str, chosen: int) -> str:
        options = "".join(f'<option value="{y}"{" selected" if y == chosen else ""}>{y}</option>' for y in years)
        return f'<select id="{element_id}">{options}</select>'

    return (f'<div class="kg-year-row" id="kg-years"><span class="kg-row-label">年份</span>\n'
            f'{select("kg-year-from", years[0])} 至 {select("kg-year-to", years[-1])}\n'
            f'<label><input type="checkbox" id="kg-hide-undated"> 隐藏无日期的实体和关系</label>\n</div>')


_SAFE_HREF = re.compile(r"[A-Za-z0-9_.\-]+\.html")


def _nav(links: Iterable[tuple[str, str]], current: str) -> str:
    parts = []
    for label, href in links:
        if not _SAFE_HREF.fullmatch(href):
            raise ValueError(f"unsafe link target: {href!r}")
        if href == current:
            parts.append(f'<span class="kg-nav-here">{html.escape(label)}</span>')
        else:
            parts.append(f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>')
    return "\n".join(parts)


def _render(graph: networkx.MultiDiGraph, title: str, *, subtitle: str = "", focus: Iterable[Any] = (),
            links: Iterable[tuple[str, str]] = (), current: str = "", group_by_province: bool = False,
            positions: Positions | None = None, provinces: dict[Any, str] | None = None) -> Iterator[str]:
    """The page, in pieces (the graph's JSON is most of it)."""
    net, node_meta, edge_meta, view = _build(graph, focus, group_by_province, positions, provinces)
    data = {"nodes": net.nodes, "edges": net.edges, "options": net.options,
            "meta": {"nodes": node_meta, "edges": edge_meta}, "view": view}
    js, css = _vis_assets()
    filters = [("实体类型", "kg-types", _type_chips(view["types"])),
               ("关系类型", "kg-kinds", _kind_chips(view["kinds"]))]
    if group_by_province:
        filters.append(("省份", "kg-provinces", _province_chips(view["provinces"])))
    rows = "\n".join(f'<div class="kg-filter-row" id="{row_id}"><span class="kg-row-label">{label}</span>\n'
                     f"{chips}\n</div>" for label, row_id, chips in filters if chips)
    if view["years"]:
        rows += "\n" + _year_row(view["years"])
    values = {
        "TITLE": html.escape(title, quote=True),
        "SUBTITLE": html.escape(subtitle, quote=True),
        "COUNTS": f"{len(net.nodes)} 个实体 · {len(net.edges)} 条关系",
        "NAV": _nav(links, current),
        "FILTERS": rows,
        "FONT": FONT_STACK,
        "DATA": None,  # streamed below
        "VIS_JS": js,
        "VIS_CSS": css,
    }
    # Split once, so that nothing inserted is scanned for placeholders again.
    for i, part in enumerate(re.split(r"@@KG_([A-Z_]+)@@", _template())):
        if i % 2 == 0:
            yield part
        elif part == "DATA":
            yield from _script_json(data)
        else:
            yield values[part]


def _atomic_write(path: pathlib.Path, pieces: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = pathlib.Path(tmp_name)
    try:
        with open(fd, "w", encoding="utf-8", errors="replace", newline="") as handle:
            handle.writelines(pieces)
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_html(graph: networkx.MultiDiGraph, path: pathlib.Path, title: str = "hospital-kg", *,
               subtitle: str = "", focus: Iterable[Any] = (), links: Iterable[tuple[str, str]] = (),
               group_by_province: bool = False, positions: Positions | None = None,
               provinces: dict[Any, str] | None = None) -> None:
    """Write ``graph`` to ``path`` as a single offline, interactive HTML page.

    ``focus``: nodes to mark and select when the page opens (an ego view's centre);
    ``links``: (label, file name) of sibling pages for the header; ``group_by_province``: lay nodes
    out in one circle per province (from their ``province`` attribute or :func:`views.provinces`);
    ``positions``: returns :func:`layout_positions` of ``graph``, computed elsewhere (it is called
    once the page's other records are built); by default the layout is computed here;
    ``provinces``: :func:`views.provinces` of ``graph`` (or of a graph it is part of), when the
    caller has them.
    """
    path = pathlib.Path(path)
    _atomic_write(path, _render(graph, title, subtitle=subtitle, focus=focus, links=links,
                                current=path.name, group_by_province=group_by_province,
                                positions=positions, provinces=provinces))


PAGE_LINKS = (("完整图谱", "graph.html"), ("援助网络", "aid.html"))


def write_pages(graph: networkx.MultiDiGraph, out: pathlib.Path, positions: Positions | None = None,
                provinces: dict[Any, str] | None = None) -> list[pathlib.Path]:
    """A build's pages: ``graph.html`` (everything) and ``aid.html`` (who aids whom, by province).
    ``positions``: as for :func:`write_html`, for ``graph.html``; ``provinces``: as for
    :func:`write_html`, for both pages."""
    out = pathlib.Path(out)
    full, aid = out / "graph.html", out / "aid.html"
    where = views.provinces(graph) if provinces is None else provinces
    # aid.html first: it does not wait for `positions`
    write_html(views.aid_graph(graph, where), aid, title="援助网络",
               subtitle="机构之间的帮扶关系：箭头由帮扶方指向受援方，按省份分组",
               links=PAGE_LINKS, group_by_province=True, provinces=where)
    write_html(graph, full, title="医院新闻知识图谱", subtitle="全部实体与关系", links=PAGE_LINKS,
               positions=positions, provinces=where)
    return [full, aid]
