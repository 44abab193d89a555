"""Stage 2: decoded documents in, clean simplified text out.

HTML goes through trafilatura (main content only: no scripts, navigation, footers or comment
threads). Text, from either source, is then normalised: traditional script to simplified (OpenCC),
pinyin annotations dropped, punctuation unified and de-doubled, letter-spaced headings joined and
lines broken by PDF extraction re-joined. Boilerplate lines (breadcrumbs, menus, share buttons,
footers) are dropped, but the metadata they carry (date, source) is kept for the article.
"""
from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import lxml.html
import opencc
import trafilatura

from .model import Document
from .read import MAX_TEXT_CHARS, too_much_text

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A parenthesised run of Latin letters with tone marks right after a hanzi is a pinyin reading.
PINYIN = re.compile(rf"(?<=[{CJK}])[(（]\s*[a-züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]{{1,8}}[1-5]?\s*[)）]")
# A hanzi lost to a '?' in a bad conversion, still followed by its reading: drop both.
LOST_PINYIN = re.compile(r"[?？][a-züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]{1,8}[1-5]?[)）]")
STRAY_QUESTION = re.compile(r"(?<=[。！？”])[?？]+")
# Zero-width and format characters, bidirectional controls, variation selectors and tags: they
# would make two spellings of one name differ invisibly.
INVISIBLE = re.compile(r"[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad"
                       r"\u034f\u180e\ufe00-\ufe0f\U000e0000-\U000e007f\U000e0100-\U000e01ef]")
# Control characters, and what no XML or UTF-8 output can hold (lone surrogates, U+FFFE, U+FFFF).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
HALF_PUNCT = re.compile(rf"(?<=[{CJK}，。、；：？！“”（）])\s*([,;:?!()])|([,;:?!()])\s*(?=[{CJK}“”（）])")
# Two marks in a row where one was meant: keep the stronger (the second), and fold repeats.
WEAK_BEFORE = re.compile(r"[，、]+(?=[。！？；：、，”）」])")
REPEATS = re.compile(r"([，、；：。])\1+")
SPACE_RUN = re.compile(r"[ \t\u3000\xa0]+")
SPACED_LETTERS = re.compile(rf"(?<![{CJK}])((?:[{CJK}] ){{2,}}[{CJK}])(?![{CJK}])")
# (?<![ ]) starts the second branch only at the beginning of a run of spaces: tried from inside a
# long run not followed by a mark, it would be quadratic.
SPACE_BETWEEN_CJK_PUNCT = re.compile(rf"(?<=[，。、；：？！“”（）])[ ]+|(?<![ ])[ ]+(?=[，。、；：？！“”（）])")
TERMINAL = "。！？；…”」』）)：:!?;"
# A PDF line that is this long and ends without punctuation was broken mid-sentence.
MIN_BROKEN_LINE = 8
JOINS_ON = re.compile(rf"[{CJK}，。、；：”]")
CJK_CHAR = re.compile(rf"[{CJK}]")
MID_SENTENCE_MARK = re.compile("[，。]")
# Text before the first tag of a page is its title only when it looks like one.
MAX_LEAD_TITLE = 100

BOILERPLATE = re.compile(
    r"^(您?当前(的)?位置|首页\s*[>＞]|.*[>＞]{2,}|搜\s*索$|责任编辑|编辑\s*[|｜:：]|点击(次数|量|率)|"
    r"浏览(次数|量)|阅读(次数|量)?\s*[:：]?\s*\d|版权所有|copyright|©|.*icp备|.*公网安备|联系电话|"
    r"电话\s*[:：]|传真\s*[:：]|地址\s*[:：]|邮编|网址\s*[:：]|分享到|关注.{1,8}$|微博$|qzone$|"
    r"微信$|qq空间$|极光新闻$|打印本页|关闭窗口|上一篇|下一篇|页\s*[:：]|\[\d+\]$|返回顶部|扫一扫|"
    r"(更新|发布)时间\s*[:：]|\d{4}-\d{1,2}-\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?\s*(来源|作者|\||$))",
    re.IGNORECASE)
