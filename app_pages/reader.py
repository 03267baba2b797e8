"""Reader: articles side by side with the evidence sentences highlighted by feature, and why
each got its frame and stance (the deciding sentences) and whether it was read as news or opinion."""

import streamlit as st

from app_pages import _cache, _ui

ctx = _ui.context()
args = ctx.args()
st.title("Reader")
_ui.require_articles(ctx)
data = _cache.story_data(ctx.db, ctx.story_id, ctx.stamp)
arts = _cache.table("articles_table", *args)
if not _ui.require_rows(arts):
    st.stop()

COLORS = ["blue", "orange", "green", "violet", "red", "yellow", "gray"]
MAX_CHARS = 20000
labels = {i.id: i.label for i in ctx.info.features} or {f: f for f in dict.fromkeys(data.features["item"])}
colors = {f: COLORS[i % len(COLORS)] for i, f in enumerate(labels)}
by_id = arts.set_index("id")
reading = data.articles.set_index("id")
GENRE_SOURCES = {"outlet or URL": "its outlet, URL or headline says so",
                 "text": "commentary in the author's own voice", "the author's stance": "the author takes a side"}


def _default_pick() -> list[int]:
    """The first article of the leftmost and of the rightmost lean present."""
    firsts = arts.drop_duplicates("lean").set_index("lean")["id"]
    left = next((firsts[x] for x in ("left", "lean-left", "center", "unrated") if x in firsts), None)
    right = next((firsts[x] for x in ("right", "lean-right", "center", "unrated") if x in firsts), None)
    picks = list(dict.fromkeys(int(i) for i in (left, right) if i is not None))
    return picks if len(picks) > 1 else [int(i) for i in arts["id"].head(2)]


choices = dict(zip(arts["id"].astype(int), arts["outlet"].str[:40] + " — " + arts["title"].str[:90]))
picked = st.multiselect("Articles to compare", list(choices), default=_default_pick(), key="read",
                        bind="query-params", max_selections=6, format_func=choices.get)
if not picked:
    _ui.empty("Pick two or more articles to read them side by side.")
    st.stop()
if not ctx.analysed:
    st.caption(f"No highlights yet: run `python -m analysis run --story {ctx.story_id}` to find the evidence.")
st.markdown("Highlighted: " + " · ".join(f":{colors[f]}-background[{_ui.esc(lbl)}]" for f, lbl in labels.items()))


def _spans(paragraph: str, evidence: dict[str, list[str]]) -> list[tuple[int, int, list[str]]]:
    """Non-overlapping (start, end, features) spans of evidence sentences in a paragraph."""
    found = []
    for feature, sentences in evidence.items():
        for s in sentences:
            s = " ".join(str(s).split())
            at = paragraph.find(s) if s else -1
            if at >= 0:
                found.append((at, at + len(s), feature))
    spans: list[tuple[int, int, list[str]]] = []
    for start, end, feature in sorted(found):
        if spans and start < spans[-1][1]:
            if feature not in spans[-1][2]:
                spans[-1][2].append(feature)
            continue
        spans.append((start, end, [feature]))
    return spans


def highlighted(text: str, evidence: dict[str, list[str]]) -> str:
    """The article as escaped Markdown with evidence sentences on coloured backgrounds."""
    out = []
    for para in [" ".join(p.split()) for p in text.splitlines() if p.strip()]:
        pos, parts = 0, []
        for start, end, features in _spans(para, evidence):
            tag = ", ".join(labels.get(f, f) for f in features)
            color = colors.get(features[0], "gray")
            parts += [_ui.esc(para[pos:start]), f":{color}-background[{_ui.esc(para[start:end])}]",
                      f" :gray[\\[{_ui.esc(tag)}\\]] "]
            pos = end
        parts.append(_ui.esc(para[pos:]))
        out.append("".join(parts))
    return "\n\n".join(out)


def _bullets(sentences) -> str:
    return "\n".join(f"- {_ui.esc(x, 400)}" for x in (sentences if isinstance(sentences, list) else []))


def why(r) -> str:
    """Markdown: how the article was read (news or opinion), and the sentences that decided
    its frame and its stance."""
    if not isinstance(r["genre"], str) or not r["genre"]:
        return "Analysed before frames and stance recorded their reasons: run the analysis again to see them."
    source = "" if r["genre"] == "news" else f" ({_ui.esc(GENRE_SOURCES.get(r['genre_source'], r['genre_source']))})"
    parts = [f"**Read as {_ui.esc(r['genre'])}**{source}", _bullets(r["genre_evidence"])]
    frame = ctx.info.label("frames", r["primary_frame"]) if isinstance(r["primary_frame"], str) else "none"
    parts.append(f"**Frame: {_ui.esc(frame)}**, from {_ui.esc(r['frame_basis'] or 'no frame cues')}")
    parts.append(_bullets(r["frame_evidence"]))
    if r["stance"] == "neutral":
        parts.append("**Stance: neutral**: no evaluation in the author's own words")
    else:
        parts += [f"**Stance: {_ui.esc(r['stance'])}**, from the author's own words", _bullets(r["stance_evidence"])]
    return "\n\n".join(x for x in parts if x)


texts = _cache.texts(ctx.db, tuple(picked), ctx.stamp)
features = data.features[data.features["article_id"].isin(picked)]
per_row = 3 if len(picked) > 4 else len(picked)
for row_start in range(0, len(picked), per_row):
    for col, aid in zip(st.columns(per_row, border=True), picked[row_start:row_start + per_row]):
        a = by_id.loc[aid]
        group = a["syndication_group"]
        with col:
            st.markdown(f"{_ui.lean_badge(a['lean'])} **{_ui.esc(a['outlet'], 80)}** · {_ui.esc(a['kind'])}")
            st.markdown(f"#### {_ui.link(a['title'] or 'untitled', a['url'], 300)}")
            st.caption(" · ".join(filter(None, [
                a["published"].strftime("%Y-%m-%d %H:%M UTC") if not _ui.pd_isna(a["published"]) else "undated",
                f"syndication group {_ui.esc(group)} ({'original' if a['syndication_original'] else 'copy'})"
                if isinstance(group, str) and group else "not syndicated",
                f"frame: {_ui.esc(ctx.info.label('frames', a['primary_frame']))}"
                if isinstance(a["primary_frame"], str) else "",
                f"stance: {_ui.esc(a['stance'])}" if isinstance(a["stance"], str) else "",
                f"read as {_ui.esc(a['genre'])}" if isinstance(a["genre"], str) and a["genre"] else ""])))
            if ctx.analysed and bool(reading.loc[aid, "evaluated"]):
                with st.expander("Why this frame and stance"):
                    st.markdown(why(reading.loc[aid]))
            mine = features[(features["article_id"] == aid) & features["present"].fillna(False).astype(bool)]
            evidence = {f: list(ev) for f, ev in zip(mine["item"], mine["evidence"])}
            text = texts.get(aid, "")
            st.markdown(highlighted(text[:MAX_CHARS], evidence))
            if len(text) > MAX_CHARS:
                st.caption(f"Showing the first {MAX_CHARS:,} of {len(text):,} characters.")
