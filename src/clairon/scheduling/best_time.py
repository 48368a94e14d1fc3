"""The best-time model: expected engagement of a post at any instant, with uncertainty.

Log engagement of a post is modelled as a Bayesian linear regression on local-time
features of the instant (see :mod:`clairon.scheduling.features`)::

    log(1 + engagements / completeness) = a + b·log(published curve of the audience)
        + c·log(feed crowding) + d·(holiday share) + smooth residual daily shape
        + weekday shifts + e·fatigue(gap to previous post) + trend + content type + noise

* Every coefficient has a prior (``b`` ~ 1: trust the published curve; the residual
  shape ~ 0), so with thin data the model *is* the prior and with rich data it learns
  the account (hierarchical shrinkage).
* The audience is a mixture of time zones. Declared zones may be stale, so several
  audience hypotheses (declared, other zones, declared + another zone) are fitted and
  averaged by their marginal likelihood: the account's own results move the weights.
* Robustness: counts of young posts are scaled up by a saturating completeness curve
  and down-weighted; old posts decay with a half-life (drift, abrupt changes); viral
  posts are down-weighted by Huber weights (log scale + winsorising).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from clairon.scheduling.features import FloatArray, ZoneFeatures, mixture_features, zone_features
from clairon.scheduling.history import PastPost
from clairon.scheduling.priors import NetworkPrior, network_prior
from clairon.scheduling.slots import zone

__all__ = ["MIN_HISTORY_POSTS", "AudienceHypothesis", "BestTimeModel", "fit_best_time"]

MIN_HISTORY_POSTS = 5
HALF_LIFE_WEEKS = 12.0
COMPLETION_HOURS = 8.0  # e-folding time of engagement accumulation (default)
COMPLETION_CHOICES = (3.0, 6.0, 12.0, 24.0, 48.0)  # learned when young posts exist
MIN_AGE_HOURS = 2.0
FATIGUE_HOURS = 6.0
DISCREPANCY_SD = 0.08  # structural uncertainty of the model itself (log scale)
DEFAULT_NOISE_SD = 0.9  # log-scale post-to-post noise assumed before seeing data
CANDIDATE_ZONES = (
    "America/Los_Angeles", "America/Chicago", "America/New_York", "America/Sao_Paulo",
    "Europe/London", "Europe/Paris", "Europe/Istanbul", "Asia/Dubai", "Asia/Kolkata",
    "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
)  # fmt: skip
_N_FOURIER = 3
_N_DAYS = 6  # weekday shifts relative to Monday
# intercept, curve, crowd, fourier, weekday shifts, holiday, fatigue, trend
_BASE_COLUMNS = 3 + 2 * _N_FOURIER + _N_DAYS + 3
SHAPE_SCALES: tuple[float, ...] = (0.5, 1.0, 2.5)  # how far from the published shape
# share of an undeclared zone in the "declared + that zone" hypotheses
MIX_SHARES: tuple[float, ...] = (0.5,)


@dataclass(frozen=True)
class AudienceHypothesis:
    """One audience mixture with its fitted posterior and its posterior probability."""

    label: str
    mixture: Mapping[str, float]
    probability: float
    declared: bool
    mean: FloatArray = field(repr=False)
    cov: FloatArray = field(repr=False)


def completeness(age_hours: float, e_folding_hours: float = COMPLETION_HOURS) -> float:
    """Share of a post's final engagement already visible ``age_hours`` after publishing."""
    if math.isinf(age_hours):
        return 1.0
    return 1.0 - math.exp(-max(age_hours, 0.0) / e_folding_hours)


