"""Social media (nano diplomacy): posts about the poster's culture reach foreign followers.

An online citizen posts about its own country (valence: the country's appeal, plus
noise) or, with chance ``hostility``, against the country it likes least; followers
abroad see it with a chance set by ``reach``, judge it, and may adopt its symbol.
With the experience rule a post shows one of the poster's national symbols: a follower
who holds or knows it recognises it (pleasant with chance ``recognition``, else
unpleasant); to others it is novel, pleasant with chance openness times appeal (else no
experience) and then learned with chance ``adoption``. Hostile posts stay messages. A
paid influencer's posts are sponsored experiences (``[[sponsorship]]``).
"""

import weakref

import numpy as np
from numba import njit

from nanosim.engine.channels.channel import (
    Channel,
    activations,
    citizens,
    credibility,
    experiences,
    latitudes,
)
from nanosim.engine.kernels import PEOPLE
from nanosim.engine.kernels.bundles import NO_KNOWN, NO_PROTOTYPES
from nanosim.engine.kernels.judgement import (
    deliver_to,
    favourability,
    see_symbol,
    set_symbol,
    similarity_count,
)
from nanosim.engine.kernels.memory import BLOCK, country_of, prefetch, prefetch_images
from nanosim.engine.kernels.rng import fill_uniform, normal_from
from nanosim.engine.sponsorship import paid_influencers

CODE = 1
POST_DRAWS = 6  # which poster, posts?, hostile?, noise (two), which symbol
FOLLOWER_DRAWS = 2  # sees the post?, adopts the symbol?
RULE_FOLLOWER_DRAWS = 3  # with the experience rule: sees the post?, pleasant?, learns it?


def step(model, ledger) -> None:
    """This step's posts (``channels.social_media``)."""
    ch = model.scenario.channels.social_media
    if not ch.enabled or ch.post_rate == 0 or ch.reach == 0:
        return
    can_post, posters = _posters(model)
    post_prob = ch.post_rate * model.post_multiplier
    top = post_prob.max()
    if top == 0 or posters.size == 0:
        return
    follows = model.scenario.network.follows
    see = 1.0 if follows <= 0 else min(1.0, ch.reach / follows)
    f = model.followers
    rule = experiences(model, ch)
    if rule is not None:
        rule = (rule, ch.recognition, paid_influencers(model), credibility(model))
    _post(model.rng_state, activations(model, posters.size, min(1.0, top)), posters,
          np.minimum(1.0, post_prob / min(1.0, top)), (f.indptr, f.indices), can_post,
          citizens(model), ledger, latitudes(model, ch), model.appeal, ch.noise, see,
          ch.hostility, ch.adoption, rule)


_posters_of = weakref.WeakKeyDictionary()  # model -> (online, banned, can_post, posters)


def _posters(model) -> tuple[np.ndarray, np.ndarray]:
    """Who may post (online, platform not banned): a mask and the indices.

    Found again only when the bans change or ``model.online`` is replaced: the follower
    graph was built from who is online.
    """
    banned = tuple(np.flatnonzero(model.banned))
    found = _posters_of.get(model)
    if found is None or found[0] is not model.online or found[1] != banned:
        can_post = model.online & ~model.banned[model.home]
        found = (model.online, banned, can_post, np.flatnonzero(can_post).astype(np.int64))
        _posters_of[model] = found
    return found[2], found[3]


