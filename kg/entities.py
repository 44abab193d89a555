"""Stage 4a: find entity mentions in an article.

Sources of evidence, combined per sentence:
- institution names: a suffix from the lexicon (医院, 卫生院, 卫健局, 大学, 医疗队 …) extended
  leftwards over jieba tokens that can be part of a name (places, ordinals, nouns), stopping at
  verbs, prepositions, pronouns and punctuation; short forms with a numeral (市一院, 省二院);
- departments: the department lexicon and jieba words ending in 科;
- people: LAC's PER tags and jieba's nr tags, checked against the surname lexicon, plus the
  patterns a news story uses for people (化名, 王先生, lists joined by 、, bylines);
- places: the administrative-division gazetteer and country names;
- events: an event noun (仪式, 启动会, 义诊 …) with the modifiers before it, or a quoted name;
- conditions: the disease lexicon, and disease-shaped words after 确诊为 / 患有.
Overlaps are settled by one rule, longest span first, then earliest (as spaCy's filter_spans),
within each layer (names, events, conditions): an event's name may contain a hospital's.
"""
from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import jieba.posseg

from . import lexicon
from .clean import CJK
from .hmm import PosHMM
from .lac import PersonTagger
from .model import ORG_TYPES, Article, Mention, Sentence
from .pairs import load_model
from .persons import load_model as load_person_model
from .resolve import declarations
from .tagger import load_tagger
from .split import MONTH_DAY, narrative_date, resolve_date

jieba.setLogLevel(logging.WARNING)

UNIT_CHARS = set("科局委院处部股室所队组")
FUNCTION_CHARS = set("由向对在和与及将把被为从给")
JOINT_BODIES = re.compile(r"([省市县区州])委\1政府$")
# Words that refer to an institution without naming it: never entities, resolved from context.
POINTERS = ("我院", "本院", "该院", "两院", "我局", "本局", "我委", "我中心", "该中心", "全院", "各院")
# A team named only by its kind (医疗队队长周立) is the team the article is about.
TEAM_POINTERS = ("医疗队", "专家团队", "医疗团队", "帮扶团队", "帮扶医疗队", "专家组")
# Tokens that can be part of an institution's name although jieba tags them otherwise.
NAME_PARTS = {"附属", "第一", "第二", "第三", "第四", "第五", "第六", "第七", "第八", "第九", "第十",
              "中心", "人民", "中医", "妇幼", "儿童", "口腔", "肿瘤", "职工", "社区", "街道", "联合",
              "国际", "中西医", "结合", "转诊", "临床", "医学", "医科", "中医药", "卫生", "健康", "工作"}
# Tokens that end a name on their left even when tagged as nouns.
NAME_BREAKS = {"我", "我们", "该", "本", "两", "各", "全", "此", "其", "这", "那", "来自", "到", "在", "与",
               "和", "及", "以及", "对", "向", "为", "由", "将", "从", "等", "的", "是", "了", "原", "前",
               "新", "现", "就", "于", "赴", "抵达", "前往", "来到", "所在", "当地", "多家", "一家",
               "患者", "医联体", "签约", "帮扶", "对口", "支援", "共建", "参观", "走进", "深入", "受援",
               "整个", "全体", "所有", "各个", "送往", "转入", "转往", "进入", "推进",
               "援", "派驻", "联合", "携手", "组织", "召开", "举办", "举行", "主办", "承办",
               # generic modifiers: 上级医院 or 县级医院 is a kind of hospital, not a name
               "上级", "下级", "基层", "县级", "市级", "省级", "区级", "乡级", "二甲", "三甲", "二级", "三级",
               "双方", "对方", "另一方", "一方", "代表", "各级", "定点", "综合", "公立", "民营", "大型",
               "这家", "那家", "每家", "其他", "相关", "有关", "同级", "牵头", "成员", "合作", "共建"}
NAME_TAGS = {"n", "nr", "nr1", "nr2", "nrj", "nrf", "nrfg", "nrt", "ns", "nsf", "nt", "nz", "nl", "ng",
             "j", "b", "nis", "ndep", "norg", "vn"}
# Words for a kind of unit that take any adjective (主要科室, 智慧门诊): never a department's name.
GENERIC_UNITS = {"科室", "门诊", "病房", "诊室", "病区", "药房", "专科门诊", "住院部", "实验室"}
# Ambiguous suffixes that are still safe once a name stands before them.
AGENCY_AMBIGUOUS_OK = {"局", "委员会", "督查组", "督导组", "门诊部"}
MAX_NAME_PREFIX = 18
MAX_NAME_TOKENS = 7
SHORT_PREFIXES = set("省市县区州镇乡")
NUMERAL_SHORT_FORM = re.compile(rf"[{CJK}]{{1,4}}?[一二三四五六七八九十]院(?![长士区内外办领务])")
PSEUDONYM = re.compile(rf"([{CJK}]{{1,3}})（化名）")
HONORIFIC = re.compile(rf"([{CJK}])(先生|女士|阿姨|大爷|大妈|老伯|奶奶|爷爷|师傅|老人|大叔|大姐)")
QUOTED = re.compile(r"“([^“”]{4,60})”")
DIAGNOSIS = re.compile(rf"(?:确诊为|诊断为|确诊|诊断|患有|患上|罹患|得了|查出)([{CJK}]{{2,12}})")


@dataclass(frozen=True)
class Analyzer:
    """The lexicons, gazetteer and tokenizers an extraction needs; build once, pass explicitly."""

    tokenizer: jieba.posseg.POSTokenizer
    lac: PersonTagger | None
    surnames: frozenset[str]
    compound_surnames: frozenset[str]
    titles: dict[str, str]
    ambiguous_titles: frozenset[str]
    byline_roles: frozenset[str]  # 编辑, 初审, 文: the roles of a story's credit lines
    credit_role_before_re: re.Pattern  # a role right before a name: 记者张明远, 编辑：李四
    credit_line_re: re.Pattern  # a line a role and a separator open: 初审|张三、李四
    hospital_titles: frozenset[str]  # 院长, 总会计师: titles only a hospital gives
    title_re: re.Pattern
    org_suffix_re: re.Pattern
    org_suffix_type: dict[str, str]
    departments: dict[str, str]
    department_modifiers: frozenset[str]
    department_re: re.Pattern
    ward_re: re.Pattern  # 普外一科, 心内二病区: a stem, an ordinal, a unit
    unit_suffixes: frozenset[str]
    unit_words: frozenset[str]
    event_re: re.Pattern
    event_ambiguous: frozenset[str]
    event_verbs: frozenset[str]
    conditions: frozenset[str]
    generic_conditions: frozenset[str]
    condition_re: re.Pattern
    condition_suffixes: tuple[str, ...]
    condition_suffix_re: re.Pattern
    places: dict[str, lexicon.Place] = field(repr=False)
    # the trained decision layer (kg/models), None where no model ships: the rules decide then
    mention_tagger: object | None = field(default=None, repr=False)
    relation_model: object | None = field(default=None, repr=False)
    person_model: object | None = field(default=None, repr=False)


