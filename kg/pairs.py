"""Stage 4b, decided: which pairs of mentions are related, as a model trained on the annotations says.

The rules of `kg.relations` propose relations; this stage weighs every candidate pair instead: each
ordered pair of mentions in a sentence whose types fit a relation kind, plus every pair a rule
proposed (the publisher, bylines and titles reach across sentences), plus the pairs a story makes
across its sentences (doctor and patient, its body and its doctors, its people and the event it
names most, the bodies of a story of aid, a team and where it is sent, a county's head and its
government, a body and the body its name begins with, a team and its doctors). A logistic
regression per
kind (trained with scikit-learn by `kg.train`, applied here as a plain dot product, so a build does
not need scikit-learn) scores each pair from the features of `pair_features`: both types, the
order, the distance, the words between and around, the trigger words and where they stand, the
other mentions between, what one name says of the other, the rank of two bodies (township to
university, from their names and the gazetteer), whether a place fits the areas a body's name
begins with, and each rule's vote. Pairs scoring at or above
the kind's threshold (chosen on cross-validated predictions at training time) are the relations;
and a head with no relation of a kind above the thresholds takes its likeliest one where it scores
at or above its type's floor for that kind (chosen the same way, where the annotations say most
heads of that type have one: a department is part of a hospital, a doctor works somewhere).
"""
from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from . import lexicon
from .model import ORG_TYPES, PERSON_TYPES, RELATION_ENDS, Article, Evidence, Mention, MentionRelation, Sentence
from .models import linear_score, read_model
from .resolve import is_subsequence

MODEL_FILE = "relations.json"
# Care is between a doctor and a patient, but the titles next to a name often do not say which a
# person is: a pair of care may join a plain Person, and the accepted relation types them.
CARE_TYPES = {"treated": ("Doctor", "Patient"), "hasCondition": ("Patient", None)}
PAIR_ENDS = dict(RELATION_ENDS,
                 treated=(RELATION_ENDS["treated"][0] | {"Person"}, RELATION_ENDS["treated"][1] | {"Person"}),
                 hasCondition=(RELATION_ENDS["hasCondition"][0] | {"Person"}, RELATION_ENDS["hasCondition"][1]))
# The kinds a mention is the head of once at most (心内科 of one hospital, not of the next one named).
ONE_TAIL = ("partOf",)
# A story's person works at one of these at most, the likeliest (per name, not per mention; a
# department or a team besides): a doctor named after three hospitals works at one of them.
ONE_EMPLOYER = ("Hospital",)
# The kinds whose tail may be the event a previous sentence named.
EARLIER_EVENT_KINDS = ("participatedIn", "hosted")
# The kinds whose tail may be the event the story names most, from any sentence that does not name
# it (hosted too scored lower: the story's organiser is named where its event is).
MAIN_EVENT_KINDS = ("participatedIn",)
# Pairs further apart than this in one sentence are not weighed unless a rule proposed them.
MAX_GAP = 120
# The bodies a story may be about, whose doctors it names in sentences of their own (a hospital
# alone, a threshold of one or three mentions, or any person, not just doctors, scored lower).
STORY_BODY_TYPES = ("Hospital", "GovernmentAgency", "Organization")
# Care pairs weighed across the sentences of a story (the rules' own types: a plain Person there
# scored lower, and so did a limit of 2, 4 or 8 sentences apart).
CARE_ACROSS = {"treated": (("Doctor",), ("Patient",)), "hasCondition": (("Patient",), ("Condition",))}


# The story-level proposers whose pairs across sentences are weighed by their two types and the
# proposer's mark alone: each stands on one cue that the features shared by all pairs across
# sentences do not see (measured: weighed with those, the office pairs' few facts raised every
# other such pair's weights too, and each set left out scored lower).
APART = ("office", "prefix-body", "story-team")


@dataclass(frozen=True, slots=True)
class Pair:
    """A candidate relation: two mentions, a kind, the sentence it is read from, the rules' votes."""

    head: Mention
    kind: str
    tail: Mention
    evidence: Evidence
    rule: bool  # a rule proposed exactly this relation
    # the story-level proposer whose pairs are weighed by their types and its mark alone
    # (`APART`), or "" for the others, and what else that proposer says of this pair
    source: str = ""
    marks: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _triggers() -> tuple[tuple[str, str], ...]:
    """(word, kind) of the trigger lexicon's literal words, longest first."""
    found = {(e.term, e.type) for e in lexicon.load("triggers.tsv") if "…" not in e.term}
    return tuple(sorted(found, key=lambda e: (-len(e[0]), e)))


@lru_cache(maxsize=1024)
def _trigger_hits(sentence: str) -> tuple[tuple[str, str, int], ...]:
    """(word, kind, first position) of each trigger word in a sentence: once per sentence, not
    once per pair (a sentence's pairs are weighed one after the other)."""
    return tuple((word, kind, at) for word, kind in _triggers() if (at := sentence.find(word)) >= 0)


