"""Read-only tables for the dashboard pages and the exporter.

`load_story_data(store, story_id)` reads a story's articles and analysis results once
(the store is opened read-only by the caller). Every other function is pure:
`(StoryData, Filters) -> pandas.DataFrame`. The filters (dates, leans, outlet kinds,
languages, syndicated copies) are applied in exactly one place, `select_articles`.

Counts are weighted: with `Filters.syndication == "deweight"` each copy of a syndicated
story counts 1/group size, so a wire story run by twenty sites counts once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .store import Store
from .stories import ConfigError, Story, load_story

LEAN_ORDER = ("left", "lean-left", "center", "lean-right", "right", "unrated")
SIDES = {"left": ("left", "lean-left"), "right": ("lean-right", "right")}
SYNDICATION_MODES = ("include", "exclude", "deweight")
FIDELITY_ORDER = ("exact", "close", "altered", "not_in_source")
EVIDENCE_PER_CELL = 5
ONE_SIDED_MAJORITY, ONE_SIDED_ABSENT = 0.5, 0.1


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the story to; empty tuples mean 'all'."""

    start: dt.date | None = None
    end: dt.date | None = None
    leans: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    syndication: str = "include"  # include | exclude (originals only) | deweight (1/group size)

    def key(self) -> tuple:
        """A hashable, order-independent key for caches."""
        return (self.start, self.end, tuple(sorted(self.leans)), tuple(sorted(self.kinds)),
                tuple(sorted(self.languages)), self.syndication)


@dataclass
class Item:
    """A story-defined detector as the pages show it."""

    id: str
    label: str
    description: str = ""


@dataclass
class StoryInfo:
    """What the pages need from the story file (or stand-ins when the file is missing)."""

    id: str
    title: str
    description: str = ""
    demo: bool = False
    start: dt.date | None = None
    end: dt.date | None = None
    file_hash: str = ""
    features: list[Item] = field(default_factory=list)
    frames: list[Item] = field(default_factory=list)
    key_facts: list[Item] = field(default_factory=list)
    stance_target: str = ""
    actors: dict[str, str] = field(default_factory=dict)
    descriptors: dict[str, list[Item]] = field(default_factory=dict)
    primary_title: str = ""
    problem: str = ""  # why the story file could not be read, if it could not

    def label(self, kind: str, item_id: str) -> str:
        items = self.descriptors_flat() if kind == "descriptors" else getattr(self, kind)
        return next((i.label for i in items if i.id == item_id), item_id)

    def descriptors_flat(self) -> list[Item]:
        return [i for items in self.descriptors.values() for i in items]


def _items(detectors) -> list[Item]:
    return [Item(d.id, d.label or d.id, d.description or d.statement) for d in detectors]


def info_from_story(story: Story) -> StoryInfo:
    return StoryInfo(
        id=story.id, title=story.title, description=story.description, demo=story.demo,
        start=story.start, end=story.end, file_hash=story.file_hash,
        features=_items(story.features), frames=_items(story.frames), key_facts=_items(story.key_facts),
        stance_target=story.stance_target, actors={a.id: a.label for a in story.actors.values()},
        descriptors={actor: _items(dets) for actor, dets in story.descriptors.items()},
        primary_title=story.primary_source.title if story.primary_source else "")


def story_info(story_id: str) -> StoryInfo:
    """The story's file when it loads; a bare stand-in naming the problem when it does not."""
    try:
        return info_from_story(load_story(story_id))
    except ConfigError as exc:
        return StoryInfo(id=story_id, title=story_id, problem=str(exc))


@dataclass
class StoryData:
    """One story's articles and results, flattened into long tables (read once, then shared)."""

    info: StoryInfo
    articles: pd.DataFrame      # one row per article (role 'article')
    primary: pd.DataFrame       # the primary source document(s)
    features: pd.DataFrame      # article_id, item, present, score, evidence
    key_facts: pd.DataFrame     # article_id, item, present, evidence
    frames: pd.DataFrame        # article_id, item, score
    descriptors: pd.DataFrame   # article_id, actor, item, evidence
    quotes: pd.DataFrame        # article_id, text, fidelity, source_passage, similarity
    results: dict[str, Any]     # story-level payloads by name

    @property
    def analysed(self) -> bool:
        return bool(self.results) or not self.features.empty


