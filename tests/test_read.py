"""Tests of kg.read: encoding detection, refusing non-articles, expanding inputs."""
from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import pytest

from kg.read import Failure, ReadError, decode, find_inputs, read_all, read_document, source_names

ARTICLES = Path(__file__).parent / "data" / "articles"

# Simplified sample: every character exists in GB18030 and UTF-*, most not in Big5.
SIMPLIFIED = ("2024年5月10日，沭阳县人民医院心血管内科主任医师王立新为患者李刚（化名）实施了"
              "急诊冠状动脉介入手术，术后病情稳定。")
# Traditional sample for Big5.
TRADITIONAL = ("2024年5月10日，沭陽縣人民醫院心血管內科主任醫師王立新為患者李強實施了"
               "急診冠狀動脈介入手術，術後病情穩定。")
# 䶮 (U+4DAE, CJK extension A) is in GB18030 but not in GBK or GB2312.
GB18030_ONLY = "通讯员高䶮报道：" + SIMPLIFIED


def _pure_cjk(text: str) -> str:
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        pytest.param(name, data, expected, id=name) for name, data, expected in [
            ("utf-8", SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
            ("utf-8-bom", codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
            ("gb18030", SIMPLIFIED.encode("gb18030"), SIMPLIFIED),
            ("gb18030-only-char", GB18030_ONLY.encode("gb18030"), GB18030_ONLY),
            ("big5", TRADITIONAL.encode("big5"), TRADITIONAL),
            ("utf-16-le-bom", codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"), SIMPLIFIED),
            ("utf-16-be-bom", codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be"), SIMPLIFIED),
            ("utf-16-le-no-bom-mostly-ascii", "Hello 医院 2024 ok".encode("utf-16-le"),
             "Hello 医院 2024 ok"),
        ]
    ],
)
def test_read_decode_roundtrips_sample(name: str, data: bytes, expected: str) -> None:
    text, encoding = decode(data)
    assert text == expected, f"{name} decoded as {encoding}"


def test_read_decode_gb18030_only_character_needs_gb18030() -> None:
    data = GB18030_ONLY.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        GB18030_ONLY.encode("gbk")  # the sample really needs GB18030
    text, encoding = decode(data)
    assert "䶮" in text
    assert encoding == "gb18030"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("sample", [SIMPLIFIED, _pure_cjk(SIMPLIFIED), TRADITIONAL],
                         ids=["mixed", "pure-cjk", "traditional"])
def test_read_decode_utf16_without_bom_chinese(codec: str, sample: str) -> None:
    # Chinese in UTF-16 has no NUL bytes: detection cannot rely on them
    text, encoding = decode(sample.encode(codec))
    assert text == sample
    assert encoding == codec


def test_read_document_utf16_without_bom_file(tmp_path: Path) -> None:
    raw = (ARTICLES / "utf16_bom.txt").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)
    path = tmp_path / "no_bom.txt"
    path.write_bytes(raw[2:])
    assert read_document(path).text == read_document(ARTICLES / "utf16_bom.txt").text


def test_read_document_reports_encoding_and_text(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"))
    doc = read_document(path)
    assert doc.text == SIMPLIFIED
    assert doc.encoding.startswith("utf-16")
    assert doc.format == "text"
    assert doc.source == str(path)


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        pytest.param(filename, data, reason, id=filename) for filename, data, reason in [
            ("empty.txt", b"", "empty"),
            ("blank.txt", b"  \n\r\n\t  \n", "no text"),
            ("paper.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "binary"),
            ("disguised-pdf.txt", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "binary"),
            ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40), "binary"),
            ("archive.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), "binary"),
            ("nuls.txt", b"abc\x00\x01\x02def\x00" * 40, "binary"),
        ]
    ],
)
def test_read_document_refuses_non_articles(tmp_path: Path, filename: str, data: bytes,
                                            reason: str) -> None:
    path = tmp_path / filename
    path.write_bytes(data)
    with pytest.raises(ReadError, match=reason):
        read_document(path)


@pytest.mark.parametrize("seed", range(8))
def test_read_document_refuses_random_bytes_with_nuls(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = bytearray(rng.randrange(256) for _ in range(rng.choice([64, 500, 3000])))
    data[rng.randrange(len(data))] = 0
    path = tmp_path / "random.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="binary|not text"):
        read_document(path)


def test_read_document_refuses_the_garbage_test_file() -> None:
    with pytest.raises(ReadError, match="binary"):
        read_document(Path(__file__).parent / "data" / "garbage.bin")


def test_read_document_missing_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="No such file"):
        read_document(tmp_path / "nowhere.txt")


def test_read_document_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not a regular file"):
        read_document(tmp_path)


def test_read_error_message_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.7\n")
    with pytest.raises(ReadError) as info:
        read_document(path)
    message = str(info.value)
    assert message and "\n" not in message


# --- HTML detection ------------------------------------------------------------------------

HTML_BODY = ("<html><body><div class='a'><p>沭阳县人民医院召开大会。</p>"
             "<p>会议由院长主持。</p></div></body></html>")