def candidate_pairs(article: Article, mentions: tuple[Mention, ...],
                    rule_relations: tuple[MentionRelation, ...]) -> list[Pair]:
    """Every pair the model weighs, in a stable order (sentence, head, tail, kind)."""
    voted = {(id(r.head), r.kind, id(r.tail)) for r in rule_relations}
    pairs: dict[tuple, Pair] = {}
    last_event: Mention | None = None
    by_sentence = [[m for m in mentions if sentence.start <= m.start < sentence.end and m.end > m.start]
                   for sentence in article.sentences]
    main_event = _most_named(by_sentence, ("Event",))
    for sentence, inside in zip(article.sentences, by_sentence):
        evidence = _evidence(article, sentence)
        events = [m for m in inside if m.label == "Event"]
        # 会上，…: people and bodies of a sentence that names no event may be at the last one;
        # those of a sentence that does not name the story's main event, at that one
        earlier = [] if events or last_event is None else [(last_event, EARLIER_EVENT_KINDS)]
        if main_event is not None and not any(m.key == main_event.key for m in events):
            earlier.append((main_event, MAIN_EVENT_KINDS))
        for event, kinds in earlier:
            for head in inside:
                for kind in kinds:
                    if head.label in PAIR_ENDS[kind][0]:
                        key = (id(head), kind, id(event))
                        pairs.setdefault(key, Pair(head, kind, event, evidence, key in voted))
        last_event = events[-1] if events else last_event
        for head in inside:
            for tail in inside:
                if head is tail or head.key == tail.key or abs(head.start - tail.start) > MAX_GAP:
                    continue
                for kind, (heads, tails) in PAIR_ENDS.items():
                    if head.label in heads and tail.label in tails:
                        key = (id(head), kind, id(tail))
                        pairs.setdefault(key, Pair(head, kind, tail, evidence, key in voted))
    for r in rule_relations:  # the rules' cross-sentence and implied pairs
        key = (id(r.head), r.kind, id(r.tail))
        if key not in pairs:
            pairs[key] = Pair(r.head, r.kind, r.tail, r.evidence, True)
    for pair in itertools.chain(_care_pairs(article, by_sentence), _story_body_pairs(article, by_sentence),
                                _relative_area_pairs(article, by_sentence), _aim_pairs(article, by_sentence),
                                _aid_story_pairs(article, by_sentence),
                                _credit_pairs(article, by_sentence), _office_pairs(article, by_sentence),
                                _prefix_body_pairs(article, by_sentence), _story_team_pairs(article, by_sentence)):
        pairs.setdefault((id(pair.head), pair.kind, id(pair.tail)), pair)
    return list(pairs.values())


def _evidence(article: Article, sentence: Sentence) -> Evidence:
    """A pair's evidence: the sentence it is read from."""
    return Evidence(article.id, sentence.text, sentence.start, sentence.end)


def _care_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Doctor and patient, patient and condition, named in different sentences of the story (a
    story of care names the doctor in one sentence and what was done for the patient in another);
    the evidence is the later sentence. `by_sentence`: each sentence's mentions."""
    placed = [(index, m) for index, inside in enumerate(by_sentence) for m in inside]
    for kind, (heads, tails) in CARE_ACROSS.items():
        for at, head in ((i, m) for i, m in placed if m.label in heads):
            for to, tail in ((i, m) for i, m in placed if m.label in tails):
                if head.key != tail.key and at != to:
                    later = article.sentences[max(at, to)]
                    yield Pair(head, kind, tail, _evidence(article, later), False)


def _aim_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """A body named for where its aid goes (援川医疗队, 帮扶青川医疗队) and each body or place of
    another sentence it names that way (四川省人民医院, 青川县): a story of aid names the
    team in one sentence and the place or hospital it serves in others. The evidence is the later
    sentence. `by_sentence`: each sentence's mentions."""
    heads, tails = PAIR_ENDS["aidedBy"]
    placed = [(index, m) for index, inside in enumerate(by_sentence) for m in inside]
    for to, tail in placed:
        aim = _aim_of(tail.key) if tail.label in tails else ""
        if not aim:
            continue
        for at, head in placed:
            if at != to and head.label in heads and head.key != tail.key and aim in head.key[:3]:
                later = article.sentences[max(at, to)]
                yield Pair(head, "aidedBy", tail, _evidence(article, later), False)


AID_STORY_MENTIONS = 2  # how often a story names a body it is about


def _aid_story_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """In a story of aid (one of the trigger lexicon's aid words in it), each two bodies or places
    it keeps naming (twice at least) that no sentence names together (those pairs are weighed
    already): a story of 对口帮扶 names the aided hospital in one paragraph and the helper in
    another; the rank of the two names says which way aid runs. The evidence is the later first
    mention's sentence. `by_sentence`: each sentence's mentions."""
    if not any(kind.startswith("aidedBy") and word in article.text for word, kind in _triggers()):
        return
    heads, tails = PAIR_ENDS["aidedBy"]
    counts, first = _named(by_sentence, tuple(heads | tails))
    kept = [key for key, n in counts.items() if n >= AID_STORY_MENTIONS]
    together = {frozenset((a.key, b.key)) for inside in by_sentence for a in inside for b in inside}
    for head_key, tail_key in itertools.permutations(kept, 2):
        (at, head), (to, tail) = first[head_key], first[tail_key]
        if head.label in heads and tail.label in tails and frozenset((head_key, tail_key)) not in together:
            yield Pair(head, "aidedBy", tail, _evidence(article, article.sentences[max(at, to)]), False)


