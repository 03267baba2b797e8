"""Short quotes credited to the court that reword a phrase of the ruling (quotes.py calls this).

A quoted phrase of a few words ("flimsy and baseless guesses") is too short for the word
rules of quote_align: two of its four words swapped leave one content word in common, and
an embedding of four words says little. Such a phrase is still a misquote when the article
puts it in the judge's mouth. It is graded `altered` only when all of this holds:

- it has SHORT_MIN..SHORT_MAX words and the article credits it to the court (the quote's
  speaker, or the first speaker cue of its sentence, is the judge, the court or its order,
  not a party, a lawyer or a pundit);
- a window of the source of about its length shares at least half its words, one of them
  a content word that is rare in the source, in order, with the other words changed in
  place (nothing added, no negation flipped);
- the model finds the reworded phrase near the source phrase (PHRASE_COSINE) and the
  source sentence with the quote put in its place near the original (SPLICED_COSINE): an
  unrelated phrase that happens to share a word reads as another sentence.
"""

from __future__ import annotations

import re

from .quote_align import FUNCTION_WORDS, Alignment, SourceIndex, encode_unit, score_window, segment_words
from .quote_text import Quote, alias_groups, norm_tokens, quote_segments

SHORT_MIN, SHORT_MAX = 4, 8
PHRASE_COSINE = 0.4
SPLICED_COSINE = 0.8
WINDOW_PAD = 3   # source words taken beyond the quote's length on each side of an anchor

_COURT = re.compile(r"(?i)\b(?:judge|judges|court|court's|court’s|ruling|ruled|order|opinion|decision|"
                    r"justice|magistrate|bench)\b")
_PARTY = re.compile(r"(?i)\b(?:lawyers?|attorneys?|counsel|spokes(?:man|woman|person)|statement|"
                    r"brief|filing|complaint|plaintiffs?|defendants?|critics?|supporters?|analysts?|"
                    r"experts?|senators?|rep|ceo|founder)\b")


# --------------------------------------------------------------------------- attribution

def credited_to_court(quote: Quote, aliases=()) -> bool:
    """Whether the article puts the quote in the court's mouth: its speaker is the judge or
    the court, or, with no speaker named, the first speaker cue of its sentence is."""
    court_names, party_names = _names(aliases)
    for text in (quote.speaker_hint, quote.lead_in):
        cue = _first_cue(text, court_names, party_names)
        if cue:
            return cue == "court"
    return False


def _names(aliases) -> tuple[set, set]:
    """The actors' names split into the court's (a group with a judge or court word) and
    the parties'."""
    groups = [list(names) for names in aliases or ()]
    court = {w for names in groups if any(_COURT.search(n) for n in names) for w in alias_groups([names])}
    party = {w for w in alias_groups(groups)} - court
    return court, party


def _first_cue(text: str, court_names: set, party_names: set) -> str:
    """'court' or 'party' for the earliest speaker cue in `text`, '' when there is none."""
    words = norm_tokens(text)
    for i in range(len(words)):
        for size in (3, 2, 1):
            run = tuple(words[i:i + size])
            bare = run[:-1] + (run[-1].removesuffix("'s"),) if run else run
            if run in court_names or bare in court_names:
                return "court"
            if run in party_names or bare in party_names:
                return "party"
        if _COURT.fullmatch(words[i]) and words[i - 1:i] != ["in"]:  # not "in order to"
            return "court"
        if _PARTY.fullmatch(words[i]):
            return "party"
    return ""


# --------------------------------------------------------------------------- grading

def grade_short_credited(quotes: list[Quote], results: list[dict], src: SourceIndex, embedder,
                         aliases=()) -> None:
    """Grade `altered` the short not_in_source quotes credited to the court that reword a
    source phrase in place (see the module docstring); results are updated in place."""
    todo = []
    for i, (quote, result) in enumerate(zip(quotes, results)):
        if result["fidelity"] != "not_in_source" or not credited_to_court(quote, aliases):
            continue
        words, gaps = segment_words([p for segment in quote_segments(quote.text) for p in segment])
        if SHORT_MIN <= len(words) <= SHORT_MAX and not gaps:
            aligned = _best_window(words, src)
            if aligned is not None:
                todo.append((i, words, aligned))
    if todo:
        _confirm_with_model(todo, quotes, results, src, embedder)


def _best_window(words: list[str], src: SourceIndex) -> Alignment | None:
    """The source window around a rare content word of the quote that lines up best with
    it, when it is a rewording in place; else None."""
    best = None
    for i, word in enumerate(words):
        hits = src.expanded_positions.get(word, ())
        if word in FUNCTION_WORDS or len(word) < 4 or not 0 < len(hits) <= src.rare_cap:
            continue
        for pos in hits:
            a, b = max(0, pos - i - WINDOW_PAD), min(len(src.expanded), pos + len(words) - i + WINDOW_PAD)
            aligned = score_window(words, set(), src, a, b)
            if _reworded(aligned) and (best is None or aligned.rank() > best.rank()):
                best = aligned
    return best


def _reworded(a: Alignment) -> bool:
    """Half the words kept in order, a content word among them, the rest swapped in place."""
    span = 0 if a.first is None else a.last - a.first + 1
    return (a.first is not None and a.matched * 2 >= a.quote_len and a.content_matched >= 1
            and a.substituted >= 1 and a.added == 0 and a.negations == 0
            and abs(span - a.quote_len) <= 2)


def _confirm_with_model(todo: list, quotes: list[Quote], results: list[dict], src: SourceIndex,
                        embedder) -> None:
    """Keep the rewordings whose phrase and spliced sentence the model finds near the source."""
    texts = []
    for i, words, aligned in todo:
        phrase = " ".join(src.expanded[aligned.first:aligned.last + 1])
        sentence = src.expanded_sent[aligned.first]
        start = src.starts[sentence]
        own = src.expanded[start:src.starts[sentence + 1]]
        spliced = own[:aligned.first - start] + words + own[aligned.last + 1 - start:]
        texts += [" ".join(words), phrase, " ".join(own), " ".join(spliced)]
    vectors = encode_unit(embedder, texts)
    for k, (i, _, aligned) in enumerate(todo):
        q, p, own, spliced = vectors[4 * k:4 * k + 4]
        phrase_cos, spliced_cos = float(q @ p), float(own @ spliced)
        if phrase_cos >= PHRASE_COSINE and spliced_cos >= SPLICED_COSINE:
            sentence = src.expanded_sent[aligned.first]
            results[i].update(fidelity="altered", similarity=round(max(phrase_cos, aligned.dice), 4),
                              source_passage=src.passage(sentence, sentence), source_index=sentence,
                              _span=(sentence, sentence))
