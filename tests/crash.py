"""kill -9 machinery shared by tests/test_durability.py and benchmarks/crash_sweep.py.

A *scenario* knows how to run one job (an import, a collection run, an analysis run) in a
child process (a fork, or a fresh interpreter for command-line jobs), what a finished job leaves in the database (the reference, taken from an
uninterrupted run), and how to check a database after a kill. `sweep()` repeats

    fresh database → 1–4 runs killed with SIGKILL after a random delay, each followed by
    the checks (integrity_check, no half-written or duplicate rows) → one run to the end
    → the database equals the reference (no duplicates, nothing lost)

and returns what it saw. Articles carry *planted* texts ending in
`[check len=N sha=H]`, so a row whose text was cut short is visible on its own.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import subprocess
import os
import random
import re
import shutil
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

TRAILER = re.compile(r"\[check len=(\d+) sha=([0-9a-f]{16})\]\s*$")
WORDS = ("court judge ruling motion appeal hosting platform outlet reporter statement order claim "
         "contract notice policy posts violence riot statehouse lawmakers company service servers "
         "injunction denied granted hearing counsel filed evidence record opinion market users").split()


# ---- planted texts -----------------------------------------------------------------------------------


def planted_text(rng: random.Random, min_words: int = 60, max_words: int = 1500) -> str:
    """Sentences of random words, then a trailer with their length and hash."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(min_words, max_words))]
    sentences = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    body = " ".join(sentences)
    return f"{body} [check len={len(body)} sha={_sha(body)}]"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def text_is_whole(text: str) -> bool:
    """True when the text ends in a trailer that matches the text before it."""
    match = TRAILER.search(text or "")
    if not match:
        return False
    body = text[:match.start()].rstrip()
    return len(body) == int(match.group(1)) and _sha(body) == match.group(2)


def planted_rows(n: int, seed: int, hosts: int = 20) -> list[dict]:
    """`n` import rows (JSONL format) with planted texts, spread over `hosts` fictional outlets."""
    rng = random.Random(seed)
    return [{"url": f"https://planted{i % hosts:02d}.example/2024/05/02/story-{i}", "title": f"Planted story {i}",
             "text": planted_text(rng), "published": "2024-05-02T10:00:00Z"} for i in range(n)]


def write_jsonl(path: str | Path, rows: list[dict]) -> Path:
    path = Path(path)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---- what a database holds ---------------------------------------------------------------------------


@dataclass
class Snapshot:
    """The parts of a SQLite database the checks compare."""

    integrity: str
    fk_violations: int
    articles: list[tuple[str, str, str]]  # (canonical_url, title, text)
    runs: list[tuple[int, str, str]]  # (id, kind, status)
    article_results: dict[str, str] = field(default_factory=dict)  # canonical_url -> payload JSON
    story_results: dict[str, str] = field(default_factory=dict)  # name -> payload JSON
    bad_vectors: int = 0  # cached embeddings whose length is not dim × 4 bytes


def snapshot(db: str, story_id: str) -> Snapshot:
    """Read a database directly (not through the store): a SQLite file, or a URL."""
    if "://" in db:
        return _snapshot_url(db, story_id)
    # Not mode=ro: after a kill the next opener must replay the WAL, which needs write access
    # to the -shm file (the store's readers do the same: query_only on a normal connection).
    conn = sqlite3.connect(db, timeout=30)
    try:
        conn.execute("PRAGMA query_only=ON")
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        fk = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "articles" not in tables:  # killed before the schema was committed: an empty database
            return Snapshot(integrity, fk, [], [])
        return Snapshot(integrity, fk, *_contents(conn.execute, story_id))
    finally:
        conn.close()


