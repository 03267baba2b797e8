"""Stop words of the languages a story's articles are written in, for word labels.

English is the tokenizer's own list (analysis/words.py). The others are the most frequent
function words (articles, pronouns, prepositions, conjunctions, auxiliaries) of each
language, enough that a cluster of Spanish articles is not labelled "de, la, que".
A term (a word or a two-word pair) is dropped when any of its words is a stop word of any
language the story has: a label should name what an article says, not its grammar.
"""

from __future__ import annotations

from typing import Iterable

from .words import STOPWORDS as ENGLISH

_LISTS = {
    "es": """a al algo algunos ante antes como con contra cual cuando de del desde donde durante e el
        ella ellas ellos en entre era es esa ese eso esta estaba estado estan este esto estos fue fueron
        ha habia han hasta hay la las le les lo los mas me mi mientras muy ni no nos o otra otro para pero
        por porque que quien se segun ser si sido sin sobre su sus tambien tiene todo tras u un una
        uno unos y ya él más también según está están había qué sí""",
    "pt": """a ao aos as até com como da das de dela dele do dos e ela ele eles em entre era essa esse
        esta este eu foi foram há isso já lhe mais mas me mesmo muito na nas nem no nos o os ou para pela
        pelo por qual quando que quem se sem ser seu seus sobre sua suas também tem um uma umas uns à às
        é está estão foi não pelos pelas num numa""",
    "de": """aber als am an auch auf aus bei bin bis das dass dem den der des die dies diese dieser doch
        du durch ein eine einem einen einer eines er es für gegen hat hatte haben ich ihr im in ist jetzt
        kann mit nach nicht noch nur oder sein seine sich sie sind so über um und uns unter vom von
        vor wegen weil wenn werden wie wir wird wurde wurden zu zum zur zwischen soll sei""",
    "fr": """a au aux avec ce ces cette dans de des du elle en est et été eu il ils je la le les leur
        lui mais me même mes ne ni nous on ont ou où par pas pour qu que qui sa se ses son sont sur ta
        te tes toi ton tu un une vous y à ça était être avait après aussi comme contre depuis entre plus
        selon sans sous très""",
    "it": """a ad al alla alle agli ai anche che chi ci come con da dal dalla dei del della delle di e è
        ed era gli ha hanno i il in la le lo loro ma mi ne nel nella non o per più quando questa questo
        se si sono su sua suo sui sul sulla tra un una uno secondo dopo contro""",
}
STOPWORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {"en": ENGLISH, **{k: frozenset(v.split()) for k, v in _LISTS.items()}}


def stopwords_for(languages: Iterable[str]) -> frozenset[str]:
    """The union of the stop words of `languages` (ISO 639-1 codes; English always, unknown codes add nothing)."""
    words = set(ENGLISH)
    for lang in languages:
        words |= STOPWORDS_BY_LANGUAGE.get((lang or "").split("-")[0].lower(), frozenset())
    return frozenset(words)

