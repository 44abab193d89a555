"""Tests of kg.resolve: one entity per real thing, with stable ids."""
from __future__ import annotations

import pytest

from kg.entities import POINTERS
from kg.model import PERSON_TYPES, Evidence, Extraction, Mention, MentionRelation
from kg.pipeline import extract
from kg.resolve import entity_id, is_subsequence, resolve


@pytest.fixture(scope="module")
def build(analyzer, make_article):
    """[(article id, text[, publisher])] → KnowledgeGraph."""
    def run(*items):
        articles = []
        for item in items:
            article_id, text, *rest = item
            articles.append(make_article(text, article_id=article_id, date="2024-06-01",
                                         publisher=rest[0] if rest else None))
        return resolve([extract(a, analyzer) for a in articles])
    return run


def _named(kg, name: str, types=None):
    return [e for e in kg.entities if (e.name == name or name in e.aliases)
            and (types is None or e.type in types)]


def _describe(kg) -> str:
    return "; ".join(f"{e.type}:{e.name}{list(e.aliases) or ''}" for e in kg.entities)


def test_resolve_declared_abbreviation(build) -> None:
    kg = build(("a.txt", "中山大学附属第五医院（以下简称中大五院）与深圳市宝安区人民医院签订合作协议。"
                         "中大五院将派出专家团队常驻。"))
    matches = _named(kg, "中大五院")
    assert len(matches) == 1, _describe(kg)
    (hospital,) = matches
    assert hospital.type == "Hospital"
    assert hospital.name == "中山大学附属第五医院"
    assert "中大五院" in hospital.aliases
    assert not [e for e in kg.entities if e.name == "中大五院"]


def test_resolve_short_form_subsequence(build) -> None:
    kg = build(("b.txt", "广元市第一医院派出专家赴苍溪县。市一院专家为群众义诊。"))
    matches = _named(kg, "市一院")
    assert [(e.name, e.type) for e in matches] == [("广元市第一医院", "Hospital")], _describe(kg)
    assert "市一院" in matches[0].aliases


def test_resolve_short_form_only_within_its_file(build) -> None:
    kg = build(("h.txt", "广元市第一医院派出专家。"), ("i.txt", "市一院专家为群众义诊。"))
    full = _named(kg, "广元市第一医院")
    assert len(full) == 1 and "市一院" not in full[0].aliases, _describe(kg)


def test_resolve_ambiguous_short_form_not_merged(build) -> None:
    kg = build(("e.txt", "广元市第一医院与西安市第一医院签约。市一院专家为群众义诊。"))
    merged = [e for e in kg.entities if "市一院" in e.aliases]
    assert merged == [], _describe(kg)


def test_resolve_short_form_keeps_the_kind_of_hospital(build) -> None:
    # 市一院 leaves out no kind of 广元市第一医院 but the 中医 of 广元市第一中医医院
    kg = build(("e.txt", "广元市第一医院与广元市第一中医医院签约。市一院专家为群众义诊。"))
    assert [e.name for e in kg.entities if "市一院" in e.aliases] == ["广元市第一医院"], _describe(kg)
    kg = build(("f.txt", "青川县中医院派出专家。青川县医院专家为群众义诊。"))
    assert {"青川县中医院", "青川县医院"} <= {e.name for e in kg.entities}, _describe(kg)


def test_resolve_relative_name_is_of_the_area_the_story_is_about(build) -> None:
    # 市中心医院 in a story about 广元市 is not 苍溪市中心医院, though that is the one such full name
    text = ("广元市医学会召开年会。广元市卫健委主任出席。市中心医院院长张明远讲话。"
            "苍溪市中心医院院长李建国发言。广元市各医院代表参会。")
    kg = build(("g.txt", text))
    assert not [e for e in kg.entities if "市中心医院" in e.aliases and e.name == "苍溪市中心医院"], _describe(kg)