def _snapshot_url(url: str, story_id: str) -> Snapshot:
    """PostgreSQL checks its pages and foreign keys itself; read the contents only."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("articles"):
                return Snapshot("ok", 0, [], [])
            run = lambda sql, params=(): conn.exec_driver_sql(sql.replace("?", "%s"), params)  # noqa: E731
            return Snapshot("ok", 0, *_contents(run, story_id))
    finally:
        engine.dispose()


def _contents(run, story_id: str) -> tuple:
    arts = run("SELECT canonical_url, title, text FROM articles WHERE story_id=? ORDER BY id", (story_id,)).fetchall()
    runs = run("SELECT id, kind, status FROM runs ORDER BY id").fetchall()
    per_article = {u: _json_text(p) for u, p in run(
        "SELECT a.canonical_url, r.payload FROM article_results r JOIN articles a ON a.id = r.article_id "
        "WHERE r.story_id=?", (story_id,)).fetchall()}
    per_story = {n: _json_text(p) for n, p in run(
        "SELECT name, payload FROM story_results WHERE story_id=?", (story_id,)).fetchall()}
    bad = run("SELECT count(*) FROM embeddings WHERE length(vector) != dim * 4").fetchone()[0]
    return [tuple(a) for a in arts], [tuple(r) for r in runs], per_article, per_story, bad


def _json_text(payload) -> str:
    """Payloads compared as canonical JSON (SQLite gives text, PostgreSQL parsed values), timestamps dropped."""
    value = json.loads(payload) if isinstance(payload, str) else payload
    return json.dumps(_without_clock(value), sort_keys=True)


def _without_clock(value):
    if isinstance(value, dict):
        return {k: _without_clock(v) for k, v in value.items() if k not in ("computed_at", "computed")}
    if isinstance(value, list):
        return [_without_clock(v) for v in value]
    return value


def check_snapshot(snap: Snapshot, reference: Snapshot, complete: bool, planted: bool = False) -> list[str]:
    """What is wrong with `snap` against the finished `reference` (an empty list when nothing).

    After a kill (`complete=False`) every stored row must be a whole row of the reference;
    after a finished run (`complete=True`) the rows must be exactly the reference's.
    """
    problems = []
    if snap.integrity != "ok":
        problems.append(f"integrity_check: {snap.integrity}")
    if snap.fk_violations:
        problems.append(f"{snap.fk_violations} foreign-key violations")
    urls = [a[0] for a in snap.articles]
    if len(urls) != len(set(urls)):
        problems.append(f"{len(urls) - len(set(urls))} duplicate articles")
    expected = {a[0]: a for a in reference.articles}
    for row in snap.articles:
        if row[0] not in expected:
            problems.append(f"unexpected article {row[0]}")
        elif row != expected[row[0]]:
            problems.append(f"article {row[0]} differs from the finished run's (len {len(row[2])} vs "
                            f"{len(expected[row[0]][2])})")
        if planted and not text_is_whole(row[2]):
            problems.append(f"article {row[0]} has a cut text")
    if complete and set(urls) != set(expected):
        problems.append(f"{len(set(expected) - set(urls))} articles lost")
    problems.extend(_check_results(snap, reference, complete))
    return problems


def _check_results(snap: Snapshot, reference: Snapshot, complete: bool) -> list[str]:
    """Analysis results are all-or-nothing per story: none yet, or exactly a finished run's."""
    problems = [f"{snap.bad_vectors} cached embeddings of the wrong length"] if snap.bad_vectors else []
    if not complete and not snap.article_results and not snap.story_results:
        return problems
    if snap.story_results != reference.story_results:
        problems.append(f"story results {sorted(snap.story_results)} are not the finished run's")
    if snap.article_results != reference.article_results:
        problems.append(f"{len(snap.article_results)} article results are not the finished run's "
                        f"{len(reference.article_results)}")
    return problems


# ---- killing -----------------------------------------------------------------------------------------


