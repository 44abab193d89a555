"""Benchmark: `kg build` on synthetic corpora of N articles, against plain jieba.posseg.

    make bench                                   # N = 100, 1,000 and 10,000
    .venv/bin/python bench/run.py --sizes 100,1000

For each N the script generates a corpus (bench/corpus.py: the shipped examples recombined, with
fictional people and hospitals; no network) and measures, each as a separate `kg build` process:

- `--jobs 1` with a new cache: the whole pipeline on one core (up to --single-max articles), the
  same command as the next but for `--jobs`, so that their ratio is the speed-up;
- `--jobs J` (default: all cores) with a fresh cache: the full build, what a user waits for;
- the same command again: a rebuild of the unchanged corpus (found up to date, nothing redone);
- again after adding 10 articles: an incremental build.

Throughput is cleaned characters (the text extraction runs over) per second of wall-clock time of
the whole command, start-up, resolution and export included. Peak memory is the largest sum of
the resident memory of the build process and all its children (workers), sampled with psutil.
The floor is `jieba.posseg.cut` over the same cleaned text in this process, on one core.
The last line is the summary: the largest N's full build.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402  (bench/corpus.py)

ADDED = 10


@dataclass
class Run:
    seconds: float
    peak_mb: float
    cpu: float = 0.0  # user + system seconds of the build and its workers
    articles: int = 0
    files: int = 0
    cached: int = 0
    up_to_date: bool = False  # nothing rebuilt: the last build's outputs stand
    timings: dict[str, float] = field(default_factory=dict)
    summary: str = ""


def label(n: int) -> str:
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


def sample_tree(process: psutil.Process, cpu: dict[int, float]) -> int:
    """Resident memory of the process and all its descendants (workers are children of the
    forkserver, not of the build process); records each one's CPU seconds so far in cpu."""
    total = 0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in family:
        try:
            with member.oneshot():
                total += member.memory_info().rss
                times = member.cpu_times()
                cpu[member.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total


def kg_build(args: list[str], env: dict[str, str]) -> Run:
    """Run `kg build ARGS` in a child process; wall time and peak memory of its process tree."""
    command = [sys.executable, "-m", "kg", "build", *args]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=HERE.parent, text=True)
    process = psutil.Process(child.pid)
    peak = 0
    cpu: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sample_tree(process, cpu))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        sys.stderr.write(err)
        raise SystemExit(f"kg build failed with exit code {child.returncode}: {' '.join(command)}")
    run = Run(seconds, peak / 2**20, sum(cpu.values()), summary=out)
    match = re.search(r"read (\d+) files \((\d+) articles(?:; (\d+) files from the cache)?\)", out)
    if match:
        run.files, run.articles, run.cached = int(match[1]), int(match[2]), int(match[3] or 0)
    run.up_to_date = "\nup to date:" in out
    times = re.search(r"^time (.*)$", out, re.MULTILINE)
    if times:
        for part in times.group(1).split(", "):
            name, _, value = part.rpartition(" ")
            run.timings[name] = float(value.rstrip("s"))
    return run


def clean_texts(files: list[Path]) -> list[str]:
    """The cleaned text of every article, as extraction sees it (read → clean → split)."""
    from kg.clean import clean_document
    from kg.read import ReadError, read_document
    from kg.split import split_articles

    texts = []
    for path in files:
        try:
            doc = read_document(path)
        except ReadError:
            continue
        texts.extend(a.text for a in split_articles(clean_document(doc), doc.source))
    return texts


