"""Key facts for a story draft: the primary source's statements that the most articles report.

    source sentences and their clauses ("...; (2) that X did Y") = candidate statements
    each coverage sentence (each clause of one that joins two) → the one statement it
        paraphrases best (cosine >= SUPPORT_COSINE, the story's mean taken out)
    statements ranked by how many articles paraphrase them; near-identical ones kept once;
    prototypes: the reports nearest both the statement and what its reports share

Assigning each coverage sentence to its single best statement (not to every statement it is
close to) keeps a long procedural sentence that shares the story's words with everything
("the plaintiff asks the court to order ...") from collecting every article's support.
"""

from __future__ import annotations

import re

import numpy as np

from .sentences import sentence_key

SUPPORT_COSINE = 0.5    # a coverage sentence reports a statement at this cosine or above (story mean taken out)
DISTINCT_COSINE = 0.8   # two statements (or two clusters of their reports) this close are one fact
MIN_ARTICLES = 3        # fewer reports: procedure or detail the coverage does not carry
MAX_FACTS = 15
MIN_WORDS = 7
MIN_CLAUSE_WORDS = 5
PARAPHRASE_COSINE = 0.45  # a report of a disposition reads at least this like it (raw cosine)
CLAUSE_MARGIN = 0.05    # a report goes to one clause only when it is this much closer than to the whole sentence

_DISPOSITION = re.compile(r"\b(?:is|are|be|hereby)\s+(?:denied|granted|dismissed|vacated|remanded|affirmed|reversed|"
                          r"overruled|sustained|stayed)\b|\bit\s+is\s+(?:hereby\s+)?ordered\b", re.IGNORECASE)
# a disposition's verb → the plain words a report of that decision uses
_DECISIONS = {
    r"\bdenied\b": r"\b(?:den(?:y|ies|ied|ial|ying)|reject(?:s|ed|ing)?|refus(?:e|es|ed|ing)|declin(?:e|es|ed|ing)|turn(?:s|ed)? down|"
                   r"(?:won't|will not|does not have to|doesn't have to|not be forced))\b",
    r"\bgranted\b": r"\b(?:grant(?:s|ed)?|order(?:s|ed)|approv(?:e|es|ed)|allow(?:s|ed)?|sid(?:es|ed) with)\b",
    r"\bdismissed\b": r"\b(?:dismiss(?:es|ed)?|thr(?:ew|ows) out|toss(?:es|ed)?)\b",
}
_LEGAL_NOUN = re.compile(r"\b(motion|request|petition|application|complaint|appeal)\b")
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:and|but)\s+(?=(?:the|it|its|this|that|he|she|they|[A-Z])\b)")
_CLAUSE_LEAD = re.compile(r"^(?:(?:\(\w{1,3}\)|and|but|or|that)\s+)*", re.IGNORECASE)


def statement_like(sentence: str) -> bool:
    """A source sentence that can be a fact: long enough, not a heading in capitals."""
    letters = re.sub(r"[^A-Za-z]", "", sentence)
    if letters and letters.isupper():
        return False
    return len(sentence.split()) >= MIN_WORDS or (legal_form(sentence) and len(sentence.split()) >= 3)


def source_statements(sentences: list[str]) -> dict[str, str]:
    """The source's statement-like sentences, and the clauses of those that join two
    statements (a semicolon list of claims, "X happened, and Y followed"): each clause can
    be a fact the coverage reports on its own. Maps each statement to its whole sentence
    (a clause can lose what frames it: "the complaint asserts ... that X")."""
    out: dict[str, str] = {}
    for sentence in sentences:
        if not statement_like(sentence):
            continue
        out.setdefault(sentence, sentence)
        parts = [_clause(p) for p in _CLAUSE_BREAK.split(sentence)]
        if len(parts) > 1:
            for part in parts:
                if len(part.split()) >= MIN_CLAUSE_WORDS:
                    out.setdefault(part, sentence)
    return out


