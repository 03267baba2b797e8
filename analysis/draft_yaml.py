"""Write a story draft as a commented story file a person then edits.

Every entry says in a comment what it rests on (how many articles, which outlets); the
framing features are marked as suggestions. The frames and stance cues are a generic
starting set (written for any court ruling or decision), to be tuned to the story.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from framelens import settings

from .draft import Candidate, StoryDraft

GENERIC_FRAMES = [
    ("legal_procedural", "Legal process", "The decision's reasoning, the legal standard, the claims and what comes next.",
     [r"\b(injunction|motion|appeal|ruling|lawsuit|claims?)\b"],
     ["The judge explained the legal test the request had to meet.", "The case now moves to the next stage."]),
    ("public_safety", "Public safety", "Violence, threats and the danger to people.",
     [r"\b(violen\w*|threat\w*|armed|injured|riot\w*)\b"],
     ["The posts called for attacks on public officials.", "Officers were injured when the crowd broke in."]),
    ("free_speech", "Free speech and censorship", "Whether the decision is censorship and what free expression means here.",
     [r"\b(free[- ]?speech|censor\w*|first amendment|silenc\w*)\b"],
     ["Critics called the decision a blow to free expression.", "Supporters said no one's right to speak was taken away."]),
    ("power_competition", "Power and competition", "The power of a few large companies, concentration and antitrust.",
     [r"\b(big tech|monopol\w*|antitrust|concentrat\w*|giants?)\b"],
     ["A handful of large companies decide who can operate online.", "The company was accused of crushing a smaller rival."]),
    ("partisan", "Politics and partisanship", "Party politics, the decision-maker's background and political reactions.",
     [r"\b(appointee|partisan|republicans?|democrats?)\b"],
     ["Critics said the judge's politics shaped the decision.", "Lawmakers from both parties reacted to the ruling."]),
]
OTHER_FRAME = ("other", "Other (business, users, technology)", "Angles that fit none of the frames above.",
               [], ["Investors weighed what the decision means for the company.", "Users moved to other services."])
STANCE = {
    "critical": ("Critical of the decision", "The article argues the decision is wrong or harmful.",
                 [r"\b(wrong|outrageous|disgraceful|dangerous) (ruling|decision)\b", r"\bshould (be )?(overturn|reverse)\w*\b"],
                 ["The decision is a dangerous mistake.", "The appeals court should reverse this ruling."]),
    "neutral": ("Neutral", "Straight reporting without taking a side (the default).", [],
                ["The judge issued the decision on Friday.", "The company said it would appeal."]),
    "supportive": ("Supportive of the decision", "The article argues the decision is right.",
                   [r"\bgot (it|this|this one) right\b", r"\b(correctly|rightly) (ruled|decided)\b"],
                   ["The court got this one right.", "The decision is careful and correct."]),
}


def q(text: str) -> str:
    """A YAML single-quoted scalar (no escapes to get wrong: a quote is doubled)."""
    return "'" + re.sub(r"[\x00-\x1f\x7f]+", " ", text).replace("'", "''") + "'"


def render_draft(draft: StoryDraft, story_id: str, title: str, query: str, dates: tuple[dt.date, dt.date],
                 primary: tuple[str, str] | None, where: str, has_references: bool = False) -> str:
    """The story file's text: top-level keys, actors, features, frames, stance, descriptors, key facts."""
    lines = [f"# Draft made by `python -m framelens story draft` on {dt.date.today().isoformat()} from {where}",
             f"# ({len(draft.outlets)} articles, {len(set(draft.outlets.values()))} outlets). Everything below is a",
             "# suggestion to edit: keep what fits, delete what does not, and rerun `analysis run`.",
             f"# Story id: {story_id} (the file name).",
             f"title: {q(title)}", "language: en", "",
             "dates:", f"  start: {dates[0].isoformat()}", f"  end: {dates[1].isoformat()}", ""]
    lines += _query(draft, query)
    if primary:
        lines += ["primary_source:", *_primary(primary), ""]
    lines += _actors(draft, has_references)
    lines += _features(draft)
    lines += _frames() + _stance() + _descriptors(draft) + _facts(draft)
    return "\n".join(lines) + "\n"


def _query(draft: StoryDraft, query: str) -> list[str]:
    lines = ["query:", "  keywords:", f"    - {q(query)}"]
    lines += [f"    - {q(a.label)}" for a in draft.actors[:2] if a.label.lower() != query.lower()]
    lines += ["  # relevance: the actor named in most articles, plus the terms most of them share", "  relevance:"]
    if draft.relevance_all:
        lines.append("    all: [" + ", ".join(q(t) for t in draft.relevance_all) + "]")
    if draft.relevance_any:
        lines += ["    any: [" + ", ".join(q(t) for t in draft.relevance_any) + "]", "    min_any: 1"]
    if not draft.relevance_all and not draft.relevance_any:
        lines[-1] += " {}"
    return lines + [""]


def _primary(primary: tuple[str, str]) -> list[str]:
    title, where = primary
    if re.match(r"^https?://", where):
        out = [f"  url: {q(where)}"]
    else:
        out = [f"  path: {q(where)}"]
    return out + ([f"  title: {q(title)}"] if title else [])


