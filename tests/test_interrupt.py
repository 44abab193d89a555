"""An interrupted build never leaves a half-written output, and says so on one line.

Build a small input once (the "old" outputs) and a larger one to completion (the "new" outputs,
in-process). Then start builds of the larger input over copies of the old outputs, in
subprocesses run side by side, and stop each at a chosen moment with Ctrl-C (SIGINT to the
process group, as a terminal sends it), `kill` (SIGTERM) or `kill -9` (SIGKILL):

- while a temporary output is written but not yet renamed into place (a hook pauses the build
  inside `os.replace`, so the moment is exact, not a race);
- while articles are being extracted;
- while the command imports its modules, and while the process pool's workers start.

Afterwards every output file is byte for byte the old one or the new one, never anything else;
after SIGINT and SIGTERM no temporary file is left and the build printed one line and exited 130
or 143, without a traceback. SIGKILL cannot be caught: the outputs are still whole (rename is
atomic), but the temporary file being written stays behind (a hidden `.graph.*` file).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "data" / "articles"
SMALL = ARTICLES / "plain_utf8.txt"
FLAGS = ["--no-lac", "--jobs", "1", "--no-cache", "--no-validate", "--quiet"]
WAIT = 180  # seconds for a subprocess to reach the moment it is interrupted at

# Runs `kg` with a pause at the moment KG_TEST_WHEN names: "write" pauses in os.replace just
# before the output KG_TEST_PAUSE is renamed into place (its temporary file complete), "extract"
# in the first extraction. It touches KG_TEST_MARKER and sleeps until the test's signal arrives.
HOOK = r"""
import os, sys, time
marker, when, pause = os.environ["KG_TEST_MARKER"], os.environ["KG_TEST_WHEN"], os.environ["KG_TEST_PAUSE"]

def wait_for_the_signal():
    open(marker, "w").close()
    time.sleep(600)

if when == "write":
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if os.path.basename(os.fspath(dst)) == pause:
            wait_for_the_signal()
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
elif when == "extract":
    import kg.extract
    kg.extract.extract = lambda article, analyzer: wait_for_the_signal()
from kg.cli import main
sys.exit(main(sys.argv[1:]))
"""

# Runs the `kg` command's entry point, paused while it imports kg.pipeline (what a Ctrl-C in its
# first second meets): touches KG_TEST_MARKER and sleeps until the test's signal arrives.
IMPORT_HOOK = r"""
import importlib.abc, os, sys, time

