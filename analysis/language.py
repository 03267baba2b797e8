"""Language detection (py3langid, offline).

'' means "cannot tell": too little text, or no language the identifier is confident
about. Analysis treats '' as the story's language, so short or odd texts are still
evaluated rather than silently dropped.
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_LETTERS = 40
MIN_CONFIDENCE = 0.8  # normalised probability; names and legal citations alone score far lower
SAMPLE_CHARS = 1000  # plenty for a confident guess; the identifier is linear in its input


_LETTERS = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text, or '' when it is too short or the guess is unsure."""
    sample = " ".join((text or "")[:4 * SAMPLE_CHARS].split())[:SAMPLE_CHARS]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return ""
    language, confidence = _identifier().classify(sample)
    return language if confidence >= MIN_CONFIDENCE else ""