def jieba_rate(texts: list[str]) -> float:
    """Characters per second of plain jieba.posseg.cut (default dictionary) on one core."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    jieba.initialize()
    list(jieba.posseg.cut("医院举行义诊活动"))  # load the HMM tables outside the timing
    started = time.process_time()
    for text in texts:
        for _ in jieba.posseg.cut(text):
            pass
    return sum(map(len, texts)) / max(time.process_time() - started, 1e-9)


def fmt_run(name: str, run: Run, chars: int, floor: float) -> str:
    rate = chars / run.seconds
    return (f"  {name:<34}{run.seconds:8.1f} s  {run.articles / run.seconds:7.1f} articles/s  "
            f"{rate:8.0f} chars/s  {rate / floor:5.2f}× jieba  peak {run.peak_mb:6.0f} MB  cpu {run.cpu:5.0f} s")


def stages(run: Run) -> str:
    keep = ("fingerprint", "cache", "analyzer", "files (wall)", "clean+split", "extract", "resolve", "export rdf",
            "export html", "validate")
    return ", ".join(f"{k} {run.timings[k]:.1f}s" for k in keep if k in run.timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--jobs", type=int, default=None, help="kg build --jobs (default: all cores)")
    parser.add_argument("--single-max", type=int, default=1000,
                        help="also time --jobs 1 for corpora up to this size (default 1000)")
    parser.add_argument("--baseline-max", type=int, default=2000,
                        help="time jieba on at most this many articles (a fixed sample; default 2000)")
    parser.add_argument("--workdir", type=Path, help="keep corpora and outputs here (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--kg-args", default="",
                        help="extra arguments for every kg build, e.g. \"--no-validate\" (shown in the output)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    from kg.parallel import available_cores

    jobs = args.jobs or available_cores()
    extra = args.kg_args.split()
    env = {**os.environ, "CI": "1", "PYTHONHASHSEED": "0"}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"kg benchmark: {available_cores()} cores, kg build --jobs {jobs} {' '.join(extra)}, Python "
          f"{sys.version.split()[0]}, work dir {work}", flush=True)
    last = None
    try:
        for n in sizes:
            folder = work / f"corpus-{n}"
            shutil.rmtree(folder, ignore_errors=True)
            started = time.perf_counter()
            files = corpus.write_corpus(folder, n, seed=args.seed)
            generated = time.perf_counter() - started
            texts = clean_texts(files)
            chars = sum(map(len, texts))
            sample = texts if len(texts) <= args.baseline_max else \
                random.Random(args.seed).sample(texts, args.baseline_max)
            floor = jieba_rate(sample)
            print(f"\nN = {n:,} articles ({len(files):,} files, {chars:,} chars of clean text, "
                  f"generated in {generated:.1f} s)", flush=True)
            scope = "all" if sample is texts else f"a sample of {len(sample):,}"
            print(f"  {'jieba.posseg.cut, 1 core':<34}{'':10}  {'':19}  {floor:8.0f} chars/s  "
                  f"({scope} articles)", flush=True)
            single = None
            if n <= args.single_max and jobs > 1:
                # the same command as the full build below but for --jobs: both fill a new cache
                shutil.rmtree(work / f"out-{n}-1", ignore_errors=True)
                single = kg_build([str(folder), "--out", str(work / f"out-{n}-1"), "--jobs", "1", *extra],
                                  env)
                print(fmt_run("kg build --jobs 1 (cold cache)", single, chars, floor), flush=True)
            out = work / f"out-{n}"
            shutil.rmtree(out, ignore_errors=True)
            full = kg_build([str(folder), "--out", str(out), "--jobs", str(jobs), *extra], env)
            speedup = f"  speed-up {single.seconds / full.seconds:.2f}× on {jobs} jobs" if single else ""
            print(fmt_run(f"kg build --jobs {jobs} (cold cache)", full, chars, floor) + speedup, flush=True)
            print(f"    stages: {stages(full)}; {full.seconds / n * 1000:.0f} ms/article", flush=True)
            again = kg_build([str(folder), "--out", str(out), "--jobs", str(jobs), *extra], env)
            done = "up to date, nothing rebuilt" if again.up_to_date else \
                f"{again.cached:,} of {again.files:,} files from the cache"
            print(f"  {'rebuild, unchanged':<34}{again.seconds:8.1f} s  ({done})  peak {again.peak_mb:.0f} MB",
                  flush=True)
            print(f"    stages: {stages(again)}", flush=True)
            corpus.write_corpus(folder, ADDED, start=n, seed=args.seed + 1)
            grown = kg_build([str(folder), "--out", str(out), "--jobs", str(jobs), *extra], env)
            print(f"  {f'rebuild, {ADDED} articles added':<34}{grown.seconds:8.1f} s  "
                  f"({grown.files - grown.cached:,} files extracted, {grown.cached:,} from the cache)  "
                  f"peak {grown.peak_mb:.0f} MB", flush=True)
            print(f"    stages: {stages(grown)}", flush=True)
            print(f"    graph: {' '.join(grown.summary.splitlines()[1:3])}", flush=True)
            last = (n, full, chars / full.seconds, floor)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    if last:
        n, full, rate, floor = last
        print(f"\nthroughput: {rate:.0f} chars/s, {rate / floor:.2f}× jieba.posseg, "
              f"{label(n)} articles in {full.seconds:.0f} s, peak {full.peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
