"""Stage 5: one entity per real thing across all articles of a build.

Mentions are grouped by type group and name. Names then merge when the text declares an
abbreviation (`（以下简称川大五院）`) or gives a body's other name in brackets right after it
(甲医院（乙医院）), when a short form is a subsequence of exactly one full name of the same file
(市一院 → 广元市第一医院, 县卫健局 → 青川县卫健局; of several, the one that ends with it whole)
that keeps its kind of hospital (某县医院 is not 某县中医院) and, for a name relative to its area
(市中心医院), whose area the file names no less often than any other area of that level,
when the file names a body once with and once without the area it lies in or the university it
belongs to first (浙江安吉县人民医院, 安吉县人民医院) or names its place without the level (青溪中心卫生院,
青溪镇中心卫生院), when a foreign name is the first part of a full one (阿卜杜拉), and when 小周 or 老周
calls the one 周 the file names in full. Departments are told apart by the
institution they belong to (one named alone is the one of that name its file places, if its file
places only one); events by article and date, those of one article merging when one name is a
shorter form of the other; names that say which one they are only inside their file (县人民医院,
县委, 专家团队) by file, and so are patients (a story's 王先生 is not another story's). Entity ids
come from (group, canonical name[, file]), never from counters.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator

from . import lexicon
from .model import (RELATION_ENDS, Article, Entity, Evidence, Extraction, KnowledgeGraph, Mention,
                    PERSON_TYPES, Relation)

ABBREVIATION = re.compile(r"（(?:后|以下|下)?简称[“\"]?([\u4e00-\u9fff\w]{2,12})[”\"]?）")
# 甲医院（乙医院）: the body's other name in brackets right after it (a second name, a former one)
OTHER_NAME = re.compile(r"[（(][^（）()]{2,30}[）)]")
BODY_GROUPS = ("Hospital", "Department", "MedicalTeam", "GovernmentAgency", "Organization")
GROUP_SLUG = {"Hospital": "hospital", "Department": "department", "MedicalTeam": "team",
              "GovernmentAgency": "agency", "Organization": "organization", "Place": "place",
              "Event": "event", "Condition": "condition", "Person": "person"}
GENERIC_HOSPITAL = re.compile(r"[省市县区州镇乡]?(医院|卫生院|中医院)")
PERSON_PRIORITY = ("Patient", "Doctor", "Official", "Person")
SHORT_LEAD = set("省市县区州")
# The kinds of hospital a short form may leave out (县医院 for 某县人民医院); any other kind it keeps.
GENERAL_HOSPITAL_KINDS = ("医院", "人民医院", "中心医院", "总医院", "附属医院")
AREA_LEVEL = set("省市县区州镇乡旗")
FAMILIAR = set("小老")  # 小周, 老周: a person called by surname


def group_of(label: str) -> str:
    return "Person" if label in PERSON_TYPES else label


def entity_id(group: str, name: str, date: str | None = None) -> str:
    digest = hashlib.sha1(f"{group}\t{name}\t{date or ''}".encode("utf-8")).hexdigest()[:12]
    return f"{GROUP_SLUG[group]}/{digest}"


def is_subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return all(ch in it for ch in short)


def resolve(extractions: list[Extraction]) -> KnowledgeGraph:
    """Merge the mentions and relations of every article into entities and relations."""
    articles = tuple(x.article for x in extractions)
    by_article = {x.article.id: x.article for x in extractions}
    mentions = [m for x in extractions for m in x.mentions]
    mention_relations = [r for x in extractions for r in x.relations]

    # Departments are named by their institution: 医务科 of two hospitals are two departments.
    parents: dict[tuple, str] = {}
    for r in mention_relations:
        if r.kind == "partOf" and r.head.label == "Department":
            parents.setdefault(_mkey(r.head), r.tail.key)

    canonical = _canonical_names(mentions, by_article)

    def canonical_name(m: Mention) -> str:
        return canonical.get((group_of(m.label), m.key, _file(m.article)), m.key)

    def home(m: Mention) -> str | None:
        parent = parents.get(_mkey(m))
        return canonical.get(("Hospital", parent, _file(m.article)), parent) if parent else None

    # a department named without its institution is the one of that name its file places somewhere,
    # when the file places only one (神经外科 after 某医院神经外科)
    homes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in mentions:
        hospital = home(m) if m.label == "Department" else None
        if hospital:
            homes[(_file(m.article), department_core(canonical_name(m)))].add(hospital)

    # A patient is a person of their file: news name patients by pseudonyms and forms such as
    # 王先生 or 患儿冬冬 that other stories give other people (the annotations' persons of one name
    # in two files are two people). Other persons of one name are one across files.
    patients = {(_file(m.article), canonical_name(m)) for m in mentions if m.label == "Patient"}

    def cluster(m: Mention) -> tuple:
        group = group_of(m.label)
        name = canonical_name(m)
        if group == "Person" and (_file(m.article), name) in patients:
            return (group, name, _file(m.article))
        if group == "Department":
            core = department_core(name)
            only = homes.get((_file(m.article), core), set())
            return (group, core, home(m) or (next(iter(only)) if len(only) == 1 else _file(m.article)))
        if group == "Event":
            return (group, name, m.article)
        if group != "Person" and _relative(group, name):
            return (group, name, _file(m.article))
        return (group, name)

    members: dict[tuple, list[Mention]] = defaultdict(list)
    for m in mentions:
        members[cluster(m)].append(m)
    members = _merge_events(members)
    event_of = {id(m): key for key, ms in members.items() for m in ms}

    entities: dict[tuple, Entity] = {}
    for key, ms in sorted(members.items(), key=lambda kv: kv[0]):
        group, name = key[0], key[1]
        if group == "Hospital" and GENERIC_HOSPITAL.fullmatch(name):
            continue  # 县医院 that no full name in its file explains names no particular hospital
        keys = Counter(m.key for m in ms)
        names = keys + Counter(m.text for m in ms if m.text and m.text != m.key)
        if group == "Department":  # the name the text uses most, the longest of equals
            name = max(keys.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
        aliases = tuple(sorted(n for n in names if n != name and not _pointer(n)))
        if group == "Person":
            labels = {m.label for m in ms}
            label = next(t for t in PERSON_PRIORITY if t in labels)
        else:
            label = group
        dates = Counter(m.date for m in ms if m.date)
        date = dates.most_common(1)[0][0] if dates else None
        if group == "Department" or len(key) == 3 and group != "Event":
            ident = entity_id(group, f"{key[1]}@{key[2]}")
        elif group == "Event":
            ident = entity_id(group, name, date or ms[0].article)
        else:
            ident = entity_id(group, name)
        entities[key] = Entity(ident, name, label, aliases,
                               tuple(sorted({m.article for m in ms})), date)

    def entity_of(m: Mention) -> Entity | None:
        key = event_of.get(id(m)) or cluster(m)
        return entities.get(key)

    relations: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for r in mention_relations:
        head, tail = entity_of(r.head), entity_of(r.tail)
        if head is None:
            head = _lookup(entities, r.head, cluster)
        if tail is None:
            tail = _lookup(entities, r.tail, cluster)
        if head is None or tail is None or head.id == tail.id:
            continue
        heads, tails = RELATION_ENDS[r.kind]
        if head.type not in heads or tail.type not in tails:
            continue  # a person typed from all their mentions may no longer fit (a doctor who was a patient)
        relations[(head.id, r.kind, tail.id)].append(r.evidence)

    # synthetic mentions (publisher as a department's home) become entities when missing
    known_ids = {e.id for e in entities.values()}
    result_relations = tuple(
        Relation(h, k, t, tuple(dict.fromkeys(ev)))
        for (h, k, t), ev in sorted(relations.items()) if h in known_ids and t in known_ids)
    return KnowledgeGraph(articles, tuple(sorted(entities.values(), key=lambda e: e.id)),
                          result_relations)


HOSPITAL_PREFIX = re.compile(r"^[\u4e00-\u9fff]{0,12}?(?:医院|卫生院)(?=[\u4e00-\u9fff]{2})")


def department_core(name: str) -> str:
    """A department's name without the hospital it repeats or the word 临床: 市中心医院办公室,
    医院办公室 and 办公室 of one hospital are one office; 临床营养科 and 营养科 one department."""
    core = HOSPITAL_PREFIX.sub("", name)
    if core.startswith("临床") and len(core) > 3:
        core = core[2:]
    return core


def _lookup(entities, m: Mention, cluster) -> Entity | None:
    return entities.get(cluster(m))


def _mkey(m: Mention) -> tuple:
    return (m.article, m.start, m.end, m.key)


def _pointer(name: str) -> bool:
    return name in ("我院", "本院", "该院", "两院")


def _canonical_names(mentions: list[Mention], by_article: dict[str, Article]) -> dict[tuple, str]:
    """(group, surface name, file) → the full name it stands for, where the text allows it."""
    result: dict[tuple, str] = {}
    by_file: dict[str, list[Mention]] = defaultdict(list)
    in_article: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_file[_file(m.article)].append(m)
        in_article[m.article].append(m)
    declared: dict[str, str] = {}
    for article in by_article.values():
        for match, body in declarations(article.text, in_article[article.id],
                                        lambda m: group_of(m.label) != "Person"):
            declared[match.group(1)] = body.key
        declared.update((other, name) for other, name in _other_names(article, in_article[article.id])
                        if other not in declared)
    # across files: 国家卫健委 in one and 国家卫生健康委 in another are one body
    longest: dict[tuple[str, str], str] = {}
    for m in mentions:
        group = group_of(m.label)
        if group not in ("Person", "Event", "Condition", "Department"):
            key = (group, _abbreviate(m.key))
            if len(m.key) > len(longest.get(key, "")):
                longest[key] = m.key
    for file, ms in by_file.items():
        names: dict[str, Counter] = defaultdict(Counter)
        for m in ms:
            names[group_of(m.label)][m.key] += 1
        for group, counter in names.items():
            for name in counter:
                full = declared.get(name)
                if full and full in counter:
                    result[(group, name, file)] = full
                    continue
                target = name
                for _ in range(3):  # 县医院 → 青川县医院 → 青川县人民医院
                    target = _expand(group, target, counter, names.get("Place")) or target
                if declared.get(target) in counter:  # 市人民医院 → 广元市人民医院, 广元市中心医院's other name
                    target = declared[target]
                target = longest.get((group, _abbreviate(target)), target)
                if target != name:
                    result[(group, name, file)] = target
    return result


def declarations(text: str, mentions: Iterable[Mention], accept: Callable[[Mention], bool]
                 ) -> Iterator[tuple[re.Match, Mention]]:
    """Each short name the text declares (某某医院（以下简称某院）: the match, its name in group 1)
    with the mention it names: the last of the `mentions` that `accept` takes ending right
    before the declaration."""
    mentions = list(mentions)
    for match in ABBREVIATION.finditer(text):
        before = [m for m in mentions if m.end <= match.start() and match.start() - m.end <= 1 and accept(m)]
        if before:
            yield match, before[-1]


def _other_names(article: Article, mentions: list[Mention]) -> Iterator[tuple[str, str]]:
    """(other name, name) of each body named with its other name in brackets right after it, both
    mentions of one type: 甲医院（乙医院）."""
    spans = {(m.start, m.end): m for m in mentions if group_of(m.label) in BODY_GROUPS}
    ending = {m.end: m for m in sorted(spans.values(), key=lambda m: -m.start)}  # the longest at each end
    for match in OTHER_NAME.finditer(article.text):
        other = spans.get((match.start() + 1, match.end() - 1))
        body = ending.get(match.start())
        if other and body and group_of(body.label) == group_of(other.label) and body.key != other.key:
            yield other.key, body.key


def _expand(group: str, name: str, counter: Counter, places: Counter | None = None) -> str | None:
    """The one full name of the file (`counter`: its names of the group) that `name` is a
    shorter form of, or None; `places`: the file's place names, to choose among full names that
    differ in their area."""
    if group == "Person":
        if len(name) == 2 and name[0] in FAMILIAR:  # 小周, 老周: the one 周 the file names in full
            longer = [n for n in counter if len(n) >= 2 and n[0] == name[1] and n[0] not in FAMILIAR]
            return longer[0] if len(longer) == 1 else None
        if "·" not in name:
            longer = [n for n in counter if "·" in n and n.split("·")[0] == name]
            return longer[0] if len(longer) == 1 else None
        return None
    if group == "Place":
        longer = [n for n in counter if len(n) > len(name) and n.startswith(name)]
        return longer[0] if len(longer) == 1 else None
    if group == "Condition":  # 血肿 and 硬膜下血肿 in one story are one condition
        longer = [n for n in counter if len(n) > len(name) and name in n]
        return longer[0] if len(longer) == 1 else None
    if group in ("Event", "Department"):
        return None
    short = _abbreviate(name)
    same = [n for n in counter if n != name and _abbreviate(n) == short and len(n) > len(name)]
    if len(same) == 1:  # 市卫生健康委员会 and 市卫健委
        return same[0]
    suffixed = [n for n in counter if n != name and len(_abbreviate(n)) > len(short) and name[0] in SHORT_LEAD
                and _abbreviate(n).endswith(short) and group != "Person"]
    if len(suffixed) == 1 and _area_fits(suffixed[0], _abbreviate(name), places):  # 市卫生健康委员会 → 广元市卫健委
        return suffixed[0]
    prefixed = [n for n in counter if len(n) > len(name) + 1 and n.endswith(name)
                and (n[:-len(name)] in lexicon.places() or n[:-len(name)] in lexicon.university_seats())]
    if len(prefixed) == 1 and _area_fits(prefixed[0], name, places):
        return prefixed[0]  # 浙江安吉县人民医院 and 安吉县人民医院: one body, its area (or university) named first
    levelled = [n for n in counter if len(n) == len(name) + 1 and any(
        n[at] in AREA_LEVEL and n[:at] + n[at + 1:] == name for at in range(2, len(name)))]
    if len(levelled) == 1:  # 青溪中心卫生院 and 青溪镇中心卫生院: the place named without its level
        return levelled[0]
    if len(name) > 6:
        return None
    options = [n for n in counter if len(n) > len(name) and n != name and (
        (n.endswith(name) and (name[0] in SHORT_LEAD or len(name) >= 4))
        or (is_subsequence(name, n) and (n[0] == name[0] or name[0] in SHORT_LEAD) and name[-1] == n[-1]
            and not _drops_kind(name, n)))]
    if len(options) > 1:  # 县医院: 青川县医院 and 青川县人民医院 are one hospital, the longer its name
        longest = max(options, key=len)
        if len({_abbreviate(n, hospitals=True) for n in options}) == 1:
            return longest
    if len(options) > 1:  # 市医院: 广元市人民医院 rather than its 苍溪分院
        options = [n for n in options if n.endswith(name[-2:])]
    if len(options) > 1:  # 晨光医院: 某某大学晨光医院 (the name whole at its end) rather than 晨光医院北院区
        options = [n for n in options if n.endswith(name)] or options
    if len(options) > 1 and name[0] in SHORT_LEAD and places:
        options = _of_likeliest_area(options, name, places)
    # a short form that still fits two full names (市一院: 广元市第一医院 or 西安市第一医院) is left alone
    return options[0] if len(options) == 1 and _area_fits(options[0], name, places) else None


def _area_fits(full: str, name: str, places: Counter | None) -> bool:
    """Whether a relative name (市中心医院) may stand for a full name of its file that ends with it:
    unless the file names another area of that level more often than the full name's own (市中心医院
    in a story about 甲市 is not 乙市中心医院, even when that is the one such full name the file
    gives). The full name's area counts with its longer names (甘南州: 甘南藏族自治州)."""
    if name[0] not in SHORT_LEAD or not places or not full.endswith(name):
        return True
    area = full[:len(full) - len(name) + 1]
    # 中共某市委党校: the party's name stands before the area
    area = area[len(lexicon.party_prefix(area)):]
    stem = area[:-1]

    def own(place: str) -> bool:
        return place == area or len(stem) >= 2 and place.startswith(stem)

    named = sum(n for place, n in places.items() if own(place))
    others = max((n for place, n in places.items()
                  if len(place) >= 3 and place.endswith(name[0]) and not own(place)), default=0)
    return named >= others


