"""Bad input: every kind of file a real folder of "articles" holds, and what the build does with it.

Each bad file gets one line naming it and the reason, the rest of the build goes on, the summary
counts files read, skipped and failed, `--strict` makes any of them fatal to the exit code, and
nothing takes more than linear time or unbounded memory.

The corpus is generated (`write_corpus`) rather than committed: it holds binary files, symlink
loops, a FIFO and file names that are not UTF-8. To look at it by hand:

    .venv/bin/python tests/test_bad_input.py /tmp/bad && .venv/bin/kg build /tmp/bad --out /tmp/o
"""
from __future__ import annotations

import base64
import codecs
import os
import random
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for running this file as a script

from kg import clean, read, split  # noqa: E402
from kg.clean import clean_document, normalise, rejoin_lines  # noqa: E402
from kg.model import Document  # noqa: E402
from kg.read import (MAX_BYTES, MAX_TEXT_CHARS, Failure, ReadError, decode, find_inputs,  # noqa: E402
                     read_all, read_document)
from kg.split import MAX_SENTENCE, split_articles, split_sentences  # noqa: E402

SIMPLIFIED = ("沭阳县人民医院心血管内科主任医师王立新为患者李刚实施了急诊冠状动脉介入手术，"
              "术后病情稳定。")
SECOND = "青州市人民医院在王坟镇卫生院举办义诊活动，院长周立出席。"
TRADITIONAL = ("沭陽縣人民醫院心血管內科主任醫師王立新為患者李強實施了急診冠狀動脈介入手術，"
               "術後病情穩定。")
GOOD = (ROOT / "tests" / "data" / "articles" / "plain_utf8.txt").read_bytes()


@dataclass(frozen=True)
class Expect:
    outcome: str  # "read", "skipped" or "failed"
    detail: str  # read: text the cleaned article must contain; otherwise: the reason, a regex


def _html_with_scripts_and_inline_data() -> bytes:
    blob = base64.b64encode(random.Random(1).randbytes(1_500_000)).decode()  # a 2 MB inline image
    return textwrap.dedent(f"""\
        <!DOCTYPE html><html><head><meta charset="utf-8"><title>义诊活动</title>
        <script>var s = "</scr" + "ipt>"; var h = "假冒人民医院"; document.write("<p>注入</p>");</script>
        <style>p {{ color: red }}</style></head>
        <body><div class="article"><h1>青州市人民医院举办义诊活动</h1>
        <p>5月10日，青州市人民医院在王坟镇卫生院举办义诊活动。</p>
        <img src="data:image/png;base64,{blob}">
        <script type="application/json">{{"hospital": "广州市第一人民医院"}}</script>
        <p>参加义诊的专家共有十二名，接诊群众三百余人次。</p>
        <script>{"var x = 1;" * 50_000}</script>
        </div></body></html>""").encode("utf-8")


