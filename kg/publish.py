"""Put a build into a running triple store (`kg publish BUILD --store URL`), by the SPARQL 1.1
Graph Store HTTP Protocol, which Oxigraph, Virtuoso, Fuseki, GraphDB and Stardog all speak.

    kg publish output --store http://127.0.0.1:7878/store                       # Oxigraph server
    KG_STORE_PASSWORD=dba kg publish output --user dba \\
        --store http://127.0.0.1:8890/sparql-graph-crud-auth                     # Virtuoso

The build replaces the named graph (`--graph`, by default https://w3id.org/hospital-kg/id/graph):
publishing twice leaves the same triples, not twice as many. A graph of up to `--batch` triples
goes in one PUT, which the store applies whole or not at all. A larger one goes in pieces (a PUT,
then POSTs that add), read from graph.ttl as it streams; before that the store's previous graph is
fetched (GET), and if a piece fails it is put back, so a failed publish leaves what was there.
The password comes from the environment (KG_STORE_PASSWORD), never from the command line; basic
and digest authentication are both answered. A write the store drops mid-request (a broken pipe, a
reset: a busy store answering the authentication challenge before it has read the body) is sent
again, twice at most; PUT and POST of the same triples leave the same graph however often sent.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .export_rdf import GRAPH_IRI
from .query import FORMATS, graph_file

__all__ = ["DEFAULT_BATCH", "PASSWORD_VARIABLE", "PublishError", "Published", "publish"]

DEFAULT_BATCH = 100_000  # triples a request: about 20 MB of N-Triples
PASSWORD_VARIABLE = "KG_STORE_PASSWORD"
MEDIA_TYPE = "text/turtle"  # pieces are N-Triples, which is Turtle: every store reads it
# A write the store dropped mid-request is sent again this many times at most, after pauses that
# double from RESEND_PAUSE seconds (0.5, 1, 2, 4): a Virtuoso busy or just started dropped three
# writes within 1.5 s on a loaded machine.
RESENDS = 4
RESEND_PAUSE = 0.5


class PublishError(Exception):
    """The store refused or could not be reached; the message is one line."""


@dataclass(frozen=True)
class Published:
    triples: int
    pieces: int
    graph: str
    store: str


def _opener(store: str, user: str | None, password: str | None) -> urllib.request.OpenerDirector:
    if user is None:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, store, user, password or "")
    return urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                       urllib.request.HTTPDigestAuthHandler(passwords))


def _graph_url(store: str, graph: str) -> str:
    return f"{store}{'&' if '?' in store else '?'}{urllib.parse.urlencode({'graph': graph})}"


def _pieces(source: Path, batch: int) -> Iterator[tuple[int, bytes]]:
    """(triples, N-Triples bytes) of each run of `batch` triples of the file, as it is parsed."""
    triples = ox.parse(path=str(source), format=FORMATS[source.suffix.lower()])
    quads_to_triples = (ox.Triple(t.subject, t.predicate, t.object) for t in triples)
    while chunk := list(itertools.islice(quads_to_triples, batch)):
        yield len(chunk), ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES)


class _Store:
    def __init__(self, store: str, graph: str, user: str | None, password: str | None, timeout: float):
        self.url, self.store = _graph_url(store, graph), store
        self.opener, self.timeout = _opener(store, user, password), timeout

    def send(self, method: str, body: bytes) -> None:
        for attempt in range(RESENDS + 1):
            request = urllib.request.Request(self.url, data=body, method=method,
                                             headers={"Content-Type": f"{MEDIA_TYPE}; charset=utf-8"})
            try:
                self._call(request)
                return
            except PublishError as err:
                if attempt == RESENDS or not _dropped(err.__cause__):
                    raise
            time.sleep(RESEND_PAUSE * 2 ** attempt)

    def delete(self) -> None:
        self._call(urllib.request.Request(self.url, method="DELETE"), missing_ok=True)

    def fetch(self, into: Path) -> bool:
        """The store's graph as N-Triples into `into`; False when the store has no such graph."""
        request = urllib.request.Request(self.url, headers={"Accept": "application/n-triples"})
        return self._call(request, into, missing_ok=True)

    def _call(self, request: urllib.request.Request, into: Path | None = None, missing_ok: bool = False) -> bool:
        """Send the request, its answer streamed into `into` (else read and dropped); False for a
        graph the store does not have (404) when `missing_ok`, a PublishError for any failure."""
        method = request.get_method()
        try:
            with self.opener.open(request, timeout=self.timeout) as response, \
                    (into.open("wb") if into is not None else contextlib.nullcontext()) as out:
                while block := response.read(1 << 20):
                    if out is not None:
                        out.write(block)
            return True
        except urllib.error.HTTPError as err:
            if missing_ok and err.code == 404:
                return False
            raise PublishError(f"{method} {self.store}: HTTP {err.code} {err.reason}: {_said(err)}") from err
        except OSError as err:
            raise PublishError(f"{method} {self.store}: {getattr(err, 'reason', err)}") from err


def _dropped(err: BaseException | None) -> bool:
    """Whether the store dropped the connection mid-request (urllib wraps what sending raised)."""
    dropped = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)  # not a refused connection
    return isinstance(err, dropped) or isinstance(getattr(err, "reason", None), dropped)


def _said(err: urllib.error.HTTPError) -> str:
    """The first line of what the store said, for a one-line error."""
    try:
        text = err.read(2000).decode("utf-8", "replace")
    except OSError:
        text = ""
    return next((line.strip() for line in text.splitlines() if line.strip()), "(no message)")[:300]


def publish(build: str | Path, store: str, graph: str = str(GRAPH_IRI), user: str | None = None,
            password: str | None = None, batch: int = DEFAULT_BATCH, timeout: float = 300.0,
            progress: Callable[[int, int], None] | None = None) -> Published:
    """Replace `graph` in the store at `store` (its Graph Store Protocol URL) with the build's graph.
    `password` defaults to $KG_STORE_PASSWORD; `progress(pieces sent, triples sent)` after each piece."""
    source = graph_file(build)
    password = os.environ.get(PASSWORD_VARIABLE) if password is None else password
    target = _Store(store, graph, user, password, timeout)
    pieces = _pieces(source, batch)
    first = next(pieces, (0, b""))
    second = next(pieces, None)
    if second is None:  # one request: the store replaces the graph whole or not at all
        target.send("PUT", first[1])
        if progress:
            progress(1, first[0])
        return Published(first[0], 1, graph, store)
    with tempfile.TemporaryDirectory(prefix="kg-publish-") as scratch:
        previous = Path(scratch) / "previous.nt"
        had_previous = target.fetch(previous)
        sent = count = 0
        try:
            for method, (size, body) in zip(itertools.chain(["PUT"], itertools.repeat("POST")),
                                            itertools.chain([first, second], pieces)):
                target.send(method, body)
                sent, count = sent + 1, count + size
                if progress:
                    progress(sent, count)
        except PublishError as err:
            raise PublishError(f"{err}; {_restore(target, previous if had_previous else None, batch)}") from err
    return Published(count, sent, graph, store)


def _restore(target: _Store, previous: Path | None, batch: int) -> str:
    """Put the store's previous graph back after a failed piece; what became of it, for the error."""
    try:
        if previous is None:
            target.delete()  # there was none: none again
            return "the graph was removed again, as there was none before"
        for index, (_, body) in enumerate(_pieces(previous, batch)):
            target.send("PUT" if index == 0 else "POST", body)
        return "the store's previous graph was put back"
    except PublishError as err:
        return f"putting the previous graph back failed too ({err}): the graph is incomplete"