class PauseInTheImports(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "kg.pipeline":
            open(os.environ["KG_TEST_MARKER"], "w").close()
            time.sleep(600)
        return None

sys.meta_path.insert(0, PauseInTheImports())
from kg.__main__ import main
sys.exit(main())
"""


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build_in_process(inputs: list[Path], out: Path) -> dict[str, bytes]:
    from kg.cli import main

    assert main(["build", *map(str, inputs), "--out", str(out), *FLAGS]) == 0
    return _snapshot(out)


@dataclass
class Scenario:
    name: str
    when: str  # "write", "extract", "import" or "pool"
    pause: str  # the output whose rename the build pauses before ("write")
    signum: int
    to_group: bool  # Ctrl-C reaches the whole foreground process group
    out: Path | None = None
    proc: subprocess.Popen | None = None
    marker: Path | None = None
    stderr_path: Path | None = None
    seen: float | None = None  # when the pool's forkserver was first seen
    signalled: float | None = None
    code: int | None = None
    stderr: str = ""


def _scenarios() -> list[Scenario]:
    return [
        Scenario("sigint-before-renaming-graph.ttl", "write", "graph.ttl", signal.SIGINT, True),
        Scenario("sigint-before-renaming-graph.html", "write", "graph.html", signal.SIGINT, True),
        Scenario("sigterm-before-renaming-graph.ttl", "write", "graph.ttl", signal.SIGTERM, False),
        Scenario("sigkill-before-renaming-graph.ttl", "write", "graph.ttl", signal.SIGKILL, False),
        Scenario("sigkill-before-renaming-graph.html", "write", "graph.html", signal.SIGKILL, False),
        Scenario("sigint-during-extraction", "extract", "", signal.SIGINT, True),
        Scenario("sigint-while-pool-workers-start", "pool", "", signal.SIGINT, True),
        Scenario("sigint-while-importing", "import", "", signal.SIGINT, True),
    ]


def _start(s: Scenario, base: Path, old: Path, pool_input: Path) -> None:
    s.out = base / s.name / "out"
    shutil.copytree(old, s.out)
    s.marker = base / s.name / "marker"
    env = dict(os.environ, KG_TEST_MARKER=str(s.marker), KG_TEST_WHEN=s.when, KG_TEST_PAUSE=s.pause)
    if s.when == "pool":  # a real build on the process pool: ≥ POOL_MIN_FILES files, 2 workers
        argv = ["-m", "kg", "build", str(pool_input), "--out", str(s.out), "--no-lac", "--jobs", "2",
                "--no-cache", "--no-validate", "--quiet"]
    elif s.when == "import":
        argv = ["-c", IMPORT_HOOK, "build", str(ARTICLES), "--out", str(s.out), *FLAGS]
    else:
        argv = ["-c", HOOK, "build", str(ARTICLES), "--out", str(s.out), *FLAGS]
    s.stderr_path = base / s.name / "stderr"
    with open(s.stderr_path, "wb") as err:
        s.proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=err, start_new_session=True, preexec_fn=_as_from_a_terminal)


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a command started from a terminal. A test runner started as a background
    job of a non-interactive shell (CI scripts, `make test &`) has SIGINT ignored, and children
    inherit that; restore the default so the build sees the signal a user's Ctrl-C sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _ready(s: Scenario) -> bool:
    if s.when != "pool":
        return s.marker.exists()
    import psutil

    try:  # the forkserver is up and importing kg: workers are about to start
        children = psutil.Process(s.proc.pid).children(recursive=True)
        started = any("forkserver" in " ".join(c.cmdline()) for c in children)
    except psutil.Error:
        return False
    if started and s.seen is None:
        s.seen = time.monotonic()
    return started and time.monotonic() - s.seen > 0.3  # well inside its imports


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, Scenario]]:
    pytest.importorskip("psutil")
    base = tmp_path_factory.mktemp("interrupt")
    old = base / "old"
    old_files = _build_in_process([SMALL], old)
    pool_input = base / "pool_input"
    pool_input.mkdir()
    from kg.pipeline import POOL_MIN_FILES

    for n in range(POOL_MIN_FILES + 4):
        shutil.copy(SMALL, pool_input / f"{n:02d}.txt")
    scenarios = _scenarios()
    for s in scenarios:
        _start(s, base, old, pool_input)
    new_files = _build_in_process([ARTICLES], base / "new")  # while the subprocesses start
    assert set(old_files) == set(new_files) and all(old_files[n] != new_files[n] for n in old_files)
    deadline = time.monotonic() + WAIT
    while any(s.signalled is None for s in scenarios) and time.monotonic() < deadline:
        for s in scenarios:
            if s.signalled is None and s.proc.poll() is None and _ready(s):
                (os.killpg if s.to_group else os.kill)(s.proc.pid, s.signum)
                s.signalled = time.monotonic()
            elif s.signalled is None and s.proc.poll() is not None:
                s.signalled = -1.0  # finished or died before its moment: the test says which
        time.sleep(0.02)
    for s in scenarios:
        try:
            s.code = s.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(s.proc.pid, signal.SIGKILL)
            s.code = s.proc.wait()
        s.stderr = s.stderr_path.read_text(encoding="utf-8", errors="replace")
    return old_files, new_files, {s.name: s for s in scenarios}


def _check_outputs(s: Scenario, old: dict[str, bytes], new: dict[str, bytes]) -> list[str]:
    """Every output is exactly the old or the new file; returns the names of any other files."""
    assert s.signalled and s.signalled > 0, f"{s.name}: never reached its moment ({s.code}): {s.stderr}"
    files = {p.relative_to(s.out).as_posix(): p for p in s.out.rglob("*") if p.is_file()}
    for name in old:
        data = files.pop(name).read_bytes()
        assert data in (old[name], new[name]), f"{s.name}: {name} is neither the old nor the new file"
    return sorted(files)


def _check_clean_exit(s: Scenario, code: int, word: str) -> None:
    assert s.code == code, f"{s.name}: exit {s.code}\n{s.stderr}"
    assert "Traceback" not in s.stderr, s.stderr
    assert s.stderr.strip().splitlines() == [f"kg: {word}; no output file was half-written"], s.stderr


@pytest.mark.timeout(400)
@pytest.mark.parametrize("name", ["sigint-before-renaming-graph.ttl", "sigint-before-renaming-graph.html"])
def test_interrupt_ctrl_c_while_writing(interrupted, name: str) -> None:
    old, new, runs = interrupted
    s = runs[name]
    assert _check_outputs(s, old, new) == [], f"temporary files left behind (exit {s.code}): {s.stderr}"
    _check_clean_exit(s, 128 + signal.SIGINT, "interrupted")
    got = _snapshot(s.out)
    if s.pause == "graph.ttl":  # stopped before the first rename: nothing replaced
        assert got == old
    else:  # graph.ttl was renamed into place whole; graph.html was not touched
        assert got["graph.ttl"] == new["graph.ttl"] and got["graph.html"] == old["graph.html"]


@pytest.mark.timeout(400)
@pytest.mark.parametrize("name, code, word", [
    ("sigterm-before-renaming-graph.ttl", 128 + signal.SIGTERM, "terminated"),  # kill while writing
    ("sigint-during-extraction", 128 + signal.SIGINT, "interrupted"),  # Ctrl-C while extracting
    ("sigint-while-importing", 128 + signal.SIGINT, "interrupted"),  # Ctrl-C in the first second
])
def test_interrupt_stopped_before_any_rename_leaves_old_outputs(interrupted, name: str, code: int,
                                                                word: str) -> None:
    old, new, runs = interrupted
    s = runs[name]
    assert _check_outputs(s, old, new) == []
    _check_clean_exit(s, code, word)
    assert _snapshot(s.out) == old


@pytest.mark.timeout(400)
@pytest.mark.parametrize("name", ["sigkill-before-renaming-graph.ttl", "sigkill-before-renaming-graph.html"])
def test_interrupt_kill_9_while_writing_leaves_whole_outputs(interrupted, name: str) -> None:
    old, new, runs = interrupted
    s = runs[name]
    leftovers = _check_outputs(s, old, new)
    assert s.code == -signal.SIGKILL
    # the one temporary file being written when the process died, hidden, never an output name
    assert len(leftovers) <= 1 and all(n.startswith(f".{s.pause}.") for n in leftovers), leftovers
    # and the next build replaces every output whole
    assert _build_in_process([ARTICLES], s.out) == {**new, **{n: (s.out / n).read_bytes() for n in leftovers}}


@pytest.mark.timeout(400)
def test_interrupt_ctrl_c_while_pool_workers_start(interrupted) -> None:
    old, new, runs = interrupted
    s = runs["sigint-while-pool-workers-start"]
    assert _check_outputs(s, old, new) == []
    _check_clean_exit(s, 128 + signal.SIGINT, "interrupted")
