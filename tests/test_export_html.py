"""Tests for kg.export_html: offline, escaped, deterministic single-file HTML export."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.export_html import write_html

EVIL_NAME = '<script>alert(1)</script>"'
EVIL_SENTENCE = "患者称</script><script>alert(2)</script>"

DATA_RE = re.compile(r'<script type="application/json" id="kg-data">(.*?)</script>', re.DOTALL)


def tiny_graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("h1", name="北京协和医院", type="Hospital", aliases=("协和医院", "协和"),
               articles=("协和新闻.txt",))
    g.add_node("d1", name="张三", type="Doctor", aliases=("张医生",),
               articles=("协和新闻.txt", "义诊.txt"))
    g.add_node("p1", name=EVIL_NAME, type="Patient", aliases=(), articles=("义诊.txt",))
    g.add_edge("d1", "h1", kind="worksAt", evidence=(("张三是北京协和医院的医生。", "协和新闻.txt"),))
    g.add_edge("d1", "p1", kind="treated", evidence=((EVIL_SENTENCE, "义诊.txt"),))
    return g


def render(graph: nx.MultiDiGraph, tmp: Path, title: str = "hospital-kg") -> str:
    out = tmp / "graph.html"
    write_html(graph, out, title=title)
    return out.read_text(encoding="utf-8")


def embedded(html_text: str) -> dict:
    match = DATA_RE.search(html_text)
    assert match, "embedded JSON block not found"
    return json.loads(match.group(1))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str | None]] = []
        self.tags: list[str] = []
        self.legend_types: list[str] = []
        self.legend_texts: list[str] = []
        self._in_legend_item = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for key, value in attrs:
            self.attrs.append((tag, key, value))
        if tag == "li" and any(k == "data-type" for k, _ in attrs):
            self.legend_types.append(dict(attrs)["data-type"])
            self.legend_texts.append("")
            self._in_legend_item = True

    def handle_endtag(self, tag):
        if tag == "li":
            self._in_legend_item = False

    def handle_data(self, data):
        if self._in_legend_item:
            self.legend_texts[-1] += data


def parse(html_text: str) -> _Collector:
    parser = _Collector()
    parser.feed(html_text)
    parser.close()
    return parser


def test_export_html_no_remote_src_or_href(tmp_path):
    text = render(tiny_graph(), tmp_path)
    parser = parse(text)
    for tag, key, value in parser.attrs:
        if key in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", value or "", re.I), (tag, key, value)
    # Belt and braces: no src=/href= pointing at http(s) anywhere, not even in inline code.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*https?://""", text, re.I)
    assert "<link" not in text.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.I)


def test_export_html_vis_network_inlined(tmp_path):
    text = render(tiny_graph(), tmp_path)
    assert "vis-network" in text
    assert "@version 9.1.2" in text
    assert ".vis-network" in text  # the stylesheet too
    assert (tmp_path / "graph.html").stat().st_size > 400 * 1024


def test_export_html_untrusted_text_is_not_raw(tmp_path):
    text = render(tiny_graph(), tmp_path, title='<script>alert(3)</script>')
    assert "<script>alert" not in text
    assert "</script><script>" not in text
    assert EVIL_NAME not in text
    assert EVIL_SENTENCE not in text
    # ...but the data is there, encoded in the JSON block.
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\\"" in text
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)\\u003c/script\\u003e" in text
    data = embedded(text)
    assert EVIL_NAME in [n["name"] for n in data["meta"]["nodes"]]
    assert [EVIL_SENTENCE, "义诊.txt"] in [ev for e in data["meta"]["edges"] for ev in e["evidence"]]
    # The title is HTML-escaped in both <title> and the heading.
    assert text.count("&lt;script&gt;alert(3)&lt;/script&gt;") == 2


def test_export_html_no_innerhtml(tmp_path):
    text = render(tiny_graph(), tmp_path)
    app = text[text.rindex("<script>"):]
    assert "innerHTML" not in app
    assert "textContent" in app


