"""Tests of the command line, `kg build`, on tests/data."""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph

from kg.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
PLAIN = DATA / "articles" / "plain_utf8.txt"


def test_cli_build_succeeds_and_writes_outputs(cli_build) -> None:
    assert cli_build.code == 0, cli_build.out + cli_build.err
    for name in ("graph.ttl", "graph.html"):
        path = cli_build.outdir / name
        assert path.is_file() and path.stat().st_size > 0, name


def test_cli_build_prints_summary_with_counts(cli_build) -> None:
    out = cli_build.out
    files = re.search(r"read (\d+) files \((\d+) articles\)", out)
    assert files, out
    assert int(files.group(1)) >= 7 and int(files.group(2)) >= 8  # 7 articles, newsletter has 2
    entities = re.search(r"entities (\d+):", out)
    relations = re.search(r"relations (\d+):", out)
    assert entities and int(entities.group(1)) > 0, out
    assert relations and int(relations.group(1)) > 0, out
    assert re.search(r"\bHospital \d+", out) and re.search(r"\baidedBy \d+", out)
    assert "graph.ttl" in out and "graph.html" in out


@pytest.mark.parametrize("name, reason", [("empty.txt", "empty"), ("garbage.bin", "binary")])
def test_cli_build_reports_skipped_files(cli_build, name: str, reason: str) -> None:
    lines = [line for line in cli_build.out.splitlines() if "skipped" in line and name in line]
    assert lines, cli_build.out
    assert reason in lines[0]
    assert re.search(r"skipped or failed (\d+)", cli_build.out).group(1) == "2"


def test_cli_build_turtle_parses_with_rdflib_and_pyoxigraph(cli_build) -> None:
    path = cli_build.outdir / "graph.ttl"
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 100
    store = pyoxigraph.Store()
    store.load(path.read_bytes(), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(graph)


def test_cli_build_html_is_offline(cli_build) -> None:
    html = (cli_build.outdir / "graph.html").read_text(encoding="utf-8")
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html, flags=re.IGNORECASE)
    assert tags
    remote = [t for t in tags if re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", t, re.I)]
    assert remote == []
    assert not re.search(r"@import\s+(url\()?['\"]?(https?:)?//", html)


def _run(argv: list[str], capsys, caplog) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err + caplog.text


def test_cli_strict_fails_on_unreadable_file(tmp_path: Path, capsys, caplog) -> None:
    argv = ["build", str(PLAIN), str(DATA / "empty.txt"), "--out", str(tmp_path / "o")]
    code, text = _run(argv + ["--strict"], capsys, caplog)
    assert code != 0
    assert "empty.txt" in text
    assert (tmp_path / "o" / "graph.ttl").is_file()  # the readable part is still written
    code, _ = _run(argv, capsys, caplog)
    assert code == 0


def test_cli_reports_missing_input(tmp_path: Path, capsys, caplog) -> None:
    missing = tmp_path / "no-such-folder"
    code, text = _run(["build", str(PLAIN), str(missing), "--out", str(tmp_path / "o")],
                      capsys, caplog)
    assert code == 0
    assert str(missing) in text and "no such file" in text


def test_cli_nothing_readable_is_an_error(tmp_path: Path, capsys, caplog) -> None:
    missing = tmp_path / "no-such-file.txt"
    code, text = _run(["build", str(missing), str(DATA / "garbage.bin"), "--out",
                       str(tmp_path / "o")], capsys, caplog)
    assert code != 0
    assert str(missing) in text
    assert not (tmp_path / "o" / "graph.ttl").exists()


def test_cli_build_frees_the_graph_before_the_pages(tmp_path: Path, monkeypatch, capsys) -> None:
    # The pages are made beside the layout's process, at the build's peak memory: by then the
    # graph's objects (the network has what the pages read) must be gone.
    import gc

    import kg.export_html
    from kg.model import KnowledgeGraph

    def graphs() -> int:
        return sum(isinstance(o, KnowledgeGraph) for o in gc.get_objects())

    before, during = graphs(), []
    real = kg.export_html.write_pages

    def write_pages(*args, **kwargs):
        during.append(graphs())
        return real(*args, **kwargs)

    monkeypatch.setattr(kg.export_html, "write_pages", write_pages)
    assert main(["build", str(PLAIN), "--out", str(tmp_path / "o"), "--no-cache"]) == 0
    assert during == [before]
    assert re.search(r"entities [1-9]\d*: .*Hospital [1-9]", capsys.readouterr().out)


def test_cli_quiet_prints_nothing_on_success(tmp_path: Path, capsys) -> None:
    assert main(["build", str(PLAIN), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "o" / "graph.ttl").is_file()


@pytest.mark.parametrize("fmt, parser", [("nt", "nt"), ("jsonld", "json-ld"), ("xml", "xml")])
def test_cli_extra_format(tmp_path: Path, capsys, fmt: str, parser: str) -> None:
    out = tmp_path / "o"
    assert main(["build", str(PLAIN), "--out", str(out), "--format", fmt, "--quiet"]) == 0
    extra = Graph().parse(out / f"graph.{fmt}", format=parser)
    turtle = Graph().parse(out / "graph.ttl", format="turtle")
    assert len(extra) == len(turtle) > 0


@pytest.mark.parametrize("argv", [[], ["build"], ["build", "x"], ["frobnicate"]])
def test_cli_usage_errors_exit_2(argv: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage" in capsys.readouterr().err


def _subcommands(capsys) -> list[str]:
    with pytest.raises(SystemExit):
        main(["--help"])
    usage = capsys.readouterr().out
    found = re.search(r"\{([a-z,_-]+)\}", usage)
    assert found, usage
    return found.group(1).split(",")


def _readme() -> str:
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("no README.md yet")
    return readme.read_text(encoding="utf-8")


def test_cli_readme_documents_build(capsys) -> None:
    text = _readme()
    assert "build" in _subcommands(capsys)
    assert "kg build" in text


def test_cli_readme_documents_every_subcommand(capsys) -> None:
    text = _readme()
    missing = [c for c in _subcommands(capsys) if f"kg {c}" not in text]
    assert missing == [], f"README.md does not show: {', '.join('kg ' + c for c in missing)}"