CREDIT_SEPARATOR = r"\s*[:：|｜/]\s*"


def default_analyzer(use_lac: bool = True) -> Analyzer:
    """The shipped lexicons and models, built once per process (LAC takes about a second)."""
    return _analyzer(bool(use_lac))


@lru_cache(maxsize=2)
def _analyzer(use_lac: bool) -> Analyzer:
    surnames = lexicon.load("surnames.tsv")
    title_entries = lexicon.load("titles.tsv")
    titles = {e.term: e.type for e in title_entries if "byline only" not in e.note}
    byline_roles = frozenset(e.term for e in title_entries if "byline" in e.note)
    roles = lexicon.alternation(byline_roles).pattern
    long_roles = lexicon.alternation(r for r in byline_roles if len(r) > 1).pattern
    suffix_entries = lexicon.load("org_suffixes.tsv")
    org_suffixes = {e.term: e.type for e in suffix_entries if e.type != "Department" and (
        not e.note.startswith("ambiguous") or e.term in AGENCY_AMBIGUOUS_OK)}
    department_entries = lexicon.load("departments.tsv")
    departments = {e.term: e.type for e in department_entries if e.type != "modifier"}
    # 心内 of 心内科, 普外 of 普外科: stems that take an ordinal (普外一科, 心内一区) or modify a unit
    stems = {t[:-1] for t, kind in departments.items() if kind == "clinical" and t.endswith("科")}
    department_modifiers = frozenset({t for t in stems if len(t) >= 2}
                                     | {e.term for e in department_entries if e.type == "modifier"})
    # Unit suffixes (科, 手术室, 工会) name a department only after a modifier: 介入手术室, 院工会.
    unit_words = frozenset(e.term for e in suffix_entries if e.type == "Department")
    unit_suffixes = frozenset(t for t in unit_words if t not in GENERIC_UNITS and not next(
        e for e in suffix_entries if e.term == t).note.startswith("ambiguous"))
    events = lexicon.load("event_nouns.tsv")
    conditions = lexicon.load("conditions.tsv")
    places = lexicon.places()

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for term in departments:
        tokenizer.add_word(term, 2000, "ndep")
    for term in titles:
        tokenizer.add_word(term, 2000, "ntitle")
    for term, kind in org_suffixes.items():
        tokenizer.add_word(term, 2000, "norg")
    for term, place in places.items():
        if term == place.name and len(term) >= 2:  # short forms (合作, 资源) are ordinary words too
            tokenizer.add_word(term, 1000, "ns")
    for pointer in POINTERS:
        tokenizer.add_word(pointer, 5000, "r")
    lac = None
    if use_lac:
        try:
            lac = PersonTagger()
        except Exception as err:  # noqa: BLE001 - the model is an optional signal
            logging.getLogger(__name__).warning("LAC unavailable (%s); using jieba only", err)
    return Analyzer(
        tokenizer=_remember_hmm(jieba.posseg.POSTokenizer(tokenizer)),
        lac=lac,
        surnames=frozenset(e.term for e in surnames if e.type == "single"),
        compound_surnames=frozenset(e.term for e in surnames if e.type == "compound"),
        titles=titles,
        ambiguous_titles=frozenset(e.term for e in title_entries if "ambiguous" in e.note),
        byline_roles=byline_roles,
        # 记者张明远 needs no separator; a one-character role does (文|张三, not 文张三)
        credit_role_before_re=re.compile(rf"(?:(?:{roles}){CREDIT_SEPARATOR}|(?:{long_roles})\s*)$"),
        credit_line_re=re.compile(rf"\s*(?:{roles}){CREDIT_SEPARATOR}[^，。；]*$"),
        hospital_titles=frozenset(e.term for e in title_entries if "held in a hospital" in e.note),
        title_re=lexicon.alternation(titles),
        org_suffix_re=lexicon.alternation(org_suffixes),
        org_suffix_type=org_suffixes,
        departments=departments,
        department_modifiers=department_modifiers,
        department_re=lexicon.alternation(list(departments) + list(unit_suffixes)),
        ward_re=re.compile(f"(?:{lexicon.alternation(department_modifiers).pattern})[一二三四五六七八九十](?:病区|科|区)"
                           f"|(?:{lexicon.alternation(departments).pattern})[一二三四五六七八九十]病区"),
        unit_suffixes=unit_suffixes,
        unit_words=unit_words,
        event_re=lexicon.alternation(e.term for e in events),
        event_ambiguous=frozenset(e.term for e in events if e.note.startswith("ambiguous")),
        event_verbs=frozenset(e.term for e in events if "verb" in e.note or "act rather" in e.note),
        conditions=frozenset(e.term for e in conditions if e.type == "term"),
        generic_conditions=frozenset(e.term for e in conditions if e.type == "generic"),
        condition_re=lexicon.alternation(e.term for e in conditions if e.type == "term"),
        condition_suffixes=tuple(sorted((e.term for e in conditions if e.type == "suffix"),
                                        key=len, reverse=True)),
        condition_suffix_re=lexicon.alternation(e.term for e in conditions if e.type == "suffix"),
        places=places,
        mention_tagger=load_tagger(),
        relation_model=load_model(),
        person_model=load_person_model(),
    )


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    word: str
    tag: str


# jieba.posseg runs its HMM (a Viterbi over word positions × tags, in Python, most of jieba's time)
# on every run of characters its dictionary does not cover. That step is replaced by kg.hmm's, the
# same answers from arrays; and as the answer depends on the run alone (the HMM's tables are fixed)
# and such runs, names above all, recur from sentence to sentence and article to article, each
# tokenizer keeps the last HMM_MEMORY answers.
HMM_MEMORY = 200_000


