"""kg.export_html and kg.views without a browser: offline, escaped, deterministic pages; the layout;
the aid, ego and article views; reading a build back from graph.ttl; `kg view`.

tests/test_browser.py opens the same pages in Chromium.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg import views
from kg.export_html import FONT_STACK, layout_positions, write_html, write_pages
from kg.export_rdf import to_rdf, write_rdf
from kg.graph import to_networkx
from kg.model import Article, Entity, Evidence, KnowledgeGraph, Relation

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


def aid_fixture() -> nx.MultiDiGraph:
    """Two provinces, a helper with no place, a doctor (never in the aid view)."""
    g = nx.MultiDiGraph()
    nodes = {
        "h_lq": ("临泉县人民医院", "Hospital"), "h_fy": ("阜阳市人民医院", "Hospital"),
        "h_gn": ("灌南县人民医院", "Hospital"), "t_js": ("江南省第一人民医院", "Hospital"),
        "p_lq": ("临泉县", "Place"), "p_fy": ("阜阳市", "Place"), "p_gn": ("灌南县", "Place"),
        "d_1": ("王医生", "Doctor"), "h_town": ("铁富镇卫生院", "Hospital"), "p_town": ("铁富镇", "Place"),
        "p_pz": ("邳州市", "Place"), "dep": ("心内科", "Department"),
    }
    for nid, (name, typ) in nodes.items():
        g.add_node(nid, name=name, type=typ, aliases=(), articles=("a.txt",))
    for u, v, kind in [("h_lq", "p_lq", "locatedIn"), ("h_fy", "p_fy", "locatedIn"),
                       ("h_gn", "p_gn", "locatedIn"), ("h_lq", "h_fy", "aidedBy"),
                       ("h_gn", "t_js", "aidedBy"), ("d_1", "h_lq", "worksAt"),
                       ("d_1", "h_fy", "aidedBy"),  # a person is never part of the aid view
                       ("h_town", "p_town", "locatedIn"), ("p_town", "p_pz", "locatedIn"),
                       ("h_town", "h_fy", "aidedBy"), ("dep", "h_gn", "partOf")]:
        g.add_edge(u, v, key=kind, kind=kind, evidence=((f"{u}与{v}。", "a.txt"),))
    return g


def render(graph: nx.MultiDiGraph, tmp: Path, title: str = "hospital-kg", **kw) -> str:
    out = tmp / "graph.html"
    write_html(graph, out, title=title, **kw)
    return out.read_text(encoding="utf-8")


def embedded(html_text: str) -> dict:
    match = DATA_RE.search(html_text)
    assert match, "embedded JSON block not found"
    return json.loads(match.group(1))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str | None]] = []
        self.chips: dict[str, list[tuple[str, str]]] = {"type": [], "kind": [], "province": []}
        self._chip: tuple[str, str] | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            self.attrs.append((tag, key, value))
        a = dict(attrs)
        if tag == "label" and "kg-chip" in (a.get("class") or ""):
            kind = next(k[5:] for k in a if k.startswith("data-"))
            self._chip = (kind, a[f"data-{kind}"])
            self._text = ""

    def handle_endtag(self, tag):
        if tag == "label" and self._chip:
            self.chips[self._chip[0]].append((self._chip[1], self._text))
            self._chip = None

    def handle_data(self, data):
        if self._chip:
            self._text += data


def parse(html_text: str) -> _Collector:
    parser = _Collector()
    parser.feed(html_text)
    parser.close()
    return parser


# --------------------------------------------------------------------------- offline, escaped

def test_export_html_no_remote_src_or_href(tmp_path):
    text = render(tiny_graph(), tmp_path, links=(("完整图谱", "graph.html"), ("援助网络", "aid.html")))
    for tag, key, value in parse(text).attrs:
        if key in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", value or "", re.I), (tag, key, value)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*https?://""", text, re.I)
    assert "<link" not in text.lower()
    assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.I)
    assert not re.search(r"@import", text)
    assert "default-src 'none'" in text  # CSP: nothing may be fetched even if a script tried


def test_export_html_vis_network_inlined(tmp_path):
    text = render(tiny_graph(), tmp_path)
    assert "@version 9.1.2" in text and ".vis-network" in text
    assert (tmp_path / "graph.html").stat().st_size > 400 * 1024


