"""Export the knowledge graph as one self-contained, offline HTML page.

pyvis assembles the vis-network node/edge/option records; the page itself comes from our own
template (``kg/resources/graph_template.html``) rather than pyvis's, because pyvis 0.3.2's
templates load Bootstrap from a CDN, insert the heading unescaped and route tooltips through
``innerHTML``.  Here:

* vis-network's JS and CSS are inlined from the pyvis wheel, so the file works offline;
* all graph data (which comes from untrusted article text) is embedded as JSON in a
  ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` written as ``\\u003c``,
  ``\\u003e`` and ``\\u0026``, and every piece of it reaches the DOM through ``textContent``;
* the page title and heading are HTML-escaped;
* output is deterministic (nodes and edges sorted, JSON keys sorted, fixed layout seed).
"""
from __future__ import annotations

import html
import importlib.resources
import json
import functools
import math
import os
import pathlib
import re
import tempfile
from collections import defaultdict
from typing import Any, Iterable

import networkx
from pyvis.network import Network

__all__ = ["write_html"]

_VIS_DIR = "lib/vis-9.1.2"
_TEMPLATE = "resources/graph_template.html"

_FONT_STACK = ('"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",'
               '"Source Han Sans SC","WenQuanYi Micro Hei",sans-serif')

# type -> (Chinese label, colour); order is the legend order.
_TYPE_STYLE: dict[str, tuple[str, str]] = {
    "Hospital": ("医院", "#d62728"),
    "Department": ("科室", "#ff7f0e"),
    "MedicalTeam": ("医疗队", "#e377c2"),
    "GovernmentAgency": ("政府机构", "#8c564b"),
    "Organization": ("组织机构", "#bcbd22"),
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
_ORG_TYPES = ("Hospital", "Department", "MedicalTeam", "GovernmentAgency", "Organization")
_PERSON_TYPES = ("Doctor", "Patient", "Official", "Person")
_GROUP_SHAPE: dict[str, tuple[str, str]] = {
    "org": ("square", "■"),
    "person": ("dot", "●"),
    "Place": ("triangle", "▲"),
    "Event": ("star", "★"),
    "Condition": ("hexagon", "⬢"),
    "other": ("diamond", "◆"),
}

_KIND_LABELS: dict[str, str] = {
    "aidedBy": "受…帮扶",
    "treated": "诊治",
    "hosted": "主办",
    "worksAt": "任职于",
    "partOf": "隶属",
    "participatedIn": "参与",
    "locatedIn": "位于",
    "hasCondition": "患有",
}

_MAX_LABEL = 24
_MAX_TIP_ARTICLES = 10
_MAX_TIP_EVIDENCE = 5

_OPTIONS: dict[str, Any] = {
    "autoResize": True,
    "nodes": {"borderWidth": 1, "borderWidthSelected": 3, "shadow": False},
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
        "color": {"color": "#9aa3ad", "highlight": "#d62728", "hover": "#4a5059", "inherit": False},
        "font": {"size": 11, "align": "middle", "color": "#4a5059",
                 "strokeWidth": 3, "strokeColor": "#ffffff"},
        "smooth": {"enabled": True, "type": "continuous", "roundness": 0.5},
        "width": 1.2,
        "selectionWidth": 2,
    },
    "physics": {
        "enabled": True,
        "solver": "barnesHut",
        "barnesHut": {"gravitationalConstant": -8000, "centralGravity": 0.3,
                      "springLength": 140, "springConstant": 0.04,
                      "damping": 0.3, "avoidOverlap": 0.2},
        "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 25, "fit": True},
        "maxVelocity": 50,
        "minVelocity": 0.75,
    },
    "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False,
                    "keyboard": {"enabled": True, "bindToWindow": False},
                    "multiselect": False},
    "layout": {"randomSeed": 20240501},
}


def _group(node_type: str) -> str:
    if node_type in _ORG_TYPES:
        return "org"
    if node_type in _PERSON_TYPES:
        return "person"
    if node_type in ("Place", "Event", "Condition"):
        return node_type
    return "other"


def _type_label(node_type: str) -> str:
    style = _TYPE_STYLE.get(node_type)
    return f"{style[0]} {node_type}" if style else f"其他 {node_type}"


def _colour(node_type: str) -> str:
    style = _TYPE_STYLE.get(node_type)
    return style[1] if style else _UNKNOWN_COLOUR


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


def _node_size(degree: int) -> float:
    return round(min(60.0, 10.0 + 6.0 * math.sqrt(degree)), 2)


def _short(text: str, limit: int = _MAX_LABEL) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _node_tip(name: str, node_type: str, aliases: tuple[str, ...],
              articles: tuple[str, ...]) -> str:
    lines = [name, f"类型 Type：{_type_label(node_type)}"]
    lines.append("别名 Aliases：" + ("、".join(aliases) if aliases else "（无）"))
    lines.append(f"出处文章 Articles（{len(articles)}）：")
    lines.extend("· " + a for a in articles[:_MAX_TIP_ARTICLES])
    if len(articles) > _MAX_TIP_ARTICLES:
        lines.append(f"…另有 {len(articles) - _MAX_TIP_ARTICLES} 篇")
    return "\n".join(lines)


