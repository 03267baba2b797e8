"""A synthetic corpus of any size for the benchmarks: coverage of the demo story's fictional ruling.

    .venv/bin/python benchmarks/synth.py 2000 --seed 7 --out /tmp/synth-2000.jsonl
    .venv/bin/python -m collectors import /tmp/synth-2000.jsonl --story demo --db /tmp/synth.db

`make_corpus(n, seed)` returns import-format rows (url, title, text, outlet, published,
language, role): the demo story's synthetic ruling as the `primary_source` row, then `n`
articles from the demo's fictional outlets (`.example` domains, every lean). Articles are
built from templated sentences whose slots are filled from a vocabulary, with an angle
that leans with the outlet (legal process, public safety, free speech, tech power, the
judge's politics, business); they quote the ruling exactly, closely and falsely; about a
seventh are verbatim wire copies and a few are machine-spun rewrites of a wire story; about
one in a hundred is in German. Everything is fictional and deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO_CORPUS = ROOT / "data" / "demo" / "articles.jsonl"
DEMO_OUTLETS = ROOT / "data" / "demo" / "outlets.yaml"
WIRE = "continentalwire.example"
START = datetime(2025, 3, 14, 12, tzinfo=timezone.utc)

# ---- vocabulary --------------------------------------------------------------------------------------

V = {
    "chirp": ["Chirpline", "Chirpline Inc.", "the microblogging service Chirpline", "Chirpline, the microblogging platform,",
              "the social network Chirpline"],
    "stratus": ["Stratus", "Stratus Cloud Services", "the hosting company Stratus", "Stratus, the cloud provider,",
                "its former host Stratus"],
    "judge": ["Judge Eleanor M. Whitcombe", "Senior U.S. District Judge Eleanor M. Whitcombe", "Whitcombe",
              "the judge", "Judge Whitcombe", "the federal judge"],
    "when": ["on Friday", "late Friday", "in a 19-page order on Friday", "this week", "on March 14",
             "in a written order", "after a hearing last week", "in Port Wren on Friday"],
    "denied": ["denied", "rejected", "refused", "turned down", "declined to grant"],
    "request": ["request", "motion", "bid", "emergency request", "application"],
    "said": ["said", "wrote", "noted", "argued", "concluded", "found", "explained"],
    "lawyer": ["Chirpline lawyer Delia Marchetti", "a lawyer for Chirpline", "Delia Marchetti, who represents Chirpline,",
               "the company's general counsel"],
    "appeal": ["appeal the ruling", "ask the appeals court to step in", "file a notice of appeal within days",
               "keep fighting in court", "weigh every option, including an appeal"],
    "critic": ["Wade Hollister of the Citizens' Speech Project", "a spokesman for Governor Dale Brannock",
               "State Senator Ruth Kellam", "conservative commentator Miles Dunmore", "several Republican lawmakers",
               "the Open Web Alliance", "critics of the ruling"],
    "expert": ["legal scholar Priya Castellanos", "Professor Aaron Fairweather", "a former federal prosecutor",
               "the Cascadia Bar Association", "lawyers who follow the case", "antitrust specialists"],
    "lawmaker": ["State Representative Ines Oduya", "Senator Carl Reyes-Thornton", "Assembly Speaker Joan Albers",
                 "a legislator from Tessaly County", "a member of the judiciary committee"],
    "num": ["98", "ninety-eight", "nearly 100", "dozens of", "scores of"],
    "users": ["12", "about 12", "more than 11", "roughly 12"],
    "pct": ["1.2", "0.8", "2.1", "1.7", "3.4", "0.5"],
    "host": ["a small provider in Ontario", "a data center in Nevada", "an unnamed overseas host",
             "its own rented servers", "a provider it declined to name"],
    "adv": ["sharply", "quickly", "again", "publicly", "repeatedly", "in a statement", "on social media"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Saturday", "Sunday"],
    "claims": ["claims", "contract claim", "antitrust claim", "case", "lawsuit"],
    "immediately": ["immediately", "at once", "without notice", "right away"],
    "policy": ["acceptable use policy", "rules", "content policy", "terms of service"],
    "thirty": ["30 days'", "thirty days'", "a month's"],
    "cutting": ["cutting it off", "ending service", "pulling the plug", "shutting down its servers"],
    "crowd": ["A crowd", "A mob", "A throng of protesters", "A group of rioters", "An angry crowd"],
    "statehouse": ["the Cascadia Statehouse", "the statehouse in Port Wren", "the state capitol"],
    "officers": ["fourteen police officers", "14 officers", "more than a dozen officers"],
    "posts": ["posts", "messages", "comments", "threads"],
    "named": ["named legislators", "listed lawmakers by name", "named members of the legislature"],
    "hours": ["for hours", "for several hours", "late into the night", "until the building was cleared"],
    "free": ["a free-speech platform", "a free-speech alternative", "a home for open debate"],
    "blow": ["a blow to free speech online", "a dangerous precedent for speech", "censorship by another name",
             "a win for public safety", "a careful reading of the law"],
    "few": ["A handful of", "Three or four", "A small number of", "Only a few"],
    "infra": ["the infrastructure on which the internet runs", "the servers behind most websites",
              "the plumbing of the internet", "the computing power the web depends on"],
    "store_date": ["on February 25", "two days earlier", "days before the suspension", "the same week"],
    "apps": ["Orchard App Market and GridPlay", "The two largest app stores", "Both major app stores"],
    "evidence": ["little evidence", "no evidence", "only circumstantial evidence", "scant evidence"],
    "bench": ["for decades", "since 1979", "for more than four decades", "through seven administrations"],
    "assigned": ["in February", "on the day it was filed", "by random draw", "shortly after the suit was filed"],
    "disappointed": ["was disappointed by the ruling", "was deeply disappointed", "was disappointed but not surprised"],
    "options": ["consider its options", "keep fighting", "review the order closely", "decide its next steps soon"],
    "money": ["money damages", "a damages award", "compensation"],
    "months": ["months", "a year or more", "well into next year", "many months"],
}

FIRST = ("Ada Ben Cora Dmitri Elena Farid Greta Hollis Ines Jonah Kira Lars Mina Nolan Odile Pavel Quinn Rosa "
         "Silas Tamsin Ulric Vera Wendell Xenia Yusuf Zora Amos Bea Cyrus Delphine Emil Fern Gideon Hana Ivo").split()
LAST = ("Abernathy Brightwater Calloway Dunmore Ellery Falk Garroway Hensley Ibarra Jessup Kowalczyk Lindqvist "
        "Marlowe Nakashima Okafor Prentiss Quarles Rasmussen Sorensen Thibault Underhill Vasquez Whitlock Yarrow "
        "Zielinski Achebe Bramwell Castellane Dorsey Eastman").split()
TOWNS = ("Port Wren", "Tessaly", "Marrowdale", "Quillon Bay", "Vessary", "Ironwood", "Granite Falls", "Nordstadt",
         "Alder Creek", "Brackenridge", "Cinder Point", "Dunmore Flats", "Elk Hollow", "Fairhaven", "Glass Lake")
ROLES = ("a software engineer", "a retired teacher", "a small-business owner", "a nurse", "a county commissioner",
         "a law student", "a volunteer moderator", "a truck driver", "a graduate student", "a former city councilor",
         "a pastor", "a restaurant owner", "an app developer", "a union organizer", "a librarian")
OPINIONS = ("the ruling made sense", "the suspension felt unfair", "the company should have moderated sooner",
            "the case was about contracts, not politics", "the appeal would probably fail",
            "nobody should decide alone what stays online", "the judge was careful",
            "the decision looked political", "the riot changed how people see the site",
            "the big platforms have too much power", "users were punished for what a few people posted")
PREFIX = ("On Friday, ", "Meanwhile, ", "In court papers, ", "As expected, ", "By Monday, ", "In a statement, ",
          "At the hearing, ", "For now, ", "In practice, ", "Separately, ", "Earlier this month, ", "Still, ",
          "Late last week, ", "In its filings, ", "According to the order, ")
SUFFIX = (", according to court records", ", a person familiar with the matter said", ", the filings show",
          " last week", ", people close to the company said", " in a brief statement", ", records show",
          " on Thursday", ", two people briefed on the case said", " earlier this year", ", officials said",
          " in Port Wren", ", according to the complaint", " after the hearing", ", the company confirmed")

TEMPLATES = {
    "legal": [
        "{judge} {denied} {chirp}'s {request} for a preliminary injunction {when}.",
        "The court found that {chirp} had not shown a likelihood of success on the merits of its {claims}.",
        "{judge} {said} that the contract allowed {stratus} to suspend service {immediately} under its {policy}.",
        "{chirp} argued that {stratus} breached the contract by failing to give {thirty} notice before {cutting}.",
        "The ruling does not end the {claims}, and {judge} {said} she was not dismissing the underlying claims.",
        "{lawyer} {said} the company would {appeal}.",
        "The standard for a mandatory injunction is hard to meet, {expert} {said}.",
        "{judge} applied the four-factor test and found that each factor favored {stratus}.",
        "{chirp} also asked for a special master to review the flagged {posts}, which {judge} {denied} as well.",
        "The {claims} will now move toward discovery, {expert} {said}, a process that could take {months}.",
        "{chirp} filed suit on Feb. 28, a day after {stratus} suspended its account.",
        "According to the order, {money} could make {chirp} whole if it eventually wins.",
    ],
    "safety": [
        "{stratus} said it had flagged {num} {posts} that encouraged violence, including calls to return to the statehouse armed.",
        "{crowd} forced its way into {statehouse} on February 22, injuring {officers}.",
        "Some {posts} {named} and urged readers to find them at their homes, {expert} {said}.",
        "{lawmaker} {said} {adv} that the threats posted on Chirpline had changed how legislators move around the capital.",
        "Legislators sheltered in locked committee rooms {hours} while the crowd moved through {statehouse}.",
        "Several lawmakers named in the {posts} were assigned security details after the riot at {statehouse}.",
        "{stratus} {said} it had warned {chirp} since November about violent content it failed to remove.",
        "More than twenty-six thousand reported {posts} were waiting for review by Chirpline's moderators, {lawmaker} {said}.",
    ],
    "speech": [
        "{critic} called the suspension censorship of conservative voices.",
        "The First Amendment restrains the government, not private companies such as {stratus}, {expert} {said}.",
        "{chirp} bills itself as {free} and an alternative to mainstream social media.",
        "{critic} {said} {adv} that the ruling was {blow}.",
        "Supporters of {chirp} argue that it is being silenced for the views of its users, {critic} {said}.",
        "{expert} {said} the {claims} raises hard questions about speech on privately owned infrastructure.",
    ],
    "tech": [
        "{critic} {said} Big Tech companies were acting together to crush a smaller rival.",
        "{few} cloud providers control much of {infra}, {expert} {said}.",
        "{chirp}'s antitrust claim accused {stratus} of colluding with Murmur to restrain competition.",
        "{apps} removed the Chirpline app from their app stores {store_date}.",
        "{judge} {said} {chirp} offered {evidence} of any agreement between {stratus} and Murmur.",
        "{expert} {said} the {claims} shows how much power sits with the companies that rent out computing.",
        "The tech giants decide who may speak online, {critic} {said} {adv}.",
    ],
    "partisan": [
        "Judge Whitcombe was appointed by President Jimmy Carter and has served {bench}.",
        "{critic} noted that the judge is a Democratic appointee who has sat on the bench {bench}.",
        "The ruling came from a judge put on the bench by the 39th president, {critic} {said}.",
        "{chirp} said it {disappointed} and would {options}.",
        "The {claims} was assigned to Judge Whitcombe {assigned}, court records show.",
    ],
    "people": [
        "{person}, {role} in {town}, said {opinion}.",
        "{person}, {role} from {town}, told reporters that {opinion}.",
        "\"I think {opinion},\" said {person}, {role}.",
        "In {town}, {person} said {opinion}.",
        "{person}, {n2}, {role}, said {opinion}.",
    ],
    "business": [
        "Shares of Stratus Holdings rose {pct} percent in {day} trading after the ruling.",
        "{chirp} had {users} million registered users before it went offline.",
        "Investors are weighing whether to put more money into {chirp}, people familiar with the talks {said}.",
        "Engineers at Chirpline are migrating its databases to {host}, the company {said}.",
        "Advertisers had paused spending on {chirp} weeks before the suspension, analysts {said}.",
        "Users in {town} {said} they had moved to other apps while the service stays dark.",
    ],
}

GERMAN = [
    "Ein US-Bundesgericht hat den Eilantrag der Plattform Chirpline abgewiesen.",
    "Richterin Eleanor Whitcombe wurde von Präsident Jimmy Carter ernannt.",
    "Der Cloud-Anbieter Stratus hatte die Plattform nach dem Sturm auf das Parlament von Cascadia gesperrt.",
    "Stratus verwies auf gewalttätige Beiträge, die Chirpline nicht gelöscht habe.",
    "Chirpline wirft Stratus eine Absprache mit dem Konkurrenten Murmur vor und beruft sich auf das Kartellrecht.",
    "Das Verfahren geht weiter, die Klage wurde nicht abgewiesen.",
    "Kritiker sprechen von Zensur, Befürworter von einer sachlich begründeten Entscheidung.",
]

QUOTE_FORMS = ['{judge} wrote: "{q}"', '"{q}," {judge} wrote.', 'The order states: "{q}"',
               'In the order, {judge} wrote that "{q_low}"']

TITLES = {
    "legal": ["Judge denies Chirpline's bid to restore its hosting", "Court won't order Stratus to rehost Chirpline",
              "Chirpline loses injunction fight with Stratus", "What the Chirpline ruling decides, and what it doesn't"],
    "safety": ["Judge points to threats against lawmakers in Chirpline ruling", "Chirpline stays dark after violent posts",
               "Lawmakers named in Chirpline posts describe weeks of fear"],
    "speech": ["The Chirpline ruling and the future of speech online", "Chirpline ruling is a blow to free speech",
               "Is the Chirpline suspension censorship?"],
    "tech": ["Big Tech keeps Chirpline offline", "Chirpline ruling shows the power of the cloud layer",
             "Chirpline's antitrust case deserved a hearing"],
    "partisan": ["Carter-appointed judge keeps Chirpline offline", "The judge, the riot and the double standard"],
    "business": ["Stratus Holdings shares edge up after Chirpline ruling", "Chirpline's backers weigh their next move"],
    "people": ["Chirpline users react to the ruling", "In Cascadia, mixed feelings about the Chirpline ruling"],
}

# Angle weights by lean: who stresses what.
ANGLES = ("legal", "safety", "speech", "tech", "partisan", "business", "people")
LEAN_WEIGHTS = {
    "left": (3, 5, 1, 3, 0.2, 1, 1), "lean-left": (4, 4, 1, 2, 0.3, 1, 1), "center": (6, 2, 1, 1, 0.3, 1.5, 1),
    "lean-right": (4, 1, 2, 3, 1, 2, 1), "right": (2, 0.5, 5, 4, 3, 0.5, 1), "unrated": (4, 2, 2, 2, 1, 1, 1),
}

SPIN = {"judge": "magistrate", "Judge": "Magistrate", "company": "firm", "said": "stated", "request": "appeal",
        "removed": "took down", "suspended": "halted", "violence": "aggression", "denied": "rejected",
        "refused": "declined", "lawmakers": "legislators", "posts": "messages", "argued": "contended",
        "ruling": "decision", "court": "tribunal", "hosting": "web hosting", "evidence": "proof",
        "showed": "demonstrated", "content": "material", "quickly": "rapidly", "help": "assist"}


# ---- the corpus --------------------------------------------------------------------------------------


def load_ruling() -> dict:
    """The demo story's primary-source row (the synthetic ruling)."""
    for line in DEMO_CORPUS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("role") == "primary_source":
            return row
    raise RuntimeError(f"{DEMO_CORPUS} has no primary_source row")