def test_export_html_untrusted_text_is_not_raw(tmp_path):
    text = render(tiny_graph(), tmp_path, title='<script>alert(3)</script>', subtitle='"><img src=x onerror=alert(4)>')
    assert "<script>alert" not in text
    assert "</script><script>" not in text
    assert "<img" not in text
    assert EVIL_NAME not in text and EVIL_SENTENCE not in text
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\\"" in text
    data = embedded(text)
    assert EVIL_NAME in [n["name"] for n in data["meta"]["nodes"]]
    assert [EVIL_SENTENCE, "义诊.txt"] in [ev for e in data["meta"]["edges"] for ev in e["evidence"]]
    assert text.count("&lt;script&gt;alert(3)&lt;/script&gt;") == 2  # <title> and <h1>


def test_export_html_hostile_types_kinds_and_provinces_are_escaped(tmp_path):
    g = nx.MultiDiGraph()
    g.add_node("a", name="甲", type='X"><script>alert(5)</script>', province='省"><b>')
    g.add_node("b", name="乙", type="Hospital", province='省"><b>')
    g.add_edge("b", "a", kind='aids"><script>alert(6)</script>')
    text = render(g, tmp_path, group_by_province=True)
    assert "<script>alert" not in text and '"><b>' not in text
    chips = parse(text).chips
    assert ('X"><script>alert(5)</script>', '◆其他（X"><script>alert(5)</script>）1') in chips["type"]
    assert any(value == '省"><b>' for value, _ in chips["province"])


def test_export_html_links_must_be_local_file_names(tmp_path):
    with pytest.raises(ValueError):
        render(tiny_graph(), tmp_path, links=(("x", "https://example.org/a.html"),))
    with pytest.raises(ValueError):
        render(tiny_graph(), tmp_path, links=(("x", 'a.html" onclick="alert(1)'),))


def test_export_html_no_innerhtml(tmp_path):
    text = render(tiny_graph(), tmp_path)
    app = text[text.rindex("<script>"):]
    assert "innerHTML" not in app and "insertAdjacentHTML" not in app and "document.write" not in app
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


# --------------------------------------------------------------------------- readable at a glance

def test_export_html_deterministic(tmp_path):
    g = tiny_graph()
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_html(g, a)
    write_html(g, b)
    assert a.read_bytes() == b.read_bytes()
    r = nx.MultiDiGraph()
    for node in reversed(list(g.nodes)):
        r.add_node(node, **g.nodes[node])
    for u, v, attrs in reversed(list(g.edges(data=True))):
        r.add_edge(u, v, **attrs)
    c = tmp_path / "c.html"
    write_html(r, c)
    assert a.read_bytes() == c.read_bytes()


def test_export_html_legend_and_filters_for_every_type_and_kind(tmp_path):
    g = tiny_graph()
    g.add_node("x1", name="某县", type="Place", aliases=(), articles=())
    g.add_node("x2", name="糖尿病", type="Condition", aliases=(), articles=())
    g.add_node("x3", name="神秘物", type="Gadget", aliases=(), articles=())
    g.add_edge("h1", "x1", kind="locatedIn", evidence=())
    chips = parse(render(g, tmp_path)).chips
    labels = dict(chips["type"])
    assert set(labels) == {g.nodes[n]["type"] for n in g.nodes}
    assert labels["Hospital"] == "■医院1" and labels["Doctor"] == "●医生1"
    assert labels["Place"].startswith("▲地点") and labels["Condition"].startswith("⬢病症")
    assert "Gadget" in labels["Gadget"]
    kinds = dict(chips["kind"])
    assert set(kinds) == {"worksAt", "treated", "locatedIn"}
    assert "任职于" in kinds["worksAt"] and "诊治" in kinds["treated"] and "位于" in kinds["locatedIn"]
    assert chips["province"] == []  # only grouped views filter by province