@lru_cache(maxsize=1)
def _outlet_end() -> re.Pattern:
    """How a news outlet's name ends, as the rules read outlets (日报, 新闻网, 客户端, 时刻)."""
    from .entities import MEDIA_END  # entities loads this module's model: imported when first used

    return re.compile(rf"{MEDIA_END}$")


@lru_cache(maxsize=1)
def _credited() -> re.Pattern:
    """The end of a line's text before a name its credit gives (记者 张三 李四, （通讯员：王五、赵六）):
    a byline role of the title lexicon, then only names and separators."""
    roles = sorted((e.term for e in lexicon.load("titles.tsv") if "byline" in e.note), key=lambda t: (-len(t), t))
    names = r"(?:[\u4e00-\u9fff·]{2,6}[\s、，,/|｜]+)*"
    return re.compile(rf"(?:{'|'.join(map(re.escape, roles))})[\s:：|｜]*{names}$")


def _credit_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Each person a story's credits name (记者 张三) and each news outlet it names (某某日报,
    某某网: an organisation with a news outlet's ending) in another sentence: reporters work at the
    outlet the dateline or the source line names. The evidence is the person's sentence.
    `by_sentence`: each sentence's mentions."""
    outlet_end = _outlet_end()
    outlets = [(index, m) for index, inside in enumerate(by_sentence) for m in inside
               if m.label == "Organization" and outlet_end.search(m.key)]
    if not outlets:
        return
    text, credited = article.text, _credited()
    for index, (sentence, inside) in enumerate(zip(article.sentences, by_sentence)):
        for person in (m for m in inside if m.label in PERSON_TYPES):
            line = text[text.rfind("\n", 0, person.start) + 1:person.start]
            if not credited.search(line):
                continue
            evidence = _evidence(article, sentence)
            for at, outlet in outlets:
                if at != index:
                    yield Pair(person, "worksAt", outlet, evidence, False)


def _named(by_sentence: list[list[Mention]], labels: tuple[str, ...]
           ) -> tuple[dict[str, int], dict[str, tuple[int, Mention]]]:
    """How often the story names each name of these labels, and where first (sentence index,
    mention)."""
    counts: dict[str, int] = {}
    first: dict[str, tuple[int, Mention]] = {}
    for index, inside in enumerate(by_sentence):
        for m in inside:
            if m.label in labels:
                counts[m.key] = counts.get(m.key, 0) + 1
                first.setdefault(m.key, (index, m))
    return counts, first


def _most_named(by_sentence: list[list[Mention]], labels: tuple[str, ...], sole: bool = False
                ) -> Mention | None:
    """The first mention of the name of these labels a story names most, when it names it twice
    at least (of a tie, the name first named): its body, its main event. With `sole`, also the
    only name of these labels the story has, named once."""
    counts, first = _named(by_sentence, labels)
    if not counts:
        return None
    top = max(counts, key=lambda key: (counts[key], -first[key][1].start))
    return first[top][1] if counts[top] >= 2 or sole and len(counts) == 1 else None


def _story_body_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Each doctor of a sentence that does not name the body the story names most (twice at
    least), with that body: a story about one hospital names its staff in sentences of their own.
    The evidence is the doctor's sentence. `by_sentence`: each sentence's mentions."""
    body = _most_named(by_sentence, STORY_BODY_TYPES)
    if body is None:
        return
    for sentence, inside in zip(article.sentences, by_sentence):
        if any(m.key == body.key and m.label in STORY_BODY_TYPES for m in inside):
            continue
        evidence = _evidence(article, sentence)
        for doctor in (m for m in inside if m.label == "Doctor"):
            yield Pair(doctor, "worksAt", body, evidence, False)


# A team's own titles: a doctor named with one of them (队长甲, 乙队员) in a sentence that does not
# name the team is most likely one of it.
TEAM_TITLES = ("队长", "队员", "领队")
TEAM_TITLE_REACH = 3  # characters either side of the name


def _story_team_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Each doctor of a sentence that names no medical team, with the team the story names (its
    only one, or the one it names most, twice at least): a story of a team lists its members in
    sentences of their own. The evidence is the doctor's sentence."""
    team = _most_named(by_sentence, ("MedicalTeam",), sole=True)
    if team is None:
        return
    for sentence, inside in zip(article.sentences, by_sentence):
        if any(m.label == "MedicalTeam" for m in inside):
            continue
        evidence = _evidence(article, sentence)
        for doctor in (m for m in inside if m.label == "Doctor"):
            near = article.text[max(sentence.start, doctor.start - TEAM_TITLE_REACH):
                                min(sentence.end, doctor.end + TEAM_TITLE_REACH)]
            title = f"team-title={any(title in near for title in TEAM_TITLES)}"
            yield Pair(doctor, "worksAt", team, evidence, False, "story-team", (title,))


