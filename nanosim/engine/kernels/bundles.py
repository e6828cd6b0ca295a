"""The named bundles the kernels take: the citizens' arrays, the ledger, the latitudes.

Each is a namedtuple, which numba passes into compiled code as one argument and
unpacks at no cost, so a kernel's signature names what it reads and writes instead of
listing twenty arrays and numbers.
"""

from typing import NamedTuple

import numpy as np

# The running sums' slots (``Ledger.sums[d, c, slot]``, and :func:`.measures.image_moments`):
# over observer d's citizens, about target c.
SUM_FAV = 0  # favourability (state_weight * state image + (1 - state_weight) * people image)
SUM_FAV_SQUARED = 1  # favourability squared
SUM_PEOPLE = 2  # people image
SUM_STATE = 3  # state image
SUM_FAVOURABLE = 4  # citizens with favourability > 0
SUM_FAVOURABLE_PEOPLE = 5  # citizens with people image > 0
SUM_FAVOURABLE_STATE = 6  # citizens with state image > 0
N_SUMS = 7

NO_SUMS = np.zeros((0, 0, N_SUMS))  # a ledger's ``sums`` when it keeps none
NO_HELD = np.zeros((0, 0, 0), np.int64)  # a ledger's ``held`` when it keeps none
NO_KNOWN_ONLY = np.zeros((0, 0), np.int64)  # a ledger's ``known_only`` when it keeps none
NO_KNOWN = np.zeros((0, 0), np.uint32)  # ``known`` without a repertoire
NO_PROTOTYPES = np.zeros((0, 0), np.int16)  # ``prototypes`` where no experience needs them


class Citizens(NamedTuple):
    """The citizens' arrays, sorted by country: what the channels read and change."""

    starts: np.ndarray  # int64[country]: first citizen of each country
    sizes: np.ndarray  # int64[country]: citizens of each country
    images: np.ndarray  # float64[citizen, image, country] in -1..1 (changed)
    openness: np.ndarray  # float64[citizen] in 0..1: receptiveness to a message
    trust: np.ndarray  # float64[citizen] in 0..1: trust in the own state (state media)
    symbols: np.ndarray  # int16[citizen, feature]: the symbol held on each feature (changed)


class Ledger(NamedTuple):
    """Where the kernels record what they change (owned by the Recorder).

    ``shift[d, c, image, code]`` adds up every change made by the channel with ledger
    ``code`` to the images of country c held by country d's citizens; ``counts[code]``
    counts its messages. ``sums[d, c, slot]`` (``SUM_*`` slots), ``held[d, f, q]``
    (citizens of d holding symbol q on feature f) and ``known_only[d, c]`` (c's national
    symbols that d's citizens know and do not hold, summed over them) are running
    measures the kernels keep exact with every change, so a record needs no scan of the
    citizens (each empty where none is kept); ``state_weight`` is the weight of the
    state image in the favourability those sums hold. A sponsored experience is recorded
    under its channel's code plus ``sponsored`` (the number of ledger codes, where the
    Recorder keeps the sponsored part apart; 0 where nothing is sponsored).
    """

    shift: np.ndarray
    counts: np.ndarray
    sums: np.ndarray
    held: np.ndarray
    known_only: np.ndarray
    state_weight: float
    sponsored: int = 0


class Latitudes(NamedTuple):
    """Social judgement's parameters for one channel (:func:`.judgement.judge`).

    A message within ``accept`` of the image pulls it by ``mu`` (times openness), one
    beyond ``reject`` pushes it away by ``mu`` times ``boomerang``; a change spills by
    ``spillover`` onto the other image of the same country.
    """

    mu: float
    accept: float
    reject: float
    boomerang: float
    spillover: float


class Experiences(NamedTuple):
    """The experience rule for one channel (:func:`.judgement.experience`) and the
    symbols that decide how experiences turn out (MODEL.md 3.2, 3.4).

    ``known[i, c]`` holds, as bits over features, the national symbols of c that citizen
    i knows; it has no rows unless ``culture.mode = "repertoire"``.
    """

    mu: float
    negativity: float  # w_neg: weight of an unpleasant experience
    spillover: float
    prototypes: np.ndarray  # int16[country, feature]: the national symbols
    known: np.ndarray  # uint32[citizen, country] (changed)


class Credibility(NamedTuple):
    """How recipients see through sponsored experiences (:func:`.judgement.experience_of`):
    each is detected with chance ``detect``, drawn from its own random stream ``state``
    (so detection leaves every other draw as it was), and a detected one counts with
    ``weight`` (below 0: an unpleasant experience weighing -weight)."""

    detect: float
    weight: float
    state: np.ndarray  # uint64[4]: the detection stream's xoshiro256** state (advanced)
