"""Training and cross-validation of the trained stages (`make train`, `make eval`).

    python -m kg.train SET... [--out kg/models] [--cv] [--scorer score.py] [--save FILE] [--compare FILE]
    python -m kg.train SET... --curve --scorer score.py

Each SET is `ARTICLES_DIR:GOLD_DIR` (gold in the scorer's format, one JSON file per article file,
see the README). Training is deterministic: documents are taken in sorted order, CRFsuite's L-BFGS
and liblinear have no random state, and the config below is fixed, so the same data give the same
model bytes.

1. Every annotated file is read, cleaned and split as a build does, and the rules, jieba and LAC
   propose their candidates (`pipeline.propose`).
2. Mentions: each gold name is projected onto the cleaned text (every occurrence, longest first)
   to give each character its BIO label; a CRF learns them from `tagger.char_features`.
3. Relations: the candidate pairs of `pairs.candidate_pairs`, over the mentions the tagger gives
   on documents it was not trained on (5 folds), are labelled by the gold relations; so are those
   over the annotated names themselves (each story read a second time as if the tagger had found
   every gold name: more and cleaner examples of each kind); a logistic regression per kind
   learns them from `pairs.pair_features`; each kind's threshold is the one that maximises its F1
   on cross-validated predictions of the first reading, the one a build sees.
4. Person types: each person an article names, over the same held-out mentions and the rules'
   relations, is labelled by its gold entity's type; a multinomial logistic regression learns them
   from `persons.person_features`.
5. With `--cv`, the whole procedure is also run with each set left out and on 5 folds by document,
   and every held-out document is built and scored by the scorer: the only figures to quote.
   The 5-fold row comes with its 95 % interval, the held-out documents drawn with replacement,
   and with the same held-out documents built over their annotated names instead of the
   tagger's mentions (what the relations lose to the mentions);
   `--save FILE` keeps each document's 5-fold counts and `--compare FILE` compares a run with
   them, document by document (the change and its interval). With one set, no set is left out.
6. With `--curve`, the learning curve: the same 5 folds, each fold's models trained on a quarter,
   a half, three quarters and all of its training documents (random draws), the held-out folds
   scored as in step 5, over the tagger's mentions and over the annotated names (what the
   relation stage gains alone); then how much each figure gains when the training documents double, and
   how many training documents a straight line in the logarithm of their count would need to
   reach the project's targets (`GOALS`). It says whether more annotation or better models is
   the way on; writes no model.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import math
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .evaluate import group, norm
from .model import Article, Candidates, Extraction, Mention, RELATION_KINDS
from .models import write_meta
from .tagger import GROUP

CONFIG = {
    # chosen by 5-fold cross-validation: c1 0.05-1.0 and c2 0.01-1.0 gave entity F1 0.78-0.79;
    # features seen once dropped (minfreq 2) scored the same or better, in a smaller file
    "tagger": {"c1": 0.1, "c2": 1.0, "max_iterations": 150, "feature.minfreq": 2,
               "feature.possible_transitions": True},
    # 0.25: with the annotated reading the regression sees each story twice, so C is halved to keep
    # the penalty per example as it was at 0.5 (measured, pooled over three assignments: relation
    # F1 +0.002, worksAt +0.007, aidedBy -0.009; 1.0 scored lower)
    "relations": {"C": 0.25, "folds": 5},
    "person_types": {"C": 3.0},
    "cv_folds": 5,
}

# The project's accuracy targets for the cross-validated figures (README, "How the figures grow
# with annotations"): the learning curve estimates how many training documents each would take.
GOALS = {"entity all": 0.88, "relation all": 0.70, "relation aidedBy": 0.65, "relation treated": 0.65,
         "relation hosted": 0.55, "person types": 0.85}
# The learning curve's share of each fold's training documents, and how many random draws of
# each share (all of them: one draw, the 5-fold row itself).
CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
CURVE_DRAWS = 2


@dataclass(frozen=True)
class GoldEntity:
    id: str
    type: str
    names: frozenset[str]
    date: str | None

    @property
    def group(self) -> str:
        """The scorer's group of the type (a Doctor is a Person)."""
        return group(self.type)


@dataclass(frozen=True)
class GoldDocument:
    document: str
    entities: tuple[GoldEntity, ...]
    relations: frozenset[tuple[str, str, str]]


@dataclass
class Document:
    """One annotated file: its set, its gold, and each of its stories with their candidates."""

    set: str
    source: Path
    gold_path: Path
    gold: GoldDocument
    stories: list[tuple[Article, Candidates]]


def load_gold(path: Path) -> GoldDocument:
    data = json.loads(path.read_text(encoding="utf-8"))
    entities = tuple(GoldEntity(e["id"], e["type"],
                                frozenset(norm(n) for n in [e["name"], *e.get("aliases", [])]),
                                e.get("date")) for e in data["entities"])
    relations = frozenset((r["type"], r["head"], r["tail"]) for r in data["relations"])
    return GoldDocument(data["document"], entities, relations)


def load_documents(sets: Sequence[tuple[str, Path, Path]], analyzer) -> list[Document]:
    """Every annotated file of the sets (name, articles folder, gold folder), in sorted order."""
    from .extract import document_articles, propose
    from .read import read_document

    documents = []
    for name, articles, gold_dir in sets:
        for gold_path in sorted(gold_dir.glob("*.json")):
            gold = load_gold(gold_path)
            source = articles / gold.document
            stories = [(a, propose(a, analyzer)) for a in document_articles(read_document(source), analyzer)]
            documents.append(Document(name, source, gold_path, gold, stories))
    return documents


