"""The word-level parts of a story draft: actors, their generic references and descriptors,
and the keywords and relevance rule. Plain text heuristics, no model: each candidate
carries the articles it was found in, so the draft can say what it rests on.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .words import STOPWORDS

MAX_ACTORS = 6
MAX_DESCRIPTORS = 6
NAME = re.compile(r"\b[A-Z][\w'’&-]*(?:\s+(?:[A-Z]\.|[A-Z][\w'’&-]*))*")
NOT_NAMES = {"the", "a", "an", "he", "she", "it", "they", "we", "i", "in", "on", "at", "but", "and", "or",
             "this", "that", "these", "those", "his", "her", "its", "their", "our", "if", "when", "after",
             "before", "as", "for", "with", "by", "from", "to", "of", "no", "not", "yes", "so", "what", "who",
             "mr", "ms", "mrs", "dr", "judge", "court", "president", "governor", "senator", "opinion",
             "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
             "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
             "oct", "nov", "dec", "inc", "llc", "ltd", "u.s", "us", "plaintiff", "defendant", "order"}
HEADS = (r"(?:platform|company|companies|app|site|service|network|firm|"
         r"provider|host|judge|court|startup|group|agency|outlet|website|giant|alternative|rival|haven)")
TITLES = {"mr", "ms", "mrs", "dr", "judge", "president", "governor", "senator"}
# a generic reference: 'the', up to two modifiers, a head noun ('the social media platform' → 'the platform')
GENERIC_ANY = re.compile(r"\b[Tt]he (?:[a-z][a-z-]* ){0,2}?(social network|tech giant|platform|company|app|site|service|network|"
                         r"firm|provider|host|startup|website|giant|judge|agency)\b")
# a role word inside a name run separates an organisation from its person ('Gizmo CEO Ann Lee')
ROLE_WORDS = {"ceo", "founder", "co-founder", "chief", "spokesman", "spokeswoman", "spokesperson", "executive",
              "lawyer", "attorney", "owner", "chairman", "chairwoman", "director"}
_ACRONYM = re.compile(r"[A-Z]{2,6}")

COMMON_MODIFIERS = {"federal", "former", "other", "same", "new", "main", "largest", "biggest", "major", "small",
                    "local", "national", "outgoing", "senior", "district", "u.s", "american", "supporter",
                    "supporters", "backer", "backers", "thousand", "thousands", "million", "millions", "user",
                    "users", "people", "many", "most", "more",
                    # kinds of service, not characterisations ('the social media platform')
                    "social", "media", "networking", "online", "mobile", "digital", "internet", "hosting", "cloud",
                    "microblogging", "messaging", "video", "streaming"}


@dataclass
class ActorDraft:
    id: str
    label: str
    aliases: list[str]
    articles: set[int]
    references: list[str] = field(default_factory=list)


@dataclass
class DescriptorDraft:
    id: str
    label: str
    pattern: str
    examples: list[str]
    articles: set[int]


def find_actors(docs: dict[int, list[str]], source: list[str]) -> list[ActorDraft]:
    """Named entities that recur across articles (and the source), with their shorter forms as aliases."""
    seen: dict[str, set[int]] = defaultdict(set)
    for doc_id, sentences in docs.items():
        for name in {n for s in sentences for n in _names(s)}:
            seen[name].add(doc_id)
    in_source = {n for s in source for n in _names(s)}
    floor = max(2, round(0.15 * len(docs)))
    seeds = {n for n, a in seen.items() if len(a) >= floor or (n in in_source and len(a) >= 2)}
    return _group_names({n: a for n, a in seen.items() if len(a) >= 2}, seeds)[:MAX_ACTORS]


def _names(sentence: str) -> list[str]:
    """Capitalised word runs; a run's leading function word ('The', 'But') is dropped."""
    out = []
    for match in NAME.finditer(sentence):
        words = match.group(0).replace("’", "'").split()
        while words and words[0].lower().strip(".") in NOT_NAMES and not (
                words[0].lower().strip(".") in TITLES and len(words) > 1):  # 'Judge Ada Quill' keeps its title
            words = words[1:]
        words = [w.rstrip("'s") if w.endswith("'s") else w for w in words]
        if words and not (len(words) == 1 and (words[0].isupper() and len(words[0]) > 4)):
            name = " ".join(words).strip(" -'")
            out += [part for part in _role_split(name) if len(part) > 2 and part.lower() not in NOT_NAMES]
    return out


