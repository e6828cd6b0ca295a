"""Citizens and states as Mesa agents: light views of one row of the model's arrays."""

from __future__ import annotations

import mesa
import numpy as np


class Citizen(mesa.Agent):
    """One simulated person. Fields are read-only views of the model's arrays.

    Change state through the model's arrays (``model.images``, ``model.symbols``):
    assign a new array, or change one in place and then call
    ``model.recorder.invalidate()``, so metrics see the change.
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def country_id(self) -> int:
        return int(self.model.home[self.index])

    @property
    def country(self) -> str:
        return self.model.country_names[self.country_id]

    @property
    def symbols(self) -> np.ndarray:
        """The symbol held for each feature (a view)."""
        return _read_only(self.model.symbols[self.index])

    @property
    def image_people(self) -> np.ndarray:
        """View of every country's people and culture, in [-1, 1] (a view)."""
        return _read_only(self.model.images[self.index, 0])

    @property
    def image_state(self) -> np.ndarray:
        """View of every country's government, in [-1, 1] (a view)."""
        return _read_only(self.model.images[self.index, 1])

    @property
    def favourability(self) -> np.ndarray:
        w = self.model.scenario.perception.state_weight
        return w * self.image_state + (1 - w) * self.image_people

    @property
    def openness(self) -> float:
        return float(self.model.openness[self.index])

    @property
    def online(self) -> bool:
        return bool(self.model.online[self.index])

    @property
    def trust_state(self) -> float:
        return float(self.model.trust[self.index])


class State(mesa.Agent):
    """One country's government: official relations and its high-politics settings."""

    def __init__(self, model, country_id: int):
        super().__init__(model)
        self.country_id = country_id

    @property
    def country(self) -> str:
        return self.model.country_names[self.country_id]

    @property
    def relations(self) -> np.ndarray:
        """Official stance toward each country, in [-1, 1] (a view)."""
        return _read_only(self.model.relations[self.country_id])

    @property
    def responsiveness(self) -> float:
        return float(self.model.responsiveness[self.country_id])

    @property
    def media_reach(self) -> float:
        return float(self.model.media_reach[self.country_id])


def _read_only(view: np.ndarray) -> np.ndarray:
    view = view.view()
    view.flags.writeable = False
    return view
