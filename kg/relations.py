"""Stage 4b: relations between the mentions of one article.

Rules read a sentence as a reader does: a person's unit is the institution written right before
their titles (血液内科王立新副主任医师); a department belongs to the institution before it or, in a
hospital's own newsletter, to the publisher; aid runs from the institution before a trigger verb
(帮扶, 对口支援, 援) to the one after it; hosts stand before 召开/举办 or after 在…举行; people
with 出席/参加/主持 took part in the sentence's event, or the latest one before it.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from . import lexicon
from .entities import TEAM_POINTERS, Analyzer
from .model import Article, Evidence, Mention, MentionRelation, Sentence

ORG_LABELS = {"Hospital", "Department", "MedicalTeam", "GovernmentAgency", "Organization"}
INSTITUTION_LABELS = {"Hospital", "MedicalTeam", "GovernmentAgency", "Organization"}
PERSON_LABELS = {"Doctor", "Patient", "Official", "Person"}
HELPER_LABELS = {"Hospital", "MedicalTeam", "Organization"}


@lru_cache(maxsize=None)
def _triggers(kind: str) -> tuple[str, ...]:
    """Literal trigger words of one relation kind; gapped patterns (在…帮扶下) and symmetric words
    (签约, 合作) are handled by the rules themselves."""
    return tuple(sorted((e.term for e in lexicon.load("triggers.tsv") if e.type == kind
                         and "…" not in e.term and "symmetric" not in e.note
                         and "member/leader" not in e.note), key=len, reverse=True))


AID_UNDER = re.compile(r"在([^，。；]{2,30}?)(?:的)?(?:技术力量的)?(?:帮扶|指导|支持|帮助|带动)下")
# Between an institution and the aid verb only adverbs and such may stand: 长期对口帮扶, 对…进行帮扶.
AID_GAP = re.compile(r"^[）)”\u4e00-\u9fff]{0,6}$")


def extract_relations(article: Article, mentions: tuple[Mention, ...], analyzer: Analyzer
                      ) -> tuple[tuple[Mention, ...], tuple[MentionRelation, ...]]:
    """Relations of one article; returns the mentions too, with fine person types settled and
    the places implied by institution names added."""
    if not article.publisher:
        article = replace(article, publisher=_we_hospital(article, mentions))
    mentions = tuple(sorted(_resolve_pointers(article, mentions), key=lambda m: (m.start, m.end)))
    if article.publisher:  # the publisher is an entity even where only the masthead names it
        mentions = (_publisher_org(article, Mention(article.id, 0, 0, "Pointer", "", "")),) + mentions
    mentions = tuple(_type_people(article, mentions, analyzer))
    found: list[MentionRelation] = []
    extra: list[Mention] = []
    triggers = {kind: _triggers(kind) for kind in
                ("aidedBy", "aidedBy_passive", "treated", "hosted", "participatedIn", "hasCondition")}
    last_event: Mention | None = _title_event(article, mentions)
    patients = [m for m in mentions if m.label == "Patient"]
    patient_names = {m.key for m in patients}
    for sentence in article.sentences:
        inside = [m for m in mentions if sentence.start <= m.start < sentence.end and m.end > m.start]
        ev = Evidence(article.id, sentence.text, sentence.start, sentence.end)

        def add(head: Mention, kind: str, tail: Mention) -> None:
            if head.key == tail.key or kind == "aidedBy" and tail.key.startswith(head.key):
                return  # nothing aids itself, nor a hospital the team it sent (省二院 … 省二院医疗队)
            found.append(MentionRelation(head, kind, tail, ev))

        text = article.text
        # worksAt and partOf: what stands right before a person or a department
        previous_unit = None
        for m in inside:
            if m.label in PERSON_LABELS and m.label != "Patient":
                unit = _unit_before(text, m, inside, analyzer)
                if unit is None and previous_unit is not None and _titled_after_comma(text, m, analyzer):
                    unit = previous_unit  # 部长刘海涛，副部长孙建平: the same unit, not repeated
                if unit is None and _generic_hospital_before(text, m, analyzer):
                    unit = _publisher_hospital(article, m) or _home_institution(article, mentions, m)
                if unit is None and _hospital_title(text, m, analyzer):
                    unit = (_nearest_before(m, inside, {"Hospital"}) or _publisher_hospital(article, m)
                            or _home_institution(article, mentions, m))
                if unit is None and _is_byline(text, m, analyzer):
                    unit = _line_unit(text, m, mentions) or _publisher_org(article, m)
                if unit is None and m.label == "Doctor":
                    unit = _only_department(mentions, m)  # 护士长周立 in a story about one department
                if unit:
                    add(m, "worksAt", unit)
                previous_unit = unit
                team = _team_of_member(sentence, m, inside)
                if team is not None and team is not unit:
                    add(m, "worksAt", team)
            if m.label == "Department":
                parent = (_adjacent_before(text, m, inside, INSTITUTION_LABELS)
                          or _team_hospital(sentence, m, inside, found)
                          or _nearest_before(m, inside, {"Hospital"})
                          or _publisher_hospital(article, m)
                          or _home_institution(article, mentions, m))
                if parent:
                    add(m, "partOf", parent)
            if m.label == "MedicalTeam":
                parent = _adjacent_before(text, m, inside, {"Hospital"}) or _prefix_institution(m, mentions)
                if parent:
                    add(m, "partOf", parent)
        # aid
        orgs = [m for m in inside if m.label in INSTITUTION_LABELS | {"Place"}]
        helpers = [m for m in orgs if m.label in HELPER_LABELS]  # an authority guides, it does not aid
        receivers = [m for m in orgs if m.label in ("Hospital", "Organization")]
        for trigger, passive in _find(sentence.text, triggers["aidedBy"], triggers["aidedBy_passive"]):
            at = sentence.start + trigger
            if any(m.start < at < m.end for m in inside if m.label != "Event"):
                continue  # the word is part of a name (对口帮扶医疗队)
            before = [m for m in (receivers if passive else helpers) if m.end <= at
                      and AID_GAP.match(text[m.end:at])]
            after = [m for m in (helpers if passive else receivers) if m.start >= at
                     and AID_GAP.match(text[at:m.start])]
            if before and after:
                helper, receiver = before[-1], after[0]
                if passive:
                    helper, receiver = receiver, helper
                add(receiver, "aidedBy", helper)
        for receiver, helper in _paired_aid(sentence, inside, triggers["aidedBy"]):
            add(receiver, "aidedBy", helper)
        for receiver in _members_of_publisher(article, sentence, inside):
            add(receiver, "aidedBy", _publisher_hospital(article, receiver))
        under = AID_UNDER.search(sentence.text)
        if under:
            span_start, span_end = sentence.start + under.start(1), sentence.start + under.end(1)
            givers = [m for m in helpers if span_start <= m.start < span_end]
            takers = ([m for m in receivers if m.end <= sentence.start + under.start()]
                      or [m for m in receivers if m.start >= sentence.start + under.end()])
            if givers and takers:
                add(takers[0], "aidedBy", givers[0])
        for team in (m for m in inside if m.label == "MedicalTeam"):
            aim = re.search("援(?:助)?([\u4e00-\u9fff]{2,8}?)(?:中国)?医疗队", team.text)
            if aim and aim.group(1) in analyzer.places:
                place = analyzer.places[aim.group(1)]
                target = Mention(article.id, team.start, team.end, "Place", aim.group(1), place.name)
                extra.append(target)
                add(target, "aidedBy", team)
            elif re.search("帮扶|支援|援", team.text):
                # the hospital the team goes to (赴, 抵达, 进驻): not the one that sent it
                later = [m for m in inside if m.start > team.end and m.label == "Hospital"
                         and not team.key.startswith(m.key)
                         and TEAM_DESTINATION.search(text[max(0, m.start - 3):m.start])]
                if later:
                    add(later[0], "aidedBy", team)
        # events: hosts and participants
        events = [m for m in inside if m.label == "Event"]
        for event in events:
            for host in _hosts(sentence, event, inside):
                add(host, "hosted", event)
            for place in _event_places(sentence, event, inside):
                add(event, "locatedIn", place)
        people = [m for m in inside if m.label in PERSON_LABELS and m.label != "Patient"]
        live = [e for e in events if not re.match(r"(后|之后|结束后)", text[e.end:e.end + 3])]
        if _find_any(sentence.text, triggers["participatedIn"]):
            target = live[0] if live else last_event
            if target:
                for person in people:
                    add(person, "participatedIn", target)

        # 座谈会后，…: an event named as a time anchor is over; what follows is not part of it
        current = [e for e in events if not re.match(r"(后|之后|结束后|期间)", text[e.end:e.end + 3])]
        if current:
            last_event = current[-1]
        elif events:
            last_event = None
        # care: doctors and patients, patients and conditions
        here_patients = [m for m in inside if m.label == "Patient"]
        if not here_patients and len(patient_names) == 1:
            here_patients = [p for p in patients][:1]
        if here_patients and _find_any(sentence.text, triggers["treated"]):
            for doctor in (m for m in inside if m.label == "Doctor"):
                for patient in here_patients:
                    add(doctor, "treated", patient)
        conditions = [m for m in inside if m.label == "Condition"]
        if conditions and here_patients and (
                any(p in inside for p in here_patients) or _find_any(sentence.text, triggers["hasCondition"])):
            for condition in conditions:
                add(here_patients[0], "hasCondition", condition)
    # locatedIn: the areas that begin an institution's name
    for m in mentions:
        if m.label in INSTITUTION_LABELS:
            for start, end, place in lexicon.leading_places(m.key):
                # a mention is a span of the text; the publisher's place is named nowhere in it
                spelled = article.text.startswith(m.key[start:end], m.start + start)
                target = (Mention(article.id, m.start + start, m.start + end, "Place", m.key[start:end], place)
                          if spelled else Mention(article.id, m.start, m.start, "Place", "", place))
                extra.append(target)
                found.append(MentionRelation(m, "locatedIn", target, _evidence_at(article, m)))
    return mentions + tuple(extra), tuple(found)


# joining an alliance (医联体, 托管): the larger hospital aids the member
ALLIANCE = r"医联体|医共体|医疗联合体|医疗共同体|共建|托管|专科联盟"
PAIR_AID = re.compile(rf"{ALLIANCE}|帮扶|对口|技术合作")
GRASSROOTS = re.compile(r"(卫生院|卫生服务站|卫生服务中心|卫生室)$")
GO_TO = re.compile(r"(赴|到|前往|抵达|深入|走进)$")
TEAM_DESTINATION = re.compile(r"(赴|到|前往|抵达|进驻|入驻|深入|走进|支援|援助|帮扶|扎根|对口)$")


def _paired_aid(sentence: Sentence, inside, words) -> list[tuple[Mention, Mention]]:
    """Aid stated without a verb between the two sides:
    甲医院与乙卫生院…医联体 (the larger aids the member: a township health centre is never the
    helper, else the first named leads); 甲医院组织专家赴乙医院开展帮扶 (the subject aids the place
    it goes to)."""
    hospitals = [m for m in inside if m.label == "Hospital"]
    text, base = sentence.text, sentence.start
    if not PAIR_AID.search(text):
        return []
    pairs = []
    for a, b in zip(hospitals, hospitals[1:]):
        if text[a.end - base:b.start - base] in ("与", "和", "同", "、") and PAIR_AID.search(text[b.end - base:]):
            if GRASSROOTS.search(a.key) and GRASSROOTS.search(b.key):
                continue  # two township centres side by side are peers, not helper and helped
            helper, receiver = (b, a) if GRASSROOTS.search(a.key) else (a, b)
            pairs.append((receiver, helper))
    for m in hospitals:
        before = text[max(0, m.start - base - 2):m.start - base]
        if GO_TO.search(before) and _find_any(text[m.end - base:], words):
            subject = next((x for x in inside if x.label in ("Hospital", "MedicalTeam") and x.end <= m.start), None)
            if subject is not None and subject.key != m.key:
                pairs.append((m, subject))
    return pairs


MEMBERSHIP_AID = re.compile(ALLIANCE)


def _members_of_publisher(article: Article, sentence: Sentence, inside) -> list[Mention]:
    """A hospital's own news on its 医联体: the township centres it names alone, with no other
    hospital in the sentence, are the publisher's members (为甲卫生院、乙卫生院医联体共建科室授牌)."""
    if not article.publisher or _label_of(article.publisher) != "Hospital" or GRASSROOTS.search(article.publisher):
        return []
    if not MEMBERSHIP_AID.search(sentence.text):
        return []
    hospitals = [m for m in inside if m.label == "Hospital"]
    if not hospitals or not all(GRASSROOTS.search(m.key) for m in hospitals):
        return []  # another hospital (or the publisher itself) is named: the paired rule reads it
    return hospitals