@pytest.mark.parametrize("suffix", [".html", ".htm", ".HTML", ".shtml", ".xhtml"])
def test_read_document_html_by_suffix(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"page{suffix}"
    path.write_text("沭阳县人民医院召开大会。", encoding="utf-8")  # no markup at all
    assert read_document(path).format == "html"


@pytest.mark.parametrize("suffix", [".txt", ""])
def test_read_document_html_by_content(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"saved{suffix}"
    path.write_text(HTML_BODY, encoding="utf-8")
    assert read_document(path).format == "html"


def test_read_document_text_with_one_tag_stays_text(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("沭阳县人民医院召开大会，<p>一个标签</p>不算网页。", encoding="utf-8")
    assert read_document(path).format == "text"


# --- find_inputs ---------------------------------------------------------------------------

def _touch(path: Path, text: str = "医院新闻。") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    # created in an order unlike the expected one
    for rel in ["z/c.txt", "b.txt", "a/sub/y.txt", "a/x.txt", "a/w.html",
                ".hidden.txt", ".git/config.txt", "a/.draft.txt"]:
        _touch(tmp_path / rel)
    return tmp_path


def test_read_find_inputs_recursive_sorted_skips_hidden(tree: Path) -> None:
    files, failures = find_inputs([tree])
    rel = [p.relative_to(tree).as_posix() for p in files]
    assert failures == []
    # each folder's files in name order, then its sub-folders in name order (a pre-order walk)
    assert rel == ["b.txt", "a/w.html", "a/x.txt", "a/sub/y.txt", "z/c.txt"]
    assert not any(part.startswith(".") for p in rel for part in p.split("/"))


def test_read_find_inputs_order_is_deterministic(tree: Path) -> None:
    assert find_inputs([tree]) == find_inputs([tree])


def test_read_find_inputs_missing_path_is_a_failure(tree: Path) -> None:
    missing = tree / "nope"
    files, failures = find_inputs([missing, tree / "b.txt"])
    assert files == [tree / "b.txt"]
    assert failures == [Failure(str(missing), "no such file or folder")]


def test_read_find_inputs_deduplicates_same_file(tree: Path) -> None:
    (tree / "z" / "link.txt").symlink_to(tree / "b.txt")
    files, _ = find_inputs([tree, tree / "b.txt"])
    resolved = [p.resolve() for p in files]
    assert len(resolved) == len(set(resolved))
    assert (tree / "b.txt").resolve() in resolved


def test_read_source_names_are_paths_inside_the_inputs(tree: Path) -> None:
    files, _ = find_inputs([tree / "a", tree / "b.txt"])
    names = source_names([tree / "a", tree / "b.txt"], files)
    assert [names[f] for f in files] == ["w.html", "x.txt", "sub/y.txt", "b.txt"]
    assert not any(str(tree) in name for name in names.values())


def test_read_source_names_that_clash_keep_their_folder(tree: Path) -> None:
    _touch(tree / "z" / "x.txt")
    inputs = [tree / "a", tree / "z"]
    files, _ = find_inputs(inputs)
    names = source_names(inputs, files)
    assert names[tree / "a" / "x.txt"] == "a/x.txt" and names[tree / "z" / "x.txt"] == "z/x.txt"
    assert names[tree / "z" / "c.txt"] == "c.txt"  # only the clashing names grow
    assert len(set(names.values())) == len(files)


def test_read_find_inputs_survives_directory_symlink_loop(tree: Path) -> None:
    os.symlink(tree, tree / "a" / "sub" / "loop")  # a/sub/loop -> the root: a cycle
    os.symlink(tree / "a", tree / "z" / "back")
    files, failures = find_inputs([tree])
    rel = [p.relative_to(tree).as_posix() for p in files]
    assert rel == ["b.txt", "a/w.html", "a/x.txt", "a/sub/y.txt", "z/c.txt"]
    assert failures == []


def test_read_find_inputs_survives_file_symlink_loop(tree: Path) -> None:
    os.symlink("c.lnk", tree / "b.lnk")  # b.lnk -> c.lnk -> b.lnk
    os.symlink("b.lnk", tree / "c.lnk")
    os.symlink("self.lnk", tree / "self.lnk")  # self.lnk -> self.lnk
    items = list(read_all([tree]))  # must not raise
    read = sorted(Path(i.source).relative_to(tree).as_posix() for i in items
                  if not isinstance(i, Failure))
    assert read == ["a/sub/y.txt", "a/w.html", "a/x.txt", "b.txt", "z/c.txt"]
    failed = {Path(i.source).name: i.reason for i in items if isinstance(i, Failure)}
    assert set(failed) == {"b.lnk", "c.lnk", "self.lnk"}
    assert all("loop" in reason for reason in failed.values()), failed


def test_read_find_inputs_loop_given_directly(tmp_path: Path) -> None:
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    files, failures = find_inputs([tmp_path / "loop"])
    assert files == []
    assert [f.source for f in failures] == [str(tmp_path / "loop")]


def test_read_all_yields_documents_and_failures(tmp_path: Path) -> None:
    _touch(tmp_path / "good.txt", SIMPLIFIED)
    (tmp_path / "empty.txt").write_bytes(b"")
    items = list(read_all([tmp_path, tmp_path / "missing.txt"]))
    failures = {Path(i.source).name: i.reason for i in items if isinstance(i, Failure)}
    docs = [i for i in items if not isinstance(i, Failure)]
    assert failures == {"missing.txt": "no such file or folder", "empty.txt": "empty file"}
    assert [d.text for d in docs] == [SIMPLIFIED]


def test_read_find_inputs_skips_non_article_suffixes(tmp_path: Path) -> None:
    _touch(tmp_path / "news.txt")
    _touch(tmp_path / "expectations.json", '[{"file": "news.txt"}]')
    _touch(tmp_path / "data.csv", "a,b\n1,2\n")
    files, _ = find_inputs([tmp_path])
    assert [p.name for p in files] == ["news.txt"]