def test_export_html_records_styles_and_positions(tmp_path):
    text = render(tiny_graph(), tmp_path)
    data = embedded(text)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(nodes) == {"h1", "d1", "p1"}
    assert nodes["d1"]["value"] > nodes["h1"]["value"]  # size by degree
    assert nodes["d1"]["size"] > nodes["h1"]["size"]
    assert nodes["h1"]["shape"] != nodes["d1"]["shape"]  # shape by type group
    assert nodes["h1"]["color"]["background"] != nodes["d1"]["color"]["background"]
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert {e["label"] for e in data["edges"]} == {"任职于", "诊治"}
    assert len({e["color"]["color"] for e in data["edges"]}) == 2  # colour by relation type
    assert all(e["arrows"] == "to" for e in data["edges"])
    assert data["options"]["physics"] == {"enabled": False}  # laid out in Python: still at once
    face = data["options"]["nodes"]["font"]["face"]
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei"):
        assert font in face and font in FONT_STACK
    assert FONT_STACK in text  # the page's CSS too
    meta = dict(zip(nodes, data["meta"]["nodes"]))
    assert meta["h1"]["typeLabel"] == "医院" and meta["h1"]["aliases"] == ["协和医院", "协和"]
    assert '<html lang="zh-CN">' in text


def test_export_html_positions_given_are_asked_for_once_after_the_records(tmp_path, monkeypatch):
    """A build may compute the layout elsewhere: the page asks for it once, having built every
    other record (so that the work overlaps), and draws each node where it says."""
    import kg.export_html as export_html

    graph = tiny_graph()
    edges_added, asked = [], []
    add_edge = export_html.Network.add_edge

    def recording_add_edge(self, *args, **kwargs):
        edges_added.append(args)
        return add_edge(self, *args, **kwargs)

    def positions():
        asked.append(len(edges_added))
        return {node: (float(i), 10.0 + i) for i, node in enumerate(sorted(graph.nodes))}

    monkeypatch.setattr(export_html.Network, "add_edge", recording_add_edge)
    data = embedded(render(graph, tmp_path, positions=positions))
    assert asked == [graph.number_of_edges()]
    assert {n["id"]: (n["x"], n["y"]) for n in data["nodes"]} == {
        "d1": (0.0, 10.0), "h1": (1.0, 11.0), "p1": (2.0, 12.0)}


def test_export_html_nodes_sharing_an_id_do_not_shift_the_others_positions(tmp_path):
    """pyvis keeps one of the nodes whose ids (str(node)) collide; every other node is still drawn
    at its own position."""
    graph = nx.MultiDiGraph()
    graph.add_node(1, name="甲", type="Hospital")
    graph.add_node("1", name="乙", type="Doctor")
    graph.add_node("z", name="丙", type="Doctor")
    graph.add_edge("1", "z", kind="worksAt")
    where = {1: (1.0, 1.0), "1": (2.0, 2.0), "z": (3.0, 3.0)}
    data = embedded(render(graph, tmp_path, positions=lambda: where))
    drawn = {n["id"]: (n["x"], n["y"]) for n in data["nodes"]}
    assert drawn["z"] == (3.0, 3.0) and drawn["1"] in ((1.0, 1.0), (2.0, 2.0))


def test_layout_components_packed_and_nodes_apart():
    g = nx.MultiDiGraph()
    for i in range(30):  # a star, a path, and isolated nodes
        g.add_node(f"s{i}", name=f"叶{i}", type="Person")
        if i:
            g.add_edge(f"s{i}", "s0", kind="worksAt")
    for i in range(10):
        g.add_node(f"p{i}", name=f"链{i}", type="Place")
        if i:
            g.add_edge(f"p{i}", f"p{i - 1}", kind="locatedIn")
    for i in range(12):
        g.add_node(f"i{i}", name=f"孤{i}", type="Event")
    pos = layout_positions(g)
    assert set(pos) == set(g.nodes)
    xy = np.array([pos[n] for n in sorted(g.nodes)])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    assert d.min() > 20  # no two nodes on top of each other
    span = xy.max(0) - xy.min(0)
    assert span[0] < 4000 and span[1] < 4000  # packed, not scattered
    assert layout_positions(g) == pos  # deterministic


def test_layout_large_component_is_fast_and_spread():
    import time

    g = nx.MultiDiGraph()
    rng = np.random.default_rng(3)
    for i in range(1500):
        g.add_node(i, name=f"n{i}", type="Hospital")
        if i:
            g.add_edge(i, int(rng.integers(0, i)), kind="partOf")
    started = time.perf_counter()
    pos = layout_positions(g)
    assert time.perf_counter() - started < 20
    edge = [math.dist(pos[u], pos[v]) for u, v in g.edges()]
    assert 40 < float(np.median(edge)) < 250


# --------------------------------------------------------------------------- views