# A site's menu or breadcrumb trail, however its items are worded: short items with no sentence
# mark, split by >, by |, or by spaces when most share their first or last two characters
# (今日某县 今日某市 …: a list of people's names shares neither).
SENTENCE_MARKS = re.compile("[。，！？；：:,]")
NAV_ITEM_CHARS = 12
MENU_ITEM_CHARS = 6


def is_navigation(line: str) -> bool:
    """Whether a line is a site's menu or breadcrumb trail rather than text."""
    if SENTENCE_MARKS.search(line):
        return False
    for separator, least in (("[>＞]", 3), ("[|｜]", 4)):
        items = [item.strip() for item in re.split(separator, line)]
        if len(items) >= least and all(0 < len(item) <= NAV_ITEM_CHARS for item in items):
            return True
    items = line.split()
    if len(items) >= 6 and all(len(item) <= MENU_ITEM_CHARS for item in items):
        heads, tails = Counter(i[:2] for i in items), Counter(i[-2:] for i in items)
        return max(*heads.values(), *tails.values()) * 2 >= len(items)
    return False


# Lines naming an article's author or editor are metadata to keep: their people are entities.
BYLINE_LINE = re.compile(r"(作者|责任编辑|编辑|记者|通讯员|摄影)\s*[:：|｜]")
DATE_ISO = re.compile(r"(20\d{2}|19\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
SOURCE = re.compile(r"来源\s*[:：]\s*([^\s|｜]{2,20})")
WIRE = re.compile(rf"^\s*([{CJK}]{{2,12}}?(?:网|报|社|台|新闻))(?:\d{{1,2}}月\d{{1,2}}日)?讯")
# The page's own lines that cleaning keeps, for their date, source and people: its time and source
# line (2019年01月11日 15:44 来源：某网), its credits (作者：, 通讯员, 文/ 图/), and the widgets a
# page's text carries along (字号, 文字放大, 站内搜索, 大 中 小 …). They are no part of a story's title.
PAGE_OWN_LINE = re.compile(
    r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*(星期.)?\s*\d{1,2}:\d{2}|来源\s*[:：]|(发布|更新)(时间|日期)\s*[:：]|通讯员"
    r"|^(字号|字体|文字放大|文字缩小|站内搜索|加入收藏|设为首页|打印|本页位置|当前位置|您的位置|[文图][/／])"
    r"|^[【\[]?大\s*中\s*小[】\]]?$")


def is_page_line(line: str) -> bool:
    """Whether a line of clean text is the page's own rather than the story's (`PAGE_OWN_LINE`, or a
    byline)."""
    return bool(PAGE_OWN_LINE.search(line) or BYLINE_LINE.search(line))


class TooMuchText(ValueError):
    """A page whose main content is longer than MAX_TEXT_CHARS (kg.read refuses such text files)."""


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str
    title: str | None = None
    date: str | None = None
    publisher: str | None = None


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def clean_document(doc: Document) -> CleanText:
    """Turn a decoded document into clean simplified text plus what its boilerplate said."""
    title = publisher = None
    raw = doc.text
    if doc.format == "html":
        raw, title, publisher = html_to_text(raw)
    if len(raw) > MAX_TEXT_CHARS:  # bounds the time and memory of everything after this
        raise TooMuchText(too_much_text(len(raw)))
    text = normalise(raw)
    text, date, source = drop_boilerplate(text)
    if title:
        title = normalise(title).strip()
    return CleanText(text=text, title=title or None, date=date, publisher=publisher or source)


def html_to_text(html: str) -> tuple[str, str | None, str | None]:
    """Main content of a page as text, its title, and the site or account that published it."""
    html = CONTROL.sub("", html)  # lxml refuses control characters anywhere in a document
    lead = html[: html.find("<")].strip() if "<" in html else ""  # a title line pasted before the markup
    prefix = ""
    if len(lead) > MAX_LEAD_TITLE or "\n" in lead:  # text, not a title: keep it as text
        prefix, lead = lead, ""
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.LxmlError, ValueError):  # empty, or a str with an encoding declaration
        tree = None
    title = publisher = None
    if tree is not None:
        found = tree.xpath("//h1//text()") or tree.xpath("//title//text()")
        title = " ".join("".join(found).split()) or None  # one line, whatever the markup's layout
        meta = tree.xpath("//meta[@property='og:site_name']/@content | //*[@data-nickname]/@data-nickname")
        if meta:
            publisher = re.sub(r"(服务号|订阅号|公众号|官方微信)$", "", meta[0].strip()) or None
    body = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True,
                               deduplicate=False) or ""
    if not body and tree is not None:
        for bad in tree.xpath("//script|//style|//nav|//footer|//header|//noscript"):
            bad.drop_tree()
        body = "\n".join(t.strip() for t in tree.itertext() if t.strip())
    title = lead or title
    if title and not body.startswith(title):
        body = title + "\n" + body
    if prefix:
        body = prefix + "\n" + body
    return body, title, publisher