def test_resolve_person_with_and_without_title(build) -> None:
    kg = build(("c.txt", "心内科主任医师王建国为患者做了手术。术后，王建国提醒患者注意休息。"
                         "王建国主任表示，患者恢复良好。"))
    people = [e for e in kg.entities if e.type in PERSON_TYPES]
    assert [(e.name, e.type) for e in people] == [("王建国", "Doctor")], _describe(kg)
    assert not any("主任" in a or "医师" in a for a in people[0].aliases)


def test_resolve_person_across_articles(build) -> None:
    kg = build(("p1.txt", "神经外科主任医师王建国为患者实施手术。"),
               ("p2.txt", "王建国主任医师出席了学术会议。"))
    people = _named(kg, "王建国")
    assert len(people) == 1, _describe(kg)
    assert people[0].articles == ("p1.txt", "p2.txt")


def test_resolve_patient_of_one_name_in_two_files_is_two(build) -> None:
    """A patient is a person of their file: two stories' 王先生 are two men; their doctor, named
    in both, is one."""
    story = "患者王先生因腹痛入院，医生李华为他做了手术。"
    kg = build(("q1.txt", story), ("q2.txt", story))
    patients = [e for e in kg.entities if e.name == "王先生"]
    assert sorted(e.articles for e in patients) == [("q1.txt",), ("q2.txt",)], _describe(kg)
    assert {e.type for e in patients} == {"Patient"} and len({e.id for e in patients}) == 2
    assert [e.articles for e in kg.entities if e.name == "李华"] == [("q1.txt", "q2.txt")], _describe(kg)


def test_resolve_relative_names_stay_in_their_file(build) -> None:
    """县人民医院 of two articles are two counties' hospitals; a full name is one across files."""
    kg = build(("r1.txt", "县人民医院与青州市人民医院签订帮扶协议。县委书记出席。"),
               ("r2.txt", "青州市人民医院与县人民医院开展合作。"),
               ("r2.txt#2", "县人民医院举行揭牌仪式。"))
    county = _named(kg, "县人民医院", {"Hospital"})
    assert sorted(e.articles for e in county) == [("r1.txt",), ("r2.txt", "r2.txt#2")], _describe(kg)
    assert len({e.id for e in county}) == 2
    assert len(_named(kg, "青州市人民医院", {"Hospital"})) == 1


@pytest.mark.parametrize("homes, expected", [(("青州市人民医院",), 1), (("青州市人民医院", "临朐县人民医院"), 3)])
def test_resolve_department_named_alone_is_the_one_its_file_places(make_article, homes, expected) -> None:
    """神经外科 named alone joins the 神经外科 its file places in a hospital, if only one hospital."""
    article = make_article("神经外科。" * (len(homes) + 1), article_id="g.txt")
    mentions, relations = [], []
    for number, home in enumerate(homes + (None,)):
        department = Mention(article.id, 5 * number, 5 * number + 4, "Department", "神经外科", "神经外科")
        mentions.append(department)
        if home:
            hospital = Mention(article.id, 5 * number, 5 * number, "Hospital", home, home)
            mentions.append(hospital)
            relations.append(MentionRelation(department, "partOf", hospital, Evidence(article.id, "神经外科。")))
    kg = resolve([Extraction(article, tuple(mentions), tuple(relations))])
    assert len([e for e in kg.entities if e.type == "Department"]) == expected, _describe(kg)


def test_resolve_same_department_name_of_two_hospitals(build) -> None:
    kg = build(("f.txt", "青州市人民医院心内科与临朐县人民医院心内科开展合作。"))
    departments = [e for e in kg.entities if e.type == "Department" and e.name == "心内科"]
    assert len(departments) == 2, _describe(kg)
    ids = {e.id: e for e in kg.entities}
    parents = {ids[r.tail].name for r in kg.relations
               if r.kind == "partOf" and ids[r.head].type == "Department"}
    assert parents == {"青州市人民医院", "临朐县人民医院"}


STORY_A = ("a.txt", "5月12日，青州市人民医院召开医联体工作推进会。副县长李明出席。"
                    "青州市人民医院心内科对口帮扶临朐县人民医院。")
