"""Tests of `kg serve`: a SPARQL 1.1 endpoint (Oxigraph workers behind uvicorn) in a subprocess on
a free localhost port, queried over HTTP with SPARQLWrapper, loaded by concurrent clients beside a
query that would never end, then shut down by SIGTERM."""

import contextlib
import json
import os
import signal
import selectors
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
from rdflib import Graph
from SPARQLWrapper import GET, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from conftest import stop_process
from kg import cli
from kg.query import load_store, query_dir, read_query, run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
QUERIES = query_dir()
STARTUP = 60  # seconds for the server to load the graph and listen
TIMEOUT = 30  # seconds for one HTTP request


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


QUERY_LIMIT = 3  # the endpoint's --timeout in these tests
# every triple three times over: about 10^10 rows on the examples build, never done in time
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@contextlib.contextmanager
def running(build: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`kg serve BUILD --port 0 OPTIONS` running: its endpoint URL (the first line) and process."""
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", str(build), "--port", "0", *options],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = _first_line(process, STARTUP)
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/sparql"), line
        _wait_until_answering(url, process)
        yield url, process
    finally:
        stop_process(process)
        process.stdout.close()
        process.stderr.close()


@pytest.fixture(scope="module")
def endpoint(build: Path) -> Iterator[str]:
    with running(build, "--timeout", str(QUERY_LIMIT)) as (url, _):
        yield url


def _first_line(process: subprocess.Popen, timeout: float) -> str:
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            line = process.stdout.readline()
            if line:
                return line
        if process.poll() is not None:
            pytest.fail(f"kg serve exited with {process.returncode}: {process.stderr.read()[-2000:]}")
    pytest.fail(f"kg serve printed nothing within {timeout} s")


def _wait_until_answering(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"kg serve exited with {process.returncode}")
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {STARTUP} s")


def sparql(url: str, query: str, method: str = GET, fmt: str = JSON) -> SPARQLWrapper:
    client = SPARQLWrapper(url)
    client.setTimeout(TIMEOUT)
    client.setMethod(method)
    client.setReturnFormat(fmt)
    client.setQuery(query)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_serve_answers_sparqlwrapper(endpoint: str, build: Path, method: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    result = sparql(endpoint, query, method).query().convert()
    assert int(result["results"]["bindings"][0]["n"]["value"]) == len(load_store(build)) > 1000


def test_serve_runs_the_example_queries_like_pyoxigraph(endpoint: str, build: Path) -> None:
    store = load_store(build)
    for name in ("aid_pairs", "people_by_institution"):
        text = read_query(name)
        over_http = sparql(endpoint, text, POST).query().convert()["results"]["bindings"]
        results = run(store, text)
        labels = [v.value for v in results.variables if v.value.endswith("Label")]
        embedded = sorted(tuple(row[v].value if row[v] is not None else None for v in labels)
                          for row in results)
        assert over_http and len(over_http) == len(embedded), name
        assert sorted(tuple(b[v]["value"] if v in b else None for v in labels) for b in over_http) \
            == embedded, name


def test_serve_construct_returns_turtle(endpoint: str) -> None:
    query = ("PREFIX hkg: <https://w3id.org/hospital-kg/ontology#> "
             "CONSTRUCT { ?d hkg:treated ?p } WHERE { ?d hkg:treated ?p }")
    data = sparql(endpoint, query, fmt=TURTLE).query().convert()
    assert len(Graph().parse(data=data, format="turtle")) >= 1


def test_serve_is_read_only(endpoint: str) -> None:
    client = sparql(endpoint, "INSERT DATA { <urn:x> <urn:y> <urn:z> }", POST)
    with pytest.raises((SPARQLWrapperException, OSError)):
        client.query()
    count = sparql(endpoint, "ASK { <urn:x> <urn:y> <urn:z> }").query().convert()
    assert count["boolean"] is False


def test_serve_root_redirects_to_yasgui(endpoint: str) -> None:
    root = endpoint.rsplit("/", 1)[0] + "/"
    request = urllib.request.Request(root, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        assert response.url == endpoint
        page = response.read().decode("utf-8")
    assert "yasgui" in page.lower() and "aid_pairs" in page


def test_serve_missing_graph_and_taken_port_exit_2(build: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["serve", str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", str(build), "--port", str(port)]) == 2
    assert "cannot listen" in capsys.readouterr().err


def post(url: str, query: str, timeout: float = TIMEOUT) -> tuple[int, float, bytes]:
    """(HTTP status, seconds, body) of a form POST of the query."""
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/sparql-results+json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, time.perf_counter() - started, response.read()
    except urllib.error.HTTPError as err:
        return err.code, time.perf_counter() - started, err.read()


def test_serve_stops_a_query_past_its_time_and_answers_others_meanwhile(endpoint: str) -> None:
    endless: list = []
    worker = threading.Thread(target=lambda: endless.append(post(endpoint, ENDLESS)))
    worker.start()
    time.sleep(0.5)
    status, seconds, body = post(endpoint, "ASK { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["boolean"] is True and seconds < 2
    worker.join(QUERY_LIMIT + 15)
    status, seconds, body = endless[0]
    assert status == 503 and "limit" in body.decode() and seconds < QUERY_LIMIT + 5
    assert post(endpoint, "ASK { ?s ?p ?o }")[0] == 200  # the stopped query's worker was replaced


def test_serve_load_of_the_example_queries_beside_an_endless_one(endpoint: str) -> None:
    """8 clients × 100 queries of ontology/queries while an endless query runs: no error."""
    queries = [path.read_text(encoding="utf-8") for path in sorted(QUERIES.glob("*.rq"))]
    endless: list = []
    blocker = threading.Thread(target=lambda: endless.append(post(endpoint, ENDLESS)))
    blocker.start()

    def client(number: int) -> list[tuple[int, float, bytes]]:
        return [post(endpoint, queries[(number + k) % len(queries)]) for k in range(100)]

    with ThreadPoolExecutor(8) as pool:
        answers = [answer for part in pool.map(client, range(8)) for answer in part]
    blocker.join(QUERY_LIMIT + 15)
    assert [status for status, _, _ in answers] == [200] * 800
    assert endless[0][0] == 503
    seconds = sorted(s for _, s, _ in answers)
    print(f"load: 800 queries, p50 {seconds[400] * 1000:.0f} ms, p99 {seconds[792] * 1000:.0f} ms")
    assert seconds[792] < 5


def test_serve_sigterm_stops_it_while_a_query_runs(build: Path) -> None:
    with running(build, "--timeout", "60") as (url, process):

        def endless() -> None:
            with contextlib.suppress(OSError):  # the server goes away under it: that is the point
                post(url, ENDLESS, 60)

        threading.Thread(target=endless, daemon=True).start()
        time.sleep(1)
        workers = psutil.Process(process.pid).children(recursive=True)
        assert workers  # the query's worker among them
        process.send_signal(signal.SIGTERM)
        started = time.perf_counter()
        process.wait(timeout=10)
        assert time.perf_counter() - started < 2
        # no worker is left behind, not even the one deep in the endless query
        gone, alive = psutil.wait_procs(workers, timeout=3)
        assert alive == [], [p.cmdline() for p in alive]


def test_serve_offers_the_builds_void_with_its_own_url(endpoint: str) -> None:
    query = ("SELECT ?endpoint ?triples WHERE { GRAPH <https://w3id.org/hospital-kg/id/void> { "
             "?d <http://rdfs.org/ns/void#sparqlEndpoint> ?endpoint ; <http://rdfs.org/ns/void#triples> ?triples } }")
    rows = json.loads(post(endpoint, query)[2])["results"]["bindings"]
    assert [row["endpoint"]["value"] for row in rows] == [endpoint]
    # the default graph is the graph alone: its count is void.ttl's
    count = json.loads(post(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[2])
    assert count["results"]["bindings"][0]["n"]["value"] == rows[0]["triples"]["value"]
