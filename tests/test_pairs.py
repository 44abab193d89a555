"""The relation classifier: which pairs it weighs, their features, and its decision."""
from __future__ import annotations

import re
from functools import partial

import pytest

from kg.model import Evidence, Mention, MentionRelation
from kg.pairs import RelationModel, candidate_pairs, decide_relations, pair_features

TEXT = "青川县人民医院心内科主任王立新为患者李某实施手术。"


def _mentions(article):
    return (Mention(article.id, 0, 7, "Hospital", "青川县人民医院", "青川县人民医院"),
            Mention(article.id, 7, 10, "Department", "心内科", "心内科"),
            Mention(article.id, 12, 15, "Doctor", "王立新", "王立新"),
            Mention(article.id, 18, 20, "Patient", "李某", "李某"))


def _mention(article, name: str, label: str, start: int = 0) -> Mention:
    """A mention of `name` where the article first writes it from `start` on, typed `label`."""
    where = article.text.index(name, start)
    return Mention(article.id, where, where + len(name), label, name, name)


def test_pairs_candidates_are_typed_pairs_of_a_sentence(make_article) -> None:
    article = make_article(TEXT)
    pairs = {(p.head.text, p.kind, p.tail.text) for p in candidate_pairs(article, _mentions(article), ())}
    assert ("王立新", "worksAt", "心内科") in pairs and ("王立新", "treated", "李某") in pairs
    assert ("心内科", "partOf", "青川县人民医院") in pairs
    assert ("李某", "worksAt", "心内科") in pairs  # the model, not the types, says a patient is no staff
    assert not any(kind == "hosted" for _, kind, _ in pairs)  # no event in the sentence


def test_pairs_a_rules_pair_across_sentences_is_weighed_with_its_vote(make_article) -> None:
    article = make_article(TEXT + "\n编辑：赵丽")
    mentions = _mentions(article)
    editor = Mention(article.id, len(TEXT) + 4, len(TEXT) + 6, "Person", "赵丽", "赵丽")
    publisher = Mention(article.id, 0, 0, "Hospital", "", "青川县人民医院")
    rule = MentionRelation(editor, "worksAt", publisher, Evidence(article.id, "编辑：赵丽"))
    pairs = candidate_pairs(article, mentions + (editor,), (rule,))
    voted = [p for p in pairs if p.rule]
    assert [(p.head.text, p.kind, p.tail.key) for p in voted] == [("赵丽", "worksAt", "青川县人民医院")]
    assert {"rule", "virtual=t", "cross-sentence"} <= set(pair_features(voted[0], article, mentions, (rule,)))


def test_pairs_care_is_weighed_across_the_sentences_of_a_story(make_article) -> None:
    article = make_article("王立新主任查房。天气晴朗。患者李某恢复良好，心功能不全已好转。")
    text = article.text
    doctor = Mention(article.id, 0, 3, "Doctor", "王立新", "王立新")
    patient = Mention(article.id, text.index("李某"), text.index("李某") + 2, "Patient", "李某", "李某")
    condition = Mention(article.id, text.index("心功能不全"), text.index("好转") - 1, "Condition", "心功能不全")
    pairs = {(p.head.text, p.kind, p.tail.text): p for p in candidate_pairs(article, (doctor, patient, condition), ())}
    care = pairs[("王立新", "treated", "李某")]
    assert care.evidence.sentence.startswith("患者李某") and not care.rule  # the later sentence
    assert "cross-sentence" in pair_features(care, article, (doctor, patient, condition))
    assert ("李某", "hasCondition", "心功能不全") in pairs  # one sentence, weighed as before
    assert ("王立新", "hasCondition", "心功能不全") not in pairs  # a doctor has no condition