def report_units(sentence: str) -> list[str]:
    """A coverage sentence as the statements it reports: its clauses when it joins two
    ("X accused Y of A, and that Z found B"), else itself."""
    parts = [_clause(p) for p in _CLAUSE_BREAK.split(sentence)]
    parts = [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS]
    return parts if len(parts) > 1 else [sentence]


def _clause(part: str) -> str:
    text = _CLAUSE_LEAD.sub("", part.strip()).rstrip(" ,;:.")
    return (text[:1].upper() + text[1:] + ".") if text else ""


def draft_key_facts(statements: dict[str, str], docs: dict[int, list[str]], vectors, make) -> list:
    """The source statements that the most articles paraphrase, one per distinct fact;
    `make(statement, prototypes, articles, sentence)` builds each candidate."""
    items = [(d, u) for d, ss in docs.items() for s in ss if len(s.split()) >= 5 for u in report_units(s)]
    if not statements or not items:
        return []
    statements, worded, said = _reworded(statements, items, vectors)
    source = list(statements)
    sims, reports = _assign(statements, items, vectors, worded)
    _give_reports(reports, source, said, items)
    support = [{items[j][0] for j in js} for js in reports]
    order = sorted(range(len(source)), key=lambda i: (-len(support[i]), -float(sims[i].max()), i))
    chosen: list[tuple[int, np.ndarray]] = []
    for i in order:
        if len(support[i]) < MIN_ARTICLES or len(chosen) >= MAX_FACTS:
            break
        centre = _centre(vectors, [items[j][1] for j in reports[i]])
        if any(_same_fact(vectors, source[i], source[k], centre, c) for k, c in chosen):
            continue
        chosen.append((i, centre))
    return [make(source[i], _typical(reports[i], items, vectors, _aim(vectors, source[i], c)), support[i],
                 statements[source[i]], worded.get(source[i], "")) for i, c in chosen]


def legal_form(sentence: str) -> bool:
    """A ruling's disposition in legal form ('the motion is denied', 'IT IS ORDERED'): terse
    and procedural, it reads unlike any report of it ('the judge refused to force X to ...')."""
    return bool(_DISPOSITION.search(sentence))


def _reworded(statements: dict[str, str], items: list[tuple[int, str]], vectors) -> tuple[dict, dict, dict]:
    """(statements, worded, said): each statement in legal form replaced by the coverage's
    most common paraphrase of it, mapped to its source sentence; `worded` keeps the legal
    statement for the comment, `said` the reports that say the decision (its support)."""
    out, worded, said = {}, {}, {}
    for statement, sentence in statements.items():
        wording, reports = _paraphrase(statement, _antecedent(statement, list(statements)), items, vectors) \
            if legal_form(statement) else ("", set())
        if wording and wording not in out:
            out[wording], worded[wording], said[wording] = sentence, statement, reports
        elif not wording:
            out.setdefault(statement, sentence)
    return out, worded, said


def _give_reports(reports: list[list[int]], source: list[str], said: dict[str, set[str]],
                  items: list[tuple[int, str]]) -> None:
    """The reports that say a disposition's decision count for its worded fact only (the
    story's mean, which the assignment takes out, is mostly that decision)."""
    for i, statement in enumerate(source):
        if statement in said:
            rows = {j for j, (_, unit) in enumerate(items) if unit in said[statement]}
            for k in range(len(reports)):
                reports[k] = sorted(set(reports[k]) | rows) if k == i else [j for j in reports[k] if j not in rows]


def _antecedent(statement: str, source: list[str]) -> str:
    """The source's first plain sentence naming what a disposition decides ('the motion is
    denied' → 'This matter comes before the Court on the motion of X for ...'), or ''."""
    nouns = set(_LEGAL_NOUN.findall(statement.lower()))
    return next((s for s in source if not legal_form(s) and nouns & set(_LEGAL_NOUN.findall(s.lower()))), "")


