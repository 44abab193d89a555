"""Incremental builds: the per-file extraction cache (kg.cache) gives the graph a clean build gives.

Only files whose bytes (or path, or the pipeline itself) changed are extracted again; resolution
reruns over everything. Builds here run in-process on tests/data/articles.
"""
from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

import kg
from kg.cache import ExtractionCache, code_version, file_digest, pipeline_version
from kg.pipeline import BuildReport, build_graph

ARTICLES = Path(__file__).resolve().parent / "data" / "articles"
SOURCES = sorted(p for p in ARTICLES.iterdir() if p.is_file())


def build(inputs, analyzer, cache=None):
    """(graph, report, sources extracted rather than taken from the cache)."""
    report, extracted = BuildReport(), []
    kg = build_graph(inputs, analyzer, report, progress=extracted.append, cache=cache)
    return kg, report, extracted


@pytest.fixture
def corpus(tmp_path):
    """A folder with the first four test articles; the other three are for adding later."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for source in SOURCES[:4]:
        shutil.copy(source, folder / source.name)
    return folder


def test_unchanged_rebuild_extracts_nothing(corpus, tmp_path, analyzer):
    cache = tmp_path / "cache"
    first, report, extracted = build([corpus], analyzer, cache)
    assert len(extracted) == 4 and report.cached == 0
    again, report, extracted = build([corpus], analyzer, cache)
    assert extracted == [] and report.cached == 4
    assert again == first
    assert report.articles == len(first.articles) and report.files_read == 4


def test_added_articles_are_the_only_ones_extracted(corpus, tmp_path, analyzer):
    cache = tmp_path / "cache"
    build([corpus], analyzer, cache)
    for source in SOURCES[4:]:
        shutil.copy(source, corpus / source.name)
    incremental, report, extracted = build([corpus], analyzer, cache)
    assert sorted(Path(s).name for s in extracted) == sorted(s.name for s in SOURCES[4:])
    assert report.cached == 4
    clean, clean_report, _ = build([corpus], analyzer)
    assert incremental == clean
    assert (report.files_read, report.articles) == (clean_report.files_read, clean_report.articles)


def test_changed_and_deleted_files(corpus, tmp_path, analyzer):
    cache = tmp_path / "cache"
    build([corpus], analyzer, cache)
    changed = corpus / "plain_utf8.txt"
    changed.write_bytes(changed.read_bytes() + "\n院长李明出席了会议。\n".encode("utf-8"))
    (corpus / SOURCES[1].name).unlink()
    incremental, report, extracted = build([corpus], analyzer, cache)
    assert extracted == [str(changed)] and report.cached == 2
    assert incremental == build([corpus], analyzer)[0]


def test_same_bytes_under_another_name_is_another_entry(corpus, tmp_path, analyzer):
    cache = tmp_path / "cache"
    build([corpus], analyzer, cache)
    original = corpus / SOURCES[2].name
    copy = corpus / ("copy-" + SOURCES[2].name)
    shutil.copy(original, copy)
    incremental, _, extracted = build([corpus], analyzer, cache)
    assert extracted == [str(copy)]  # article ids and source names come from the name
    assert {a.source for a in incremental.articles} >= {original.name, copy.name}


def test_cli_incremental_output_is_byte_identical_to_clean_build(corpus, tmp_path, analyzer):
    """The check the issue asks for: `kg build` twice with articles added in between, against a
    clean `--no-cache` build of the final corpus; every exported file is identical."""
    from kg.cli import main

    def kg_build(*args) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["build", str(corpus), *args, "--format", "nt"]) == 0
        return out.getvalue()

    incremental, clean = tmp_path / "incremental", tmp_path / "clean"
    kg_build("--out", str(incremental))
    assert (incremental / ".cache").is_dir()
    for source in SOURCES[4:]:
        shutil.copy(source, corpus / source.name)
    summary = kg_build("--out", str(incremental))
    assert "4 files from the cache" in summary
    kg_build("--out", str(clean), "--no-cache")
    assert not (clean / ".cache").exists()
    for name in ("graph.ttl", "graph.nt"):
        assert (incremental / name).read_bytes() == (clean / name).read_bytes(), name
    assert (incremental / "graph.nt").stat().st_size > 0


def test_cache_folder_option(corpus, tmp_path, analyzer):
    from kg.cli import main

    cache = tmp_path / "elsewhere"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["build", str(corpus), "--out", str(tmp_path / "out"), "--cache", str(cache)]) == 0
    assert list(cache.glob("*/*/*.pkl")) and not (tmp_path / "out" / ".cache").exists()


def test_stale_versions_are_never_read_and_are_pruned(tmp_path, analyzer):
    from kg.pipeline import extract_file

    source = SOURCES[3]
    digest = file_digest(source)
    result = extract_file(source, analyzer)
    old = ExtractionCache(tmp_path, version="a" * 24)
    old.put(str(source), digest, result.extractions)
    assert old.get(str(source), digest) == result.extractions
    new = ExtractionCache(tmp_path, version="b" * 24)
    assert new.get(str(source), digest) is None
    assert ExtractionCache(tmp_path, version="a" * 24, use_lac=False).get(str(source), digest) is None
    assert new.prune() == 1 and not (tmp_path / ("a" * 24)).exists()


def test_entry_stored_from_a_workers_bytes(tmp_path, analyzer):
    """A pool worker's pickled extractions are stored as they came (not pickled again) and read
    back equal, each relation still pointing at its extraction's own Mention objects."""
    import pickle

    from kg.pipeline import extract_file

    source = SOURCES[3]
    digest = file_digest(source)
    extractions = extract_file(source, analyzer).extractions
    store = ExtractionCache(tmp_path, version="c" * 24)
    store.put(str(source), digest, (), pickle.dumps(extractions))  # the bytes are what is stored
    back = store.get(str(source), digest)
    assert back == extractions and any(e.relations for e in back)
    for extraction in back:
        mentions = {id(m) for m in extraction.mentions}
        assert all(id(r.head) in mentions and id(r.tail) in mentions for r in extraction.relations)