def load_outlets() -> list[tuple[str, str, str]]:
    """(domain, name, lean) of the demo's fictional outlets (the court excluded)."""
    from framelens.outlets import load_outlets as load

    registry = load([DEMO_OUTLETS])
    return [(o.domain, o.name, o.lean) for o in registry.outlets.values() if o.domain != "court.example"]


def ruling_sentences(ruling_text: str) -> list[str]:
    """Quotable sentences of the ruling: 8–40 words, prose only."""
    found = re.split(r"(?<=[.!?])\s+", ruling_text.replace("\n", " "))
    return [s.strip() for s in found if 8 <= len(s.split()) <= 40 and not s.isupper() and '"' not in s]


_COMMON_STARTS = {"The", "A", "Some", "Several", "More", "Legal", "Local", "Supporters", "Investors", "Engineers",
                  "Advertisers", "Legislators", "Critics", "According", "Shares", "In"}


class _Writer:
    """Builds articles from the vocabulary with one seeded RNG."""

    def __init__(self, rng: random.Random, quotes: list[str]):
        self.rng, self.quotes = rng, quotes

    def fill(self, template: str, decorate: bool = False) -> str:
        """The template with its slots filled; `decorate` may add an opening phrase and a closing clause."""
        text = re.sub(r"\{(\w+)\}", lambda m: self._slot(m.group(1)), template)
        text = text[0].upper() + text[1:]
        if not decorate or not text.endswith(".") or text.endswith('."'):
            return text
        if self.rng.random() < 0.6 and not text.startswith('"'):
            first, rest = text.split(" ", 1)
            text = self.rng.choice(PREFIX) + (first.lower() if first in _COMMON_STARTS else first) + " " + rest
        if self.rng.random() < 0.6:
            text = text[:-1] + self.rng.choice(SUFFIX) + "."
        return text

    def _slot(self, name: str) -> str:
        rng = self.rng
        if name == "person":
            return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name == "town":
            return rng.choice(TOWNS)
        if name == "role":
            return rng.choice(ROLES)
        if name == "opinion":
            return rng.choice(OPINIONS)
        if name == "n2":
            return str(rng.randint(19, 84))
        return rng.choice(V[name])

    def quote(self) -> str:
        q = self.rng.choice(self.quotes)
        kind = self.rng.random()
        if kind < 0.2:  # close: an ellipsis in the middle
            words = q.split()
            cut = self.rng.randrange(2, max(3, len(words) - 2))
            q = " ".join(words[:cut]) + " ... " + " ".join(words[cut + 1:])
        elif kind < 0.35:  # altered: one word swapped
            q = " ".join(SPIN.get(w, w) for w in q.split()) if any(w in SPIN for w in q.split()) else q.replace(" the ", " a ", 1)
        form = self.rng.choice(QUOTE_FORMS)
        return self.fill(form.replace("{q}", q).replace("{q_low}", q[0].lower() + q[1:]))

    def article(self, lean: str) -> tuple[str, str]:
        weights = LEAN_WEIGHTS.get(lean, LEAN_WEIGHTS["unrated"])
        angle = self.rng.choices(ANGLES, weights)[0]
        n = self.rng.randint(8, 22)
        sentences = []
        for _ in range(n):
            if self.rng.random() < 0.12:
                sentences.append(self.quote())
                continue
            topic = angle if self.rng.random() < 0.45 else self.rng.choices(ANGLES, weights)[0]
            sentences.append(self.fill(self.rng.choice(TEMPLATES[topic]), decorate=topic != "people"))
        return self.rng.choice(TITLES[angle]), _paragraphs(self.rng, sentences)

    def german(self) -> tuple[str, str]:
        sentences = self.rng.sample(GERMAN, k=self.rng.randint(4, len(GERMAN)))
        return "US-Gericht: Chirpline bleibt offline", _paragraphs(self.rng, sentences)