# The head of an area's government and deputies (县长, 常务副区长, 代市长), written right before
# the name, after the area or a body of it: 某县委副书记、县长张甲.
HEAD_OF_GOVERNMENT = re.compile(r"(?:常务|代)?副?([省市县区州镇乡旗])长$")


def _office_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Each person named with the title of the head of an area's government (or a deputy) after
    the area (某县委副书记、县长张甲; 某县副县长李乙), with that area's government (某县政府,
    某县人民政府) where the story names it in another sentence: the title names the office, the
    government is named elsewhere. The evidence is the person's sentence."""
    governments = [(index, m) for index, inside in enumerate(by_sentence) for m in inside
                   if m.label == "GovernmentAgency" and m.key.endswith("政府")]
    if not governments:
        return
    for index, (sentence, inside) in enumerate(zip(article.sentences, by_sentence)):
        for person in (m for m in inside if m.label in PERSON_TYPES):
            area = _office_area(article.text, sentence.start, person)
            if area:
                for at, body in governments:
                    if at != index and _governs(body.key, area):
                        yield Pair(person, "worksAt", body, _evidence(article, sentence), False, "office")


# A body's name that begins with another body's whole name of at least this length is most
# often part of it (某大学附属医院 of 某大学, 某医院某院区, 某学会某分会).
MIN_PREFIX_BODY = 3


def _prefix_body_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Each body whose name begins with another body's whole name (某大学附属医院 and 某大学),
    with the first mention of that name, where the story names it only in other sentences (in one
    sentence the pair is weighed already). The evidence is the longer name's sentence."""
    heads, tails = PAIR_ENDS["partOf"]
    first: dict[str, tuple[int, Mention]] = {}
    for index, inside in enumerate(by_sentence):
        for m in inside:
            if m.label in tails and len(m.key) >= MIN_PREFIX_BODY:
                first.setdefault(m.key, (index, m))
    for index, (sentence, inside) in enumerate(zip(article.sentences, by_sentence)):
        here = {m.key for m in inside}
        for head in (m for m in inside if m.label in heads):
            for key, (at, tail) in first.items():
                if at != index and key not in here and key != head.key and head.key.startswith(key):
                    yield Pair(head, "partOf", tail, _evidence(article, sentence), False, "prefix-body")


CLAUSE_START = re.compile(r"[，,。；;：:]")


def _office_area(text: str, sentence_start: int, person: Mention) -> str | None:
    """The area whose government the title right before a person's name says the person heads
    or deputises for (某县 of 某县委常委、常务副县长张甲), or None."""
    clause = CLAUSE_START.split(text[max(sentence_start, person.start - 20):person.start])[-1]
    title = HEAD_OF_GOVERNMENT.search(clause)
    if not title:
        return None
    return next((name for _, _, name in lexicon.leading_places(clause) if name.endswith(title.group(1))), None)


def _governs(body: str, area: str) -> bool:
    """Whether a government's name is the area's: 某县政府 or 某县人民政府 for 某县, and 县政府
    relative to it."""
    name = body.removesuffix("政府").removesuffix("人民")
    return name in (area, area[-1], area + area[-1]) or len(area) > 2 and name == area[:-1]


# A body named relative to its area (县人民医院, 市卫健局, 区委) lies in the area of that level the
# story names: the lead character says the level, the place's last character must agree.
AREA_LEVELS = {"县": ("县", "旗"), "市": ("市",), "区": ("区",), "州": ("州",), "省": ("省", "区")}
AREA_BODY_TYPES = ("Hospital", "GovernmentAgency", "Organization", "MedicalTeam")


def _relative_area_pairs(article: Article, by_sentence: list[list[Mention]]) -> Iterator[Pair]:
    """Each body named relative to its area (县人民医院) with the place of that level the story
    names most, where that place is first named in another sentence (in the body's own sentence
    the pair is weighed already). The evidence is the body's sentence. `by_sentence`: each
    sentence's mentions. (Each place of the level, not only the most named, gained nothing.)"""
    counts, first = _named(by_sentence, ("Place",))
    # per lead character, the places of its level the story names most (ties all stand)
    most: dict[str, list[tuple[int, Mention]]] = {}
    for lead, ends in AREA_LEVELS.items():
        level = {key: n for key, n in counts.items() if len(key) >= 2 and key.endswith(ends)}
        top = max(level.values(), default=0)
        most[lead] = [first[key] for key, n in level.items() if n == top]
    for index, (sentence, inside) in enumerate(zip(article.sentences, by_sentence)):
        for body in inside:
            places = most.get(body.key[:1], ()) if body.label in AREA_BODY_TYPES else ()
            for at, place in places:
                if at != index:
                    yield Pair(body, "locatedIn", place, _evidence(article, sentence), False)