def test_provinces_from_located_in_and_place_names():
    where = views.provinces(aid_fixture())
    assert where["h_lq"] == "安徽省" and where["p_lq"] == "安徽省"
    assert where["h_fy"] == "安徽省"
    assert where["h_gn"] == "江苏省"
    assert where["dep"] == "江苏省"  # through its hospital
    assert where["h_town"] == "江苏省"  # town → 邳州市 → 江苏省
    assert "t_js" not in where  # no place, and a fictional 江南省 in its name decides nothing
    assert "d_1" not in where  # people are not placed


def test_provinces_ambiguous_and_foreign_places():
    g = nx.MultiDiGraph()
    g.add_node("a", name="朝阳区", type="Place")  # Beijing and Changchun both have one
    g.add_node("b", name="马达加斯加", type="Place")
    g.add_node("c", name="中国", type="Place")
    g.add_node("h", name="某医院", type="Hospital")
    g.add_edge("h", "a", kind="locatedIn")
    where = views.provinces(g)
    assert "a" not in where and "h" not in where
    assert where["b"] == "马达加斯加"
    assert "c" not in where


@pytest.mark.parametrize("name, node_type, province", [
    ("河南省人民医院", "Hospital", "河南省"),
    ("青川县人民医院", "Hospital", "四川省"),  # a county's full name
    ("扬州大学附属医院", "Hospital", "江苏省"),  # a city's short name
    ("吉林大学第一医院", "Hospital", "吉林省"),  # a province's short name
    ("第四批援萨摩亚医疗队", "MedicalTeam", "萨摩亚"),  # a team: where it serves
    ("第三批支援湖北的医疗队", "MedicalTeam", "湖北省"),
    ("南华大学", "Organization", "湖南省"),  # a university's seat; as 南华县's short name it says nothing
    ("朝阳区医院", "Hospital", None),  # two provinces have a 朝阳区
    ("中日友好医院", "Hospital", None),
    ("民盟云南省委会", "Organization", "云南省"),  # a division written out in full inside the name
    ("中共宜宾市委组织部", "GovernmentAgency", "四川省"),
    ("凉山州第一人民医院", "Hospital", "四川省"),  # 凉山彝族自治州 written without its people
    ("松桃自治县人民医院", "Hospital", "贵州省"),  # 松桃苗族自治县
    ("伊犁州友谊医院", "Hospital", "新疆维吾尔自治区"),  # 伊犁哈萨克自治州
    ("暨南大学附属第一医院", "Hospital", "广东省"),  # a university's seat (Guangzhou)
    ("中国医科大学附属盛京医院", "Hospital", "辽宁省"),
    ("中国医科大学", "Organization", "辽宁省"),  # a university before a national body
    ("扬大附院", "Hospital", "江苏省"),  # 扬大: the one 扬X大学
    ("山大二院", "Hospital", "山东省"),  # 山东大学 and 山西大学: the national university
    ("南大街社区卫生服务中心", "Hospital", None),  # 南大 only before a numbered or affiliated hospital
    ("浙大邵逸夫医院", "Hospital", "浙江省"),  # … or before a hospital's own name
    ("南大街医院", "Hospital", None),  # … but not a street's
    ("中华医学会", "Organization", "北京市"),  # a national body sits in the capital
    ("国家药品监督管理局", "GovernmentAgency", "北京市"),
    ("国家儿童医学中心", "Hospital", None),  # a designation, not a seat
])
def test_provinces_from_an_institutions_own_name(name, node_type, province):
    assert views.name_province(name, node_type) == province
    g = nx.MultiDiGraph()
    g.add_node("x", name=name, type=node_type)
    assert views.provinces(g).get("x") == province


def test_a_university_hospital_stands_at_its_university_s_seat():
    from kg.lexicon import places

    g = nx.MultiDiGraph()
    g.add_node("h", name="暨南大学附属第一医院", type="Hospital")
    g.add_node("s", name="山大二院", type="Hospital")
    points = views.coordinates(g)
    assert points["h"] == places()["广州市"].point  # the city, not only the province's seat
    assert points["s"] == places()["济南市"].point