def write_corpus(folder: Path) -> dict[str, Expect]:
    """Write every case into `folder`; returns each file's name and what reading it must give."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, tuple[bytes, Expect]] = {
        # --- readable, whatever the encoding --------------------------------------------------
        "good.txt": (GOOD, Expect("read", "沭阳县人民医院胸痛中心")),
        "gbk.txt": (SIMPLIFIED.encode("gbk"), Expect("read", SIMPLIFIED)),
        "gb18030.txt": (("通讯员高䶮报道：" + SIMPLIFIED).encode("gb18030"), Expect("read", "高䶮")),
        "big5.txt": (TRADITIONAL.encode("big5"), Expect("read", "沭阳县人民医院心血管内科主任医师王立新")),
        "utf16le_bom.txt": (codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le"), Expect("read", SIMPLIFIED)),
        "utf16be_bom.txt": (codecs.BOM_UTF16_BE + SIMPLIFIED.encode("utf-16-be"), Expect("read", SIMPLIFIED)),
        "utf16le_nobom.txt": (SIMPLIFIED.encode("utf-16-le"), Expect("read", SIMPLIFIED)),
        "utf16be_nobom.txt": (SIMPLIFIED.encode("utf-16-be"), Expect("read", SIMPLIFIED)),
        "utf16_odd_length.txt": (codecs.BOM_UTF16_LE + SIMPLIFIED.encode("utf-16-le") + b"\x00",
                                 Expect("read", SIMPLIFIED)),
        "utf8_invalid_byte.txt": ((SIMPLIFIED + "\n").encode() + b"\xff\xfe" + SECOND.encode(),
                                  Expect("read", SECOND)),
        "utf8_truncated.txt": ((SIMPLIFIED + SECOND).encode()[:-1], Expect("read", SIMPLIFIED)),
        "mixed_utf8_gbk.txt": ((SIMPLIFIED + "\n").encode() + SECOND.encode("gbk"), Expect("read", SECOND)),
        "mixed_gbk_utf8.txt": ((SIMPLIFIED + "\n").encode("gbk") + SECOND.encode(), Expect("read", SIMPLIFIED)),
        "zero_width.txt": ("北京\u200b协和\u200d医院\ufeff的王\u202e立新\u2066医生为患者\u00ad手术。".encode(),
                           Expect("read", "北京协和医院的王立新医生为患者手术。")),
        "control_chars.txt": (("急诊科\x07医生\x1b接诊\x00后" + SIMPLIFIED * 3).encode(),
                              Expect("read", "急诊科医生接诊后")),
        "truncated.html": ("<html><body><div><p>青州市人民医院举办义诊活动。</p><p>活动由院长主".encode(),
                           Expect("read", "青州市人民医院举办义诊活动")),
        "malformed.html": (("<html><body><div><p>青州市人民医院举办义诊活动。<p>活动由<b>院长<i>主持。</b></i>"
                            "</div></div></span><p>王立新医生参加。<table><tr><td>数据</table>&bogus;&#0;"
                            "&#xD800;&#99999999;").encode(), Expect("read", "王立新医生参加")),
        "scripts_and_inline_data.html": (_html_with_scripts_and_inline_data(),
                                         Expect("read", "参加义诊的专家共有十二名")),
        "xml_declaration.xhtml": (('<?xml version="1.0" encoding="utf-8"?><html><body><div>'
                                   "<p>青州市人民医院举办义诊活动。</p></div></body></html>").encode(),
                                  Expect("read", "青州市人民医院举办义诊活动")),
        "2024.05.10 院内新闻": (SECOND.encode(), Expect("read", SECOND)),
        # --- not articles: skipped ------------------------------------------------------------
        "empty.txt": (b"", Expect("skipped", "^empty file$")),
        "blank.txt": (b" \n\r\n\t \xe3\x80\x80\n", Expect("skipped", "^no text$")),
        "invisible.txt": ("\u200b\u200c\u200d\u2060\ufeff \n".encode() * 20, Expect("skipped", "^no text$")),
        "paper.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
                      Expect("skipped", r"^binary file \(PDF document\)")),
        "disguised.txt": (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", Expect("skipped", r"^binary file \(PDF")),
        "image.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), Expect("skipped", r"^binary file \(PNG")),
        "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), Expect("skipped", r"^binary file \(JPEG")),
        "archive.zip": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(64), Expect("skipped", r"^binary file \(zip")),
        "noise.bin": (random.Random(7).randbytes(5000), Expect("skipped", r"^binary file")),
        "huge_text.txt": (("医" * (MAX_TEXT_CHARS + 1)).encode(), Expect("skipped", r"^too much text")),
        # --- should be articles but cannot be read: failed ------------------------------------
        "bom_then_garbage.txt": (codecs.BOM_UTF8 + bytes(range(0x80, 0x100)) * 4,
                                 Expect("failed", r"^not text in any known encoding")),
    }
    expected = {}
    for name, (data, expect) in cases.items():
        (folder / name).write_bytes(data)
        expected[name] = expect
    # names that are not UTF-8 or not printable still read, and are reported on one line
    odd = os.fsencode(folder) + b"/\xff\xfe name\nwith newline.txt"
    with open(odd, "wb") as handle:
        handle.write(SECOND.encode())
    expected[os.fsdecode(odd).rsplit("/", 1)[1]] = Expect("read", SECOND)
    os.symlink("self_loop", folder / "self_loop")
    os.symlink("loop_b", folder / "loop_a")
    os.symlink("loop_a", folder / "loop_b")
    os.symlink("nowhere.txt", folder / "dangling.txt")
    for name in ("self_loop", "loop_a", "loop_b"):
        expected[name] = Expect("failed", r"^symlink loop")
    expected["dangling.txt"] = Expect("failed", r"^broken symlink")
    os.mkfifo(folder / "pipe.txt")
    expected["pipe.txt"] = Expect("skipped", r"^not a regular file$")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.txt").write_bytes(SECOND.encode())
    os.symlink("..", folder / "sub" / "up")  # a folder loop: walked once, never reported
    expected["inner.txt"] = Expect("read", SECOND)
    return expected


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, Expect]]:
    folder = tmp_path_factory.mktemp("bad") / "corpus"
    return folder, write_corpus(folder)


def _name(item: Document | Failure) -> str:
    return item.source.rsplit("/", 1)[-1]


# --- reading: every case ---------------------------------------------------------------------


def test_bad_input_every_case_has_its_outcome(corpus) -> None:
    folder, expected = corpus
    started = time.perf_counter()
    items = list(read_all([folder]))
    assert time.perf_counter() - started < 20
    got = {}
    for item in items:
        got.setdefault(_name(item), []).append(item)
    printable = {read.printable(name): expect for name, expect in expected.items()}
    assert sorted(got) == sorted(printable)  # every file once; the folder loop adds nothing
    for name, expect in printable.items():
        (item,) = got[name]
        if expect.outcome == "read":
            assert isinstance(item, Document), f"{name}: {item}"
            text = clean_document(item).text
            assert expect.detail in text, f"{name} ({item.encoding}): {text[:200]!r}"
        else:
            assert isinstance(item, Failure), f"{name} was read"
            assert item.kind == expect.outcome, f"{name}: {item}"
            assert re.search(expect.detail, item.reason), f"{name}: {item.reason}"


def test_bad_input_reasons_and_names_are_one_printable_line(corpus) -> None:
    folder, _ = corpus
    for item in read_all([folder, folder / "missing.txt"]):
        if isinstance(item, Failure):
            for text in (item.source, item.reason):
                assert text and text.isprintable(), repr(text)
        else:
            assert item.source.isprintable(), repr(item.source)
    odd = [item for item in read_all([folder]) if "newline" in item.source]
    assert [item.source.rsplit("/", 1)[1] for item in odd] == ["\\xff\\xfe name\\nwith newline.txt"]


def test_bad_input_scripts_and_inline_data_never_reach_the_text(corpus) -> None:
    folder, _ = corpus
    text = clean_document(read_document(folder / "scripts_and_inline_data.html")).text
    for unwanted in ("假冒人民医院", "广州市第一人民医院", "document.write", "注入", "color", "base64",
                     "var x"):
        assert unwanted not in text
    assert len(text) < 500


def test_bad_input_decode_mixed_file_keeps_both_parts() -> None:
    text, encoding = decode((SIMPLIFIED + "\n").encode() + SECOND.encode("gbk") + b"\n" + SECOND.encode())
    assert text.split("\n") == [SIMPLIFIED, SECOND, SECOND]
    assert encoding == "utf-8+gb18030"


def test_bad_input_decode_invalid_utf8_bytes_become_replacement_characters() -> None:
    text, encoding = decode(SIMPLIFIED.encode() + b"\xff" + SECOND.encode())
    assert text == SIMPLIFIED + "\ufffd" + SECOND
    assert encoding == "utf-8"


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF8 + b"\xff\xfe\xfd" * 10,
    codecs.BOM_UTF16_LE + b"\x00\xd8" * 10,  # lone surrogates
    codecs.BOM_UTF32_LE + b"\xff\xff\xff\xff" * 10,
], ids=["utf8-bom", "utf16-bom-surrogates", "utf32-bom"])
def test_bad_input_decode_bad_bytes_after_a_bom_is_a_read_error(data: bytes) -> None:
    with pytest.raises(ReadError, match="not text in any known encoding") as info:
        decode(data)
    assert info.value.kind == "failed"


def test_bad_input_read_document_raises_only_read_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(SIMPLIFIED.encode())
    monkeypatch.setattr(read, "decode", lambda data: 1 / 0)  # any unforeseen bug in reading
    with pytest.raises(ReadError, match="^ZeroDivisionError: division by zero$") as info:
        read_document(path)
    assert info.value.kind == "failed"


# --- inputs that are not files ----------------------------------------------------------------


def test_bad_input_missing_loop_and_dangling_paths_given_directly(tmp_path: Path) -> None:
    os.symlink("loop", tmp_path / "loop")
    os.symlink("gone.txt", tmp_path / "dangling")
    files, failures = find_inputs([tmp_path / "missing.txt", tmp_path / "loop", tmp_path / "dangling",
                                   "bad\x00name.txt"])
    assert files == []
    assert [(Path(f.source).name, f.reason.split(" (")[0], f.kind) for f in failures] == [
        ("missing.txt", "no such file or folder", "failed"),
        ("loop", "symlink loop", "failed"),
        ("dangling", "broken symlink", "failed"),
        ("bad\\x00name.txt", "invalid path: embedded null byte", "failed")]


def test_bad_input_symlinked_folder_outside_is_followed_once(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "far.txt").write_bytes(SECOND.encode())
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    (tree / "a" / "link").symlink_to(outside)
    (tree / "b").symlink_to(outside)
    (tree / "a" / "cycle").symlink_to(tree)
    files, failures = find_inputs([tree])
    assert [p.relative_to(tree).as_posix() for p in files] == ["a/link/far.txt"]
    assert failures == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file and folder")
def test_bad_input_unreadable_file_and_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_bytes(SECOND.encode())
    (tmp_path / "secret.txt").chmod(0)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked").chmod(0)
    try:
        reasons = {_name(i): (i.kind, i.reason) for i in read_all([tmp_path]) if isinstance(i, Failure)}
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert reasons == {"secret.txt": ("failed", "Permission denied"),
                       "locked": ("failed", "cannot list folder: Permission denied")}


def test_bad_input_thousands_of_files_and_deep_folders(tmp_path: Path) -> None:
    deep = tmp_path
    for depth in range(300):  # deeper than any recursion limit would allow walking by recursion
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "bottom.txt").write_bytes(SECOND.encode())
    for n in range(2000):
        sub = tmp_path / f"batch{n % 40:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{n:05d}.txt").write_bytes(b"" if n % 2 else b"%PDF-1.4\n")
    started = time.perf_counter()
    files, failures = find_inputs([tmp_path])
    assert time.perf_counter() - started < 10
    assert len(files) == 2001 and failures == []
    assert files[0].name == "00000.txt" and files[-1].name == "bottom.txt"
    started = time.perf_counter()
    kinds = [item.kind if isinstance(item, Failure) else "read" for item in read_all([tmp_path])]
    assert time.perf_counter() - started < 20
    assert (kinds.count("read"), kinds.count("skipped"), kinds.count("failed")) == (1, 2000, 0)


# --- size limits and memory -------------------------------------------------------------------


def _peak_memory_mb(code: str) -> tuple[float, str]:
    """Run `code` in a fresh interpreter after importing kg; the peak of the memory it allocated
    (tracemalloc: every Python object, and the buffers of bytes and str) in MB, and its `result`."""
    script = textwrap.dedent("""\
        import tracemalloc
        import kg.read, kg.clean, kg.split
        kg.clean._converter()
        tracemalloc.start()
        result = None
        """) + textwrap.dedent(code) + textwrap.dedent("""\
        print(tracemalloc.get_traced_memory()[1] / 1_048_576)
        print(result)
        """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    growth, result = done.stdout.splitlines()[:2]
    return float(growth), result


def test_bad_input_50_mb_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "dump.txt"
    line = (SIMPLIFIED + "\n").encode()
    with open(big, "wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    assert big.stat().st_size > 50 * 1024 * 1024 > MAX_BYTES
    peak, result = _peak_memory_mb(f"""\
        items = list(kg.read.read_all([{str(big)!r}]))
        result = [(i.kind, i.reason) for i in items]
        """)
    assert result == "[('skipped', 'too large (50.0 MB > 20 MB limit); split it into smaller files')]"
    assert peak < 1, f"refusing a 50 MB file allocated {peak:.1f} MB"


def test_bad_input_largest_accepted_text_has_bounded_memory_and_time(tmp_path: Path) -> None:
    """A text file just under MAX_TEXT_CHARS, through read, clean and split, in a fresh process."""
    path = tmp_path / "long.txt"
    lines = MAX_TEXT_CHARS // (len(SIMPLIFIED) + len(SECOND) + 1)
    body = (SIMPLIFIED + SECOND + "\n") * lines
    path.write_text(body, encoding="utf-8")
    started = time.perf_counter()
    peak, result = _peak_memory_mb(f"""\
        doc = kg.read.read_document(__import__("pathlib").Path({str(path)!r}))
        articles = kg.split.split_articles(kg.clean.clean_document(doc), doc.source)
        result = (len(doc.text), sum(len(a.sentences) for a in articles))
        """)
    assert time.perf_counter() - started < 40
    chars, sentences = eval(result)  # noqa: S307 - our own subprocess's tuple
    assert chars == len(body) and sentences == 2 * lines
    # 3 MB of UTF-8 (2 MB as str): a small multiple of that
    assert peak < 80, f"reading, cleaning and splitting {path.stat().st_size / 1e6:.0f} MB took {peak:.0f} MB"


def test_bad_input_too_much_html_text_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(clean, "MAX_TEXT_CHARS", 1000)
    page = "<html><body><div>" + "<p>青州市人民医院举办义诊活动。</p>" * 200 + "</div></body></html>"
    with pytest.raises(clean.TooMuchText, match="too much text"):
        clean_document(Document("big.html", page, "html", "utf-8"))


def test_bad_input_overlong_sentences_are_cut_to_a_bounded_length() -> None:
    for text in ("医" * 100_000, "医院，" * 30_000, "医 院" * 20_000, "。".join(["医" * 2000] * 20)):
        sentences = split_sentences(text)
        assert max(len(s.text) for s in sentences) <= MAX_SENTENCE
        assert "".join(s.text for s in sentences).replace(" ", "") == text.replace(" ", "").replace(
            "\n", "")
        for s in sentences:
            assert text[s.start:s.end] == s.text


# --- regular expressions and cleaners: linear time on adversarial input ----------------------

# Runs of what a regex's quantifiers and look-arounds are about, without what would let it match.
ADVERSARIAL_UNITS = [" ", "  x", "\t", "\u3000", "医 ", "医", "（", "(", "（张", "(a", "第1", "1", "2024-",
                     "2024年1月", ">", "＞", "，", "、", "，、", "。", "?", "？a", "a", "ab1", "来源", "来源：",
                     "。 ", " ，", "医 医 ", ":", "“", "”", "\n", "\n\n", "医院，", "x\n"]
N_CHARS = 20_000


def _regexes():
    for module in (read, clean, split):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                yield f"{module.__name__}.{name}", value


@pytest.mark.parametrize(("name", "pattern"), list(_regexes()), ids=[n for n, _ in _regexes()])
@pytest.mark.timeout(60)  # a quadratic regression fails here instead of hanging
def test_bad_input_regex_is_linear_on_adversarial_runs(name: str, pattern: re.Pattern) -> None:
    """Each regex, over ~20k characters of each adversarial run: a catastrophic backtracker takes
    seconds to minutes here (SPACE_BETWEEN_CJK_PUNCT took 6 s on 16k spaces); linear ones take
    milliseconds."""
    slowest = (0.0, "")
    for unit in ADVERSARIAL_UNITS:
        for tail in ("", "医"):
            text = unit * (N_CHARS // len(unit)) + tail
            started = time.perf_counter()
            for _ in pattern.finditer(text):
                pass
            pattern.match(text)
            slowest = max(slowest, (time.perf_counter() - started, repr(unit + "…" + tail)))
    assert slowest[0] < 1.0, f"{name} took {slowest[0]:.2f}s on {slowest[1]}"


@pytest.mark.parametrize("unit", ["一二三四五六七，八九\n", "医院，医院，医院\n\n", "医 " * 5 + "\n", "（张三）\n",
                                  "首页>>医院\n", "2024-01-01 来源：某某网\n", " " * 50 + "\n", "，" * 20 + "\n",
                                  "<p>医院，</p>\n"])
@pytest.mark.timeout(60)  # a quadratic regression fails here instead of hanging
def test_bad_input_cleaners_are_linear(unit: str) -> None:
    """normalise, boilerplate removal and splitting on 100k characters of one adversarial line
    repeated (the PDF line re-joiner was quadratic: 20k broken lines took 52 s)."""
    text = unit * (100_000 // len(unit))
    started = time.perf_counter()
    cleaned = normalise(text)
    body, _, _ = clean.drop_boilerplate(cleaned)
    split_articles(clean.CleanText(body), "x.txt")
    assert time.perf_counter() - started < 10, f"{unit!r}: {time.perf_counter() - started:.1f}s"


@pytest.mark.timeout(60)  # a quadratic regression fails here instead of hanging
def test_bad_input_rejoin_lines_is_linear() -> None:
    lines = ["一二三四五六七，八九"] * 100_000  # each joins the next: one 1M-character line
    started = time.perf_counter()
    (joined,) = rejoin_lines(lines)
    assert time.perf_counter() - started < 3
    assert joined == "".join(lines)


# --- the whole build: one line per bad file, counts, exit codes -----------------------------


def _cli(argv: list[str], capsys, caplog) -> tuple[int, str, str]:
    from kg.cli import main

    caplog.clear()
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err + caplog.text


FAST = ["--jobs", "1", "--no-cache", "--no-validate"]


def test_bad_input_build_reports_every_bad_file_once_and_goes_on(corpus, tmp_path, capsys, caplog,
                                                                analyzer) -> None:
    folder, expected = corpus
    missing = tmp_path / "no-such-folder"
    out = tmp_path / "out"
    code, stdout, _ = _cli(["build", str(folder), str(missing), "--out", str(out), *FAST], capsys, caplog)
    assert code == 0, stdout
    bad = {read.printable(n): e for n, e in expected.items() if e.outcome != "read"}
    good = [n for n, e in expected.items() if e.outcome == "read"]
    first = stdout.splitlines()[0]
    skipped = sum(e.outcome == "skipped" for e in bad.values())
    failed = len(bad) - skipped + 1  # and the missing folder
    assert re.match(rf"read {len(good)} files \(\d+ articles\); skipped or failed {len(bad) + 1} "
                    rf"\({skipped} skipped, {failed} failed\)$", first), first
    listed = [line for line in stdout.splitlines() if line.startswith(("  skipped ", "  failed "))]
    assert len(listed) == len(bad) + 1
    for name, expect in bad.items():
        (line,) = [line for line in listed if line.split(": ", 1)[0].endswith("/" + name)]
        kind, rest = line.strip().split(" ", 1)
        assert kind == expect.outcome
        assert re.search(expect.detail, rest.split(": ", 1)[1]), line
    assert f"  failed {missing}: no such file or folder" in listed
    graph = Graph().parse(out / "graph.ttl", format="turtle")
    labels = {str(o) for o in graph.objects(None, None) if getattr(o, "language", None) == "zh"}
    for name in ("沭阳县人民医院", "青州市人民医院", "王坟镇卫生院"):
        assert name in labels
    assert not {"假冒人民医院", "广州市第一人民医院"} & labels  # from scripts, never entities
    assert (out / "graph.html").stat().st_size > 0


def test_bad_input_build_survives_a_crash_in_a_stage(tmp_path, capsys, caplog, monkeypatch,
                                                     analyzer) -> None:
    import kg.extract

    real = kg.extract.document_articles

    def crash_on_second(doc, an):
        if "second" in doc.source:
            raise RuntimeError("boom\nin two lines")
        return real(doc, an)

    monkeypatch.setattr(kg.extract, "document_articles", crash_on_second)
    (tmp_path / "first.txt").write_bytes(GOOD)
    (tmp_path / "second.txt").write_bytes(GOOD)
    out = tmp_path / "out"
    argv = ["build", str(tmp_path / "first.txt"), str(tmp_path / "second.txt"), "--out", str(out), *FAST]
    code, stdout, err = _cli(argv, capsys, caplog)
    assert code == 0
    assert "read 2 files (1 articles); skipped or failed 1 (0 skipped, 1 failed)" in stdout
    assert f"  failed {tmp_path / 'second.txt'}: RuntimeError: boom in two lines" in stdout.splitlines()
    assert "Traceback" not in err
    code, _, _ = _cli(argv + ["--strict"], capsys, caplog)
    assert code == 1


@pytest.mark.parametrize(("inputs", "extra", "code"), [
    (["good.txt"], [], 0),
    (["good.txt", "empty.txt"], [], 0),
    (["good.txt", "empty.txt"], ["--strict"], 1),
    (["good.txt", "self_loop"], ["--strict"], 1),
    (["empty.txt", "paper.pdf", "self_loop"], [], 3),
    (["empty.txt"], ["--strict"], 3),
], ids=["ok", "skipped", "strict-skipped", "strict-failed", "nothing-readable", "strict-nothing"])
def test_bad_input_exit_code_says_what_happened(corpus, tmp_path, capsys, caplog, analyzer,
                                                inputs, extra, code) -> None:
    folder, _ = corpus
    out = tmp_path / "out"
    got, stdout, err = _cli(["build", *(str(folder / i) for i in inputs), "--out", str(out), *FAST, *extra],
                            capsys, caplog)
    assert got == code, stdout + err
    assert (out / "graph.ttl").exists() == (code != 3)


def test_bad_input_file_name_not_utf8_with_the_cache(tmp_path, capsys, caplog, analyzer) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/\xff\xfe.txt", "wb") as handle:
        handle.write(SECOND.encode())
    code, _, _ = _cli(["build", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-validate",
                       "--quiet"], capsys, caplog)
    assert code == 0


def test_bad_input_unwritable_output_is_exit_4(tmp_path, capsys, caplog, analyzer) -> None:
    (tmp_path / "good.txt").write_bytes(GOOD)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = _cli(["build", str(tmp_path / "good.txt"), "--out", str(blocker / "out"), *FAST],
                        capsys, caplog)
    assert code == 4
    assert f"kg: cannot write {blocker / 'out'}:" in err
    assert "Traceback" not in err


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: tests/test_bad_input.py FOLDER  (writes the bad-input corpus there)", file=sys.stderr)
        return 2
    for name, expect in write_corpus(Path(argv[0])).items():
        print(f"{expect.outcome:8} {read.printable(name)}: {expect.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
