"""State arrays a user may replace on a built model, checked as they are set."""

from __future__ import annotations

import numbers

import numpy as np

from nanosim.errors import NanosimError


class StateArray:
    """A model array a user may replace (``model.openness = values``): a replacement of
    the wrong shape or out of range is refused in one line, and the metrics rescan it.

    ``shape(model)`` gives the shape required, ``low``/``high`` (or ``high(model)``) the
    range allowed; a single number stands for every row of a one-dimensional array.
    """

    def __init__(self, dtype, shape, low, high, what: str):
        self.dtype, self.shape, self.low, self.high, self.what = dtype, shape, low, high, what

    def __set_name__(self, owner, name):
        self.name, self.slot = name, "_" + name

    def __get__(self, model, owner=None):
        return self if model is None else getattr(model, self.slot)

    def __set__(self, model, value):
        if self.slot in model.__dict__:  # a replacement, not the model's own first one
            value = self._checked(model, value)
            model.recorder.invalidate()
        model.__dict__[self.slot] = value

    def _checked(self, model, value) -> np.ndarray:
        shape = self.shape(model)
        where = f"model.{self.name}"
        if isinstance(value, numbers.Number) and len(shape) == 1:
            value = np.broadcast_to(np.asarray(value, self.dtype), shape)
        try:
            array = np.asarray(value)
            if array.dtype != self.dtype:
                array = array.astype(self.dtype, casting="same_kind")
        except (TypeError, ValueError):
            raise NanosimError(f"{where}: must be {self.what} (got {type(value).__name__})"
                               ) from None
        if array.shape != shape:
            raise NanosimError(f"{where}: must have shape {shape}, {self.what} (got "
                               f"{array.shape})")
        high = self.high(model) if callable(self.high) else self.high
        if array.size and (array.min() < self.low or array.max() > high):
            raise NanosimError(f"{where}: values must lie in {self.low}..{high} (got "
                               f"{array.min()}..{array.max()})")
        if self.name in ("images", "symbols", "relations") and not array.flags.writeable:
            array = array.copy()  # the kernels write into these
        return array
