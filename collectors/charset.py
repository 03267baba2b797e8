"""Bytes of an HTML page → text, with the charset found the way browsers find it.

Order: byte-order mark, then the HTTP header, then `<meta charset>` (or an XML declaration),
then detection (charset_normalizer). Declared labels are mapped the WHATWG way
(iso-8859-1 and ascii mean windows-1252, gb2312/gbk mean gb18030, ...), and a declared
charset is only believed when the bytes decode cleanly under it.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG label groups → the Python codec that decodes them (the superset where one exists).
_ALIASES = {
    "cp1252": ("ascii", "us-ascii", "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1",
               "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819", "iso_8859-1"),
    "gb18030": ("gb2312", "gbk", "x-gbk", "gb18030", "chinese", "csgb2312", "euc-cn", "iso-ir-58"),
    "shift_jis": ("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "ms932"),
    "cp932": ("windows-31j", "cp932"),
    "cp949": ("euc-kr", "ks_c_5601-1987", "cp949", "windows-949", "ksc5601"),
    "cp1254": ("iso-8859-9", "latin5", "windows-1254"),
    "cp874": ("tis-620", "iso-8859-11", "windows-874"),
    "utf-16-le": ("utf-16", "utf-16le", "unicode"),
    "utf-16-be": ("utf-16be",),
}
_LABELS = {label: codec for codec, labels in _ALIASES.items() for label in labels}

# Stricter codec first, its superset second: WHATWG Shift_JIS keeps U+301C where cp932 has U+FF5E.
_FALLBACKS = {"shift_jis": ("shift_jis", "cp932"), "cp932": ("shift_jis", "cp932")}

_META_SCAN = 16 * 1024
_DETECT_SCAN = 256 * 1024
_META = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._\-]+)""", re.IGNORECASE)
_HEADER = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)


def _lenient_1252(error: UnicodeDecodeError):
    """WHATWG windows-1252 maps the five bytes cp1252 leaves undefined to C1 controls."""
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("framelens-1252", _lenient_1252)


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Decode a page: BOM > HTTP header > meta charset > detection; never raises."""
    if not content:
        return ""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(codec, "replace")
    declared = [_codec_for(_header_label(content_type)), _codec_for(_meta_label(content))]
    for codec in _choose_declared(content, *declared):
        text = _strict(content, codec)
        if text is None and codec == "utf-8":
            text = _mostly_utf8(content)  # a UTF-8 page with a few broken bytes stays UTF-8
        if text is not None:
            return text
    return _decode_detected(content)


def normalise_label(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when unknown."""
    return _codec_for(label)


def _codec_for(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _LABELS:
        return _LABELS[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _LABELS.get(name, name)


def _header_label(content_type: str | None) -> str | None:
    match = _HEADER.search(content_type or "")
    return match.group(1) if match else None


def _meta_label(content: bytes) -> str | None:
    head = content[:_META_SCAN]
    match = _XML_DECL.search(head) or _META.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


def _choose_declared(content: bytes, header: str | None, meta: str | None) -> list[str]:
    """Declared codecs in the order to try them, correcting the common wrong labels."""
    ascii_compatible = not _looks_utf16(content)
    order = []
    for codec in (header, meta):
        if codec and codec.startswith("utf-16") and ascii_compatible:
            codec = "utf-8"  # a meta tag that is readable as ASCII cannot be in UTF-16
        if codec and codec not in order:
            order.append(codec)
    if order and _is_single_byte(order[0]) and _is_non_ascii_utf8(content):
        order.insert(0, "utf-8")  # servers label UTF-8 pages iso-8859-1 by default
    elif len(order) == 2 and _is_single_byte(order[0]) and not _is_single_byte(order[1]):
        order.reverse()  # a multi-byte meta that decodes cleanly beats a default header
    if order and order[0].startswith("utf-16"):
        order[0] = _utf16_order(content)
    return order


def _strict(content: bytes, codec: str) -> str | None:
    for name in _FALLBACKS.get(codec, (codec,)):
        try:
            return content.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _decode_detected(content: bytes) -> str:
    text = _strict(content, "utf-8")
    if text is not None:
        return text
    text = _mostly_utf8(content)
    if text is not None:
        return text
    if _looks_utf16(content):
        text = _strict(content, _utf16_order(content))
        if text is not None:
            return text
    for codec in _detect(content[:_DETECT_SCAN]):
        text = _strict(content, codec)
        if text is not None:
            return text
    return content.decode("cp1252", "framelens-1252")


def _detect(sample: bytes) -> list[str]:
    """Candidate codecs, best first: least chaos, then most coherence; ties go to windows-1252."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample))
    if not matches:
        return ["cp1252"]
    least = min(m.chaos for m in matches)
    calm = [m for m in matches if m.chaos <= least + 1e-9]
    top = max(m.coherence for m in calm)
    best = [_codec_for(m.encoding) or m.encoding for m in calm if m.coherence >= top - 0.01]
    if "cp1252" in best:
        best.remove("cp1252")
        best.insert(0, "cp1252")
    rest = [_codec_for(m.encoding) or m.encoding for m in matches]
    return list(dict.fromkeys(best + rest + ["cp1252"]))


def _mostly_utf8(content: bytes) -> str | None:
    """UTF-8 with a few invalid bytes (replaced), when valid multi-byte characters dominate."""
    text = content.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F) - bad
    return text if good >= 4 * bad and good > 0 else None


def _is_single_byte(codec: str) -> bool:
    return codec.startswith(("cp12", "cp8", "iso8859", "latin", "mac", "koi8", "cp4", "ascii"))


def _is_non_ascii_utf8(content: bytes) -> bool:
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf16(content: bytes) -> bool:
    """BOM-less UTF-16 markup has a NUL in every other byte."""
    sample = content[:4096]
    if len(sample) < 4:
        return False
    nuls = sample.count(0)
    return nuls >= len(sample) // 4 and max(sample[0::2].count(0), sample[1::2].count(0)) >= nuls * 0.9


def _utf16_order(content: bytes) -> str:
    sample = content[:4096]
    return "utf-16-be" if sample[0::2].count(0) > sample[1::2].count(0) else "utf-16-le"