def _remember_hmm(tokenizer: jieba.posseg.POSTokenizer) -> jieba.posseg.POSTokenizer:
    """The tokenizer, its HMM step (POSTokenizer.__cut, private to jieba 0.42) done by kg.hmm and
    memoised; the same tokens (tests/test_entities.py checks them against jieba's own step)."""
    if getattr(tokenizer, "_POSTokenizer__cut", None) is None:  # another jieba: slower, not wrong
        logging.getLogger(__name__).debug("jieba.posseg without __cut: its own HMM step runs")
        return tokenizer
    hmm = PosHMM()

    @lru_cache(maxsize=HMM_MEMORY)
    def remembered(run: str) -> tuple:
        return tuple(hmm.words(run))

    tokenizer._POSTokenizer__cut = remembered
    return tokenizer


def tokenize(analyzer: Analyzer, text: str) -> list[Token]:
    """jieba words with offsets. The HMM guesses unknown words (rare place and given names):
    without it the dictionary pass is seven times faster but the dev-set relation F1 drops by 0.02."""
    tokens, pos = [], 0
    for pair in analyzer.tokenizer.cut(text, HMM=True):
        tokens.append(Token(pos, pos + len(pair.word), pair.word, pair.flag))
        pos += len(pair.word)
    return tokens


def extract_mentions(article: Article, analyzer: Analyzer, tokens: list[Token] | None = None,
                     people: list[tuple[int, int]] | None = None) -> tuple[Mention, ...]:
    """Every entity mention the rules find in the article, offsets into article.text. `tokens`
    and `people` are the article's `tokenize` and `person_spans`, when the caller has them."""
    # The tokenizer and the name model run once over the article (LAC per paragraph: one call per
    # sentence costs twice as much); each sentence then takes its slice.
    tokens = tokenize(analyzer, article.text) if tokens is None else tokens
    people = person_spans(article.text, analyzer) if people is None else people
    # both lists are in text order: each sentence's share is found by bisection, not by a scan
    token_starts = [t.start for t in tokens]
    people_starts = [s for s, _ in people]
    found: list[Mention] = []
    # 高血压日义诊: a disease named in a story that speaks of no patient is a topic, not a condition;
    # a story of care names its patient in one sentence and the conditions in others (measured: a
    # story's patient as the context of its conditions, not only the sentence's, found more)
    patient_story = bool(PATIENT_CONTEXT.search(article.text))
    for sentence in article.sentences:
        base = sentence.start
        first, last = bisect_left(token_starts, base), bisect_left(token_starts, sentence.end)
        inside = [Token(t.start - base, t.end - base, t.word, t.tag) for t in tokens[first:last]
                  if t.end <= sentence.end]
        first, last = bisect_left(people_starts, base), bisect_left(people_starts, sentence.end)
        names = [(s - base, e - base) for s, e in people[first:last] if e <= sentence.end]
        found.extend(_sentence_mentions(article, sentence, analyzer, inside, names, patient_story))
    return tuple(found) + tuple(_declared_short_names(article, found))


def _declared_short_names(article: Article, found: list[Mention]) -> Iterator[Mention]:
    """Each later use of a short name the article declares for a body (某某医院（以下简称某院）):
    the article itself says the word names that body, wherever it stands."""
    text = article.text
    taken = [(m.start, m.end) for m in found if m.end > m.start]
    for match, body in declarations(text, found, lambda m: m.label in ORG_TYPES):
        short = match.group(1)
        for use in re.finditer(re.escape(short), text[match.end():]):
            start, end = match.end() + use.start(), match.end() + use.end()
            if not any(s < end and start < e for s, e in taken):
                taken.append((start, end))
                yield Mention(article.id, start, end, body.label, short, short)


# What LAC labels that extraction reads: people and places (its ORG words as a tagger feature
# scored lower, cross-validated: 0.801 / 0.548 against 0.803 / 0.552 with places alone).
LAC_LABELS = ("PER", "LOC")


def lac_words(text: str, an: Analyzer) -> list[tuple[int, int, str]]:
    """(start, end, label) of the words LAC labels PER or LOC, one run per paragraph;
    约|汉内斯·通博萨 person pieces joined at the dot."""
    if an.lac is None:
        return []
    words: list[list] = []
    offset = 0
    for paragraph in text.split("\n"):
        for start, end, label in an.lac.spans(paragraph, LAC_LABELS) if paragraph.strip() else ():
            start, end = offset + start, offset + end
            last = words[-1] if words else None
            if last and label == last[2] == "PER" and last[1] == start and "·" in text[last[0]:end]:
                last[1] = end
            else:
                words.append([start, end, label])
        offset += len(paragraph) + 1
    return [(s, e, label) for s, e, label in words]


def person_spans(text: str, an: Analyzer) -> list[tuple[int, int]]:
    """Spans LAC tags PER (`lac_words`)."""
    return [(s, e) for s, e, label in lac_words(text, an) if label == "PER"]


