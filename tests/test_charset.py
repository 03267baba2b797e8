"""Charsets (RELIABILITY row 10, bad inputs D): the decoded text equals the golden text."""

from __future__ import annotations

import codecs
import html
import time
from pathlib import Path

import pytest

from collectors.charset import decode_html, normalise_label

PAGES = Path(__file__).resolve().parent / "pages"

ENGLISH = "The café’s owner said “we’re open” — prices rise 5 € to 12 €. Naïve résumé façade, œuvre… ™ • ‰"
FRENCH = "« C’est une décision difficile », a déclaré la maire, Hélène Dubœuf. Coût : près de 2 millions d’euros."
GERMAN = "„Wir fordern faire Löhne“, sagte der Sprecher. Die Gespräche über Zulagen für Überstunden scheiterten."
CHINESE = "东海日报讯：港口扩建工程今天正式开工，预计三年内完成。市政府表示，这项工程将带来大量就业机会。"
JAPANESE = "さくら新聞：新しい列車の時刻表が来月から始まります。市民からは歓迎の声が上がっています〜。"
CZECH = "Městská rada ve čtvrtek schválila uzavření mostu. „Je to těžké rozhodnutí,“ řekla starostka."
RUSSIAN = "Городской совет в четверг проголосовал за закрытие моста. «Это трудное решение», — сказала мэр."


def page(text: str, head: str = "") -> str:
    return f"<html><head>{head}<title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"


def check(data: bytes, expected: str, content_type: str | None = None) -> None:
    got = decode_html(data, content_type)
    assert got == expected and "\ufffd" not in got


@pytest.mark.parametrize("text", [ENGLISH, FRENCH, GERMAN])
def test_windows_1252_without_any_charset(text):
    check(page(text).encode("cp1252"), page(text))


def test_windows_1252_labelled_iso_8859_1_keeps_curly_quotes():
    check(page(ENGLISH).encode("cp1252"), page(ENGLISH), "text/html; charset=ISO-8859-1")


def test_meta_says_1252_header_says_utf8():
    markup = page(ENGLISH, '<meta charset="windows-1252">')
    check(markup.encode("cp1252"), markup, "text/html; charset=utf-8")


def test_header_says_latin1_page_is_utf8():
    markup = page(ENGLISH, '<meta charset="utf-8">')
    check(markup.encode("utf-8"), markup, "text/html; charset=iso-8859-1")


def test_header_default_latin1_meta_gb2312_page_gb18030():
    markup = page(CHINESE, '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    check(markup.encode("gb18030"), markup, "text/html; charset=ISO-8859-1")


@pytest.mark.parametrize("head, content_type", [
    ('<meta charset="gb2312">', None), ('<meta charset="GBK">', None), ("", "text/html; charset=gb18030"), ("", None)])
def test_gb18030(head, content_type):
    markup = page(CHINESE + "𠀀", head)  # a four-byte GB18030 character too
    check(markup.encode("gb18030"), markup, content_type)


@pytest.mark.parametrize("head, content_type", [
    ('<meta charset="Shift_JIS">', None), ('<meta charset="x-sjis">', None), ("", "text/html; charset=shift_jis"),
    ("", None)])
def test_shift_jis(head, content_type):
    markup = page(JAPANESE, head)
    check(markup.encode("shift_jis"), markup, content_type)


def test_windows_31j_characters():
    markup = page("①②③ ～ " + JAPANESE.replace("〜", ""), '<meta charset="windows-31j">')
    check(markup.encode("cp932"), markup)


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_a_bom(encoding, bom):
    markup = page(ENGLISH + CHINESE, '<meta charset="utf-16">')
    check(bom + markup.encode(encoding), markup, "text/html; charset=iso-8859-1")  # the BOM beats the header


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("content_type", ["text/html; charset=utf-16", None])
def test_utf16_without_a_bom(encoding, content_type):
    markup = page(ENGLISH + JAPANESE)
    check(markup.encode(encoding), markup, content_type)


def test_a_utf8_bom_beats_a_wrong_header():
    markup = page(FRENCH)
    check(codecs.BOM_UTF8 + markup.encode("utf-8"), markup, "text/html; charset=windows-1252")


def test_a_meta_claiming_utf16_on_ascii_bytes_means_utf8():
    markup = page(GERMAN, '<meta charset="utf-16">')
    check(markup.encode("utf-8"), markup)


PLAIN_RUSSIAN = "Городской совет в четверг проголосовал за закрытие моста. Ремонт продлится шесть месяцев."
PLAIN_GERMAN = "Die Gespräche über Zulagen für Überstunden scheiterten. Preis: 5 € pro Stunde, Straße gesperrt."


@pytest.mark.parametrize("text, encoding, label", [
    (CZECH, "cp1250", "windows-1250"), (RUSSIAN, "cp1251", "windows-1251"),
    (PLAIN_RUSSIAN, "koi8_r", "koi8-r"), (PLAIN_GERMAN, "iso-8859-15", "iso-8859-15")], ids=lambda v: str(v)[:12])
def test_other_declared_charsets(text, encoding, label):
    markup = page(text, f'<meta charset="{label}">')
    check(markup.encode(encoding), markup)


def test_russian_windows_1251_is_detected():
    check(page(RUSSIAN).encode("cp1251"), page(RUSSIAN))


def test_invalid_utf8_keeps_the_rest_of_the_page():
    markup = page(FRENCH, '<meta charset="utf-8">')
    data = markup.encode("utf-8").replace(b"<title>", b"<title>\xff\xfe")
    got = decode_html(data)
    assert got == markup.replace("<title>", "<title>\ufffd\ufffd")


def test_a_utf8_page_with_a_stray_byte_and_no_label_stays_utf8():
    markup = page(FRENCH + " " + GERMAN)
    got = decode_html(markup.encode("utf-8") + b"\x80")
    assert got.startswith(markup) and got.count("\ufffd") == 1


def test_nothing_in_nothing_out_and_never_an_exception():
    assert decode_html(b"") == ""
    assert decode_html(b"\xff" * 1000) is not None
    assert decode_html(b"<p>plain ascii</p>", "text/html; charset=no-such-charset") == "<p>plain ascii</p>"
    assert decode_html(b"\x00\x01\x02abc", None) is not None


def test_labels_map_the_whatwg_way():
    assert normalise_label("ISO-8859-1") == normalise_label("us-ascii") == "cp1252"
    assert normalise_label("GB2312") == normalise_label("gbk") == "gb18030"
    assert normalise_label("Shift_JIS") == "shift_jis"
    assert normalise_label("UTF8") == "utf-8" and normalise_label("bogus") is None and normalise_label("") is None


def test_a_5_mb_unlabelled_page_decodes_quickly():
    markup = page(ENGLISH * 20000)
    start = time.monotonic()
    check(markup.encode("cp1252"), markup)
    assert time.monotonic() - start < 3


@pytest.mark.parametrize("html_file", sorted(PAGES.glob("*.html")), ids=lambda p: p.stem)
def test_saved_pages_decode_to_their_golden_text(html_file):
    decoded = html.unescape(decode_html(html_file.read_bytes()))
    assert "\ufffd" not in decoded
    for line in html_file.with_suffix(".txt").read_text(encoding="utf-8").splitlines():
        assert line in decoded
