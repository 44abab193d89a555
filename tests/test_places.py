"""Places carry the gazetteer's codes and points: a Chinese division its GB/T 2260 code and a
GeoSPARQL point, a country its ISO 3166-1 code; aid_map.rq puts both sides of aid on the map."""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import lexicon
from kg.query import load_store, read_query, run

WKT = re.compile(r"POINT\((-?\d+(\.\d+)?) (-?\d+(\.\d+)?)\)")


def test_places_gazetteer_has_codes_and_points() -> None:
    places = lexicon.places()
    county = places["玛曲县"]
    assert county.code == "623025" and county.province == "甘肃省" and county.level == "county"
    longitude, latitude = county.point
    assert 100 < longitude < 103 and 33 < latitude < 35  # on the Yellow River's first bend
    assert places["甘肃"].code == "620000"  # a short form names the province
    assert places["马达加斯加"].code == "MG" and places["马达加斯加"].point is None
    assert lexicon.country_codes()["厄立特里亚"] == "ER"


def test_places_gazetteer_has_townships_without_codes() -> None:
    town = lexicon.places()["弥河镇"]
    assert town.level == "town" and town.province == "山东省"
    assert town.code == ""  # township codes are nine digits, not GB/T 2260's six
    assert lexicon.places()["城关镇"].province == ""  # 82 of them, in many provinces
    assert lexicon.places()["青州市"].level == "county"  # a township never displaces a division


def test_places_gazetteer_has_capitals_abroad() -> None:
    capital = lexicon.places()["内罗毕"]
    assert capital.level == "city" and capital.province == "" and capital.code == ""
    assert lexicon.places()["新加坡"].level == "country"  # a country keeps its own entry


def test_places_gazetteer_has_taiwan_hong_kong_and_macao_divisions() -> None:
    places = lexicon.places()
    assert places["高雄"].name == "高雄市" and places["高雄市"].province == "台湾省"
    assert places["花莲县"].level == "county" and places["沙田区"].province == "香港特别行政区"
    assert places["大埔"].province == "广东省"  # the mainland's 大埔县 keeps its short form
    assert places["金门县"].province == "福建省"  # as the mainland's table has it
    assert "中西" not in places  # 中西区's short form is a word (中西医): left out
    assert places["东区"].province == "四川省"  # Panzhihua's 东区 stands, not Hong Kong's


def test_places_gazetteer_has_divisions_abroad_by_full_name() -> None:
    places = lexicon.places()
    assert places["昆士兰州"].level == "province" and places["昆士兰州"].province == ""
    assert "安大略省" in places and "喀拉拉邦" in places
    assert "北方省" not in places and "昆士兰" not in places  # no three-character names, no short forms
    assert places["河南省"].code == "410000"  # a division abroad never displaces China's own


@pytest.mark.parametrize("form, name", [("阿坝州", "阿坝藏族羌族自治州"), ("阿坝", "阿坝藏族羌族自治州"),
                                        ("松桃县", "松桃苗族自治县"), ("松桃自治县", "松桃苗族自治县"),
                                        ("巴音郭楞州", "巴音郭楞蒙古自治州")])
def test_places_gazetteer_reads_autonomous_divisions_without_their_peoples(form: str, name: str) -> None:
    place = lexicon.places()[form]
    assert place.name == name and place.code
    assert lexicon.places()[name] is place


@pytest.fixture(scope="module")
def store(examples_build: Path) -> ox.Store:
    return load_store(examples_build)


def test_places_in_the_graph_have_code_and_point(store: ox.Store) -> None:
    rows = list(run(store, """
        PREFIX hkg: <https://w3id.org/hospital-kg/ontology#>
        PREFIX geo: <http://www.opengis.net/ont/geosparql#>
        SELECT ?name ?code ?wkt WHERE {
          ?place a hkg:Place ; rdfs:label ?name .
          OPTIONAL { ?place hkg:divisionCode|hkg:countryCode ?code }
          OPTIONAL { ?place geo:hasGeometry/geo:asWKT ?wkt }
        }"""))
    assert len(rows) > 5
    coded = [row for row in rows if row["code"] is not None]
    assert len(coded) >= len(rows) // 2
    for row in coded:
        code = row["code"].value
        assert re.fullmatch(r"\d{6}|[A-Z]{2}", code), code
        if row["wkt"] is not None:
            assert row["wkt"].datatype.value == "http://www.opengis.net/ont/geosparql#wktLiteral"
            longitude, latitude = map(float, WKT.fullmatch(row["wkt"].value).group(1, 3))
            assert 73 < longitude < 136 and 3 < latitude < 54  # in China
        else:
            assert len(code) == 2  # only countries have no point


def test_places_aid_map_query_gives_both_sides_coordinates(store: ox.Store) -> None:
    rows = list(run(store, read_query("aid_map")))
    pairs = list(run(store, "SELECT DISTINCT ?r ?h WHERE { ?r <https://w3id.org/hospital-kg/ontology#aidedBy> ?h }"))
    assert len(rows) == len(pairs) > 3  # one row a pair
    both = [row for row in rows if row["receiverWKT"] is not None and row["helperWKT"] is not None
            and row["receiverWKT"].value and row["helperWKT"].value]
    assert len(both) >= 2
    for row in both:
        assert WKT.fullmatch(row["receiverWKT"].value) and WKT.fullmatch(row["helperWKT"].value)
        assert re.fullmatch(r"\d{6}", row["receiverCode"].value)
    abroad = [row for row in rows if row["receiverCode"] is not None and row["receiverCode"].value == "MG"]
    assert abroad and all(row["receiverWKT"].value == "" for row in abroad)  # a country: code, no point


@pytest.mark.parametrize("one, other, fits", [
    ("信阳市", "河南省", True), ("浉河区", "信阳市", True), ("信阳市", "武汉市", False),
    ("弥河镇", "山东省", True), ("弥河镇", "青州市", True), ("弥河镇", "河南省", False),  # a town: its province only
    ("玛曲县", "中国", True), ("玛曲县", "萨摩亚", False), ("萨摩亚", "中国", False),
    ("内罗毕", "肯尼亚", True),  # a city abroad: the gazetteer cannot tell, so it may
])
def test_places_place_fits_reads_the_division_codes(one: str, other: str, fits: bool) -> None:
    places = lexicon.places()
    assert lexicon.place_fits(places[one], places[other]) is fits
    assert lexicon.place_fits(places[other], places[one]) is fits


def test_places_leading_places_are_the_areas_a_name_begins_with() -> None:
    assert lexicon.leading_places("河南省信阳市人民医院") == [(0, 3, "河南省"), (3, 6, "信阳市")]
    assert lexicon.leading_places("川北医学院附属广元市第一人民医院") == [(7, 10, "广元市")]  # after 附属
    assert lexicon.leading_places("中山大学附属第一医院") == []  # 中山市 does not seat 中山大学
    assert lexicon.leading_places("仁爱医院") == []