# ------------------------------------------------------------------ mentions

def mention_labels(article: Article, gold: GoldDocument) -> list[list[str]]:
    """Each sentence's BIO labels: every occurrence of a gold name, longest names first."""
    text = article.text
    labels = ["O"] * len(text)
    names = sorted({(n, e.group) for e in gold.entities for n in e.names if len(n) >= 2},
                   key=lambda x: (-len(x[0]), x))
    for name, name_group in names:
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if all(label == "O" for label in labels[start:end]):
                labels[start] = f"B-{GROUP[name_group]}"
                for i in range(start + 1, end):
                    labels[i] = f"I-{GROUP[name_group]}"
            start = text.find(name, start + 1)
    return [labels[s.start:s.end] for s in article.sentences]


def fit_tagger(documents: Sequence[Document], path: Path, analyzer) -> Path:
    import pycrfsuite

    from .tagger import char_features

    trainer = pycrfsuite.Trainer(verbose=False)
    for doc in documents:
        for article, candidates in doc.stories:
            for rows, labels in zip(char_features(article, candidates, analyzer),
                                    mention_labels(article, doc.gold)):
                if rows:
                    trainer.append(rows, labels)
    trainer.set_params(CONFIG["tagger"])
    trainer.train(str(path))
    return path


# ------------------------------------------------------------------ relations

def gold_ids(m: Mention, gold: GoldDocument) -> set[str]:
    """The gold entities a mention names, matched as the scorer matches nodes."""
    kind = group(m.label)
    names = {norm(m.key), norm(m.text)} - {""}
    if kind == "Event":
        return {e.id for e in gold.entities if e.group == "Event" and any(g in p for g in e.names for p in names)
                and not (m.date and e.date and m.date != e.date)}
    return {e.id for e in gold.entities if e.group == kind and e.names & names}


def relation_label(kind: str, head: set[str], tail: set[str], gold: GoldDocument,
                   part_of: dict[str, set[str]]) -> bool:
    for h in head:
        for t in tail:
            if (kind, h, t) in gold.relations:
                return True
            # the scorer takes worksAt to the hospital of the gold department as right
            if kind == "worksAt" and any(("worksAt", h, unit) in gold.relations and t in part_of[unit]
                                         for unit in part_of):
                return True
    return False


@dataclass(frozen=True, slots=True)
class RelationExample:
    document: int  # index: examples are grouped by document for cross-validation
    kind: str
    features: list[str]
    label: bool
    fact: tuple  # (document, head name, tail name): the pairs of one fact become one edge
    held_out: bool = True  # read with a held-out tagger's mentions (else with the annotated names)


def held_out_extractions(documents: Sequence[Document], taggers: dict[str, object], analyzer
                         ) -> list[tuple[int, Document, Extraction]]:
    """Each story as the trained stages see it before they decide relations and person types:
    the mentions of the tagger `taggers` gives for its document (one that did not see it) and the
    rules' relations among them; with the document's index (examples are grouped by document)."""
    return _readings(documents, analyzer, lambda doc, article: taggers[str(doc.source)])


class AnnotatedTagger:
    """Stands in for the mention tagger of one story: each character labelled as the annotations
    name it (`mention_labels`), as if the tagger had found every gold name and nothing else."""

    def __init__(self, labels: list[list[str]]) -> None:
        self.labels = labels

    def tag(self, sentences: list[list[list[str]]]) -> list[list[str]]:
        return self.labels


def annotated_extractions(documents: Sequence[Document], analyzer) -> list[tuple[int, Document, Extraction]]:
    """Each story as `held_out_extractions` gives it, but with the annotated names for mentions:
    a second reading whose pairs the relation model learns from as well (measured: treated +0.019
    and relation F1 +0.003 pooled over three assignments of the 5 folds)."""
    return _readings(documents, analyzer, annotated_tagger)


def annotated_tagger(doc: Document, article: Article) -> AnnotatedTagger:
    """The stand-in tagger of one story of an annotated document: its gold names."""
    return AnnotatedTagger(mention_labels(article, doc.gold))


def _readings(documents: Sequence[Document], analyzer, tagger_of: Callable[[Document, Article], object]
              ) -> list[tuple[int, Document, Extraction]]:
    """Each story's mentions as `tagger_of(document, story)` tags them and the rules' relations
    among them, with its document's index."""
    from .extract import decide

    found = []
    for index, doc in enumerate(documents):
        for article, candidates in doc.stories:
            # without a relation model, decide gives the tagger's mentions and the rules' relations
            rules_decide = dataclasses.replace(analyzer, mention_tagger=tagger_of(doc, article),
                                               relation_model=None, person_model=None)
            found.append((index, doc, decide(article, candidates, rules_decide)))
    return found


def relation_examples(extractions: Sequence[tuple[int, Document, Extraction]],
                      person_types: Sequence[dict[str, str] | None] | None = None,
                      held_out: bool = True) -> list[RelationExample]:
    """Every candidate pair of the `held_out_extractions` (or, `held_out` false, of the
    `annotated_extractions`), labelled by its document's gold; `person_types`, per extraction, the
    types a person-type model that did not see it gives."""
    from .pairs import iter_features

    examples = []
    part_of: dict[int, dict[str, set[str]]] = {}
    for at, (index, doc, extraction) in enumerate(extractions):
        if index not in part_of:
            part_of[index] = defaultdict(set)
            for kind, h, t in doc.gold.relations:
                if kind == "partOf":
                    part_of[index][h].add(t)
        ids: dict[int, set[str]] = {}
        for pair, features in iter_features(extraction.article, extraction.mentions, extraction.relations,
                                            person_types[at] if person_types else None):
            for m in (pair.head, pair.tail):
                if id(m) not in ids:
                    ids[id(m)] = gold_ids(m, doc.gold)
            head, tail = ids[id(pair.head)], ids[id(pair.tail)]
            examples.append(RelationExample(index, pair.kind, features,
                                            relation_label(pair.kind, head, tail, doc.gold, part_of[index]),
                                            (index, pair.head.key, pair.tail.key), held_out))
    return examples