def _sentence_mentions(article: Article, sentence: Sentence, an: Analyzer, tokens: list[Token],
                       lac_names: list[tuple[int, int]], patient_story: bool) -> list[Mention]:
    text = sentence.text
    starts = {t.start for t in tokens}
    ends = {t.end for t in tokens}
    names: list[tuple[int, int, str, str]] = []  # (start, end, label, canonical name)

    for start, end, label in _institutions(text, tokens, starts, ends, an):
        joint = JOINT_BODIES.search(text[start:end])
        if joint and joint.start() > 0:  # 广元市委市政府: the party committee and the government
            area = text[start:start + joint.start()] + joint.group(1)
            names.append((start, start + joint.start() + 2, label, area + "委"))
            names.append((start + joint.start() + 2, end, label, area + "政府"))
            continue
        names.append((start, end, label, text[start:end]))
    names = _complete_siblings(text, names)
    names.extend(_departments(text, tokens, ends, an))
    for token in tokens:
        place = an.places.get(token.word)
        if place and len(token.word) >= 2 and (token.word == place.name or token.tag == "ns"):
            names.append((token.start, token.end, "Place", place.name))
    unit_ends = {e for _, e, label, _ in names if label not in ("Place",)}
    for start, end, label, name in _people(text, tokens, an, unit_ends, lac_names):
        names.append((start, end, label, name))
    for pointer in POINTERS + TEAM_POINTERS:
        for match in re.finditer(pointer, text):
            names.append((match.start(), match.end(), "Pointer", pointer))

    names = _drop_specialty_lists(text, names)
    media = list(_media(text, an))
    if media:  # the outlet a dateline, a reporter's credit or a source line names
        names = [n for n in names if not any(s < n[1] and n[0] < e for s, e, *_ in media)] + media
    people = [(s, e) for s, e, label, _ in names if label in ("Person", "Patient")]
    institutions = [(s, e) for s, e, label, _ in names if label not in ("Person", "Patient", "Pointer")]
    events = [ev for ev in _events(text, tokens, an, narrative_date(article, sentence.start), institutions, people)
              if not any(s < ev[1] and ev[0] < e for s, e in people)]
    conditions = list(_conditions(text, an, tokens)) if patient_story else []

    mentions = []
    base = sentence.start
    for start, end, label, name in filter_spans(names):
        mentions.append(Mention(article.id, base + start, base + end, label, text[start:end], name))
    for start, end, name, date in filter_spans(events):
        # a bare 开班仪式 or 座谈会 is the occasion the story already named, when it named one
        label = "EventRef" if an.event_re.fullmatch(name) else "Event"
        mentions.append(Mention(article.id, base + start, base + end, label, text[start:end], name, date))
    for start, end, label, name in filter_spans(conditions):
        mentions.append(Mention(article.id, base + start, base + end, label, text[start:end], name))
    return mentions


# News outlets, from how a story credits them: its dateline (某某网衡阳5月3日讯, 某某社东京5月3日电),
# its reporters (某某日报记者 张三) and its source line (来源：某某网). Their names end in a medium's
# word; 本报 and the like name the paper only inside it, 网友 or 管理员 no outlet at all. They are
# candidates as every rule's span is: the mention tagger decides.
MEDIA_END = r"(?:报|网|社|台|电台|客户端|新闻|时刻|在线|号)"
MEDIA_DATELINE = re.compile(r"^\s*[（(]?([\u4e00-\u9fff·]{2,14}?)\d{1,2}月\d{1,2}日(?:电|讯)")
# a reporter's credit stands apart, the name after a space: (某某报记者 张三), 文/某某网记者 李四
# (not 接受某某台记者采访)
REPORTER = re.compile(rf"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{{2,12}}?{MEDIA_END})(?:特约|融媒体|全媒体)?"
                      r"(?:记者|通讯员)(?=\s)")
SOURCE = re.compile(r"(?:来源|稿源|转自)[:：]\s*([\u4e00-\u9fff·]{2,15}?)(?:时间|作者|日期|编辑|浏览|发布|[^\u4e00-\u9fff·]|$)")
NOT_OUTLETS = ("本报", "该报", "我报", "本网", "该网", "本站", "本台", "我台", "网络", "网友", "管理员")


def _body_type(name: str, an: Analyzer) -> str:
    """The type a body's name ends in (a source line may name a hospital or an agency)."""
    suffix = next((m for m in an.org_suffix_re.finditer(name) if m.end() == len(name)), None)
    return an.org_suffix_type[suffix.group()] if suffix else "Organization"


def _media(text: str, an: Analyzer):
    """(start, end, type, name) of the news outlets a sentence credits: a dateline's outlet is
    what stands before the place (or, with no place known, up to the first medium's word)."""
    dateline = MEDIA_DATELINE.match(text)
    if dateline:
        head, at = dateline.group(1), dateline.start(1)
        cut = next((i for i in range(2, len(head) - 1) if head[i:] in an.places), None)
        if cut is None:
            ending = re.match(rf"[\u4e00-\u9fff·]+?{MEDIA_END}", head)
            cut = ending.end() if ending else None
        if cut and head[:cut] not in NOT_OUTLETS:
            yield at, at + cut, "Organization", head[:cut]
    for pattern in (REPORTER, SOURCE):
        for match in pattern.finditer(text):
            name = match.group(1)
            if name not in NOT_OUTLETS and not (dateline and match.start(1) < dateline.end()):
                yield match.start(1), match.end(1), _body_type(name, an), name


AREA_BODY = re.compile(r"^(.+?[省市县区州])(委|政府|人民政府|人大|政协)$")


def _complete_siblings(text: str, names):
    """青川县委、县政府: the second body, named by its kind only, is of the same area."""
    result = list(names)
    for start, end, label, name in names:
        if label != "GovernmentAgency":
            continue
        bare = re.match(r"(和|、|及|与)(管委会|党工委|政府|人民政府|县委|市委|区委)", text[end:])
        area = re.match(r"^(.+?)(党工委|管委会|人民政府|政府|委)$", name)
        if bare and area and not any(s == end + 1 for s, *_ in names):
            result.append((end + 1, end + bare.end(), label, area.group(1) + bare.group(2)))
    for i, (start, end, label, name) in enumerate(result):
        if label != "GovernmentAgency" or name[0] not in SHORT_PREFIXES:
            continue
        for p_start, p_end, p_label, p_name in result:
            area = AREA_BODY.match(p_name)
            if (p_label == label and area and text[p_end:start] in ("、", "和", "及", "与")
                    and area.group(1).endswith(name[0])):
                result[i] = (start, end, label, area.group(1) + name[1:])
                break
    return result


def _drop_specialty_lists(text: str, names):
    """覆盖泌尿外科、骨科、急诊科: a list of specialties with no institution is not departments."""
    departments = sorted((s, e) for s, e, label, _ in names if label == "Department")
    listed: set[tuple[int, int]] = set()
    run: list[tuple[int, int]] = []
    for span in departments:
        if run and text[run[-1][1]:span[0]] in ("、", "和", "及", "与", "，"):
            run.append(span)
        else:
            if len(run) >= 3:
                listed.update(run)
            run = [span]
    if len(run) >= 3:
        listed.update(run)
    institution_ends = {e for s, e, label, _ in names if label not in ("Department", "Person", "Patient")}
    listed = {span for span in listed if span[0] not in institution_ends}
    return [n for n in names if (n[0], n[1]) not in listed]


# Equal spans: a unit beats a person (外周血管科, not 周血管), a patient beats a person (冬冬（化名）).
TIE_RANK = {"Patient": 1, "Person": 2}