def _we_hospital(article: Article, mentions: tuple[Mention, ...]) -> str | None:
    """Who 我院 is when no masthead says: the first hospital the story names, unless the story
    sets it beside 我院 (我院和苍溪县人民医院 are two hospitals)."""
    text = article.text
    if "我院" not in text and "本院" not in text:
        return None
    beside = set()
    for m in mentions:
        if m.label == "Hospital" and (re.search(r"(我院|本院)(和|与|及|、)$", text[max(0, m.start - 3):m.start])
                                      or re.match(r"(和|与|及|、)(我院|本院)", text[m.end:m.end + 3])):
            beside.add(m.key)
    first = next((m for m in sorted(mentions, key=lambda m: m.start)
                  if m.label == "Hospital" and m.key not in beside and m.end > m.start), None)
    return first.key if first else None


def _title_event(article: Article, mentions: tuple[Mention, ...]) -> Mention | None:
    """The event a story is about: the one its title names, else none yet."""
    title_end = len(article.title) if article.text.startswith(article.title) else 0
    events = [m for m in mentions if m.label == "Event" and m.start < max(title_end, 1)]
    return events[0] if events else None


def _find(text: str, active: tuple[str, ...], passive: tuple[str, ...]):
    taken: set[int] = set()
    for words, is_passive in ((passive, True), (active, False)):
        for word in words:
            for match in re.finditer(re.escape(word), text):
                if not taken.intersection(range(*match.span())):
                    taken.update(range(*match.span()))
                    yield (match.end() if is_passive else match.start()), is_passive