# Each pass of the rules can free a match for an earlier rule (a space removed brings two marks
# together); a few passes reach the fixed point on any real text.
MAX_PASSES = 8


def normalise(text: str) -> str:
    """Script, punctuation and spacing clean-up; idempotent: applied to its own output it
    changes nothing."""
    for _ in range(MAX_PASSES):
        cleaned = _normalise_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def _normalise_once(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = INVISIBLE.sub("", text)
    text = CONTROL.sub("", text)
    text = PINYIN.sub("", text)
    text = LOST_PINYIN.sub("", text)
    text = _converter().convert(text)
    text = HALF_PUNCT.sub(lambda m: HALF_TO_FULL[m.group(1) or m.group(2)], text)
    text = SPACE_RUN.sub(" ", text)
    text = SPACED_LETTERS.sub(lambda m: m.group(1).replace(" ", ""), text)
    text = SPACE_BETWEEN_CJK_PUNCT.sub("", text)
    for _ in range(3):  # marks freed by one rule can meet the next
        text = WEAK_BEFORE.sub("", text)
        text = REPEATS.sub(r"\1", text)
        text = STRAY_QUESTION.sub("", text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(rejoin_lines(lines)).strip()


def rejoin_lines(lines: list[str]) -> list[str]:
    """Join a long line that stops mid-sentence with the next text line (PDF column breaks).

    Linear in the text: a joined line is kept as a list of parts, and what decides a join (its
    length, last character, whether it holds a ， or 。) is updated part by part.
    """
    out: list[str] = []
    parts: list[str] = []  # the line being built
    length = 0
    has_mark = pending_join = False
    for line in lines:
        if not line:
            if not pending_join:
                if parts:
                    out.append("".join(parts))
                    parts = []
                out.append(line)
            continue
        if not (pending_join and parts and JOINS_ON.match(line)):
            if parts:
                out.append("".join(parts))
            parts, length, has_mark = [], 0, False
        parts.append(line)
        length += len(line)
        has_mark = has_mark or MID_SENTENCE_MARK.search(line) is not None
        pending_join = (length >= MIN_BROKEN_LINE and line[-1] not in TERMINAL
                        and CJK_CHAR.match(line[-1]) is not None and has_mark)
    if parts:
        out.append("".join(parts))
    # collapse runs of blank lines
    result: list[str] = []
    for line in out:
        if line or (result and result[-1]):
            result.append(line)
    return result


def drop_boilerplate(text: str) -> tuple[str, str | None, str | None]:
    """Remove navigation and footer lines; return the text, the first date and the stated source."""
    date = source = None
    kept = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and (BOILERPLATE.match(stripped) or is_navigation(stripped)) and not BYLINE_LINE.search(stripped):
            date = date or match_date(DATE_ISO.search(stripped))
            found = SOURCE.search(stripped)
            source = source or (found.group(1) if found else None)
            continue
        wire = WIRE.match(stripped)
        if wire:
            source = source or wire.group(1)
        kept.append(line)
    return "\n".join(kept).strip(), date, source


def match_date(match: re.Match | None) -> str | None:
    """The ISO date a DATE_ISO match writes, if that day exists."""
    return iso_date(*(int(g) for g in match.groups())) if match else None


def iso_date(year: int, month: int, day: int) -> str | None:
    """YYYY-MM-DD of a day that exists; None for 2月30日 (better no date than an ill-typed one)."""
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None
