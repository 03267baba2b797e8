"""Export: the one-file HTML report and every table, for the current filters."""

import io
import zipfile

import streamlit as st

from app_pages import _cache, _ui
from presentation.tables import csv_bytes, json_bytes, safe_name, story_tables
from framelens import queries as q

ctx = _ui.context()
args = ctx.args()
st.title("Export")
_ui.require_articles(ctx)


def _tables_zip() -> bytes:
    data = _cache.story_data(ctx.db, ctx.story_id, ctx.stamp)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, df in story_tables(data, ctx.filters).items():
            zf.writestr(safe_name(name, "csv"), csv_bytes(df))
            zf.writestr(safe_name(name, "json"), json_bytes(df))
    return buf.getvalue()


st.markdown("**Report** — one self-contained HTML file (works offline): every chart, every table and the "
            "provenance (story file hash, model, extractors, article count, content hashes, time).")
st.download_button("Download the report (HTML)", data=lambda: _cache.report(*args),
                   file_name=safe_name(f"{ctx.story_id}-report", "html"), mime="text/html", key="dl-report",
                   on_click="ignore", type="primary", icon=":material/description:")
st.markdown("**Tables** — every comparison table as CSV (formula-safe) and JSON, zipped.")
st.download_button("Download all tables (ZIP)", data=_tables_zip, file_name=safe_name(f"{ctx.story_id}-tables", "zip"),
                   mime="application/zip", key="dl-tables", on_click="ignore", icon=":material/table:")
st.caption("The exports use the filters in the sidebar. Every chart and table on the other pages has its own "
           "download buttons too.")

st.subheader("Provenance")
prov = q.provenance(_cache.story_data(ctx.db, ctx.story_id, ctx.stamp))
if not prov:
    _ui.empty(f"Not analysed yet — run `python -m analysis run --story {ctx.story_id}`.")
else:
    names = {"article_count": "documents analysed (articles and primary source)",
             "not_evaluated": "not evaluated (another language than the story's)"}

    def _value(v):
        if isinstance(v, dict):
            return ", ".join(f"{k}: {n}" for k, n in v.items())
        if isinstance(v, list):
            return f"{len(v)} (article ids {', '.join(map(str, v[:20]))}{' …' if len(v) > 20 else ''})" if v else "0"
        return v
    st.markdown("\n".join(f"- **{_ui.esc(names.get(k, k.replace('_', ' ')))}**: {_ui.esc(_value(v), 300)}"
                          for k, v in prov.items() if k != "content_hashes"))
    st.caption(f"Content hashes of {len(prov.get('content_hashes') or {})} articles are in the report.")

st.subheader("Headless export (cron)")
st.code(f"python -m analysis export --story {ctx.story_id} --out exports/{ctx.story_id} "
        "--format json,csv,png,svg,html", language="bash")