LIST_MARKS = "，,、；; 　和及与"


@lru_cache(maxsize=1)
def _titles() -> tuple[re.Pattern, frozenset[str]]:
    """Any title of the title lexicon (副院长, 主任医师), longest first, and the characters titles
    and list marks are written with (a text with any other character holds more than titles: no
    match to try)."""
    terms = {e.term for e in lexicon.load("titles.tsv")}
    return lexicon.alternation(terms), frozenset("".join(terms) + LIST_MARKS)


def _only_titles_between(gap: str, offset: int, between: list[Mention]) -> bool:
    """Whether what stands between two ends (`gap`, starting at `offset` in the text) is only
    titles, list marks and the mentions `between`."""
    rest = list(gap)
    for m in between:
        rest[m.start - offset:m.end - offset] = [""] * (m.end - m.start)
    titles, allowed = _titles()
    rest = "".join(rest).strip(LIST_MARKS)
    if not set(rest) <= allowed:
        return False
    return not titles.sub("", rest).strip(LIST_MARKS)


def _bucket(n: int) -> str:
    for limit in (0, 1, 2, 4, 8, 16, 32, 64):
        if n <= limit:
            return str(limit)
    return "more"


def pair_features(pair: Pair, article: Article, mentions: tuple[Mention, ...],
                  rule_relations: tuple[MentionRelation, ...] = (), *,
                  votes: dict | None = None, earliest: dict[str, int] | None = None,
                  frequency: dict[str, int] | None = None,
                  ends: tuple[str, ...] | None = None,
                  person_types: dict[str, str] | None = None) -> list[str]:
    """The features of one candidate pair (strings; the model holds a weight for each): those of
    its two ends in their sentence (`end_features`), the rules' votes and how often the article
    names each end (the entity an article is about is the one it keeps naming). `votes` maps
    (id(head), id(tail)) to the kinds rules proposed for them, `earliest` is the sentence's
    `_earliest_by_label`, `frequency` each name's count of mentions in the article, `ends` the
    pair's `end_features`, when the caller has worked them out."""
    features = list(end_features(pair, article, mentions, earliest) if ends is None else ends)
    if pair.rule:
        features.append("rule")
    if pair.kind == "aidedBy":
        # aid runs from the east to the west, from a province to a country abroad (对口支援,
        # 组团式, 援外): aidedBy +0.047 pooled over three assignments of the 5 folds (relation +0.002);
        # for every kind of pair, partOf lost 0.008 on the first
        features.extend(_region_features(pair.head, pair.tail))
    voted = votes.get((id(pair.head), id(pair.tail)), ()) if votes is not None else {
        r.kind for r in rule_relations if r.head is pair.head and r.tail is pair.tail}
    features.extend(f"rule-other={k}" for k in sorted(voted) if k != pair.kind)
    if frequency is not None:
        for name, m in (("h", pair.head), ("t", pair.tail)):
            features.append(f"{name}freq={_bucket(frequency.get(m.key, 0))}")
    if person_types:
        for name, m in (("h", pair.head), ("t", pair.tail)):
            if m.key in person_types and m.label in PERSON_TYPES:
                features.append(f"{name}ptype={person_types[m.key]}")
    return features


