"""Per-stage error analysis against hand annotations.

The gold format is one JSON file per article file (`entities` with id/type/name/aliases,
`relations` with type/head/tail), as written by annotators. For every gold entity the build did not
produce, this says at which stage it was lost:

- clean: none of its names is in the cleaned text (boilerplate removal or conversion ate it);
- extract: a name is in the text but no mention was found there;
- type: a mention was found but typed in another group (a hospital read as an organisation);
- resolve: a mention of the right group was found but ended up under another entity's name.

and for every missed gold relation whether one of its ends is missing (an entity error) or both
ends exist and the relation was not chosen (a relation error: no rule proposed it, or the
relation model turned it down).
"""
from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .model import Extraction, KnowledgeGraph, PERSON_TYPES

GROUP = {t: "Person" for t in PERSON_TYPES} | {
    "MedicalTeam": "Organization", "GovernmentAgency": "Organization", "Organization": "Organization"}


def group(kind: str) -> str:
    return GROUP.get(kind, kind)


# the scorer's: every way of writing a foreign name's interpunct is one
DOTS = str.maketrans({"•": "·", "‧": "·", "・": "·", "∙": "·", "．": "·"})


def norm(name: str) -> str:
    """A name as the scorer compares it: NFKC, one interpunct, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", name).translate(DOTS).split())


@dataclass
class StageReport:
    entity_losses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    relation_losses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    gold_entities: int = 0
    gold_relations: int = 0

    def table(self, examples: int = 8) -> str:
        lines = [f"gold entities {self.gold_entities}, missed by stage:"]
        for stage in ("clean", "extract", "type", "resolve"):
            items = self.entity_losses.get(stage, [])
            lines.append(f"  {stage:8s} {len(items):4d}  " + "  ".join(items[:examples]))
        lines.append(f"gold relations {self.gold_relations}, missed:")
        for cause in ("entity missing", "relation not chosen"):
            items = self.relation_losses.get(cause, [])
            lines.append(f"  {cause:19s} {len(items):4d}  " + "  ".join(items[:examples]))
        return "\n".join(lines)


def load_gold(folder: Path) -> tuple[dict[str, dict], set[tuple[str, str, str]]]:
    entities: dict[str, dict] = {}
    relations: set[tuple[str, str, str]] = set()
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for ent in data["entities"]:
            names = {norm(ent["name"])} | {norm(a) for a in ent.get("aliases", [])}
            entities.setdefault(ent["id"], {"type": ent["type"], "name": ent["name"], "names": set()})
            entities[ent["id"]]["names"] |= names
        for rel in data["relations"]:
            relations.add((rel["type"], rel["head"], rel["tail"]))
    return entities, relations


def analyse(kg: KnowledgeGraph, extractions: list[Extraction], gold_dir: Path) -> StageReport:
    """Where each missed gold entity and relation was lost."""
    gold, gold_relations = load_gold(gold_dir)
    report = StageReport(gold_entities=len(gold), gold_relations=len(gold_relations))
    text = norm("\n".join(x.article.text for x in extractions))
    mention_groups: dict[str, set[str]] = defaultdict(set)
    for x in extractions:
        for m in x.mentions:
            for surface in (m.key, m.text):
                mention_groups[norm(surface)].add(group(m.label))
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in kg.entities:
        for name in (e.name, *e.aliases):
            by_name[(group(e.type), norm(name))].append(e.id)
    found: dict[str, str] = {}
    for gid, ent in gold.items():
        g = group(ent["type"])
        hits = [eid for name in ent["names"] for eid in by_name.get((g, name), [])]
        if g == "Event":
            hits = [e.id for e in kg.entities if e.type == "Event" and any(
                n in norm(x) for n in ent["names"] for x in (e.name, *e.aliases))]
        if hits:
            found[gid] = Counter(hits).most_common(1)[0][0]
            continue
        label = f"{ent['type']}:{ent['name']}"
        if not any(name in text for name in ent["names"]):
            report.entity_losses["clean"].append(label)
        elif not any(name in mention_groups for name in ent["names"]):
            report.entity_losses["extract"].append(label)
        elif not any(g in mention_groups[name] for name in ent["names"] if name in mention_groups):
            report.entity_losses["type"].append(label)
        else:
            report.entity_losses["resolve"].append(label)
    predicted = {(r.kind, r.head, r.tail) for r in kg.relations}
    for kind, head, tail in sorted(gold_relations):
        if head in found and tail in found:
            if (kind, found[head], found[tail]) not in predicted:
                report.relation_losses["relation not chosen"].append(
                    f"{kind}({gold[head]['name']}→{gold[tail]['name']})")
        else:
            report.relation_losses["entity missing"].append(
                f"{kind}({gold[head]['name']}→{gold[tail]['name']})")
    return report


def evaluate(inputs: list[str | Path], gold_dir: Path) -> StageReport:
    """Build the inputs (one process, no cache) and analyse them against gold_dir."""
    from .entities import default_analyzer
    from .pipeline import document_articles, extract
    from .read import Failure, read_all
    from .resolve import resolve

    analyzer = default_analyzer()
    extractions = [extract(article, analyzer)
                   for doc in read_all(inputs) if not isinstance(doc, Failure)
                   for article in document_articles(doc, analyzer)]
    return analyse(resolve(extractions), extractions, gold_dir)
