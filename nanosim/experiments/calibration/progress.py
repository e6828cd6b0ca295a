"""Progress lines of a calibration: how far a generation or a search is, and time left."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """``42 s``, ``7 min``, ``1.5 h``."""
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def generation_line(t: int, n: int, accepted: int, runs: int, seconds: float) -> str:
    """A generation in progress: accepted so far, acceptance, time left in it."""
    line = f"generation {t}: {accepted} of {n} accepted in {runs} runs"
    if runs:
        line += f" ({accepted / runs:.1%})"
    if accepted:
        line += f"; about {duration((n - accepted) * seconds / accepted)} left in this generation"
    return line
