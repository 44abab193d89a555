"""Parallel extraction (kg.parallel): a pool build equals a serial one; results pickle; the CLI's
--jobs and progress bar."""
from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing
import os
import pickle
import signal
import time
from pathlib import Path

import pytest

import kg.export_html
import kg.parallel
import kg.pipeline
from kg.pipeline import BuildReport, build_graph, extract_file

DATA = Path(__file__).resolve().parent / "data"
ARTICLES = DATA / "articles"
# Every article, plus two files that fail to read: failures must come back in input order too.
INPUTS = [ARTICLES, DATA / "empty.txt", DATA / "garbage.bin", DATA / "missing.txt"]


def _summary(report: BuildReport):
    return (report.files_read, report.articles, [(f.source, f.reason) for f in report.failures])


def test_pool_build_equals_serial_build_and_fills_the_cache(monkeypatch, tmp_path, analyzer):
    monkeypatch.setattr(kg.pipeline, "POOL_MIN_FILES", 1)
    parallel_report, extracted = BuildReport(), []
    parallel = build_graph(INPUTS, report=parallel_report, jobs=2, cache=tmp_path,
                           progress=extracted.append, on_start=lambda n: extracted.append(n))
    serial_report = BuildReport()
    serial = build_graph(INPUTS, analyzer, serial_report)
    assert parallel == serial
    assert _summary(parallel_report) == _summary(serial_report)
    assert parallel_report.timings["extract"] > 0  # worker timings are summed
    files = sorted(str(p) for p in ARTICLES.iterdir()) + [str(DATA / "empty.txt"), str(DATA / "garbage.bin")]
    assert extracted[0] == len(files) and sorted(extracted[1:]) == sorted(files)
    # the parent wrote the workers' results to the cache: a serial rebuild extracts nothing
    again_report, again_extracted = BuildReport(), []
    again = build_graph(INPUTS, analyzer, again_report, progress=again_extracted.append, cache=tmp_path)
    assert again == serial and again_report.cached == len(list(ARTICLES.iterdir()))
    assert again_extracted == [str(DATA / "empty.txt"), str(DATA / "garbage.bin")]  # failures are not cached


