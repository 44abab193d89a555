"""`kg publish`: a build into real triple stores started here on 127.0.0.1 (Oxigraph's server from
the `oxigraph` package, Virtuoso 7 from Debian's virtuoso-opensource-7-bin, which `make test`
installs), then the example queries over their SPARQL endpoints; and a failed publish that must
leave the store's previous graph, against a Graph Store that fails on purpose."""
from __future__ import annotations

import contextlib
import http.server
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import stop_process
from kg import cli
from kg.export_rdf import GRAPH_IRI
from kg.query import load_store, query_dir, run

STARTUP = 60  # seconds for a store to answer


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, log: Path | None = None) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # answering, if not to this
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"the store exited with {process.returncode}: {log.read_text()[-2000:] if log else ''}")
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {STARTUP} s")


@contextlib.contextmanager
def _running(command: list[str], url: str, cwd: Path, log: Path | None = None) -> Iterator[None]:
    with open(cwd / "server.log", "wb") as output:
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait(url, process, log or cwd / "server.log")
            yield
        finally:
            stop_process(process, 30)


def select(endpoint: str, query: str, **params: str) -> list[dict]:
    data = urllib.parse.urlencode({"query": query, **params}).encode()
    request = urllib.request.Request(endpoint, data=data, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["results"]["bindings"]


def count(endpoint: str, **params: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_IRI}> {{ ?s ?p ?o }} }}"
    return int(select(endpoint, query, **params)[0]["n"]["value"])


def published(*args: str, password: str | None = None) -> int:
    env = {"KG_STORE_PASSWORD": password} if password is not None else {}
    with _env(env):
        return cli.main(["publish", *args])


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _rows(bindings: list[dict], names: list[str]) -> list[tuple]:
    return sorted(tuple(b[n]["value"] if n in b else "" for n in names) for b in bindings)


def _same_rows_as_pyoxigraph(endpoint: str, build: Path, **params: str) -> None:
    store = load_store(build)
    queries = sorted(query_dir().glob("*.rq"))
    assert len(queries) >= 5
    for path in queries:
        text = path.read_text(encoding="utf-8")
        results = run(store, text)
        names = [v.value for v in results.variables]
        embedded = sorted(tuple(_value(row[n]) for n in names) for row in results)
        over_http = _rows(select(endpoint, text, **params), names)
        assert over_http == embedded, path.name


def _value(term) -> str:
    return "" if term is None else term.value


# --- Oxigraph's server ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory) -> Iterator[str]:
    """`oxigraph serve` (in memory) on a free port; yields its base URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("oxigraph")
    with _running([binary, "serve", "--bind", f"127.0.0.1:{port}"], f"{base}/query?query=ASK%7B%7D", folder):
        yield base


def test_publish_into_oxigraph_replaces_the_graph(oxigraph: str, build: Path, capsys) -> None:
    triples = len(load_store(build))
    assert published(str(build), "--store", f"{oxigraph}/store") == 0
    assert "published" in capsys.readouterr().out
    assert count(f"{oxigraph}/query") == triples
    # twice, and in pieces: the same triples, not twice as many
    assert published(str(build), "--store", f"{oxigraph}/store", "--batch", "500") == 0
    assert count(f"{oxigraph}/query") == triples
    said = re.search(r"published ([\d,]+) triples .* \((\d+) requests", capsys.readouterr().out)
    assert said and int(said[2]) == math.ceil(int(said[1].replace(",", "")) / 500) > 1  # 500 a piece
    _same_rows_as_pyoxigraph(f"{oxigraph}/query", build, **{"default-graph-uri": str(GRAPH_IRI)})


def test_publish_to_another_named_graph(oxigraph: str, build: Path) -> None:
    other = "https://example.org/graphs/hospitals"
    assert published(str(build), "--store", f"{oxigraph}/store", "--graph-iri", other) == 0
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{other}> {{ ?s ?p ?o }} }}"
    assert int(select(f"{oxigraph}/query", query)[0]["n"]["value"]) == len(load_store(build))


def test_publish_errors_are_one_line_and_non_zero(build: Path, capsys) -> None:
    port = _free_port()  # nothing listens there
    assert published(str(build), "--store", f"http://127.0.0.1:{port}/store") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("kg: publish failed:") and "\n" not in err
    assert published(str(build), "--store", "http://127.0.0.1:1/store", "--user", "someone") == 2
    assert "KG_STORE_PASSWORD" in capsys.readouterr().err
    assert cli.main(["publish", "/nowhere", "--store", "http://127.0.0.1:1/store"]) == 2


# --- a failed publish leaves the previous graph ------------------------------------------------

class _FlakyGraphStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store Protocol server in memory (one graph's N-Triples lines) whose `fail_at`-th
    write request fails, as a store that runs out of space or time would."""

    lines: set[bytes] = set()
    writes = 0
    fail_at = 0

    def log_message(self, *args) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def _write(self, replace: bool) -> None:
        body = self._body()
        type(self).writes += 1
        if type(self).writes == type(self).fail_at:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"disk full\n")
            return
        triples = {line for line in body.splitlines() if line.strip()}
        type(self).lines = triples if replace else type(self).lines | triples
        self.send_response(204)
        self.end_headers()

    def do_PUT(self) -> None:
        self._write(replace=True)

    def do_POST(self) -> None:
        self._write(replace=False)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.end_headers()
        self.wfile.write(b"\n".join(sorted(type(self).lines)) + b"\n")

    def do_DELETE(self) -> None:
        type(self).lines = set()
        self.send_response(204)
        self.end_headers()


