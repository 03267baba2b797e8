"""What a story's detectors say about one article: features, frame, stance, descriptors, facts.

`StoryDetectors` compiles the story once and scores every distinct sentence of the corpus
once (a `SentenceBank`); `analyse` then only gathers each article's rows. The pipeline,
the tests and the dev-set benchmark all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from framelens.stories import Detector, Story, cue_languages, story_in_language

from . import detectors as det
from .appraisal import appraise, compile_lexicon, resolve
from .descriptors import ActorFinder, describe_actors
from .framing import emphasis_weights, lead_indices, score_frames, score_stance
from .genre import is_commentary, judge_genre, with_stance
from .voice import author_text, has_quotes


@dataclass
class ArticleView:
    """One article as the detectors see it: its sentences (the title first, when it has one)."""

    sentences: list[str]
    has_title: bool = False
    opinion: bool = False  # the outlet, URL or headline says opinion; else the text decides (analysis/genre.py)
    evaluated: bool = True
    language: str = ""


def story_detectors(story: Story) -> list[Detector]:
    """Every detector of the story (their prototypes are embedded with the sentences)."""
    return (story.features + story.frames + story.key_facts + list(story.stance.values())
            + [d for dets in story.descriptors.values() for d in dets])


def _stance_detectors(story: Story) -> list[Detector]:
    """Critical and supportive; the neutral label's prototypes are near-misses for both."""
    neutral = story.stance.get("neutral")
    extra = list(neutral.prototypes) if neutral else []
    return [replace(story.stance[k], negative_prototypes=story.stance[k].negative_prototypes + extra)
            for k in ("critical", "supportive") if k in story.stance]


def side_words(story: Story) -> dict[str, list[str]]:
    """The words naming each side of the ruling (stance.sides) for analysis/appraisal.py: the
    winner's names and references (less those the loser shares, "the company"); the loser is
    found by its case alone."""
    actors = lambda side: [a for a in story.stance_sides.get(side, []) if a in story.actors]
    names = lambda side: [w for a in actors(side) for w in story.actors[a].aliases + story.actors[a].references]
    if not story.stance_sides:
        return {}
    shared = set(names("loser"))
    return {"winner": [w for w in names("winner") if w not in shared], "loser": []}


def fallback_frame(story: Story) -> str:
    if any(f.id == "other" for f in story.frames):
        return "other"
    return story.frames[0].id if story.frames else ""


