"""Small groups (nano diplomacy): members join and leave, gather, and showcase symbols.

Each day (MODEL.md 5), with the random numbers of the groups' own stream (so a scenario
without groups draws what it drew before groups existed):

1. *Leaving*: a member whose view of the people of the country the group links it to
   (``Memberships.other``) is below ``groups.leave_below`` leaves, any other with chance
   ``groups.leave``.
2. *Joining*: each group approaches ``join`` × its size citizens of its countries at
   random (stochastically rounded); one not yet a member joins with
   :func:`~nanosim.engine.groups.join_chance`.
3. *Activities*: each group holds ``activity`` activities (stochastically rounded); each
   is a showcase with chance ``channels.groups.showcase``, else a gathering. At a
   gathering every member meets another member at random: across the border (a
   binational group) a contact experience for each (:func:`.judgement.meet_across`);
   within a country each may learn from the other a national symbol of the country the
   group links them to, which the other holds or knows (a pleasant experience). At a
   showcase every member shows one of the group's symbols to a random social neighbour
   outside the group, judged as a post (:func:`.judgement.see_symbol`).

A group a state sponsors (``[[sponsorship]]``) makes sponsored experiences.
"""

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import Channel, citizens, credibility, experiences
from nanosim.engine.kernels import PEOPLE, helper
from nanosim.engine.kernels.judgement import experience_of, learn_from, meet_across, see_symbol
from nanosim.engine.kernels.memory import country_of
from nanosim.engine.kernels.rng import stochastic_round, uniform
from nanosim.engine.sponsorship import group_sponsors

CODE = 7


def step(model, ledger) -> None:
    """This step's leaving, joining and activities of every group (``channels.groups``)."""
    groups = model.memberships
    ch = model.scenario.channels.groups
    if groups.n_groups == 0 or not ch.enabled:
        return
    s = model.scenario
    rules = s.groups
    groups = model.memberships = groups.with_room(int(np.ceil(groups.size * rules.join).sum()))
    g = model.graph
    _day(model.group_rng_state, groups, group_sponsors(model), citizens(model), ledger,
         experiences(model, ch), credibility(model), (g.indptr, g.indices, g.well_mixed),
         model.appeal, (rules.join, rules.leave, rules.leave_below),
         (ch.showcase, ch.learning, s.channels.contact.positivity_min,
          s.channels.contact.positivity_max, s.channels.social_media.recognition))


def reported(scenario) -> bool:
    """Whether a run has rows for groups: only where the scenario has groups."""
    return scenario.has_groups


@njit(cache=True)
def _day(s, groups, sponsor, citizens, ledger, exp, cred, graph, appeal, membership, activity):
    """One day of every group: leaving, joining, then activities (the module's text).

    ``sponsor``: the sponsoring country of each group (-1: none); ``membership``: join,
    leave, leave_below; ``activity``: showcase share, learning, contact's positivity_min
    and positivity_max, social media's recognition.
    """
    join, leave, leave_below = membership
    _leave(s, groups, citizens, leave, leave_below)
    first, members = _by_group(groups)
    _join(s, groups, citizens, first, members, join, leave_below)
    first, members = _by_group(groups)
    showcase, learning, positivity_min, positivity_max, recognition = activity
    for g in range(groups.home.shape[0]):
        held = stochastic_round(s, groups.activity[g])
        lo, hi = first[g], first[g + 1]
        paid = sponsor[g] >= 0
        for _ in range(held):
            if uniform(s) < showcase:
                _showcase(s, g, members, lo, hi, groups, citizens, ledger, exp, cred, graph,
                          appeal, learning, recognition, paid)
            else:
                _gathering(s, g, members, lo, hi, groups, citizens, ledger, exp, cred,
                           learning, positivity_min, positivity_max, paid)


@helper
def _other(groups, g, d):
    """The country group g links a member of country d to (``Memberships.other``)."""
    home, partner = groups.home[g], groups.partner[g]
    if partner < 0:
        return home
    return partner if d == home else home


@njit(cache=True)
def _leave(s, groups, citizens, leave, leave_below):
    """Members whose view is below ``leave_below`` leave, others with chance ``leave``.

    Slots are visited from the last; a leaving member's slot takes the last one in use,
    which was visited already."""
    starts, img = citizens.starts, citizens.images
    citizen, group, belongs = groups.citizen, groups.group, groups.belongs
    used = groups.count[0]
    for k in range(used - 1, -1, -1):
        i, g = citizen[k], group[k]
        view = img[i, PEOPLE, _other(groups, g, country_of(i, starts))]
        if view < leave_below or (leave > 0.0 and uniform(s) < leave):
            used -= 1
            citizen[k], group[k] = citizen[used], group[used]
            belongs[i] -= 1
    groups.count[0] = used


@njit(cache=True)
def _by_group(groups):
    """The members of each group: ``members[first[g]:first[g + 1]]`` (a counting sort of the
    slots in use, in slot order)."""
    n_groups, used = groups.home.shape[0], groups.count[0]
    first = np.zeros(n_groups + 1, np.int64)
    for k in range(used):
        first[groups.group[k] + 1] += 1
    for g in range(n_groups):
        first[g + 1] += first[g]
    fill = first[:-1].copy()
    members = np.empty(used, np.int64)
    for k in range(used):
        g = groups.group[k]
        members[fill[g]] = groups.citizen[k]
        fill[g] += 1
    return first, members


