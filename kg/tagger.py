"""Stage 4a, decided: which spans are mentions, as a model trained on the annotations says.

The rules of `kg.entities` propose mentions with high recall; a linear-chain CRF (CRFsuite, through
python-crfsuite) then labels every character of a sentence with a BIO tag over the entity groups.
Its features are the character and its neighbours, jieba's word and tag, LAC's person and place
spans, the lexicons' hits (institution suffixes, departments, titles, event nouns, conditions, the
gazetteer) and the rules' own spans: the rules are evidence, the annotations decide.
`char_features` is the one feature function of training (`kg.train`) and prediction.

`decide_mentions` turns the tagger's spans back into `Mention`s: a span the rules also found keeps
the rules' mention (its canonical name, its fine type, an event's date); a new span gets the fine
type its suffix says and the date its sentence names. A department span the rules found a
department inside of, ending where it ends, starts where the rules' does (the tagger runs
leftwards over the institution or a verb: 某医院神经外科, 转入ICU), and the rules' institution
there is kept; one that starts with a hospital's name (某某医院办公室) with no department of the
rules inside is that hospital and, after it, the department. Pointers (我院, 该院, a bare 座谈会) are not
entities; they pass through for the relation stage to resolve.
"""
from __future__ import annotations

from pathlib import Path

from .model import Article, Candidates, Mention, Sentence
from .resolve import HOSPITAL_PREFIX

# The groups the tagger labels (the scorer's groups, Organization covering its three fine types).
GROUP = {"Hospital": "HOS", "Department": "DEP", "MedicalTeam": "ORG", "GovernmentAgency": "ORG",
         "Organization": "ORG", "Doctor": "PER", "Patient": "PER", "Official": "PER", "Person": "PER",
         "Place": "PLA", "Event": "EVT", "EventRef": "EVT", "Condition": "CON"}
DEFAULT_LABEL = {"HOS": "Hospital", "DEP": "Department", "ORG": "Organization", "PER": "Person",
                 "PLA": "Place", "EVT": "Event", "CON": "Condition"}
PASS_THROUGH = ("Pointer",)  # resolved by the relation stage, never an entity of their own
MODEL_FILE = "mentions.crfsuite"
MIN_HOSPITAL_NAME = 4  # 医院办公室 names the office of the story's hospital, 中心医院办公室 names one


def _char_kind(ch: str) -> str:
    if "\u4e00" <= ch <= "\u9fff":
        return "han"
    if ch.isdigit():
        return "digit"
    if ch.isascii() and ch.isalpha():
        return "latin"
    if ch.isspace():
        return "space"
    return "punct"


def _position(i: int, start: int, end: int) -> str:
    if end - start == 1:
        return "S"
    return "B" if i == start else "E" if i == end - 1 else "I"


def _mark(marks: list[list[str]], start: int, end: int, name: str) -> None:
    for i in range(max(0, start), min(end, len(marks))):
        marks[i].append(f"{name}{_position(i, start, end)}")


def char_features(article: Article, candidates: Candidates, analyzer) -> list[list[list[str]]]:
    """For each sentence of the article, each character's features (strings, for CRFsuite)."""
    text = article.text
    marks: list[list[str]] = [[] for _ in text]
    for token in candidates.tokens:
        for i in range(token.start, min(token.end, len(text))):
            pos = _position(i, token.start, token.end)
            marks[i].append(f"t={token.tag}{pos}")
            if len(token.word) <= 4:
                marks[i].append(f"w={token.word}{pos}")
        place = analyzer.places.get(token.word)
        if place and len(token.word) >= 2:
            _mark(marks, token.start, token.end, f"gaz={place.level}")
    for start, end in candidates.people:
        _mark(marks, start, end, "lac")
    for start, end in candidates.lac_places:
        _mark(marks, start, end, "lacLOC")
    for m in candidates.mentions:
        if m.end > m.start:
            _mark(marks, m.start, m.end, f"r={GROUP.get(m.label, m.label)}")
            marks[m.start].append(f"rf={m.label}")
    for name, pattern in (("sfx", analyzer.org_suffix_re), ("dep", analyzer.department_re),
                          ("ttl", analyzer.title_re), ("evn", analyzer.event_re),
                          ("cnd", analyzer.condition_re)):
        for match in pattern.finditer(text):
            kind = analyzer.org_suffix_type.get(match.group(), "") if name == "sfx" else ""
            _mark(marks, match.start(), match.end(), f"{name}{kind}")
    for match in analyzer.condition_suffix_re.finditer(text):
        marks[match.end() - 1].append("csfx")
    for i, ch in enumerate(text):
        if ch in analyzer.surnames:
            marks[i].append("sur")
    sentences = []
    for sentence in article.sentences:
        rows = []
        for i in range(sentence.start, sentence.end):
            ch = text[i]
            before = text[i - 1] if i > sentence.start else "^"
            after = text[i + 1] if i + 1 < sentence.end else "$"
            # a window of one character each side: two each side scored lower (cross-validated)
            row = ["bias", f"c={ch}", f"c-1={before}", f"c+1={after}", f"c-1c={before}{ch}",
                   f"cc+1={ch}{after}", f"k={_char_kind(ch)}"]
            row.extend(marks[i])
            # the neighbours' rule spans, LAC, suffix, surname, title and word-tag marks
            if i > sentence.start:
                row.extend(f"-1:{m}" for m in marks[i - 1] if m[0] in "rlst")
            if i + 1 < sentence.end:
                row.extend(f"+1:{m}" for m in marks[i + 1] if m[0] in "rlst")
            rows.append(row)
        sentences.append(rows)
    return sentences


