"""Official relations (high politics): each state's stance follows its public and its partner.

A state moves its stance toward each country by ``responsiveness`` times the gap to its
citizens' mean favourability, and by ``reciprocity`` toward the other state's stance.
It changes no images, so it has no code in the ledger; its values are recorded as
the ``relations`` metric.
"""

import numpy as np

from nanosim.engine.channels.channel import Channel
from nanosim.engine.kernels.bundles import SUM_FAV


def step(model, ledger) -> None:
    """This step's move of ``model.relations`` (``channels.relations``)."""
    ch = model.scenario.channels.relations
    if not ch.enabled:
        return
    mean_fav = model.recorder.current_means()[..., SUM_FAV]
    r = model.relations
    pull = model.responsiveness[:, None] * (mean_fav - r)
    recip = ch.reciprocity * (r.T - r)
    new = np.clip(r + pull + recip, -1.0, 1.0)
    np.fill_diagonal(new, 1.0)
    r[...] = new  # in place: each State's relations stay a live view


CHANNEL = Channel("relations", "high_politics", "channels.relations", step)
