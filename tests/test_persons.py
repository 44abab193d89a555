"""Person fine types, decided: the features of a person across its mentions, and the retyping."""
from __future__ import annotations

from kg.model import Mention, MentionRelation, Evidence
from kg.persons import PersonTypeModel, decide_person_types, person_features

TITLES = {"主任医师": "Doctor", "主任": "Person", "局长": "Official", "患者": "Patient"}


def _mentions(article, spans):
    return tuple(Mention(article.id, s, e, label, article.text[s:e], article.text[s:e]) for s, e, label in spans)


def test_person_features_read_every_mention_of_a_name(make_article) -> None:
    text = "市卫生局局长赵文出席。副主任医师钱刚为患者孙丽做了手术，钱刚说。"
    article = make_article(text)
    zhao, qian, sun, qian2 = text.index("赵文"), text.index("钱刚"), text.index("孙丽"), text.rindex("钱刚")
    mentions = _mentions(article, [(0, 4, "GovernmentAgency"), (zhao, zhao + 2, "Person"),
                                   (qian, qian + 2, "Doctor"), (sun, sun + 2, "Person"),
                                   (qian2, qian2 + 2, "Person")])
    care = MentionRelation(mentions[2], "treated", mentions[3], Evidence(article.id, text))
    features = person_features(article, mentions, (care,), TITLES)
    assert set(features) == {"赵文", "钱刚", "孙丽"}
    assert {"tb=局长", "tbt=Official", "inst=GovernmentAgency", "L2=局长", "n=1"} <= set(features["赵文"])
    # both mentions of 钱刚: the rules' two types, the title before the first, the count
    assert {"lab=Doctor", "lab=Person", "tb=主任医师", "tbt=Doctor", "R1=说", "n=2",
            "rel=treated:h:Person"} <= set(features["钱刚"])
    assert {"tb=患者", "tbt=Patient", "rel=treated:t:Doctor"} <= set(features["孙丽"])
    assert "inst=GovernmentAgency" not in features["钱刚"]  # the body is in another sentence
    # two characters each side at most: longer ones named single people, and cross-validation
    # scored them lower
    assert not any(f.startswith(("L3=", "L4=", "R3=")) for f in features["赵文"] + features["钱刚"])


def _model(weights: dict[str, dict[str, float]]) -> PersonTypeModel:
    return PersonTypeModel({label: {"bias": 0.0, "weights": w} for label, w in weights.items()})


def test_person_types_retype_every_mention_of_a_name_and_the_relations_that_hold_them(make_article) -> None:
    text = "局长赵文出席会议。赵文讲话。副主任医师钱刚为孙丽手术。"
    article = make_article(text)
    mentions = _mentions(article, [(2, 4, "Person"), (6, 8, "Event"), (9, 11, "Person"),
                                   (19, 21, "Doctor"), (22, 24, "Patient")])
    evidence = Evidence(article.id, text)
    attends = MentionRelation(mentions[2], "participatedIn", mentions[1], evidence)
    care = MentionRelation(mentions[3], "treated", mentions[4], evidence)
    # the model would make everyone an official; the ends of a relation of care keep their types
    model = _model({"Official": {"n=1": 1.0, "n=2": 1.0}, "Person": {}, "Doctor": {}, "Patient": {}})
    found, relations = decide_person_types(article, mentions, (attends, care), model, TITLES)
    assert [m.label for m in found] == ["Official", "Event", "Official", "Doctor", "Patient"]
    assert relations[0].head.label == "Official" and relations[0].head.start == 9
    assert relations[1] == care


def test_person_types_without_a_model_change_nothing(make_article) -> None:
    article = make_article("赵文出席。")
    mentions = _mentions(article, [(0, 2, "Person")])
    assert decide_person_types(article, mentions, (), None, TITLES) == (mentions, ())


def test_person_type_model_picks_the_highest_score_and_breaks_ties_by_name() -> None:
    model = _model({"Doctor": {"tb=医生": 2.0}, "Official": {"tb=局长": 1.5}, "Person": {}})
    assert model.predict(["tb=医生", "tb=局长"]) == "Doctor"
    assert model.predict(["tb=局长"]) == "Official"
    assert model.predict([]) == "Doctor"  # all zero: the first name in order