def test_provinces_through_part_of_and_for_the_helped_from_their_articles():
    g = nx.MultiDiGraph()
    for node, name, node_type, articles in [
            ("h", "汉中市中心医院", "Hospital", ("a1",)), ("team", "专家团队", "MedicalTeam", ("a1",)),
            ("dep", "儿科", "Department", ()), ("town", "某镇卫生院", "Hospital", ("a1", "a2")),
            ("nat", "国家某中心", "Organization", ("a1",)), ("other", "某县医院", "Hospital", ("a3",)),
            ("p1", "略阳县", "Place", ("a1",)), ("p2", "勉县", "Place", ("a2",)), ("p3", "宁强县", "Place", ("a2",)),
            ("p4", "桐庐县", "Place", ("a3",)), ("p5", "略阳县", "Place", ("a3",))]:
        g.add_node(node, name=name, type=node_type, article_keys=articles)
    g.add_edge("team", "h", kind="partOf")
    g.add_edge("dep", "team", kind="partOf")  # a chain: department → team → hospital
    g.add_edge("town", "team", kind="aidedBy")
    g.add_edge("nat", "h", kind="aidedBy")
    g.add_edge("other", "h", kind="aidedBy")
    g.add_edge("h", "other", kind="aidedBy")  # gives aid too: a helper's articles say nothing of it
    where = views.provinces(g)
    assert where["team"] == where["dep"] == "陕西省"
    assert where["town"] == "陕西省"  # three places named in its articles, all in Shaanxi
    assert where["nat"] == "北京市"  # a national body: the capital, not where its articles' places are
    assert "other" not in where


def test_teams_stand_where_they_serve_and_so_do_those_a_team_is_sent_to():
    g = nx.MultiDiGraph()
    for node, name, node_type in [("sent", "第五批援萨摩亚中国医疗队", "MedicalTeam"), ("local", "国立医院", "Hospital"),
                                  ("team", "帮扶团队", "MedicalTeam"), ("h1", "渭源县人民医院", "Hospital"),
                                  ("h2", "临洮县人民医院", "Hospital"), ("split", "专家团队", "MedicalTeam"),
                                  ("h3", "灌南县人民医院", "Hospital"), ("own", "义诊专家组", "MedicalTeam"),
                                  ("home", "汉中市中心医院", "Hospital"), ("h4", "桐庐县人民医院", "Hospital")]:
        g.add_node(node, name=name, type=node_type)
    for u, v, kind in [("local", "sent", "aidedBy"), ("h1", "team", "aidedBy"), ("h2", "team", "aidedBy"),
                       ("h1", "split", "aidedBy"), ("h3", "split", "aidedBy"),
                       ("own", "home", "partOf"), ("h4", "own", "aidedBy")]:
        g.add_edge(u, v, kind=kind)
    where = views.provinces(g)
    assert where["sent"] == where["local"] == "萨摩亚"  # the hospital a team sent abroad serves in
    assert where["team"] == "甘肃省"  # both hospitals it aids are in Gansu
    assert "split" not in where  # it serves in Gansu and in Jiangsu
    assert where["own"] == "陕西省"  # a team of a placed hospital stays with its hospital


def test_provinces_from_articles_need_a_majority():
    g = nx.MultiDiGraph()
    for node, name, node_type in [("town", "某镇卫生院", "Hospital"), ("h", "某医院", "Hospital"),
                                  ("p1", "略阳县", "Place"), ("p2", "桐庐县", "Place")]:
        g.add_node(node, name=name, type=node_type, article_keys=("a1",))
    g.add_edge("town", "h", kind="aidedBy")
    assert "town" not in views.provinces(g)  # one place in Shaanxi, one in Zhejiang: no majority


def test_aid_graph_institutions_only_arrows_from_helper():
    aid = views.aid_graph(aid_fixture())
    assert set(aid.nodes) == {"h_lq", "h_fy", "h_gn", "t_js", "h_town"}
    assert sorted((u, v) for u, v in aid.edges()) == sorted(
        [("h_fy", "h_lq"), ("t_js", "h_gn"), ("h_fy", "h_town")])
    assert {d["kind"] for _, _, d in aid.edges(data=True)} == {"aids"}
    assert aid.edges["h_fy", "h_lq", "aids"]["evidence"] == (("h_lq与h_fy。", "a.txt"),)
    assert aid.nodes["h_lq"]["province"] == "安徽省"
    assert "province" not in aid.nodes["t_js"]


