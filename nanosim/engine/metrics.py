"""Metrics: what a run records each step, and the tidy table it becomes.

Everything is computed from the model's arrays by compiled kernels or numpy,
never by looping over agents. The tidy table has one row per step x metric x
observer x target (x channel); see docs/outputs.md for every metric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nanosim.engine.channels import LEDGER, reported
from nanosim.engine.groups import membership_counts
from nanosim.engine.kernels import PEOPLE, STATE
from nanosim.engine.kernels.bundles import (
    N_SUMS,
    NO_KNOWN_ONLY,
    NO_SUMS,
    SUM_FAV,
    SUM_FAV_SQUARED,
    SUM_FAVOURABLE,
    SUM_FAVOURABLE_PEOPLE,
    SUM_FAVOURABLE_STATE,
    SUM_PEOPLE,
    SUM_STATE,
    Ledger,
)
from nanosim.engine.kernels.measures import (
    cultural_regions,
    familiarity_from,
    image_moments,
    known_only_counts,
    symbol_counts,
    symbol_holdings,
)
from nanosim.engine.network import Graph, lattice, lattice_shape

PAIR_METRICS = (
    "favourability", "image_people", "image_state", "relations", "polarization", "gap",
    "share_favourable", "share_favourable_people", "share_favourable_state", "symbol_share",
)
SHIFT_METRICS = ("shift_by_channel", "shift_by_channel_people", "shift_by_channel_state")
FINAL_METRICS = ("cultural_regions", "clusters_people", "clusters_state")
# soft_power_by_channel and the metrics after it come last only so that tables written
# before them keep their codes; each of these is a category only where the scenario keeps
# it: familiarity with the experience rule, the groups' with groups, the sponsored ones
# with a sponsorship
FAMILIARITY = "familiarity"
GROUP_METRICS = ("group_members", "group_count")
SPONSORED_METRICS = ("shift_by_channel_voluntary", "shift_by_channel_sponsored",
                     "sponsored_share")
METRICS = (*PAIR_METRICS, "soft_power", *SHIFT_METRICS, "messages", *FINAL_METRICS,
           "soft_power_by_channel", FAMILIARITY, *GROUP_METRICS, *SPONSORED_METRICS)
ALL = "all"
CLUSTER_GAP = 0.05  # a gap wider than this (on [-1, 1]) separates two opinion clusters
MAJOR_CLUSTER = 0.01  # a cluster holding at least this share of citizens is "major"
COLUMNS = ["replicate", "step", "metric", "observer", "target", "channel", "value"]
# dtypes of the columns table() assembles: metric, step, observer, target, channel, value
_COLUMN_DTYPES = (np.int8, np.int32, np.int16, np.int16, np.int8, np.float64)


class Recorder:
    """Collects a model's measures at recorded steps and builds the tidy table.

    It owns the ledger the channel kernels write into (:meth:`ledger_for_step`): the
    shift and message count of every channel (:attr:`shift`, :attr:`counts`, indexed by
    ledger code; in a scenario with a sponsorship, then again for its sponsored
    experiences, at code plus the number of codes) and the running measures they keep
    exact (:attr:`sums`, :attr:`held`).
    """

    def __init__(self, model):
        self.model = model
        self.times: list[int] = []
        self._kept: dict[str, np.ndarray] = {}  # per measure: recorded steps x its shape
        self._room = 0  # recorded steps the arrays of _kept hold
        self.final: dict[str, np.ndarray] = {}
        self.final_step = -1  # the step the final measures describe (-1: none yet)
        n = model.n_countries
        # every change each channel made, and its messages (see bundles.Ledger); where
        # something may be sponsored, its sponsored part apart after them
        self.keeps_sponsored = model.scenario.has_sponsorship
        self._sponsored = len(LEDGER) if self.keeps_sponsored else 0
        codes = len(LEDGER) + self._sponsored
        self.shift = np.zeros((n, n, 2, codes))
        self.counts = np.zeros(codes, dtype=np.int64)
        # Running sums of measures.image_moments and counts of the symbols each country's
        # citizens hold (measures.symbol_holdings), kept up to date by the channel kernels
        # with every change they make; rescanned from the model after invalidate().
        self.sums = np.zeros((n, n, N_SUMS))
        self.held = np.zeros((n, model.symbols.shape[1], model.scenario.culture.traits),
                             np.int64)
        # familiarity where experiences use it: from the symbols held and, with a
        # repertoire, the counts of national symbols known and not held
        self.keeps_familiarity = model.scenario.perception.experience_rule
        self.known_only = (np.zeros((n, n), np.int64)
                           if self.keeps_familiarity and model.known.shape[0] > 0
                           else NO_KNOWN_ONLY)
        self._stale_sums = self._stale_held = self._stale_known_only = True
        self._symbol_slots = _symbol_slots(model.prototypes, model.sizes)
        self.keeps_groups = model.memberships.n_groups > 0

    # --- measuring ----------------------------------------------------------------------

    def current_means(self) -> np.ndarray:
        """Per observer and target: the running sums' slots (``bundles.SUM_*``) per citizen:
        means of favourability, its square and the images, and shares of favourable views."""
        self._refresh()
        return self.sums / np.maximum(self.model.sizes, 1)[:, None, None]

    def invalidate(self):
        """Images or symbols changed outside the channel kernels: rescan them when next asked.

        The channel kernels keep :attr:`sums`, :attr:`held` and :attr:`known_only` up to
        date themselves. Any other code that changes ``model.images``, ``model.symbols``
        or ``model.known`` in place must call this, or the metrics go stale.
        """
        self._stale_sums = self._stale_held = self._stale_known_only = True

    def ledger_for_step(self, t: int) -> Ledger:
        """The ledger the channels of step t write into.

        It keeps the running image sums up to date only where that pays: keeping them
        costs every image change some arithmetic, which only pays when the sums are read
        at the end of step t and were fresh at its start: every step when relations read
        them, else a recorded step after a recorded one. Otherwise they are left stale
        and rescanned (``measures.image_moments``) when next read. The choice depends
        only on the scenario, so results do not depend on who reads them when.
        """
        s = self.model.scenario
        every = s.run.record_every

        def recorded(step):
            return step % every == 0 or step == s.run.steps

        return self._ledger_keeping_sums(s.channels.relations.enabled
                                         or (recorded(t) and recorded(t - 1)))

    def unrecorded_ledger(self) -> Ledger:
        """The ledger of a step before day 0 (a burn-in): it keeps the running image sums
        only where relations read them."""
        return self._ledger_keeping_sums(self.model.scenario.channels.relations.enabled)

    def _ledger_keeping_sums(self, keep: bool) -> Ledger:
        if keep:
            self._refresh()
            return self._ledger(self.sums)
        self._stale_sums = True
        return self._ledger(NO_SUMS)

    def untracked_ledger(self) -> Ledger:
        """A ledger for changes the running measures do not follow (the news of events):
        they are marked stale, to be rescanned when next read."""
        self.invalidate()
        return self._ledger(NO_SUMS)

    def _ledger(self, sums: np.ndarray) -> Ledger:
        return Ledger(self.shift, self.counts, sums, self.held, self.known_only,
                      self.model.scenario.perception.state_weight, self._sponsored)

    def _refresh(self):
        m = self.model
        if self._stale_sums:
            self.sums[...] = image_moments(m.images, m.starts, m.sizes,
                                             m.scenario.perception.state_weight)
            self._stale_sums = False
        if self._stale_held:
            self.held[...] = symbol_holdings(m.symbols, m.starts, m.sizes,
                                               m.scenario.culture.traits)
            self._stale_held = False
        if self._stale_known_only:
            if self.known_only.size:
                self.known_only[...] = known_only_counts(m.symbols, m.known, m.prototypes,
                                                         m.starts, m.sizes)
            self._stale_known_only = False

    def record(self, t: int):
        """Keep this step's raw measures; derived metrics are computed once, in :meth:`table`."""
        m = self.model
        k = len(self.times)
        self.times.append(t)
        measures = (("means", self.current_means()), ("relations", m.relations),
                    ("symbol_share", self._symbol_share()), ("shift", self.shift),
                    ("messages", self.counts))
        if self.keeps_familiarity:
            self._refresh()
            measures += ((FAMILIARITY, familiarity_from(self.held, self.known_only,
                                                        m.prototypes, m.sizes)),)
        if self.keeps_groups:
            measures += tuple(zip(GROUP_METRICS, membership_counts(m.memberships, m.home,
                                                                   m.n_countries),
                                  strict=True))
        if k == self._room:  # room for more steps (a copy only when it doubles)
            s = m.scenario.run
            self._room = min(s.steps // s.record_every + 2, 1024) if k == 0 else 2 * k
            for key, value in measures:
                grown = np.empty((self._room, *value.shape), value.dtype)
                if k:
                    grown[:k] = self._kept[key]
                self._kept[key] = grown
        for key, value in measures:
            self._kept[key][k] = value

    @property
    def rows(self) -> dict[str, np.ndarray]:
        """Each raw measure at the recorded steps (:attr:`times`), as one array (a view)."""
        return {key: kept[:len(self.times)] for key, kept in self._kept.items()}

    def _symbol_share(self) -> np.ndarray:
        self._refresh()
        return symbol_counts(self.held, self.model.prototypes) / self._symbol_slots

    def finish(self):
        """Measures taken once, at the end: cultural regions and opinion clusters.

        :meth:`table` calls this when the run has ended, however it was stepped.
        """
        m = self.model
        self.final_step = m.t
        g = region_graph(m)
        regions = (len(np.unique(m.symbols, axis=0)) if g.well_mixed
                   else cultural_regions(g.indptr, g.indices, m.symbols))
        self.final["cultural_regions"] = np.array(regions, dtype=float)
        for which, name in ((PEOPLE, "clusters_people"), (STATE, "clusters_state")):
            self.final[name] = np.array(
                [opinion_clusters(m.images[start:start + size, which, :])  # d's views of all
                 for start, size in zip(m.starts, m.sizes, strict=True)], dtype=float)

    # --- the table ----------------------------------------------------------------------

    def table(self, replicate: int | None = None) -> pd.DataFrame:
        """The tidy table: replicate (default: the model's), step, metric, observer, target,
        channel, value. Once the run has ended it includes the end-of-run measures."""
        m = self.model
        n = m.n_countries
        replicate = m.replicate if replicate is None else replicate
        times = np.asarray(self.times, dtype=np.int32)
        if not m.running and m.t == times[-1] and self.final_step != m.t:
            self.finish()
        countries = list(m.country_names) + [ALL]
        metrics = [k for k in METRICS if (k != FAMILIARITY or self.keeps_familiarity)
                   and (k not in GROUP_METRICS or self.keeps_groups)
                   and (k not in SPONSORED_METRICS or self.keeps_sponsored)]
        shown = reported(m.scenario)
        codes = [c.code for c in shown]
        channels = [""] + [c.name for c in shown]
        pair = _pair_mask(n, include_own=n == 1)
        d_idx, c_idx = np.nonzero(pair)
        pairs = d_idx * n + c_idx  # (observer, target) as one index, to take in step order

        def by_pair(arr):  # time x observer x target x ... -> time x pair x ...
            return np.take(arr.reshape(arr.shape[0], n * n, *arr.shape[3:]), pairs, axis=1)

        parts = []  # (metric, values: steps x ..., steps, observer, target, channel)

        def add(metric, values, steps, observer=n, target=n, channel=0):
            """One metric's rows; observer, target and channel broadcast against values."""
            parts.append((metrics.index(metric), values, steps, observer, target, channel))

        derived = self._derived()
        for metric in PAIR_METRICS:
            add(metric, by_pair(derived[metric]), times, d_idx, c_idx)
        add("soft_power", _soft_power(derived["favourability"], m.sizes), times,
            target=np.arange(n))
        rows = self.rows
        per_citizen = np.maximum(m.sizes, 1)[None, :, None, None, None]
        w = m.scenario.perception.state_weight

        def favourability_shift(shifts):  # time, observer, target, image, channel
            return w * shifts[..., STATE, :] + (1 - w) * shifts[..., PEOPLE, :]

        shifts = rows["shift"][..., codes] / per_citizen  # time, observer, target, image, channel
        counts = rows["messages"][:, codes]
        if self.keeps_sponsored:  # the voluntary part, the sponsored part, and their sum
            sponsored_codes = [code + self._sponsored for code in codes]
            voluntary, sponsored = shifts, rows["shift"][..., sponsored_codes] / per_citizen
            voluntary_counts, sponsored_counts = counts, rows["messages"][:, sponsored_codes]
            shifts, counts = voluntary + sponsored, voluntary_counts + sponsored_counts
        fav_shifts = favourability_shift(shifts)
        by_channel = np.arange(1, len(shown) + 1)
        per_image = {
            "shift_by_channel": by_pair(fav_shifts),
            "shift_by_channel_people": by_pair(shifts[..., PEOPLE, :]),
            "shift_by_channel_state": by_pair(shifts[..., STATE, :]),
        }
        for metric, arr in per_image.items():  # arr: time, pair, channel
            add(metric, arr, times, d_idx[:, None], c_idx[:, None], by_channel)
        add("soft_power_by_channel", _soft_power(fav_shifts, m.sizes), times,
            target=np.arange(n)[:, None], channel=by_channel)
        add("messages", counts, times, channel=by_channel)
        if self.keeps_familiarity:
            add(FAMILIARITY, by_pair(rows[FAMILIARITY]), times, d_idx, c_idx)
        if self.keeps_groups:  # every pair, own included (national groups)
            gd, gc = np.nonzero(_pair_mask(n, include_own=True))
            for metric in GROUP_METRICS:
                add(metric, rows[metric][:, gd, gc], times, gd, gc)
        if self.keeps_sponsored:
            for metric, part in (("shift_by_channel_voluntary", voluntary),
                                 ("shift_by_channel_sponsored", sponsored)):
                add(metric, by_pair(favourability_shift(part)), times, d_idx[:, None],
                    c_idx[:, None], by_channel)
            with np.errstate(invalid="ignore", divide="ignore"):
                add("sponsored_share", sponsored_counts / counts, times, channel=by_channel)
        last = np.array([self.final_step], dtype=np.int32)
        if "cultural_regions" in self.final:
            add("cultural_regions", self.final["cultural_regions"].reshape(1), last)
        fd, fc = np.nonzero(_pair_mask(n, include_own=True))
        for metric in ("clusters_people", "clusters_state"):
            if metric in self.final:
                add(metric, self.final[metric][fd, fc][None], last, fd, fc)
        metric, step, observer, target, channel, value = _filled_columns(parts)

        def categorical(codes, names):  # codes are built above, so within range
            return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(names),
                                             validate=False)

        return pd.DataFrame({
            "replicate": np.full(len(step), replicate, dtype=np.int32),
            "step": step,
            "metric": categorical(metric, metrics),
            "observer": categorical(observer, countries),
            "target": categorical(target, countries),
            "channel": categorical(channel, channels),
            "value": value,
        }, copy=False)

    def _derived(self) -> dict[str, np.ndarray]:
        """Every pair metric for every recorded step, as time x observer x target arrays."""
        rows = self.rows
        means = rows["means"]
        fav = means[..., SUM_FAV]
        relations = rows["relations"]
        return {
            "favourability": fav,
            "image_people": means[..., SUM_PEOPLE],
            "image_state": means[..., SUM_STATE],
            "relations": relations,
            "polarization": np.sqrt(np.maximum(means[..., SUM_FAV_SQUARED] - fav**2, 0.0)),
            "gap": fav - relations,
            "share_favourable": means[..., SUM_FAVOURABLE],
            "share_favourable_people": means[..., SUM_FAVOURABLE_PEOPLE],
            "share_favourable_state": means[..., SUM_FAVOURABLE_STATE],
            "symbol_share": rows["symbol_share"],
        }


