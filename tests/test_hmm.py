"""kg.hmm gives what jieba.posseg's own HMM step gives: the same state for every character, on
the test articles and on random runs of characters (ties included: a character a state never
emits scores -3.14e100, which absorbs every other score)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jieba import posseg
from jieba.posseg.viterbi import viterbi

from kg.hmm import PosHMM

ARTICLES = Path(__file__).parent / "data" / "articles"


@pytest.fixture(scope="module")
def hmm() -> PosHMM:
    return PosHMM()


def _jieba(run: str) -> list[tuple[str, str]]:
    return viterbi(run, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)[1]


def test_hmm_paths_equal_jieba_on_the_test_articles(hmm) -> None:
    text = "".join(p.read_bytes().decode("utf-8", "ignore") for p in sorted(ARTICLES.iterdir()) if p.is_file())
    runs = sorted({m.group()[:12] for m in re.finditer(r"[\u4e00-\u9fff]+", text)})
    assert len(runs) > 200
    assert [hmm.path(run) for run in runs] == [_jieba(run) for run in runs]


# common characters, rare ones, and characters jieba's tables lack (every state allowed)
CHARS = st.sampled_from("的医院卫生县市人民张王李明华医生患者手术镇乡村区省委书记局长科室诊疗"
                        "龘靐齉爩鱻麤𠀀ぁアabc1２，")


@settings(max_examples=300, deadline=None)
@given(st.text(CHARS, min_size=1, max_size=16))
def test_hmm_paths_equal_jieba_on_random_runs(hmm, run: str) -> None:
    assert hmm.path(run) == _jieba(run)


def test_hmm_words_are_jiebas(hmm) -> None:
    tokenizer = posseg.POSTokenizer()
    run = "卫明轩与严肃医生欧阳娜娜"
    expected = [(p.word, p.flag) for p in tokenizer._POSTokenizer__cut(run)]
    assert [(p.word, p.flag) for p in hmm.words(run)] == expected
    assert "".join(word for word, _ in expected) == run
    assert hmm.path("") == [] and list(hmm.words("")) == []
