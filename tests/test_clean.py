"""Tests of kg.clean: normalisation of noisy text, boilerplate removal, HTML main content."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.clean import clean_document, drop_boilerplate, is_navigation, is_page_line, normalise
from kg.read import read_document

ARTICLES = Path(__file__).parent / "data" / "articles"
ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u202a\u202e\u2028\u2029"


# --- one example per kind of noise ---------------------------------------------------------

@pytest.mark.parametrize(
    ("noisy", "clean"),
    [
        # traditional script → simplified
        ("醫院", "医院"),
        ("沭陽縣人民醫院心血管內科", "沭阳县人民医院心血管内科"),
        # pinyin annotations, with tone marks, toneless, full-width brackets, tone digits
        ("學(xué)習", "学习"),
        ("醫(yi)院", "医院"),
        ("學（xué）習", "学习"),
        ("醫(yi1)院", "医院"),
        # a hanzi lost to '?' in a bad conversion, still followed by its reading
        ("医?yi)院", "医院"),
        # doubled and stray punctuation
        ("医院,,很好", "医院，很好"),
        ("医院，，，很好", "医院，很好"),
        ("医院,。", "医院。"),
        ("医院,、科室", "医院、科室"),
        ("出院了。。", "出院了。"),
        # half-width marks between CJK become full-width
        ("内科,外科", "内科，外科"),
        ("地址:青州市", "地址：青州市"),
        ("成立于1990年,现有职工", "成立于1990年，现有职工"),
        # zero-width and control characters
        ("医\u200b院\u200d好\ufeff", "医院好"),
        ("医\x07院\x1b好\x7f", "医院好"),
        # letter-spaced headings
        ("医 患 故 事", "医患故事"),
        ("医\u3000患\u3000故\u3000事", "医患故事"),
        # line endings
        ("第一段。\r\n第二段。\r第三段。", "第一段。\n第二段。\n第三段。"),
    ],
)
def test_clean_normalise_fixes_noise(noisy: str, clean: str) -> None:
    assert normalise(noisy) == clean


@pytest.mark.parametrize("text", ["Hello, world", "CT: 1.2 cm; MRI?", "a(b)c", "v1.0 (beta)"])
def test_clean_normalise_leaves_latin_punctuation_alone(text: str) -> None:
    assert normalise(text) == text


def test_clean_normalise_rejoins_line_broken_by_pdf_extraction() -> None:
    text = ("泌尿外科主任医师戴永刚为老吴实施了手术，术中几乎无\n"
            "\n"
            "出血。术后第二天老吴的腰痛完全消失。")
    assert normalise(text) == "泌尿外科主任医师戴永刚为老吴实施了手术，术中几乎无出血。术后第二天老吴的腰痛完全消失。"


def test_clean_normalise_keeps_title_apart_from_paragraph() -> None:
    text = "泌尿外科微创取石 七旬老人告别肾绞痛\n\n10月21日，72岁的老吴因腰腹部剧烈绞痛来到泌尿外科就诊。"
    assert normalise(text) == text


def test_clean_normalise_keeps_finished_paragraphs_apart() -> None:
    text = "第一段说完了，这是结尾。\n\n第二段开始了。"
    assert normalise(text) == text


def test_clean_normalise_collapses_blank_line_runs() -> None:
    assert normalise("标题\n\n\n\n正文。") == "标题\n\n正文。"


@pytest.mark.parametrize("text", ["转入重症监护室（ICU）继续治疗", "行计算机断层扫描(CT)检查",
                                  "乙肝病毒(HBV)阳性"], ids=["ICU", "CT", "HBV"])
def test_clean_normalise_keeps_english_abbreviations(text: str) -> None:
    out = normalise(text)
    assert any(abbr in out for abbr in ("ICU", "CT", "HBV"))


# --- boilerplate -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "line",
    [
        "您当前的位置：首页 > 新闻",
        "当前位置：首页 > 新闻中心 > 医院动态",
        "首页 > 新闻动态",
        "微博",
        "Qzone",
        "微信",
        "QQ空间",
        "分享到：",
        "版权所有：青州市人民医院",
        "上一篇：青州市人民医院召开大会",
        "打印本页",
        "鲁ICP备12345678号",
    ],
)
def test_clean_drop_boilerplate_removes_line(line: str) -> None:
    body = "青州市人民医院召开大会。"
    text, _, _ = drop_boilerplate(f"{line}\n{body}\n{line}")
    assert text == body


@pytest.mark.parametrize("line", ["责任编辑：周立", "编辑|李华", "（宣传科 王强）"])
def test_clean_drop_boilerplate_keeps_credit_lines(line: str) -> None:
    # the annotation guidelines make the people of bylines and sign-offs entities (a Person who
    # works at the unit named there), so the cleaner keeps the line for the extractor
    body = "青州市人民医院召开大会。"
    assert drop_boilerplate(f"{body}\n{line}")[0] == f"{body}\n{line}"


def test_clean_drop_boilerplate_returns_date_and_source() -> None:
    text, date, source = drop_boilerplate("2018-05-31 14:37:48 来源：某某网\n青州市人民医院召开大会。")
    assert text == "青州市人民医院召开大会。"
    assert date == "2018-05-31"
    assert source == "某某网"


def test_clean_drop_boilerplate_keeps_first_date() -> None:
    _, date, _ = drop_boilerplate("发布时间：2024-1-5\n正文。\n更新时间：2024-02-06")
    assert date == "2024-01-05"


def test_clean_drop_boilerplate_wire_source() -> None:
    text, _, source = drop_boilerplate("大众网3月5日讯 青州市人民医院召开大会。")
    assert source == "大众网"
    assert "青州市人民医院" in text


def test_clean_drop_boilerplate_keeps_body() -> None:
    body = "患者李刚（化名）在家中突发胸痛。\n电话随访显示，患者恢复良好。"
    text, date, source = drop_boilerplate(body)
    assert (text, date, source) == (body, None, None)


# --- HTML ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wechat():
    return clean_document(read_document(ARTICLES / "wechat.html"))


@pytest.fixture(scope="module")
def webpage():
    return clean_document(read_document(ARTICLES / "webpage.html"))


@pytest.mark.parametrize("unwanted", [
    # <script> and <style>
    "MzI0ODE3NTk5Nw", "msg_title", "Math.random", "rich_media_content", "font-size",
    # the comment thread
    "谢谢楼主", "路人甲", "搬经老乡", "家门口看病更方便了",
    # the pager
    "页:[1]",
])
def test_clean_document_wechat_drops_scripts_and_comments(wechat, unwanted: str) -> None:
    assert unwanted not in wechat.text


def test_clean_document_wechat_keeps_body(wechat) -> None:
    assert "如皋市卫生健康委员会副主任陆建平、搬经镇党委书记缪志华出席仪式并共同为医联体揭牌。" in wechat.text
    assert wechat.title == "如皋市人民医院—搬经镇卫生院紧密型医联体揭牌"
    assert wechat.text.startswith(wechat.title)


@pytest.mark.parametrize("unwanted", [
    # <nav> and <header>
    "医院概况", "科室导航", "专家介绍", "院长信箱", "您当前的位置",
    # <footer>
    "友情链接", "启东市第二人民医院", "南通云帆网络科技有限公司", "ICP", "版权所有", "汇龙镇人民中路",
])
def test_clean_document_webpage_drops_nav_and_footer(webpage, unwanted: str) -> None:
    assert unwanted not in webpage.text


def test_clean_document_webpage_keeps_body(webpage) -> None:
    assert "小儿外科副主任医师茅丽丽为7岁的腹股沟斜疝患儿小宇（化名）实施了腹腔镜疝囊高位结扎术。" in webpage.text
    assert webpage.title == "启东市人民医院日间手术中心正式启用"


def test_clean_document_text_file_is_simplified_and_depinyined() -> None:
    clean = clean_document(read_document(ARTICLES / "big5_pinyin.txt"))
    assert "无锡市人民医院" in clean.text
    assert "普定县人民医院" in clean.text
    assert "醫" not in clean.text and "(yi)" not in clean.text and ",," not in clean.text
    assert "，。" not in clean.text


# --- properties ----------------------------------------------------------------------------

CJK_PUNCT = st.sampled_from(
    list("医院科室王李张主任医师患者手术一二三醫學習內") +
    list("，。、；：？！“”（）《》,.;:?!()") +
    list(" \n\n\t\u3000") + list("xyiāé15") + list(ZERO_WIDTH[:4]))
# A gentler alphabet (no half-width marks, no full-width ？！）), for many more examples.
SAFE_ALPHABET = st.sampled_from(
    list("医院科室王李张主任医师患者手术一二三醫學習內") + list("，。、；：“”（《》") +
    list(" \n\n\t\u3000") + list("xyiāé15abc") + list(ZERO_WIDTH[:4]))

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
@example("真的?!")
def test_clean_normalise_idempotent_any_text(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CJK_PUNCT))
@example("太好了!!")
@example("？a ）")
def test_clean_normalise_idempotent_cjk_punctuation(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=SAFE_ALPHABET, max_size=120))
def test_clean_normalise_idempotent_without_half_width_marks(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=CJK_PUNCT)))
def test_clean_normalise_never_raises_and_drops_zero_width(text: str) -> None:
    out = normalise(text)
    assert isinstance(out, str)
    assert not set(out) & set(ZERO_WIDTH)
    assert out == out.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=CJK_PUNCT))
def test_clean_drop_boilerplate_never_raises(text: str) -> None:
    body, date, source = drop_boilerplate(normalise(text))
    assert len(body) <= len(normalise(text))
    assert date is None or len(date) == 10


@pytest.mark.parametrize("line", [
    "今日某州 今日东县 今日西县 今日南县 今日北县 今日中县",  # a menu of a site's local pages
    "某某网 > 某省 > 某州 > 今日某县 > 正文",  # a breadcrumb trail with single marks
    "首页| 滚动| 国内| 国际| 军事| 社会",
    "党委信箱 | 院长信箱 | English | 投稿专线",
])
def test_clean_navigation_lines_are_dropped(line: str) -> None:
    assert is_navigation(line)
    body = "青州市人民医院召开大会。"
    assert drop_boilerplate(f"{line}\n{body}")[0] == body


@pytest.mark.parametrize("line", [
    "周立 李华 王强 赵丽 刘洋 陈静",  # people listed by name share no first or last characters
    "血压 > 140 毫米汞柱",  # a measure, not a trail
    "记者 周立 | 编辑 李华",  # a byline
    "青州市人民医院 > 临朐县人民医院，两院签约。",  # a sentence
])
def test_clean_text_that_only_looks_like_navigation_is_kept(line: str) -> None:
    assert not is_navigation(line)


@pytest.mark.parametrize("line, page", [
    ("2019年01月11日 15:44 来源：某某新闻网 参与互动", True),  # time and source
    ("发布日期：2020-05-06", True),
    ("记者：周立 通讯员 李华", True),  # credits: kept by cleaning for their people
    ("文/周立 图/李华", True),
    ("字号：大 中 小", True),
    ("【大 中 小】", True),
    ("文字放大 文字缩小", True),
    ("关注儿童心理健康", False),  # a headline
    ("2019年度工作总结大会召开", False),  # a year, no time of day
    ("大中小学生健康教育", False),
])
def test_clean_page_lines_are_the_page_s_own(line: str, page: bool) -> None:
    assert is_page_line(line) is page


@given(st.lists(st.text(alphabet="张王李赵刘陈杨黄明华强丽洋静伟芳", min_size=2, max_size=3), min_size=6, max_size=12,
                unique_by=(lambda name: name[:2], lambda name: name[-2:])))
def test_clean_a_list_of_names_is_never_a_menu(names: list[str]) -> None:
    # names that share no first or last two characters are no menu, however many
    assert not is_navigation(" ".join(names))
