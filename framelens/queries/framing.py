"""How outlets frame the story: features, frames, stance, descriptors, omissions."""

from __future__ import annotations

import pandas as pd

from .model import OUTLET_KEYS, SIDES, Filters, StoryData, _lean_sort, _with_articles, select_articles
from .uncertainty import Rule, one_sided_verdict, wilson_interval

EVIDENCE_PER_CELL = 5

# ---- features, frames, stance, descriptors --------------------------------------------------

def _share_table(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Weighted present/evaluated counts and the share, with evidence from present rows."""
    ev = long[long["present"].notna()].copy()
    ev["hit"] = ev["present"].astype(bool)
    ev["hits"] = ev["weight"] * ev["hit"]
    g = ev.groupby(keys, dropna=False)
    out = g.agg(present=("hits", "sum"), articles=("weight", "sum"), present_n=("hit", "sum"),
                articles_n=("hit", "size")).reset_index()
    # No evaluated article (all in another language): the share is unknown, not 0 %.
    out["share"] = (out["present"] / out["articles"]).where(out["articles"] > 0)
    evidence = ev[ev["hit"]].groupby(keys, dropna=False)["evidence"].agg(_first_evidence)
    return out.merge(evidence.rename("evidence").reset_index(), on=keys, how="left").assign(
        evidence=lambda d: d["evidence"].apply(lambda v: v if isinstance(v, list) else []))


def _first_evidence(lists: pd.Series) -> list[str]:
    seen: list[str] = []
    for sentences in lists:
        for s in sentences:
            if s not in seen:
                seen.append(s)
            if len(seen) >= EVIDENCE_PER_CELL:
                return seen
    return seen


def _labelled(df: pd.DataFrame, data: StoryData, kind: str) -> pd.DataFrame:
    order = {i.id: n for n, i in enumerate(getattr(data.info, kind) if kind != "descriptors"
                                            else data.info.descriptors_flat())}
    df = df.assign(label=df["item"].map(lambda i: data.info.label(kind, i)),
                   _order=df["item"].map(lambda i: order.get(i, len(order))))
    return df


def feature_matrix(data: StoryData, f: Filters) -> pd.DataFrame:
    """Outlet x feature: weighted counts, share of evaluated articles, evidence sentences."""
    long = _with_articles(data.features, select_articles(data, f))
    out = _labelled(_share_table(long, [*OUTLET_KEYS, "item"]), data, "features")
    return _lean_sort(out, ["outlet", "_order"]).drop(columns="_order").rename(columns={"item": "feature"})


def prevalence_by_lean(data: StoryData, f: Filters, rule: Rule | None = None) -> pd.DataFrame:
    """Lean x feature: how many articles (weighted) use each feature, the share and its
    Wilson interval (`ci_low`, `ci_high`; uncertainty.py)."""
    long = _with_articles(data.features, select_articles(data, f))
    out = with_intervals(_labelled(_share_table(long, ["lean", "item"]), data, "features"), rule)
    return _lean_sort(out, ["_order"]).drop(columns="_order").rename(columns={"item": "feature"})


def with_intervals(table: pd.DataFrame, rule: Rule | None = None, prefix: str = "") -> pd.DataFrame:
    """`table` plus the Wilson interval of each row's `{prefix}present` / `{prefix}articles`."""
    level = (rule or Rule.from_settings()).level
    bounds = [wilson_interval(k, n, level) for k, n in zip(table[f"{prefix}present"], table[f"{prefix}articles"])]
    return table.assign(**{f"{prefix}ci_low": [b[0] for b in bounds], f"{prefix}ci_high": [b[1] for b in bounds]})


def feature_evidence(data: StoryData, f: Filters, domain: str | None, feature: str | None) -> pd.DataFrame:
    """Every evidence sentence for one outlet (or all) and one feature (or all)."""
    sel = select_articles(data, f)
    long = _with_articles(data.features, sel, (*OUTLET_KEYS, "title", "url", "published"))
    long = long[long["present"].fillna(False).astype(bool)]
    if domain:
        long = long[long["domain"] == domain]
    if feature:
        long = long[long["item"] == feature]
    rows = long.explode("evidence").dropna(subset=["evidence"])
    rows = rows.assign(label=rows["item"].map(lambda i: data.info.label("features", i)))
    cols = ["outlet", "lean", "label", "evidence", "title", "url", "published", "article_id", "lean_rater",
            "lean_as_of"]
    return rows.rename(columns={"evidence": "sentence"})[[c if c != "evidence" else "sentence" for c in cols]
                                                        ].reset_index(drop=True)


def _evaluated(data: StoryData, f: Filters) -> pd.DataFrame:
    """The selected articles the story's detectors could read (not another language)."""
    sel = select_articles(data, f)
    return sel.loc[sel["analysed"].astype(bool) & sel["evaluated"].astype(bool)]


def not_evaluated(data: StoryData, f: Filters) -> dict[str, int]:
    """Selected, analysed articles the detectors could not read, by language (the pages
    that leave them out say so)."""
    sel = select_articles(data, f)
    out = sel.loc[sel["analysed"].astype(bool) & ~sel["evaluated"].astype(bool), "language"]
    return {str(lang): int(n) for lang, n in out.value_counts().sort_index().items()}


def frames_by_outlet(data: StoryData, f: Filters) -> pd.DataFrame:
    """Outlet x frame: mean frame score and the weighted share of articles with it as primary."""
    sel = _evaluated(data, f)
    long = _with_articles(data.frames, sel)
    primary = sel.set_index("id")["primary_frame"]
    long = long.assign(is_primary=(long["article_id"].map(primary) == long["item"]).astype(float))
    long = long.assign(w_score=long["score"] * long["weight"], w_primary=long["is_primary"] * long["weight"])
    g = long.groupby([*OUTLET_KEYS, "item"]).agg(
        score=("w_score", "sum"), primary=("w_primary", "sum"), articles=("weight", "sum")).reset_index()
    g["mean_score"] = g["score"] / g["articles"]
    g["primary_share"] = g["primary"] / g["articles"]
    out = _labelled(g.drop(columns="score"), data, "frames")
    return _lean_sort(out, ["outlet", "_order"]).drop(columns="_order").rename(columns={"item": "frame"})


def primary_frames_by_lean(data: StoryData, f: Filters) -> pd.DataFrame:
    sel = _evaluated(data, f).dropna(subset=["primary_frame"])
    out = sel.groupby(["lean", "primary_frame"]).agg(articles=("weight", "sum")).reset_index()
    out["share"] = out["articles"] / out.groupby("lean")["articles"].transform("sum")
    out = _labelled(out.rename(columns={"primary_frame": "item"}), data, "frames")
    return _lean_sort(out, ["_order"]).drop(columns="_order").rename(columns={"item": "frame"})


def stance_by_lean(data: StoryData, f: Filters) -> pd.DataFrame:
    """Lean x stance label: weighted article counts and shares."""
    sel = _evaluated(data, f).dropna(subset=["stance"])
    out = sel.groupby(["lean", "stance"]).agg(articles=("weight", "sum")).reset_index()
    out["share"] = out["articles"] / out.groupby("lean")["articles"].transform("sum")
    return _lean_sort(out, ["stance"])


def descriptors_by_outlet(data: StoryData, f: Filters) -> pd.DataFrame:
    """Outlet x (actor, descriptor): weighted articles using it, share of the outlet's articles."""
    sel = _evaluated(data, f)
    base = sel.groupby(OUTLET_KEYS).agg(articles=("weight", "sum")).reset_index()
    long = _with_articles(data.descriptors, sel)
    g = long.groupby([*OUTLET_KEYS, "actor", "item"])
    counts = g.agg(present=("weight", "sum"), evidence=("evidence", _first_evidence)).reset_index()
    items = pd.DataFrame([(a, i.id) for a, its in data.info.descriptors.items() for i in its]
                         + list(zip(long["actor"], long["item"])), columns=["actor", "item"]).drop_duplicates()
    # Every outlet x descriptor, zeros included, so the matrix shows who never uses a word.
    out = base.merge(items, how="cross").merge(counts, on=[*OUTLET_KEYS, "actor", "item"], how="left")
    out["present"] = out["present"].fillna(0.0)
    out["evidence"] = out["evidence"].apply(lambda v: v if isinstance(v, list) else [])
    out["share"] = out["present"] / out["articles"]
    out["actor_label"] = out["actor"].map(lambda a: data.info.actors.get(a, a))
    out = _labelled(out, data, "descriptors")
    return _lean_sort(out, ["outlet", "actor", "_order"]).drop(columns="_order").rename(columns={"item": "descriptor"})


# ---- omissions --------------------------------------------------------------------------------

def _omission_long(data: StoryData, sel: pd.DataFrame) -> pd.DataFrame:
    """Key facts and talking points, one row per (article, item).

    Talking points are found among original articles only; a syndicated copy makes the
    points its group makes. Articles in another language are 'not evaluated' (None).
    """
    facts = data.key_facts.assign(type="key fact")[["article_id", "item", "present", "evidence", "type"]]
    points = data.results.get("talking_points") or []
    analysed = sel.loc[sel["analysed"].astype(bool)]
    group_of = {a: g for a, g in zip(analysed["id"], analysed["syndication_group"]) if isinstance(g, str) and g}
    evaluated = dict(zip(analysed["id"], analysed["evaluated"].astype(bool)))
    rows = []
    for tp in points:
        members = set(tp.get("article_ids") or [])
        groups = {group_of[m] for m in members if m in group_of}
        for aid in analysed["id"]:
            makes = aid in members or group_of.get(aid) in groups
            rows.append({"article_id": aid, "item": f"tp:{tp.get('id')}",
                         "present": makes if evaluated[aid] else None,
                         "evidence": [tp.get("sentence")] if makes and tp.get("sentence") else [],
                         "type": "talking point"})
    long = pd.concat([facts, pd.DataFrame(rows, columns=facts.columns)], ignore_index=True)
    return _with_articles(long, sel)


def _omission_labels(data: StoryData) -> dict[str, str]:
    labels = {i.id: i.label for i in data.info.key_facts}
    for tp in data.results.get("talking_points") or []:
        labels[f"tp:{tp.get('id')}"] = tp.get("label") or tp.get("sentence") or str(tp.get("id"))
    return labels


def omission_matrix(data: StoryData, f: Filters) -> pd.DataFrame:
    """Outlet x (key fact | talking point): weighted count and share of articles reporting it."""
    long = _omission_long(data, select_articles(data, f))
    out = _share_table(long, [*OUTLET_KEYS, "type", "item"])
    labels = _omission_labels(data)
    order = {k: n for n, k in enumerate(labels)}
    out = out.assign(label=out["item"].map(lambda i: labels.get(i, i)),
                     _order=out["item"].map(lambda i: order.get(i, len(order))))
    return _lean_sort(out, ["outlet", "_order"]).drop(columns="_order")


def one_sided_items(data: StoryData, f: Filters, rule: Rule | None = None) -> pd.DataFrame:
    """Per item: share, count and interval on the left and on the right, and the verdict of the
    one-sidedness rule (uncertainty.py): 'left only', 'right only', 'too few articles to tell',
    'could be chance' or ''; `one_sided` is true for the first two only."""
    rule = rule or Rule.from_settings()
    long = _omission_long(data, select_articles(data, f))
    side = {lean: s for s, leans in SIDES.items() for lean in leans}
    long = long.assign(side=long["lean"].map(side)).dropna(subset=["side"])
    cols = ["type", "item", "label", "left_share", "left_present", "left_articles", "left_ci_low", "left_ci_high",
            "right_share", "right_present", "right_articles", "right_ci_low", "right_ci_high",
            "gap", "p_value", "verdict", "one_sided", "reported_by"]
    if long.empty:
        return pd.DataFrame(columns=cols)
    t = _by_side(long, rule)
    t["gap"] = (t["left_share"] - t["right_share"]).abs()
    verdicts = [one_sided_verdict(lp, ln, rp, rn, rule) for lp, ln, rp, rn in
                zip(t["left_present"], t["left_articles"], t["right_present"], t["right_articles"])]
    t["verdict"], t["p_value"] = [v for v, _ in verdicts], [p for _, p in verdicts]
    t["one_sided"] = t["verdict"].isin(["left only", "right only"])
    t["reported_by"] = t["verdict"].where(t["one_sided"], "")
    labels = _omission_labels(data)
    t["label"] = t["item"].map(lambda i: labels.get(i, i))
    rank = t["verdict"].map({"left only": 0, "right only": 0, "too few articles to tell": 1, "could be chance": 2})
    t = t.assign(_rank=rank.fillna(3)).sort_values(["_rank", "gap"], ascending=[True, False])
    return t[cols].reset_index(drop=True)


def _by_side(long: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """One row per item: present, articles, share and interval on the left and on the right."""
    t = _share_table(long, ["type", "item", "side"]).pivot_table(
        index=["type", "item"], columns="side", values=["share", "articles", "present"], aggfunc="first")
    t.columns = [f"{s}_{v}" for v, s in t.columns]
    t = t.reset_index()
    for side in ("left", "right"):
        for v in ("share", "articles", "present"):
            t[f"{side}_{v}"] = t[f"{side}_{v}"] if f"{side}_{v}" in t else float("nan")
        t = with_intervals(t.fillna({f"{side}_articles": 0.0, f"{side}_present": 0.0}), rule, f"{side}_")
    return t
