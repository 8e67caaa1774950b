"""One project, many postings: recognising the copies of a project (reposts, other platforms).

How two postings are compared
    A posting's title and description become character 3-gram shingles of their text without
    spaces and punctuation (:mod:`.shingles`), the way Korean, with its loose spacing and
    attached particles, must be compared; skill names read as their canonical spelling
    (``리액트`` as ``react``). :mod:`.features` adds the canonical skills, the budget and
    the duration. A :class:`BoilerplateModel` learnt from the stored postings removes the
    shingles found in more postings than one project ever has (platform form headings,
    agency templates, generic titles), and :class:`MatchRule` decides on what is left: the
    distinctive text alone when it agrees closely; when it agrees less, only together with
    the title and with no contradicting skills, budget or duration; never on fewer than a
    dozen distinctive shingles.

How postings are grouped
    Groups are the connected components of that pairwise decision among postings first seen
    within :data:`WINDOW` of each other, named after their first posting. A
    :class:`Grouper` takes postings one by one: a MinHash LSH index (:mod:`.index`,
    datasketch) of the window's postings yields the candidates, the rule decides, a new
    posting joins (and may merge) groups. :func:`rebuild` does the same for a whole set in
    bulk; as the decision depends on two postings only, both give the same groups, whatever
    the order the postings came in.

Why MinHash LSH
    Measured on 100,000 postings: the LSH query costs tens of microseconds whatever the number
    of stored postings, where rapidfuzz, which compares a posting with each stored one, costs
    a full scan per posting (tens of milliseconds or more for 100,000 texts). rapidfuzz would
    also compare whole strings, where the boilerplate model needs sets of shingles.

Running it in the storage step (the design chosen, and its costs)
    The boilerplate model depends on the corpus, and the band keys depend on the model (they
    sketch the distinctive shingles only, which is what keeps an agency's hundred templated
    postings from all being candidates of each other). Hence the plan: at crawl open, load
    the postings first seen within the window (title, description, skills, budget, duration,
    first-seen time), fit the model on them and build a :class:`Grouper` from them with
    :func:`rebuild`-equivalent cost (about a tenth of a millisecond per posting plus the
    features); then each newly stored posting costs one :meth:`Grouper.add` (well under
    2 ms), and a merge of two groups is one ``UPDATE ... SET group_id`` of the later group.
    Nothing but ``group_id`` needs storing. ``groups rebuild`` over the whole table is
    :func:`rebuild` with the model of the whole table. The alternative, a table of band keys
    (``MinHashLSH`` can also keep them in Redis) queried per posting, saves the start-up
    cost but must be rewritten whenever the model is refit, and costs a database round trip
    per flush. The cost of a model learnt from the window: a new agency template is
    boilerplate only once it is in ``MAX_COPIES`` postings; until then a few of its
    different projects may be grouped (without any model, 2-4% of the pairs of a template
    filled with 25 recorded projects are), and are parted by the next rebuild.
"""

from .boilerplate import MAX_COPIES, MAX_SHARE, NO_BOILERPLATE, BoilerplateModel
from .features import Amounts, PostingFeatures, posting_features
from .groups import WINDOW, Grouper, rebuild
from .index import CandidateIndex
from .rule import MatchRule
from .shingles import comparable_text, shingles
from .signature import Signature, signature

__all__ = [
    "MAX_COPIES",
    "MAX_SHARE",
    "NO_BOILERPLATE",
    "WINDOW",
    "Amounts",
    "BoilerplateModel",
    "CandidateIndex",
    "Grouper",
    "MatchRule",
    "PostingFeatures",
    "Signature",
    "comparable_text",
    "posting_features",
    "rebuild",
    "shingles",
    "signature",
]
