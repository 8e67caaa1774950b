"""One project, many postings: recognising the copies of a project (reposts, other platforms).

How two postings are compared
    A posting's title and description become character shingles of their text without
    spaces and punctuation (:mod:`.shingles`): three syllables of Korean, which loose
    spacing and attached particles make impossible to compare by words, and five
    characters of anything else; skill names read as their canonical spelling (``리액트``
    as ``react``). :mod:`.features` adds the canonical skills, the budget and the duration.
    A :class:`BoilerplateModel` learnt from the postings of the window removes the shingles
    found in more postings than one project ever has (platform form headings, agency
    templates, generic titles), and :class:`MatchRule` decides on what is left: the
    descriptions must share a dozen distinctive shingles, never the title alone; a nearly
    identical text is then enough; a partly alike one needs the title, a skill in common
    and no budget or duration far apart (:mod:`.evidence`).

How postings are grouped
    Groups are the connected components of that pairwise decision among postings first seen
    within :data:`WINDOW` of each other, named after their first posting. A
    :class:`Grouper` takes postings one by one: a MinHash LSH index (:mod:`.index`,
    datasketch) of the window's postings yields the candidates, the rule decides, a new
    posting joins (and may merge) groups. :func:`rebuild` does the same for a whole set in
    bulk. The decision depends on two postings only and the band keys on one, so both give
    the same groups, whatever the order the postings came in.

Why MinHash LSH, not rapidfuzz
    Measured on 100,000 synthetic postings (``benchmarks/groups.py``): grouping a new
    posting costs about 0.2 ms, its features as much again, whatever the number of stored
    postings, where one rapidfuzz search of its text among the 100,000 costs about 0.2 s. A
    rapidfuzz score also compares whole strings, where boilerplate must be taken out of
    both texts before they are compared.

Running it in the storage step (the design chosen, and its costs)
    The boilerplate model depends on the corpus, and the band keys depend on the model (they
    sketch the distinctive shingles only, which is what keeps an agency's hundred templated
    postings from all being candidates of each other). Hence: at crawl open, load the
    postings first seen within the window (title, description, skills, budget, duration,
    first-seen time), learn the model from them and fill a :class:`Grouper` with
    :meth:`Grouper.add_many` (for 100,000 postings about 2 s for the model and 20 s for
    the rest, of CPU, the features included); then each newly stored posting costs one
    :meth:`Grouper.add`, and a merge of two groups is one ``UPDATE ... SET group_id`` of the
    later group. Nothing but ``group_id`` needs storing. ``groups rebuild`` over the whole
    table is :func:`rebuild`, which learns the model of the whole table (45 s for 100,000).
    The alternative, a table of band keys (``MinHashLSH`` can also keep them in Redis)
    queried per posting, saves the start-up cost but must be rewritten whenever the model is
    learnt again, and costs a database round trip per flush. The cost of a model learnt from
    the window: a new agency template is boilerplate only once it is in enough postings
    (:data:`MAX_COPIES`, or :data:`MAX_SHARE` of a large window); until then a few of its
    different projects may be grouped (without any model, 2-4% of the pairs of a template
    filled with 25 recorded projects are), and the next rebuild parts them.
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
