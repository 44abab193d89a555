"""SHACL validation of the built graph against ``ontology/shapes.ttl`` (pyshacl).

The ontology is given to pyshacl as the ontology graph, so that ``sh:class`` and ``sh:targetClass``
follow ``rdfs:subClassOf`` (a Doctor is a Person) without running an inference engine.

    python -m kg.validate output/graph.ttl      # exit 0 when the graph conforms, 1 otherwise
    python -m kg.validate output/graph.ttl --inference rdfs   # as a store that reasons first sees it
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SH

from .export_rdf import qname
from .vocab import ontology_path

__all__ = ["ValidationResult", "shapes_path", "validate", "validate_file"]

SHOWN = 3
"""Messages quoted in the one-paragraph summary; the rest are counted."""


def shapes_path() -> Path:
    """``ontology/shapes.ttl`` in the repository."""
    return ontology_path().parent / "shapes.ttl"


@dataclass(frozen=True, slots=True)
class ValidationResult:
    conforms: bool
    violations: int
    messages: tuple[str, ...]  # distinct SHACL results, sorted: "focus (label) path = value: message"

    def summary(self, shown: int = SHOWN) -> str:
        """``SHACL: conforms``, or the count of violations and the first few messages."""
        if self.conforms:
            return "SHACL: conforms"
        noun = "violation" if self.violations == 1 else "violations"
        lines = [f"SHACL: {self.violations} {noun} of ontology/shapes.ttl"]
        lines += [f"  {message}" for message in self.messages[:shown]]
        if len(self.messages) > shown:
            lines.append(f"  … and {len(self.messages) - shown} more (python -m kg.validate GRAPH)")
        return "\n".join(lines)


def _short(term, data: Graph) -> str:
    if isinstance(term, URIRef):
        label = data.value(term, RDFS.label)
        name = qname(term)
        return f"{name} ({label})" if label is not None else name
    return repr(str(term)) if isinstance(term, Literal) else str(term)


def _messages(report: Graph, data: Graph) -> list[str]:
    found = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        text = report.value(result, SH.resultMessage) or report.value(result, SH.sourceConstraintComponent)
        where = _short(focus, data)
        if path is not None:
            where += " " + _short(path, data)
        if value is not None and value != focus:
            where += f" = {_short(value, data)}"
        found.append(f"{where}: {text}")
    # A Doctor is checked by the Doctor and the Person shapes: one problem, one message.
    return sorted(set(found))


def validate(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None,
             inference: str = "none") -> ValidationResult:
    """Validate ``data`` (it is not modified) against the shapes, with the ontology's class tree;
    with ``inference="rdfs"`` (pyshacl's names), after the ontology's entailments are added."""
    import pyshacl  # imported here: it takes a second to import and most commands do not need it

    shapes = shapes if shapes is not None else Graph().parse(shapes_path(), format="turtle")
    ontology = ontology if ontology is not None else Graph().parse(ontology_path(), format="turtle")
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference=inference,
        abort_on_first=False, allow_warnings=True, advanced=True, meta_shacl=False)
    messages = _messages(report, data)
    return ValidationResult(bool(conforms), len(messages), tuple(messages))


def validate_file(path: str | Path, inference: str = "none") -> ValidationResult:
    return validate(Graph().parse(str(path)), inference=inference)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m kg.validate",
                                     description="check a built graph against ontology/shapes.ttl")
    parser.add_argument("graph", help="the graph file (graph.ttl, or any format rdflib reads)")
    parser.add_argument("--inference", choices=("none", "rdfs", "owlrl", "both"), default="none",
                        help="entailments to add before validating (pyshacl's; default none)")
    args = parser.parse_args(argv)
    result = validate_file(args.graph, args.inference)
    print(result.summary(shown=len(result.messages)))
    return 0 if result.conforms else 1


if __name__ == "__main__":
    sys.exit(main())