def test_aid_page_grouped_by_province(tmp_path):
    paths = write_pages(aid_fixture(), tmp_path)
    assert [p.name for p in paths] == ["graph.html", "aid.html"]
    text = (tmp_path / "aid.html").read_text(encoding="utf-8")
    data = embedded(text)
    groups = {g["name"]: g for g in data["view"]["groups"]}
    assert set(groups) == {"安徽省", "江苏省", "省份不详"}
    assert groups["安徽省"]["count"] == 2 and groups["江苏省"]["count"] == 2
    meta = dict(zip([n["id"] for n in data["nodes"]], data["meta"]["nodes"]))
    for node in data["nodes"]:
        group = groups[meta[node["id"]]["province"] or "省份不详"]
        assert math.dist((node["x"], node["y"]), (group["x"], group["y"])) < group["r"]
    circles = list(groups.values())
    for i, a in enumerate(circles):  # the province circles do not overlap
        for b in circles[i + 1:]:
            assert math.dist((a["x"], a["y"]), (b["x"], b["y"])) >= a["r"] + b["r"]
    assert {e["label"] for e in data["edges"]} == {"帮扶"}
    assert dict(parse(text).chips["province"]).keys() == {"安徽省", "江苏省", "省份不详"}
    assert '<a href="graph.html">完整图谱</a>' in text and '<span class="kg-nav-here">援助网络</span>' in text


def test_ego_graph_depth():
    g = aid_fixture()
    assert set(views.ego_graph(g, ["h_lq"], depth=1)) == {"h_lq", "p_lq", "h_fy", "d_1"}
    two = views.ego_graph(g, ["h_lq"], depth=2)
    assert {"p_fy", "h_town"} <= set(two) and "h_gn" not in two
    assert two.nodes["h_lq"]["province"] == "安徽省"


# --------------------------------------------------------------------------- a build read back

def hand_made_kg(evil: bool = False) -> KnowledgeGraph:
    hostile = '青州<script>window.__pwned=1</script>"医院' if evil else "青州市人民医院"
    a1 = Article(id="news.txt#1", source="in/news.txt", title="临朐县第二人民医院签约", text="", date="2024-05-20")
    a2 = Article(id="web.html", source="in/web.html", title=("标题<img src=x onerror=alert(1)>" if evil else "义诊"),
                 text="")
    e = [Entity("hospital/qz", hostile, "Hospital", ("市一院",), ("news.txt#1", "web.html")),
         Entity("hospital/lq", "临朐县第二人民医院", "Hospital", (), ("news.txt#1",)),
         Entity("place/lq", "临朐县", "Place", (), ("news.txt#1",)),
         Entity("place/qz", "青州市", "Place", (), ("news.txt#1",)),
         Entity("dept/xn", "心内科", "Department", (), ("web.html",)),
         Entity("doctor/w", '王"五' if evil else "王五", "Doctor", (), ("web.html",)),
         Entity("event/yz", "义诊活动", "Event", (), ("web.html",), "2024-05-16")]
    ev = lambda art, s: (Evidence(art, s),)  # noqa: E731
    r = [Relation("hospital/lq", "aidedBy", "hospital/qz", ev("news.txt#1", "青州市人民医院对口帮扶临朐县第二人民医院。")),
         Relation("hospital/lq", "locatedIn", "place/lq", ev("news.txt#1", "临朐县第二人民医院。")),
         Relation("hospital/qz", "locatedIn", "place/qz", ev("news.txt#1", "青州市人民医院。")),
         Relation("dept/xn", "partOf", "hospital/qz",
                  ev("web.html", "心内科" + ("</script><script>window.__pwned=2</script>" if evil else "。"))),
         Relation("doctor/w", "worksAt", "dept/xn", ev("web.html", "王五是心内科医生。")),
         Relation("doctor/w", "participatedIn", "event/yz", ev("web.html", "王五参加义诊活动。")),
         Relation("hospital/qz", "hosted", "event/yz", ev("web.html", "青州市人民医院举办义诊活动。"))]
    return KnowledgeGraph((a1, a2), tuple(e), tuple(r))


