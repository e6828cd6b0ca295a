"""Progress lines of a calibration: how far a generation or a search is, and time left."""

from __future__ import annotations

import math


def duration(seconds: float) -> str:
    """``42 s``, ``7 min``, ``1.5 h``."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def generation_line(t: int, n: int, accepted: int, runs: int, seconds: float,
                    limit: float = math.inf) -> str:
    """A generation in progress: accepted so far, acceptance, and the time left in it,
    until ``n`` are accepted at the acceptance so far or ``limit`` runs are made."""
    line = f"generation {t}: {accepted} of {n} accepted in {runs} runs"
    if runs:
        line += f" ({accepted / runs:.1%})"
    if accepted:
        more = min((n - accepted) * runs / accepted, limit - runs)
        line += f"; about {duration(more * seconds / runs)} left in this generation"
    return line
