"""Random numbers for the kernels: xoshiro256** on an explicit four-word state.

The state (uint64[4]) is passed in and advanced in place, so a run's draws depend only
on its seed and on the order in which the kernels draw.
"""

import numpy as np
from numba import njit

from nanosim.engine.kernels import helper


@helper
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@helper
def xoshiro_step(s0, s1, s2, s3):
    """One xoshiro256** step on a state held in four locals: 64 random bits, new state."""
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, s0, s1, s2, s3


@helper
def unit_float(bits):
    """The top 53 of 64 random bits as a float in [0, 1)."""
    return float(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@helper
def next_u64(s):
    """Advance the xoshiro256** state ``s`` (uint64[4]) and return 64 random bits."""
    result, s[0], s[1], s[2], s[3] = xoshiro_step(s[0], s[1], s[2], s[3])
    return result


@helper
def uniform(s):
    """A float in [0, 1)."""
    return unit_float(next_u64(s))


@helper
def randint(s, n):
    """An int in [0, n)."""
    return int(uniform(s) * n)


@helper
def fill_uniform(s, out, m):
    """``out[:m]`` = the next m uniforms of ``s`` (same numbers as m calls of ``uniform``).

    The state stays in registers for the whole fill.
    """
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for k in range(m):
        bits, s0, s1, s2, s3 = xoshiro_step(s0, s1, s2, s3)
        out[k] = unit_float(bits)
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3


@helper
def normal_from(u1, u2):
    """A standard normal from two uniforms (Box–Muller)."""
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


@njit(cache=True)
def stochastic_round(s, x):
    """floor(x) plus one with probability frac(x): an unbiased whole number."""
    k = int(np.floor(x))
    return k + (1 if uniform(s) < x - k else 0)
