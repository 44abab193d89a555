"""The model dataclasses pass between processes and into the cache by pickle: every field comes
back, defaults and None included, and objects shared by two others stay shared."""
from __future__ import annotations

import pickle

from hypothesis import given
from hypothesis import strategies as st

from kg.model import Article, Entity, Evidence, Extraction, Mention, MentionRelation, Relation, Sentence

text = st.text(max_size=12)
maybe = st.none() | text
mentions = st.builds(Mention, article=text, start=st.integers(0, 99), end=st.integers(0, 99), label=text,
                     text=text, name=text, date=maybe)
evidence = st.builds(Evidence, article=text, sentence=text, start=st.integers(0, 9), end=st.integers(0, 9))
articles = st.builds(Article, id=text, source=text, title=text, text=text, date=maybe, publisher=maybe,
                     sentences=st.lists(st.builds(Sentence, st.integers(0, 9), st.integers(0, 9), text),
                                        max_size=3).map(tuple))


@given(mentions, mentions, evidence, articles)
def test_extraction_round_trip(head, tail, ev, article):
    extraction = Extraction(article, (head, tail), (MentionRelation(head, "treated", tail, ev),))
    back = pickle.loads(pickle.dumps(extraction, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == extraction and hash(back.article) == hash(article)
    assert back.relations[0].head is back.mentions[0] and back.relations[0].tail is back.mentions[1]


@given(text, text, st.lists(text, max_size=3).map(tuple), maybe, st.lists(evidence, max_size=2).map(tuple))
def test_entity_and_relation_round_trip(name, kind, aliases, date, evidences):
    for value in (Entity("x", name, kind, aliases, aliases, date), Entity("y", name, kind),
                  Relation("x", kind, "y", evidences), Relation("x", kind, "y")):
        back = pickle.loads(pickle.dumps(value))
        assert back == value and type(back) is type(value)