def _find_any(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def _evidence_at(article: Article, m: Mention) -> Evidence:
    for s in article.sentences:
        if s.start <= m.start < s.end:
            return Evidence(article.id, s.text, s.start, s.end)
    return Evidence(article.id, m.text, m.start, m.end)


OPENINGS = ("开班仪式", "结业仪式", "开幕式", "闭幕式", "启动仪式", "开班式", "结业式")


def _refers_to(bare: str, named: str) -> bool:
    """A bare 座谈会 refers to an earlier 帮扶工作座谈会, not to a 培训活动; an opening ceremony
    refers to whatever it opened."""
    return bare in OPENINGS or bare[-1] == named[-1]


def _resolve_pointers(article: Article, mentions: tuple[Mention, ...]):
    """我院 is the publisher; 该院 the hospital last named; other pointers name nothing."""
    publisher_label = _label_of(article.publisher) if article.publisher else None
    last_hospital = None
    teams = [m for m in mentions if m.label == "MedicalTeam"]
    for m in sorted(mentions, key=lambda m: m.start):
        if m.label == "Hospital":
            last_hospital = m
        if m.label not in ("Pointer", "EventRef"):
            yield m
        elif m.text in TEAM_POINTERS:
            same_kind = [t for t in teams if t.key.endswith(m.text)] or teams
            earlier = [t for t in same_kind if t.start < m.start] or same_kind
            if earlier:
                yield Mention(m.article, m.start, m.end, "MedicalTeam", m.text, earlier[-1].key)
        elif m.text in ("我院", "本院") and article.publisher and publisher_label:
            yield Mention(m.article, m.start, m.end, publisher_label, m.text, article.publisher)
        elif m.text == "该院" and last_hospital:
            yield Mention(m.article, m.start, m.end, "Hospital", m.text, last_hospital.key)
        elif m.label == "EventRef":
            named = [e for e in mentions if e.label == "Event" and _refers_to(m.text, e.text)]
            earlier = [e for e in named if e.start < m.start]
            target = earlier[-1] if earlier else (named[0] if named else None)
            yield Mention(m.article, m.start, m.end, "Event", m.text, target.key if target else m.key, m.date)


def _label_of(name: str) -> str | None:
    if re.search("(医院|卫生院|卫生服务站|卫生服务中心|门诊部|保健院)$", name):
        return "Hospital"
    if re.search("(委|局|政府|委员会)$", name):
        return "GovernmentAgency"
    return "Organization"


ADMIN_UNIT = re.compile(r"办|处|部|会|股|党|宣传|财务|人事|信息|后勤|保卫|医务|科教|质控|院感|医保")


def _clinical(unit: Mention, an: Analyzer) -> bool:
    """A clinical department (心内科, 胸痛中心) rather than an office (医务科, 党委办公室)."""
    kind = an.departments.get(unit.key)
    if kind:
        return kind == "clinical"
    return unit.label == "Department" and not ADMIN_UNIT.search(unit.key)


def _in_byline(text: str, m: Mention) -> bool:
    """（发育行为科 张敏 医疗发展部 周明远）closing a paragraph."""
    opening = text.rfind("（", max(0, m.start - 40), m.start)
    closing = text.find("）", m.end, m.end + 40)
    if opening < 0 or closing < 0 or "）" in text[opening:m.start]:
        return False
    inside = text[opening + 1:closing]
    return " " in inside and not re.search("[，。；]", inside) and text[closing + 1:closing + 2] in ("", "\n")


def _type_people(article: Article, mentions: tuple[Mention, ...], an: Analyzer):
    """Fine person types from the titles next to each name and the unit before them: a clinical
    title or a clinical department makes a doctor; a government body an official; an ambiguous
    title (主任, 教授) takes its sense from the unit."""
    text = article.text
    for m in mentions:
        if m.label != "Person":
            yield m
            continue
        titles = _titles_around(text, m, an)
        firm = {an.titles[t] for t in titles if t not in an.ambiguous_titles}
        unit = _unit_before(text, m, mentions, an)
        clinical = unit is not None and unit.label == "Department" and _clinical(unit, an)
        government = unit is not None and unit.label == "GovernmentAgency"
        institution = unit is not None and unit.label in ("Hospital", "Department", "Organization")
        sentence = next((s for s in article.sentences if s.start <= m.start < s.end), None)
        member = sentence is not None and MEMBERSHIP.search(sentence.text) and any(
            x.label == "MedicalTeam" and sentence.start <= x.start < sentence.end for x in mentions)
        if "Patient" in firm:
            label = "Patient"
        elif _in_byline(text, m):
            label = "Person"  # the author of the story, whatever their department
        elif government and titles:
            label = "Official"
        elif "Doctor" in firm or clinical:
            label = "Doctor"
        elif "Official" in firm and not institution:
            label = "Official"
        elif member:
            label = "Doctor"  # a member of a medical team is medical staff
        elif titles and unit is None and any(an.titles[t] == "Official" for t in titles):
            label = "Official"  # 党工委委员、管委会副主任刘海涛
        else:
            label = "Person"
        yield Mention(m.article, m.start, m.end, label, m.text, m.name, m.date)


def _titles_around(text: str, m: Mention, an: Analyzer) -> list[str]:
    found = []
    pos = m.start
    while pos > 0:
        gap = re.search(r"[、\s]*$", text[max(0, pos - 3):pos])
        step = pos - (len(gap.group()) if gap else 0)
        hit = None
        for match in an.title_re.finditer(text, max(0, step - 8), step):
            if match.end() == step and (hit is None or match.start() < hit.start()):
                hit = match
        if not hit:
            break
        found.append(hit.group())
        pos = hit.start()
    after = an.title_re.match(text, m.end)
    if after:
        found.append(after.group())
    before_patient = re.search(r"(患者|患儿|病人|伤者)$", text[max(0, m.start - 3):m.start])
    if before_patient:
        found.append(before_patient.group())
    return [t for t in found if t in an.titles]


def _unit_before(text: str, m: Mention, mentions, an: Analyzer) -> Mention | None:
    """The institution written right before a person's titles (or byline names)."""
    pos = m.start
    ends = {x.end: x for x in mentions if x.label in ORG_LABELS}
    people_ends = {x.end: x for x in mentions if x.label in PERSON_LABELS}
    for _ in range(8):
        if pos in ends:
            return ends[pos]
        filler = re.search(r"(领导班子|班子成员|领导)$", text[max(0, pos - 4):pos])
        if filler:
            pos -= len(filler.group())
            continue
        gap = re.search(r"[、\s]+$", text[max(0, pos - 3):pos])
        if gap:
            pos -= len(gap.group())
            continue
        hit = None
        for match in an.title_re.finditer(text, max(0, pos - 8), pos):
            if match.end() == pos and (hit is None or match.start() < hit.start()):
                hit = match
        if hit:
            inside_title = [e for e in ends if hit.start() < e < pos]
            if inside_title:  # 心内科|主任 read as 心内[科主任]: the unit ends inside the title
                return ends[max(inside_title)]
            pos = hit.start()
            continue
        if pos in people_ends and text[pos:pos + 1] == " ":
            pos = people_ends[pos].start  # byline: 科室 张三 李四
            continue
        break
    return None


MEMBERSHIP = re.compile(r"队员|成员|队长|副队长|领队|带队")
def _is_byline(text: str, m: Mention, an: Analyzer) -> bool:
    """记者张明远, 作者：孙建平, 初审|张三、李四: the people who wrote, edited or checked the story."""
    if an.credit_role_before_re.search(text, max(0, m.start - 12), m.start):
        return True
    # a credit line: a role and a separator open the line, names follow (编辑：李四 王五, 文|李四)
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    line_length = (len(text) if line_end < 0 else line_end) - line_start
    return line_length < 80 and bool(an.credit_line_re.match(text, line_start, m.start))


def _line_unit(text: str, m: Mention, mentions) -> Mention | None:
    """来源：宣传统战部 作者：张三 — the unit named on the byline's own line."""
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    line_end = len(text) if line_end < 0 else line_end
    units = [x for x in mentions if x.label in ORG_LABELS and line_start <= x.start < line_end
             and re.search(r"(来源|部门|单位)\s*[:：]\s*$", text[max(line_start, x.start - 6):x.start])]
    return units[0] if units else None


def _publisher_org(article: Article, m: Mention) -> Mention | None:
    if article.publisher:
        label = _label_of(article.publisher) or "Organization"
        return Mention(article.id, m.start, m.start, label, "", article.publisher)
    return None


def _team_hospital(sentence: Sentence, m: Mention, inside, found) -> Mention | None:
    """医务科周立副主任 in a list of a team's members: a department of the team's hospital."""
    team = _team_of_member(sentence, m, inside)
    if team is None:
        return None
    parents = [r.tail for r in found if r.kind == "partOf" and r.head.key == team.key]
    return parents[0] if parents else None


def _team_of_member(sentence: Sentence, m: Mention, inside) -> Mention | None:
    """赵峰是该医疗队的队员; 专家团队由…带队，成员包括：…: a member of the team."""
    teams = [x for x in inside if x.label == "MedicalTeam"]
    if not teams or not MEMBERSHIP.search(sentence.text):
        return None
    return teams[0]


def _title_run_start(text: str, position: int, an: Analyzer) -> int:
    """Start of the run of titles (joined by 、) that ends at position."""
    pos = position
    while True:
        hit = None
        for match in an.title_re.finditer(text, max(0, pos - 8), pos):
            if match.end() == pos and (hit is None or match.start() < hit.start()):
                hit = match
        if not hit:
            return pos
        pos = hit.start()
        if text[pos - 1:pos] == "、":
            pos -= 1


def _titled_after_comma(text: str, m: Mention, an: Analyzer) -> bool:
    start = _title_run_start(text, m.start, an)
    return start < m.start and text[start - 1:start] in ("，", "、", "和", "与", "及")


def _hospital_title(text: str, m: Mention, an: Analyzer) -> bool:
    """院长赵峰, 赵峰院长, 总会计师周立: a title that only a hospital gives."""
    start = _title_run_start(text, m.start, an)
    after = an.title_re.match(text, m.end)
    titles = [match.group() for match in an.title_re.finditer(text, start, m.start)]
    return any(t in an.hospital_titles for t in titles + ([after.group()] if after else []))


def _generic_hospital_before(text: str, m: Mention, an: Analyzer) -> bool:
    """医院党委书记孙建平: the hospital the article is about."""
    start = _title_run_start(text, m.start, an)
    return start < m.start and text[max(0, start - 2):start] in ("医院", "本院", "我院")


def _adjacent_before(text: str, m: Mention, mentions, labels) -> Mention | None:
    for x in mentions:
        if x.label in labels and (x.end == m.start or x.end + 1 == m.start and text[x.end] == "的"):
            return x
    return None


def _prefix_institution(m: Mention, mentions) -> Mention | None:
    for x in mentions:
        if x.label == "Hospital" and m.text.startswith(x.key) and len(m.text) > len(x.key):
            return x
    return None


def _publisher_hospital(article: Article, m: Mention) -> Mention | None:
    """In a hospital's own news, a department named alone is one of the publisher's."""
    if article.publisher and _label_of(article.publisher) == "Hospital":
        return Mention(article.id, m.start, m.start, "Hospital", "", article.publisher)
    return None


def _only_department(mentions, m: Mention) -> Mention | None:
    """The department of a story that names exactly one, named before the person."""
    departments = [x for x in mentions if x.label == "Department"]
    if len({x.key for x in departments}) == 1 and departments[0].start < m.start:
        return departments[0]
    return None


def _nearest_before(m: Mention, inside, labels) -> Mention | None:
    before = [x for x in inside if x.label in labels and x.end <= m.start]
    return before[-1] if before else None


def _home_institution(article: Article, mentions, m: Mention) -> Mention | None:
    """Otherwise it belongs to the hospital the article is most about."""
    hospitals = Counter(x.key for x in mentions if x.label == "Hospital")
    if hospitals:
        name = hospitals.most_common(1)[0][0]
        return next(x for x in mentions if x.label == "Hospital" and x.key == name)
    return None


HOST_BEFORE = re.compile(r"(召开|举办|主办|承办|举行|组织|开展)")


VENUE_AFTER = re.compile(r"(隆重|成功|顺利|正式|盛大)?(举行|召开|举办|开展|进行|开班|开幕|启动|拉开帷幕)")
# 在县医院大厅开展义诊: the rooms and grounds of an institution are the institution's premises
PREMISES = re.compile(r"^(门诊大厅|大厅|学术报告厅|报告厅|会议室|会议中心|礼堂|多功能厅|广场|门前|院内|内|门诊楼|住院楼|住院部)")
JOINTLY = re.compile(r"^(联合|共同)")
ORGANISER_AFTER = re.compile(r"(主办|承办|举办|组织|主持|协办)")
VISIT_BEFORE = ("来到", "走进", "抵达", "深入", "前往", "到", "赴")
JOINED = re.compile(r"^(、|和|与|及|联合|携手|会同)$")


def _hosts(sentence: Sentence, event: Mention, inside) -> list[Mention]:
    """Who hosted an event, read from the sentence:
    在 X、Y 举行 (the venue); 由 X 主办 (the organiser); 走进 X 开展 (the place visited);
    X 联合 Y 召开/开展 … (the subject and whoever joins it); X 与 Y … 签约仪式 (those the name begins with)."""
    candidates = [m for m in inside if m.label in INSTITUTION_LABELS | {"Department"}]
    text, base = sentence.text, sentence.start
    found: list[Mention] = []

    def chain(first: Mention) -> list[Mention]:
        """first, and the institutions joined to it by 、 和 与 联合 …"""
        group = [first]
        for m in candidates:
            if m.start > group[-1].end and JOINED.match(text[group[-1].end - base:m.start - base]):
                group.append(m)
        return group

    for m in candidates:
        s, e = m.start - base, m.end - base
        if m.start >= event.start and m.end <= event.end:
            continue
        if text[max(0, s - 1):s] == "在":
            group = chain(m)
            if VENUE_AFTER.match(PREMISES.sub("", text[group[-1].end - base:], count=1)):
                found.extend(group)
                # 专家团队在县医院开展培训: whoever does it there hosts it too
                clause = text[:s - 1].rsplit("，", 1)[-1]
                doers = [x for x in candidates if x.end <= m.start - 1 and x.start - base >= s - 1 - len(clause)
                         and not (event.start <= x.start and x.end <= event.end)]
                found.extend(doers[:1])
        elif text[max(0, s - 1):s] == "由":
            group = chain(m)
            if ORGANISER_AFTER.match(JOINTLY.sub("", text[group[-1].end - base:], count=1)):
                found.extend(group)
        elif any(text[max(0, s - len(v)):s] == v for v in VISIT_BEFORE) and m.end <= event.start:
            found.extend(chain(m))
        elif m.end <= event.start and event.start - m.end <= 40 and ORGANISER_AFTER.match(
                JOINTLY.sub("", text[e:], count=1)) and "，" not in text[e:event.start - base]:
            found.append(m)  # 由甲、乙联合主办，我院承办的…培训班: each organiser before the event
    before = [m for m in candidates if m.end <= event.start]
    if before and not found:
        subject = before[0]
        group = chain(subject)
        between = text[group[-1].end - base:event.start - base]
        if HOST_BEFORE.search(between) and len(between) <= 40:
            found.extend(group)
        elif HOST_BEFORE.search(text[before[-1].end - base:event.start - base]) and \
                event.start - before[-1].end <= 20:
            found.append(before[-1])
    # 甲医院与乙卫生院技术帮扶合作签约仪式: the parties the event is named after
    lead = [m for m in candidates if m.start == event.start]
    if lead and re.search("签约|签署|合作|共建|揭牌", event.text):
        found.extend(chain(lead[0]))
    return list(dict.fromkeys(found))


def _event_places(sentence: Sentence, event: Mention, inside) -> list[Mention]:
    """在陕州区举行, 走进二印社区开展: the place where the event happened."""
    text, base = sentence.text, sentence.start
    places = []
    for m in inside:
        if m.label != "Place" or (event.start <= m.start and m.end <= event.end):
            continue
        s = m.start - base
        if text[max(0, s - 1):s] in ("在", "赴", "到") or text[max(0, s - 2):s] in ("走进", "来到", "前往"):
            places.append(m)
    return places
