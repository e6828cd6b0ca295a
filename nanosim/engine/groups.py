"""Small groups as compact arrays: which groups there are and who belongs to which.

Groups (MODEL.md 5) are Mesa agents (:class:`~nanosim.engine.agents.Group`) viewing
:class:`Memberships`: per group its countries, size, activity and the symbols it shows;
per membership its citizen and group, a flat list in no order; per citizen the number of
groups it belongs to. A membership costs 8 bytes and a citizen 4, so a million citizens
of whom 1 % belong to a group keep about 4 MB; a scenario without groups keeps nothing.
:func:`build_groups` makes a scenario's groups, declared (``[[group]]``) and generated
(``[groups]``), and their first members, from a random stream of their own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nanosim.engine.kernels import PEOPLE
from nanosim.scenario import Scenario

NO_PARTNER = -1
START_TRIES = 200  # random citizens tried per starting member before a group starts smaller


class Memberships(NamedTuple):
    """The groups and their members, as the kernels take them (a numba-friendly tuple)."""

    home: np.ndarray  # int64 per group: the country whose citizens it gathers
    partner: np.ndarray  # int64 per group: its foreign partner, NO_PARTNER for none
    binational: np.ndarray  # bool per group: the partner's citizens join it too
    size: np.ndarray  # float64 per group: its members at the start, the scale of recruiting
    activity: np.ndarray  # float64 per group: activities per day
    shows: np.ndarray  # int64 [group, feature]: whose national symbol it shows there (-1: none)
    citizen: np.ndarray  # int32 per membership slot: the member (the first count[0] in use)
    group: np.ndarray  # int32 per membership slot: the group
    count: np.ndarray  # int64[1]: membership slots in use
    belongs: np.ndarray  # int32 per citizen: the groups it belongs to (no rows: no groups)

    @property
    def n_groups(self) -> int:
        return self.home.shape[0]

    def members(self, g: int) -> np.ndarray:
        """The citizens belonging to group g, in no particular order."""
        used = self.count[0]
        return self.citizen[:used][self.group[:used] == g]

    def other(self, g: int, country: int) -> int:
        """The country a member of ``country`` is linked to by group g: the partner (for a
        partner-side member of a binational group, the home; with no partner, its own)."""
        home, partner = int(self.home[g]), int(self.partner[g])
        if partner == NO_PARTNER:
            return home
        return partner if country == home else home

    def with_room(self, more: int) -> Memberships:
        """These memberships, with room for ``more`` beyond those in use (grown by doubling)."""
        need = self.count[0] + more
        if need <= self.citizen.shape[0]:
            return self
        room = max(need, 2 * self.citizen.shape[0])
        citizen, group = np.zeros(room, np.int32), np.zeros(room, np.int32)
        citizen[:self.count[0]] = self.citizen[:self.count[0]]
        group[:self.count[0]] = self.group[:self.count[0]]
        return self._replace(citizen=citizen, group=group)


def no_groups() -> Memberships:
    """Memberships of a scenario without groups: no rows anywhere."""
    none = np.zeros(0, np.int64)
    return Memberships(none, none, np.zeros(0, np.bool_), np.zeros(0), np.zeros(0),
                       np.zeros((0, 0), np.int64), np.zeros(0, np.int32),
                       np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros(0, np.int32))


def build_groups(s: Scenario, world, rng: np.random.Generator
                 ) -> tuple[list[str], Memberships]:
    """The groups of scenario ``s`` in ``world`` (declared ones first, then those generated
    for each country in turn), their names and first members, drawn from ``rng``."""
    if not s.has_groups:
        return [], no_groups()
    sizes, n_features = world.sizes, len(s.culture.features)
    specs = []  # (name, home, partner, binational, size, activity, symbols)
    for k, g in enumerate(s.group):
        home = s.country_index(g.home)
        partner = NO_PARTNER if g.partner is None else s.country_index(g.partner)
        name = g.name or f"{g.home}-{g.partner or 'national'} group {k}"
        specs.append((name, home, partner, g.binational, g.size, g.activity, g.symbols))
    gen = s.groups
    for home in range(len(s.country)) if gen.per_country else ():
        weight = world.affinity[home] * sizes
        weight[home] = 0.0
        for _ in range(gen.per_country):
            partner = (int(rng.choice(len(weight), p=weight / weight.sum())) if weight.sum() > 0
                       else NO_PARTNER)
            binational = partner != NO_PARTNER and rng.random() < gen.binational
            room = sizes[home] + (sizes[partner] if binational else 0)
            size = int(min(room, max(1, round(gen.size * np.exp(gen.size_spread
                                                                 * rng.standard_normal())))))
            other = s.country_names[partner] if partner != NO_PARTNER else "national"
            specs.append((f"{s.country_names[home]}-{other} group {len(specs)}", home, partner,
                          binational, size, gen.activity, {}))
    n = len(specs)
    shows = np.full((n, n_features), -1, np.int64)
    for g, (_, home, partner, _, _, _, symbols) in enumerate(specs):
        shows[g] = _shown(s, home, partner, symbols)
    groups = Memberships(
        home=np.array([x[1] for x in specs], np.int64),
        partner=np.array([x[2] for x in specs], np.int64),
        binational=np.array([x[3] for x in specs], np.bool_),
        size=np.array([x[4] for x in specs], np.float64),
        activity=np.array([x[5] for x in specs], np.float64),
        shows=shows, citizen=np.zeros(0, np.int32), group=np.zeros(0, np.int32),
        count=np.zeros(1, np.int64), belongs=np.zeros(world.n_citizens, np.int32))
    return [x[0] for x in specs], _first_members(groups, world, s.groups.leave_below, rng)


def _shown(s: Scenario, home: int, partner: int, symbols: dict[str, str]) -> np.ndarray:
    """Per feature, the country whose national symbol a group shows (-1: none): those it
    names (the partner's where both countries name it), else all of the partner's (the
    home's with no partner)."""
    features = s.culture.features
    if not symbols:
        return np.full(len(features), home if partner == NO_PARTNER else partner, np.int64)
    out = np.full(len(features), -1, np.int64)
    for feature, name in symbols.items():
        for c in (partner, home):
            if c != NO_PARTNER and s.country[c].symbols.get(feature) == name:
                out[features.index(feature)] = c
                break
    return out


def join_chance(openness, view, leave_below: float):
    """The chance a citizen approached by a group joins: openness times how far its view of
    the other country's people lies above ``leave_below``, as a share of the way to 1."""
    return openness * np.clip((view - leave_below) / (1.0 - leave_below), 0.0, 1.0)


def _first_members(groups: Memberships, world, leave_below: float,
                   rng: np.random.Generator) -> Memberships:
    """Each group's first ``size`` members: random citizens of its countries (for a
    binational group, of either with even chance) who accept as a candidate would
    (:func:`join_chance`); a group whose countries hold too few willing citizens starts
    smaller."""
    citizens, groups_of = [], []
    for g in range(groups.n_groups):
        want = int(groups.size[g])
        countries = [int(groups.home[g])]
        if groups.binational[g]:
            countries.append(int(groups.partner[g]))
        others = np.array([groups.other(g, c) for c in countries])
        chosen: dict[int, None] = {}
        for _ in range(START_TRIES):
            if len(chosen) >= want:
                break
            batch = 4 * (want - len(chosen)) + 16
            side = rng.integers(0, len(countries), batch)
            country = np.array(countries)[side]
            who = world.starts[country] + (rng.random(batch) * world.sizes[country]).astype(
                np.int64)
            view = world.images[who, PEOPLE, others[side]]
            accept = rng.random(batch) < join_chance(world.openness[who], view, leave_below)
            for i in who[accept]:
                if len(chosen) < want:
                    chosen.setdefault(int(i), None)
        citizens.extend(chosen)
        groups_of.extend([g] * len(chosen))
    citizen = np.array(citizens, np.int32)
    np.add.at(groups.belongs, citizen, 1)
    return groups._replace(citizen=citizen, group=np.array(groups_of, np.int32),
                           count=np.array([len(citizen)], np.int64))


def membership_counts(groups: Memberships, home: np.ndarray, n_countries: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """[d, c] the memberships citizens of d hold in groups linking them to c (c = d: in
    national groups), and [d, c] the groups of home d and partner c (c = d: national)
    with at least two members (enough to meet)."""
    n = n_countries
    used = groups.count[0]
    citizen, group = groups.citizen[:used], groups.group[:used]
    d = home[citizen].astype(np.int64)
    gh, gp = groups.home[group], groups.partner[group]
    other = np.where(gp < 0, gh, np.where(d == gh, gp, gh))
    members = np.bincount(d * n + other, minlength=n * n).reshape(n, n).astype(float)
    size = np.bincount(group, minlength=groups.n_groups)
    target = np.where(groups.partner < 0, groups.home, groups.partner)
    active = np.bincount((groups.home * n + target)[size >= 2], minlength=n * n)
    return members, active.reshape(n, n).astype(float)