def write_build(kg: KnowledgeGraph, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    write_rdf(to_rdf(kg), out / "graph.ttl")
    write_pages(to_networkx(kg), out)
    return out


def test_load_graph_matches_to_networkx(tmp_path):
    kg = hand_made_kg()
    build = write_build(kg, tmp_path / "b")
    loaded, direct = views.load_graph(build), to_networkx(kg)
    assert set(loaded.nodes) == set(direct.nodes)
    for node in direct:
        for attr in ("name", "type", "aliases"):
            assert loaded.nodes[node][attr] == direct.nodes[node][attr], (node, attr)
        assert sorted(loaded.nodes[node]["articles"]) == sorted(direct.nodes[node]["articles"])
    assert sorted(loaded.edges(keys=True)) == sorted(direct.edges(keys=True))
    for u, v, k in direct.edges(keys=True):
        assert loaded.edges[u, v, k]["evidence"] == direct.edges[u, v, k]["evidence"]
    assert {i["id"] for i in loaded.graph["articles"].values()} == {"news.txt#1", "web.html"}


def test_article_graph(tmp_path):
    graph = views.load_graph(write_build(hand_made_kg(), tmp_path / "b"))
    exact, _ = views.find_articles(graph, "web.html")
    assert len(exact) == 1
    art = views.article_graph(graph, exact[0])
    assert set(art) == {"hospital/qz", "dept/xn", "doctor/w", "event/yz"}
    assert {k for _, _, k in art.edges(keys=True)} == {"partOf", "worksAt", "participatedIn", "hosted"}
    assert art.nodes["hospital/qz"]["province"] == "山东省"  # its place is not in the article
    assert views.find_articles(graph, "news.txt")[0] == views.find_articles(graph, "news.txt#1")[0]
    assert len(views.find_articles(graph, "签约")[1]) == 1  # part of a title


def _cli(argv: list[str]) -> tuple[int, str, str]:
    from kg.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_view_ego_and_article(tmp_path):
    build = write_build(hand_made_kg(), tmp_path / "b")
    code, out, _ = _cli(["view", str(build), "--name", "青州市人民医院"])
    page = build / "ego-青州市人民医院.html"
    assert code == 0 and str(page) in out and page.is_file()
    data = embedded(page.read_text(encoding="utf-8"))
    assert data["view"]["focus"] == ["hospital/qz"]
    assert len(data["nodes"]) == 5  # itself, its place, the hospital it aids, its department and event
    assert '<a href="graph.html">' in page.read_text(encoding="utf-8")  # next to the build's pages
    code, _, _ = _cli(["view", str(build / "graph.ttl"), "--name", "市一院", "--depth", "2",
                       "--out", str(tmp_path / "ego.html")])
    assert code == 0
    data = embedded((tmp_path / "ego.html").read_text(encoding="utf-8"))
    assert len(data["nodes"]) == 7  # the alias finds it; depth 2 reaches the doctor
    code, out, _ = _cli(["view", str(build), "--article", "web.html", "--out", str(tmp_path / "art.html")])
    assert code == 0 and len(embedded((tmp_path / "art.html").read_text(encoding="utf-8"))["nodes"]) == 4


def test_cli_view_errors(tmp_path):
    build = write_build(hand_made_kg(), tmp_path / "b")
    code, _, err = _cli(["view", str(build), "--name", "人民医院"])
    assert code == 2 and "临朐县第二人民医院" in err and "青州市人民医院" in err  # ambiguous: candidates
    assert _cli(["view", str(build), "--name", "没有这家医院"])[0] == 3
    assert _cli(["view", str(tmp_path / "nowhere"), "--name", "x"])[0] == 3
    with pytest.raises(SystemExit):
        _cli(["view", str(build)])  # --name or --article is required
    assert _cli(["view", str(build), "--name", "临朐县第二人民医院"])[0] == 0  # partial of nothing else


# --------------------------------------------------------------------------- file handling

def test_export_html_atomic_write_leaves_no_temp_files(tmp_path):
    out = tmp_path / "sub" / "kg.html"
    write_html(tiny_graph(), out)
    out.write_text("old", encoding="utf-8")
    write_html(tiny_graph(), out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["kg.html"]


def test_export_html_empty_graph(tmp_path):
    data = embedded(render(nx.MultiDiGraph(), tmp_path))
    assert data["nodes"] == [] and data["edges"] == []
    write_pages(nx.MultiDiGraph(), tmp_path)
    assert embedded((tmp_path / "aid.html").read_text(encoding="utf-8"))["nodes"] == []


def test_layout_near_pairs_stay_linear_in_a_crowded_cell() -> None:
    # regression: 24,000 nodes of one component stacked in few cells made 126 million pairs (5 GB)
    import numpy as np

    from kg.layout import _NEAR_CAP, _near_pairs

    n = 20_000
    cx = np.zeros(n, dtype=np.intp)
    cy = np.zeros(n, dtype=np.intp)
    blocks = list(_near_pairs(cx, cy, 4))
    assert all(len(first) <= _NEAR_CAP * n for first, _, _ in blocks)  # a block at a time in memory
    first, second, weight = map(np.concatenate, zip(*blocks))
    assert (first != second).all()
    # each node still feels (about) the whole crowd: the weights stand for the nodes left out; a node
    # that falls in its own sample loses that one sample, 1/_NEAR_CAP of the crowd at most
    felt = np.bincount(first, weight, n)
    assert ((felt >= n * (1 - 1.01 / _NEAR_CAP)) & (felt <= n)).all()


def test_layout_near_pairs_exact_when_cells_are_sparse() -> None:
    import numpy as np

    from kg.layout import _near_pairs

    cx = np.array([0, 0, 1, 3])
    cy = np.array([0, 1, 1, 3])
    first, second, weight = map(np.concatenate, zip(*_near_pairs(cx, cy, 4)))
    assert sorted(zip(first.tolist(), second.tolist())) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    assert (weight == 1).all()


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 6).flatmap(lambda level: st.tuples(
    st.just(1 << level),
    st.lists(st.tuples(st.integers(0, (1 << level) - 1), st.integers(0, (1 << level) - 1)),
             min_size=1, max_size=60))))