def _role_split(name: str) -> list[str]:
    """'Gizmo CEO Ann Lee' is two names, the organisation and the person, not one."""
    words = name.split()
    cut = next((i for i, w in enumerate(words) if w.lower() in ROLE_WORDS), None)
    if cut is None:
        return [name]
    return [p for p in (" ".join(words[:cut]), " ".join(words[cut + 1:])) if p]


def _group_names(found: dict[str, set[int]], seeds: set[str]) -> list[ActorDraft]:
    """Longer names absorb the names whose words they contain ('Stratus' into 'Stratus Cloud Services');
    only a name common enough (`seeds`) starts an actor, rarer ones join one as aliases."""
    by_reach = sorted(found, key=lambda n: (-len(n.split()), -len(found[n]), n))
    actors: list[ActorDraft] = []
    for name in by_reach:
        words = set(name.lower().split())
        home = next((a for a in actors if words <= set(" ".join([a.label] + a.aliases).lower().split())), None)
        if home is not None:
            home.aliases.append(name)
            home.articles |= found[name]
        elif name in seeds:
            actors.append(ActorDraft("", name, [], set(found[name])))
    actors = [a for a in _merged_acronyms(actors, found) if len(a.articles) >= 2]
    actors.sort(key=lambda a: (-len(a.articles), a.label))
    used: set[str] = set()
    for actor in actors:
        names = [actor.label] + actor.aliases
        # the label: the longest form at least a third of the actor's articles use
        wide = [n for n in names if len(found[n]) * 3 >= len(actor.articles)] or names
        actor.label = max(wide, key=lambda n: (len(n.split()), len(found[n]), n))
        rest = [n for n in names if n != actor.label]
        actor.aliases = sorted(rest, key=lambda n: (-len(found[n]), n))[:6]
        single = [n for n in names if len(n.split()) == 1]
        actor.id = _unique(_slug(max(single, key=lambda n: len(found[n])) if single else actor.label.split()[-1]), used)
    return actors


def _merged_acronyms(actors: list[ActorDraft], found: dict[str, set[int]]) -> list[ActorDraft]:
    """An all-capitals name made of another actor's initials ('NPA' for 'Northern Ports
    Authority') is that actor's alias, not an actor of its own."""
    for actor in actors:
        for name in [n for n in [actor.label] + actor.aliases if _ACRONYM.fullmatch(n)]:
            home = next((a for a in actors if a is not actor and any(
                _initials(n2) == name for n2 in [a.label] + a.aliases)), None)
            if home is None:
                continue
            home.aliases.append(name)
            home.articles |= found[name]
            rest = [n for n in [actor.label] + actor.aliases if n != name]
            actor.label, actor.aliases = (rest[0], rest[1:]) if rest else ("", [])
            actor.articles = set().union(*(found[n] for n in rest)) if rest else set()
    return [a for a in actors if a.label]


def _initials(name: str) -> str:
    words = name.split()
    return "".join(w[0] for w in words) if len(words) >= 2 and all(w[:1].isupper() for w in words) else ""