def _filled_columns(parts) -> tuple[np.ndarray, ...]:
    """The table's columns, in their final dtypes, from :meth:`Recorder.table`'s parts.

    Each part's rows are written in place, one recorded step per row of a
    (steps x rows per step) view; its observers, targets and channels are laid out for
    one step and repeated. No temporary copies, so that building the table costs less
    than recording the steps it holds.
    """
    total = sum(values.size for _, values, *_ in parts)
    columns = [np.empty(total, dtype) for dtype in _COLUMN_DTYPES]
    at = 0
    for code, values, steps, *labels in parts:
        per_step = values.shape[1:]
        view = [column[at:at + values.size].reshape(len(steps), -1) for column in columns]
        view[0][...] = code
        view[1][...] = steps[:, None]
        for column, label in zip(view[2:5], labels, strict=True):
            column[...] = np.broadcast_to(label, per_step).astype(column.dtype).ravel()
        view[5].reshape(values.shape)[...] = values
        at += values.size
    return tuple(columns)


def _pair_mask(n: int, include_own: bool) -> np.ndarray:
    mask = ~np.eye(n, dtype=bool)
    if include_own:
        mask |= np.eye(n, dtype=bool)
    return mask


def _soft_power(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Population-weighted mean of ``values`` (time x observer x target, then any per-target
    axes) over each target's foreign observers: time x target (x ...); NaN for none."""
    extra = (1,) * (values.ndim - 3)
    weights = sizes[:, None] * (~np.eye(len(sizes), dtype=bool))
    total = weights.sum(axis=0).reshape(-1, *extra)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (weights.reshape(*weights.shape, *extra) * values).sum(axis=1)
                        / np.maximum(total, 1), np.nan)