@njit(cache=True)
def _post(s, activations, posters, post_prob, followers, can_see, citizens, ledger, lat,
          appeal, noise, see_prob, hostility, adoption, rule):
    """``activations`` draws among ``posters``; each posts with probability
    ``post_prob[home]`` (thinning), so per-country rates can differ. A follower
    (``followers``: indptr, indices) sees a post with probability ``see_prob``.

    ``rule``: None (a post is a message of valence appeal + noise), or the experience
    rule (``bundles.Experiences``, recognition, who is a paid influencer: bool per citizen
    or empty, ``bundles.Credibility``). Compiled apart for each: a follower
    draws :data:`FOLLOWER_DRAWS` uniforms, or :data:`RULE_FOLLOWER_DRAWS` with the rule.
    """
    f_indptr, f_indices = followers
    starts, img, openness, symbols = (citizens.starts, citizens.images, citizens.openness,
                                      citizens.symbols)
    n_posters = posters.shape[0]
    n_countries = starts.shape[0]
    n_features = symbols.shape[1]
    if n_posters == 0:
        return
    follower_draws, repertoire = FOLLOWER_DRAWS, False
    if rule is not None:
        follower_draws, repertoire = RULE_FOLLOWER_DRAWS, rule[0].known.shape[0] > 0
    u = np.empty(POST_DRAWS * BLOCK)
    fu = np.empty(follower_draws * BLOCK)
    pp = np.empty(BLOCK, np.int64)
    fc = np.empty(BLOCK, np.int64)
    for first in range(0, activations, BLOCK):
        m = min(BLOCK, activations - first)
        fill_uniform(s, u, POST_DRAWS * m)
        for k in range(m):
            pp[k] = int(u[k * POST_DRAWS] * n_posters)
            prefetch(posters, (pp[k],))
        for k in range(m):
            p = posters[pp[k]]
            pp[k] = p
            prefetch(f_indptr, (p,))
            prefetch(symbols, (p, 0))
        for k in range(m):
            prefetch(f_indices, (f_indptr[pp[k]],))
        for k in range(m):
            p = pp[k]
            r = k * POST_DRAWS
            hp = country_of(p, starts)
            if u[r + 1] >= post_prob[hp]:
                continue
            hostile = n_countries > 1 and u[r + 2] < hostility
            if hostile:
                t = -1
                worst = np.inf
                for c in range(n_countries):
                    if c != hp:
                        f = favourability(img, p, c, ledger.state_weight)
                        if f < worst:
                            worst, t = f, c
                v = worst
            else:
                t = hp
                v = min(1.0, max(-1.0, appeal[hp] + noise * normal_from(u[r + 3], u[r + 4])))
            feature = int(u[r + 5] * n_features)
            symbol = symbols[p, feature]
            if rule is not None:
                symbol = rule[0].prototypes[hp, feature]
            adopt = not hostile and adoption > 0.0
            lo, hi = f_indptr[p], f_indptr[p + 1]
            for c0 in range(lo, hi, BLOCK):
                c1 = min(hi, c0 + BLOCK)
                fill_uniform(s, fu, follower_draws * (c1 - c0))
                for kk in range(c0, c1):
                    q = f_indices[kk]
                    dq = country_of(q, starts)
                    fc[kk - c0] = dq
                    if dq == t:  # posts speak to foreigners about the poster's (or a hated) country
                        continue
                    prefetch(can_see, (q,))
                    prefetch_images(img, q, t)
                    prefetch(openness, (q,))
                    if adopt or (rule is not None and not hostile):
                        prefetch(symbols, (q, 0))
                    if rule is not None:
                        if repertoire:
                            prefetch(rule[0].known, (q, t))
                for kk in range(c0, c1):
                    q = f_indices[kk]
                    r2 = follower_draws * (kk - c0)
                    dq = fc[kk - c0]
                    if dq == t or fu[r2] >= see_prob or not can_see[q]:
                        continue
                    if rule is not None:
                        if not hostile:
                            exp, recognition, paid_posters, credibility = rule
                            paid = paid_posters.shape[0] > 0 and paid_posters[p]
                            if (see_symbol(fu[r2 + 1], fu[r2 + 2], q, dq, hp, feature, citizens,
                                           ledger, appeal[hp], adoption, exp, recognition,
                                           CODE, paid, credibility)
                                    and fu[r2 + 2] < adoption * similarity_count(symbols, p, q)
                                    / n_features):
                                set_symbol(symbols, ledger, dq, q, feature, symbol, exp.known,
                                           exp.prototypes)
                            continue
                    deliver_to(img, ledger, lat, dq, openness[q], q, PEOPLE, t, v, lat.mu, CODE)
                    if adopt and symbols[q, feature] != symbol:
                        same = similarity_count(symbols, p, q)
                        if fu[r2 + 1] < adoption * same / n_features:
                            set_symbol(symbols, ledger, dq, q, feature, symbol, NO_KNOWN,
                                       NO_PROTOTYPES)



CHANNEL = Channel("social_media", "nano", "channels.social_media", step, CODE, "#66a61e")
