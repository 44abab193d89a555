"""Tests of `kg query` (kg.query, pyoxigraph) and of the SPARQL in ontology/queries and the README,
run on a build of examples/articles."""

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import pyoxigraph
import pytest

from kg import cli
from kg.export_rdf import EXPORTERS
from kg.query import QueryError, load_store, query_dir, query_graph, read_query, run, table

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
QUERIES = sorted(query_dir().glob("*.rq"))
TOPICS = {  # the researchers' questions, as the issue lists them → the variables that answer them
    "aid_pairs.rq": {"receiverLabel", "helperLabel", "programme", "date", "evidence"},
    "aid_network_province.rq": {"receiverLabel", "helperLabel", "side"},
    "doctors_patients.rq": {"doctorLabel", "patientLabel", "conditionLabel"},
    "events_by_host.rq": {"hostLabel", "eventLabel", "date"},
    "people_by_institution.rq": {"institutionLabel", "personLabel", "type"},
    "facts_with_evidence.rq": {"subjectLabel", "relation", "objectLabel", "evidence", "articleTitle"},
}


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


@pytest.fixture(scope="module")
def store(build: Path) -> pyoxigraph.Store:
    return load_store(build)


def test_query_files_cover_the_researchers_questions() -> None:
    assert set(TOPICS) <= {p.name for p in QUERIES}
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ") and len(text.split("\n", 1)[0]) > 20, path.name


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_query_every_file_returns_rows_on_the_examples(store: pyoxigraph.Store, path: Path) -> None:
    results = run(store, path.read_text(encoding="utf-8"))
    variables = {v.value for v in results.variables}
    rows = list(results)
    assert rows, f"{path.name} returns nothing on the examples build"
    assert TOPICS.get(path.name, set()) <= variables
    for name in TOPICS.get(path.name, ()):
        assert any(row[name] is not None for row in rows), f"{path.name}: ?{name} never bound"


def test_query_aid_pairs_names_programme_and_date(store: pyoxigraph.Store) -> None:
    rows = list(run(store, read_query("aid_pairs")))
    for row in rows:
        assert row["programme"].value
        if row["evidence"] is not None and row["date"] is not None:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"].value)


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sparql\n(.*?)```", text, flags=re.DOTALL)


def test_query_readme_sparql_returns_rows(store: pyoxigraph.Store) -> None:
    queries = readme_queries()
    assert any("evidenceText" in q and "wasDerivedFrom" in q for q in queries), \
        "the README shows the sentence behind an edge"
    for query in queries:
        assert list(run(store, query)), query


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_query_loads_every_format(build: Path, store: pyoxigraph.Store, fmt: str) -> None:
    assert len(load_store(build / f"graph.{fmt}")) == len(store)


def test_query_with_ontology_adds_the_class_tree(build: Path, store: pyoxigraph.Store) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?x a/rdfs:subClassOf* hkg:Organization }"
    plain = int(next(iter(run(store, query)))["n"].value)
    with_ontology = int(next(iter(run(load_store(build, with_ontology=True), query)))["n"].value)
    assert with_ontology > plain


# --- the command --------------------------------------------------------------------------

def kg_query(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["query", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_query_cli_table(build: Path, capsys) -> None:
    code, out, _ = kg_query(capsys, str(build), "doctors_patients")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["doctor", "doctorLabel", "patient", "patientLabel", "condition", "conditionLabel"]
    assert set(lines[1]) <= {"-", " "}
    assert re.fullmatch(r"\((\d+) rows?\)", lines[-1])
    assert "kgid:person/" in out


def test_query_cli_inline_sparql_with_predeclared_prefixes(build: Path, capsys, store) -> None:
    code, out, _ = kg_query(capsys, str(build / "graph.ttl"),
                            "SELECT ?name WHERE { ?h a hkg:Hospital ; rdfs:label ?name } ORDER BY ?name",
                            "--output", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    hospitals = list(run(store, "SELECT ?h WHERE { ?h a hkg:Hospital }"))
    assert rows[0] == ["name"] and len(rows) - 1 == len(hospitals) > 3
    assert any("医院" in r[0] for r in rows[1:])


def test_query_cli_rq_file_as_json(build: Path, capsys) -> None:
    code, out, _ = kg_query(capsys, str(build), str(query_dir() / "events_by_host.rq"), "-o", "json")
    assert code == 0
    document = json.loads(out)
    assert "hostLabel" in document["head"]["vars"] and document["results"]["bindings"]
    binding = document["results"]["bindings"][0]
    assert binding["hostLabel"]["xml:lang"] == "zh"


def test_query_cli_ask_and_construct(build: Path, capsys) -> None:
    assert kg_query(capsys, str(build), "ASK { ?d hkg:treated ?p }")[1].strip() == "true"
    code, out, _ = kg_query(capsys, str(build), "CONSTRUCT { ?d hkg:treated ?p } WHERE { ?d hkg:treated ?p }",
                            "-o", "csv")
    assert code == 0
    assert len(list(pyoxigraph.parse(out.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES))) >= 1


@pytest.mark.parametrize("graph, query, message", [
    ("missing-folder", "SELECT * WHERE { ?s ?p ?o }", "no such file"),
    (".", "SELECT * WHERE { ?s ?p ?o }", "no graph.ttl"),
    ("BUILD", "SELEKT ?x", "query failed"),
    ("BUILD", "no_such_query.rq", "no such query file"),
])
def test_query_cli_errors_exit_2(build: Path, tmp_path: Path, capsys, graph: str, query: str,
                                 message: str) -> None:
    target = str(build) if graph == "BUILD" else str(tmp_path / graph) if graph != "." else str(tmp_path)
    code, out, err = kg_query(capsys, target, query)
    assert code == 2 and out == "" and message in err


def test_query_read_query_prefers_files_then_names() -> None:
    assert read_query("aid_pairs") == (query_dir() / "aid_pairs.rq").read_text(encoding="utf-8")
    assert read_query("SELECT * WHERE { ?s ?p ?o }") == "SELECT * WHERE { ?s ?p ?o }"
    with pytest.raises(QueryError):
        read_query("missing.rq")


def test_query_table_aligns_chinese_and_cuts_long_cells() -> None:
    def columns(text: str) -> int:  # display width: a Chinese character takes two columns
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    text = table(["a", "b"], [["医院", "x" * 60], ["ab", "短"]], max_cell=10)
    header, rule, first, second, count = text.splitlines()
    start = columns(rule.split("  ")[0]) + 2
    assert columns(first[:first.index("x")]) == columns(second[:second.index("短")]) == start == 6
    assert first.endswith("…") and columns(first) - start == 10
    assert count == "(2 rows)"
    assert "x" * 60 in table(["a"], [["x" * 60]], max_cell=0)


def test_query_graph_function_matches_cli(build: Path, capsys) -> None:
    assert query_graph(build, "aid_pairs", "csv").splitlines()[0].startswith("receiver,receiverLabel")
