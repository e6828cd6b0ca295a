"""Citizens, states and small groups as Mesa agents: light views of the model's arrays."""

from __future__ import annotations

import mesa
import numpy as np

from nanosim.engine.sponsorship import group_sponsors


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

    @property
    def groups(self) -> list[int]:
        """The indices of the groups it belongs to (``model.memberships``)."""
        m = self.model.memberships
        if m.n_groups == 0 or m.belongs[self.index] == 0:
            return []
        used = m.count[0]
        return sorted(int(g) for g in m.group[:used][m.citizen[:used] == self.index])


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


class Group(mesa.Agent):
    """One small voluntary group (MODEL.md 5): a view of its row of ``model.memberships``.

    Its members change every day (citizens join and leave); read them from
    :attr:`members`. Change groups through the scenario (``[[group]]``, ``[groups]``).
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def name(self) -> str:
        return self.model.group_names[self.index]

    @property
    def home(self) -> str:
        return self.model.country_names[int(self.model.memberships.home[self.index])]

    @property
    def partner(self) -> str | None:
        """Its foreign partner country, or None for a national group."""
        p = int(self.model.memberships.partner[self.index])
        return None if p < 0 else self.model.country_names[p]

    @property
    def binational(self) -> bool:
        return bool(self.model.memberships.binational[self.index])

    @property
    def activity(self) -> float:
        return float(self.model.memberships.activity[self.index])

    @property
    def members(self) -> np.ndarray:
        """The citizens (rows of the model's arrays) belonging to it now, in order."""
        return np.sort(self.model.memberships.members(self.index))

    @property
    def size(self) -> int:
        """Its members now."""
        return len(self.model.memberships.members(self.index))

    @property
    def symbols(self) -> dict[str, str]:
        """The symbols it shows: feature -> the symbol's name (or number, if unnamed)."""
        m = self.model
        features = m.scenario.culture.features
        out = {}
        for f, c in enumerate(m.memberships.shows[self.index]):
            if c >= 0:
                code = int(m.prototypes[c, f])
                out[features[f]] = m.symbol_names[f].get(code, str(code))
        return out

    @property
    def sponsor(self) -> str | None:
        """The country whose state sponsors it this step, or None."""
        c = int(group_sponsors(self.model)[self.index])
        return None if c < 0 else self.model.country_names[c]


def _read_only(view: np.ndarray) -> np.ndarray:
    view = view.view()
    view.flags.writeable = False
    return view
