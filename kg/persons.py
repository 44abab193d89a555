"""Stage 4c, decided: each person's fine type (Doctor, Patient, Official, Person), as a model trained
on the annotations says.

The rules type a person from the titles next to each name (`kg.relations`), and a relation of care
makes a Doctor or a Patient (`kg.pairs`); a person with no title the rules know stays a plain
Person. This stage reads each person an article names as a whole, all its mentions at once: the
types the earlier stages gave, the characters before and after each mention, the titles of the
lexicon that stand right there and their types, the relations it takes part in, and the kind of
body named before it in its sentence. A multinomial logistic regression (trained with scikit-learn
by `kg.train`, applied here as a plain dot product) scores the four types; the highest wins. A
person in a relation of care keeps the type the relation needs (a doctor treats, a patient has a
condition). The relation stage reads the same model's types before it weighs pairs
(`predict_person_types`: a feature of each person end).
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from .model import ORG_TYPES, PERSON_TYPES, RELATION_ENDS, Article, Mention, MentionRelation
from .models import linear_score, read_model

MODEL_FILE = "person_types.json"
# The relations whose ends need one person type: those keep it.
FIXED_BY = {kind: ends for kind, ends in RELATION_ENDS.items() if kind in ("treated", "hasCondition")}
LONGEST_TITLE = 8


def person_features(article: Article, mentions: tuple[Mention, ...],
                    relations: tuple[MentionRelation, ...], titles: dict[str, str]) -> dict[str, list[str]]:
    """Each person's features (by name), from all its mentions in the article: `titles` maps
    each title of the lexicon to the person type it implies."""
    text = article.text
    sentence_starts = [s.start for s in article.sentences]
    bodies = sorted((m.start, m.label) for m in mentions if m.label in ORG_TYPES)
    body_starts = [start for start, _ in bodies]
    roles: dict[tuple[int, int], list[str]] = defaultdict(list)  # by span: relations hold earlier copies
    for r in relations:
        roles[(r.head.start, r.head.end)].append(f"rel={r.kind}:h:{r.tail.label}")
        roles[(r.tail.start, r.tail.end)].append(f"rel={r.kind}:t:{r.head.label}")
    found: dict[str, dict[str, None]] = {}
    counts: dict[str, int] = defaultdict(int)
    for m in mentions:
        if m.label not in PERSON_TYPES or m.end <= m.start:
            continue
        features = found.setdefault(m.key, {})
        counts[m.key] += 1
        features[f"lab={m.label}"] = None
        for n in (1, 2):
            features[f"L{n}={text[max(0, m.start - n):m.start]}"] = None
        for n in (1, 2):
            features[f"R{n}={text[m.end:m.end + n]}"] = None
        for n in range(1, LONGEST_TITLE + 1):
            before, after = text[max(0, m.start - n):m.start], text[m.end:m.end + n]
            if n <= m.start and before in titles:
                features[f"tb={before}"] = features[f"tbt={titles[before]}"] = None
            if after in titles and len(after) == n:
                features[f"ta={after}"] = features[f"tat={titles[after]}"] = None
        for role in roles.get((m.start, m.end), ()):
            features[role] = None
        # the last body named before it in its sentence: 卫健委主任 … or 医院 … 主任
        sentence_start = sentence_starts[max(0, bisect.bisect_right(sentence_starts, m.start) - 1)]
        at = bisect.bisect_left(body_starts, m.start) - 1
        if at >= 0 and bodies[at][0] >= sentence_start:
            features[f"inst={bodies[at][1]}"] = None
    for key, features in found.items():
        features[f"n={min(counts[key], 4)}"] = None
    return {key: list(features) for key, features in found.items()}


class PersonTypeModel:
    """Per type: a bias and a weight per feature; the type scoring highest wins."""

    def __init__(self, classes: dict[str, dict]) -> None:
        self.classes = classes

    @classmethod
    def load(cls, path: str | Path) -> "PersonTypeModel":
        return cls(read_model(path)["classes"])

    def predict(self, features: list[str]) -> str:
        return max(sorted(self.classes), key=lambda label: linear_score(self.classes[label], features))


def load_model(path: str | Path | None = None) -> PersonTypeModel | None:
    """The shipped person-type model (kg/models/person_types.json); None when none ships, or when
    the annotations it was trained on named too few types to learn from."""
    from .models import shipped

    path = shipped(MODEL_FILE) if path is None else path
    model = None if path is None else PersonTypeModel.load(path)
    return model if model is not None and model.classes else None


def predict_person_types(article: Article, mentions: tuple[Mention, ...],
                         rule_relations: tuple[MentionRelation, ...], model: PersonTypeModel,
                         titles: dict[str, str]) -> dict[str, str]:
    """Each person's type (by name) as the model reads it from the rules' mentions and relations."""
    return {key: model.predict(features)
            for key, features in person_features(article, mentions, rule_relations, titles).items()}


def decide_person_types(article: Article, mentions: tuple[Mention, ...],
                        relations: tuple[MentionRelation, ...], model: PersonTypeModel | None,
                        titles: dict[str, str], rule_relations: tuple[MentionRelation, ...] = ()
                        ) -> tuple[tuple[Mention, ...], tuple[MentionRelation, ...]]:
    """The mentions and relations with each person's mentions retyped as the model says (all of a
    name's mentions alike); unchanged when there is no model. The features read the relations the
    rules proposed (`rule_relations`), as training saw them."""
    if model is None:
        return mentions, relations
    fixed: dict[str, str] = {}
    for r in relations:
        if r.kind in FIXED_BY:
            heads, tails = FIXED_BY[r.kind]
            for m, allowed in ((r.head, heads), (r.tail, tails)):
                if m.label in PERSON_TYPES and len(allowed) == 1:
                    fixed.setdefault(m.key, next(iter(allowed)))
    predicted = predict_person_types(article, mentions, rule_relations, model, titles)
    chosen = {key: fixed.get(key) or label for key, label in predicted.items()}
    retyped: dict[int, Mention] = {}
    for m in mentions:
        if m.label in PERSON_TYPES and chosen.get(m.key, m.label) != m.label:
            retyped[id(m)] = replace(m, label=chosen[m.key])

    def current(m: Mention) -> Mention:
        return retyped.get(id(m), m)

    return (tuple(current(m) for m in mentions),
            tuple(replace(r, head=current(r.head), tail=current(r.tail)) if id(r.head) in retyped
                  or id(r.tail) in retyped else r for r in relations))
