"""RDF vocabulary of the knowledge graph, mirroring ``ontology/hospital-kg.ttl``.

``HKG`` is a closed namespace: every class and property declared in the ontology is an attribute,
and any other name raises ``AttributeError`` (tests/test_vocab.py keeps the two in sync).
Instance IRIs are minted under ``DATA``.
"""
from __future__ import annotations

import functools

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace

__all__ = [
    "DATA",
    "ENTITY_CLASSES",
    "HKG",
    "ONTOLOGY_FILE",
    "RELATION_PROPERTIES",
    "GEO",
    "SCHEMA",
    "ontology_path",
]


class HKG(DefinedNamespace):
    """Hospital knowledge graph ontology, https://w3id.org/hospital-kg/ontology#."""

    _NS = Namespace("https://w3id.org/hospital-kg/ontology#")
    _fail = True

    # Organisations
    Organization: URIRef  # any organisation (⊑ schema:Organization)
    Hospital: URIRef  # ⊑ hkg:Organization, schema:Hospital
    Department: URIRef  # a department of a hospital
    MedicalTeam: URIRef  # a team of medical staff formed for a mission
    GovernmentAgency: URIRef  # ⊑ schema:GovernmentOrganization

    # People
    Person: URIRef  # ⊑ schema:Person
    Doctor: URIRef
    Patient: URIRef  # ⊑ schema:Patient
    Official: URIRef

    # Places, events, conditions
    Place: URIRef  # ⊑ schema:Place
    Event: URIRef  # ⊑ schema:Event; day given by schema:startDate
    Condition: URIRef  # ⊑ schema:MedicalCondition

    # Provenance classes
    Article: URIRef  # one source story (⊑ schema:NewsArticle, prov:Entity)
    Assertion: URIRef  # a reified relation with its evidence (⊑ rdf:Statement, prov:Entity)

    # Relations (object properties)
    aidedBy: URIRef  # receiver -> helper organisation
    treated: URIRef  # Doctor -> Patient
    hosted: URIRef  # Organization -> Event
    worksAt: URIRef  # Person -> Organization (⊑ schema:worksFor)
    partOf: URIRef  # Organization -> Organization (⊑ schema:parentOrganization)
    participatedIn: URIRef  # Person or Organization -> Event
    locatedIn: URIRef  # Organization or Event -> Place (⊑ schema:location)
    hasCondition: URIRef  # Patient -> Condition (⊑ schema:healthCondition)

    # Provenance properties
    mentionedIn: URIRef  # any entity -> Article (⊑ prov:wasDerivedFrom)
    evidenceArticle: URIRef  # Assertion -> Article (⊑ prov:wasDerivedFrom)
    evidenceText: URIRef  # Assertion -> rdf:langString, the sentence stating the fact
    sourceFile: URIRef  # Article -> xsd:string, the input file's path inside the build's input
    province: URIRef  # Place -> rdf:langString, the province from the gazetteer
    divisionCode: URIRef  # Place -> xsd:string, GB/T 2260 code of a Chinese division
    countryCode: URIRef  # Place -> xsd:string, ISO 3166-1 alpha-2 code of a country


ENTITY_CLASSES: tuple[str, ...] = (
    "Hospital",
    "Department",
    "MedicalTeam",
    "GovernmentAgency",
    "Organization",
    "Doctor",
    "Patient",
    "Official",
    "Person",
    "Place",
    "Event",
    "Condition",
)
"""Local names of the classes an extracted entity can have."""

RELATION_PROPERTIES: tuple[str, ...] = (
    "aidedBy",
    "treated",
    "hosted",
    "worksAt",
    "partOf",
    "participatedIn",
    "locatedIn",
    "hasCondition",
)
"""Local names of the properties linking two extracted entities."""

GEO = Namespace("http://www.opengis.net/ont/geosparql#")
"""GeoSPARQL: a place's point as ``geo:hasGeometry [ geo:asWKT "POINT(lon lat)"^^geo:wktLiteral ]``."""

SCHEMA = Namespace("https://schema.org/")
"""schema.org, used for ``schema:startDate`` and as the parent vocabulary of the ontology."""

DATA = Namespace("https://w3id.org/hospital-kg/id/")
"""Base of instance IRIs."""


def ontology_path() -> Path:
    """Return the path of ``ontology/hospital-kg.ttl`` in the repository (``kg/../ontology``)."""
    return Path(__file__).resolve().parent.parent / "ontology" / "hospital-kg.ttl"


ONTOLOGY_FILE: Path = ontology_path()
"""The ontology file, as returned by :func:`ontology_path`."""


@functools.lru_cache(maxsize=1)
def chinese_labels() -> dict[str, str]:
    """Local name → the ontology's Chinese label of each class and property (Hospital → 医院)."""
    from rdflib import Graph, Literal
    from rdflib.namespace import RDFS

    ontology = Graph().parse(ontology_path(), format="turtle")
    base = str(HKG._NS)
    return {str(term)[len(base):]: str(label) for term, label in ontology.subject_objects(RDFS.label)
            if str(term).startswith(base) and isinstance(label, Literal) and label.language == "zh"}