def _paragraphs(rng: random.Random, sentences: list[str]) -> str:
    paras, i = [], 0
    while i < len(sentences):
        k = rng.randint(1, 3)
        paras.append(" ".join(sentences[i:i + k]))
        i += k
    return "\n\n".join(paras)


def spin(rng: random.Random, text: str) -> str:
    """A machine-spun rewrite: most words with a synonym swapped for it."""
    return re.sub(r"\b\w+\b", lambda m: SPIN[m.group(0)] if m.group(0) in SPIN and rng.random() < 0.8 else m.group(0), text)


def make_corpus(n: int, seed: int = 0, with_primary: bool = True) -> list[dict]:
    """`n` synthetic article rows (plus the ruling first when `with_primary`), deterministic for `seed`."""
    rng = random.Random(seed)
    ruling = load_ruling()
    others = [o for o in load_outlets() if o[0] != WIRE]
    writer = _Writer(rng, ruling_sentences(ruling["text"]))
    rows, wires = ([dict(ruling)] if with_primary else []), []
    for i in range(n):
        when = START + timedelta(minutes=rng.randrange(0, 10 * 24 * 60))
        kind = rng.random()
        if wires and kind < 0.15:  # a verbatim wire copy under another outlet
            domain, _, _ = rng.choice(others)
            title, text = rng.choice(wires)
        elif wires and kind < 0.19:  # a machine-spun rewrite of a wire story
            domain, _, _ = rng.choice(others)
            title, text = rng.choice(wires)
            title, text = spin(rng, title), spin(rng, text)
        elif kind < 0.26:  # a new wire story
            domain = WIRE
            title, text = writer.article("center")
            text = "PORT WREN, Cascadia (Continental Press Wire) — " + text
            wires.append((title, text))
        else:
            domain, _, lean = rng.choice(others)
            if rng.random() < 0.01:
                rows.append(_row(i, domain, *writer.german(), when, language="de"))
                continue
            title, text = writer.article(lean)
        rows.append(_row(i, domain, title, text, when))
    return rows


def _row(i: int, domain: str, title: str, text: str, when: datetime, language: str = "en") -> dict:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return {"url": f"https://{domain}/{when:%Y/%m/%d}/{slug}-{i}", "title": title, "text": text, "outlet": domain,
            "published": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "language": language, "role": "article"}


def write_jsonl(rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="the JSONL file to write")
    parser.add_argument("--no-primary", action="store_true", help="leave out the ruling (primary_source row)")
    args = parser.parse_args(argv)
    rows = make_corpus(args.n, args.seed, with_primary=not args.no_primary)
    write_jsonl(rows, args.out)
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
