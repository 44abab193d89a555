"""Stage 3: clean text in, articles and sentences out.

A newsletter file holds several stories; each ends with a byline in parentheses naming the unit
and author (`（宣传科 张三）`). A story's title is its run of short opening lines.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .clean import CJK, DATE_ISO, CleanText, is_page_line, iso_date, match_date
from .model import Article, Sentence

BYLINE = re.compile(rf"（[{CJK}A-Za-z·\s]{{2,40}}）\s*$")
# A heading is short and has no sentence punctuation inside.
MAX_TITLE = 40
SENTENCE_END = re.compile(r"[。！？；!?;]+[”」』）]*|\n+")
# A "sentence" longer than this is not one (a table flattened into a line, a blob of data): it is
# cut, at the last comma or space before the limit when there is one, so that the extractor's time
# and memory per sentence stay bounded. Real sentences are under 200 characters.
MAX_SENTENCE = 500
SOFT_BREAKS = "，、,：:；; \t"
MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")
YEAR = re.compile(r"(20\d{2}|19\d{2})年")
MASTHEAD_ISSUE = re.compile(r"第\s*\d+\s*期")
DATE_ONLY = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(\s*星期.)?|\d{4}-\d{1,2}-\d{1,2}")
TITLE_LABEL = re.compile(r"^(原)?标题\s*[:：]\s*")


def split_articles(clean: CleanText, source: str) -> tuple[Article, ...]:
    """Split one file's clean text into its stories (one, for an ordinary article)."""
    paragraphs = clean.text.split("\n")
    chunks: list[list[str]] = [[]]
    for para in paragraphs:
        chunks[-1].append(para)
        if BYLINE.search(para.strip()) and len(para.strip()) > 0:
            chunks.append([])
    chunks = [c for c in chunks if "".join(c).strip()]
    # Text after the last byline that is too short to be a story belongs to the masthead or footer.
    if len(chunks) > 1 and sum(len(p) for p in chunks[-1]) < 80:
        chunks[-2].extend(chunks.pop())
    file_date = clean.date or _file_date(clean.text)
    stem = Path(source).name
    articles = []
    for number, chunk in enumerate(chunks, start=1):
        text = "\n".join(chunk).strip()
        title = clean.title if len(chunks) == 1 and clean.title else _title(chunk)
        date = (_first_full_date(text) if len(chunks) > 1 else None) or file_date
        article_id = stem if len(chunks) == 1 else f"{stem}#{number}"
        articles.append(Article(id=article_id, source=source, title=title or stem, text=text,
                                date=date, publisher=clean.publisher, sentences=split_sentences(text)))
    return tuple(articles)


def _title(lines: list[str]) -> str | None:
    """The last block of short lines before the first paragraph, skipping a masthead block
    (`某某医院院报 第12期` and its date line) and the page's own lines (`clean.is_page_line`)."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        line = line.strip()
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        if len(line) > MAX_TITLE or _sentence(line):
            break
        if is_page_line(line):
            continue
        blocks[-1].append(TITLE_LABEL.sub("", line).rstrip("：:"))
    heads = [b for b in blocks if b and not any(MASTHEAD_ISSUE.search(x) or DATE_ONLY.fullmatch(x) for x in b)]
    return " ".join(dict.fromkeys(heads[-1][-2:])) if heads else None


def _sentence(line: str) -> bool:
    """Whether a short line is a sentence of the story rather than a heading: a full stop inside,
    or a comma with a full stop at the end or an exclamation or question inside (a headline may
    exclaim or ask: 喜讯！某院揭牌, 援青医生带来了什么？)."""
    inside = line[:-1]
    return "。" in inside or "，" in line and (line.endswith("。") or "！" in inside or "？" in inside)


def _full_dates(text: str, end: int | None = None) -> Iterator[str]:
    """Each day written in full (2018年1月19日) that exists, in text order, up to `end`."""
    for match in DATE_ISO.finditer(text, 0, len(text) if end is None else end):
        if date := match_date(match):
            yield date


def _first_full_date(text: str) -> str | None:
    return next(_full_dates(text), None)


def _file_date(text: str) -> str | None:
    """The publication date: a masthead line's date, else the first full date, else a year."""
    for line in text.split("\n"):
        if MASTHEAD_ISSUE.search(line):
            found = _first_full_date(line)
            if found:
                return found
    found = _first_full_date(text)
    if found:
        return found
    year = YEAR.search(text)
    return f"{year.group(1)}" if year else None


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences with their offsets; a line break also ends one (headings, captions)."""
    sentences = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        end = match.end()
        _append(sentences, text, start, end)
        start = end
    _append(sentences, text, start, len(text))
    return tuple(sentences)


def _append(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    while end - start > MAX_SENTENCE:
        cut = _cut(text, start, start + MAX_SENTENCE)
        _append_one(sentences, text, start, cut)
        start = cut
    _append_one(sentences, text, start, end)


def _cut(text: str, start: int, limit: int) -> int:
    """Where to cut text[start:] no later than `limit`: after the last soft break in the second
    half of the window, else at the limit itself."""
    cut = max(text.rfind(mark, start + MAX_SENTENCE // 2, limit) for mark in SOFT_BREAKS)
    return cut + 1 if cut >= 0 else limit


def _append_one(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if stripped:
        offset = start + chunk.index(stripped)
        sentences.append(Sentence(offset, offset + len(stripped), stripped))


def narrative_date(article: Article, position: int) -> str | None:
    """The date whose year a bare 9月28日 at `position` of the story takes: the article's, unless
    a full date the story writes earlier falls in a later year (the article's date was then a
    day the story recalls, not when it was published)."""
    date = article.date
    for found in _full_dates(article.text, position):
        if not date or found[:4] > date[:4]:
            date = found
    return date


def resolve_date(month: int, day: int, story_date: str | None) -> str | None:
    """ISO date of a day given as M月D日, the year taken from `story_date` (the article's date,
    or `narrative_date`'s)."""
    return iso_date(int(story_date[:4]), month, day) if story_date else None