def test_pairs_doctors_are_weighed_with_the_body_the_story_is_about(make_article) -> None:
    article = make_article("青川县人民医院举办健康讲座。青川县人民医院近年发展迅速。主讲专家周明远介绍病例。"
                           "县卫生局刘海涛出席。")
    text = article.text
    hospital = [Mention(article.id, at, at + 7, "Hospital", "青川县人民医院", "青川县人民医院")
                for at in (0, text.index("青川县人民医院", 1))]
    agency = Mention(article.id, text.index("县卫生局"), text.index("县卫生局") + 4, "GovernmentAgency", "县卫生局")
    doctor = Mention(article.id, text.index("周明远"), text.index("周明远") + 3, "Doctor", "周明远", "周明远")
    official = Mention(article.id, text.index("刘海涛"), text.index("刘海涛") + 3, "Official", "刘海涛", "刘海涛")
    pairs = [p for p in candidate_pairs(article, (*hospital, doctor, agency, official), ())
             if p.kind == "worksAt" and p.tail.key == "青川县人民医院"]
    assert [(p.head.text, p.tail is hospital[0], p.evidence.sentence) for p in pairs] == \
        [("周明远", True, "主讲专家周明远介绍病例。")]  # doctors only; the official is weighed in his sentence


def test_pairs_features_say_what_stands_between(make_article) -> None:
    article = make_article(TEXT)
    mentions = _mentions(article)
    doctor = mentions[2]
    pair = next(p for p in candidate_pairs(article, mentions, ()) if p.head is doctor and p.kind == "treated")
    features = set(pair_features(pair, article, mentions))
    assert {"ht=Doctor>Patient", "order=ht", "between=为患者", "hL2=主任", "trig=手术@after"} <= features
    assert "rule" not in features


def test_pairs_model_decides_by_threshold(make_article) -> None:
    article = make_article(TEXT)
    mentions = _mentions(article)
    model = RelationModel({"treated": {"bias": -1.0, "threshold": 0.5, "weights": {"trig=手术@after": 2.0}},
                           "worksAt": {"bias": -5.0, "threshold": 0.5, "weights": {}}})
    found = {(r.head.text, r.kind, r.tail.text) for r in decide_relations(article, mentions, (), model)[1]}
    assert ("王立新", "treated", "李某") in found
    assert not any(kind == "worksAt" for _, kind, _ in found)
    # a kind the model has no weights for keeps the rules' vote
    rule = MentionRelation(mentions[1], "partOf", mentions[0], Evidence(article.id, TEXT))
    kept = decide_relations(article, mentions, (rule,), model)[1]
    assert [(r.head, r.kind, r.tail) for r in kept if r.kind == "partOf"] == [(mentions[1], "partOf", mentions[0])]


def test_pairs_without_a_model_the_rules_decide(make_article) -> None:
    article = make_article(TEXT)
    mentions = _mentions(article)
    rule = MentionRelation(mentions[2], "worksAt", mentions[1], Evidence(article.id, TEXT))
    assert decide_relations(article, mentions, (rule,), None) == (mentions, (rule,))


def test_pairs_care_types_a_plain_person(make_article) -> None:
    article = make_article(TEXT)
    hospital, department, doctor, patient = _mentions(article)
    plain = Mention(article.id, 18, 20, "Person", "李某", "李某")
    model = RelationModel({"treated": {"bias": 1.0, "threshold": 0.5, "weights": {}}})
    mentions, relations = decide_relations(article, (hospital, department, doctor, plain), (), model)
    assert mentions[3].label == "Patient" and mentions[:3] == (hospital, department, doctor)
    assert [(r.head, r.kind, r.tail) for r in relations] == [(doctor, "treated", mentions[3])]
    # a doctor is never made a patient: no pair of care joins two doctors
    other_doctor = Mention(article.id, 18, 20, "Doctor", "李某", "李某")
    assert decide_relations(article, (doctor, other_doctor), (), model)[1] == ()


def test_pairs_a_sentence_with_no_event_may_speak_of_the_last_one(make_article) -> None:
    text = "青川县人民医院召开帮扶工作座谈会。会上，院长王立新讲话。"
    article = make_article(text)
    hospital = Mention(article.id, 0, 7, "Hospital", "青川县人民医院", "青川县人民医院")
    event = Mention(article.id, 9, 16, "Event", "帮扶工作座谈会", "帮扶工作座谈会")
    person = Mention(article.id, 22, 25, "Person", "王立新", "王立新")
    pairs = candidate_pairs(article, (hospital, event, person), ())
    earlier = [p for p in pairs if p.head is person and p.tail is event]
    assert [p.kind for p in earlier] == ["participatedIn"]
    assert earlier[0].evidence.sentence == "会上，院长王立新讲话。"  # the person's sentence is the evidence
    features = pair_features(earlier[0], article, (hospital, event, person))
    assert "event-earlier" in features and "hL2=院长" in features
    # an event a later sentence names is not paired with those before it
    later = make_article("王立新到达。青川县召开座谈会。")
    before = Mention(later.id, 0, 3, "Person", "王立新", "王立新")
    meeting = Mention(later.id, 11, 14, "Event", "座谈会", "座谈会")
    assert not [p for p in candidate_pairs(later, (before, meeting), ()) if p.tail is meeting]


