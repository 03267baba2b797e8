"""Floors on real coverage for quotes and syndication (issue 15, items 6-7).

Runs `../shared/realdev/score.py` (the development set of labelled real coverage, which
only the project's own workspace has) through the public CLI and holds the altered-quote
and syndication figures a little under those reached (development figures: 0.727 and
1.00 on 5 December). A user's clone has no `../shared`: the test skips, saying why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDEV = ROOT.parent / "shared" / "realdev"
FLOORS = {"quote_fidelity_f1": 0.7, "syndication_pair_f1": 0.95}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quote_and_syndication_figures_on_real_coverage_hold_their_floors(tmp_path):
    if not (REALDEV / "score.py").is_file():
        pytest.skip(f"no development set at {REALDEV} (only the project's workspace has ../shared/realdev)")
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(REALDEV / "score.py"), "--python", sys.executable,
                           "--project", str(ROOT), "--json", str(out), "--keep", str(tmp_path / "work")],
                          cwd=ROOT, capture_output=True, text=True, timeout=880)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    low = {k: round(figures[k], 3) for k, floor in FLOORS.items() if figures[k] < floor}
    assert not low, f"under the floors {FLOORS}: {low}"