@lru_cache(maxsize=1)
def _hospital_kinds() -> tuple[str, ...]:
    """How a hospital's name ends (the lexicon's Hospital suffixes), longest first."""
    found = {e.term for e in lexicon.load("org_suffixes.tsv") if e.type == "Hospital"}
    return tuple(sorted(found, key=lambda term: (-len(term), term)))


def _drops_kind(short: str, full: str) -> bool:
    """Whether a short form leaves out the kind of hospital a full name ends with: 某县医院 is not
    某县中医院 or 某县妇幼保健院 (a general hospital's kind, 人民医院 or 中心医院, may go: 县医院 is
    某县人民医院)."""
    kind = next((k for k in _hospital_kinds() if full.endswith(k)), "")
    return bool(kind) and kind not in GENERAL_HOSPITAL_KINDS and not short.endswith(kind)


def _of_likeliest_area(options: list[str], name: str, places: Counter) -> list[str]:
    """Of the full names a relative name fits (市人民医院: 甲市人民医院, 乙市人民医院), those whose
    area (甲市) the file names most often, when one area is named more than the others: a story
    about a city's hospital keeps naming the city."""
    area = {n: n[:len(n) - len(name) + 1] for n in options if n.endswith(name)}
    if len(area) != len(options):
        return options
    counts = {n: places.get(a, 0) + places.get(a[:-1], 0) for n, a in area.items()}
    top = max(counts.values())
    best = [n for n in options if counts[n] == top]
    return best if top > 0 and len(best) == 1 else options


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((e.term, e.type) for e in lexicon.load("abbreviations.tsv")),
                        key=lambda pair: -len(pair[0])))


