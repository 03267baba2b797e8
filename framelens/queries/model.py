"""The story's data as the pages and exports read it, and the one place filters apply."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..ratings import CONSENSUS, Rating, effective_lean, raters_of, ratings_of_row
from ..store import Store
from ..stories import ConfigError, Story, load_story
from ..textclean import shown_name

LEAN_ORDER = ("left", "lean-left", "center", "lean-right", "right", "unrated")
SIDES = {"left": ("left", "lean-left"), "right": ("lean-right", "right")}
SYNDICATION_MODES = ("include", "exclude", "deweight")
FIDELITY_ORDER = ("exact", "close", "altered", "not_in_source")


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the story to; empty tuples mean 'all'."""

    start: dt.date | None = None
    end: dt.date | None = None
    leans: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    syndication: str = "include"  # include | exclude (originals only) | deweight (1/group size)
    rater: str = CONSENSUS  # whose ratings give the lean; '' is the consensus rule (framelens.ratings)

    def key(self) -> tuple:
        """A hashable, order-independent key for caches (Filters(*key) rebuilds the filters)."""
        return (self.start, self.end, tuple(sorted(self.leans)), tuple(sorted(self.kinds)),
                tuple(sorted(self.languages)), self.syndication, self.rater)


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
    ratings: dict[str, list[Rating]] = field(default_factory=dict)  # outlet domain -> its ratings

    @property
    def raters(self) -> list[str]:
        """The raters who rate at least one of the story's outlets."""
        domains = set(self.articles["domain"])
        return raters_of(r for d, rs in self.ratings.items() if d in domains for r in rs)

    @property
    def analysed(self) -> bool:
        return bool(self.results) or not self.features.empty


# ---- loading ----------------------------------------------------------------------------

ARTICLE_COLUMNS = ["id", "url", "domain", "outlet", "lean", "lean_rater", "lean_as_of", "found_on", "kind", "title", "published", "language",
                   "syndication_group", "syndication_original", "group_size", "primary_frame", "stance",
                   "stance_score", "cluster", "x", "y", "evaluated", "analysed", "extractor", "source",
                   "content_hash", "credit", "genre", "genre_source", "genre_evidence", "frame_basis",
                   "frame_evidence", "stance_evidence"]


def results_stamp(store: Store, story_id: str | None = None) -> str:
    """Changes whenever the story's (or, without a story, any) articles, results or runs change."""
    import sqlalchemy as sa

    from ..schema import articles, runs, story_results

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
        quotes=_quote_frame(payloads), results=store.story_results(story_id),
        ratings={d: ratings_of_row(o) for d, o in outlets.items()})


def _article_row(row: dict, outlet: dict, p: dict) -> dict:
    frame, stance = p.get("frame") or {}, p.get("stance") or {}
    verdict = effective_lean(ratings_of_row(outlet))
    return {
        "id": row["id"], "url": row["url"], "domain": row["domain"],
        "outlet": shown_name(outlet.get("name"), row["domain"]), "lean": verdict.lean, "lean_rater": verdict.rater,
        "lean_as_of": verdict.as_of, "found_on": row.get("found_on") or "",
        "kind": outlet.get("kind") or "unknown", "title": row.get("title") or "",
        "published": row.get("published"),
        "language": p.get("language") or row.get("language") or "unknown",
        "syndication_group": p.get("syndication_group"),
        "syndication_original": bool(p.get("syndication_original", True)),
        "primary_frame": frame.get("primary"), "stance": stance.get("label"),
        "stance_score": stance.get("score"), "cluster": p.get("cluster"),
        "x": p.get("x"), "y": p.get("y"), "evaluated": bool(p.get("evaluated", bool(p))),
        "analysed": bool(p), "extractor": row.get("extractor") or "", "source": row.get("source") or "",
        "content_hash": row.get("content_hash") or "", "credit": row.get("credit") or "",
        **_reading(p)}


def _reading(p: dict) -> dict:
    """How the analysis read the article: news or opinion, and the sentences behind its frame and stance."""
    frame, stance, genre = p.get("frame") or {}, p.get("stance") or {}, p.get("genre") or {}
    return {"genre": genre.get("label") or None, "genre_source": genre.get("source") or "",
            "genre_evidence": list(genre.get("evidence") or []), "frame_basis": frame.get("basis") or "",
            "frame_evidence": list(frame.get("evidence") or []), "stance_evidence": list(stance.get("evidence") or [])}


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
    df = with_rater(data, f.rater)
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


def with_rater(data: StoryData, rater: str) -> pd.DataFrame:
    """The articles with `lean`, `lean_rater` and `lean_as_of` as `rater` gives them (the
    consensus, as loaded, when rater is '')."""
    df = data.articles
    if not rater:
        return df
    verdicts = {d: effective_lean(data.ratings.get(d, ()), rater) for d in set(df["domain"])}
    return df.assign(lean=df["domain"].map(lambda d: verdicts[d].lean),
                     lean_rater=df["domain"].map(lambda d: verdicts[d].rater),
                     lean_as_of=df["domain"].map(lambda d: verdicts[d].as_of))


# What an outlet row of a table carries: its name, domain, and lean with whose rating it is and as of when.
OUTLET_KEYS = ["outlet", "domain", "lean", "lean_rater", "lean_as_of"]


def _with_articles(long: pd.DataFrame, sel: pd.DataFrame, cols=(*OUTLET_KEYS, "weight")) -> pd.DataFrame:
    return long.merge(sel[["id", *cols]], left_on="article_id", right_on="id").drop(columns="id")


def _lean_sort(df: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    rank = {lean: i for i, lean in enumerate(LEAN_ORDER)}
    df = df.assign(_rank=df["lean"].map(rank).fillna(len(rank)))
    return df.sort_values(["_rank", *(by or [])], kind="stable").drop(columns="_rank").reset_index(drop=True)


def leans_present(data: StoryData, rater: str = CONSENSUS) -> list[str]:
    found = set(with_rater(data, rater)["lean"])
    return [lean for lean in LEAN_ORDER if lean in found] + sorted(found - set(LEAN_ORDER))


def article_texts(store: Store, ids: list[int], chunk: int = 500) -> dict[int, str]:
    """The full text of articles, by id (read `chunk` ids per query, so any number works)."""
    import sqlalchemy as sa

    from ..schema import articles

    ids = list(dict.fromkeys(ids))
    out: dict[int, str] = {}
    with store.engine.connect() as conn:
        for i in range(0, len(ids), chunk):
            rows = conn.execute(sa.select(articles.c.id, articles.c.text).where(articles.c.id.in_(ids[i:i + chunk])))
            out.update((aid, text) for aid, text in rows)
    return out