def filter_spans(spans):
    """Longest first, then earliest; a span overlapping a kept one is dropped."""
    kept, taken = [], set()
    # equal lengths: a unit or an institution wins over a person (外周介入科 is not 周介入)
    for span in sorted(spans, key=lambda s: (-(s[1] - s[0]), TIE_RANK.get(s[2], 0), s[0])):
        if not taken.intersection(range(span[0], span[1])):
            kept.append(span)
            taken.update(range(span[0], span[1]))
    return sorted(kept)


# ------------------------------------------------------------------ institutions

def _institutions(text: str, tokens: list[Token], starts: set[int], ends: set[int], an: Analyzer):
    for match in an.org_suffix_re.finditer(text):
        suffix_start, end = match.span()
        if end not in ends and end != len(text) and not _splits_into_units(text, tokens, end, an):
            continue
        if re.match(r"(委员|书记|副书记|常委|成员)", text[end:end + 3]) and re.search("(委|党组|党总支)$", match.group()):
            continue  # 党工委委员: an office, not the body
        label = an.org_suffix_type[match.group()]
        if match.group() == "门诊部" and re.search("院$", text[:suffix_start]):
            continue  # 医院门诊部 is a department, found as one
        if len(match.group()) == 1 and suffix_start not in starts:
            continue  # 局 inside 格局 or 布局
        start = _extend_left(text, tokens, suffix_start, an, team=label == "MedicalTeam")
        prefix = text[start:suffix_start]
        if not prefix and not (label == "GovernmentAgency" and match.group()[0] in SHORT_PREFIXES
                               and len(match.group()) >= 2):
            continue  # a bare 医院 or 卫生院 names nothing; a bare 市委 or 县政府 does
        if not prefix:
            yield start, end, label
            continue
        # no proper name before the suffix: only a unit followed by its head's title (医政股股长)
        if not _has_name_signal(tokens, start, suffix_start, an) and prefix not in SHORT_PREFIXES \
                and not an.title_re.match(text, end):
            continue  # 充分发挥医院: the words before the suffix are not a name
        yield start, end, label
    for match in NUMERAL_SHORT_FORM.finditer(text):
        end = match.end()
        core = end - 2
        start = _extend_left(text, tokens, core, an, max_tokens=2, max_chars=4)
        if start < core:
            yield start, end, "Hospital"


NATIONAL = {"国家", "中央", "全国", "中共"}
ZONES = {"示范区", "开发区", "高新区", "新区", "经开区", "社区", "街道", "园区"}
SIGNAL_TAGS = ("ns", "nr", "nz", "nt", "j", "yg", "zg", "nrt", "nrfg", "norg")


def _has_name_signal(tokens: list[Token], start: int, end: int, an: Analyzer) -> bool:
    """A name needs something proper before its suffix: a place, a personal or proper noun,
    an ordinal, an unknown character or another institution's name."""
    for token in tokens:
        if start <= token.start < end:
            if (token.tag.startswith(SIGNAL_TAGS) or token.word in NATIONAL or token.word in an.places or token.word in ZONES
                    or re.fullmatch(r"第?[一二三四五六七八九十百\d]+", token.word)
                    or re.fullmatch(r"[A-Za-z]+", token.word)):
                return True
        elif token.start < start < token.end:
            return True  # the name began inside a word the tokenizer did not know
    return False


def _splits_into_units(text: str, tokens: list[Token], end: int, an: Analyzer) -> bool:
    """A name may end inside a jieba word when the rest is a unit or a title (医院|办公室)."""
    for token in tokens:
        if token.start < end < token.end:
            rest = text[end:token.end]
            return rest in an.departments or rest in an.titles or rest in an.unit_words
    return False


def _extend_left(text: str, tokens: list[Token], position: int, an: Analyzer,
                 max_tokens: int = MAX_NAME_TOKENS, max_chars: int = MAX_NAME_PREFIX,
                 unit: bool = False, team: bool = False, bare_unit: bool = False) -> int:
    """Start of the name whose head begins at position: walk left over name-like tokens."""
    start = position
    used = 0
    for token in reversed(tokens):
        if token.start >= position:
            continue
        if token.end > start:  # the suffix began inside this token
            if token.end > position and token.start < position:
                piece = text[token.start:position]
                if _name_like(piece, token.tag, an):
                    start = token.start
                    used += 1
                    continue
                return position
            continue
        if token.end != start:
            break
        if used >= max_tokens or position - token.start > max_chars:
            break
        if team and (token.word in TEAM_PARTS or token.word in ("（", "）", "(", ")") or re.fullmatch(
                r"\d{4}年|第|首批|第?[一二三四五六七八九十\d]+批?", token.word)):
            start = token.start
            used += 1
            continue
        # 介入|手术室, 感染|疾病|科: a bare unit word takes a verb-like modifier; a full department does not
        verb_modifier = (unit and bare_unit and token.tag in ("v", "vn", "a") and len(token.word) == 2
                         or unit and token.word in an.department_modifiers
                         or unit and re.fullmatch("第?[一二三四五六七八九十]", token.word) is not None)
        if not _name_like(token.word, token.tag, an) and not _unknown_char(tokens, token) and not verb_modifier:
            break
        if unit and (token.tag not in ("n", "nz", "j", "ng", "b", "f") and not verb_modifier
                     or token.word in NAME_BREAKS
                     or token.tag in ("f", "v", "a") and len(token.word) != 2
                     or re.fullmatch("第?[一二三四五六七八九十]", token.word) is None and token.tag == "m"
                     or token.tag in ("ns", "norg", "ndep", "ntitle") or token.word in an.places
                     or "院" in token.word and token.word != "院" or token.word in NAME_PARTS - {"儿童", "口腔", "肿瘤", "中医"}):
            break  # a department's modifier is never a place, an institution or another unit
        start = token.start
        used += 1
    return start


TEAM_PARTS = {"对口", "帮扶", "援", "支援", "援助", "批", "批援", "组团式", "派驻", "医疗", "专家"}


def _unknown_char(tokens: list[Token], token: Token) -> bool:
    """A rare character jieba does not know (邗 of 邗江), or a locative right before one."""
    if token.tag in ("yg", "zg") or token.tag == "x" and re.fullmatch(rf"[{CJK}]", token.word):
        return True
    if token.tag == "f" and len(token.word) == 1:
        following = next((t for t in tokens if t.start == token.end), None)
        return following is not None and following.tag in ("yg", "zg")
    return False


