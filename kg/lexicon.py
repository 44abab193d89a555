"""Lexicons and gazetteers, loaded once from the data files in `kg/resources/`.

Each lexicon file is `term<TAB>type<TAB>note` with `#` comments; a malformed line raises an
error naming `file:line`. The place gazetteer comes from the `cpca` package (China's
administrative divisions) and country names from `pycountry`'s Chinese locale.
"""
from __future__ import annotations

import csv
import gettext
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

RESOURCES = "kg.resources"
# Suffixes of administrative areas, longest first, so that 自治州 wins over 州.
AREA_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
                 "地区", "新区", "林区", "矿区", "特区", "省", "市", "县", "区", "盟", "旗", "州")


class LexiconError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    type: str
    note: str


def load(name: str) -> tuple[Entry, ...]:
    """Entries of one lexicon file; raises LexiconError naming file:line on a bad line."""
    text = resources.files(RESOURCES).joinpath(name).read_text(encoding="utf-8")
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not fields[0].strip():
            raise LexiconError(f"{name}:{number}: expected term<TAB>type<TAB>note, got {line!r}")
        entries.append(Entry(*(f.strip() for f in fields)))
    return tuple(entries)


def table(name: str) -> dict[str, str]:
    """term → type of one lexicon file."""
    return {e.term: e.type for e in load(name)}


@dataclass(frozen=True, slots=True)
class Place:
    name: str  # full official name, e.g. 青川县
    short: str  # name without its area suffix, e.g. 青川 (empty when too short to be safe)
    level: str  # province, city, county, country
    province: str = ""  # the province it lies in, e.g. 甘肃省 (empty for countries)
    code: str = ""  # GB/T 2260 division code (510822 for 青川县), or a country's ISO 3166-1 alpha-2
    point: tuple[float, float] | None = None  # (longitude, latitude) of a Chinese division's seat


@lru_cache(maxsize=1)
def places() -> dict[str, Place]:
    """Every surface form (full or short name) → the place it names."""
    found: dict[str, Place] = {}
    data = resources.files("cpca").joinpath("resources/adcodes.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    provinces = {row["adcode"][:2]: row["name"].strip() for row in rows if row["adcode"][2:6] == "0000"}
    for row in rows:
        name = row["name"].strip()
        code = row["adcode"]
        level = "province" if code[2:6] == "0000" else "city" if code[4:6] == "00" else "county"
        if name and name not in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            province = provinces.get(code[:2], "")
            point = _point(row)
            _add_place(found, name, level, province, code[:6], point)
            if name.endswith("县") and level == "county":
                # Many counties have since become districts (县改区); the gazetteer predates some.
                _add_place(found, name[:-1] + "区", level, province, code[:6], point)
    for name, alpha2 in country_codes().items():
        found.setdefault(name, Place(name, "", "country", code=alpha2))
    return found


def _point(row: dict) -> tuple[float, float] | None:
    try:
        return float(row["longitude"]), float(row["latitude"])
    except (KeyError, TypeError, ValueError):
        return None


def _add_place(found: dict[str, Place], name: str, level: str, province: str = "", code: str = "",
               point: tuple[float, float] | None = None) -> None:
    short = ""
    for suffix in AREA_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            short = name[: -len(suffix)]
            break
    place = Place(name, short, level, province, code, point)
    # A full name is never displaced; a short form keeps the higher level (甘肃 the province).
    found[name] = place
    if short and (short not in found or found[short].level != "province" and level == "province"):
        found[short] = place


@lru_cache(maxsize=1)
def university_seats() -> dict[str, str]:
    """A university's name → the city it is seated in (universities.tsv)."""
    return table("universities.tsv")


@lru_cache(maxsize=1)
def countries() -> tuple[str, ...]:
    """Chinese names of the world's countries, from pycountry's ISO 3166 translations."""
    return tuple(sorted(country_codes()))


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """Chinese name of each country → its ISO 3166-1 alpha-2 code, from pycountry's translations."""
    import pycountry

    try:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:
        return {}
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("common_name", "name"):
            value = getattr(country, attr, None)
            if value:
                zh = translation.gettext(value)
                if zh != value and re.fullmatch(r"[\u4e00-\u9fff·]{2,12}", zh):
                    codes.setdefault(zh, country.alpha_2)
    return codes