def test_pairs_features_say_what_one_name_says_of_the_other(make_article) -> None:
    text = "援马里医疗队在马里共和国医院义诊，青川县人民医院与青川县中医院签约。"
    article = make_article(text)
    team = Mention(article.id, 0, 6, "MedicalTeam", "援马里医疗队", "援马里医疗队")
    hospital = Mention(article.id, 7, 14, "Hospital", "马里共和国医院", "马里共和国医院")
    county, other = (Mention(article.id, s, s + len(n), "Hospital", n, n) for s, n in (
        (text.index("青川县人民医院"), "青川县人民医院"), (text.index("青川县中医院"), "青川县中医院")))
    mentions = (team, hospital, county, other)
    features = {(p.head.text, p.tail.text): set(f) for p, f in
                ((p, pair_features(p, article, mentions)) for p in candidate_pairs(article, mentions, ())
                 if p.kind == "aidedBy")}
    assert "name=aim-in-t" in features[("马里共和国医院", "援马里医疗队")]  # the team is sent to it
    assert "name=share2" in features[("青川县人民医院", "青川县中医院")]
    assert not any(f.startswith("name=") for f in features[("青川县人民医院", "援马里医疗队")])


def test_pairs_a_team_named_for_where_it_goes_is_weighed_with_it_across_sentences(make_article) -> None:
    article = make_article("广元市帮扶青川医疗队抵达。青川县人民医院举行欢迎会。剑阁县人民医院派出专家。")
    text = article.text
    team = Mention(article.id, 0, 10, "MedicalTeam", "广元市帮扶青川医疗队", "广元市帮扶青川医疗队")
    served, other = (Mention(article.id, text.index(n), text.index(n) + len(n), "Hospital", n, n)
                     for n in ("青川县人民医院", "剑阁县人民医院"))
    mentions = (team, served, other)
    pairs = {(p.head.text, p.kind, p.tail.text): p for p in candidate_pairs(article, mentions, ())}
    aid = pairs[("青川县人民医院", "aidedBy", "广元市帮扶青川医疗队")]
    assert aid.evidence.sentence.startswith("青川县") and not aid.rule  # the later sentence
    assert {"cross-sentence", "name=aim-in-t"} <= set(pair_features(aid, article, mentions))
    assert ("剑阁县人民医院", "aidedBy", "广元市帮扶青川医疗队") not in pairs  # not where it goes


def test_pairs_a_storys_credited_reporters_are_weighed_with_its_news_outlet(make_article) -> None:
    article = make_article("院长周明远出席义诊。\n（记者 王立新 通讯员 赵丽）\n来源：川北日报")
    text = article.text
    people = [Mention(article.id, text.index(n), text.index(n) + len(n), "Person", n, n) for n in ("周明远", "王立新", "赵丽")]
    outlet = Mention(article.id, text.index("川北日报"), text.index("川北日报") + 4, "Organization", "川北日报", "川北日报")
    pairs = {(p.head.text, p.kind, p.tail.text): p for p in candidate_pairs(article, (*people, outlet), ())}
    assert ("王立新", "worksAt", "川北日报") in pairs and ("赵丽", "worksAt", "川北日报") in pairs
    assert pairs[("赵丽", "worksAt", "川北日报")].evidence.sentence.startswith("（记者")  # the person's sentence
    assert ("周明远", "worksAt", "川北日报") not in pairs  # named, not credited


