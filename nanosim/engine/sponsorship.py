"""What sponsorships pay for: paid influencers, sponsored groups and paid exchange ties.

A sponsorship (``[[sponsorship]]``, or a ``sponsorship`` event while it lasts) marks nano
diplomacy as paid for by a state: the posts of the most-followed of its online citizens,
the activities of the groups linking it to a partner, the meetings of its exchange
programmes with a partner (over their ties, and of their hosts and guests). Marking
changes no random draw and no number of experiences: the channels record the marked
experiences apart and let recipients detect them (``[credibility]``,
:func:`.kernels.judgement.experience_of`). Each mark is found again only when what it
depends on changes.
"""

from __future__ import annotations

import weakref

import numpy as np

NOT_PAID = np.zeros(0, np.bool_)  # no paid influencers: an empty mask
NO_TIES = np.zeros(0, np.int64)  # no paid exchange ties

_found = weakref.WeakKeyDictionary()  # model -> {programme: (what it depends on, mark)}


def _cached(model, programme: str, depends: tuple, find):
    """The mark ``find()`` for ``programme``, found again only when ``depends`` (compared
    item by item: equal sponsorships, the very same arrays) changes."""
    found = _found.setdefault(model, {})
    hit = found.get(programme)
    if hit is None or len(hit[0]) != len(depends) or not all(
            a is b or (not isinstance(a, np.ndarray) and a == b)
            for a, b in zip(hit[0], depends, strict=True)):
        hit = (depends, find())
        found[programme] = hit
    return hit[1]


def _running(model, programme: str) -> tuple:
    return tuple(s for s in model.sponsorships if s.programme == programme)


def paid_influencers(model) -> np.ndarray:
    """Whether each citizen's posts are paid for (bool per citizen; empty: nobody's): of each
    influencer sponsorship, the ``share`` of the sponsor's online citizens with the most
    followers (ties broken by citizen number)."""
    running = _running(model, "influencers")
    if not running:
        return NOT_PAID

    def find():
        paid = np.zeros(model.n_citizens, np.bool_)
        followed = model.followers.degree()
        for s in running:
            c = model.scenario.country_index(s.sponsor)
            lo = model.starts[c]
            online = lo + np.flatnonzero(model.online[lo:lo + model.sizes[c]])
            top = np.argsort(-followed[online], kind="stable")[:round(s.share * len(online))]
            paid[online[top]] = True
        return paid

    return _cached(model, "influencers", (*running, model.online, model.followers), find)


def group_sponsors(model) -> np.ndarray:
    """The country whose state sponsors each group (int64 per group; -1: none): the first
    group sponsorship whose sponsor is the group's home or partner and, if it names a
    partner, whose partner is the other."""
    running = _running(model, "groups")
    groups = model.memberships

    def find():
        sponsor = np.full(groups.n_groups, -1, np.int64)
        for s in running:
            c = model.scenario.country_index(s.sponsor)
            linked = (groups.home == c) | (groups.partner == c)
            if s.partner is not None:
                other = np.where(groups.home == c, groups.partner, groups.home)
                linked &= other == model.scenario.country_index(s.partner)
            sponsor[(sponsor < 0) & linked] = c
        return sponsor

    return _cached(model, "groups", running, find)


def _pays_for(s, scenario, a: int, b: int) -> bool:
    """Whether exchange sponsorship ``s`` pays for a programme between countries a and b."""
    c = scenario.country_index(s.sponsor)
    partner = None if s.partner is None else scenario.country_index(s.partner)
    return c in (a, b) and (partner is None or partner in (a, b))


def paid_programme(model, a: int, b: int) -> bool:
    """Whether a sponsorship pays this step for an exchange programme between a and b."""
    return any(_pays_for(s, model.scenario, a, b) for s in _running(model, "exchanges"))


def paid_ties(model) -> np.ndarray:
    """The ties of the exchange programmes under way that a sponsorship pays for, as sorted
    keys ``i * n + j`` (both ways; empty: none): programmes between the sponsor and its
    partner (any partner, if it names none)."""
    running = _running(model, "exchanges")
    if not running or not model.exchange_ties:
        return NO_TIES

    def find():
        keys = [k for a, b, k in model.exchange_ties
                if any(_pays_for(s, model.scenario, a, b) for s in running)]
        return np.unique(np.concatenate(keys)) if keys else NO_TIES

    return _cached(model, "exchanges", (*running, *(k for *_, k in model.exchange_ties)), find)