def _based_on(articles: set[int], draft: StoryDraft) -> str:
    outlets = sorted({draft.outlets[a] for a in articles if a in draft.outlets})
    shown = ", ".join(outlets[:5]) + (f" and {len(outlets) - 5} more" if len(outlets) > 5 else "")
    return f"{len(articles)} articles, {len(outlets)} outlets: {shown}"


def _actors(draft: StoryDraft, has_references: bool) -> list[str]:
    lines = ["# actors: names that recur in the coverage; shorter forms as aliases", "actors:"]
    for actor in draft.actors:
        lines += [f"  # in {_based_on(actor.articles, draft)}", f"  {actor.id}:", f"    label: {q(actor.label)}",
                  "    aliases: [" + ", ".join(q(a) for a in actor.aliases) + "]"]
        if actor.references and has_references:
            lines.append("    references: [" + ", ".join(q(r) for r in actor.references) + "]")
        elif actor.references:
            lines.append("    # generic references found: " + ", ".join(actor.references)
                         + " (not written as `references:`: this framelens does not read that key yet)")
    return lines + ([] if draft.actors else ["  {}"]) + [""]


def _detector(cand: Candidate, indent: str = "  ") -> list[str]:
    lines = [f"{indent}- id: {cand.id}", f"{indent}  label: {q(cand.label)}"]
    if cand.statement:
        lines.append(f"{indent}  statement: {q(cand.statement)}")
    if cand.pattern:
        lines += [f"{indent}  patterns:", f"{indent}    - {q(cand.pattern)}"]
    lines += [f"{indent}  prototypes:"] + [f"{indent}    - {q(p)}" for p in cand.prototypes]
    return lines


def _features(draft: StoryDraft) -> list[str]:
    lines = ["# features: SUGGESTED talking points whose presence varies most between leans (or outlets);",
             "# each pattern is a suggestion: phrases of its own sentences, checked against the whole coverage", "features:"]
    for cand in draft.features:
        lines += [f"  # suggestion: {cand.spread}; in {_based_on(cand.articles, draft)}"]
        if cand.pattern_note:
            lines.append(f"  # {cand.pattern_note}")
        lines += _detector(cand)
    return lines + ([] if draft.features else ["  []"]) + [""]


def _frames() -> list[str]:
    lines = ["# frames: a generic starting set; rename, rewrite and add the story's own", "frames:"]
    for fid, label, description, patterns, prototypes in GENERIC_FRAMES + [OTHER_FRAME]:
        lines += [f"  - id: {fid}", f"    label: {q(label)}", f"    description: {q(description)}"]
        if patterns:
            lines += ["    patterns:"] + [f"      - {q(p)}" for p in patterns]
        lines += ["    prototypes:"] + [f"      - {q(p)}" for p in prototypes]
    return lines + [""]


def _stance() -> list[str]:
    lines = ["# stance: generic cues toward the decision; add the evaluative words this story's coverage uses",
             "stance:", "  target: the decision", "  labels:"]
    for name, (label, description, patterns, prototypes) in STANCE.items():
        lines += [f"    {name}:", f"      label: {q(label)}", f"      description: {q(description)}"]
        if patterns:
            lines += ["      patterns:"] + [f"        - {q(p)}" for p in patterns]
        lines += ["      prototypes:"] + [f"        - {q(p)}" for p in prototypes]
    return lines + [""]


def _descriptors(draft: StoryDraft) -> list[str]:
    found = {a: ds for a, ds in draft.descriptors.items() if ds}
    lines = ["# descriptors: modifiers the coverage attaches to an actor (appositives, words before its name)"]
    if not found:
        return lines + ["# (none found in two or more articles)", ""]
    lines.append("descriptors:")
    for actor_id, descs in found.items():
        lines.append(f"  {actor_id}:")
        for d in descs:
            lines += [f"    # in {_based_on(d.articles, draft)}", f"    - id: {d.id}", f"      label: {q(d.label)}",
                      f"      patterns: [{q(d.pattern)}]", "      prototypes:"]
            lines += [f"        - {q(e)}" for e in d.examples]
    return lines + [""]


def _facts(draft: StoryDraft) -> list[str]:
    lines = ["# key_facts: the primary source's statements (sentences, or clauses of a longer sentence)",
             "# that the most articles paraphrase, each with its most typical paraphrases as prototypes"]
    if not draft.key_facts:
        return lines + ["# (none: no primary source, or no statement of it is reported by two articles)"]
    lines.append("key_facts:")
    for cand in draft.key_facts:
        lines.append(f"  # reported by {_based_on(cand.articles, draft)}")
        if cand.source_wording:
            lines.append("  # worded as the coverage most often reports it; the source says it in legal form: "
                         + " ".join(cand.source_wording.split()))
        if cand.source_sentence:
            lines.append(f"  # one clause of the source sentence: {' '.join(cand.source_sentence.split())}")
        lines += _detector(cand)
    return lines


def relative_path(target: str, story_file: Path, project: Path = settings.ROOT) -> str:
    """A primary-source path as the loader reads it: relative to the story file's folder when
    both sit in the project (data/stories → ../demo/ruling.txt) or in one folder beside it,
    so the story moves with its checkout; absolute otherwise (a file elsewhere stays found)."""
    path, folder, project = Path(target).resolve(), story_file.parent.resolve(), project.resolve()
    if path.is_relative_to(folder.parent) or (path.is_relative_to(project) and folder.is_relative_to(project)):
        return os.path.relpath(path, folder)
    return str(path)