def end_features(pair: Pair, article: Article, mentions: tuple[Mention, ...],
                 earliest: dict[str, int] | None = None) -> tuple[str, ...]:
    """What a pair's features say of its two ends and their sentence, whatever its kind: both
    types, order, distance, what stands between and around, the trigger words and where they are."""
    head, tail, text = pair.head, pair.tail, article.text
    first, second = (head, tail) if head.start <= tail.start else (tail, head)
    virtual = head.end == head.start or tail.end == tail.start
    features = [f"ht={head.label}>{tail.label}", f"order={'ht' if first is head else 'th'}"]
    if virtual:
        features.append(f"virtual={'h' if head.end == head.start else 't'}")
    features.extend(_name_features(head.key, tail.key))
    if head.label in ORG_TYPES + ("Place",) and tail.label in ORG_TYPES:
        # which body ranks higher says which way aid and membership run (a place may be aided);
        # where a body lies (locatedIn) is geography, not rank (measured: it scored lower there)
        features.extend(_rank_features(head.key, tail.key))
    if head.label in ORG_TYPES and tail.label == "Place":
        # a body whose name says where it lies (湖北省荆州市人民医院) is not in a place that clashes
        # with that (武汉): locatedIn +0.008 on average over three assignments of the folds
        features.append(f"area={area_fit(head.key, tail.key)}")
    s0, s1 = pair.evidence.start, pair.evidence.end
    if s0 <= head.start <= s1 and tail.end <= s0 and tail.label == "Event":
        # an event named earlier: what the head's sentence says around it
        features.append("event-earlier")
        features.append(f"hL2={text[max(s0, head.start - 2):head.start]}")
        features.append(f"hR2={text[head.end:min(s1, head.end + 2)]}")
        for word, kind, at in _trigger_hits(text[s0:s1]):
            features.append(f"etrig={word}@{'before' if at + s0 < head.start else 'after'}")
        return tuple(dict.fromkeys(features))
    if not (s0 <= head.start <= s1 and s0 <= tail.start <= s1):
        if pair.source in APART:
            # weighed apart from the other pairs across sentences, which their few facts would
            # otherwise pull up with them
            return (f"ht={head.label}>{tail.label}", pair.source, *pair.marks)
        features.append("cross-sentence")
        if head.key[:1] in AREA_LEVELS and tail.label == "Place":
            features.append(f"area-lead={head.key[:1]}")
        return tuple(features)
    gap = text[first.end:second.start] if second.start >= first.end else ""
    features.append(f"gap={_bucket(len(gap))}")
    if len(gap) <= 4:
        features.append(f"between={gap}")
    features.extend(dict.fromkeys(f"bb={a}{b}" for a, b in zip(gap, gap[1:])))
    for mark in "，、；：（）“”和与及的在由为给帮对":
        if mark in gap:
            features.append(f"bmark={mark}")
    between = [m for m in mentions if first.end <= m.start and m.end <= second.start and m.end > m.start]
    features.append(f"nbetween={_bucket(len(between))}")
    if gap and _only_titles_between(gap, first.end, between):
        # 某医院党委书记甲，副院长乙: a list of a body's people, each after a title (measured, pooled
        # over two assignments of the 5 folds: relation F1 +0.002, worksAt +0.006)
        features.append("gap=list" if between else "gap=titles")
    features.extend(sorted({f"mid={m.label}" for m in between}))
    if any(m.label == head.label for m in between):
        features.append("mid=same-as-head")
    if any(m.label == tail.label for m in between):
        features.append("mid=same-as-tail")
    if earliest is None:
        earliest = _earliest_by_label(mentions, s0, s1)
    for name, m in (("h", head), ("t", tail)):
        features.append(f"{name}L1={text[m.start - 1:m.start] if m.start > s0 else '^'}")
        features.append(f"{name}L2={text[max(s0, m.start - 2):m.start]}")
        features.append(f"{name}R1={text[m.end:m.end + 1] if m.end < s1 else '$'}")
        features.append(f"{name}R2={text[m.end:min(s1, m.end + 2)]}")
        features.append(f"{name}first={m.start <= earliest.get(m.label, m.start)}")
    for word, kind, at in _trigger_hits(text[s0:s1]):
        at += s0
        where = "before" if at < first.start else "between" if at < second.start else "after"
        features.append(f"trig={word}@{where}")
        features.append(f"trigk={kind}@{where}")
    return tuple(dict.fromkeys(features))


def _name_features(head: str, tail: str) -> list[str]:
    """What one end's name says of the other's: contains it, shares its first two characters, is
    its short form (its characters in order: 省人医 of 江苏省人民医院), or names it after 援
    (援马里医疗队 and 马里共和国)."""
    found = []
    if head and tail:
        if head in tail:
            found.append("name=h-in-t")
        elif tail in head:
            found.append("name=t-in-h")
        elif head[:2] in tail or tail[:2] in head:
            found.append("name=share2")
        short, full = sorted((head, tail), key=len)
        if short != full and is_subsequence(short, full):
            found.append("name=subsequence")  # most likely one body, named twice
        for name, other, tag in ((tail, head, "t"), (head, tail, "h")):
            if aims_at(name, other):
                found.append(f"name=aim-in-{tag}")
    return found


def aims_at(name: str, other: str) -> bool:
    """Whether a body named for its aid (援马里医疗队, 帮扶青川医疗队) names `other` as where it
    goes: the first character after the aid word is among other's first three."""
    aim = _aim_of(name)
    return bool(aim) and aim in other[:3]


@lru_cache(maxsize=4096)  # asked for both names of every candidate pair: once per name
def _aim_of(name: str) -> str:
    """The first character after the first aid word a name holds (川 of 援川医疗队), or ""."""
    for word in _aid_words():
        at = name.find(word)
        if at >= 0:
            return name[at + len(word):at + len(word) + 1]
    return ""


@lru_cache(maxsize=1)
def _aid_words() -> tuple[str, ...]:
    """援 and the trigger lexicon's words of aid that name where it goes (帮扶青川, 对口支援剑阁;
    not 合作 or 指导, which name events), longest first."""
    words = {e.term for e in lexicon.load("triggers.tsv")
             if e.type == "aidedBy" and "…" not in e.term and ("援" in e.term or "帮扶" in e.term)}
    return tuple(sorted(words | {"援"}, key=lambda w: (-len(w), w)))


# A body's rank in the health system, from what its name says (who aids whom runs downhill: a
# university hospital helps a county one, a county hospital its township health centres).
RANKS = ((4, re.compile(r"大学|医学院|医科|附属|国家|中国|中华")), (0, re.compile(r"卫生院|卫生室|卫生服务|分院|村|乡|镇|街道|社区")),
         (1, re.compile(r"县|旗|(?<!自治)区")), (2, re.compile(r"市|州|盟|地区")), (3, re.compile(r"省|自治区")))
