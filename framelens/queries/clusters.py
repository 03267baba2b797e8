"""The framing map and its clusters as the pages and the export read them."""

from __future__ import annotations

import pandas as pd

from .model import LEAN_ORDER, Filters, StoryData, select_articles

CLUSTER_COLUMNS = ["cluster", "label", "distinguishing", "stance", "leans", "articles", "size_all", "members",
                   "terms", "typical_outlet", "typical_title", "typical_url"]


def _cluster_labels(data: StoryData) -> dict:
    return {c.get("id"): c.get("label") or f"cluster {c.get('id')}" for c in data.results.get("clusters") or []}


def map_points(data: StoryData, f: Filters) -> pd.DataFrame:
    """One row per selected article on the map: place, cluster and its label, outlet, headline."""
    sel = select_articles(data, f).dropna(subset=["x", "y"])
    labels = _cluster_labels(data)
    sel = sel.assign(cluster_label=sel["cluster"].map(lambda c: labels.get(c, f"cluster {c}")))
    return sel[["id", "x", "y", "cluster", "cluster_label", "lean", "outlet", "title", "url", "primary_frame",
                "stance"]].reset_index(drop=True)


def map_axes(data: StoryData) -> dict[str, dict[str, list[str]]]:
    """For each map axis ('x', 'y'): the framing columns pulling towards its 'high' and 'low' end."""
    axes = data.results.get("map_axes") or {}
    return {a: {end: [str(v) for v in (axes.get(a) or {}).get(end) or []] for end in ("high", "low")}
            for a in ("x", "y")}


def clusters_table(data: StoryData, f: Filters) -> pd.DataFrame:
    """Clusters: label, what distinguishes each (share inside / among the others), stance, lean mix,
    size (selected articles, and all), member article ids, terms and typical article."""
    sel = select_articles(data, f)
    by_id = data.articles.set_index("id")
    sizes = sel.groupby("cluster")["weight"].sum()
    members = sel.groupby("cluster")["id"].agg(lambda ids: ", ".join(str(i) for i in sorted(ids)))
    rows = [_cluster_row(c, by_id, float(sizes.get(c.get("id"), 0)), members.get(c.get("id"), ""))
            for c in data.results.get("clusters") or []]
    return pd.DataFrame(rows, columns=CLUSTER_COLUMNS)


def _cluster_row(c: dict, by_id: pd.DataFrame, articles: float, members: str) -> dict:
    typical = c.get("typical_article_id")
    known = typical in by_id.index
    return {"cluster": c.get("id"), "label": c.get("label") or "", "distinguishing": _items_text(c),
            "stance": c.get("stance") or "", "leans": _leans_text(c.get("leans") or {}), "articles": articles,
            "size_all": c.get("size"), "members": members, "terms": ", ".join(c.get("terms") or []),
            "typical_outlet": by_id.at[typical, "outlet"] if known else "",
            "typical_title": by_id.at[typical, "title"] if known else "",
            "typical_url": by_id.at[typical, "url"] if known else ""}


def _items_text(c: dict) -> str:
    """'Label 100 % (others 20 %)' for each distinguishing column, '; '-separated."""
    parts = []
    for i in c.get("distinguishing") or []:
        rest = i.get("rest_share")
        parts.append(f"{i.get('label')} {i.get('share', 0):.0%}" + (f" (others {rest:.0%})" if rest is not None else ""))
    return "; ".join(parts)


def _leans_text(leans: dict) -> str:
    rank = {lean: n for n, lean in enumerate(LEAN_ORDER)}
    return " · ".join(f"{lean} {n}" for lean, n in sorted(leans.items(), key=lambda kv: rank.get(kv[0], 99)))


def cluster_features(data: StoryData, f: Filters) -> pd.DataFrame:
    """Cluster x framing feature: articles using it / articles the detectors read, and the share."""
    sel = select_articles(data, f)
    long = data.features.merge(sel[["id", "cluster", "weight"]], left_on="article_id", right_on="id")
    long = long[long["present"].notna() & (long["cluster"] >= 0)]
    cols = ["cluster", "cluster_label", "feature", "label", "present", "articles", "share"]
    if long.empty:
        return pd.DataFrame(columns=cols)
    long = long.assign(hit=long["weight"] * long["present"].astype(bool))
    out = long.groupby(["cluster", "item"]).agg(present=("hit", "sum"), articles=("weight", "sum")).reset_index()
    out["share"] = out["present"] / out["articles"]
    labels, order = _cluster_labels(data), {i.id: n for n, i in enumerate(data.info.features)}
    out = out.assign(cluster_label=out["cluster"].map(lambda c: labels.get(c, f"cluster {c}")),
                     label=out["item"].map(lambda i: data.info.label("features", i)),
                     _order=out["item"].map(lambda i: order.get(i, len(order))))
    out = out.sort_values(["cluster", "_order"]).rename(columns={"item": "feature"})
    return out[cols].reset_index(drop=True)
