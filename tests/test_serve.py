"""Tests of `kg serve`: a SPARQL 1.1 endpoint (rdflib-endpoint + uvicorn) in a subprocess on a free
localhost port, queried over HTTP with SPARQLWrapper, then shut down."""

import os
import selectors
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from SPARQLWrapper import GET, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from kg import cli
from kg.query import load_store, read_query, run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
STARTUP = 60  # seconds for the server to load the graph and listen
TIMEOUT = 30  # seconds for one HTTP request


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


@pytest.fixture(scope="module")
def endpoint(build: Path) -> Iterator[str]:
    """`kg serve BUILD --port 0` running; yields the endpoint URL it prints."""
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", str(build), "--port", "0"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = _first_line(process, STARTUP)
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/sparql"), line
        _wait_until_answering(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


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