STORY_B = ("b.txt", "临朐县卫生健康局局长赵刚到临朐县人民医院调研。")


def test_resolve_ids_are_stable_across_runs(build) -> None:
    first, second = build(STORY_A), build(STORY_A)
    assert [(e.id, e.name) for e in first.entities] == [(e.id, e.name) for e in second.entities]
    assert first.relations == second.relations


def test_resolve_ids_survive_an_extra_article(build) -> None:
    alone = {(e.type, e.name): e.id for e in build(STORY_A).entities}
    together = {(e.type, e.name): e.id for e in build(STORY_B, STORY_A).entities}
    assert alone
    for key, ident in alone.items():
        assert together.get(key) == ident, key


def test_resolve_ids_derived_from_group_and_name(build) -> None:
    kg = build(STORY_A)
    hospital = _named(kg, "青州市人民医院", {"Hospital"})[0]
    assert hospital.id == entity_id("Hospital", "青州市人民医院")
    person = _named(kg, "李明")[0]
    assert person.id == entity_id("Person", "李明")  # same id whatever the fine person type
    assert len({e.id for e in kg.entities}) == len(kg.entities)


@pytest.mark.parametrize("publisher", [None, "青州市人民医院"])
def test_resolve_pointers_never_become_entities(build, publisher) -> None:
    text = "我院与该院签订协议。我院专家每周到该院坐诊，本院将长期帮扶该院。"
    kg = build(("d.txt", text, publisher))
    for e in kg.entities:
        assert e.name not in POINTERS, _describe(kg)
        assert not set(e.aliases) & set(POINTERS), _describe(kg)
    if publisher:
        assert _named(kg, publisher, {"Hospital"})


def test_resolve_relations_point_at_entities(build) -> None:
    kg = build(STORY_A, STORY_B)
    ids = {e.id for e in kg.entities}
    assert kg.relations
    for r in kg.relations:
        assert r.head in ids and r.tail in ids and r.head != r.tail
        assert r.evidence


@pytest.mark.parametrize("short, full, expected", [
    ("市一院", "广元市第一医院", True),
    ("中大五院", "中山大学附属第五医院", True),
    ("五大院", "中山大学附属第五医院", False),
    ("", "医院", True),
])
def test_resolve_is_subsequence(short: str, full: str, expected: bool) -> None:
    assert is_subsequence(short, full) is expected


@pytest.mark.parametrize("short, full", [("营养科", "临床营养科"), ("医院办公室", "市中心医院办公室")])
def test_resolve_department_with_and_without_its_hospital_or_prefix(build, short: str, full: str) -> None:
    kg = build(("a.txt", f"{full}主任孙立平出席会议。{short}副主任赵敏作报告。", "青州市中心医院"))
    departments = [e for e in kg.entities if e.type == "Department"]
    assert len(departments) == 1 and {short, full} <= {departments[0].name, *departments[0].aliases}, _describe(kg)


def test_resolve_department_core(build) -> None:
    from kg.resolve import department_core
    assert department_core("市中心医院办公室") == department_core("医院办公室") == "办公室"
    assert department_core("临床营养科") == "营养科"
    assert department_core("党委办公室") == "党委办公室"


def test_events_merge_through_a_day_learned_later() -> None:
    """The event index follows a kept event whose day comes from an event it absorbed: an
    undated 义诊活动 of news.txt#1 takes the dated one of news.txt#2 (same file), and so the day;
    the same name on that day in another file is then the same event, and on another day is not."""
    from kg.model import Article, Extraction, Mention

    def event(article: str, date: str | None) -> Extraction:
        mention = Mention(article, 0, 4, "Event", "义诊活动", "义诊活动", date)
        return Extraction(Article(article, article.split("#")[0], "标题", "义诊活动。"), (mention,), ())

    kg = resolve([event("news.txt#1", None), event("news.txt#2", "2024-06-01"),
                  event("other.txt", "2024-06-01"), event("third.txt", "2024-07-01")])
    events = sorted((e.date, sorted(e.articles)) for e in kg.entities if e.type == "Event")
    assert events == [("2024-06-01", ["news.txt#1", "news.txt#2", "other.txt"]),
                      ("2024-07-01", ["third.txt"])], events


