"""Real coverage, labelled: `../shared/realdev/score.py` through the public command line.

The development set (hand-labelled excerpts of real coverage of the parler-aws ruling,
in English, Spanish and German) lives outside the project and is never copied into it;
a clone without `../shared/realdev` skips this test. The floors sit a little under the
development figures measured when they were set (features macro-F1 1.00,
appointing-president F1 1.00, Parler-descriptor F1 0.96, altered-quote F1 0.833,
syndication pair F1 1.00; issue 15), so a change that
loses real-coverage accuracy fails here, not only on the synthetic demo.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDEV = ROOT.parent / "shared" / "realdev"

FLOORS = {"features_macro_f1": 0.96, "descriptor_f1": 0.90}
FEATURE_FLOORS = {"appointing_president": 0.95}
QUOTE_SYNDICATION_FLOORS = {"quote_fidelity_f1": 0.8, "syndication_pair_f1": 0.95}


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict:
    if not (REALDEV / "score.py").is_file():
        pytest.skip(f"no development set at {REALDEV} (it is kept outside the project; a clone has none)")
    out = tmp_path_factory.mktemp("realdev") / "figures.json"
    done = subprocess.run([sys.executable, str(REALDEV / "score.py"), "--json", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, (done.stdout + done.stderr)[-2000:]
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_real_coverage_features_and_descriptors_hold_their_floors(figures):
    assert figures["missing_from_export"] == 0
    low = {k: round(figures[k], 3) for k, floor in FLOORS.items() if figures[k] < floor}
    low.update({k: round(figures["feature_f1"][k], 3) for k, floor in FEATURE_FLOORS.items()
                if figures["feature_f1"][k] < floor})
    assert not low, f"below the floors {FLOORS | FEATURE_FLOORS}: {low}"


@pytest.mark.slow
def test_real_coverage_quotes_and_syndication_hold_their_floors(figures):
    low = {k: round(figures[k], 3) for k, floor in QUOTE_SYNDICATION_FLOORS.items() if figures[k] < floor}
    assert not low, f"below the floors {QUOTE_SYNDICATION_FLOORS}: {low}"
