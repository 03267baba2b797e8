"""The probe sets (tests/fixtures/probe15, invented coverage in six languages) hold their floors.

Both batches go through `collectors import`, `analysis run` and `analysis export` in one
run, as a user's would (tests/probe.py). The first batch (30 articles) was scored before
the detectors were widened for it (frame accuracy 0.63, stance macro-F1 0.41, descriptor
F1 0.83, features 0.94) and reaches frame 0.93 and 1.00 elsewhere; the second (12), written
afterwards, first scored frame 0.67, stance macro-F1 0.43, descriptor F1 0.92 and now
1.00 throughout. The third (16), written after that and scored blind, first gave frame
accuracy 0.88, stance macro-F1 0.40 (stance still leaned on the story's phrases), features
0.94, descriptors 0.91; with stance read from the author's evaluative language
(analysis/appraisal.py) stance reaches 1.00 and frame 0.94. The floors sit a little under,
so a change that loses what carries beyond the development set fails here.
"""

from __future__ import annotations

import pytest

from tests.probe import PROBE, load_probe, run_cli, score_probe

FLOORS = {"features_macro_f1": 0.95, "frame_accuracy": 0.85, "stance_macro_f1": 0.9, "descriptor_f1": 0.93}
BATCHES = {"first": PROBE, "fresh": PROBE / "fresh", "third": PROBE / "third"}
# The third batch's features and descriptors (0.94, 0.91: an app-store removal and a violent-content
# mention in other words, a "rival of Twitter" left implicit) were not tuned for; its own floors.
BATCH_FLOORS = {"third": {"features_macro_f1": 0.9, "frame_accuracy": 0.85, "stance_macro_f1": 0.9,
                          "descriptor_f1": 0.85}}


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict[str, dict]:
    sets = {name: load_probe(folder) for name, folder in BATCHES.items()}
    got = run_cli([r for rows, _ in sets.values() for r in rows], tmp_path_factory.mktemp("probe"))
    return {name: score_probe(rows, labels, got) for name, (rows, labels) in sets.items()}


@pytest.mark.slow
@pytest.mark.parametrize("batch", sorted(BATCHES))
def test_probe_batch_holds_its_floors(figures, batch):
    got, floors = figures[batch], BATCH_FLOORS.get(batch, FLOORS)
    low = {k: round(got[k], 3) for k, floor in floors.items() if got[k] < floor}
    assert not low, f"{batch} probe below the floors {floors}: {low}; misses:\n" + "\n".join(got["errors"])


def test_probe_labels_cover_every_article_with_the_story_ids():
    from framelens.stories import load_story

    story = load_story("parler-aws")
    features = {f.id for f in story.features}
    frames = {f.id for f in story.frames}
    descriptors = {d.id for d in story.descriptors["parler"]}
    for folder in BATCHES.values():
        rows, labels = load_probe(folder)
        assert {r["id"] for r in rows} == set(labels), folder
        for lab in labels.values():
            assert set(lab["features"]) == features, lab["id"]
            assert lab["frame"] in frames and lab["stance"] in {"critical", "neutral", "supportive"}, lab["id"]
            assert set(lab["descriptors"]["parler"]) <= descriptors, lab["id"]
        assert all(r["url"].split("/")[2].endswith(".example") for r in rows), "fictional outlets only"