@contextlib.contextmanager
def _serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """The store URL of `handler` served on 127.0.0.1 while the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/store"
    finally:
        server.shutdown()
        server.server_close()


def _triples(lines: set[bytes]) -> int:
    graph = ox.Store()
    graph.load(b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES)
    return len(graph)


def test_publish_a_failed_piece_puts_the_previous_graph_back(build: Path, capsys) -> None:
    before = {b"<urn:a> <urn:b> <urn:c> ."}
    _FlakyGraphStore.lines, _FlakyGraphStore.writes, _FlakyGraphStore.fail_at = set(before), 0, 3
    with _serving(_FlakyGraphStore) as store:
        assert published(str(build), "--store", store, "--batch", "500") == 1
        err = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress lines
        assert err.startswith("kg: publish failed:")
        assert "HTTP 500" in err and "disk full" in err and "previous graph was put back" in err
        assert _FlakyGraphStore.lines == before
        # and a good publish replaces it whole
        _FlakyGraphStore.fail_at = 0
        assert published(str(build), "--store", store, "--batch", "500") == 0
        assert _triples(_FlakyGraphStore.lines) == len(load_store(build))


class _DroppingGraphStore(_FlakyGraphStore):
    """The store above, but it drops the connection of its first `drops` writes before reading
    the body, as a busy store answering the authentication challenge first does."""

    attempts = 0
    drops = 1

    def do_PUT(self) -> None:
        type(self).attempts += 1
        if type(self).attempts <= type(self).drops:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(replace=True)


@pytest.mark.parametrize("drops, code", [(1, 0), (4, 0), (5, 1)])
def test_publish_sends_again_a_write_the_store_dropped(build: Path, monkeypatch, capsys, drops: int,
                                                      code: int) -> None:
    from kg import publish

    pauses = []
    monkeypatch.setattr(publish.time, "sleep", pauses.append)
    _DroppingGraphStore.lines, _DroppingGraphStore.writes, _DroppingGraphStore.fail_at = set(), 0, 0
    _DroppingGraphStore.attempts, _DroppingGraphStore.drops = 0, drops
    with _serving(_DroppingGraphStore) as store:
        assert published(str(build), "--store", store) == code
    assert _DroppingGraphStore.attempts == min(drops + 1, publish.RESENDS + 1)
    assert pauses == [0.5, 1, 2, 4][:min(drops, publish.RESENDS)]  # each pause twice the last
    if code == 0:
        assert _triples(_DroppingGraphStore.lines) == len(load_store(build))
    else:  # four resends at most, then one line on stderr
        assert "publish failed" in capsys.readouterr().err


# --- Virtuoso ---------------------------------------------------------------------------------

VIRTUOSO_INI = """[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 10
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {folder}
CaseMode = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 5
MaxClientConnections = 5

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory) -> Iterator[str]:
    """A fresh Virtuoso 7 database (its default dba/dba account) on free ports; its base URL."""
    binary = shutil.which("virtuoso-t")
    if binary is None:  # `make test` installs it: a missing server is a failure, not a skip
        pytest.fail("virtuoso-t not found: install Debian's virtuoso-opensource-7-bin (make system-deps)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port = _free_port()
    (folder / "virtuoso.ini").write_text(VIRTUOSO_INI.format(folder=folder, sql_port=_free_port(),
                                                             http_port=http_port))
    base = f"http://127.0.0.1:{http_port}"
    with _running([binary, "-f", "-c", "virtuoso.ini"], f"{base}/sparql?query=ASK%7B%7D", folder,
                  folder / "virtuoso.log"):
        yield base


def test_publish_into_virtuoso_and_run_every_example_query(virtuoso: str, build: Path) -> None:
    store = f"{virtuoso}/sparql-graph-crud-auth"
    assert published(str(build), "--store", store, "--user", "dba", password="dba") == 0
    assert published(str(build), "--store", store, "--user", "dba", "--batch", "700", password="dba") == 0
    assert count(f"{virtuoso}/sparql") == len(load_store(build))
    _same_rows_as_pyoxigraph(f"{virtuoso}/sparql", build, **{"default-graph-uri": str(GRAPH_IRI)})
    assert published(str(build), "--store", store, "--user", "dba", password="wrong") == 1