@helper
def _is_member(i, g, members, lo, hi, groups, since):
    """Whether citizen i belongs to group g: among ``members[lo:hi]`` or the slots joined
    since ``since``."""
    for k in range(lo, hi):
        if members[k] == i:
            return True
    for k in range(since, groups.count[0]):
        if groups.citizen[k] == i and groups.group[k] == g:
            return True
    return False


@njit(cache=True)
def _join(s, groups, citizens, first, members, join, leave_below):
    """Each group approaches ``join`` × its size random citizens of its countries (a
    binational group: either, with even chance); one not yet a member joins with chance
    openness × (view − leave_below) / (1 − leave_below). Room for every candidate was
    made beforehand (``Memberships.with_room``)."""
    starts, sizes, img, openness = (citizens.starts, citizens.sizes, citizens.images,
                                    citizens.openness)
    since = groups.count[0]
    for g in range(groups.home.shape[0]):
        candidates = stochastic_round(s, groups.size[g] * join)
        for _ in range(candidates):
            c = groups.home[g]
            if groups.binational[g] and uniform(s) < 0.5:
                c = groups.partner[g]
            i = starts[c] + int(uniform(s) * sizes[c])
            u = uniform(s)
            if groups.belongs[i] > 0 and _is_member(i, g, members, first[g], first[g + 1],
                                                     groups, since):
                continue
            view = img[i, PEOPLE, _other(groups, g, c)]
            if u < openness[i] * min(1.0, max(0.0, (view - leave_below) / (1.0 - leave_below))):
                k = groups.count[0]
                groups.citizen[k], groups.group[k] = i, g
                groups.count[0] = k + 1
                groups.belongs[i] += 1


@helper
def _gathering(s, g, members, lo, hi, groups, citizens, ledger, exp, cred, learning,
               positivity_min, positivity_max, paid):
    """Every member of group g (``members[lo:hi]``) meets another member at random."""
    m = hi - lo
    if m < 2:
        return
    starts, img, openness, symbols = (citizens.starts, citizens.images, citizens.openness,
                                      citizens.symbols)
    known, prototypes = exp.known, exp.prototypes
    mu, w_neg, spill = exp.mu, exp.negativity, exp.spillover
    for a in range(m):
        i = members[lo + a]
        b = int(uniform(s) * (m - 1))
        j = members[lo + b + (1 if b >= a else 0)]
        u_i, u_j, u_learn_i, u_learn_j = uniform(s), uniform(s), uniform(s), uniform(s)
        di, dj = country_of(i, starts), country_of(j, starts)
        if di != dj:
            meet_across(u_i, u_j, u_learn_i, u_learn_j, i, j, di, dj, citizens, ledger, exp,
                        positivity_min, positivity_max, learning, CODE, paid, cred)
            continue
        c = _other(groups, g, di)
        if c == di or known.shape[0] == 0 or learning == 0.0:
            continue
        if u_learn_i < learning and learn_from(u_learn_i / learning, symbols, known,
                                               prototypes, ledger, di, i, j, c):
            experience_of(img, ledger, spill, di, openness[i], i, PEOPLE, c, True, mu, w_neg,
                          CODE, paid, cred)
        if u_learn_j < learning and learn_from(u_learn_j / learning, symbols, known,
                                               prototypes, ledger, dj, j, i, c):
            experience_of(img, ledger, spill, dj, openness[j], j, PEOPLE, c, True, mu, w_neg,
                          CODE, paid, cred)


@helper
def _showcase(s, g, members, lo, hi, groups, citizens, ledger, exp, cred, graph, appeal,
              learning, recognition, paid):
    """Every member of group g shows one of its symbols to a random social neighbour
    outside it: to a foreigner to that symbol's country, an experience of its people."""
    indptr, indices, well_mixed = graph
    starts = citizens.starts
    n = citizens.images.shape[0]
    n_features = groups.shows.shape[1]
    shown = 0
    for f in range(n_features):
        if groups.shows[g, f] >= 0:
            shown += 1
    for a in range(lo, hi):
        i = members[a]
        u_who, u_what, u_pleasant, u_learn = uniform(s), uniform(s), uniform(s), uniform(s)
        if shown == 0:
            continue
        if well_mixed:
            q = int(u_who * (n - 1))
            q += 1 if q >= i else 0
        else:
            degree = indptr[i + 1] - indptr[i]
            if degree == 0:
                continue
            q = indices[indptr[i] + int(u_who * degree)]
        if groups.belongs[q] > 0 and _is_member(q, g, members, lo, hi, groups,
                                                groups.count[0]):
            continue
        k = int(u_what * shown)
        f = 0
        while groups.shows[g, f] < 0 or k > 0:
            if groups.shows[g, f] >= 0:
                k -= 1
            f += 1
        c = groups.shows[g, f]
        dq = country_of(q, starts)
        if dq != c:
            see_symbol(u_pleasant, u_learn, q, dq, c, f, citizens, ledger, appeal[c], learning,
                       exp, recognition, CODE, paid, cred)


CHANNEL = Channel("groups", "nano", "channels.groups", step, CODE, "#66c2a5", reported)
