"""Story lab: edit one detector's patterns and example sentences, see at once what it catches
in the story's sentences (and what it narrowly rejects), by lean and outlet; save it back."""

import dataclasses

import streamlit as st

from analysis import lab
from app_pages import _cache, _ui
from framelens import queries as q
from framelens.queries.model import with_rater
from framelens.stories import ConfigError, Detector, story_path
from framelens.story_edit import SaveRefused, save_detector

LOCAL_ADDRESSES = {"127.0.0.1", "localhost", "::1"}
NEW = ("features", "")


@st.cache_resource(show_spinner="Reading the story's sentences and their stored vectors…", max_entries=2)
def corpus_for(db: str, story_id: str, stamp: str) -> lab.LabCorpus:
    data = _cache.story_data(db, story_id, stamp)
    arts = data.articles[data.articles["evaluated"].fillna(True).astype(bool)][["id", "title", "outlet", "lean"]].copy()
    texts = _cache.texts(db, tuple(int(i) for i in arts["id"]), stamp)
    arts["text"] = [texts.get(int(i), "") for i in arts["id"]]
    return lab.load_corpus(_cache.reader(db), story_id, arts)


def with_picked_leans(corpus: lab.LabCorpus, data: q.StoryData, rater: str) -> lab.LabCorpus:
    """The corpus with each article's lean as the sidebar's rater gives it (the cached corpus
    holds the consensus), so this page's leans match every other page's."""
    if not rater:
        return corpus
    leans = with_rater(data, rater).set_index("id")["lean"]
    return dataclasses.replace(corpus, rows=corpus.rows.assign(lean=corpus.rows["article"].map(leans)))


def in_lean_order(table):
    """The by-lean table from left to right, as the charts on the other pages run."""
    rank = {lean: n for n, lean in enumerate(q.LEAN_ORDER)}
    return table.sort_values("lean", key=lambda s: s.map(rank).fillna(len(rank)), kind="stable")


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def bad_patterns(patterns: list[str]) -> list[tuple[str, str]]:
    import re

    out = []
    for p in patterns:
        try:
            re.compile(p, re.IGNORECASE)
        except re.error as exc:
            out.append((p, str(exc)))
    return out


def server_is_local() -> bool:
    return (st.get_option("server.address") or "") in LOCAL_ADDRESSES


ctx = _ui.context()
st.title("Story lab")
st.caption("Try a detector on this story's sentences before running the whole analysis. The sentences' stored "
           "vectors are reused; only new example sentences are embedded, when you ask. It counts every analysed "
           "article of the story, whatever the sidebar's filters; the leans follow *Lean ratings by*.")
_ui.require_analysis(ctx, filtered=False)
try:
    story = _cache.story_for(ctx.story_id)
except ConfigError as exc:
    st.error("The story file has problems; fix them first:")
    st.code(str(exc), language=None)
    st.stop()
corpus = with_picked_leans(corpus_for(ctx.db, ctx.story_id, ctx.stamp),
                           _cache.story_data(ctx.db, ctx.story_id, ctx.stamp), ctx.filters.rater)
if not corpus.model:
    _ui.empty("No analysis run recorded the model, so there are no stored vectors: patterns still work.")

options = [(s, d.id) for s in ("features", "key_facts", "frames") for d in getattr(story, s)] + [NEW]
labels = {(s, d.id): f"{s.replace('_', ' ')} · {_ui.plain(d.label, 70)}" for s in ("features", "key_facts", "frames")
          for d in getattr(story, s)}
section, det_id = st.selectbox("Detector", options, format_func=lambda o: labels.get(o, "➕ a new feature"),
                               key="lab_pick")
current = next((d for d in getattr(story, section) if d.id == det_id), None) or Detector("", "")
k = f"{section}.{det_id}"  # widget keys per detector: switching detectors shows that detector's values

left, right = st.columns(2)
new_id = left.text_input("Id", current.id, key=f"lab_id_{k}", disabled=bool(det_id))
label = right.text_input("Label", current.label, key=f"lab_label_{k}")
statement = st.text_input("Statement", current.statement, key=f"lab_st_{k}") if section == "key_facts" else ""
patterns = lines(left.text_area("Patterns (one regular expression a line)", "\n".join(current.patterns),
                                key=f"lab_pat_{k}", height=150))