def _abbreviate(name: str, hospitals: bool = False) -> str:
    """The name with its body's kind in the short form: 市卫生健康委员会 → 市卫健委 (and, with
    hospitals, 青川县人民医院 → 青川县医院)."""
    for long, short in _abbreviations():
        if long in name and (hospitals or long != "人民医院"):
            return name.replace(long, short)
    return name


def _merge_events(members: dict[tuple, list[Mention]]) -> dict[tuple, list[Mention]]:
    """Events of one article with the same date whose names contain one another are one event."""
    keys = sorted((k for k in members if k[0] == "Event"), key=lambda k: -len(k[1]))
    merged: dict[tuple, list[Mention]] = {k: v for k, v in members.items() if k[0] != "Event"}
    # The events kept so far, indexed by what lets one absorb a new one (its article; its name and
    # file; its name and day): only those can absorb it, and the first kept (`order`) wins.
    # Scanning every kept event, or every one of a common name, was quadratic.
    by_article: dict[str, list[tuple]] = defaultdict(list)
    by_name_file: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    by_name_day: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    order: dict[tuple, int] = {}
    for key in keys:
        date = _date(members[key])

        def absorbs(k: tuple) -> bool:
            agree = date is None or _date(merged[k]) in (None, date)
            # one story: a name inside another's, dates agreeing; two stories: the same name and day
            return (k[2] == key[2] and _shorter_name(key[1], k[1]) and agree
                    or key[1] == k[1] and _file(k[2]) == _file(key[2]) and agree
                    or key[1] == k[1] and date is not None and _date(merged[k]) == date)

        candidates = by_article[key[2]] + by_name_file[key[1], _file(key[2])]
        if date is not None:
            candidates += by_name_day[key[1], date]
        home = next((k for k in sorted(set(candidates), key=order.__getitem__) if absorbs(k)), None)
        if home:
            undated = _date(merged[home]) is None
            merged[home].extend(members[key])
            if undated and _date(merged[home]) is not None:  # a kept event's day is set only once
                by_name_day[home[1], _date(merged[home])].append(home)
        else:
            merged[key] = list(members[key])
            order[key] = len(order)
            by_article[key[2]].append(key)
            by_name_file[key[1], _file(key[2])].append(key)
            if date is not None:
                by_name_day[key[1], date].append(key)
    return merged