def _name_like(word: str, tag: str, an: Analyzer) -> bool:
    if word in NAME_BREAKS or word in POINTERS:
        return False
    if word in NAME_PARTS or word in an.places:
        return True
    if re.fullmatch(r"第?[一二三四五六七八九十百\d]+", word):
        return True
    if not re.fullmatch(rf"[{CJK}A-Za-z]+", word):
        return False
    return tag in NAME_TAGS


SUBSPECIALTY = re.compile(rf"[{CJK}]{{2,4}}（[{CJK}]{{2,4}}）科")


def _departments(text: str, tokens: list[Token], ends: set[int], an: Analyzer):
    """Lexicon departments (心内科), possibly with a modifier (儿童口腔科), modifier + unit
    suffix (介入手术室, 普外一科, 院工会), and a bracketed subspecialty (消化（肝病）科)."""
    for match in SUBSPECIALTY.finditer(text):
        yield match.start(), match.end(), "Department", match.group()
    for match in an.ward_re.finditer(text):
        yield match.start(), match.end(), "Department", match.group()
    for match in an.department_re.finditer(text):
        head, end = match.span()
        if end not in ends and end != len(text) and not _splits_into_units(text, tokens, end, an):
            continue
        term = match.group()
        start = _extend_left(text, tokens, head, an, max_tokens=2, max_chars=5, unit=True,
                             bare_unit=term not in an.departments)
        if start == head and term not in an.departments and not (
                len(term) >= 3 or term in ("党办", "院办")):
            continue
        name = text[start:end]
        if re.search(r"[学本专预]科$", name) or name in ("科室", "专科", "学科"):
            continue
        yield start, end, "Department", name


# ------------------------------------------------------------------ people

def _people(text: str, tokens: list[Token], an: Analyzer, unit_ends: set[int] = frozenset(),
            lac_names: list[tuple[int, int]] = ()):
    spans: list[tuple[int, int, str, str]] = []
    candidates: list[tuple[int, int]] = list(lac_names)
    # 青川县卫生计生局周明远局长: unit, then a surname and a given name, then a title
    for end in unit_ends:
        if an.title_re.match(text, end):
            continue  # 县委常务副县长: a title follows the unit, not a name
        for length in (3, 2):
            name = text[end:end + length]
            title = an.title_re.match(text, end + length)
            if (len(name) == length and title and title.group()[0] not in UNIT_CHARS
                    and name[0] not in FUNCTION_CHARS and self_is_name(name, an)):
                candidates.append((end, end + length))
                break
    for token in tokens:
        # jieba tags many ordinary words nr (关怀, 华丽): trust it only next to a title
        if token.tag.startswith("nr") and 2 <= len(token.word) <= 4 and an.title_re.match(text, token.end):
            candidates.append((token.start, token.end))
    for start, end in candidates:
        for k in (1, 2):
            title = an.title_re.match(text, end - k)
            if title and title.end() > end and end - k > start:
                end -= k  # 习总|书记: the name stops where a title begins
                break
        name = text[start:end]
        name = strip_titles(name, an)
        if not name:
            continue
        if len(name) == 3 and name[0] in FUNCTION_CHARS and self_is_name(name[1:], an):
            name = name[1:]  # 由周立副院长带队: 由 is the preposition
        if text[text.find(name, start) + len(name):][:1] in UNIT_CHARS:
            continue  # 卫健|委: the start of an institution's name
        start = text.find(name, start)
        titled = an.title_re.match(text, start + len(name)) or _title_ends_at(text, start, an)
        if self_is_name(name, an) or titled and re.fullmatch(rf"[{CJK}]{{2,4}}", name) and not re.search(
                r"[院科局委市县省区镇村部处室队组]$", name):
            spans.append((start, start + len(name), "Person", name))
    for match in PSEUDONYM.finditer(text):
        # the name is the last word before （化名）: 患儿冬冬（化名） → 冬冬
        last = [t for t in tokens if match.start(1) <= t.start < match.end(1)]
        start = last[-1].start if last and last[-1].end == match.end(1) and len(last[-1].word) >= 2 \
            else match.start(1)
        if len(last) >= 2 and len(last[-1].word) == 1:
            start = last[-2].start
        spans.append((start, match.end(1), "Patient", text[start:match.end(1)]))
    for match in HONORIFIC.finditer(text):
        if match.group(1) in an.surnames:
            spans.append((match.start(), match.end(), "Patient", match.group()))
    spans.extend(_listed_names(text, spans, an))
    return spans


def _title_ends_at(text: str, position: int, an: Analyzer) -> bool:
    return any(m.end() == position for m in an.title_re.finditer(text, max(0, position - 8), position))


def self_is_name(name: str, an: Analyzer) -> bool:
    if "·" in name:
        return bool(re.fullmatch(rf"[{CJK}]+(·[{CJK}]+)+", name))
    if not re.fullmatch(rf"[{CJK}]{{2,4}}", name):
        return False
    if an.title_re.search(name[1:]) or re.search(r"[院科局委市县省区镇村部处室队组]$", name):
        return False
    if name[:2] in an.compound_surnames:
        return len(name) >= 3
    return name[0] in an.surnames and len(name) <= 3


def strip_titles(name: str, an: Analyzer) -> str:
    for _ in range(2):
        head = an.title_re.match(name)
        if head and len(name) - head.end() >= 2:
            name = name[head.end():]
        tail = None
        for match in an.title_re.finditer(name):
            if match.end() == len(name) and match.start() >= 2:
                tail = match
        if tail:
            name = name[: tail.start()]
    return name


def _listed_names(text: str, spans, an: Analyzer):
    """张某、李某、王某: items of a list next to a known name are names too."""
    known = {(s, e) for s, e, _, _ in spans}
    for match in re.finditer(rf"[{CJK}]{{2,3}}(?:[、和][{CJK}]{{2,3}})+(?=[^{CJK}]|等|共|[\d一二三四五六七八九十]+名|$)", text):
        items, pos = [], match.start()
        for item in re.split("[、和]", match.group()):
            items.append((pos, pos + len(item)))
            pos += len(item) + 1
        if not any(i in known for i in items):
            continue
        for start, end in items:
            name = text[start:end]
            if (start, end) not in known and self_is_name(name, an) and len(name) <= 3:
                yield start, end, "Person", name


# ------------------------------------------------------------------ events and conditions