def spans_of(labels: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, group) of each B-X I-X… run; an I-X with no B starts a span too."""
    spans, start, group = [], None, None
    for i, label in enumerate(labels + ["O"]):
        kind, _, name = label.partition("-")
        if start is not None and (kind != "I" or name != group):
            spans.append((start, i, group))
            start = None
        if kind == "B" or kind == "I" and start is None:
            start, group = i, name
    return spans


class MentionTagger:
    """A trained CRF: `tag(sentences)` gives each character's BIO label."""

    def __init__(self, path: str | Path) -> None:
        import pycrfsuite

        self.path = str(path)
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(self.path)

    def tag(self, sentences: list[list[list[str]]]) -> list[list[str]]:
        return [self._tagger.tag(rows) if rows else [] for rows in sentences]


def load_tagger(path: str | Path | None = None) -> MentionTagger | None:
    """The shipped mention model (kg/models/mentions.crfsuite), checked against its meta record;
    None when no model ships (the rules alone decide then)."""
    from .models import check_meta, shipped

    path = shipped(MODEL_FILE) if path is None else Path(path)
    if path is None:
        return None
    check_meta(path)
    return MentionTagger(path)


def decide_mentions(article: Article, candidates: Candidates, analyzer,
                    tagger: MentionTagger | None) -> tuple[Mention, ...]:
    """The article's mentions: the tagger's spans, typed and named (see the module's docstring);
    the rules' candidates unchanged when there is no tagger."""
    if tagger is None:
        return candidates.mentions
    labels = tagger.tag(char_features(article, candidates, analyzer))
    found: list[Mention] = []
    for sentence, sentence_labels in zip(article.sentences, labels):
        inside = [m for m in candidates.mentions if sentence.start <= m.start < sentence.end]
        found.extend(_sentence_mentions(article, sentence, spans_of(sentence_labels), inside, analyzer))
    return tuple(found)


def _sentence_mentions(article: Article, sentence: Sentence, spans, candidates, an) -> list[Mention]:
    from .entities import sentence_event_date, strip_titles
    from .split import narrative_date

    text = article.text
    kept: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for start, end, group in spans:
        start, end = sentence.start + start, sentence.start + end
        surface = text[start:end].strip()
        if not surface:
            continue
        same = [m for m in candidates if (m.start, m.end) == (start, end)]
        named = [m for m in candidates if GROUP.get(m.label) == group and m.start <= start and end <= m.end
                 and m.key == surface]
        rule = next((m for m in same if GROUP.get(m.label) == group), None) or (named[0] if named else None)
        if rule is None and group == "DEP":
            # a department the tagger ran leftwards over its institution or a verb (某医院神经外科,
            # 转入ICU): where the rules found the department inside, their start holds
            inner = [m for m in candidates if m.label == "Department" and m.end == end and start < m.start]
            if inner:
                rule = min(inner, key=lambda m: m.start)
                kept.extend(m for m in candidates if GROUP.get(m.label) in ("HOS", "ORG")
                            and start <= m.start and m.end <= rule.start)
                start = rule.start
            else:
                # 某某医院办公室 taken whole, no department of the rules inside: the hospital, then
                # its department (as the rules and the annotations name them)
                hospital = HOSPITAL_PREFIX.match(surface)
                if hospital and len(hospital.group()) >= MIN_HOSPITAL_NAME:
                    cut = start + hospital.end()
                    kept.append(next((m for m in candidates if (m.start, m.end) == (start, cut)
                                      and GROUP.get(m.label) == "HOS"), None)
                                or Mention(article.id, start, cut, "Hospital", hospital.group(), hospital.group()))
                    taken.append((start, cut))
                    start, surface = cut, text[cut:end].strip()
        if rule is not None:
            kept.append(rule)
        else:
            label = _fine_label(group, surface, an)
            name = surface
            if group == "PER":
                name = strip_titles(surface, an) or surface
            elif group == "PLA" and surface in an.places and len(surface) >= 2:
                name = an.places[surface].name
            date = sentence_event_date(sentence.text, start - sentence.start,
                                       narrative_date(article, sentence.start)) if group == "EVT" else None
            kept.append(Mention(article.id, start, end, label, surface, name, date))
        taken.append((start, end))
    for m in candidates:  # pointers the relation stage resolves, where no mention covers them
        if m.label in PASS_THROUGH and not any(s < m.end and m.start < e for s, e in taken):
            kept.append(m)
    return sorted(kept, key=lambda m: (m.start, m.end))


def _fine_label(group: str, surface: str, an) -> str:
    """A new span's type: an organisation's fine type from the longest suffix it ends with."""
    if group != "ORG":
        return DEFAULT_LABEL[group]
    for length in range(min(len(surface), 8), 0, -1):
        kind = an.org_suffix_type.get(surface[-length:])
        if kind in ("MedicalTeam", "GovernmentAgency", "Organization"):
            return kind
    return "Organization"