def test_pairs_features_know_a_short_form_of_the_other_end(make_article) -> None:
    text = "江苏省人民医院（省人医）与青川县人民医院签约。"
    article = make_article(text)
    full, short, county = (Mention(article.id, text.index(n), text.index(n) + len(n), "Hospital", n, n)
                           for n in ("江苏省人民医院", "省人医", "青川县人民医院"))
    features = {(p.head.text, p.tail.text): set(f) for p, f in
                ((p, pair_features(p, article, (full, short, county)))
                 for p in candidate_pairs(article, (full, short, county), ()) if p.kind == "aidedBy")}
    assert "name=subsequence" in features[("省人医", "江苏省人民医院")]
    assert "name=subsequence" not in features[("青川县人民医院", "江苏省人民医院")]


def test_pairs_rank_reads_a_bodys_level_from_its_name_and_the_gazetteer() -> None:
    from kg.pairs import rank

    assert rank("青川县人民医院") == 1 and rank("广元市中心医院") == 2 and rank("四川省人民医院") == 3
    assert rank("重庆医科大学附属儿童医院") == 4  # a university's hospital, whatever its city
    assert rank("青川县木鱼镇卫生院") == 0  # a township's, though its county is named first
    assert rank("青川中医院") == 1  # no area word: the gazetteer says 青川 is a county
    assert rank("省人医") == 3 and rank("仁爱医院") is None


@pytest.mark.parametrize("body, place, fit", [
    ("河南省信阳市人民医院", "信阳市", "same"),
    ("河南省信阳市人民医院", "浉河区", "fits"),  # a district of 信阳市
    ("河南省信阳市人民医院", "武汉市", "clash"),
    ("果洛州人民医院", "上海市", "clash"),  # 果洛藏族自治州, in Qinghai
    ("吉林大学第二医院", "萨摩亚", "clash"),  # a Chinese province's body, a country abroad
    ("四川省人民医院", "中国", "fits"),
    ("湖滨区涧河街道第二社区卫生服务站", "涧河街道", "same"),
    ("仁爱医院", "武汉市", "none"),  # its name says nowhere
])
def test_pairs_area_fit_compares_a_place_with_the_areas_a_body_is_named_for(body, place, fit) -> None:
    from kg.pairs import area_fit

    assert area_fit(body, place) == fit


def test_pairs_features_say_whether_a_place_fits_the_bodys_name(make_article) -> None:
    text = "河南省信阳市人民医院专家在武汉市和信阳市义诊。"
    article = make_article(text)
    body = Mention(article.id, 0, 10, "Hospital", text[:10], text[:10])
    wuhan, xinyang = (Mention(article.id, text.index(n), text.index(n) + 3, "Place", n, n) for n in ("武汉市", "信阳市"))
    mentions = (body, wuhan, xinyang)
    located = {p.tail.key: pair_features(p, article, mentions) for p in candidate_pairs(article, mentions, ())
               if p.kind == "locatedIn" and p.head is body}
    assert "area=clash" in located["武汉市"] and "area=same" in located["信阳市"]


def test_pairs_features_say_which_body_ranks_higher(make_article) -> None:
    text = "浙江大学附属医院帮扶青川县人民医院，青川县人民医院义诊。"
    article = make_article(text)
    big = Mention(article.id, 0, 8, "Hospital", "浙江大学附属医院", "浙江大学附属医院")
    small = Mention(article.id, 10, 17, "Hospital", "青川县人民医院", "青川县人民医院")
    event = Mention(article.id, text.rindex("义诊"), text.rindex("义诊") + 2, "Event", "义诊", "义诊")
    pairs = candidate_pairs(article, (big, small, event), ())
    aided = next(pair_features(p, article, (big, small, event)) for p in pairs
                 if p.kind == "aidedBy" and p.head is small and p.tail is big)
    assert {"hrank=1", "trank=4", "rank=t>h"} <= set(aided)
    hosted = next(pair_features(p, article, (big, small, event)) for p in pairs if p.kind == "hosted")
    assert not any(f.startswith(("hrank", "trank", "rank")) for f in hosted)  # an event has no rank


@pytest.mark.parametrize("name, is_place, expected", [
    ("咸丰县人民医院", False, "C"),  # 咸丰县, Hubei
    ("新疆维吾尔自治区喀什地区第一人民医院", False, "W"),
    ("上海市第六人民医院", False, "E"),
    ("吉林大学第二医院", False, "NE"),  # 吉林, the province its name begins with
    ("萨摩亚", True, "abroad"),
    ("日喀则市", True, "W"),
    ("仁爱医院", False, None),  # its name says nowhere
    ("不在地名录里", True, None),
])
def test_pairs_region_reads_where_a_body_or_place_lies(name, is_place, expected) -> None:
    from kg.pairs import region

    assert region(name, is_place) == expected


