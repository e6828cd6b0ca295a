"""The journal of a calibration's evaluations, written as each one finishes.

``simulations.jsonl`` holds one line per finished evaluation: its stream (the ids that
name it and seed its runs), its parameter values and the model's values. A rerun reads
it back and reuses an evaluation whose stream and parameters match instead of running
it again, so an interrupted calibration loses at most the evaluations in progress.
Each line is one write, on disk before the next; a line torn by a crash is skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

JOURNAL = "simulations.jsonl"


class Journal:
    """Finished evaluations by stream, read from and appended to a folder's journal."""

    def __init__(self, folder: str | Path):
        self.path = Path(folder) / JOURNAL
        self._done: dict[str, tuple[dict, list]] = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                self._done[entry["stream"]] = (entry["parameters"], entry["values"])
            except (ValueError, KeyError, TypeError):
                continue  # torn by a crash: the evaluation runs again
        self._torn = bool(text) and not text.endswith("\n")

    def __len__(self) -> int:
        return len(self._done)

    def get(self, stream: tuple[int, ...], params: dict[str, float]) -> np.ndarray | None:
        """The values of the evaluation ``stream`` at ``params``, if it finished before."""
        found = self._done.get(_name(stream))
        if found is None or found[0] != dict(params):
            return None
        return np.asarray(found[1], dtype=float)

    def add(self, stream: tuple[int, ...], params: dict[str, float], values: np.ndarray) -> None:
        """Record a finished evaluation: one line, on disk before it returns."""
        entry = {"stream": _name(stream), "parameters": {k: float(v) for k, v in params.items()},
                 "values": np.asarray(values, dtype=float).tolist()}
        line = ("\n" if self._torn else "") + json.dumps(entry) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self._torn = False
        self._done[entry["stream"]] = (entry["parameters"], entry["values"])


def _name(stream: tuple[int, ...]) -> str:
    return "/".join(str(int(s)) for s in stream)
