"""Who covered the story and how: counts, timeline, headlines, quotes, words, health."""

from __future__ import annotations

import pandas as pd

from ..store import Store
from .model import (FIDELITY_ORDER, LEAN_ORDER, OUTLET_KEYS, Filters, StoryData, _lean_sort, _with_articles,
                    article_texts, select_articles)

# ---- overview ----------------------------------------------------------------------------------

def articles_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """One row per selected article, newest first, for the article list and export."""
    sel = select_articles(data, f)
    cols = ["id", "published", "outlet", "domain", "lean", "lean_rater", "lean_as_of", "found_on", "kind", "title",
            "url", "language",
            "syndication_group", "syndication_original", "weight", "genre", "primary_frame", "stance", "cluster"]
    return sel[cols].sort_values(["published", "id"], ascending=False, na_position="last").reset_index(drop=True)


UNRATED_REASONS = {
    "unknown": "domain not in the outlet registry",
    "no_rating": "registered outlet that no rater rates",
    "aggregator": "aggregator or content-farm page that credits no known outlet (often spun copy)",
    "other_rater": "rated, but not by the chosen rater",
}


def unrated_reasons(data: StoryData, f: Filters) -> pd.DataFrame:
    """Why the selected unrated articles have no lean: one row per reason with the article
    count and the outlets (most articles first)."""
    sel = select_articles(data, f)
    sel = sel[sel["lean"] == "unrated"]
    reason = sel.apply(lambda r: _unrated_reason(data, r), axis=1) if len(sel) else pd.Series([], dtype=str)
    rows = []
    for key, part in sel.assign(reason=reason).groupby("reason", sort=False):
        outlets = part["domain"].value_counts()
        rows.append({"reason": UNRATED_REASONS[key], "articles": len(part),
                     "outlets": ", ".join(f"{d} ({n})" if n > 1 else d for d, n in outlets.items())})
    out = pd.DataFrame(rows, columns=["reason", "articles", "outlets"])
    return out.sort_values("articles", ascending=False, kind="stable").reset_index(drop=True)


def _unrated_reason(data: StoryData, row) -> str:
    if row["domain"] not in data.ratings:
        return "unknown"
    if data.ratings[row["domain"]]:
        return "other_rater"
    return "aggregator" if row["kind"] == "aggregator" else "no_rating"


