"""Compiled helpers shared by the channel kernels: random numbers, memory, judgement, measures.

Pure ``@njit`` functions over arrays; each channel's own kernel lives with the channel
(:mod:`nanosim.engine.channels`). Randomness comes from an explicit xoshiro256** state
(four uint64 words, :mod:`.rng`) passed in, so a run depends only on its seed.

Array conventions: ``images[i, which, c]`` is citizen i's image of country c (``which``
:data:`PEOPLE` or :data:`STATE`); citizens are sorted by country, so ``starts[c]`` (the
first citizen of each country) gives anyone's country without a memory lookup
(:func:`.memory.country_of`). The kernels take their arrays in named bundles
(:mod:`.bundles`): the citizens' arrays, the ledger of changes and the latitudes of
judgement.
"""

PEOPLE, STATE = 0, 1  # the two images a citizen holds of each country: its people, its state
