"""Language detection (py3langid, offline); '' when the text is too short to tell."""

from __future__ import annotations

MIN_CHARS = 40


def detect_language(text: str) -> str:
    sample = (text or "")[:3000]
    if len(sample.strip()) < MIN_CHARS:
        return ""
    import py3langid

    lang, _score = py3langid.classify(sample)
    return lang