def test_layout_near_pairs_are_the_nodes_of_the_same_and_adjacent_cells(grid) -> None:
    # under the cap every pair of nodes at most one cell apart, each way, once; none other (the
    # grid's edges and corners included)
    from kg.layout import _NEAR_CAP, _near_pairs

    size, cells = grid
    cx = np.array([x for x, _ in cells], dtype=np.intp)
    cy = np.array([y for _, y in cells], dtype=np.intp)
    if max(np.bincount(cx * size + cy)) > _NEAR_CAP:
        return
    found = [pair for first, second, weight in _near_pairs(cx, cy, size)
             for pair in zip(first.tolist(), second.tolist(), weight.tolist())]
    expected = [(i, j, 1.0) for i in range(len(cells)) for j in range(len(cells))
                if i != j and abs(cells[i][0] - cells[j][0]) <= 1 and abs(cells[i][1] - cells[j][1]) <= 1]
    assert sorted(found) == expected


def test_layout_approximate_repulsion_follows_the_exact_one() -> None:
    # the grids' far field stands for the nodes it groups: on 2,000 scattered points the forces
    # keep the exact sum's direction and size
    from kg.layout import _EXACT_MAX, _repulsion

    pos = np.random.default_rng(5).normal(size=(2_000, 2)) * 20
    assert len(pos) > _EXACT_MAX
    d = pos[:, None, :] - pos[None, :, :]
    d2 = (d * d).sum(-1)
    np.fill_diagonal(d2, np.inf)
    exact = (d / d2[..., None]).sum(1)
    error = np.sqrt(((_repulsion(pos) - exact) ** 2).sum(1)) / np.sqrt((exact ** 2).sum(1))
    assert np.median(error) < 0.05 and np.quantile(error, 0.95) < 0.2


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=9) | st.dictionaries(st.text(max_size=4), inner, max_size=5),
    max_leaves=40)


@settings(max_examples=200, deadline=None)
@given(_JSON_VALUES)
def test_page_json_in_pieces_is_json_dumps(value) -> None:
    """The page's data is written in pieces (a 10,000-article page is 200 MB); joined, they are the
    one json.dumps text, even where lists are cut into several pieces."""
    from kg import export_html

    expected = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    original = export_html._JSON_PIECE
    try:
        export_html._JSON_PIECE = 2  # cut every list of more than two items
        assert "".join(export_html._json_pieces(value)) == expected
    finally:
        export_html._JSON_PIECE = original
    escaped = "".join(export_html._script_json(value))
    assert not set(escaped) & set("<>&") and json.loads(escaped) == json.loads(expected)


def test_views_and_layout_stand_without_the_page_writer() -> None:
    # views derive graphs, layout places nodes, export_html writes pages from both: no circle
    import subprocess
    import sys

    code = ("import sys, kg.views, kg.layout; "
            "assert 'kg.export_html' not in sys.modules, sorted(m for m in sys.modules if m.startswith('kg'))")
    subprocess.run([sys.executable, "-c", code], check=True)
