"""A yardstick: the smallest exact random-sequential Deffuant loop, compiled with numba.

No attribution, spillover, openness or metrics: just pick, compare, move. It shows
what this machine allows, so the engine's rates can be read against it.

    .venv/bin/python -m benchmarks.minimal_loop
"""

import time

import numpy as np
from numba import njit

from nanosim import kernels as K


@njit(cache=True)
def minimal_deffuant(s, interactions, indptr, indices, x, epsilon, mu):
    n = x.shape[0]
    for _ in range(interactions):
        i = K.randint(s, n)
        start = indptr[i]
        j = indices[start + K.randint(s, indptr[i + 1] - start)]
        d = x[j] - x[i]
        if abs(d) < epsilon:
            x[i] += mu * d
            x[j] -= mu * d


def rate(n: int, interactions: int = 10_000_000) -> float:
    """Interactions per CPU second on a Watts–Strogatz graph of n nodes, degree 10."""
    from benchmarks.workloads import special_case_scenario
    from nanosim.model import DiplomacyModel

    model = DiplomacyModel(special_case_scenario(n, 2), citizen_agents=False)
    g = model.graph
    x = np.random.default_rng(0).uniform(-1, 1, n)
    minimal_deffuant(model.rng_state, 100, g.indptr, g.indices, x, 0.4, 0.5)
    cpu = time.process_time()
    minimal_deffuant(model.rng_state, interactions, g.indptr, g.indices, x, 0.4, 0.5)
    return interactions / (time.process_time() - cpu)


if __name__ == "__main__":
    for n in (10_000, 100_000, 1_000_000):
        print(f"N = {n:>9,}: minimal loop {rate(n) / 1e6:5.1f} M interactions/s (CPU)")