@dataclass
class BestTimeModel:
    """A fitted model for one account on one network."""

    network: NetworkPrior
    reference_zone: str
    declared: Mapping[str, float]
    hypotheses: list[AudienceHypothesis]
    noise_sd: float
    log_mean_shift: float  # log E[exp(noise)]: from log-scale mean to expected counts
    n_posts: int
    weeks_of_history: float
    now: datetime
    content_types: list[str]
    content_mix: FloatArray
    median_engagements: float | None
    typical_impressions: float | None

    @property
    def is_fallback(self) -> bool:
        """True when history is too thin and the published curves drive everything."""
        return self.n_posts < MIN_HISTORY_POSTS

    @property
    def fatigue_effect(self) -> float:
        """Posterior mean log-effect of posting right after another post (<= 0)."""
        idx = _BASE_COLUMNS - 2
        return min(0.0, sum(h.probability * float(h.mean[idx]) for h in self.hypotheses))

    def _features(self, times: Sequence[datetime]) -> dict[str, ZoneFeatures]:
        zones = {self.reference_zone} | {z for h in self.hypotheses for z in h.mixture}
        return {z: zone_features(times, z, self.network) for z in zones}

    def _design(
        self,
        times: Sequence[datetime],
        hyp: AudienceHypothesis,
        per_zone: Mapping[str, ZoneFeatures],
    ) -> FloatArray:
        trend = np.array([(t - self.now).total_seconds() / (7 * 86400.0) for t in times])
        trend = np.clip(trend, -60.0, 2.0)
        content = np.tile(self.content_mix, (len(times), 1))
        return _design_matrix(per_zone, hyp.mixture, self.reference_zone, trend, None, content)

    def predict_log(self, times: Sequence[datetime]) -> tuple[FloatArray, FloatArray]:
        """Posterior mean and variance of the mean log engagement at each instant."""
        per_zone = self._features(times)
        mus, variances, probs = [], [], []
        for hyp in self.hypotheses:
            x = self._design(times, hyp, per_zone)
            mus.append(x @ hyp.mean)
            variances.append(np.einsum("ij,jk,ik->i", x, hyp.cov, x))
            probs.append(hyp.probability)
        p = np.array(probs)[:, None]
        mu_all, var_all = np.array(mus), np.array(variances)
        mu = (p * mu_all).sum(axis=0)
        var = (p * (var_all + mu_all**2)).sum(axis=0) - mu**2
        return mu, np.maximum(var, 0.0) + DISCREPANCY_SD**2

    def sample_log(self, times: Sequence[datetime], rng: np.random.Generator) -> FloatArray:
        """One posterior draw of the mean log engagement (Thompson sampling)."""
        probs = np.array([h.probability for h in self.hypotheses])
        hyp = self.hypotheses[int(rng.choice(len(probs), p=probs / probs.sum()))]
        beta = rng.multivariate_normal(hyp.mean, hyp.cov, method="cholesky")
        per_zone = {z: zone_features(times, z, self.network) for z in self._features([])}
        return np.asarray(self._design(times, hyp, per_zone) @ beta, dtype=np.float64)

    def expected(
        self, times: Sequence[datetime], level: float = 0.90
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Expected engagements per post at each instant, with a central credible interval."""
        mu, var = self.predict_log(times)
        z = _normal_quantile(0.5 + level / 2)
        shift = self.log_mean_shift
        sd = np.sqrt(var)
        return (
            np.exp(mu + shift) - 1,
            np.exp(mu - z * sd + shift) - 1,
            np.exp(mu + z * sd + shift) - 1,
        )


def _normal_quantile(p: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def _design_matrix(
    per_zone: Mapping[str, ZoneFeatures],
    mixture: Mapping[str, float],
    reference: str,
    trend: FloatArray,
    fatigue: FloatArray | None,
    content: FloatArray,
) -> FloatArray:
    curve, crowd, holiday = mixture_features(per_zone, mixture)
    ref = per_zone[reference]
    n = len(trend)
    cols = [np.ones(n), curve, crowd]
    angle = 2 * np.pi * ref.hour / 24.0
    for k in range(1, _N_FOURIER + 1):
        cols += [np.sin(k * angle), np.cos(k * angle)]
    cols += [(ref.weekday == d).astype(float) for d in range(1, 1 + _N_DAYS)]
    cols += [holiday]
    cols += [np.zeros(n) if fatigue is None else fatigue, trend]
    x = np.column_stack(cols)
    return np.hstack([x, content]) if content.shape[1] else x


def _prior(
    n_content: int, intercept: float, shape_scale: float = 1.0
) -> tuple[FloatArray, FloatArray]:
    shape = [0.0] * (2 * _N_FOURIER + _N_DAYS)
    mean = [intercept, 1.0, 0.0, *shape, -0.1, -0.15, 0.0]
    shape_sd = [0.1 * shape_scale] * (2 * _N_FOURIER) + [0.1 * shape_scale] * _N_DAYS
    sd = [10.0, 0.35, 0.25, *shape_sd, 0.3, 0.25, 0.03]
    mean += [0.0] * n_content
    sd += [0.5] * n_content
    return np.array(mean), 1.0 / np.array(sd) ** 2


def _posterior(
    x: FloatArray, y: FloatArray, w: FloatArray, sigma2: float, m0: FloatArray, p0: FloatArray
) -> tuple[FloatArray, FloatArray, float]:
    a = np.diag(p0) + (x * w[:, None]).T @ x / sigma2
    b = p0 * m0 + x.T @ (w * y) / sigma2
    chol = np.linalg.cholesky(a)
    mean: FloatArray = np.linalg.solve(a, b).astype(np.float64)
    log_ml = -0.5 * (float(w @ y**2) / sigma2 + float(m0 @ (p0 * m0)) - float(mean @ a @ mean))
    log_ml += -float(np.log(np.diag(chol)).sum()) + 0.5 * float(np.log(p0).sum())
    cov = np.linalg.inv(a)
    return mean, (cov + cov.T) / 2, log_ml


def _alternatives(
    declared: Mapping[str, float], now: datetime
) -> list[tuple[str, dict[str, float]]]:
    offsets = {now.astimezone(zone(z)).utcoffset() for z in declared}
    out: list[tuple[str, dict[str, float]]] = []
    for cand in CANDIDATE_ZONES:
        if cand in declared or now.astimezone(zone(cand)).utcoffset() in offsets:
            continue
        out.append((f"{cand} only", {cand: 1.0}))
        for share in MIX_SHARES:
            mixed = {z: (1 - share) * w for z, w in declared.items()}
            mixed[cand] = mixed.get(cand, 0.0) + share
            out.append((f"declared + {share:.0%} {cand}", mixed))
    return out


def fit_best_time(
    history: Sequence[PastPost],
    *,
    network: str,
    audience: Mapping[str, float] | None = None,
    home_timezone: str | None = None,
    now: datetime | None = None,
    learn_zones: bool = True,
) -> BestTimeModel:
    """Fit the model on an account's past posts (pure; ``now`` defaults to the last post)."""
    prior = network_prior(network)
    declared = dict(audience) if audience else {home_timezone or "UTC": 1.0}
    total = sum(declared.values())
    declared = {z: w / total for z, w in declared.items()}
    for name in declared:
        zone(name)
    reference = home_timezone or max(declared, key=lambda z: declared[z])
    posts = sorted(history, key=lambda p: p.published_at)
    if now is None:
        now = max((p.observed_at or p.published_at for p in posts), default=datetime.now(UTC))
    posts = [p for p in posts if p.published_at <= now and p.age_hours >= MIN_AGE_HOURS]
    n = len(posts)
    types = sorted({p.content_type for p in posts if p.content_type})
    counts = {t: sum(1 for p in posts if p.content_type == t) for t in types}
    common = max(counts, key=lambda t: counts[t]) if counts else None
    types = [t for t in types if t != common and counts[t] >= 3]

    times = [p.published_at for p in posts]
    comp = np.array([completeness(p.age_hours) for p in posts])
    eng = np.array([p.total_engagements for p in posts])
    y = np.log1p(eng / np.maximum(comp, 1e-3))
    age_weeks = np.array([(now - t).total_seconds() / (7 * 86400.0) for t in times])
    w = 0.5 ** (age_weeks / HALF_LIFE_WEEKS) * comp
    trend = -age_weeks
    gaps = [math.inf] + [(b - a).total_seconds() / 3600.0 for a, b in itertools.pairwise(times)]
    gaps = gaps[:n]
    fatigue = np.exp(-np.array(gaps) / FATIGUE_HOURS)
    content = np.array([[1.0 if p.content_type == t else 0.0 for t in types] for p in posts])
    content = content.reshape(n, len(types))
    mix = content.mean(axis=0) if n else np.zeros(len(types))

    hypotheses_in = [("declared", declared)]
    if learn_zones and n >= MIN_HISTORY_POSTS:
        hypotheses_in += _alternatives(declared, now)
    zones = {reference} | {z for _, m in hypotheses_in for z in m}
    per_zone = {z: zone_features(times, z, prior) for z in zones}
    m0, p0 = _prior(len(types), float(np.average(y, weights=w)) if n else 0.0)

    sigma2 = DEFAULT_NOISE_SD**2
    x_decl = _design_matrix(per_zone, declared, reference, trend, fatigue, content)
    ages = np.array([p.age_hours for p in posts])
    if n >= MIN_HISTORY_POSTS and bool((ages < 96).any()):
        # how fast engagement accumulates differs by network and account: pick the
        # e-folding time under which young posts fit the model best (a shift of y has
        # Jacobian 1, so likelihoods are comparable)
        recency = 0.5 ** (age_weeks / HALF_LIFE_WEEKS)

        def _evidence(tau: float) -> float:
            c = np.array([completeness(a, tau) for a in ages])
            y_tau = np.log1p(eng / np.maximum(c, 1e-3))
            return _posterior(x_decl, y_tau, recency, sigma2, m0, p0)[2]

        tau = max(COMPLETION_CHOICES, key=_evidence)
        comp = np.array([completeness(a, tau) for a in ages])
        y = np.log1p(eng / np.maximum(comp, 1e-3))
        w = recency * comp
    if n:
        for _ in range(2):  # Huber re-weighting against viral posts
            mean, _, _ = _posterior(x_decl, y, w, sigma2, m0, p0)
            resid = y - x_decl @ mean
            scale = 1.4826 * float(np.median(np.abs(resid))) + 1e-6
            sigma2 = (MIN_HISTORY_POSTS * DEFAULT_NOISE_SD**2 + n * scale**2) / (
                MIN_HISTORY_POSTS + n
            )
            huber = np.minimum(1.0, 2.0 * math.sqrt(sigma2) / np.maximum(np.abs(resid), 1e-9))
            w = 0.5 ** (age_weeks / HALF_LIFE_WEEKS) * comp * huber
    n_alt = len(hypotheses_in) - 1
    scales = SHAPE_SCALES if n >= MIN_HISTORY_POSTS else (1.0,)
    fitted = []
    for i, (label, mixture) in enumerate(hypotheses_in):
        x = (
            x_decl
            if i == 0
            else _design_matrix(per_zone, mixture, reference, trend, fatigue, content)
        )
        audience_prior = (0.5 if n_alt else 1.0) if i == 0 else 0.5 / n_alt
        for shape_scale in scales:
            m0s, p0s = _prior(len(types), float(m0[0]), shape_scale)
            mean, cov, log_ml = _posterior(x, y, w, sigma2, m0s, p0s)
            log_ml += math.log(audience_prior / len(scales))
            fitted.append((label, mixture, mean, cov, log_ml, i == 0))
    scores = np.array([f[4] for f in fitted])
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    hyps = [
        AudienceHypothesis(label, mixture, float(p), declared_flag, mean, cov)
        for (label, mixture, mean, cov, _, declared_flag), p in zip(fitted, probs, strict=True)
        if p > 1e-3
    ]
    kept = sum(h.probability for h in hyps)
    hyps = [
        AudienceHypothesis(h.label, h.mixture, h.probability / kept, h.declared, h.mean, h.cov)
        for h in hyps
    ]
    shift = DEFAULT_NOISE_SD**2 / 2
    if n:
        best = max(hyps, key=lambda h: h.probability)
        x_best = _design_matrix(per_zone, best.mixture, reference, trend, fatigue, content)
        resid = np.minimum(y - x_best @ best.mean, 6.0 * math.sqrt(sigma2))
        base_w = 0.5 ** (age_weeks / HALF_LIFE_WEEKS) * comp
        smear = math.log(float(np.average(np.exp(resid), weights=base_w)))
        shift = (MIN_HISTORY_POSTS * shift + n * smear) / (MIN_HISTORY_POSTS + n)
    recent = [e / max(c, 1e-3) for e, c, a in zip(eng, comp, age_weeks, strict=False) if a <= 16]
    impressions = [size for p in posts if (size := p.audience_size)]
    span = (now - times[0]).total_seconds() / (7 * 86400.0) if times else 0.0
    return BestTimeModel(
        network=prior,
        reference_zone=reference,
        declared=declared,
        hypotheses=hyps,
        noise_sd=math.sqrt(sigma2),
        log_mean_shift=shift,
        n_posts=n,
        weeks_of_history=span,
        now=now,
        content_types=types,
        content_mix=mix,
        median_engagements=float(np.median(recent)) if recent else None,
        typical_impressions=float(np.exp(np.mean(np.log(impressions)))) if impressions else None,
    )