def test_damaged_entry_is_a_miss(corpus, tmp_path, analyzer):
    cache = tmp_path / "cache"
    first = build([corpus], analyzer, cache)[0]
    for entry in cache.glob("*/*/*.pkl"):
        entry.write_bytes(b"not a pickle")
    again, report, extracted = build([corpus], analyzer, cache)
    assert len(extracted) == 4 and report.cached == 0 and again == first
    assert build([corpus], analyzer, cache)[2] == []  # rewritten


def test_pipeline_version_follows_code_and_resources(tmp_path):
    package = tmp_path / "kg"
    shutil.copytree(Path(kg.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    base = code_version(package)
    assert base == code_version(package)
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"bytecode")
    assert code_version(package) == base  # bytecode is not code
    lexicon = package / "resources" / "titles.tsv"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "测试职务\tDoctor\t-\n", encoding="utf-8")
    with_lexicon = code_version(package)
    assert with_lexicon != base
    module = package / "split.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert code_version(package) not in (base, with_lexicon)
    assert len(pipeline_version()) == 24


def cli_build(*args) -> tuple[int, str, str]:
    from kg.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["build", *map(str, args)])
    return code, out.getvalue(), err.getvalue()


def outputs(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir() if p.is_file()}


def test_unchanged_rebuild_rewrites_nothing(corpus, tmp_path, analyzer):
    """Same inputs, settings and kg as the last build into the folder: the outputs are left as they
    are (not even rewritten) and the last summary is printed again."""
    out = tmp_path / "out"
    code, first, _ = cli_build(corpus, "--out", out)
    assert code == 0 and "up to date" not in first
    before = outputs(out)
    code, again, _ = cli_build(corpus, "--out", out)
    assert code == 0 and "up to date" in again
    assert outputs(out) == before
    assert again.splitlines()[:3] == first.splitlines()[:3]  # read …, entities …, relations …


@pytest.mark.parametrize("change", ["article added", "article edited", "output deleted",
                                    "output edited", "other format", "--no-lac", "--no-cache"])
def test_any_change_rebuilds(change, corpus, tmp_path, analyzer):
    out = tmp_path / "out"
    assert cli_build(corpus, "--out", out)[0] == 0
    args = [corpus, "--out", out]
    if change == "article added":
        shutil.copy(SOURCES[4], corpus / SOURCES[4].name)
    elif change == "article edited":
        first = sorted(corpus.iterdir())[0]
        first.write_bytes(first.read_bytes() + "\n李明医生为患者手术。\n".encode())
    elif change == "output deleted":
        (out / "graph.html").unlink()
    elif change == "output edited":
        (out / "graph.ttl").write_text("# emptied by hand\n", encoding="utf-8")
    elif change == "other format":
        args += ["--format", "nt"]
    else:
        args.append(change)
    code, text, _ = cli_build(*args)
    assert code == 0 and "up to date" not in text and "wrote" in text
    assert (out / "graph.html").is_file() and (out / "graph.ttl").read_text(encoding="utf-8").startswith("@prefix")


def test_failures_are_reported_again_when_up_to_date(corpus, tmp_path, analyzer, caplog):
    (corpus / "empty.txt").write_bytes(b"")
    out = tmp_path / "out"
    code = cli_build(corpus, "--out", out, "--strict")[0]
    first = [(r.levelname, r.getMessage()) for r in caplog.records if "empty.txt" in r.getMessage()]
    caplog.clear()
    again, text, _ = cli_build(corpus, "--out", out, "--strict")
    assert "up to date" in text and again == code != 0
    assert first and [(r.levelname, r.getMessage()) for r in caplog.records] == first


def test_interrupted_build_leaves_no_manifest_for_its_outputs(corpus, tmp_path, analyzer, monkeypatch):
    from kg import export_html
    from kg.cache import MANIFEST

    out = tmp_path / "out"
    assert cli_build(corpus, "--out", out)[0] == 0
    shutil.copy(SOURCES[4], corpus / SOURCES[4].name)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_html, "write_pages", interrupted)
    assert cli_build(corpus, "--out", out)[0] == 130
    assert not (out / MANIFEST).exists()
    monkeypatch.undo()
    code, text, _ = cli_build(corpus, "--out", out)
    assert code == 0 and "up to date" not in text
