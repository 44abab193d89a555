"""The data types passed between pipeline stages.

Every stage is a plain function over these frozen dataclasses; offsets index the cleaned text
of the article they belong to.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter

PERSON_TYPES = ("Doctor", "Patient", "Official", "Person")
ORG_TYPES = ("Hospital", "Department", "MedicalTeam", "GovernmentAgency", "Organization")
ENTITY_TYPES = ORG_TYPES + PERSON_TYPES + ("Place", "Event", "Condition")
RELATION_KINDS = ("aidedBy", "treated", "hosted", "worksAt", "partOf", "participatedIn",
                  "locatedIn", "hasCondition")
_PEOPLE, _BODIES = frozenset(PERSON_TYPES), frozenset(ORG_TYPES)
# The types each relation may join, head then tail: the ontology's domains and ranges
# (ontology/shapes.ttl; a department is an organisation).
RELATION_ENDS = {
    "aidedBy": (_BODIES | {"Place"}, _BODIES),
    "treated": (frozenset({"Doctor"}), frozenset({"Patient"})),
    "hosted": (_BODIES, frozenset({"Event"})),
    "worksAt": (_PEOPLE, _BODIES),
    "partOf": (_BODIES, _BODIES),
    "participatedIn": (_PEOPLE | _BODIES, frozenset({"Event"})),
    "locatedIn": (_BODIES | {"Event"}, frozenset({"Place"})),
    "hasCondition": (frozenset({"Patient"}), frozenset({"Condition"})),
}


def _quick_pickle(cls):
    """Pickle a frozen slotted dataclass by its field values in declaration order, with the
    field names worked out once: dataclasses' own __getstate__/__setstate__ call fields() for
    every object, which doubled the time a file's extractions take to pass from a worker."""
    names = tuple(f.name for f in fields(cls))
    values = attrgetter(*names)
    assign = object.__setattr__

    def __getstate__(self):
        return values(self)

    def __setstate__(self, state):
        for name, value in zip(names, state):
            assign(self, name, value)

    cls.__getstate__, cls.__setstate__ = __getstate__, __setstate__
    return cls


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Document:
    """One input file, decoded."""

    source: str  # path as given on the command line
    text: str
    format: str  # "text" or "html"
    encoding: str


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Article:
    """One story: a file, or one of the stories of a newsletter file."""

    id: str  # source file plus story number, e.g. "news.txt#2"
    source: str
    title: str
    text: str  # cleaned, simplified text
    date: str | None = None  # ISO date of publication, when the text gives one
    publisher: str | None = None  # name of the publishing organisation, when stated
    sentences: tuple[Sentence, ...] = ()


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Mention:
    """A span of an article's text that names an entity."""

    article: str
    start: int
    end: int
    label: str  # entity type, one of ENTITY_TYPES
    text: str  # surface form
    name: str = ""  # canonical name proposed by the extractor (title stripped, full form)
    date: str | None = None  # events: ISO date

    @property
    def key(self) -> str:
        return self.name or self.text


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Candidates:
    """What the rules and the off-the-shelf taggers propose for one article, before the trained
    models decide: jieba's tokens, LAC's person spans, the rules' mentions, LAC's place words."""

    tokens: tuple  # kg.entities.Token, in text order
    people: tuple[tuple[int, int], ...]
    mentions: tuple[Mention, ...]
    lac_places: tuple[tuple[int, int], ...] = ()  # (start, end) of LAC's place (LOC) words


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Evidence:
    article: str
    sentence: str
    start: int = 0
    end: int = 0


@_quick_pickle
@dataclass(frozen=True, slots=True)
class MentionRelation:
    """A relation between two mentions, as found by the relation rules."""

    head: Mention
    kind: str
    tail: Mention
    evidence: Evidence


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Entity:
    id: str  # stable: derived from type and canonical name
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    date: str | None = None


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Relation:
    head: str  # entity id
    kind: str
    tail: str  # entity id
    evidence: tuple[Evidence, ...] = field(default=())


@_quick_pickle
@dataclass(frozen=True, slots=True)
class Extraction:
    """What the extractor found in one article."""

    article: Article
    mentions: tuple[Mention, ...]
    relations: tuple[MentionRelation, ...]


@_quick_pickle
@dataclass(frozen=True, slots=True)
class KnowledgeGraph:
    """Resolved entities and relations of a whole build."""

    articles: tuple[Article, ...]
    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