def find_references(actors: list[ActorDraft], docs: dict[int, list[str]]) -> None:
    """Generic references ('the platform', 'the tech giant') credited to an actor: beside its
    name ('the social network Gizmo', 'Gizmo, the platform,'), opening the sentence after
    one whose subject (first-named actor) it is, or holding the actor's title ('the judge');
    kept for the actor they go with most, twice or more. A reference inside a sentence is
    left out: 'X asked Y to restore the platform' says nothing on its own."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for sentences in docs.values():
        subject: ActorDraft | None = None
        for sentence in sentences:
            for match in GENERIC_ANY.finditer(sentence):
                ref = "the " + match.group(1).lower()
                actor = _titled(actors, ref) or _beside(actors, sentence, match) or (
                    subject.id if subject is not None and match.start() == 0 else None)
                if actor:
                    counts[ref][actor] += 1
            subject = _first_named(actors, sentence) or subject
    for actor in actors:
        refs = [(n[actor.id], ref) for ref, n in counts.items()
                if n[actor.id] >= 2 and n.most_common(1)[0][0] == actor.id]
        actor.references = [r for _, r in sorted(refs, key=lambda x: (-x[0], x[1]))[:4]]


def _beside(actors: list[ActorDraft], sentence: str, match: re.Match) -> str | None:
    """The actor named right after the reference or right before it, with a comma between."""
    after, before = sentence[match.end():], sentence[:match.start()]
    for actor in actors:
        for name in [actor.label] + actor.aliases:
            if re.match(rf",?\s+{re.escape(name)}\b", after) or re.search(rf"\b{re.escape(name)},\s+$", before):
                return actor.id
    return None


def _first_named(actors: list[ActorDraft], sentence: str) -> ActorDraft | None:
    """The actor named earliest in the sentence (its subject, most often)."""
    where = [(m.start(), i) for i, a in enumerate(actors) for n in [a.label] + a.aliases
             for m in [re.search(rf"\b{re.escape(n)}\b", sentence)] if m]
    return actors[min(where)[1]] if where else None


def _titled(actors: list[ActorDraft], ref: str) -> str | None:
    """The actor whose own name holds the reference's noun ('the judge' → 'Judge … Whitcombe')."""
    head = ref.split()[-1]
    return next((a.id for a in actors if head in " ".join([a.label] + a.aliases).lower().split()), None)


def find_descriptors(actor: ActorDraft, docs: dict[int, list[str]]) -> list[DescriptorDraft]:
    """Words the coverage attaches to an actor: in appositives ('X, a conservative app,'),
    before its name ('the right-wing platform X') and in relative clauses ('X, which is
    popular with conservatives'), kept when two articles use them."""
    found: dict[str, set[int]] = defaultdict(set)
    examples: dict[str, list[str]] = defaultdict(list)
    for doc_id, sentences in docs.items():
        for sentence in sentences:
            for word in _describing_words(_descriptor_regexes(actor), sentence):
                found[word].add(doc_id)
                if len(examples[word]) < 2 and sentence not in examples[word]:
                    examples[word].append(sentence)
    ranked = sorted((w for w, a in found.items() if len(a) >= 2), key=lambda w: (-len(found[w]), w))
    used: set[str] = set()
    return [DescriptorDraft(_unique(_slug(w), used), w, _word_pattern(w), examples[w], found[w])
            for w in ranked[:MAX_DESCRIPTORS]]


def _descriptor_regexes(actor: ActorDraft) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    names = "|".join(re.escape(n) for n in sorted([actor.label] + actor.aliases, key=len, reverse=True))
    heads = "|".join(re.escape(r.split(" ", 1)[1]) for r in actor.references)
    # a clause may follow the actor's generic reference too ('the social media app, which is favored by ...')
    clause_names = names + (rf"|\b[Tt]he\s+(?:[\w-]+\s+){{0,3}}?(?:{heads})" if heads else "")
    return (re.compile(rf"\b(?:{names}),\s+(?:a|an|the)\s+((?:[\w-]+\s+){{0,4}}?{HEADS})\b"),
            re.compile(rf"\b(?:a|an|the)\s+((?:[\w-]+\s+){{0,4}}?{HEADS}),?\s+(?:{names})\b"),
            re.compile(rf"(?:{clause_names}),\s+(?:which\s+(?:is|was|has been|bills itself as|calls itself|"
                       rf"describes itself as|styles itself as|markets itself as)\s+|(?=(?:popular|favou?red|beloved)\s))"
                       rf"([^,.;:()]{{3,80}})"))