def _edge_tip(kind: str, src_name: str, dst_name: str,
              evidence: tuple[tuple[str, str], ...]) -> str:
    label = _KIND_LABELS.get(kind, kind)
    lines = [f"{label} {kind}", f"{src_name} → {dst_name}"]
    if evidence:
        lines.append(f"证据 Evidence（{len(evidence)}）：")
    for sentence, source in evidence[:_MAX_TIP_EVIDENCE]:
        lines.append(f"「{sentence}」" + (f"——{source}" if source else ""))
    if len(evidence) > _MAX_TIP_EVIDENCE:
        lines.append(f"…另有 {len(evidence) - _MAX_TIP_EVIDENCE} 条")
    return "\n".join(lines)


def _script_json(data: Any) -> str:
    """JSON that is inert inside a ``<script>`` element: pure ASCII, no ``<``, ``>`` or ``&``."""
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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


def _legend(types: Iterable[str]) -> str:
    present = set(types)
    ordered = [t for t in _TYPE_STYLE if t in present]
    ordered += sorted(present - set(_TYPE_STYLE))
    items = []
    for node_type in ordered:
        glyph = _GROUP_SHAPE[_group(node_type)][1]
        items.append(
            f'    <li data-type="{html.escape(node_type, quote=True)}">'
            f'<span class="kg-swatch" style="color:{_colour(node_type)}">{glyph}</span>'
            f"{html.escape(_type_label(node_type))}</li>")
    return "\n".join(items)


def _build(graph: networkx.MultiDiGraph) -> tuple[Network, list[dict], list[dict], list[str]]:
    net = Network(directed=True)
    net.set_options(json.dumps(_OPTIONS, separators=(",", ":")))
    options = net.options
    options["nodes"]["font"] = {"face": _FONT_STACK, "size": 14, "color": "#222222",
                                "strokeWidth": 3, "strokeColor": "#ffffff"}
    options["edges"]["font"]["face"] = _FONT_STACK
    options["layout"]["improvedLayout"] = graph.number_of_nodes() <= 100

    ids = {node: str(node) for node in graph.nodes}
    names: dict[Any, str] = {}
    node_meta: list[dict] = []
    types: list[str] = []
    for node in sorted(graph.nodes, key=lambda n: ids[n]):
        attrs = graph.nodes[node]
        nid = ids[node]
        name = attrs.get("name")
        name = nid if name is None else str(name)
        node_type = str(attrs.get("type") or "Entity")
        aliases = _strs(attrs.get("aliases"))
        articles = _strs(attrs.get("articles"))
        names[node] = name
        types.append(node_type)
        colour = _colour(node_type)
        border = _darker(colour)
        net.add_node(
            nid,
            label=_short(name),
            shape=_GROUP_SHAPE[_group(node_type)][0],
            color={"background": colour, "border": border,
                   "highlight": {"background": colour, "border": "#111111"},
                   "hover": {"background": colour, "border": "#111111"}},
            size=_node_size(graph.degree(node)),
            title=_node_tip(name, node_type, aliases, articles),
        )
        node_meta.append({"name": name, "type": node_type, "typeLabel": _type_label(node_type),
                          "aliases": list(aliases), "articles": list(articles)})

    records = []
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        kind = str(attrs.get("kind") or "")
        evidence = _evidence(attrs.get("evidence"))
        records.append(((ids[u], ids[v], kind, evidence, repr(key)), u, v, kind, evidence))
    records.sort(key=lambda r: r[0])

    edge_meta: list[dict] = []
    parallel: dict[frozenset, int] = defaultdict(int)
    for index, (_, u, v, kind, evidence) in enumerate(records):
        pair = frozenset((ids[u], ids[v]))
        rank = parallel[pair]
        parallel[pair] += 1
        extra: dict[str, Any] = {}
        if rank and u != v:  # fan out parallel edges so that their labels stay readable
            extra["smooth"] = {"enabled": True, "type": "curvedCW" if rank % 2 else "curvedCCW",
                               "roundness": round(0.2 * ((rank + 1) // 2), 2)}
        net.add_edge(
            ids[u], ids[v],
            id=f"e{index}",
            label=_KIND_LABELS.get(kind, kind),
            title=_edge_tip(kind, names[u], names[v], evidence),
            **extra,
        )
        edge_meta.append({"kind": kind, "kindLabel": _KIND_LABELS.get(kind, kind),
                          "evidence": [list(pair_) for pair_ in evidence]})
    return net, node_meta, edge_meta, types


def _render(graph: networkx.MultiDiGraph, title: str) -> str:
    net, node_meta, edge_meta, types = _build(graph)
    data = {"nodes": net.nodes, "edges": net.edges, "options": net.options,
            "meta": {"nodes": node_meta, "edges": edge_meta}}
    js, css = _vis_assets()
    values = {
        "TITLE": html.escape(title, quote=True),
        "COUNTS": f"{len(net.nodes)} 个实体 · {len(net.edges)} 条关系",
        "LEGEND": _legend(types),
        "DATA": _script_json(data),
        "VIS_JS": js,
        "VIS_CSS": css,
    }
    # One pass, so that nothing inserted is scanned for placeholders again.
    return re.sub(r"@@KG_([A-Z_]+)@@", lambda m: values[m.group(1)], _template())


def _atomic_write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = pathlib.Path(tmp_name)
    try:
        tmp.write_text(text, encoding="utf-8", errors="replace")
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_html(graph: networkx.MultiDiGraph, path: pathlib.Path, title: str = "hospital-kg") -> None:
    """Write ``graph`` to ``path`` as a single offline, interactive HTML page."""
    _atomic_write(pathlib.Path(path), _render(graph, title))