def _paraphrase(statement: str, antecedent: str, items: list[tuple[int, str]], vectors) -> tuple[str, set[str]]:
    """The coverage's most common wording of a disposition: of the reports that say the same
    decision in plain words ('denied' → 'rejected', 'refused', 'declined') and read like the
    statement (raw cosine >= PARAPHRASE_COSINE: a story's every sentence is about its
    decision, so the story's mean is not taken out here), the closest in each article, the
    one nearest their centre, and those reports; '' when fewer than MIN_ARTICLES articles
    say it. A terse disposition is read together with its antecedent (what the motion asked for)."""
    decision = next((words for verb, words in _DECISIONS.items() if re.search(verb, statement, re.IGNORECASE)), None)
    if decision is None:
        return "", set()
    aim = _unit(vectors.of([statement, antecedent] if antecedent else [statement]).sum(axis=0, keepdims=True))[0]
    by_doc: dict[int, tuple[float, str]] = {}
    for doc, unit in items:
        if statement_like(unit) and not legal_form(unit) and re.search(decision, unit, re.IGNORECASE):
            score = float(_unit(vectors.of([unit]))[0] @ aim)
            if score >= PARAPHRASE_COSINE and score > by_doc.get(doc, (-1.0, ""))[0]:
                by_doc[doc] = (score, unit)
    close = list(dict.fromkeys(u for _, u in by_doc.values()))
    if len(by_doc) < MIN_ARTICLES:
        return "", set()
    rows = _unit(vectors.of(close))
    return close[int(np.argmax(rows @ rows.mean(axis=0)))], set(close)


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _assign(statements: dict[str, str], items: list[tuple[int, str]], vectors,
            worded: dict[str, str]) -> tuple[np.ndarray, list[list[int]]]:
    """(statement × report cosines, the reports each statement gets): every report goes to
    its best statement only, a clause winning over its whole sentence by CLAUSE_MARGIN."""
    source = list(statements)
    sims = vectors.centred(source) @ vectors.centred([s for _, s in items]).T
    handicap = np.array([CLAUSE_MARGIN if statements[s] != s and s not in worded else 0.0 for s in source])
    best = (sims - handicap[:, None]).argmax(axis=0)
    score = sims[best, np.arange(len(items))]
    return sims, [list(np.flatnonzero((best == i) & (score >= SUPPORT_COSINE))) for i in range(len(source))]


def _centre(vectors, texts: list[str]) -> np.ndarray:
    mean = vectors.centred(texts).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def _aim(vectors, statement: str, centre: np.ndarray) -> np.ndarray:
    """Halfway between the statement and what its reports share: prototypes that say the
    statement the way most reports do (a report that only shares the topic is left out)."""
    aim = vectors.centred([statement])[0] + centre
    return aim / max(float(np.linalg.norm(aim)), 1e-12)


def _same_fact(vectors, a: str, b: str, centre_a: np.ndarray, centre_b: np.ndarray) -> bool:
    """Near-identical statements, or reports that read the same (a clause and its sentence)."""
    pair = vectors.centred([a, b])
    return float(pair[0] @ pair[1]) >= DISTINCT_COSINE or float(centre_a @ centre_b) >= DISTINCT_COSINE


def _typical(rows: list[int], items: list[tuple[int, str]], vectors, centre: np.ndarray, limit: int = 3) -> list[str]:
    """The reports closest to `centre`, from different articles, no two the same sentence."""
    ranked = sorted(rows, key=lambda j: (-float(vectors.centred([items[j][1]])[0] @ centre), j))
    out, docs, keys = [], set(), set()
    for j in ranked:
        doc, text = items[j]
        if len(out) < limit and doc not in docs and sentence_key(text) not in keys:
            out.append(text)
            docs.add(doc)
            keys.add(sentence_key(text))
    return out