def _describing_words(regexes: tuple[re.Pattern, ...], sentence: str) -> set[str]:
    after, before, clause = regexes
    phrases = [m.group(1) for r in (after, before) for m in r.finditer(sentence)]
    words = {w for p in phrases for w in _modifiers(p)}
    for m in clause.finditer(sentence):  # a clause has no head noun to leave out: every content word
        words |= {_singular(w) for w in _modifiers(m.group(1) + " x")}
    return words


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 4 else word


def _modifiers(phrase: str) -> list[str]:
    """The describing words of a noun phrase: all but its head noun, stop words and names left out."""
    words = [w.lower() for w in re.findall(r"[\w-]+", phrase)[:-1] if not w[0].isupper()]
    return [w for w in words if w not in STOPWORDS and w not in COMMON_MODIFIERS and len(w) > 3 and not w.isdigit()]


def _word_pattern(word: str) -> str:
    """A whole-word regex for a modifier; a hyphen may also be a space ('far-right', 'far right'),
    and a plural 's' may follow ('conservative', 'conservatives')."""
    return r"\b" + r"[- ]".join(re.escape(part) for part in word.split("-")) + r"s?\b"


def suggest_relevance(actors: list[ActorDraft], term_articles: dict[str, set[int]], n_articles: int,
                      query: str) -> tuple[list[str], list[str]]:
    """(all, any): the most-covered actor's names as the one required term, and up to five
    terms most articles share as alternatives."""
    main = actors[0] if actors and len(actors[0].articles) >= 0.8 * n_articles else None
    required = ["|".join(dict.fromkeys(n.lower() for n in [main.label] + main.aliases))] if main else []
    taken = set(required[0].split("|")) if required else set()
    query_words = set(re.findall(r"\w+", query.lower()))
    shared = sorted(((len(a), t) for t, a in term_articles.items()
                     if t not in taken and t not in STOPWORDS and len(t) > 3 and not t.isdigit()
                     and t not in query_words and 0.3 * n_articles <= len(a) < n_articles), reverse=True)
    return required, [t for _, t in shared[:5]]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "item"


def _unique(base: str, used: set[str]) -> str:
    name, n = base, 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name


MAX_PHRASE_WORDS = 6


def phrase_label(terms: list[str], sentence: str) -> str:
    """A label a journalist can read: the run of words in the point's most typical sentence
    that holds the most of its distinctive terms ("President Jimmy Carter", not "carter"),
    widened by a neighbouring content word, at most MAX_PHRASE_WORDS words; the first term
    when the sentence holds none."""
    words = re.findall(r"[^\W_][\w'’.-]*[^\W_.]|[^\W_]", sentence)
    wanted = {w for t in terms for w in t.split()}
    hits = [i for i, w in enumerate(words) if w.lower() in wanted]
    if not hits:
        return f"Mentions {terms[0]}" if terms else "Suggested talking point"
    window = max(([i for i in hits if first <= i < first + MAX_PHRASE_WORDS] for first in hits), key=len)
    start, end = _widen(words, window[0], window[-1])
    return "Mentions “" + " ".join(words[start:end + 1]) + "”"


def _widen(words: list[str], start: int, end: int) -> tuple[int, int]:
    """One more content word on each side while the run stays short ('kind of abusive,
    violent' → 'abusive, violent content'); stopwords at the edges are left out."""
    if end + 1 < len(words) and words[end + 1].lower() not in STOPWORDS and end - start + 1 < MAX_PHRASE_WORDS:
        end += 1
    if start > 0 and words[start - 1].lower() not in STOPWORDS and end - start + 1 < MAX_PHRASE_WORDS:
        start -= 1
    return start, end