class _Command:
    """A fresh interpreter running a job: the Process-like face run_and_kill/run_to_end use.

    Jobs that use threaded native libraries (BLAS, OpenMP) must not be forked from the
    threaded test process: a child can inherit a lock held by another thread and hang.
    """

    def __init__(self, argv: list[str]):
        self.__name__ = argv[-1][:60]
        self._argv = argv
        self._proc = None

    def start(self) -> None:
        root = Path(__file__).resolve().parent.parent
        self._proc = subprocess.Popen(self._argv, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def join(self, timeout: float | None = None) -> None:
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def is_alive(self) -> bool:
        return self._proc.poll() is None

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def exitcode(self):
        return self._proc.poll()


def _child(target, args: tuple):
    """A child for target(*args): a fresh interpreter for command jobs, else a fork."""
    if isinstance(target, list):
        return _Command(target + list(args))
    return multiprocessing.get_context("fork").Process(target=target, args=args)


def run_and_kill(target: Callable | list[str], args: tuple, delay: float) -> bool:
    """Run target(*args) in a child, SIGKILL it after `delay` s; True when it was still running.

    `target` is a function (run in a forked child) or a command line (the args appended).
    """
    child = _child(target, args)
    child.start()
    child.join(delay)
    killed = child.is_alive()
    if killed:
        os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    if not killed and child.exitcode != 0:
        raise RuntimeError(f"the child failed by itself (exit {child.exitcode}) before it was killed")
    return killed


def run_to_end(target: Callable | list[str], args: tuple, timeout: float = 300) -> float:
    """Run target(*args) in a child to the end; returns the seconds it took."""
    started = time.monotonic()
    child = _child(target, args)
    child.start()
    child.join(timeout)
    if child.is_alive():
        os.kill(child.pid, signal.SIGKILL)
        raise RuntimeError(f"{_name(target)} did not finish in {timeout} s")
    if child.exitcode != 0:
        raise RuntimeError(f"{_name(target)} failed (exit {child.exitcode})")
    return time.monotonic() - started


def _name(target) -> str:
    return " ".join(target[-1:]) if isinstance(target, list) else target.__name__


# ---- the sweep ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A job to kill: `job(db)` runs it to the end on the SQLite file `db` (in a child process).

    `prepare(db)` sets up a fresh database before the first run of a chain (optional).
    """

    name: str
    job: Callable[[str], None] | list[str]  # a function, or a command line the db path is appended to
    story_id: str
    planted: bool = False
    prepare: Callable[[str], None] | None = None


@dataclass
class SweepResult:
    kills: int = 0  # runs killed while they were still running
    finished_early: int = 0  # runs that ended before their kill came
    chains: int = 0
    problems: list[str] = field(default_factory=list)
    reference_s: float = 0.0
    elapsed_s: float = 0.0
    rows_at_kill: list[int] = field(default_factory=list)


def sweep(scenario: Scenario, new_db: Callable[[str], str], kills: int, seed: int, max_chain: int = 4,
          delay_scale: float = 1.0, budget_s: float | None = None,
          drop_db: Callable[[str], None] | None = None) -> SweepResult:
    """Kill `scenario` at `kills` random points (see the module docstring); never raises for problems.

    `new_db(label)` gives a fresh empty database (a SQLite path or a URL); `drop_db` removes one.
    """
    rng, result = random.Random(seed), SweepResult()
    drop_db = drop_db or remove_sqlite
    started = time.monotonic()
    template = _template(scenario, new_db)
    reference_db = new_db(f"{scenario.name}-reference")
    prepared = _prepare(reference_db, scenario, template)
    result.reference_s = run_to_end(scenario.job, (reference_db,))
    reference = snapshot(reference_db, scenario.story_id)
    drop_db(reference_db)
    todo = len(reference.articles) - prepared
    if not reference.articles:
        result.problems.append("the reference run stored nothing")
    while not result.problems[:1] and result.kills < kills and (budget_s is None or time.monotonic() - started < budget_s):
        result.chains += 1
        db = new_db(f"{scenario.name}-{result.chains}")
        _prepare(db, scenario, template)
        for _ in range(rng.randint(1, max_chain)):
            delay = rng.uniform(0, delay_scale * result.reference_s)
            if run_and_kill(scenario.job, (db,), delay):
                result.kills += 1
            else:
                result.finished_early += 1
            snap = snapshot(db, scenario.story_id)
            result.rows_at_kill.append(len(snap.articles) + len(snap.article_results))
            done = (len(snap.articles) - prepared) / todo if todo > 0 else 0.0
            _note(result, f"chain {result.chains}, kill at {delay:.2f} s",
                  check_snapshot(snap, reference, complete=False, planted=scenario.planted))
            if done >= 1.0:  # every row is in: more kills here would land on the same state
                break
        run_to_end(scenario.job, (db,))
        _note(result, f"chain {result.chains}, the run after the kills",
              check_snapshot(snapshot(db, scenario.story_id), reference, complete=True, planted=scenario.planted))
        drop_db(db)
    if template:
        remove_sqlite(template)
    result.elapsed_s = time.monotonic() - started
    return result


def sqlite_in(folder: str | Path) -> Callable[[str], str]:
    """`new_db` for SQLite files in `folder`."""
    def new_db(label: str) -> str:
        path = str(Path(folder) / f"{label}.db")
        remove_sqlite(path)
        return path
    return new_db


def _template(scenario: Scenario, new_db: Callable[[str], str]) -> str | None:
    """For SQLite, prepare once into a template file that each chain copies."""
    if scenario.prepare is None:
        return None
    db = new_db(f"{scenario.name}-template")
    if "://" in db:
        return None
    scenario.prepare(db)
    return db


def _prepare(db: str, scenario: Scenario, template: str | None) -> int:
    """Set up a fresh database; returns how many articles it starts with."""
    if template and "://" not in db:
        for suffix in ("", "-wal"):
            if os.path.exists(template + suffix):
                shutil.copyfile(template + suffix, db + suffix)
    elif scenario.prepare:
        scenario.prepare(db)
    return len(snapshot(db, scenario.story_id).articles) if scenario.prepare else 0


def remove_sqlite(db: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(db + suffix)
        except FileNotFoundError:
            pass


def _note(result: SweepResult, where: str, problems: list[str]) -> None:
    result.problems.extend(f"{where}: {p}" for p in problems[:5])