def test_pairs_every_province_of_the_gazetteer_has_an_economic_region() -> None:
    from kg import lexicon

    provinces = {place.province for place in lexicon.places().values() if place.province}
    assert len(provinces) == 34 and provinces <= set(lexicon.economic_regions())


def test_pairs_aid_pairs_say_which_region_aids_which(make_article) -> None:
    text = "上海市第六人民医院帮扶果洛州人民医院，果洛州人民医院的医生在门诊。"
    article = make_article(text)
    helper = Mention(article.id, 0, 9, "Hospital", text[:9], text[:9])
    aided = Mention(article.id, 11, 18, "Hospital", text[11:18], text[11:18])
    pairs = candidate_pairs(article, (helper, aided), ())
    features = {(p.head.key, p.kind, p.tail.key): set(pair_features(p, article, (helper, aided))) for p in pairs}
    assert {"hreg=W", "treg=E", "reg=W>E"} <= features[("果洛州人民医院", "aidedBy", "上海市第六人民医院")]
    assert not any(f.startswith("reg=") for key, found in features.items() if key[1] != "aidedBy" for f in found)


def test_pairs_features_count_how_often_the_article_names_each_end(make_article) -> None:
    from kg.pairs import iter_features

    text = "王立新为李某手术。王立新说，李某恢复良好，王立新很欣慰。"
    article = make_article(text)
    mentions = tuple(Mention(article.id, s, s + len(n), label, n, n) for s, n, label in (
        (0, "王立新", "Doctor"), (4, "李某", "Patient"), (text.index("王立新", 5), "王立新", "Doctor"),
        (text.index("李某", 9), "李某", "Patient"), (text.rindex("王立新"), "王立新", "Doctor")))
    first = next(f for p, f in iter_features(article, mentions, ()) if p.kind == "treated")
    assert {"hfreq=4", "tfreq=2"} <= set(first)  # 3 and 2 mentions, in buckets of 0, 1, 2, 4, 8…


def test_pairs_features_read_the_person_types_the_person_model_gave(make_article) -> None:
    from kg.pairs import iter_features

    article = make_article(TEXT)
    mentions = _mentions(article)
    person = Mention(article.id, 12, 15, "Person", "王立新", "王立新")  # the rules gave no title's type
    mentions = (mentions[0], mentions[1], person, mentions[3])
    typed = {(p.head.text, p.kind, p.tail.text): set(f)
             for p, f in iter_features(article, mentions, (), {"王立新": "Doctor", "李某": "Patient"})}
    assert {"hptype=Doctor", "tptype=Patient"} <= typed[("王立新", "treated", "李某")]
    assert not any(f.endswith("ptype=Doctor") for f in typed[("心内科", "partOf", "青川县人民医院")])
    plain = {(p.head.text, p.kind, p.tail.text): set(f) for p, f in iter_features(article, mentions, ())}
    assert not any("ptype=" in f for f in plain[("王立新", "treated", "李某")])  # no model, no such feature


def test_pairs_a_unit_is_part_of_one_body_the_likeliest(make_article) -> None:
    text = "青州市人民医院心内科与临朐县人民医院心内科开展合作。"
    article = make_article(text)
    first, second = text.index("心内科"), text.rindex("心内科")
    mentions = (Mention(article.id, 0, 7, "Hospital", "青州市人民医院", "青州市人民医院"),
                Mention(article.id, first, first + 3, "Department", "心内科", "心内科"),
                Mention(article.id, first + 4, second, "Hospital", "临朐县人民医院", "临朐县人民医院"),
                Mention(article.id, second, second + 3, "Department", "心内科", "心内科"))
    # both hospitals pass the threshold for the second 心内科; the one right before it scores higher
    model = RelationModel({"partOf": {"bias": -0.5, "threshold": 0.5,
                                      "weights": {"ht=Department>Hospital": 1.0, "gap=0": 1.0,
                                                  "ht=Hospital>Department": -5.0}}})
    found = {(r.head.start, r.tail.text) for r in decide_relations(article, mentions, (), model)[1]
             if r.kind == "partOf"}
    assert found == {(first, "青州市人民医院"), (second, "临朐县人民医院")}