def test_resolve_a_body_named_with_and_without_its_area_first(build) -> None:
    kg = build(("p.txt", "四川青川县人民医院与苍溪县中医医院签约。青川县人民医院将派驻专家。"))
    matches = _named(kg, "青川县人民医院", ("Hospital",))
    assert [(e.name, e.aliases) for e in matches] == [("四川青川县人民医院", ("青川县人民医院",))], _describe(kg)


def test_resolve_events_of_one_story_under_a_shorter_name_merge() -> None:
    """An event named inside another (once quotes are dropped), or by the other's characters in
    order with the same head noun, is that event; another head noun is another event."""
    from kg.model import Article

    text = "新院区奠基暨揭牌仪式，新院区奠基仪式，第三届“护理之星”评选，第三届“护理之星，新院区义诊活动。"
    names = ["新院区奠基暨揭牌仪式", "新院区奠基仪式", "第三届“护理之星”评选", "第三届“护理之星", "新院区义诊活动"]
    mentions = tuple(Mention("s.txt", text.index(n), text.index(n) + len(n), "Event", n, n) for n in names)
    kg = resolve([Extraction(Article("s.txt", "s.txt", "标题", text), mentions, ())])
    events = sorted((e.name, e.aliases) for e in kg.entities if e.type == "Event")
    assert events == [("新院区义诊活动", ()), ("新院区奠基暨揭牌仪式", ("新院区奠基仪式",)),
                      ("第三届“护理之星”评选", ("第三届“护理之星",))], events


def _resolved(text: str, named: list[tuple[str, str]], article_id: str = "o.txt"):
    """The graph of one story whose mentions are each occurrence of the (name, label) pairs."""
    from kg.model import Article

    mentions = []
    for name, label in named:
        at = text.find(name)
        while at >= 0:
            mentions.append(Mention(article_id, at, at + len(name), label, name, name))
            at = text.find(name, at + 1)
    mentions.sort(key=lambda m: (m.start, m.end))
    return resolve([Extraction(Article(article_id, article_id, "标题", text), tuple(mentions), ())])


def test_resolve_a_body_with_its_other_name_in_brackets() -> None:
    """甲（乙） with both of one type is one body under two names; another type in the brackets, or
    brackets not right after the name, join nothing."""
    text = "广元市中心医院（广元市第三人民医院）派出专家。广元市第三人民医院专家义诊。"
    kg = _resolved(text, [("广元市中心医院", "Hospital"), ("广元市第三人民医院", "Hospital")])
    assert [(e.name, e.aliases) for e in kg.entities] == [("广元市中心医院", ("广元市第三人民医院",))], _describe(kg)
    text = "广元市中心医院（广元市第三人民医院）派出专家。市第三人民医院专家义诊。"
    kg = _resolved(text, [("广元市中心医院", "Hospital"), ("广元市第三人民医院", "Hospital"),
                          ("市第三人民医院", "Hospital")])
    assert [e.name for e in kg.entities] == ["广元市中心医院"], _describe(kg)  # the short form too
    kg = _resolved("广元市中心医院（心内科）派出专家。",
                   [("广元市中心医院", "Hospital"), ("心内科", "Department")])
    assert sorted(e.name for e in kg.entities) == ["广元市中心医院", "心内科"], _describe(kg)
    kg = _resolved("广元市中心医院派出专家（广元市第三人民医院）。",
                   [("广元市中心医院", "Hospital"), ("广元市第三人民医院", "Hospital")])
    assert len(kg.entities) == 2, _describe(kg)