GAZETTEER_RANK = {"county": 1, "city": 2, "province": 3}


def rank(name: str) -> int | None:
    """0 township or village, 1 county, 2 city or prefecture, 3 province, 4 university or
    national; None when the name says nothing (the first marker in RANKS' order decides, then the
    place the name begins with)."""
    for value, marker in RANKS:
        if marker.search(name):
            return value
    for length in (3, 2):
        place = lexicon.places().get(name[:length])
        if place is not None and place.level in GAZETTEER_RANK:
            return GAZETTEER_RANK[place.level]
    return None


@lru_cache(maxsize=4096)
def area_fit(body: str, place: str) -> str:
    """How a place fits the areas a body's name begins with: "same" (one of them), "fits" (it
    can lie in or around each: `lexicon.place_fits`), "clash", "none" (the name begins with no
    area) or "unknown" (the place is not in the gazetteer)."""
    named = _named_areas(body)
    target = lexicon.places().get(place)
    if not named:
        return "none"
    if target is None:
        return "unknown"
    if any(p.name == target.name for p in named):
        return "same"
    return "fits" if all(lexicon.place_fits(p, target) for p in named) else "clash"


@lru_cache(maxsize=4096)
def region(name: str, is_place: bool) -> str | None:
    """Where a place, or a body by the first area its name begins with, lies at the scale aid runs
    between: its province's economic region (E, C, W, NE or HMT: economic_regions.tsv), "abroad"
    for a country, None where neither the name nor the gazetteer says (来凤县人民医院: C; 萨摩亚:
    abroad)."""
    gazetteer = lexicon.places()
    if is_place:
        named = [gazetteer[name]] if name in gazetteer else []
    else:
        named = _named_areas(name)
    for place in named:
        if place.level == "country":
            return "abroad"
        found = lexicon.economic_regions().get(place.province)
        if found:
            return found
    return None


def _named_areas(body: str) -> list[lexicon.Place]:
    """The gazetteer's places a body's name begins with (四川省广元市中心医院: 四川省, 广元市)."""
    gazetteer = lexicon.places()
    return [gazetteer[name] for _, _, name in lexicon.leading_places(body) if name in gazetteer]


def _region_features(head: Mention, tail: Mention) -> list[str]:
    """Each end's region, and the two together (W>E: a western body aided by an eastern one)."""
    regions = (region(head.key, head.label == "Place"), region(tail.key, tail.label == "Place"))
    found = [f"{end}reg={value}" for end, value in zip("ht", regions) if value is not None]
    if None not in regions:
        found.append(f"reg={regions[0]}>{regions[1]}")
    return found


def _rank_features(head: str, tail: str) -> list[str]:
    """Each end's rank and which of the two ranks higher."""
    ranks = (rank(head), rank(tail))
    found = [f"{name}rank={value}" for name, value in zip("ht", ranks) if value is not None]
    if None not in ranks:
        found.append("rank=" + ("t>h" if ranks[1] > ranks[0] else "t<h" if ranks[1] < ranks[0] else "t=h"))
    return found


def _earliest_by_label(mentions: tuple[Mention, ...], s0: int, s1: int) -> dict[str, int]:
    """Label → where the sentence's first mention of that label starts."""
    earliest: dict[str, int] = {}
    for x in mentions:
        if s0 <= x.start < s1 and x.start < earliest.get(x.label, x.start + 1):
            earliest[x.label] = x.start
    return earliest


