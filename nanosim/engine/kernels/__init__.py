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

from numba import njit

PEOPLE, STATE = 0, 1  # the two images a citizen holds of each country: its people, its state

helper = njit(_nrt=False)
"""The decorator of every small compiled function the kernels call in their inner loops.

Compiled without numba's reference counting (``_nrt=False``, as numba marks its own hot
helpers): with it, every call increments and then decrements the count of each array
passed in, an atomic operation each, and the call grows too large for LLVM to inline.
That was most of a message's cost: ``judgement.deliver_to`` took 300 ns a call, 20 ns
without. A helper may therefore neither allocate an array nor return or keep one.
"""