def test_resolve_a_hospital_named_without_its_university() -> None:
    """晨光医院 is 扬州大学晨光医院 (the name whole at the end), not its 儿童医院; 晨光医院儿童医院 is
    扬州大学晨光医院儿童医院 (the university named first)."""
    text = "扬州大学晨光医院与扬州大学晨光医院儿童医院签约。晨光医院儿童医院专家与晨光医院专家义诊。"
    kg = _resolved(text, [("扬州大学晨光医院儿童医院", "Hospital"), ("扬州大学晨光医院", "Hospital"),
                          ("晨光医院儿童医院", "Hospital"), ("晨光医院", "Hospital")])
    assert sorted((e.name, e.aliases) for e in kg.entities) == [
        ("扬州大学晨光医院", ("晨光医院",)), ("扬州大学晨光医院儿童医院", ("晨光医院儿童医院",))], _describe(kg)


def test_resolve_a_place_named_without_its_level() -> None:
    """青溪中心卫生院 is 青溪镇中心卫生院 (镇 left out after the place's name)."""
    text = "青溪镇中心卫生院与青溪中心卫生院。"
    kg = _resolved(text, [("青溪镇中心卫生院", "Hospital"), ("青溪中心卫生院", "Hospital")])
    assert [(e.name, e.aliases) for e in kg.entities] == [("青溪镇中心卫生院", ("青溪中心卫生院",))], _describe(kg)


@pytest.mark.parametrize("people, expected", [
    (["周明远", "小周"], [("周明远", ("小周",))]),
    (["周明远", "周立群", "小周"], [("周明远", ()), ("周立群", ()), ("小周", ())]),
], ids=["one-of-that-surname", "two-of-that-surname"])
def test_resolve_a_person_called_by_surname(people, expected) -> None:
    """小周 is the one 周 the story names in full; of two, neither."""
    text = "，".join(people) + "。"
    kg = _resolved(text, [(name, "Person") for name in people])
    assert sorted((e.name, e.aliases) for e in kg.entities) == sorted(expected), _describe(kg)


def test_resolve_a_relative_name_fits_the_hospital_of_the_area_the_story_keeps_naming() -> None:
    """市人民医院 with 广元市人民医院 and 绵阳市人民医院 in the file: the one of the city named most;
    with both cities named as often, it is left alone."""
    hospitals = [("广元市人民医院", "Hospital"), ("绵阳市人民医院", "Hospital"), ("市人民医院", "Hospital")]
    text = "广元市人民医院邀请绵阳市人民医院专家。广元市地处川北，广元百姓就医方便。市人民医院表示欢迎。"
    kg = _resolved(text, hospitals + [("广元市", "Place"), ("广元", "Place")])
    assert ("广元市人民医院", ("市人民医院",)) in [(e.name, e.aliases) for e in kg.entities], _describe(kg)
    text = "广元市人民医院邀请绵阳市人民医院专家。广元市与绵阳市相邻。市人民医院表示欢迎。"
    kg = _resolved(text, hospitals + [("广元市", "Place"), ("绵阳市", "Place")])
    assert "市人民医院" in [e.name for e in kg.entities], _describe(kg)


def test_resolve_a_relative_name_of_a_party_body_reads_the_area_after_the_party() -> None:
    """市委党校 is 中共广元市委党校 in a story about 广元市: the area is read after 中共; in a
    story that names another city more, it is left alone."""
    bodies = [("中共广元市委党校", "Organization"), ("市委党校", "Organization")]
    text = "中共广元市委党校举办培训班。广元市地处川北，广元市干部参加。市委党校表示欢迎。"
    kg = _resolved(text, bodies + [("广元市", "Place")])
    assert ("中共广元市委党校", ("市委党校",)) in [(e.name, e.aliases) for e in kg.entities], _describe(kg)
    text = "中共广元市委党校举办培训班。绵阳市干部与绵阳市专家参加。市委党校表示欢迎。"
    kg = _resolved(text, bodies + [("绵阳市", "Place")])
    assert "市委党校" in [e.name for e in kg.entities], _describe(kg)