def test_broken_pool_falls_back_to_this_process(monkeypatch, analyzer):
    """When workers die, the files without a result are extracted in-process: nothing is lost."""
    def half_then_broken(paths, *, jobs, use_lac=True, digest=False):
        for index, path in enumerate(paths):
            if index % 2 == 0:
                yield index, extract_file(path, analyzer, digest=digest), None

    monkeypatch.setattr(kg.pipeline, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(kg.parallel, "extract_files", half_then_broken)
    report = BuildReport()
    graph = build_graph(INPUTS, report=report, jobs=2)
    serial_report = BuildReport()
    assert graph == build_graph(INPUTS, analyzer, serial_report)
    assert _summary(report) == _summary(serial_report)


def test_few_files_or_an_explicit_analyzer_stay_in_process(monkeypatch, analyzer):
    def no_pool(*args, **kwargs):
        raise AssertionError("the pool should not start")

    monkeypatch.setattr(kg.parallel, "extract_files", no_pool)
    assert len(list(ARTICLES.iterdir())) < kg.pipeline.POOL_MIN_FILES
    build_graph([ARTICLES], jobs=8)
    monkeypatch.setattr(kg.pipeline, "POOL_MIN_FILES", 1)
    build_graph([ARTICLES], analyzer, jobs=8)


def test_a_few_new_files_beside_many_cached_go_to_the_pool(monkeypatch, tmp_path, analyzer):
    """An incremental build does not load the analyzer into the process that holds every cached
    extraction: its few new files are extracted by a worker, and the graph is the same."""
    folder = tmp_path / "articles"
    folder.mkdir()
    articles = sorted(ARTICLES.iterdir())
    for path in articles[:-1]:
        (folder / path.name).write_bytes(path.read_bytes())
    cache = tmp_path / "cache"
    build_graph([folder], analyzer, cache=cache)  # fills the cache in this process
    (folder / articles[-1].name).write_bytes(articles[-1].read_bytes())
    pooled = []

    def recorded(paths, **kwargs):
        pooled.extend(str(path) for path in paths)
        yield from extract_files(paths, **kwargs)

    extract_files = kg.parallel.extract_files
    monkeypatch.setattr(kg.parallel, "extract_files", recorded)
    monkeypatch.setattr(kg.pipeline, "POOL_MIN_CACHED", len(articles) - 1)
    report = BuildReport()
    graph = build_graph([folder], report=report, jobs=2, cache=cache)
    assert pooled == [str(folder / articles[-1].name)] and report.cached == len(articles) - 1
    assert graph == build_graph([folder], analyzer)


def test_file_results_pickle_with_shared_mentions(analyzer):
    """Workers send FileResults through pickle; resolution relies on a relation's head and tail
    being the very Mention objects of the extraction, which one pickle per file keeps."""
    for path in sorted(ARTICLES.iterdir()):
        result = extract_file(path, analyzer)
        copy = pickle.loads(pickle.dumps(result))
        assert copy == result
        for before, after in zip(result.extractions, copy.extractions):
            shared = [any(r.head is m for m in before.mentions) for r in before.relations]
            assert shared == [any(r.head is m for m in after.mentions) for r in after.relations]


def test_available_cores():
    assert 1 <= kg.parallel.available_cores() <= (__import__("os").cpu_count() or 1)


# ------------------------------------------------------------------ work in a background process

def test_background_call_returns_raises_and_reports_a_dead_process():
    assert kg.parallel.BackgroundCall(divmod, 7, 2).result() == (3, 1)
    with pytest.raises(ValueError, match="invalid literal"):
        kg.parallel.BackgroundCall(int, "seven").result()
    with pytest.raises(ChildProcessError, match="exit code 3"):
        kg.parallel.BackgroundCall(os._exit, 3).result()


def test_background_call_does_not_wait_for_its_process_to_start(monkeypatch):
    """The start (the new process reading a large graph) overlaps the caller's own work; arguments
    that do not pickle are refused at once, in the caller's thread."""
    start = multiprocessing.process.BaseProcess.start

    def slow_start(process):
        time.sleep(2)
        start(process)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", slow_start)
    began = time.perf_counter()
    call = kg.parallel.BackgroundCall(divmod, 7, 2)
    assert time.perf_counter() - began < 1
    assert call.result() == (3, 1)
    call.stop()
    with pytest.raises(Exception, match="pickle"):
        kg.parallel.BackgroundCall(divmod, lambda: 7, 2)


def _two_answers(first: int):
    yield first
    logging.getLogger("kg.test").warning("second answer on its way")
    logging.getLogger("kg.test").debug("not shown: the parent's level is WARNING")
    yield first + 1
    raise ValueError("no third answer")


def test_background_call_sends_a_generators_answers_and_its_log(caplog):
    caplog.set_level(logging.WARNING, logger="kg.test")
    call = kg.parallel.BackgroundCall(_two_answers, 41)
    assert call.result() == 41
    assert "second answer" not in caplog.text  # logged with the answer it came before
    assert call.result() == 42
    assert [r.getMessage() for r in caplog.records if r.name == "kg.test"] == ["second answer on its way"]
    with pytest.raises(ValueError, match="no third answer"):
        call.result()
    call.stop()


def _large_then_note(path: Path):
    yield b"x" * 8_000_000  # more than a pipe holds
    path.write_text("went on")
    yield "second"


def _wait_for(path: Path, seconds: float = 30) -> bool:
    """Whether the file appears within `seconds` (a background call writes it)."""
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.exists()


def test_background_call_goes_on_while_its_large_answer_waits_to_be_asked_for(tmp_path):
    # the process must not wait, its answer half sent, until the caller asks for it: the tables
    # come after the layout's megabytes of positions, and the pages ask for those last
    call = kg.parallel.BackgroundCall(_large_then_note, tmp_path / "note")
    _wait_for(tmp_path / "note")
    assert (tmp_path / "note").read_text() == "went on"
    assert call.result() == b"x" * 8_000_000
    assert call.result() == "second"
    call.stop()


def test_background_call_stops_without_waiting():
    call = kg.parallel.BackgroundCall(time.sleep, 60)
    started = time.perf_counter()
    call.stop()
    assert time.perf_counter() - started < 10
    assert not call._process.is_alive()


def _write_and_wait(path: Path) -> None:
    temporary = path.with_suffix(".tmp")
    # the file exists from its opening on: the stop may come while it is being written
    try:
        temporary.write_text("half")
        time.sleep(60)
    finally:
        temporary.unlink(missing_ok=True)


def test_a_stopped_background_call_cleans_up_after_itself(tmp_path):
    call = kg.parallel.BackgroundCall(_write_and_wait, tmp_path / "page")
    assert _wait_for(tmp_path / "page.tmp")
    call.stop()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("handler", [signal.default_int_handler, signal.SIG_IGN])
def test_ctrl_c_while_the_pool_starts_is_held_back_then_handled_as_before(handler):
    # inside, a Ctrl-C must not stop a process's start halfway; after, it is handled as the
    # handler before would have (set here: a runner in the background may have SIGINT ignored)
    previous = signal.signal(signal.SIGINT, handler)
    held = False
    try:
        with contextlib.ExitStack() as stack:
            if handler is signal.default_int_handler:
                stack.enter_context(pytest.raises(KeyboardInterrupt))
            with kg.parallel._ctrl_c_held():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)  # a handler raising KeyboardInterrupt would have run by now
                held = True
            time.sleep(0.2)
        assert held
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_background_call_leaves_ctrl_c_to_its_caller(tmp_path):
    # Ctrl-C reaches the whole process group: the caller takes it and stops the call (whose
    # clean-up then runs), rather than the call stopping by itself halfway
    call = kg.parallel.BackgroundCall(_write_and_wait, tmp_path / "page")
    assert _wait_for(tmp_path / "page.tmp")
    os.kill(call._process.pid, signal.SIGINT)
    time.sleep(0.5)
    assert call._process.is_alive()
    call.stop()
    assert list(tmp_path.iterdir()) == []