def _count_columns(sel: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    copy = sel["syndication_group"].notna() & ~sel["syndication_original"]
    grouped = sel.assign(copies=copy.astype(int), n=1).groupby(keys, dropna=False)
    out = grouped.agg(articles=("n", "sum"), copies=("copies", "sum"), weighted=("weight", "sum")).reset_index()
    out["independent"] = out["articles"] - out["copies"]
    return out[[*keys, "articles", "independent", "copies", "weighted"]]


def counts_by_lean(data: StoryData, f: Filters) -> pd.DataFrame:
    """Articles per lean: all, independent, syndicated copies, and the weighted count."""
    return _lean_sort(_count_columns(select_articles(data, f), ["lean"]))


def counts_by_outlet(data: StoryData, f: Filters) -> pd.DataFrame:
    out = _count_columns(select_articles(data, f), ["outlet", "domain", "lean", "kind", "lean_rater", "lean_as_of"])
    return _lean_sort(out.assign(_neg=-out["articles"]), ["_neg", "outlet"]).drop(columns="_neg")


def timeline(data: StoryData, f: Filters) -> pd.DataFrame:
    """Weighted articles per publication day and lean (undated articles left out)."""
    sel = select_articles(data, f).dropna(subset=["published"])
    sel = sel.assign(day=sel["published"].dt.strftime("%Y-%m-%d"))
    out = sel.groupby(["day", "lean"]).agg(articles=("weight", "sum")).reset_index()
    return _lean_sort(out, ["day"]).sort_values(["day"], kind="stable").reset_index(drop=True)


def headlines(data: StoryData, f: Filters) -> pd.DataFrame:
    """Headlines by lean and outlet, one per article (copies shown once when excluded)."""
    sel = select_articles(data, f)
    return _lean_sort(sel[["lean", "outlet", "title", "published", "url", "id", "syndication_group"]],
                      ["outlet", "published"])


# ---- quotes ---------------------------------------------------------------------------------

def quotes_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """Every quote in the selected articles with its fidelity to the primary source."""
    long = _with_articles(data.quotes, select_articles(data, f), (*OUTLET_KEYS, "title", "url"))
    rank = {k: i for i, k in enumerate(FIDELITY_ORDER)}
    long = long.assign(_f=long["fidelity"].map(rank).fillna(len(rank)))
    out = _lean_sort(long, ["_f", "outlet"]).drop(columns="_f")
    return out[["outlet", "lean", "fidelity", "text", "source_passage", "similarity", "title", "url", "article_id",
                "lean_rater", "lean_as_of"]]


def altered_quotes(data: StoryData, f: Filters) -> pd.DataFrame:
    q = quotes_table(data, f)
    return q[q["fidelity"] == "altered"].reset_index(drop=True)


def quote_passages(data: StoryData, f: Filters) -> pd.DataFrame:
    """Each primary-source passage with how many selected articles quoted it, by lean."""
    payload = data.results.get("quote_passages") or {}
    sel = select_articles(data, f).set_index("id")
    rows = []
    for p in payload.get("passages") or []:
        for q in p.get("quoted_by") or []:
            aid = q.get("article_id")
            if aid in sel.index:
                rows.append({"index": p.get("index"), "passage": p.get("text") or "", "lean": sel.at[aid, "lean"],
                             "fidelity": q.get("fidelity"), "weight": sel.at[aid, "weight"], "article_id": aid})
    cols = ["index", "passage", "lean", "quoted_by", "exact", "close", "altered"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    for fid in ("exact", "close", "altered"):
        df[fid] = df["weight"] * (df["fidelity"] == fid)
    out = df.groupby(["index", "passage", "lean"]).agg(
        quoted_by=("weight", "sum"), exact=("exact", "sum"), close=("close", "sum"),
        altered=("altered", "sum")).reset_index()
    return _lean_sort(out, ["index"]).sort_values("index", kind="stable").reset_index(drop=True)[cols]


def source_passages(data: StoryData) -> pd.DataFrame:
    """All passages of the primary source in order (quoted or not)."""
    payload = data.results.get("quote_passages") or {}
    rows = [{"index": p.get("index"), "passage": p.get("text") or ""} for p in payload.get("passages") or []]
    return pd.DataFrame(rows, columns=["index", "passage"])


# ---- words ----------------------------------------------------------------------------------

def word_groups(tables: dict) -> dict[str, list[str]]:
    """Group type ('lean', 'kind') -> the groups with term counts, in a `term_counts` payload."""
    rank = {lean: i for i, lean in enumerate(LEAN_ORDER)}
    return {kind: sorted(groups, key=lambda g: (rank.get(g, len(rank)), g)) for kind, groups in (tables or {}).items()
            if kind != "doc_counts" and isinstance(groups, dict) and groups}


def merged_term_counts(tables: dict, group_type: str, groups: list[str]) -> dict[str, int]:
    """Term counts of several groups added together (e.g. left + lean-left)."""
    counts = (tables or {}).get(group_type) or {}
    total: dict[str, int] = {}
    for g in groups:
        for term, n in (counts.get(g) or {}).items():
            total[term] = total.get(term, 0) + int(n)
    return total


def words_filters(f: Filters) -> Filters | None:
    """The filters that narrow the Words page, or None when none does (the analysis's own
    counts then serve). Word counts always take each syndicated story once, so the
    syndication choice alone changes nothing."""
    if not (f.start or f.end or f.leans or f.kinds or f.languages or f.rater):
        return None
    return Filters(start=f.start, end=f.end, leans=f.leans, kinds=f.kinds, languages=f.languages,
                   syndication="exclude", rater=f.rater)


def word_articles(store: Store, data: StoryData, f: Filters) -> list[dict]:
    """The analysed articles the Words page counts under `f` (originals of syndicated
    stories only, as the analysis counts them), with title, text, lean and kind."""
    sel = select_articles(data, words_filters(f) or Filters(syndication="exclude"))
    sel = sel.loc[sel["analysed"].astype(bool) & sel["evaluated"].astype(bool)]
    texts = article_texts(store, [int(i) for i in sel["id"]])
    return [{"id": int(r.id), "title": r.title or "", "text": texts.get(int(r.id)) or "", "lean": r.lean,
             "kind": r.kind} for r in sel.itertuples()]


def lean_ratings(data: StoryData, f: Filters) -> pd.DataFrame:
    """Per lean: whose rating (rater, as of) puts the selected analysed articles there, and how many."""
    sel = select_articles(data, f)
    sel = sel.loc[sel["analysed"].astype(bool) & (sel["lean"] != "unrated")]
    out = sel.groupby(["lean", "lean_rater", "lean_as_of"]).size().reset_index(name="articles")
    return _lean_sort(out, ["lean_rater", "lean_as_of"])


def describe_lean_group(ratings: pd.DataFrame, leans: list[str]) -> str:
    """'left: Rater One, as of 2024-03 (3 articles)' for each lean of a Words-page group (plain text)."""
    parts = []
    for lean in leans:
        rows = ratings[ratings["lean"] == lean]
        who = "; ".join(f"{r}, as of {d or 'undated'} ({n} article{'' if n == 1 else 's'})"
                        for r, d, n in zip(rows["lean_rater"], rows["lean_as_of"], rows["articles"]))
        parts.append(f"{lean}: {who}" if who else f"{lean}: no rating")
    return " · ".join(parts)


def words_left_right(data: StoryData) -> pd.DataFrame:
    rows = data.results.get("words_left_right") or []
    return pd.DataFrame(rows, columns=["term", "z", "delta", "count_a", "count_b", "stable"])


# ---- provenance and collection health -----------------------------------------------------------

def provenance(data: StoryData) -> dict:
    return dict(data.results.get("provenance") or {})


def collection_runs(store: Store, story_id: str, limit: int = 20) -> pd.DataFrame:
    """Recent runs for the story with their outcome counts."""
    rows = []
    for run in store.recent_runs(limit=limit, story_id=story_id):
        summary = run.get("summary") if isinstance(run.get("summary"), dict) else {}
        counts = pd.Series([f["status"] for f in store.run_fetches(run["id"])]).value_counts()
        rows.append({"run": run["id"], "kind": run["kind"], "status": run["status"], "started": run["started"],
                     "finished": run["finished"], "sources": run.get("sources") or "",
                     **{s: int(counts.get(s, 0)) for s in ("new", "duplicate", "irrelevant", "failed", "skipped")},
                     "summary": ", ".join(f"{k}: {v}" for k, v in summary.items() if not isinstance(v, (dict, list)))})
    return pd.DataFrame(rows, columns=["run", "kind", "status", "started", "finished", "sources", "new", "duplicate",
                                       "irrelevant", "failed", "skipped", "summary"])


def fetch_failures(store: Store, story_id: str, limit: int = 20) -> pd.DataFrame:
    """Failed fetches of the recent runs, per outlet and reason."""
    rows = [f for run in store.recent_runs(limit=limit, story_id=story_id)
            for f in store.run_fetches(run["id"]) if f["status"] == "failed"]
    if not rows:
        return pd.DataFrame(columns=["outlet", "reason", "failures", "last_url"])
    df = pd.DataFrame(rows)
    return (df.groupby(["outlet", "reason"]).agg(failures=("id", "count"), last_url=("url", "last"))
            .reset_index().sort_values("failures", ascending=False).reset_index(drop=True))


def sources_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """Where the selected articles came from (collector source and extractor)."""
    sel = select_articles(data, f)
    return sel.groupby(["source", "extractor"]).agg(articles=("id", "count")).reset_index().sort_values(
        "articles", ascending=False).reset_index(drop=True)