def test_pairs_a_head_with_no_relation_of_a_kind_takes_its_likeliest_over_its_floor(make_article) -> None:
    text = "青州市人民医院心内科与临朐县人民医院开展合作。"
    article = make_article(text)
    mentions = (Mention(article.id, 0, 7, "Hospital", "青州市人民医院", "青州市人民医院"),
                Mention(article.id, 7, 10, "Department", "心内科", "心内科"),
                Mention(article.id, 11, 18, "Hospital", "临朐县人民医院", "临朐县人民医院"))
    # both under the threshold: the hospital right before scores 0.40, the other 0.29
    weights = {"gap=0": 0.5, "ht=Hospital>Department": -5.0, "ht=Hospital>Hospital": -5.0}

    def part_of(floors: dict) -> set:
        model = RelationModel({"partOf": {"bias": -0.9, "threshold": 0.5, "weights": weights, "floors": floors}})
        return {(r.head.text, r.tail.text) for r in decide_relations(article, mentions, (), model)[1]}

    assert part_of({"Department": 0.25}) == {("心内科", "青州市人民医院")}
    assert part_of({}) == part_of({"Department": 0.45}) == part_of({"Hospital": 0.25}) == set()
    # a head with a relation over the threshold takes no other
    weights["between=与"] = 2.0
    assert part_of({"Department": 0.25}) == {("心内科", "临朐县人民医院")}


def test_pairs_a_person_works_at_one_hospital_the_likeliest(make_article) -> None:
    """A name accepted for worksAt with two hospitals keeps the likelier one (the first mention's
    or the second's, per name), and still its department."""
    text = "青州市人民医院、临朐县人民医院心内科专家王立新出诊。王立新来自临朐县人民医院。"
    article = make_article(text)
    at = text.rindex("临朐县人民医院")
    mentions = (Mention(article.id, 0, 7, "Hospital", "青州市人民医院", "青州市人民医院"),
                Mention(article.id, 8, 15, "Hospital", "临朐县人民医院", "临朐县人民医院"),
                Mention(article.id, 15, 18, "Department", "心内科", "心内科"),
                Mention(article.id, 20, 23, "Doctor", "王立新", "王立新"),
                Mention(article.id, 26, 29, "Doctor", "王立新", "王立新"),
                Mention(article.id, at, at + 7, "Hospital", "临朐县人民医院", "临朐县人民医院"))
    model = RelationModel({"worksAt": {"bias": 0.0, "threshold": 0.5,
                                       "weights": {"ht=Doctor>Hospital": 1.0, "ht=Doctor>Department": 1.0,
                                                   "between=来自": 2.0}}})
    found = {(r.head.start, r.tail.start) for r in decide_relations(article, mentions, (), model)[1]
             if r.kind == "worksAt"}
    assert found == {(20, 15), (26, at)}


def test_pairs_a_body_named_by_its_level_is_weighed_with_the_storys_place_of_that_level(make_article) -> None:
    article = make_article("青川县地处广元市北部。青川县与苍溪县签约。县人民医院派出专家。县卫生局出席。")
    at = partial(_mention, article)
    places = (at("青川县", "Place"), at("广元市", "Place"), at("青川县", "Place", 5), at("苍溪县", "Place"))
    hospital, agency = at("县人民医院", "Hospital"), at("县卫生局", "GovernmentAgency")
    pairs = [p for p in candidate_pairs(article, (*places, hospital, agency), ())
             if p.kind == "locatedIn" and p.head in (hospital, agency)]
    # the county the story names most, first named in another sentence; not the city, nor the county named once
    assert [(p.head.key, p.tail is places[0], p.evidence.sentence) for p in pairs] == \
        [("县人民医院", True, "县人民医院派出专家。"), ("县卫生局", True, "县卫生局出席。")]
    assert "area-lead=县" in pair_features(pairs[0], article, (*places, hospital, agency))