EVENT_LEFT_BREAKS = {"召开", "举行", "举办", "开展", "出席", "参加", "主持", "组织", "进行", "在", "于",
                     "参与", "到", "赴", "的", "了", "并", "及", "以及", "是", "为", "将",
                     "此次", "本次", "这次", "该", "期间", "随后", "会上", "当天", "近日", "日前", "上午",
                     "下午", "晚上", "成功", "隆重", "顺利", "正式", "积极", "共同", "受邀", "应邀", "一场",
                     "一次", "作为", "通过", "以", "由", "对", "向", "给", "从", "前往", "走进", "来到",
                     "双方", "各方", "两院"}


SIGNING = re.compile(rf"(签署|签订)了?([{CJK}]{{0,12}}?(?:协议书|协议|责任书|合同|备忘录|承诺书))")


def _events(text: str, tokens: list[Token], an: Analyzer, story_date: str | None,
            institutions: list[tuple[int, int]] = (), people: list[tuple[int, int]] = ()):
    dates = _sentence_dates(text, story_date)
    quoted = [(m.start(1), m.end(1)) for m in QUOTED.finditer(text)]
    titles = [m.span() for m in BOOK_TITLE.finditer(text)]
    for match in SIGNING.finditer(text):  # 签署合作协议: a signing is an event named by what was signed
        yield match.start(), match.end(), match.group(1) + match.group(2), _date_for(dates, match.start())
    for match in an.event_re.finditer(text):
        start, end = match.span()
        date = _date_for(dates, start)
        if any(s < start < e for s, e in titles):
            continue  # 《关于开展…督导检查的通知》: the title of a document or a course, not an event
        inside = next(((s, e) for s, e in quoted if s <= start and end == e), None)
        if inside:
            yield inside[0], inside[1], text[inside[0]:inside[1]], date
            continue
        if end in {t.start for t in tokens} - {t.end for t in tokens}:
            continue
        first = start
        for token in reversed(tokens):
            if token.end > first:
                continue
            if token.end != first or start - token.start > 26:
                break
            inst = next(((s, e) for s, e in institutions if s <= token.start and token.end <= e), None)
            if inst:  # an institution's name inside the event's (木鱼镇中心卫生院 …签约仪式)
                first = min(first, inst[0]) if inst[1] >= token.end else first
                if first == inst[0]:
                    continue
            if token.word in ("与", "和") and any(e == token.start for _, e in institutions):
                first = token.start  # 甲医院与乙卫生院技术帮扶合作签约仪式
                continue
            # jieba tags many ordinary words nr (保健, 科普): only a name found as a person stops the walk
            person = any(s < token.end and token.start < e for s, e in people)
            if (token.word in EVENT_LEFT_BREAKS or person or token.tag in {"x", "w", "p", "c", "r", "u", "uj",
                                                                           "t", "d", "m", "q", "ntitle"}
                    or not re.fullmatch(rf"[{CJK}A-Za-z\d]+", token.word)):
                if token.tag == "m" and re.fullmatch(r"\d{4}年|第[一二三四五六七八九十\d]+[届期次批]?", token.word):
                    first = token.start
                    continue
                break
            first = token.start
        # a name does not begin with an adverb or a bare verb (陪同检查, 深入督导检查)
        for token in tokens:
            if token.start == first and first < start and token.tag in ("d", "ad", "v", "vd") \
                    and token.word not in ("义诊", "签约", "共建"):
                first = token.end
        while text[first:first + 1] in ("与", "和"):
            first += 1
        quote_open = text.rfind("“", 0, first)
        if text[first - 1:first] == "”" and quote_open >= 0 and first - quote_open <= 30:
            first = quote_open  # “健康送基层”义诊活动: the quoted words name it
        end = _extend_object(text, tokens, end, match.group(), an)
        name = re.sub("[“”]", "", text[first:end])
        if match.group() in an.event_ambiguous and first == start and end == match.end():
            continue
        if match.group() in an.event_verbs and first < start and (
                any(s <= first < e for s, e in institutions) or _token_at(tokens, first).tag.startswith(("ns", "nr"))):
            continue  # 阜阳市签约: a subject and its verb, not an event's name
        if match.group() in an.event_ambiguous and first < start and _token_at(tokens, start - 1).tag == "v":
            continue  # 下床活动: a verb does not make 活动 an event
        if len(name) < 3 or _in_enumeration(text, first, end):
            continue
        yield first, end, name, date


BOOK_TITLE = re.compile(r"《[^《》]{1,80}》")
YEAR_BEFORE = re.compile(r"(20\d{2}|19\d{2})年\s*$")
DATELINE = re.compile(r"^[讯电]")  # 晨光网5月31日讯: when the story was filed, not when things happened


def _sentence_dates(text: str, story_date: str | None) -> list[tuple[int, str]]:
    """(position, ISO date) of each day the sentence names, datelines left out; `story_date` is
    the date whose year a day written without one takes (`split.narrative_date`)."""
    found = []
    for match in MONTH_DAY.finditer(text):
        if DATELINE.match(text[match.end():]):
            continue
        # 2025年9月28日 carries its year; 9月28日 takes the story's
        year = YEAR_BEFORE.search(text, max(0, match.start() - 6), match.start())
        date = resolve_date(int(match.group(1)), int(match.group(2)), year.group(1) if year else story_date)
        if date:
            found.append((year.start() if year else match.start(), date))
    return found


def sentence_event_date(text: str, position: int, story_date: str | None) -> str | None:
    """The date of an event named at `position` of a sentence (see _date_for; `story_date` as for
    _sentence_dates)."""
    return _date_for(_sentence_dates(text, story_date), position)


def _date_for(dates: list[tuple[int, str]], position: int) -> str | None:
    """The day named last before the event, or else the first after it."""
    before = [date for at, date in dates if at < position]
    return before[-1] if before else dates[0][1] if dates else None


OBJECT_TAKING = {"督导检查", "督查", "督导", "慰问", "看望", "视察"}


def _extend_object(text: str, tokens: list[Token], end: int, noun: str, an: Analyzer) -> int:
    """督导检查消防工作: an activity verb names its event together with its object."""
    if noun not in OBJECT_TAKING:
        return end
    new_end = end
    for token in tokens:
        if token.start < end:
            continue
        if token.start != new_end or token.tag not in ("n", "vn", "nz", "an", "j") or new_end - end > 10:
            break
        new_end = token.end
        if token.word == "工作":
            break
    return new_end


