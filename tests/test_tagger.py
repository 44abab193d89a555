"""The mention tagger: BIO decoding, the feature function, and how its spans become mentions."""
from __future__ import annotations

import pytest

from kg.extract import propose
from kg.model import Candidates, Mention
from kg.tagger import char_features, decide_mentions, spans_of


@pytest.mark.parametrize("labels, spans", [
    (["O", "B-HOS", "I-HOS", "O"], [(1, 3, "HOS")]),
    (["B-PER", "I-PER", "B-PER", "I-PER"], [(0, 2, "PER"), (2, 4, "PER")]),
    (["I-ORG", "I-ORG", "O"], [(0, 2, "ORG")]),  # an I with no B still starts a span
    (["B-HOS", "I-DEP", "I-DEP"], [(0, 1, "HOS"), (1, 3, "DEP")]),  # a change of group ends one
    (["O", "O"], []),
    (["B-CON"], [(0, 1, "CON")]),
])
def test_tagger_spans_of_bio_labels(labels, spans) -> None:
    assert spans_of(labels) == spans


class FixedTagger:
    """A stand-in for the CRF: labels given character spans of one sentence (the first, unless
    `sentence` names another)."""

    def __init__(self, spans: dict[tuple[int, int], str], sentence: int = 0) -> None:
        self.spans, self.sentence = spans, sentence  # offsets in that sentence

    def tag(self, sentences):
        labels = []
        for number, rows in enumerate(sentences):
            row_labels = ["O"] * len(rows)
            if number == self.sentence:
                for (start, end), group in self.spans.items():
                    row_labels[start] = f"B-{group}"
                    for i in range(start + 1, end):
                        row_labels[i] = f"I-{group}"
            labels.append(row_labels)
        return labels


def test_tagger_char_features_one_row_per_character_with_the_rules_spans(analyzer, make_article) -> None:
    article = make_article("青川县人民医院举办义诊活动。王立新主任参加。")
    candidates = propose(article, analyzer)
    rows = char_features(article, candidates, analyzer)
    assert [len(r) for r in rows] == [s.end - s.start for s in article.sentences]
    first = rows[0]
    assert "c=青" in first[0] and "r=HOSB" in first[0] and "r=HOSE" in first[6]
    assert any(f.startswith("sfxHospital") for f in first[5])  # 医院 is an institution suffix
    assert "lac" not in " ".join(first[0])


def test_tagger_char_features_mark_the_places_lac_finds(analyzer, make_article) -> None:
    article = make_article("张三在北京市工作。")
    candidates = propose(article, analyzer)
    assert candidates.lac_places == ((3, 6),)
    rows = char_features(article, candidates, analyzer)[0]
    assert "lacLOCB" in rows[3] and "lacLOCE" in rows[5] and "+1:lacLOCB" in rows[2]
    assert "lacB" in rows[0]  # LAC's person


def test_tagger_keeps_the_rules_mention_and_makes_new_ones(analyzer, make_article) -> None:
    text = "青川县人民医院举办义诊活动，白水县护理学会与我院参加。"
    article = make_article(text, date="2024-03-12")
    rule = Mention(article.id, 0, 7, "Hospital", "青川县人民医院", "青川县人民医院")
    pointer = Mention(article.id, 22, 24, "Pointer", "我院", "我院")
    candidates = Candidates((), (), (rule, pointer))
    tagger = FixedTagger({(0, 7): "HOS", (9, 13): "EVT", (14, 21): "ORG"})
    found = decide_mentions(article, candidates, analyzer, tagger)
    assert found[0] is rule  # the rules' mention, with its canonical name
    assert [(m.label, m.text) for m in found[1:3]] == [("Event", "义诊活动"), ("Organization", "白水县护理学会")]
    assert pointer in found  # pointers pass through for the relation stage


def test_tagger_event_takes_the_year_of_a_later_full_date_before_it(analyzer, make_article) -> None:
    text = "2018年1月19日，专家出发。1月20日，医院举办义诊活动。"
    article = make_article(text, date="2017-12-05")  # a day the story recalls, not its publication
    second = article.sentences[1]
    start = second.text.index("义诊活动")
    tagger = FixedTagger({(start, start + 4): "EVT"}, sentence=1)
    found = decide_mentions(article, Candidates((), (), ()), analyzer, tagger)
    assert [(m.text, m.date) for m in found] == [("义诊活动", "2018-01-20")]


def test_tagger_drops_what_it_does_not_confirm_and_types_by_suffix(analyzer, make_article) -> None:
    article = make_article("县卫生健康局组织培训。")
    rule = Mention(article.id, 0, 2, "Place", "县卫", "县卫")
    tagger = FixedTagger({(0, 6): "ORG"})
    found = decide_mentions(article, Candidates((), (), (rule,)), analyzer, tagger)
    assert [(m.label, m.text) for m in found] == [("GovernmentAgency", "县卫生健康局")]


@pytest.mark.parametrize("text, span, rules, expected", [
    # run over its hospital: the rules' department, and their hospital back
    ("青川县人民医院神经外科开展手术。", (0, 11), [(0, 7, "Hospital"), (7, 11, "Department")],
     [("Hospital", "青川县人民医院"), ("Department", "神经外科")]),
    # run over a verb
    ("患者转入ICU治疗。", (2, 7), [(4, 7, "Department")], [("Department", "ICU")]),
    # no department of the rules inside, a hospital's name first: the hospital, then the department
    ("青川县人民医院神经外科开展手术。", (0, 11), [], [("Hospital", "青川县人民医院"), ("Department", "神经外科")]),
    ("青川县人民医院办公室发文。", (0, 10), [(0, 7, "Hospital")], [("Hospital", "青川县人民医院"), ("Department", "办公室")]),
    # 医院 alone names no hospital: the tagger's span stands
    ("医院办公室发文。", (0, 5), [], [("Department", "医院办公室")]),
])
def test_tagger_department_keeps_the_rules_start(analyzer, make_article, text, span, rules, expected) -> None:
    article = make_article(text)
    candidates = Candidates((), (), tuple(Mention(article.id, s, e, label, text[s:e], text[s:e])
                                          for s, e, label in rules))
    found = decide_mentions(article, candidates, analyzer, FixedTagger({span: "DEP"}))
    assert [(m.label, m.text) for m in found] == expected


def test_tagger_without_a_model_the_rules_decide(analyzer, make_article) -> None:
    article = make_article("青川县人民医院举办义诊活动。")
    candidates = propose(article, analyzer)
    assert decide_mentions(article, candidates, analyzer, None) == candidates.mentions


def test_tagger_shipped_model_loads(analyzer) -> None:
    assert analyzer.mention_tagger is not None and analyzer.relation_model is not None
