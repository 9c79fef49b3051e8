"""Turn the bytes of a transcript file into clean text.

German exports arrive as UTF-8 (with or without BOM), UTF-16 (Windows tools, with or without
BOM) or cp1252 (Excel, older CRM systems). :func:`decode_bytes` tries them in that order and
falls back to charset-normalizer; binary input is refused with an :class:`InputError`.
:func:`normalize_text` then folds line ends, non-breaking spaces and decomposed umlauts.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata

from toneprobe.errors import InputError

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 controls other than tab, LF, VT, FF, CR; plus DEL. Text files do not contain these.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NBSP = re.compile(r"[\u00a0\u2007\u202f\u2060\ufeff]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200e\u200f]")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without BOM: mostly-ASCII text has a NUL in every other byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4000]
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nul > 0.4 * half and even_nul < 0.05 * half:
        codec = "utf-16-le"
    elif even_nul > 0.4 * half and odd_nul < 0.05 * half:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _mixed_lines(data: bytes) -> str | None:
    """Files glued from UTF-8 and cp1252 parts: decode line by line if both really occur."""
    lines = data.split(b"\n")
    out: list[str] = []
    utf8_non_ascii = legacy = 0
    for line in lines:
        try:
            text = line.decode("utf-8")
            utf8_non_ascii += not line.isascii()
        except UnicodeDecodeError:
            try:
                text = line.decode("cp1252")
            except UnicodeDecodeError:
                return None
            legacy += 1
        out.append(text)
    if utf8_non_ascii == 0 or legacy == 0:
        return None
    return "\n".join(out)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:8000]
    bad = len(_CONTROL.findall(sample))
    return "\x00" in sample or bad > max(2, len(sample) // 100)


def _decode(data: bytes) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), codec
            except UnicodeDecodeError:
                break  # a BOM followed by garbage: let the detector below decide
    as_utf16 = _utf16_without_bom(data)
    if as_utf16 is not None:
        return as_utf16, "utf-16"
    if b"\x00" in data[:8000]:
        return "", "binary"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _mixed_lines(data)
    if mixed is not None:
        return mixed, "utf-8+cp1252"
    # German-first: cp1252 covers umlauts, ß, € and typographic quotes of Windows exports.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and not _looks_binary(text):
        return text, "cp1252"
    from charset_normalizer import from_bytes  # lazy: only needed for odd files

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return "", "binary"
    return str(best), best.encoding


def normalize_text(text: str) -> str:
    """NFC, ``\\n`` line ends, NBSP and friends as plain spaces, no BOM or zero-width marks."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _NBSP.sub(lambda m: "" if m.group() in "\ufeff\u2060" else " ", text)
    text = _ZERO_WIDTH.sub("", text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text


def decode_bytes(data: bytes, path: str | None = None) -> str:
    """Decode a transcript file's bytes; raise :class:`InputError` for empty or binary input."""
    if not data or not data.strip():
        raise InputError("empty file", path)
    text, codec = _decode(data)
    if codec == "binary" or _looks_binary(text):
        raise InputError("binary file, not a transcript", path)
    log.debug("%s: decoded as %s", path or "<input>", codec)
    text = normalize_text(text)
    if not text.strip():
        raise InputError("empty file", path)
    return text


_WS = re.compile(r"\s+")
# the lines an e-mail or ticket reply quotes from the message it answers: "> ...", "> > ...",
# ">> ..." (a run of them is one quotation; "-> 5" or "> 50 Euro" is no quote)
_QUOTE_PREFIX = r"^[ \t]*>(?:[ \t]*>)*[ \t]*"
_QUOTED_LINES = re.compile(rf"(?:{_QUOTE_PREFIX}(?=[^\W\d_])[^\n]*(?:\n|$))+", re.M)
_QUOTE_MARK = re.compile(_QUOTE_PREFIX, re.M)


def _quote_lines(m: re.Match[str]) -> str:
    body = " ".join(_QUOTE_MARK.sub("", m.group()).split())
    return f"\u201e{body}\u201c\n"


def clean_text(text: str) -> str:
    """One turn's text on one line: NBSP folded, runs of whitespace collapsed, ends stripped.
    Lines an e-mail reply quotes ("> Sie sind doch zu blöd") become one quotation in German
    marks („Sie sind doch zu blöd“), so the line structure that told they are someone else's
    words survives the collapse (:mod:`toneprobe.quotes` reads quotation marks)."""
    if not text:
        return ""
    text = normalize_text(text)
    if (">" in text and "\n" in text) or text.lstrip().startswith(">"):
        text = _QUOTED_LINES.sub(_quote_lines, text)
    return _WS.sub(" ", text).strip()