# ---- loading ----------------------------------------------------------------------------

ARTICLE_COLUMNS = ["id", "url", "domain", "outlet", "lean", "kind", "title", "published", "language",
                   "syndication_group", "syndication_original", "group_size", "primary_frame", "stance",
                   "stance_score", "cluster", "x", "y", "evaluated", "analysed", "extractor", "source",
                   "content_hash", "credit"]


def results_stamp(store: Store, story_id: str | None = None) -> str:
    """Changes whenever the story's (or, without a story, any) articles, results or runs change."""
    import sqlalchemy as sa

    from .schema import articles, runs, story_results

    computed_q = sa.select(sa.func.max(story_results.c.computed))
    count_q = sa.select(sa.func.count(), sa.func.max(articles.c.id))
    if story_id is not None:
        computed_q = computed_q.where(story_results.c.story_id == story_id)
        count_q = count_q.where(articles.c.story_id == story_id)
    with store.engine.connect() as conn:
        computed = conn.execute(computed_q).scalar()
        count, top = conn.execute(count_q).one()
        run = conn.execute(sa.select(sa.func.max(runs.c.id))).scalar()
    return f"{computed}|{count}|{top}|{run}"


def load_story_data(store: Store, story_id: str, info: StoryInfo | None = None) -> StoryData:
    """Read a story's articles, outlets and analysis results from the store."""
    info = info or story_info(story_id)
    outlets = {o["domain"]: o for o in store.outlet_rows()}
    payloads = store.article_results(story_id)
    rows = store.articles(story_id, with_text=False)
    arts = [r for r in rows if r["role"] != "primary_source"]
    primary = pd.DataFrame([{k: r.get(k) for k in ("id", "url", "title", "published")}
                            for r in rows if r["role"] == "primary_source"],
                           columns=["id", "url", "title", "published"])
    return StoryData(
        info=info, articles=_articles_frame(arts, outlets, payloads), primary=primary,
        features=_detector_frame(payloads, "features", with_score=True),
        key_facts=_detector_frame(payloads, "key_facts", with_score=False),
        frames=_frame_scores(payloads), descriptors=_descriptor_frame(payloads),
        quotes=_quote_frame(payloads), results=store.story_results(story_id))


def _article_row(row: dict, outlet: dict, p: dict) -> dict:
    frame, stance = p.get("frame") or {}, p.get("stance") or {}
    return {
        "id": row["id"], "url": row["url"], "domain": row["domain"],
        "outlet": outlet.get("name") or row["domain"], "lean": outlet.get("lean") or "unrated",
        "kind": outlet.get("kind") or "unknown", "title": row.get("title") or "",
        "published": row.get("published"),
        "language": p.get("language") or row.get("language") or "unknown",
        "syndication_group": p.get("syndication_group"),
        "syndication_original": bool(p.get("syndication_original", True)),
        "primary_frame": frame.get("primary"), "stance": stance.get("label"),
        "stance_score": stance.get("score"), "cluster": p.get("cluster"),
        "x": p.get("x"), "y": p.get("y"), "evaluated": bool(p.get("evaluated", bool(p))),
        "analysed": bool(p), "extractor": row.get("extractor") or "", "source": row.get("source") or "",
        "content_hash": row.get("content_hash") or "", "credit": row.get("credit") or ""}


def _articles_frame(rows: list[dict], outlets: dict, payloads: dict) -> pd.DataFrame:
    df = pd.DataFrame([_article_row(r, outlets.get(r["domain"], {}), payloads.get(r["id"]) or {})
                       for r in rows], columns=[c for c in ARTICLE_COLUMNS if c != "group_size"])
    df["published"] = pd.to_datetime(df["published"], utc=True)
    sizes = df.groupby("syndication_group")["id"].transform("count")
    df["group_size"] = sizes.where(df["syndication_group"].notna(), 1).fillna(1).astype(int)
    # An article whose group's original was filtered out still counts as a copy, never as two.
    return df[ARTICLE_COLUMNS]