def test_pairs_people_of_any_sentence_may_be_at_the_event_the_story_names_most(make_article) -> None:
    article = make_article("青川县人民医院召开帮扶工作座谈会。县卫生局王立新参加义诊。帮扶工作座谈会取得成效。")
    text = article.text
    main = [Mention(article.id, at, at + 7, "Event", "帮扶工作座谈会", "帮扶工作座谈会")
            for at in (text.index("帮扶工作座谈会"), text.rindex("帮扶工作座谈会"))]
    clinic = Mention(article.id, text.index("义诊"), text.index("义诊") + 2, "Event", "义诊", "义诊")
    agency = Mention(article.id, text.index("县卫生局"), text.index("县卫生局") + 4, "GovernmentAgency",
                     "县卫生局", "县卫生局")
    person = Mention(article.id, text.index("王立新"), text.index("王立新") + 3, "Person", "王立新", "王立新")
    pairs = {(p.head.text, p.kind, p.tail.text): p
             for p in candidate_pairs(article, (*main, clinic, agency, person), ()) if p.tail in main}
    at_main = pairs[("王立新", "participatedIn", "帮扶工作座谈会")]
    assert at_main.tail is main[0] and at_main.evidence.sentence == "县卫生局王立新参加义诊。"
    assert ("县卫生局", "hosted", "帮扶工作座谈会") not in pairs  # its organiser is named where it is
    # an event named once is no story's main event
    once = make_article("青川县召开帮扶工作座谈会。王立新参加义诊。")
    meeting, named, clinic = (Mention(once.id, once.text.index(n), once.text.index(n) + len(n), label, n, n)
                              for n, label in (("帮扶工作座谈会", "Event"), ("王立新", "Person"), ("义诊", "Event")))
    assert not [p for p in candidate_pairs(once, (meeting, named, clinic), ()) if p.tail is meeting]


def test_pairs_bodies_of_a_story_of_aid_are_weighed_across_its_sentences(make_article) -> None:
    text = "广元市中心医院派出专家团队。剑阁县人民医院举行欢迎仪式。广元市中心医院专家开展对口帮扶。剑阁县人民医院表示感谢。"

    def named(article, name: str) -> list[Mention]:
        return [Mention(article.id, m.start(), m.end(), "Hospital", name, name) for m in re.finditer(name, article.text)]

    article = make_article(text)
    mentions = (*named(article, "广元市中心医院"), *named(article, "剑阁县人民医院"))
    pairs = {(p.head.text, p.kind, p.tail.text): p for p in candidate_pairs(article, mentions, ())}
    aid = pairs[("剑阁县人民医院", "aidedBy", "广元市中心医院")]
    assert aid.evidence.sentence == "剑阁县人民医院举行欢迎仪式。" and not aid.rule  # the later first mention
    assert ("广元市中心医院", "aidedBy", "剑阁县人民医院") in pairs  # the rank features say which way
    assert "cross-sentence" in pair_features(aid, article, mentions)
    # no aid word in the story, or a body it names once: no such pair (a body named once scored lower)
    for other in (text.replace("对口帮扶", "义诊"), text.replace("。剑阁县人民医院表示感谢", "")):
        article = make_article(other)
        mentions = (*named(article, "广元市中心医院"), *named(article, "剑阁县人民医院"))
        assert not [p for p in candidate_pairs(article, mentions, ()) if p.kind == "aidedBy"]


def test_pairs_features_say_when_only_titles_and_people_stand_between(make_article) -> None:
    article = make_article("青川县人民医院党委书记王立新，副院长李某出席。")
    text = article.text
    hospital = Mention(article.id, 0, 7, "Hospital", "青川县人民医院", "青川县人民医院")
    secretary = Mention(article.id, text.index("王立新"), text.index("王立新") + 3, "Person", "王立新", "王立新")
    deputy = Mention(article.id, text.index("李某"), text.index("李某") + 2, "Person", "李某", "李某")
    mentions = (hospital, secretary, deputy)
    pairs = {(p.head.text, p.kind, p.tail.text): p for p in candidate_pairs(article, mentions, ())}
    listed = set(pair_features(pairs[("李某", "worksAt", "青川县人民医院")], article, mentions))
    titled = set(pair_features(pairs[("王立新", "worksAt", "青川县人民医院")], article, mentions))
    assert "gap=list" in listed and "gap=titles" not in listed
    assert "gap=titles" in titled and "gap=list" not in titled
    article = make_article("青川县人民医院邀请专家王立新讲课。")
    doctor = Mention(article.id, 11, 14, "Doctor", "王立新", "王立新")
    pair = next(p for p in candidate_pairs(article, (hospital, doctor), ()) if p.kind == "worksAt")
    assert not {"gap=list", "gap=titles"} & set(pair_features(pair, article, (hospital, doctor)))