def _token_at(tokens: list[Token], position: int) -> Token:
    return next((t for t in tokens if t.start <= position < t.end), Token(position, position, "", "x"))


def _in_enumeration(text: str, start: int, end: int) -> bool:
    """手术示教、教学查房、学术授课等方式: a list of kinds of work closed by 等 names no event
    (分别进行实地调研、小讲课、教学查房 does: those happened)."""
    run_end = end
    while True:
        more = re.match(rf"、[{CJK}]{{2,12}}?(?=[、等，。；])", text[run_end:])
        if not more:
            break
        run_end += more.end()
    return text[run_end:run_end + 1] == "等"


# jieba's tags of a word that may end a condition's name (some disease words are idioms to it, 休克
# a name), and of the words before it that may say the organ or the kind (急性呼吸窘迫综合征,
# 高尿酸血症); a word ending in 性 (急性, 继发性, 先天性) whatever its tag
CONDITION_TAGS = ("n", "nz", "l", "nr", "nrt", "i", "vn", "v")
MODIFIER_TAGS = ("n", "nz", "a", "ng", "b", "vn", "l", "an")


def _condition_words(text: str, an: Analyzer, tokens: list[Token], before: dict[int, Token]):
    """脑疝, 消化道大出血: a disease-shaped word (ending in a condition suffix) with the words
    before it that say the organ or the kind (`_modifier_start`; `before`: the tokens by where
    they end)."""
    for token in tokens:
        if len(token.word) < 2 or not token.word.endswith(an.condition_suffixes) or token.tag not in CONDITION_TAGS:
            continue
        if token.tag == "v" and token.word not in an.condition_suffixes:
            continue  # a verb is a condition word only when it is one of the suffixes (扭转)
        if text[token.end:token.end + 1] in "例人区房种科":
            continue  # 疑难病例, 肿瘤科: the disease word names something else
        start = _modifier_start(before, token.start, token.end)
        if token.tag == "v" and start == token.start:
            continue
        yield start, token.end


def _modifier_start(before: dict[int, Token], start: int, end: int) -> int:
    """Where a condition's name ending at `end` begins once the words before `start` that say the
    organ or the kind (four at most, twelve characters in all) are taken in. `before`: the
    sentence's tokens by where they end."""
    for _ in range(4):
        previous = before.get(start)
        if previous is None or end - previous.start > 12 or (
                previous.tag not in MODIFIER_TAGS and not previous.word.endswith("性")):
            break
        start = previous.start
    return start


PATIENT_CONTEXT = re.compile(r"患者|患儿|病人|病情|确诊|诊断|患有|罹患|入院|就诊|治疗|手术|术后|化名|病史")


def _conditions(text: str, an: Analyzer, tokens: list[Token]):
    for start, end, label, name in _condition_spans(text, an, tokens):
        if name not in an.generic_conditions:  # 疑难病, 常见病: kinds of disease, not one
            yield start, end, label, name


def _condition_spans(text: str, an: Analyzer, tokens: list[Token]):
    before = {t.end: t for t in tokens}
    for match in an.condition_re.finditer(text):
        start = _modifier_start(before, match.start(), match.end())  # 老年性白内障, 浅昏迷
        yield start, match.end(), "Condition", text[start:match.end()]
    for start, end in _condition_words(text, an, tokens, before):
        yield start, end, "Condition", text[start:end]
    for match in re.finditer(rf"([{CJK}]{{2,8}}?)(?:患者|患儿|病人)", text):
        words = match.group(1)
        cut = max((words.rfind(w) + 1 for w in "的位名例岁个"), default=0)  # 一名|急性心肌梗死患者, 5个|…患者
        if words[cut:].endswith(an.condition_suffixes) and len(words) - cut >= 2:
            yield match.start(1) + cut, match.end(1), "Condition", words[cut:]
    for match in DIAGNOSIS.finditer(text):
        words = match.group(1)
        for suffix in an.condition_suffixes:
            at = words.find(suffix)
            if at > 0:
                name = words[: at + len(suffix)]
                start = match.start(1)
                yield start, start + len(name), "Condition", name
                break


# ------------------------------------------------------------------ publisher

MASTHEAD = re.compile(r"第\s*\d+\s*期")
# A news site names itself in its breadcrumb (晨光资讯 > 国内), its dateline (晨光网5月31日讯) or next
# to the publication time (晨光新闻网 2025-10-23 19:24).
SITE = r"([\u4e00-\u9fff]{2,10}?(?:网|资讯|新闻|日报|晚报|报|电视台|客户端))"
SITE_LINE = re.compile(rf"^{SITE}\s*(?:[>＞]|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}月\d{{1,2}}日讯|讯)")


def find_publisher(text: str, an: Analyzer) -> str | None:
    """The organisation a file names as its publisher: in a newsletter's masthead line
    (`某某医院办公室 2025年第10期`), or a first or closing line that is nothing but an
    institution's name (`---某某医院---` signing off a WeChat post)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines[:15]:
        site = SITE_LINE.match(line)
        if site:
            return site.group(1)
    for line in lines:
        if MASTHEAD.search(line) and len(line) < 120:
            name = _first_institution(line, an)
            if name:
                return name
    # a first line, or a sign-off line near the end (---某某医院---), that is nothing but a name
    for line in lines[:1] + lines[-12:][::-1]:
        name = _whole_institution(line.strip(SIGN_OFF_DECORATION), an)
        if name:
            return name
    return None


SIGN_OFF_DECORATION = "-—–=~*·•　 "


def _whole_institution(line: str, an: Analyzer) -> str | None:
    if not 4 <= len(line) <= 40:
        return None
    tokens = tokenize(an, line)
    whole = [(s, e) for s, e, _ in _institutions(line, tokens, {t.start for t in tokens},
                                                 {t.end for t in tokens}, an)]
    return line if (0, len(line)) in whole else None


def _first_institution(line: str, an: Analyzer) -> str | None:
    tokens = tokenize(an, line)
    starts = {t.start for t in tokens}
    ends = {t.end for t in tokens}
    found = sorted(_institutions(line, tokens, starts, ends, an))
    for start, end, label in found:
        if label in ("Hospital", "Organization", "GovernmentAgency"):
            return line[start:end]
    return None