class StoryDetectors:
    """The story's detectors, scored over a bank of distinct sentences."""

    def __init__(self, story: Story, bank: det.SentenceBank, prototype_vectors: Mapping[str, np.ndarray],
                 use_prototypes: bool = True, default_threshold: float = det.DEFAULT_THRESHOLD, language: str = ""):
        self.story, self.bank = story, bank
        self.lexicon = compile_lexicon(language or story.language, side_words(story))
        dim = bank.vectors.shape[1] if bank.vectors.ndim == 2 and bank.vectors.shape[1] else 1
        protos = list(dict.fromkeys(det.prototype_texts(story_detectors(story))))
        topic = det.topic_vector(np.vstack([prototype_vectors[t] for t in protos])) if protos else None
        build = lambda dets: det.build_matchers(dets, prototype_vectors, dim, default_threshold, use_prototypes,
                                                topic)
        self.features, self.frames, self.facts = build(story.features), build(story.frames), build(story.key_facts)
        self.stance = build(_stance_detectors(story))
        self.descriptors = {a: build(d) for a, d in story.descriptors.items() if a in story.actors}
        self.finder = ActorFinder({a: story.actors[a] for a in self.descriptors})
        self.all_actors = ActorFinder(story.actors)
        self.fallback = fallback_frame(story)
        self.default_frame = story.frames[0].id if story.frames else ""
        self._score_bank()

    def _score_bank(self) -> None:
        bank = self.bank
        authors = [author_text(t) for t in bank.texts]  # the author's own words, None for reported speech
        self.own = np.fromiter((a is not None and not has_quotes(t) for a, t in zip(authors, bank.texts)),
                               dtype=bool, count=len(bank))
        self.voiced = np.fromiter((a is not None for a in authors), dtype=bool, count=len(bank))
        self.names_actor = np.fromiter((bool(self.all_actors.spans(t)) for t in bank.texts), dtype=bool,
                                       count=len(bank))
        self.commentary = np.fromiter((a is not None and is_commentary(a) for a in authors), dtype=bool,
                                      count=len(bank))
        self.feature_scores = det.score_bank(self.features, bank)
        self.frame_scores = det.score_bank(self.frames, bank)
        self.fact_scores = det.score_bank(self.facts, bank)
        # Stance is the author's: patterns see only unquoted, unreported words; prototypes only whole own sentences.
        self.stance_scores = det.score_bank(self.stance, bank, texts=authors, allow_prototype=self.own)
        self.appraisals = [appraise(a, t, self.lexicon) for a, t in zip(authors, bank.texts)]
        self.descriptor_scores = {a: det.score_bank(ms, bank) for a, ms in self.descriptors.items()}

    def analyse(self, view: ArticleView) -> dict:
        """The article's payload fields computed by the detectors."""
        if not view.evaluated:
            return self._not_evaluated(view)
        s = view.sentences
        ids = self.bank.ids(s)
        take = lambda scores: {k: v.take(ids) for k, v in scores.items()}
        stance = take(self.stance_scores)
        genre = judge_genre(s, list(self.voiced[ids]), view.opinion)
        appraised = resolve([self.appraisals[i] for i in ids])
        verdict = score_stance(stance, s, view.has_title, genre.opinion, appraised)
        genre = with_stance(genre, verdict)
        evaluated = np.array([label is not None for label, _ in appraised], dtype=bool)
        frame = self._frame(view, ids, take(self.frame_scores), stance, genre.opinion, evaluated)
        described = describe_actors(self.finder, self.descriptors,
                                    {a: take(sc) for a, sc in self.descriptor_scores.items()}, s, view.has_title)
        return {
            "features": {m.id: det.answer(self.feature_scores[m.id].take(ids), s).as_dict() for m in self.features},
            "frame": frame,
            "stance": verdict,
            "genre": genre.as_dict(),
            "descriptors": {a: sorted(found) for a, found in described.items()},
            "descriptor_evidence": described,
            "key_facts": {m.id: det.answer(self.fact_scores[m.id].take(ids), s).as_dict(with_score=False)
                          for m in self.facts},
            "language": view.language, "evaluated": True,
        }

    def _frame(self, view: ArticleView, ids: np.ndarray, frames: dict, stance: dict, opinion: bool,
               evaluated: np.ndarray) -> dict:
        """The primary frame from emphasis: headline and lead for news, the author's commentary
        (commentary words, a stance of their own or evaluative words: `evaluated`) for opinion."""
        s, voiced = view.sentences, self.voiced[ids]
        stance_hit = evaluated.copy()
        for scores in stance.values():
            stance_hit |= scores.hit
        commentary = (self.commentary[ids] | stance_hit) & voiced
        lead = lead_indices(s, view.has_title, list(self.names_actor[ids]))
        weigh = lambda default: emphasis_weights(len(s), view.has_title, lead, voiced, commentary, opinion, default)
        if opinion:
            emphasised = commentary.copy()
            emphasised[:1] |= view.has_title  # an opinion headline is the author's emphasis
            frames = self._with_features(frames, ids, emphasised)
        plain, default = weigh(False), weigh(True)
        weights = {fid: default if fid == self.default_frame else plain for fid in frames}
        basis = "the author's commentary" if opinion else "headline and lead"
        return score_frames(frames, s, weights, self.fallback, basis)

    def _with_features(self, frames: dict, ids: np.ndarray, emphasised: np.ndarray) -> dict:
        """Opinion: a feature the story ties to a frame (frames[].features), found where the author
        puts the emphasis (headline, commentary), is that frame's cue too ("not a babysitter for
        incitement" is a safety argument however it is worded)."""
        out = dict(frames)
        for fid, feature_ids in self.story.frame_features.items():
            if fid not in frames:
                continue
            s = frames[fid]
            for feature in feature_ids:
                f = self.feature_scores[feature].take(ids) if feature in self.feature_scores else None
                if f is None:
                    continue
                extra = f.hit & emphasised
                s = det.SentenceScores(s.hit | extra, np.where(extra, np.maximum(s.score, f.score), s.score))
            out[fid] = s
        return out

    def _not_evaluated(self, view: ArticleView) -> dict:
        """A language the story has no cues for: nothing is claimed absent, everything is 'not evaluated'."""
        return {
            "features": {m.id: {"present": None, "score": 0.0, "evidence": []} for m in self.features},
            "frame": {"primary": self.fallback, "scores": {m.id: 0.0 for m in self.frames}, "evidence": []},
            "stance": {"label": "neutral", "score": 0.0, "evidence": []},
            "genre": {"label": "opinion" if view.opinion else "news", "source": "outlet or URL" if view.opinion
                      else "not evaluated", "evidence": []},
            "descriptors": {a: [] for a in self.descriptors},
            "descriptor_evidence": {a: {} for a in self.descriptors},
            "key_facts": {m.id: {"present": None, "evidence": []} for m in self.facts},
            "language": view.language, "evaluated": False,
        }