def _export(kg_graph, out: Path, jobs: int) -> tuple[BuildReport, dict[str, bytes]]:
    report = BuildReport()
    kg.pipeline.export(kg_graph, out, report, ("ttl", "nt"), validate=True, jobs=jobs)
    return report, {p.name: p.read_bytes() for p in report.outputs}


def test_pages_laid_out_in_the_background_equal_pages_laid_out_here(monkeypatch, tmp_path, analyzer):
    graph = build_graph([ARTICLES], analyzer)
    monkeypatch.setattr(kg.pipeline, "BACKGROUND_LAYOUT_NODES", 1)
    calls = []
    monkeypatch.setattr(kg.parallel.BackgroundCall, "__init__", _recording(kg.parallel.BackgroundCall.__init__, calls))
    background, files = _export(graph, tmp_path / "two", jobs=2)
    assert len(calls) == 1
    here, expected = _export(graph, tmp_path / "one", jobs=1)
    assert len(calls) == 1  # one job: no background process
    assert files == expected
    assert list(files) == ["graph.ttl", "graph.nt", "void.ttl", "graph.html", "aid.html",
                           "aid.csv", "entities.csv", "relations.csv", "tables.xlsx"]
    assert background.timings["export html"] > 0
    assert background.timings["export tables"] > 0  # written by the background process


def test_the_layout_is_computed_here_when_the_background_process_dies(monkeypatch, tmp_path, analyzer,
                                                                      caplog):
    graph = build_graph([ARTICLES], analyzer)
    monkeypatch.setattr(kg.pipeline, "BACKGROUND_LAYOUT_NODES", 1)
    monkeypatch.setattr(kg.pipeline, "_layout_then_tables", _DiesInAChild())
    _, files = _export(graph, tmp_path / "two", jobs=2)
    assert "the background process died" in caplog.text
    assert "writing the tables in this process" in caplog.text
    assert files == _export(graph, tmp_path / "one", jobs=1)[1]


def _recording(function, calls):
    def record(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)
    return record


class _DiesInAChild:
    """The background process's work (kg.pipeline._layout_then_tables), except that it exits at once."""

    def __call__(self, *args):
        os._exit(7)


# ------------------------------------------------------------------ command line

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(args, monkeypatch, stderr: io.StringIO | None = None):
    from kg.cli import main

    stderr = stderr if stderr is not None else io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    return code, stderr.getvalue()


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_a_positive_number(jobs, tmp_path, capsys):
    from kg.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(ARTICLES), "--out", str(tmp_path), "--jobs", jobs])
    assert exit_info.value.code == 2
    assert "--jobs" in capsys.readouterr().err


def test_cache_and_no_cache_exclude_each_other(tmp_path, capsys):
    from kg.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(ARTICLES), "--out", str(tmp_path), "--cache", str(tmp_path), "--no-cache"])
    assert exit_info.value.code == 2


def test_progress_bar_on_a_terminal(monkeypatch, tmp_path, analyzer):
    monkeypatch.delenv("CI", raising=False)
    code, err = _run(["build", str(ARTICLES), "--out", str(tmp_path), "--no-cache", "--jobs", "2"],
                     monkeypatch, _Terminal())
    assert code == 0
    assert "extracting" in err and "article/s" in err and "<" in err  # rate and ETA


@pytest.mark.parametrize("setting", ["ci", "pipe", "quiet"])
def test_no_progress_bar_in_ci_in_a_pipe_or_when_quiet(setting, monkeypatch, tmp_path, analyzer):
    monkeypatch.delenv("CI", raising=False)
    args = ["build", str(ARTICLES), "--out", str(tmp_path), "--no-cache"]
    stream = io.StringIO() if setting == "pipe" else _Terminal()
    if setting == "ci":
        monkeypatch.setenv("CI", "true")
    if setting == "quiet":
        args.append("--quiet")
    code, err = _run(args, monkeypatch, stream)
    assert code == 0 and "extracting" not in err and "article/s" not in err