@settings(max_examples=60, deadline=None)
@given(name=st.text(), alias=st.text(), sentence=st.text())
def test_export_html_json_roundtrip_property(name, alias, sentence):
    g = nx.MultiDiGraph()
    g.add_node("a", name=name, type="Person", aliases=(alias,), articles=(sentence,))
    g.add_node("b", name="医院", type="Hospital", aliases=(), articles=())
    g.add_edge("a", "b", kind="worksAt", evidence=((sentence, name),))
    with tempfile.TemporaryDirectory() as tmp:
        text = render(g, Path(tmp))
    data = embedded(text)
    meta = dict(zip([n["id"] for n in data["nodes"]], data["meta"]["nodes"]))
    assert meta["a"]["name"] == name
    assert meta["a"]["aliases"] == [alias]
    assert meta["a"]["articles"] == [sentence]
    assert data["meta"]["edges"][0]["evidence"] == [[sentence, name]]
    block = DATA_RE.search(text).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert block.isascii()


def test_export_html_deterministic(tmp_path):
    g = tiny_graph()
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_html(g, a)
    write_html(g, b)
    assert a.read_bytes() == b.read_bytes()
    # The same graph built in another insertion order gives the same page.
    r = nx.MultiDiGraph()
    for node in reversed(list(g.nodes)):
        r.add_node(node, **g.nodes[node])
    for u, v, attrs in reversed(list(g.edges(data=True))):
        r.add_edge(u, v, **attrs)
    c = tmp_path / "c.html"
    write_html(r, c)
    assert a.read_bytes() == c.read_bytes()


def test_export_html_legend_lists_every_type_present(tmp_path):
    g = tiny_graph()
    g.add_node("x1", name="某县", type="Place", aliases=(), articles=())
    g.add_node("x2", name="糖尿病", type="Condition", aliases=(), articles=())
    g.add_node("x3", name="神秘物", type="Gadget", aliases=(), articles=())
    parser = parse(render(g, tmp_path))
    present = {g.nodes[n]["type"] for n in g.nodes}
    assert set(parser.legend_types) == present
    assert len(parser.legend_types) == len(present)
    labels = dict(zip(parser.legend_types, parser.legend_texts))
    assert "医院 Hospital" in labels["Hospital"]
    assert "医生 Doctor" in labels["Doctor"]
    assert "患者 Patient" in labels["Patient"]
    assert "地点 Place" in labels["Place"]
    assert "病症 Condition" in labels["Condition"]
    assert "Gadget" in labels["Gadget"]
    assert "MedicalTeam" not in labels


def test_export_html_pyvis_data_and_styles(tmp_path):
    text = render(tiny_graph(), tmp_path)
    data = embedded(text)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == {"h1", "d1", "p1"}
    assert nodes["d1"]["size"] > nodes["h1"]["size"]  # size by degree
    assert nodes["h1"]["shape"] != nodes["d1"]["shape"]  # shape by type group
    assert nodes["h1"]["color"]["background"] != nodes["d1"]["color"]["background"]
    assert "别名" in nodes["h1"]["title"] and "协和" in nodes["h1"]["title"]
    assert "协和新闻.txt" in nodes["h1"]["title"]
    labels = {e["label"] for e in data["edges"]}
    assert labels == {"任职于", "诊治"}
    assert all(e["arrows"] == "to" for e in data["edges"])
    assert any(EVIL_SENTENCE in e["title"] and "义诊.txt" in e["title"] for e in data["edges"])
    physics = data["options"]["physics"]
    assert physics["solver"] == "barnesHut"
    assert 0 < physics["stabilization"]["iterations"] <= 1000
    assert "Microsoft YaHei" in data["options"]["nodes"]["font"]["face"]
    assert '"PingFang SC","Hiragino Sans GB","Microsoft YaHei"' in text
    assert "stabilizationIterationsDone" in text and "setOptions({physics: false})" in text
    assert "window.kgNetwork = network" in text and "window.kgData" in text