def test_pairs_the_head_of_an_areas_government_is_weighed_with_it_across_sentences(make_article) -> None:
    article = make_article("青川县人民政府与苍溪县政府签约。青川县委副书记、县长张建国，苍溪县卫生局局长李明出席。"
                           "县委常委、副县长王平致辞。")
    at = partial(_mention, article)
    mentions = (at("青川县人民政府", "GovernmentAgency"), at("苍溪县政府", "GovernmentAgency"),
                at("张建国", "Official"), at("李明", "Official"), at("王平", "Official"))
    pairs = [p for p in candidate_pairs(article, mentions, ()) if p.kind == "worksAt"]
    # the county's own government only; a bureau's head and a deputy of no named county are not weighed
    assert [(p.head.key, p.tail.key, p.evidence.sentence[:6]) for p in pairs] == [("张建国", "青川县人民政府", "青川县委副书")]
    # weighed apart from other pairs across sentences: its type and its mark alone
    features = pair_features(pairs[0], article, mentions)
    assert features[:2] == ["ht=Official>GovernmentAgency", "office"] and "cross-sentence" not in features


def test_pairs_a_body_is_weighed_as_part_of_the_body_its_name_begins_with(make_article) -> None:
    article = make_article("江城大学举行签约仪式。江城大学附属医院、江城市人民医院派员出席。"
                           "江城大学附属医院院长致辞。")
    at = partial(_mention, article)
    text = article.text
    second = text.index("。") + 1
    mentions = (at("江城大学", "Organization"), at("江城大学附属医院", "Hospital"),
                at("江城市人民医院", "Hospital"), at("江城大学附属医院", "Hospital", text.rindex("江城大学附属医院")))
    pairs = [p for p in candidate_pairs(article, mentions, ()) if p.kind == "partOf" and p.tail.key == "江城大学"]
    # each mention of the longer name, in its own sentence, with the first mention of the shorter
    assert [(p.head.start, p.tail.start, p.evidence.sentence[-3:]) for p in pairs] == [
        (second, 0, "出席。"), (mentions[3].start, 0, "致辞。")]
    assert all(p.head.key == "江城大学附属医院" for p in pairs)  # 江城市人民医院 begins with no body's whole name
    # weighed apart from other pairs across sentences: its types and its mark alone
    features = pair_features(pairs[0], article, mentions)
    assert features[:2] == ["ht=Hospital>Organization", "prefix-body"] and "cross-sentence" not in features


def test_pairs_a_doctor_is_weighed_with_the_team_of_the_story_across_sentences(make_article) -> None:
    text = "第五批援藏医疗队抵达拉萨。队长赵峰为患者手术，李华医生查房。第五批援藏医疗队王强返回。"
    article = make_article(text)
    at = partial(_mention, article)
    team, again = at("第五批援藏医疗队", "MedicalTeam"), at("第五批援藏医疗队", "MedicalTeam", 1)
    mentions = (team, at("赵峰", "Doctor"), at("李华", "Doctor"), again, at("王强", "Doctor"))
    pairs = [p for p in candidate_pairs(article, mentions, ()) if p.kind == "worksAt" and p.tail is team]
    # the doctors of the sentence that names no team; 王强's sentence names it, his pair is its own
    assert [p.head.key for p in pairs] == ["赵峰", "李华"]
    features = [pair_features(p, article, mentions) for p in pairs]
    assert [f[:3] for f in features] == [["ht=Doctor>MedicalTeam", "story-team", "team-title=True"],
                                         ["ht=Doctor>MedicalTeam", "story-team", "team-title=False"]]
    # two teams each named once: no team is the story's
    other = Mention(article.id, again.start, again.end, "MedicalTeam", "援疆医疗队", "援疆医疗队")
    assert not [p for p in candidate_pairs(article, mentions[:3] + (other, mentions[4]), ())
                if p.kind == "worksAt" and p.head.key == "李华"]
