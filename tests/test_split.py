"""Tests of kg.split: newsletter files into stories, stories into sentences, dates."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.clean import CleanText, clean_document
from kg.read import read_document
from kg.split import narrative_date, resolve_date, split_articles, split_sentences

ARTICLES = Path(__file__).parent / "data" / "articles"


def _split(name: str):
    path = ARTICLES / name
    return split_articles(clean_document(read_document(path)), str(path))


@pytest.fixture(scope="module")
def newsletter():
    return _split("newsletter.txt")


def test_split_articles_newsletter_has_two_stories(newsletter) -> None:
    # two stories, each closed by a byline: （泌尿外科 薛敏） and （医务科 唐亮）
    assert [a.id for a in newsletter] == ["newsletter.txt#1", "newsletter.txt#2"]
    assert "（泌尿外科 薛敏）" in newsletter[0].text
    assert newsletter[0].text.rstrip().endswith("（泌尿外科 薛敏）")
    assert newsletter[1].text.rstrip().endswith("（医务科 唐亮）")
    assert "戴永刚" in newsletter[0].text and "戴永刚" not in newsletter[1].text
    assert "丁晓春" in newsletter[1].text and "丁晓春" not in newsletter[0].text


def test_split_articles_newsletter_titles(newsletter) -> None:
    assert all(a.title for a in newsletter)
    assert newsletter[1].title == "我院与弶港镇卫生院签订对口帮扶协议"


def test_split_articles_newsletter_first_title_is_headline(newsletter) -> None:
    assert newsletter[0].title == "泌尿外科微创取石 七旬老人告别肾绞痛"


def test_split_articles_newsletter_dates_from_masthead(newsletter) -> None:
    assert [a.date for a in newsletter] == ["2024-11-05", "2024-11-05"]


def test_split_articles_sentences_belong_to_their_story(newsletter) -> None:
    for article in newsletter:
        assert article.sentences
        for s in article.sentences:
            assert article.text[s.start:s.end] == s.text


def test_split_articles_single_article() -> None:
    articles = _split("plain_utf8.txt")
    assert len(articles) == 1
    (article,) = articles
    assert article.id == "plain_utf8.txt"
    assert article.title == "沭阳县人民医院成功救治一名急性心肌梗死患者"
    assert article.date == "2024-02-18"


def test_split_articles_short_tail_joins_last_story() -> None:
    text = ("标题一\n" + "青州市人民医院召开大会。" * 10 + "\n（宣传科 张三）\n"
            "标题二\n" + "临朐县人民医院举办义诊。" * 10 + "\n（医务科 李四）\n"
            "地址：青州市")
    articles = split_articles(CleanText(text=text), "n.txt")
    assert [a.title for a in articles] == ["标题一", "标题二"]
    assert articles[-1].text.endswith("地址：青州市")


def test_split_articles_uses_clean_title_for_a_single_story() -> None:
    articles = split_articles(CleanText(text="正文第一句。正文第二句。", title="网页标题",
                                        date="2024-01-02", publisher="某报"), "p.html")
    assert len(articles) == 1
    assert (articles[0].title, articles[0].date, articles[0].publisher) == ("网页标题", "2024-01-02", "某报")


PARAGRAPH = "青州市人民医院今天上午在门诊大楼前举办了一场大型义诊活动，来自十个科室的专家为群众提供了免费咨询服务。"


@pytest.mark.parametrize("head, title", [
    # a page's time and source line between the headline and the story
    ("2019年01月11日 15:44 来源：中国新闻网 参与互动\n青州市人民医院举办义诊", "青州市人民医院举办义诊"),
    # credits after the headline, on their own line
    ("青州市人民医院举办义诊\n2018-05-31 14:37:48 来源：东北网 作者：张三", "青州市人民医院举办义诊"),
    # the page's text-size widget and breadcrumb before it
    ("文字放大 文字缩小\n青州市人民医院举办义诊", "青州市人民医院举办义诊"),
    ("本页位置：首页新闻中心\n青州市人民医院举办义诊", "青州市人民医院举办义诊"),
    # a repost's original headline, given twice around its source
    ("原标题：青州市人民医院举办义诊\n来源：某某新闻\n原标题：青州市人民医院举办义诊", "青州市人民医院举办义诊"),
    # a headline over two lines stays whole
    ("青州市人民医院举办义诊\n千余群众受益", "青州市人民医院举办义诊 千余群众受益"),
    # a headline may exclaim or ask, with or without a comma
    ("喜讯！青州市人民医院举办义诊！", "喜讯！青州市人民医院举办义诊！"),
    ("援青医生把资源送上高原，带来了什么？", "援青医生把资源送上高原，带来了什么？"),
    # the story's first sentence is no headline; the credits of words and pictures neither
    ("青州市人民医院举办义诊\n\n上午8点，义诊开始了。", "青州市人民医院举办义诊"),
    ("青州市人民医院举办义诊\n文/某某晚报记者 张三 通讯员 李四\n图/受访者提供", "青州市人民医院举办义诊"),
])
def test_split_articles_title_leaves_out_the_page_lines(head: str, title: str) -> None:
    (article,) = split_articles(CleanText(text=f"{head}\n\n{PARAGRAPH}"), "p.txt")
    assert article.title == title


# --- sentences -----------------------------------------------------------------------------

def test_split_sentences_offsets_index_text() -> None:
    text = "  青州市人民医院召开大会。院长主持！\n标题行\n他说：“很好。”然后离开；结束"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "青州市人民医院召开大会。", "院长主持！", "标题行", "他说：“很好。”", "然后离开；", "结束"]
    for s in sentences:
        assert text[s.start:s.end] == s.text


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "。。。"])
def test_split_sentences_degenerate_input(text: str) -> None:
    sentences = split_sentences(text)
    assert all(s.text.strip() for s in sentences)
    assert all(text[s.start:s.end] == s.text for s in sentences)


SENTENCE_ALPHABET = st.sampled_from(list("医院王李科甲乙") + list("。！？；!?;”」』）\n \t，、"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=SENTENCE_ALPHABET)))
def test_split_sentences_offsets_in_bounds_ordered_disjoint(text: str) -> None:
    sentences = split_sentences(text)
    previous_end = 0
    for s in sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= previous_end
        assert text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and s.text
        previous_end = s.end


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=SENTENCE_ALPHABET)))
def test_split_sentences_lose_only_whitespace(text: str) -> None:
    kept = "".join(s.text for s in split_sentences(text))
    assert "".join(kept.split()) == "".join(text.split())


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("month", "day", "article_date", "expected"),
    [
        (9, 28, "2025-10-30", "2025-09-28"),
        (1, 5, "2024-01-06", "2024-01-05"),
        (12, 31, "2024", "2024-12-31"),
        (13, 1, "2024-01-01", None),
        (0, 1, "2024-01-01", None),
        (1, 32, "2024-01-01", None),
        (5, 12, None, None),
    ],
)
def test_split_resolve_date(month: int, day: int, article_date: str | None,
                            expected: str | None) -> None:
    assert resolve_date(month, day, article_date) == expected


@pytest.mark.parametrize(("month", "day"), [(2, 30), (4, 31), (2, 29)])
def test_split_resolve_date_rejects_impossible_days(month: int, day: int) -> None:
    assert resolve_date(month, day, "2023-06-01") is None


@pytest.mark.parametrize(("before", "article_date", "expected"), [
    # the only full date was a day recalled, not the publication: a later year the story writes wins
    ("2017年12月5日，医院派出两名医生。2018年1月19日下午，专家出发。", "2017-12-05", "2018-01-19"),
    # a year the story recalls that is earlier than the article's leaves the article's date
    ("医院1958年3月1日建院。", "2025-10-08", "2025-10-08"),
    ("专家出发。", "2024-06-01", "2024-06-01"),
    ("2018年1月19日，专家出发。", None, "2018-01-19"),
    ("专家出发。", None, None),
])
def test_split_narrative_date(make_article, before: str, article_date: str | None,
                              expected: str | None) -> None:
    article = make_article(before + "1月20日，义诊开始。", date=article_date)
    assert narrative_date(article, len(before)) == expected


WRITTEN = ["2017年12月5日，", "2018年1月19日，", "1958年3月1日，", "医院义诊。", "1月20日，"]


@given(st.lists(st.sampled_from(WRITTEN), max_size=8), st.sampled_from([None, "2018", "2017-12-05", "2025-10-08"]))
@settings(max_examples=100, deadline=None)
def test_split_narrative_date_takes_the_latest_year_written_before(make_article, parts, article_date) -> None:
    """The article's date, or a full date written before the day whose year is the latest of all."""
    before = "".join(parts)
    article = make_article(before + "1月20日，义诊开始。", date=article_date)
    found = narrative_date(article, len(before))
    full_dates = re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日", before)
    written = {f"{y}-{int(m):02d}-{int(d):02d}" for y, m, d in full_dates}
    assert found == article_date or found in written
    years = {d[:4] for d in written} | ({article_date[:4]} if article_date else set())
    assert (found[:4] if found else None) == max(years, default=None)