def test_export_html_atomic_write_leaves_no_temp_files(tmp_path):
    out = tmp_path / "sub" / "kg.html"
    write_html(tiny_graph(), out)
    out.write_text("old", encoding="utf-8")
    write_html(tiny_graph(), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["kg.html"]


def test_export_html_empty_graph(tmp_path):
    text = render(nx.MultiDiGraph(), tmp_path)
    data = embedded(text)
    assert data["nodes"] == [] and data["edges"] == []


# A stub DOM + vis, enough to run the page's own script under node and exercise its handlers.
_NODE_HARNESS = r"""
const fs = require("fs");
const vm = require("vm");
const html = fs.readFileSync(process.argv[2], "utf8");
const dataText = /<script type="application\/json" id="kg-data">([\s\S]*?)<\/script>/.exec(html)[1];
const scripts = html.split("<script>");
const app = scripts[scripts.length - 1].split("</script>")[0];
function El(tag) {
  this.tagName = tag; this.children = []; this.className = ""; this.style = {};
  this.attrs = {}; this.listeners = {}; this._text = "";
}
El.prototype = {
  set textContent(v) { this._text = String(v); this.children = []; },
  get textContent() { return this._text + this.children.map(c => c.textContent).join(""); },
  set innerHTML(v) { throw new Error("innerHTML used"); },
  get firstChild() { return this.children[0] || null; },
  appendChild(c) { this.children.push(c); return c; },
  removeChild(c) { this.children.splice(this.children.indexOf(c), 1); return c; },
  setAttribute(k, v) { this.attrs[k] = v; },
  addEventListener(t, f) { this.listeners[t] = f; },
};
const byId = {};
["kg-network", "kg-status", "kg-panel", "kg-search", "kg-matches"].forEach(id => byId[id] = new El("div"));
byId["kg-data"] = new El("script"); byId["kg-data"].textContent = dataText;
const document = {
  getElementById: id => byId[id],
  createElement: tag => new El(tag),
  createTextNode: t => { const e = new El("#text"); e.textContent = t; return e; },
};
const log = [];
class DataSet {
  constructor(items) { this.items = items; }
  get(id) { return this.items.find(i => i.id === id) || null; }
}
class Network {
  constructor(container, data, options) { this.data = data; this.options = options; this.handlers = {}; }
  on(ev, f) { this.handlers[ev] = f; }
  once(ev, f) { this.handlers[ev] = f; }
  setOptions(o) { log.push(["setOptions", o]); }
  selectNodes(ids) { log.push(["selectNodes", ids]); }
  focus(id, o) { log.push(["focus", id]); }
}
const window = {};
vm.runInNewContext(app, {document, window, vis: {DataSet, Network}, Map, Object, JSON, Math, String});
const net = window.kgNetwork;
const out = {kgData: window.kgData};
out.nodeTitles = net.data.nodes.items.map(n => [n.title.className, n.title.textContent]);
out.edgeTitles = net.data.edges.items.map(e => [e.title.className, e.title.textContent]);
net.handlers["stabilizationIterationsDone"]();
net.handlers["click"]({nodes: ["d1"], edges: []});
out.panelNode = byId["kg-panel"].textContent;
net.handlers["click"]({nodes: [], edges: ["e1"]});
out.panelEdge = byId["kg-panel"].textContent;
byId["kg-search"].value = "协和";
byId["kg-search"].listeners["input"]();
out.matches = byId["kg-matches"].children.map(c => c.textContent);
byId["kg-search"].value = "张医";
byId["kg-search"].listeners["keydown"]({key: "Enter"});
out.log = log;
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_export_html_page_script_runs(tmp_path):
    render(tiny_graph(), tmp_path)
    harness = tmp_path / "harness.js"
    harness.write_text(_NODE_HARNESS, encoding="utf-8")
    proc = subprocess.run(["node", str(harness), str(tmp_path / "graph.html")],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["kgData"] == {"nodes": 3, "edges": 2}
    assert all(cls == "kg-tip" for cls, _ in out["nodeTitles"] + out["edgeTitles"])
    assert any(EVIL_NAME in text for _, text in out["nodeTitles"])
    assert any(EVIL_SENTENCE in text for _, text in out["edgeTitles"])
    assert ["setOptions", {"physics": False}] in out["log"]
    # Node panel: type, aliases, articles and the evidence of its edges.
    for piece in ("张三", "医生 Doctor", "张医生", "义诊.txt", "任职于", "张三是北京协和医院的医生。",
                  EVIL_SENTENCE, EVIL_NAME):
        assert piece in out["panelNode"], piece
    assert "诊治" in out["panelEdge"] and EVIL_SENTENCE in out["panelEdge"]
    # Search by alias substring: selects and focuses the node.
    assert out["matches"] and out["matches"][0].startswith("北京协和医院")
    assert ["selectNodes", ["h1"]] in out["log"] and ["focus", "h1"] in out["log"]
    assert out["log"][-2:] == [["selectNodes", ["d1"]], ["focus", "d1"]]