def _detector_frame(payloads: dict, key: str, with_score: bool) -> pd.DataFrame:
    out = []
    for aid, p in payloads.items():
        for item, v in ((p or {}).get(key) or {}).items():
            v = v or {}
            row = {"article_id": aid, "item": item, "present": v.get("present"),
                   "evidence": list(v.get("evidence") or [])}
            if with_score:
                row["score"] = v.get("score")
            out.append(row)
    cols = ["article_id", "item", "present", "evidence"] + (["score"] if with_score else [])
    return pd.DataFrame(out, columns=cols)


def _frame_scores(payloads: dict) -> pd.DataFrame:
    out = [{"article_id": aid, "item": item, "score": float(score or 0)}
           for aid, p in payloads.items()
           for item, score in (((p or {}).get("frame") or {}).get("scores") or {}).items()]
    return pd.DataFrame(out, columns=["article_id", "item", "score"])


def _descriptor_frame(payloads: dict) -> pd.DataFrame:
    out = []
    for aid, p in payloads.items():
        evidence = (p or {}).get("descriptor_evidence") or {}
        for actor, items in ((p or {}).get("descriptors") or {}).items():
            for item in items or []:
                out.append({"article_id": aid, "actor": actor, "item": item,
                            "evidence": list((evidence.get(actor) or {}).get(item) or [])})
    return pd.DataFrame(out, columns=["article_id", "actor", "item", "evidence"])


def _quote_frame(payloads: dict) -> pd.DataFrame:
    out = [{"article_id": aid, "text": q.get("text") or "", "fidelity": q.get("fidelity") or "not_in_source",
            "source_passage": q.get("source_passage"), "similarity": q.get("similarity")}
           for aid, p in payloads.items() for q in ((p or {}).get("quotes") or [])]
    return pd.DataFrame(out, columns=["article_id", "text", "fidelity", "source_passage", "similarity"])


# ---- the one place filters apply --------------------------------------------------------------

def select_articles(data: StoryData, f: Filters) -> pd.DataFrame:
    """The articles that pass the filters, with a `weight` column (1, or 1/group size)."""
    df = data.articles
    keep = pd.Series(True, index=df.index)
    if f.leans:
        keep &= df["lean"].isin(f.leans)
    if f.kinds:
        keep &= df["kind"].isin(f.kinds)
    if f.languages:
        keep &= df["language"].isin(f.languages)
    if f.start:
        keep &= df["published"] >= pd.Timestamp(f.start, tz="UTC")
    if f.end:
        keep &= df["published"] < pd.Timestamp(f.end + dt.timedelta(days=1), tz="UTC")
    if f.syndication == "exclude":
        keep &= df["syndication_group"].isna() | df["syndication_original"]
    out = df[keep].copy()
    out["weight"] = 1.0 / out["group_size"] if f.syndication == "deweight" else 1.0
    return out


def _with_articles(long: pd.DataFrame, sel: pd.DataFrame, cols=("outlet", "domain", "lean", "weight")) -> pd.DataFrame:
    return long.merge(sel[["id", *cols]], left_on="article_id", right_on="id").drop(columns="id")