excludes = lines(right.text_area("Exclude patterns", "\n".join(current.exclude_patterns), key=f"lab_ex_{k}", height=150))
prototypes = lines(left.text_area("Example sentences", "\n".join(current.prototypes), key=f"lab_pr_{k}", height=150))
negatives = lines(right.text_area("Near-miss sentences (must not count)", "\n".join(current.negative_prototypes),
                                  key=f"lab_ng_{k}", height=150))
threshold = st.slider("Similarity threshold", 0.3, 0.95, float(current.threshold or 0.6), 0.01, key=f"lab_th_{k}")

broken = bad_patterns(patterns + excludes)
for pattern, why in broken:
    st.error(f"Not a valid regular expression ({_ui.esc(why)}):")
    st.code(pattern, language=None)  # shown as text, whatever it holds
if broken:
    st.stop()

examples = list(dict.fromkeys(prototypes + negatives))
vectors = {**lab.cached_vectors(_cache.reader(ctx.db), corpus.model, examples), **st.session_state.get("lab_vectors", {})}
missing = [t for t in examples if t not in vectors]
if missing and corpus.model:
    st.warning(f"{len(missing)} example sentence(s) have no vector yet and are left out of the matching.")
    if st.button("Embed the new example sentences (starts the model once)", key="lab_embed"):
        try:
            with st.spinner("Embedding…"):
                st.session_state.setdefault("lab_vectors", {}).update(lab.embed_new(corpus.model, missing))
            st.rerun()
        except (ValueError, OSError) as exc:
            st.error(_ui.esc(exc))

detector = Detector(new_id or "new_feature", label or "New feature", current.description, statement, patterns,
                    excludes, prototypes, negatives, threshold if threshold != 0.6 or current.threshold else None)
caught, near = lab.try_detector(corpus, detector, vectors)
m1, m2, m3 = st.columns(3)
m1.metric("Sentences caught", _ui.fmt_count(caught["text"].nunique()))
m2.metric("Articles caught", f"{caught['article'].nunique()} of {corpus.rows['article'].nunique()}")
m3.metric("Near-misses", _ui.fmt_count(near["text"].nunique()))
by_lean, by_outlet = st.columns(2)
lean_counts, outlet_counts = in_lean_order(lab.counts(caught, corpus, "lean")), lab.counts(caught, corpus, "outlet")
by_lean.dataframe(lean_counts, hide_index=True, key="lab_by_lean", column_config=_ui.column_labels(lean_counts))
by_outlet.dataframe(outlet_counts, hide_index=True, key="lab_by_outlet",
                    column_config=_ui.column_labels(outlet_counts))
st.subheader("Caught")
_SHOWN = ["text", "outlet", "lean", "how", "similarity"]
st.dataframe(caught[_SHOWN], hide_index=True, key="lab_caught", column_config=_ui.column_labels(_SHOWN))
st.subheader("Near-misses (rejected)")
st.dataframe(near[_SHOWN], hide_index=True, key="lab_near", column_config=_ui.column_labels(_SHOWN))

st.subheader("Save")
if st.button("Save this detector to the story file", key="lab_save", type="primary"):
    spec = {"id": detector.id, "label": detector.label, "description": current.description,
            "statement": statement, "threshold": detector.threshold, "patterns": patterns,
            "exclude_patterns": excludes, "prototypes": prototypes, "negative_prototypes": negatives}
    if not server_is_local():
        st.error("Saving is off: this dashboard is not bound to localhost (server.address), so anyone who reaches it "
                 "could rewrite the story file.")
    else:
        try:
            backup = save_detector(story_path(ctx.story_id), section, spec, replace_id=det_id or None)
            st.success(f"Saved to {_ui.esc(story_path(ctx.story_id))}; the previous file is {_ui.esc(backup.name)}. "
                       f"Run `python -m analysis run --story {ctx.story_id}` to apply it everywhere.")
        except (SaveRefused, ConfigError, OSError) as exc:
            st.error("Not saved:")
            st.code(str(exc), language=None)