def _symbol_slots(prototypes: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Citizens of d x features where d's and c's national symbols differ (NaN for none)."""
    differing = (prototypes[:, None, :] != prototypes[None, :, :]).sum(axis=2)
    slots = (sizes[:, None] * differing).astype(float)
    return np.where(slots > 0, slots, np.nan)


def region_graph(model) -> Graph:
    """The adjacency cultural regions are counted on: for a lattice the 4-neighbour grid,
    whatever the range of interaction, as Axelrod (1997) counted them; else the social graph."""
    net = model.scenario.network
    if net.kind != "lattice":
        return model.graph
    n = model.n_citizens
    return lattice(n, *lattice_shape(n, net.width), "von_neumann", net.torus)


def opinion_clusters(values: np.ndarray, gap: float = CLUSTER_GAP,
                     major: float = MAJOR_CLUSTER) -> int | np.ndarray:
    """Major opinion clusters: runs of sorted values split by gaps wider than ``gap``,
    holding at least ``major`` of the values. Of each column, if ``values`` is 2-D."""
    n, k = len(values), values.shape[1] if values.ndim == 2 else 1
    v = np.sort(values, axis=0).reshape(n, k)  # values x columns
    run = np.zeros((n, k), np.int64)  # each value's cluster, numbered apart per column
    np.cumsum(np.diff(v, axis=0) > gap, axis=0, out=run[1:])
    run += np.arange(k) * n
    sizes = np.bincount(run.ravel(), minlength=n * k)
    counts = ((sizes > 0) & (sizes >= major * n)).reshape(k, n).sum(axis=1)
    return counts if values.ndim == 2 else int(counts[0])