def _lean_sort(df: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    rank = {lean: i for i, lean in enumerate(LEAN_ORDER)}
    df = df.assign(_rank=df["lean"].map(rank).fillna(len(rank)))
    return df.sort_values(["_rank", *(by or [])], kind="stable").drop(columns="_rank").reset_index(drop=True)


def leans_present(data: StoryData) -> list[str]:
    found = set(data.articles["lean"])
    return [lean for lean in LEAN_ORDER if lean in found] + sorted(found - set(LEAN_ORDER))


# ---- overview ----------------------------------------------------------------------------------

def articles_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """One row per selected article, newest first, for the article list and export."""
    sel = select_articles(data, f)
    cols = ["id", "published", "outlet", "domain", "lean", "kind", "title", "url", "language",
            "syndication_group", "syndication_original", "weight", "primary_frame", "stance", "cluster"]
    return sel[cols].sort_values(["published", "id"], ascending=False, na_position="last").reset_index(drop=True)


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
    out = _count_columns(select_articles(data, f), ["outlet", "domain", "lean", "kind"])
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


# ---- features, frames, stance, descriptors --------------------------------------------------

def _share_table(long: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Weighted present/evaluated counts and the share, with evidence from present rows."""
    ev = long[long["present"].notna()].copy()
    ev["hit"] = ev["present"].astype(bool)
    ev["hits"] = ev["weight"] * ev["hit"]
    g = ev.groupby(keys, dropna=False)
    out = g.agg(present=("hits", "sum"), articles=("weight", "sum"), present_n=("hit", "sum"),
                articles_n=("hit", "size")).reset_index()
    out["share"] = (out["present"] / out["articles"]).where(out["articles"] > 0, 0.0)
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
    out = _labelled(_share_table(long, ["outlet", "domain", "lean", "item"]), data, "features")
    return _lean_sort(out, ["outlet", "_order"]).drop(columns="_order").rename(columns={"item": "feature"})


def prevalence_by_lean(data: StoryData, f: Filters) -> pd.DataFrame:
    """Lean x feature: how many articles (weighted) use each feature, and the share."""
    long = _with_articles(data.features, select_articles(data, f))
    out = _labelled(_share_table(long, ["lean", "item"]), data, "features")
    return _lean_sort(out, ["_order"]).drop(columns="_order").rename(columns={"item": "feature"})


def feature_evidence(data: StoryData, f: Filters, domain: str | None, feature: str | None) -> pd.DataFrame:
    """Every evidence sentence for one outlet (or all) and one feature (or all)."""
    sel = select_articles(data, f)
    long = _with_articles(data.features, sel, ("outlet", "domain", "lean", "title", "url", "published"))
    long = long[long["present"].fillna(False).astype(bool)]
    if domain:
        long = long[long["domain"] == domain]
    if feature:
        long = long[long["item"] == feature]
    rows = long.explode("evidence").dropna(subset=["evidence"])
    rows = rows.assign(label=rows["item"].map(lambda i: data.info.label("features", i)))
    cols = ["outlet", "lean", "label", "evidence", "title", "url", "published", "article_id"]
    return rows.rename(columns={"evidence": "sentence"})[[c if c != "evidence" else "sentence" for c in cols]
                                                        ].reset_index(drop=True)


def frames_by_outlet(data: StoryData, f: Filters) -> pd.DataFrame:
    """Outlet x frame: mean frame score and the weighted share of articles with it as primary."""
    sel = select_articles(data, f)
    long = _with_articles(data.frames, sel)
    primary = sel.set_index("id")["primary_frame"]
    long = long.assign(is_primary=(long["article_id"].map(primary) == long["item"]).astype(float))
    long = long.assign(w_score=long["score"] * long["weight"], w_primary=long["is_primary"] * long["weight"])
    g = long.groupby(["outlet", "domain", "lean", "item"]).agg(
        score=("w_score", "sum"), primary=("w_primary", "sum"), articles=("weight", "sum")).reset_index()
    g["mean_score"] = g["score"] / g["articles"]
    g["primary_share"] = g["primary"] / g["articles"]
    out = _labelled(g.drop(columns="score"), data, "frames")
    return _lean_sort(out, ["outlet", "_order"]).drop(columns="_order").rename(columns={"item": "frame"})


def primary_frames_by_lean(data: StoryData, f: Filters) -> pd.DataFrame:
    sel = select_articles(data, f).dropna(subset=["primary_frame"])
    out = sel.groupby(["lean", "primary_frame"]).agg(articles=("weight", "sum")).reset_index()
    out["share"] = out["articles"] / out.groupby("lean")["articles"].transform("sum")
    out = _labelled(out.rename(columns={"primary_frame": "item"}), data, "frames")
    return _lean_sort(out, ["_order"]).drop(columns="_order").rename(columns={"item": "frame"})


def stance_by_lean(data: StoryData, f: Filters) -> pd.DataFrame:
    """Lean x stance label: weighted article counts and shares."""
    sel = select_articles(data, f).dropna(subset=["stance"])
    out = sel.groupby(["lean", "stance"]).agg(articles=("weight", "sum")).reset_index()
    out["share"] = out["articles"] / out.groupby("lean")["articles"].transform("sum")
    return _lean_sort(out, ["stance"])


def descriptors_by_outlet(data: StoryData, f: Filters) -> pd.DataFrame:
    """Outlet x (actor, descriptor): weighted articles using it, share of the outlet's articles."""
    sel = select_articles(data, f)
    base = sel.loc[sel["analysed"].astype(bool)].groupby(["outlet", "domain", "lean"]).agg(articles=("weight", "sum")).reset_index()
    long = _with_articles(data.descriptors, sel)
    g = long.groupby(["outlet", "domain", "lean", "actor", "item"])
    counts = g.agg(present=("weight", "sum"), evidence=("evidence", _first_evidence)).reset_index()
    items = pd.DataFrame([(a, i.id) for a, its in data.info.descriptors.items() for i in its]
                         + list(zip(long["actor"], long["item"])), columns=["actor", "item"]).drop_duplicates()
    # Every outlet x descriptor, zeros included, so the matrix shows who never uses a word.
    out = base.merge(items, how="cross").merge(counts, on=["outlet", "domain", "lean", "actor", "item"], how="left")
    out["present"] = out["present"].fillna(0.0)
    out["evidence"] = out["evidence"].apply(lambda v: v if isinstance(v, list) else [])
    out["share"] = out["present"] / out["articles"]
    out["actor_label"] = out["actor"].map(lambda a: data.info.actors.get(a, a))
    out = _labelled(out, data, "descriptors")
    return _lean_sort(out, ["outlet", "actor", "_order"]).drop(columns="_order").rename(columns={"item": "descriptor"})


# ---- omissions --------------------------------------------------------------------------------

def _omission_long(data: StoryData, sel: pd.DataFrame) -> pd.DataFrame:
    facts = data.key_facts.assign(type="key fact")[["article_id", "item", "present", "evidence", "type"]]
    points = data.results.get("talking_points") or []
    analysed = sel.loc[sel["analysed"].astype(bool), "id"]
    rows = [{"article_id": aid, "item": f"tp:{tp.get('id')}", "present": aid in members,
             "evidence": [tp.get("sentence")] if aid in members and tp.get("sentence") else [],
             "type": "talking point"}
            for tp in points for members in [set(tp.get("article_ids") or [])] for aid in analysed]
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
    out = _share_table(long, ["outlet", "domain", "lean", "type", "item"])
    labels = _omission_labels(data)
    order = {k: n for n, k in enumerate(labels)}
    out = out.assign(label=out["item"].map(lambda i: labels.get(i, i)),
                     _order=out["item"].map(lambda i: order.get(i, len(order))))
    return _lean_sort(out, ["outlet", "_order"]).drop(columns="_order")


def one_sided_items(data: StoryData, f: Filters) -> pd.DataFrame:
    """Per item: share on the left and on the right; flags 'most of one side, (almost) none of the other'."""
    long = _omission_long(data, select_articles(data, f))
    side = {lean: s for s, leans in SIDES.items() for lean in leans}
    long = long.assign(side=long["lean"].map(side)).dropna(subset=["side"])
    cols = ["type", "item", "label", "left_share", "left_articles", "right_share", "right_articles",
            "gap", "one_sided", "reported_by"]
    if long.empty:
        return pd.DataFrame(columns=cols)
    t = _share_table(long, ["type", "item", "side"]).pivot_table(
        index=["type", "item"], columns="side", values=["share", "articles"], aggfunc="first")
    t.columns = [f"{s}_{v}" for v, s in t.columns]
    t = t.reset_index()
    for col in ("left_share", "right_share", "left_articles", "right_articles"):
        t[col] = t[col] if col in t else float("nan")
    t["gap"] = (t["left_share"] - t["right_share"]).abs()
    t["one_sided"] = _one_sided(t)
    t["reported_by"] = t.apply(_majority_side, axis=1)
    labels = _omission_labels(data)
    t["label"] = t["item"].map(lambda i: labels.get(i, i))
    return t[cols].sort_values(["one_sided", "gap"], ascending=False).reset_index(drop=True)


def _one_sided(t: pd.DataFrame) -> pd.Series:
    left, right = t["left_share"], t["right_share"]
    both = left.notna() & right.notna()
    return both & (((left >= ONE_SIDED_MAJORITY) & (right <= ONE_SIDED_ABSENT))
                   | ((right >= ONE_SIDED_MAJORITY) & (left <= ONE_SIDED_ABSENT)))


def _majority_side(row) -> str:
    if not row["one_sided"]:
        return ""
    return "left only" if row["left_share"] > row["right_share"] else "right only"


# ---- quotes ---------------------------------------------------------------------------------

def quotes_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """Every quote in the selected articles with its fidelity to the primary source."""
    long = _with_articles(data.quotes, select_articles(data, f), ("outlet", "domain", "lean", "title", "url"))
    rank = {k: i for i, k in enumerate(FIDELITY_ORDER)}
    long = long.assign(_f=long["fidelity"].map(rank).fillna(len(rank)))
    out = _lean_sort(long, ["_f", "outlet"]).drop(columns="_f")
    return out[["outlet", "lean", "fidelity", "text", "source_passage", "similarity", "title", "url", "article_id"]]


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


# ---- clusters and the framing map ---------------------------------------------------------------

def map_points(data: StoryData, f: Filters) -> pd.DataFrame:
    sel = select_articles(data, f).dropna(subset=["x", "y"])
    labels = {c.get("id"): c.get("label") or f"cluster {c.get('id')}" for c in data.results.get("clusters") or []}
    sel = sel.assign(cluster_label=sel["cluster"].map(lambda c: labels.get(c, f"cluster {c}")))
    return sel[["id", "x", "y", "cluster", "cluster_label", "lean", "outlet", "title", "primary_frame", "stance"]
               ].reset_index(drop=True)


def clusters_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """Clusters with their label, terms, size (selected articles) and typical article."""
    sel = select_articles(data, f)
    by_id = data.articles.set_index("id")
    sizes = sel.groupby("cluster")["weight"].sum()
    rows = []
    for c in data.results.get("clusters") or []:
        typical = c.get("typical_article_id")
        known = typical in by_id.index
        rows.append({"cluster": c.get("id"), "label": c.get("label") or "", "terms": ", ".join(c.get("terms") or []),
                     "articles": float(sizes.get(c.get("id"), 0)), "size_all": c.get("size"),
                     "typical_outlet": by_id.at[typical, "outlet"] if known else "",
                     "typical_title": by_id.at[typical, "title"] if known else "",
                     "typical_url": by_id.at[typical, "url"] if known else ""})
    return pd.DataFrame(rows, columns=["cluster", "label", "terms", "articles", "size_all", "typical_outlet",
                                       "typical_title", "typical_url"])


# ---- words ----------------------------------------------------------------------------------

def word_groups(data: StoryData) -> dict[str, list[str]]:
    """Group type ('lean', 'kind') -> the groups with term counts."""
    counts = data.results.get("term_counts") or {}
    rank = {lean: i for i, lean in enumerate(LEAN_ORDER)}
    return {kind: sorted(groups, key=lambda g: (rank.get(g, len(rank)), g)) for kind, groups in counts.items()
            if kind != "doc_counts" and isinstance(groups, dict) and groups}


def merged_term_counts(data: StoryData, group_type: str, groups: list[str]) -> dict[str, int]:
    """Term counts of several groups added together (e.g. left + lean-left)."""
    counts = (data.results.get("term_counts") or {}).get(group_type) or {}
    total: dict[str, int] = {}
    for g in groups:
        for term, n in (counts.get(g) or {}).items():
            total[term] = total.get(term, 0) + int(n)
    return total


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


def article_texts(store: Store, ids: list[int]) -> dict[int, str]:
    """The full text of a few articles (the reader page), by id."""
    import sqlalchemy as sa

    from .schema import articles

    if not ids:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(articles.c.id, articles.c.text).where(articles.c.id.in_(list(ids))))
        return {aid: text for aid, text in rows}