def fit_relations(examples) -> dict[str, dict]:
    """A logistic regression per kind, its threshold from grouped cross-validated predictions."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    kinds = {}
    for kind in RELATION_KINDS:
        rows = [e for e in examples if e.kind == kind]
        labels = np.array([e.label for e in rows], dtype=int)
        if labels.sum() < 3 or labels.sum() == len(labels):
            continue
        vectorizer = DictVectorizer()
        matrix = vectorizer.fit_transform([dict.fromkeys(e.features, 1) for e in rows]).tocsr()
        matrix.indices, matrix.indptr = matrix.indices.astype(np.int32), matrix.indptr.astype(np.int32)
        groups = np.array([e.document for e in rows])

        def model():
            return LogisticRegression(C=CONFIG["relations"]["C"], solver="liblinear", max_iter=1000)

        thresholds = (0.5, 0.5)  # with fewer than two documents there is nothing to cross-validate on
        floors: dict[str, float] = {}
        folds = min(CONFIG["relations"]["folds"], len(set(groups)))
        if folds >= 2:
            predicted = np.zeros(len(rows))
            for train, test in GroupKFold(n_splits=folds).split(matrix, labels, groups):
                if 0 < labels[train].sum() < len(train):
                    predicted[test] = model().fit(matrix[train], labels[train]).predict_proba(matrix[test])[:, 1]
            # chosen on the held-out reading alone: the one a build's mentions are like
            kept = [at for at, row in enumerate(rows) if row.held_out]
            thresholds = best_thresholds(predicted[kept], [rows[at] for at in kept])
            floors = best_floors(predicted[kept], [rows[at] for at in kept], thresholds)
        fitted = model().fit(matrix, labels)
        # weights under 0.01 change no decision here (measured) and would double the file
        weights = {name: round(float(w), 3) for name, w in zip(vectorizer.feature_names_, fitted.coef_[0])
                   if abs(w) >= 0.01}
        kinds[kind] = {"bias": round(float(fitted.intercept_[0]), 4), "threshold": thresholds[1],
                       "threshold_rule": thresholds[0], **({"floors": floors} if floors else {}),
                       "weights": dict(sorted(weights.items()))}
    return kinds


GRID = [x / 20 for x in range(1, 20)]  # the scores tried as thresholds and floors


def best_thresholds(scores, rows: Sequence[RelationExample]) -> tuple[float, float]:
    """The thresholds (for pairs a rule proposed, for the others) with the best F1 over facts, as
    the graph counts them: a fact (one head and tail named alike in one document) is predicted
    when any of its pairs scores at or above its threshold."""
    truth, best_score, _ = _facts(scores, rows)
    positives = sum(truth.values())
    best, best_f1 = (0.5, 0.5), -1.0
    for voted_at in GRID:
        for other_at in GRID:
            chosen = [fact for fact, (voted, other) in best_score.items() if voted >= voted_at or other >= other_at]
            f1 = _fact_f1(sum(truth[fact] for fact in chosen), len(chosen), positives)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = (voted_at, other_at), f1
    return best


def _fact_f1(right: int, predicted: int, positives: int) -> float:
    """F1 over facts from the right ones, the predicted ones and the true ones (0 when there
    are neither predicted nor true facts)."""
    return 2 * right / (predicted + positives) if predicted or positives else 0.0


def _facts(scores, rows: Sequence[RelationExample]) -> tuple[dict, dict, dict]:
    """Per fact: whether it holds, the best score of its voted pairs and of its other pairs, and
    the type of its head (as its first pair's `ht=` feature names it)."""
    truth: dict = {}
    best_score: dict = {}  # fact -> (best score of its voted pairs, of its other pairs)
    head_label: dict = {}
    for score, row in zip(scores, rows):
        truth[row.fact] = truth.get(row.fact, False) or row.label
        voted, other = best_score.get(row.fact, (-1.0, -1.0))
        best_score[row.fact] = (max(voted, score), other) if "rule" in row.features else (voted, max(other, score))
        head_label.setdefault(row.fact, next((f[3:].split(">")[0] for f in row.features if f.startswith("ht=")), ""))
    return truth, best_score, head_label


def best_floors(scores, rows: Sequence[RelationExample], thresholds: tuple[float, float]) -> dict[str, float]:
    """Per type of head: the score at or above which a head with no fact over the `thresholds`
    takes its likeliest one anyway, the one that raises the kind's F1 over facts most (most
    departments are part of a hospital, most doctors work somewhere: 96 % and 97 % in the
    annotations), each type in turn; no floor for a type where none raises it."""
    truth, best_score, head_label = _facts(scores, rows)
    chosen = {fact for fact, (voted, other) in best_score.items() if voted >= thresholds[0] or other >= thresholds[1]}
    positives = sum(truth.values())
    heads_with_one = {fact[:2] for fact in chosen}  # (document, head name)
    likeliest: dict = {}  # each other head -> (score, fact) of its best fact
    for fact, (voted, other) in best_score.items():
        if fact[:2] not in heads_with_one:
            likeliest[fact[:2]] = max(likeliest.get(fact[:2], (-1.0, fact)), (max(voted, other), fact))
    tp, count = sum(truth[fact] for fact in chosen), len(chosen)
    floors = {}
    for label in sorted({head_label[fact] for _, fact in likeliest.values()}):
        options = [(score, fact) for score, fact in likeliest.values() if head_label[fact] == label]
        best_f1 = _fact_f1(tp, count, positives)
        best = None
        for floor in reversed(GRID):  # of floors that do equally well, the highest takes least
            added = [fact for score, fact in options if score >= floor]
            gained = sum(truth[fact] for fact in added)
            f1 = _fact_f1(tp + gained, count + len(added), positives)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = (floor, gained, len(added)), f1
        if best:
            floors[label] = best[0]
            tp, count = tp + best[1], count + best[2]
    return floors


def person_examples(extractions: Sequence[tuple[int, Document, Extraction]], analyzer
                    ) -> list[tuple[dict[str, int], str]]:
    """Each person a story of the `held_out_extractions` names whose gold entities agree on one
    type: its features and that type."""
    from .persons import person_features

    examples = []
    for index, doc, extraction in extractions:
        fine = {e.id: e.type for e in doc.gold.entities}
        first: dict[str, Mention] = {}
        for m in extraction.mentions:
            first.setdefault(m.key, m)
        for key, features in person_features(extraction.article, extraction.mentions, extraction.relations,
                                             analyzer.titles).items():
            types = {fine[i] for i in gold_ids(first[key], doc.gold)}
            if len(types) == 1:
                examples.append((dict.fromkeys(features, 1), types.pop()))
    return examples


def fit_person_types(examples) -> dict[str, dict]:
    """A multinomial logistic regression over the person types: per type, a bias and weights."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len({label for _, label in examples}) < 2:
        return {}
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([features for features, _ in examples])
    fitted = LogisticRegression(C=CONFIG["person_types"]["C"], max_iter=2000).fit(
        matrix, [label for _, label in examples])
    classes = {}
    for label, bias, row in zip(fitted.classes_, fitted.intercept_, fitted.coef_):
        classes[str(label)] = {"bias": round(float(bias), 4), "weights": {
            name: round(float(w), 3) for name, w in sorted(zip(vectorizer.feature_names_, row)) if abs(w) >= 0.01}}
    return classes


# ------------------------------------------------------------------ training as a whole

@dataclass
class Models:
    tagger_path: Path
    relations: dict[str, dict]
    person_types: dict[str, dict] = dataclasses.field(default_factory=dict)


def fingerprint(documents: Sequence[Document]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(doc.source.read_bytes())
        digest.update(json.dumps(sorted(map(list, doc.gold.relations))).encode())
        digest.update(json.dumps(sorted((e.id, e.group, sorted(e.names)) for e in doc.gold.entities)).encode())
    return digest.hexdigest()[:16]


def folds_of(documents: Sequence[Document], n: int, repeat: int = 0) -> list[int]:
    """A document's fold: by a hash of its file name, so adding files moves no other. Each
    `repeat` is another assignment (its number salts the hash; 0, the first, has no salt)."""
    salt = f"{repeat}:".encode() if repeat else b""
    return [int(hashlib.sha256(salt + doc.source.name.encode()).hexdigest(), 16) % n for doc in documents]


def train(documents: Sequence[Document], folder: Path, analyzer, log=print) -> Models:
    """A tagger on all the documents, and a relation model and a person-type model on what the
    taggers that did not see each document (5 folds) find in it."""
    from .tagger import MentionTagger

    if not documents:
        raise ValueError("nothing to train on: no annotated document")
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tagger_path = fit_tagger(documents, folder / "mentions.crfsuite", analyzer)
    log(f"  tagger on {len(documents)} documents: {time.perf_counter() - started:.1f} s")
    folds = folds_of(documents, CONFIG["relations"]["folds"])
    taggers = {}
    with tempfile.TemporaryDirectory() as scratch:
        for fold in sorted(set(folds)):
            inside = [d for d, f in zip(documents, folds) if f != fold]
            # all documents in one fold: nothing to hold out, the tagger of all of them serves
            tagger = MentionTagger(fit_tagger(inside, Path(scratch) / f"fold{fold}.crfsuite", analyzer)
                                   if inside else tagger_path)
            taggers.update({str(d.source): tagger for d, f in zip(documents, folds) if f == fold})
        started = time.perf_counter()
        extractions = held_out_extractions(documents, taggers, analyzer)
        log(f"  held-out extraction: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    # each story's person examples once: the model of all and those of the folds are fitted on them
    examples = [person_examples([x], analyzer) for x in extractions]
    person_types = fit_person_types([e for found in examples for e in found])
    log(f"  person types: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    annotated = annotated_extractions(documents, analyzer)
    types = held_out_person_types(extractions, examples, folds, analyzer, extractions + annotated)
    relations = fit_relations(relation_examples(extractions, types[:len(extractions)])
                              + relation_examples(annotated, types[len(extractions):], held_out=False))
    log(f"  relations: {time.perf_counter() - started:.1f} s")
    return Models(tagger_path, relations, person_types)


def held_out_person_types(extractions: Sequence[tuple[int, Document, Extraction]],
                          examples: Sequence[list[tuple[dict[str, int], str]]], folds: Sequence[int],
                          analyzer, read: Sequence[tuple[int, Document, Extraction]] | None = None
                          ) -> list[dict[str, str] | None]:
    """Per extraction of `read` (the `held_out_extractions` when not given), each person's type as
    a person-type model trained on the held-out extractions of the other folds reads it
    (`examples`: each held-out extraction's `person_examples`; `folds`: each document's), as a
    build gives the relation model."""
    from .persons import PersonTypeModel, predict_person_types

    models = {}
    for fold in sorted(set(folds)):
        classes = fit_person_types([e for x, found in zip(extractions, examples) if folds[x[0]] != fold
                                    for e in found])
        models[fold] = PersonTypeModel(classes) if classes else None
    return [predict_person_types(x.article, x.mentions, x.relations, models[folds[index]], analyzer.titles)
            if models[folds[index]] else None for index, _, x in (extractions if read is None else read)]


def write_relations(models: Models, path: Path) -> None:
    path.write_text(json.dumps({"kinds": models.relations}, ensure_ascii=False, indent=0,
                               sort_keys=True) + "\n", encoding="utf-8")


def write_person_types(models: Models, path: Path) -> None:
    path.write_text(json.dumps({"classes": models.person_types}, ensure_ascii=False, indent=0,
                               sort_keys=True) + "\n", encoding="utf-8")


def analyzer_with(analyzer, models: Models | None):
    from .pairs import RelationModel
    from .persons import PersonTypeModel
    from .tagger import MentionTagger

    if models is None:
        return dataclasses.replace(analyzer, mention_tagger=None, relation_model=None, person_model=None)
    return dataclasses.replace(analyzer, mention_tagger=MentionTagger(models.tagger_path),
                               relation_model=RelationModel(models.relations),
                               person_model=PersonTypeModel(models.person_types) if models.person_types else None)


# ------------------------------------------------------------------ cross-validation

def build_and_score(documents: Sequence[Document], analyzer, scorer, scratch: Path) -> dict:
    """Build the documents with the analyzer's models and score them; the scorer's report."""
    return score_extractions(documents, [x for found in extract_documents(documents, analyzer) for x in found],
                             scorer, scratch)


def extract_documents(documents: Sequence[Document], analyzer) -> list[list[Extraction]]:
    """Each document's extractions by the analyzer's models."""
    from .extract import decide

    return [[decide(a, c, analyzer) for a, c in d.stories] for d in documents]


def extract_with_annotated_names(documents: Sequence[Document], analyzer) -> list[list[Extraction]]:
    """Each document's extractions by the analyzer's relation and person-type models over its
    annotated names (`AnnotatedTagger`) rather than its tagger's mentions: what the later stages
    make of mentions with no error, so what the relations lose to the mentions."""
    from .extract import decide

    return [[decide(a, c, dataclasses.replace(analyzer, mention_tagger=annotated_tagger(d, a))) for a, c in d.stories]
            for d in documents]


def score_extractions(documents: Sequence[Document], extractions: Sequence[Extraction], scorer,
                      scratch: Path) -> dict:
    """Resolve the extractions into one graph and score it against the documents' gold."""
    from . import export_rdf
    from .resolve import resolve

    kg = resolve(list(extractions))
    gold_dir = scratch / "gold"
    gold_dir.mkdir(parents=True, exist_ok=True)
    for old in gold_dir.glob("*.json"):
        old.unlink()
    for doc in documents:
        (gold_dir / doc.gold_path.name).write_bytes(doc.gold_path.read_bytes())
    graph = scratch / "graph.ttl"
    export_rdf.write_rdf(export_rdf.Triples(kg), graph, "ttl")
    return scorer.score(graph, gold_dir)


def counts(report: dict) -> dict[str, list[float]]:
    """Of each line of a scorer report: [tp on the predicted side, predicted, tp on the gold side,
    gold], which add up across reports; "person types" is [rightly typed, 0, matched, 0]."""
    found = {}
    for part in ("entity", "relation"):
        for key, v in report[part].items():
            if isinstance(v, dict):
                found[f"{part} {key}"] = [v["precision"] * v["predicted"], v["predicted"],
                                          v["recall"] * v["gold"], v["gold"]]
    person = report["entity"].get("Person")
    if person:
        matched = person["recall"] * person["gold"]
        found["person types"] = [report["entity"].get("person_fine_type_accuracy", 0.0) * matched, 0, matched, 0]
    return found


def add(total: dict, part: dict) -> None:
    for key, values in part.items():
        total[key] = [a + b for a, b in zip(total.get(key, [0, 0, 0, 0]), values)]


def f1_row(values: list[float]) -> tuple[float, float, float]:
    tp_pred, predicted, tp_gold, gold = values
    p = tp_pred / predicted if predicted else 0.0
    r = tp_gold / gold if gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


SUMMARY = ("entity all", "relation all", "relation aidedBy", "relation treated", "relation hosted",
           "relation worksAt")


def summary_line(name: str, total: dict) -> str:
    cells = [f"{f1_row(total.get(key, [0, 0, 0, 0]))[2]:.3f}" for key in SUMMARY]
    return f"| {name} | " + " | ".join(cells) + f" | {_person_accuracy(total):.3f} |"


def _person_accuracy(total: dict) -> float:
    matched = total.get("person types", [0, 0, 0, 0])
    return matched[0] / matched[2] if matched[2] else 0.0


def _figures(total: dict) -> dict[str, float]:
    """The summary line's figures of summed counts."""
    found = {key: f1_row(total.get(key, [0, 0, 0, 0]))[2] for key in SUMMARY}
    found["person types"] = _person_accuracy(total)
    return found


def _bootstrap(runs: Sequence[Sequence[dict]], rounds: int = 1000, seed: int = 0) -> list[list[dict[str, float]]]:
    """Each round's figures of each run, over one draw of documents with replacement (the same
    draw for every run: runs are per-document counts of the same documents, in one order)."""
    import random

    rng = random.Random(seed)
    count = len(runs[0])
    rounds_found = []
    for _ in range(rounds):
        chosen = [rng.randrange(count) for _ in range(count)]
        rounds_found.append([_figures(_summed([run[index] for index in chosen])) for run in runs])
    return rounds_found


def _interval(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def interval_line(name: str, per_document: Sequence[dict], rounds: int = 1000, seed: int = 0) -> str:
    """The 95 % interval of each summary figure, bootstrapping documents: the spread a figure
    would have on another draw of as many articles (two settings whose figures differ by less
    than it are not told apart by these documents)."""
    draws = _bootstrap([per_document], rounds, seed)
    cells = []
    for key in (*SUMMARY, "person types"):
        low, high = _interval([found[0][key] for found in draws])
        cells.append(f"{low:.2f}–{high:.2f}")
    return f"| {name} | " + " | ".join(cells) + " |"


def paired_lines(before: dict[str, dict], after: dict[str, dict], rounds: int = 1000, seed: int = 0) -> list[str]:
    """Two cross-validations of the same documents (gold file → counts, as `--save` writes them)
    compared: each figure before and after, and the 95 % interval of the difference with the
    documents drawn alike for both. A change is told apart where its interval leaves out 0."""
    names = sorted(before.keys() & after.keys())
    if not names:
        raise ValueError("the two cross-validations share no document")
    runs = [[before[n] for n in names], [after[n] for n in names]]
    point = [_figures(_summed(run)) for run in runs]
    draws = _bootstrap(runs, rounds, seed)
    lines = [f"paired over {len(names)} documents", "| figure | before | after | change | 95 % interval |",
             "|---|---|---|---|---|"]
    for key in (*SUMMARY, "person types"):
        low, high = _interval([found[1][key] - found[0][key] for found in draws])
        lines.append(f"| {key} | {point[0][key]:.3f} | {point[1][key]:.3f} | {point[1][key] - point[0][key]:+.3f} "
                     f"| {low:+.3f} to {high:+.3f} |")
    return lines


def _summed(run: Sequence[dict]) -> dict:
    total: dict = {}
    for part in run:
        add(total, part)
    return total


def held_out_scores(train_docs: Sequence[Document], test_docs: Sequence[Document], folder: Path, analyzer,
                    scorer, scratch: Path, log=print) -> tuple[list[list[Extraction]], dict, dict]:
    """Models trained on `train_docs` (written to `folder`), then `test_docs` built by them: each
    document's extractions, the counts of all of them scored as one build, and the counts of the
    same documents built over their annotated names (what the relations lose to the mentions)."""
    trained = analyzer_with(analyzer, train(train_docs, folder, analyzer, log=log))
    found = extract_documents(test_docs, trained)
    tagged = counts(score_extractions(test_docs, [x for xs in found for x in xs], scorer, scratch))
    given = extract_with_annotated_names(test_docs, trained)
    return found, tagged, counts(score_extractions(test_docs, [x for xs in given for x in xs], scorer, scratch))


def cross_validate(documents: Sequence[Document], analyzer, scorer, log=print,
                   held_out: dict[str, dict] | None = None, repeats: int = 1) -> list[str]:
    """Leave-one-set-out and 5-fold-by-document scores, each held-out part built by models trained
    without it; also the rules alone and the models scored on what they were trained on. With
    `held_out`, each document's own counts in the 5 folds are put there (gold file → counts).
    `repeats` > 1 runs the 5 folds over that many assignments of documents to folds and pools the
    counts: every document is then scored by as many models, each trained on another sample of
    the others, which averages out how much a model moves with its training set."""
    lines = ["| held out | entity F1 | relation F1 | aidedBy | treated | hosted | worksAt | person type |",
             "|---|---|---|---|---|---|---|---|"]
    sets = sorted({d.set for d in documents})
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        rules_total: dict = {}
        for name in sets:
            part = [d for d in documents if d.set == name]
            rules = counts(build_and_score(part, analyzer_with(analyzer, None), scorer, scratch))
            lines.append(summary_line(f"set {name}, the rules alone", rules))
            add(rules_total, rules)
        lines.append(summary_line(f"all {len(documents)}, the rules alone", rules_total))
        for name in sets if len(sets) > 1 else ():  # one set: no other to train on
            train_docs = [d for d in documents if d.set != name]
            test_docs = [d for d in documents if d.set == name]
            models = train(train_docs, scratch / f"loso-{name}", analyzer, log=log)
            total: dict = {}
            add(total, counts(build_and_score(test_docs, analyzer_with(analyzer, models), scorer, scratch)))
            lines.append(summary_line(f"set {name}, trained on the other sets", total))
        cv_total: dict = {}
        annotated_total: dict = {}
        per_document = {} if held_out is None else held_out
        one_build: list[Extraction] = []  # the first assignment's held-out readings
        for repeat in range(repeats):
            folds = folds_of(documents, CONFIG["cv_folds"], repeat)
            for fold in sorted(set(folds)):
                train_docs = [d for d, f in zip(documents, folds) if f != fold]
                test_docs = [d for d, f in zip(documents, folds) if f == fold]
                found, tagged, given = held_out_scores(train_docs, test_docs, scratch / f"fold-{repeat}-{fold}",
                                                       analyzer, scorer, scratch, log)
                if repeat == 0:
                    one_build += [x for xs in found for x in xs]
                add(cv_total, tagged)
                add(annotated_total, given)
                for doc, extractions in zip(test_docs, found):
                    add(per_document.setdefault(doc.gold_path.name, {}),
                        counts(score_extractions([doc], extractions, scorer, scratch)))
                log(f"  fold {fold}{f' of assignment {repeat + 1}' if repeats > 1 else ''}: "
                    f"{len(test_docs)} held out")
        pooled = f", {repeats} assignments pooled" if repeats > 1 else ""
        used = len(set(folds_of(documents, CONFIG["cv_folds"])))  # fewer when there are few documents
        lines.append(summary_line(f"all {len(documents)}, {used} folds by document{pooled}", cv_total))
        alone = [per_document[d.gold_path.name] for d in documents]
        lines.append(interval_line("the same, 95 % interval (each document scored alone, drawn with "
                                   "replacement)", alone))
        lines.append(summary_line("the same, with the annotated names for mentions (what the relations "
                                  "lose to the mentions)", annotated_total))
        # Each fold's held-out files are scored as one build. The annotations give one thing named
        # in two files (a city, a ministry) an id per file, while a build makes it one entity, as
        # the guidelines ask, so a build of more files scores lower: both ends are shown.
        lines.append(summary_line("the same, each file built alone", _summed(alone)))
        lines.append(summary_line(f"the same, all {len(documents)} files in one build"
                                  f"{' (the first assignment)' if repeats > 1 else ''}",
                                  counts(score_extractions(documents, one_build, scorer, scratch))))
        models = train(documents, scratch / "all", analyzer, log=log)
        seen: dict = {}
        for name in sets:
            part = [d for d in documents if d.set == name]
            add(seen, counts(build_and_score(part, analyzer_with(analyzer, models), scorer, scratch)))
        lines.append(summary_line(f"all {len(documents)}, trained on all (not a figure to quote)", seen))
    return lines


def training_sample(documents: Sequence[Document], fraction: float, draw: int, fold: int) -> list[Document]:
    """`fraction` of `documents` (one at least), drawn at random but the same every time for the
    same draw and fold, in their order."""
    if fraction >= 1:
        return list(documents)
    count = max(1, round(fraction * len(documents)))
    chosen = sorted(random.Random(f"{draw}:{fold}").sample(range(len(documents)), count))
    return [documents[index] for index in chosen]


def log2_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """Least squares of figure = intercept + slope × log2(documents) over (documents, figure)
    points: (slope, intercept), the slope being the gain per doubling; None for fewer than two
    distinct counts."""
    xs = [math.log2(n) for n, _ in points]
    if len(set(xs)) < 2:
        return None
    mean_x, mean_y = sum(xs) / len(xs), sum(y for _, y in points) / len(points)
    slope = (sum((x - mean_x) * (y - mean_y) for x, (_, y) in zip(xs, points))
             / sum((x - mean_x) ** 2 for x in xs))
    return slope, mean_y - slope * mean_x


def documents_for(goal: float, fit: tuple[float, float] | None, largest: float, reached: float) -> str:
    """The training documents at which the fitted line reaches `goal`: "met" where the figure of
    the largest training set already does, "—" where the line does not rise."""
    if reached >= goal:
        return "met"
    if fit is None or fit[0] <= 0:
        return "—"
    slope, intercept = fit
    return f"{max(largest, 2 ** ((goal - intercept) / slope)):,.0f}"


def learning_curve(documents: Sequence[Document], analyzer, scorer, log=print,
                   fractions: Sequence[float] = CURVE_FRACTIONS, draws: int = CURVE_DRAWS) -> list[str]:
    """The 5-fold figures (first assignment) with each fold's models trained on `fractions` of its
    training documents, `draws` random draws of each (counts pooled), and the same held-out stories
    built over their annotated names (what the relation stage alone gains); then each figure's
    gain per doubling of the training documents (least squares in log2 of their count, each
    fraction one point, the tagger's mentions) and the training documents that line reaches each
    of `GOALS` at. Learning curves flatten as data grow, so the line's count is a floor, not a
    promise."""
    folds = folds_of(documents, CONFIG["cv_folds"])
    # each fold's training and held-out documents; a fold with nothing to train on (one fold in
    # all, too few documents) is left out
    splits = []
    for fold in sorted(set(folds)):
        train_docs = [d for d, f in zip(documents, folds) if f != fold]
        if train_docs:
            splits.append((fold, train_docs, [d for d, f in zip(documents, folds) if f == fold]))
    keys = (*SUMMARY, "person types")
    lines = ["| training documents per fold | entity F1 | relation F1 | aidedBy | treated | hosted | "
             "worksAt | person type |", "|---|---|---|---|---|---|---|---|"]
    points: list[tuple[float, dict[str, float]]] = []
    given_rows: list[str] = []  # the same shares over the annotated names: the relation stage alone
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for fraction in fractions:
            total: dict = {}
            given_total: dict = {}
            sizes = []
            runs = draws if fraction < 1 else 1
            for draw in range(runs):
                for fold, train_docs, test_docs in splits:
                    sample = training_sample(train_docs, fraction, draw, fold)
                    _, tagged, given = held_out_scores(sample, test_docs, scratch / f"curve-{fraction}-{draw}-{fold}",
                                                       analyzer, scorer, scratch, log)
                    add(total, tagged)
                    add(given_total, given)
                    sizes.append(len(sample))
            if not sizes:
                continue
            size = sum(sizes) / len(sizes)
            points.append((size, _figures(total)))
            share = "all" if fraction >= 1 else f"{fraction:.0%}"
            name = f"{share}: {size:.1f}{f', {runs} draws pooled' if runs > 1 else ''}"
            lines.append(summary_line(name, total))
            given_rows.append(summary_line(f"{name}, with the annotated names for mentions", given_total))
            log(f"  learning curve: {share} of the training documents done")
    lines.extend(given_rows)
    fits = {key: log2_fit([(n, found[key]) for n, found in points]) for key in keys}
    lines.append("| gain per doubling of the training documents | "
                 + " | ".join("—" if fits[key] is None else f"{fits[key][0]:+.3f}" for key in keys) + " |")
    if points:
        largest, reached = points[-1]
        lines.append("| training documents per fold for the goals (" + ", ".join(
            f"{GOALS[key]:.2f}" if key in GOALS else "—" for key in keys) + "), on that line | "
            + " | ".join(documents_for(GOALS[key], fits[key], largest, reached[key]) if key in GOALS else "—"
                         for key in keys) + " |")
    return lines


def load_scorer(path: Path):
    spec = importlib.util.spec_from_file_location("kg_scorer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_set(text: str) -> tuple[str, Path, Path]:
    articles, _, gold = text.partition(":")
    if not gold:
        raise argparse.ArgumentTypeError(f"{text}: expected ARTICLES_DIR:GOLD_DIR")
    articles_path, gold_path = Path(articles), Path(gold)
    for path in (articles_path, gold_path):
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{path}: no such folder")
    return articles_path.name if articles_path.name != "articles" else articles_path.parent.name, \
        articles_path, gold_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.train", description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=parse_set, metavar="ARTICLES_DIR:GOLD_DIR")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "models",
                        help="where the models are written (default: the package's kg/models)")
    parser.add_argument("--cv", action="store_true", help="only cross-validate: print the table, write no model")
    parser.add_argument("--scorer", type=Path,
                        help="the scorer (score.py): cross-validate with it, and keep the figures in "
                             "the models' meta records")
    parser.add_argument("--save", type=Path, metavar="FILE",
                        help="write each document's 5-fold counts to FILE (JSON), for --compare")
    parser.add_argument("--repeats", type=int, default=1, metavar="N",
                        help="run the 5 folds over N assignments of documents to folds and pool "
                             "them (default 1): a steadier figure, N times the time")
    parser.add_argument("--curve", action="store_true",
                        help="only the learning curve: the 5 folds trained on shares of their "
                             "documents; print the table, write no model")
    parser.add_argument("--compare", type=Path, metavar="FILE",
                        help="compare the 5-fold figures with those --save wrote to FILE, document by "
                             "document (the change and its 95 %% interval)")
    args = parser.parse_args(argv)
    if (args.cv or args.curve or args.save or args.compare or args.repeats != 1) and args.scorer is None:
        parser.error("--cv, --curve, --save, --compare and --repeats need --scorer")
    if args.curve and (args.cv or args.save or args.compare or args.repeats != 1):
        parser.error("--curve runs alone (not with --cv, --save, --compare or --repeats)")
    if args.repeats < 1:
        parser.error("--repeats must be 1 or more")
    before = None
    if args.compare:
        try:
            saved = json.loads(args.compare.read_text(encoding="utf-8"))
            before = saved["documents"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            parser.error(f"--compare {args.compare}: not a file --save wrote ({error})")
        # pooled counts of N assignments are N times larger: only like is compared with like
        if saved.get("repeats", 1) != args.repeats:
            parser.error(f"--compare {args.compare}: saved with --repeats {saved.get('repeats', 1)}, "
                         f"this run has --repeats {args.repeats}")
    from .entities import default_analyzer

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    analyzer = analyzer_with(default_analyzer(), None)
    started = time.perf_counter()
    documents = load_documents(args.sets, analyzer)
    log(f"{len(documents)} annotated files, {sum(len(d.stories) for d in documents)} stories "
        f"({time.perf_counter() - started:.1f} s)")
    if args.curve:
        print("\n".join(learning_curve(documents, analyzer, load_scorer(args.scorer), log=log)), flush=True)
        return 0
    held_out: dict[str, dict] = {}
    table = cross_validate(documents, analyzer, load_scorer(args.scorer), log=log, held_out=held_out,
                           repeats=args.repeats) if args.scorer else []
    if table:
        print("\n".join(table), flush=True)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"data": fingerprint(documents), "config": CONFIG,
                                         "repeats": args.repeats, "documents": held_out},
                                        ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        log(f"each document's 5-fold counts written to {args.save}")
    if before is not None:
        print("\n".join(paired_lines(before, held_out)), flush=True)
    if args.cv:
        return 0
    models = train(documents, args.out, analyzer, log=log)
    write_relations(models, args.out / "relations.json")
    write_person_types(models, args.out / "person_types.json")
    meta = {"documents": len(documents), "data": fingerprint(documents), "config": CONFIG,
            "sets": sorted({d.set for d in documents}), "cross_validated": table}
    for model in (models.tagger_path, args.out / "relations.json", args.out / "person_types.json"):
        write_meta(model, meta)
    log(f"models written to {args.out} ({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
