"""notebooks/explore.ipynb runs top to bottom (nbclient) against a fresh build of examples/articles,
every query it runs returns rows, and it draws its chart."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kg.query import query_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="module")
def build(examples_build: Path) -> Path:
    return examples_build


def _text(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_is_stored_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_executes_on_a_fresh_build(build: Path, tmp_path: Path, monkeypatch) -> None:
    figure = tmp_path / "chart.png"
    monkeypatch.setenv("KG_GRAPH", str(build / "graph.ttl"))
    monkeypatch.setenv("KG_FIGURE", str(figure))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=120, startup_timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if a cell fails

    text = _text(notebook)
    assert f"{build / 'graph.ttl'}:" in text
    counts = dict(re.findall(r"^(\w+): (\d+) rows", text, flags=re.MULTILINE))
    assert set(counts) == {p.stem for p in query_dir().glob("*.rq")}
    assert all(int(n) > 0 for n in counts.values()), counts
    assert figure.read_bytes().startswith(b"\x89PNG")