RELATIVE_LEAD = set("省市县区州镇乡")
GENERIC_TEAM_LENGTH = 4  # 医疗队, 专家组, 专家团队: a team named by what it is, not who


def _relative(group: str, name: str) -> bool:
    """A name that says which one it is only inside its article: 县人民医院, 县委, 市卫健委 (of the
    county, city or province the article is about), a short team name (专家团队)."""
    return (name[0] in RELATIVE_LEAD and len(name) >= 2
            or group == "MedicalTeam" and len(name) <= GENERIC_TEAM_LENGTH)


QUOTES = re.compile(r"[“”\"‘’「」]")


def _shorter_name(short: str, full: str) -> bool:
    """Whether an event's name is a shorter name of another event of its story: inside it
    (表彰会 of 年度护理表彰会), once quotes are dropped (a tagger span may end inside a quote), or
    its characters in order with the same last two (新院区奠基仪式 of 新院区奠基暨揭牌仪式)."""
    return (short in full or QUOTES.sub("", short) in QUOTES.sub("", full)
            or len(short) >= 4 and short[-2:] == full[-2:] and is_subsequence(short, full))


def _file(article: str) -> str:
    """The input file of an article id (``news.txt#2`` → ``news.txt``)."""
    return article.split("#", 1)[0]


def _date(ms: list[Mention]) -> str | None:
    dates = [m.date for m in ms if m.date]
    return dates[0] if dates else None