class DetectorsByLanguage:
    """The story's detectors as each article's language reads them (framelens/story_cues.py).

    Articles in the story's language (or an unknown one) use the story as written; those
    in a language the story carries cues for use `story_in_language`, scored over a bank
    of their own sentences. Articles not evaluated get the story's "not evaluated" answer.
    """

    def __init__(self, story: Story, bank: det.SentenceBank, lookup: Mapping[str, np.ndarray],
                 views: list[ArticleView], use_prototypes: bool = True,
                 default_threshold: float = det.DEFAULT_THRESHOLD):
        self.story, self.cued = story, cue_languages(story)
        groups: dict[str, list[str]] = {}
        for v in views:
            if v.evaluated:
                groups.setdefault(self.reading_language(v.language), []).extend(v.sentences)
        dim = bank.vectors.shape[1] if bank.vectors.ndim == 2 and bank.vectors.shape[1] else 1
        own = lambda lang: bank if set(groups) <= {lang} else \
            det.SentenceBank.from_lookup(groups.get(lang, []), lookup, dim)
        self.base = StoryDetectors(story, own(""), lookup, use_prototypes, default_threshold)
        self.by_language = {lang: StoryDetectors(story_in_language(story, lang), own(lang), lookup, use_prototypes,
                                                 default_threshold, lang) for lang in groups if lang}

    def reading_language(self, language: str) -> str:
        """The cue language an article in `language` is read with ('' = the story's own)."""
        return language if language in self.cued and language != self.story.language.lower() else ""

    def analyse(self, view: ArticleView) -> dict:
        """The article's payload fields, read with its language's cues."""
        lang = self.reading_language(view.language) if view.evaluated else ""
        return self.by_language.get(lang, self.base).analyse(view)


def detectors_for_texts(story: Story, embedder, views: list[ArticleView], use_prototypes: bool = True,
                        default_threshold: float = det.DEFAULT_THRESHOLD) -> DetectorsByLanguage:
    """Embed the views' sentences and the story's prototypes in one call and build the detectors."""
    sentences = [t for v in views for t in v.sentences]
    texts = list(dict.fromkeys(sentences + det.prototype_texts(story_detectors(story))))
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32) if texts else np.zeros((0, 1), np.float32)
    lookup = dict(zip(texts, vectors))
    dim = vectors.shape[1] if len(vectors) else 1
    bank = det.SentenceBank.from_lookup(sentences, lookup, dim)
    return DetectorsByLanguage(story, bank, lookup, views, use_prototypes, default_threshold)