class RelationModel:
    """Per kind: a bias, a threshold and a weight per feature."""

    def __init__(self, kinds: dict[str, dict]) -> None:
        self.kinds = kinds

    @classmethod
    def load(cls, path: str | Path) -> "RelationModel":
        return cls(read_model(path)["kinds"])

    def probability(self, kind: str, features: list[str]) -> float | None:
        model = self.kinds.get(kind)
        if model is None:
            return None
        score = linear_score(model, features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    def decide(self, kind: str, features: list[str], rule: bool) -> tuple[bool, float | None]:
        """Whether a pair is a relation, and its probability: at or above the kind's threshold for
        pairs a rule proposed, or for the others (both chosen at training time); the rule's vote,
        with no probability, where the model has no weights for the kind."""
        p = self.probability(kind, features)
        if p is None:
            return rule, None
        model = self.kinds[kind]
        return p >= (model.get("threshold_rule", model["threshold"]) if rule else model["threshold"]), p

    def floor(self, kind: str, head_label: str) -> float:
        """The least probability at which a head of that type with no relation of the kind above
        the thresholds takes its likeliest one (above 1, never: most heads of the kind have none)."""
        return self.kinds.get(kind, {}).get("floors", {}).get(head_label, 2.0)


def load_model(path: str | Path | None = None) -> RelationModel | None:
    """The shipped relation model (kg/models/relations.json); None when none ships."""
    from .models import shipped

    path = shipped(MODEL_FILE) if path is None else path
    return None if path is None else RelationModel.load(path)


def decide_relations(article: Article, mentions: tuple[Mention, ...],
                     rule_relations: tuple[MentionRelation, ...], model: RelationModel | None,
                     person_types: dict[str, str] | None = None
                     ) -> tuple[tuple[Mention, ...], tuple[MentionRelation, ...]]:
    """The mentions and the relations the model accepts among the candidate pairs (the rules'
    own when there is no model), and for each head with none of a kind, its likeliest pair of
    that kind over its type's floor (`RelationModel.floor`). Of the partOf relations a mention
    heads, only the likeliest stands, and so does the likeliest of the hospitals a story's person
    works at. A plain Person the model puts in a relation of care becomes the Doctor or Patient
    that relation needs (CARE_TYPES)."""
    if model is None:
        return mentions, rule_relations
    scored = []
    fallback: dict[tuple[str, str], tuple[Pair, float]] = {}
    for pair, features in iter_features(article, mentions, rule_relations, person_types):
        accepted, score = model.decide(pair.kind, features, pair.rule)
        if accepted:
            scored.append((pair, score))
        elif score is not None and score >= model.floor(pair.kind, pair.head.label):
            # under the threshold: its head's likeliest of the kind stands if the head has no other
            key = (pair.head.key, pair.kind)
            if key not in fallback or score > fallback[key][1]:
                fallback[key] = (pair, score)
    has_one = {(pair.head.key, pair.kind) for pair, _ in scored}
    scored.extend(best for key, best in fallback.items() if key not in has_one)
    # one mention of a unit is part of one body, and a person works at one hospital: of several
    # accepted, the likeliest stands
    scored = _likeliest(scored, lambda pair: pair.kind in ONE_TAIL, lambda pair: id(pair.head))
    scored = _likeliest(scored, lambda pair: pair.kind == "worksAt" and pair.tail.label in ONE_EMPLOYER,
                        lambda pair: pair.head.key)
    accepted = [pair for pair, _ in scored]
    retyped: dict[int, Mention] = {}
    for pair in accepted:
        for mention, label in zip((pair.head, pair.tail), CARE_TYPES.get(pair.kind, (None, None))):
            if label and mention.label == "Person" and id(mention) not in retyped:
                retyped[id(mention)] = replace(mention, label=label)

    def current(m: Mention) -> Mention:
        return retyped.get(id(m), m)

    relations = []
    for pair in accepted:
        head, tail = current(pair.head), current(pair.tail)
        heads, tails = RELATION_ENDS[pair.kind]
        if head.label in heads and tail.label in tails:
            relations.append(MentionRelation(head, pair.kind, tail, pair.evidence))
    return tuple(current(m) for m in mentions), tuple(relations)


def _likeliest(scored: list[tuple[Pair, float | None]], limited: Callable[[Pair], bool],
               group: Callable[[Pair], object]) -> list[tuple[Pair, float | None]]:
    """The scored pairs, of the `limited` ones only the likeliest of each `group` (a rule's pair
    with no score stands)."""
    best: dict = {}
    for pair, score in scored:
        if limited(pair) and score is not None:
            best[group(pair)] = max(best.get(group(pair), score), score)
    return [(pair, score) for pair, score in scored
            if not limited(pair) or score is None or score >= best[group(pair)]]


def iter_features(article: Article, mentions: tuple[Mention, ...],
                  rule_relations: tuple[MentionRelation, ...], person_types: dict[str, str] | None = None
                  ) -> Iterator[tuple[Pair, list[str]]]:
    """Each candidate pair with its features: what training labels and prediction scores."""
    # the features look only inside the pair's sentence: each pair is given that sentence's mentions
    by_sentence = {(s.start, s.end): tuple(m for m in mentions if s.start <= m.start < s.end)
                   for s in article.sentences}
    votes: dict[tuple[int, int], set[str]] = {}
    for r in rule_relations:
        votes.setdefault((id(r.head), id(r.tail)), set()).add(r.kind)
    earliest = {span: _earliest_by_label(inside, *span) for span, inside in by_sentence.items()}
    frequency: dict[str, int] = {}
    for m in mentions:
        if m.end > m.start:
            frequency[m.key] = frequency.get(m.key, 0) + 1
    # the same two ends in the same sentence are weighed for several kinds: their features once
    ends: dict[tuple[int, int, int, int], tuple[str, ...]] = {}
    for pair in candidate_pairs(article, mentions, rule_relations):
        span = (pair.evidence.start, pair.evidence.end)
        inside = by_sentence.get(span, mentions)
        key = (id(pair.head), id(pair.tail), *span, pair.source)
        if key not in ends:
            ends[key] = end_features(pair, article, inside, earliest.get(span))
        yield pair, pair_features(pair, article, inside, votes=votes, earliest=earliest.get(span),
                                  frequency=frequency, ends=ends[key], person_types=person_types)
