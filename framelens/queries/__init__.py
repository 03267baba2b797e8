"""Read-only tables for the dashboard pages and the exporter.

`load_story_data(store, story_id)` reads a story's articles and analysis results once (open
the store read-only). Every table function is pure, `(StoryData, Filters) -> DataFrame`, and
the filters (dates, leans, outlet kinds, languages, syndicated copies) apply in exactly one
place, `select_articles`. Counts are weighted: with `Filters(syndication="deweight")` each
copy of a syndicated story counts 1/group size, so a wire story run by twenty sites counts once.

    model     the data model, loading, filtering
    framing   features, frames, stance, descriptors, omissions
    uncertainty  Wilson intervals and the one-sidedness rule (Fisher's exact test, minimum articles)
    clusters  the framing map, its axes and clusters, feature share by cluster
    coverage  counts, timeline, headlines, quotes, words, provenance, collection health
"""

from .clusters import cluster_features, clusters_table, map_axes, map_points
from .coverage import (altered_quotes, articles_table, collection_runs, counts_by_lean,
                       counts_by_outlet, describe_lean_group, fetch_failures, headlines, lean_ratings,
                       merged_term_counts,
                       provenance, quote_passages, quotes_table, source_passages, sources_table, timeline,
                       unrated_reasons, word_articles, word_groups, words_filters, words_left_right)
from .framing import (EVIDENCE_PER_CELL, descriptors_by_outlet, feature_evidence, feature_matrix, frames_by_outlet,
                      not_evaluated, omission_matrix, one_sided_items, prevalence_by_lean, primary_frames_by_lean,
                      stance_by_lean)
from .model import (FIDELITY_ORDER, LEAN_ORDER, SIDES, SYNDICATION_MODES, Filters, Item, StoryData, StoryInfo,
                    article_texts, info_from_story, leans_present, load_story_data, results_stamp, select_articles,
                    story_info)
from .uncertainty import (CHANCE, ONE_SIDED_ABSENT, ONE_SIDED_MAJORITY, TOO_FEW, Rule, fisher_p, one_sided_verdict,
                          wilson_interval)

__all__ = [
    "CHANCE", "TOO_FEW", "Rule", "cluster_features", "fisher_p", "map_axes", "one_sided_verdict",
    "wilson_interval", "EVIDENCE_PER_CELL", "FIDELITY_ORDER", "Filters", "Item", "LEAN_ORDER", "ONE_SIDED_ABSENT",
    "ONE_SIDED_MAJORITY", "SIDES", "SYNDICATION_MODES", "StoryData", "StoryInfo", "altered_quotes",
    "article_texts", "articles_table", "clusters_table", "collection_runs", "counts_by_lean",
    "counts_by_outlet", "describe_lean_group",
    "descriptors_by_outlet", "feature_evidence", "feature_matrix", "fetch_failures",
    "frames_by_outlet", "headlines", "info_from_story", "lean_ratings",
    "leans_present", "load_story_data", "map_points",
    "merged_term_counts", "not_evaluated", "omission_matrix", "one_sided_items", "prevalence_by_lean",
    "primary_frames_by_lean", "provenance", "quote_passages", "quotes_table", "results_stamp",
    "select_articles", "source_passages", "sources_table", "stance_by_lean", "story_info", "timeline",
    "unrated_reasons", "word_articles", "word_groups", "words_filters", "words_left_right",
]
