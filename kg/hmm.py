"""jieba.posseg's HMM step (the word and tag guesses for runs of characters its dictionary lacks),
as arrays: the same answers as `jieba.posseg.viterbi`, several times faster.

jieba 0.42's Viterbi loops in Python over every pair of states a character allows (up to 60 × 60
per character); here each character is one sum and one argmax over those pairs. The arithmetic is
jieba's, in its order ((score + transition) + emission, in float64), and so is the choice among
equal scores: jieba takes the max of (score, state) tuples, so of equal scores the greatest state
wins; the states are numbered from the greatest down, so numpy's first maximum is that state.
Equal scores are common: a character a state never emits scores -3.14e100, which absorbs the rest.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from jieba import posseg
from jieba.posseg.viterbi import MIN_FLOAT  # jieba's score for an emission its tables lack

__all__ = ["PosHMM"]


class PosHMM:
    """`words(run)`: the (word, tag) pairs jieba.posseg's HMM step reads in `run`."""

    def __init__(self) -> None:
        self.states = sorted(posseg.trans_P, reverse=True)
        index = {state: i for i, state in enumerate(self.states)}
        count = len(self.states)
        self._start = np.array([posseg.start_P[state] for state in self.states])
        self._transitions = np.full((count, count), -np.inf)
        self._follows = np.zeros((count, count), dtype=bool)  # a transition is written, whatever its score
        for state, targets in posseg.trans_P.items():
            for target, score in targets.items():
                self._transitions[index[state], index[target]] = score
                self._follows[index[state], index[target]] = True
        self._continues = self._follows.any(axis=1)  # jieba drops states with no way on
        self._emit = [posseg.emit_P[state] for state in self.states]
        self._index = index
        self._every = np.ones(count, dtype=bool)
        self._chars: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _char(self, char: str) -> tuple[np.ndarray, np.ndarray]:
        """The states `char` may take (all when jieba's table lacks it) and its emission scores."""
        known = self._chars.get(char)
        if known is None:
            allowed = posseg.char_state_tab_P.get(char)
            if allowed is None:
                mask = self._every
            else:
                mask = np.zeros(len(self.states), dtype=bool)
                mask[[self._index[state] for state in allowed]] = True
            emissions = np.array([emit.get(char, MIN_FLOAT) for emit in self._emit])
            known = self._chars[char] = (mask, emissions)
        return known

    def path(self, run: str) -> list[tuple[str, str]]:
        """The likeliest state ((B|M|E|S, tag)) of each character, as jieba.posseg.viterbi."""
        if not run:
            return []
        active, emissions = self._char(run[0])
        scores = self._start + emissions  # only the active states' entries are read
        back: list[tuple[np.ndarray, np.ndarray]] = []
        for char in run[1:]:
            previous = np.flatnonzero(active & self._continues)
            expected = self._follows[previous].any(axis=0)
            allowed, emissions = self._char(char)
            active = allowed & expected
            if not active.any():
                active = expected if expected.any() else self._every
            current = np.flatnonzero(active)
            step = scores[previous][:, None] + self._transitions[np.ix_(previous, current)]
            step += emissions[current]
            chosen = step.argmax(axis=0)
            back.append((current, previous[chosen]))
            scores = np.full(len(self.states), -np.inf)
            scores[current] = step[chosen, np.arange(len(current))]
        final = np.flatnonzero(active)
        state = int(final[scores[final].argmax()])
        path = [state]
        for current, origins in reversed(back):
            state = int(origins[np.searchsorted(current, state)])
            path.append(state)
        path.reverse()
        return [self.states[state] for state in path]

    def words(self, run: str) -> Iterator[posseg.pair]:
        """jieba.posseg.POSTokenizer's private __cut: words end at E and S states."""
        states = self.path(run)
        begin = following = 0
        for i, (position, tag) in enumerate(states):
            if position == "B":
                begin = i
            elif position == "E":
                yield posseg.pair(run[begin:i + 1], tag)
                following = i + 1
            elif position == "S":
                yield posseg.pair(run[i], tag)
                following = i + 1
        if following < len(run):
            yield posseg.pair(run[following:], states[following][1])
