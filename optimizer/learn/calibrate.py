"""Turn history into a candidate file: past posts (and, optionally, attributed journeys) -> shrunk rates per
creator with honest uncertainty, written as the shortlist with its rate and ``_sd`` columns filled.

Per post: reach rate = reach / (followers x audience_quality) (the shortlist's audience quality, 1 if none, so
the funnel's reach = followers x audience_quality x reach_rate holds), engagement rate = engagements / reach,
conversion rate = orders / reach. Each is estimated by ``shrinkage.py`` toward the creator's tier x platform
group; order value from revenue / orders. Creators on the shortlist without history get their group's prior:
its mean and, as sd, the spread between creators plus the post-to-post variation. Posts of creators who are not
on the shortlist, or on another platform than the shortlist's entry, inform the group priors only.

With a touchpoint log, each creator the log mentions takes the attribution model's credits as its orders and
revenue instead of the posts' own (discount codes miss customers who saw one creator and bought after another):
its credited conversions and revenue are spread over its posts in proportion to the posts' own orders, or to
their reach when the posts recorded none. Creators the log never mentions keep their posts' own figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.domain import tiers as tiers_mod
from optimizer.errors import InputError
from optimizer.io.candidates import COLUMNS, Defaults, load_candidates, read_table
from optimizer.io.history import Skipped, load_posts, load_touchpoints
from optimizer.learn import shrinkage
from optimizer.learn.attribution import DEFAULT_HALF_LIFE, DEFAULT_WEIGHTS, Attribution, attribute
from optimizer.utils.jsonable import SCHEMA_VERSION, json_ready

RATES = ("reach_rate", "engagement_rate", "conversion_rate")
CALIBRATED = (*RATES, "order_value", "reach_rate_sd", "engagement_rate_sd", "conversion_rate_sd", "order_value_sd")
EVIDENCE = ("history_posts", "evidence_weight")  # written beside the rates: what they rest on
_PLACEHOLDER = {"reach_rate": 0.1, "engagement_rate": 0.01, "conversion_rate": 0.001, "order_value": 1.0}


@dataclass
class CalibrationResult:
    """``candidates``: the shortlist as read, with the calibrated columns replaced (what ``-o`` writes).
    ``creators``: per shortlist creator, posts, raw and calibrated rates, 90% posterior intervals, shrinkage
    weights and the prior used. ``priors``: per rate and group, the fitted prior. ``skipped``: rows left out and
    notes per input file."""

    candidates: pd.DataFrame
    creators: pd.DataFrame
    priors: pd.DataFrame
    attribution: Attribution | None
    skipped: dict[str, Skipped]
    warnings: list[str] = field(default_factory=list)
    posts_used: int = 0
    posts_for_priors_only: int = 0

    def to_dict(self) -> dict:

        att = None
        if self.attribution is not None:
            a = self.attribution
            att = {"model": a.model, "conversions": a.conversions, "revenue": a.revenue, "journeys": a.journeys,
                   "credits": a.credits.to_dict(orient="records")}

        return json_ready({
            "schema_version": SCHEMA_VERSION,
            "posts_used": self.posts_used, "posts_for_priors_only": self.posts_for_priors_only,
            "creators": self.creators.to_dict(orient="records"), "priors": self.priors.to_dict(orient="records"),
            "attribution": att, "skipped": {k: v.to_dict() for k, v in self.skipped.items()},
            "warnings": list(self.warnings)})


def calibrate(posts: str | Path | pd.DataFrame, shortlist: str | Path | pd.DataFrame, *,
              touchpoints: str | Path | pd.DataFrame | None = None, model: str = "linear",
              half_life: float = DEFAULT_HALF_LIFE, weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
              tier_cutoffs: dict[str, float] | None = None, skip_bad: bool = False) -> CalibrationResult:
    """Calibrate ``shortlist``'s rates from ``posts`` (see the module docstring). Raises :class:`InputError`."""
    cutoffs = dict(tier_cutoffs or tiers_mod.DEFAULT_TIERS)
    raw, label = _read_shortlist(shortlist)
    ours = CALIBRATED + EVIDENCE  # replaced by what the history says
    cand = load_candidates(raw.drop(columns=[c for c in raw.columns if str(c).strip().lower() in ours]),
                           defaults=Defaults(values=_PLACEHOLDER), tier_cutoffs=cutoffs, label=label)
    table = cand.table
    history, skipped_posts = load_posts(posts, label=None if not isinstance(posts, (str, Path)) else str(posts),
                                        skip_bad=skip_bad)
    skipped = {"posts": skipped_posts}
    warnings = list(skipped_posts.notes)
    attribution = None
    if touchpoints is not None:
        touches, skipped_touch = load_touchpoints(
            touchpoints, label=None if not isinstance(touchpoints, (str, Path)) else str(touchpoints),
            skip_bad=skip_bad)
        skipped["touchpoints"] = skipped_touch
        warnings += skipped_touch.notes
        attribution = attribute(touches, model, half_life=half_life, weights=weights)
        history = _apply_attribution(history, attribution, warnings)
    for name, sk in skipped.items():
        if sk.total:
            warnings.append(f"{name}: {sk.total} row(s) skipped: " + "; ".join(f"{k} ({v})" for k, v in
                                                                                sk.reasons.items()))

    # Which posts estimate a shortlist creator, which inform the priors only.
    info = table.set_index("id")
    on_list = history["id"].isin(info.index).to_numpy()
    plat_match = on_list & (history["platform"].to_numpy(object) ==
                            info["platform"].reindex(history["id"]).to_numpy(object))
    own = plat_match
    other = on_list & ~plat_match
    if other.any():
        warnings.append(f"{int(other.sum())} post(s) are on another platform than the creator's shortlist entry; "
                        "they inform the group priors only")
    if (~on_list).any():
        warnings.append(f"{int((~on_list).sum())} post(s) by {history['id'][~on_list].nunique()} creator(s) not on the "
                        "shortlist inform the group priors only")
    aq = np.where(own, info["audience_quality"].reindex(history["id"]).to_numpy(float), 1.0)
    aq = np.nan_to_num(aq, nan=1.0)
    # Each post's group: the shortlist's tier for its creators, else the tier of the creator's median followers.
    med = history.groupby("id")["followers"].transform("median").to_numpy(float)
    derived, _ = tiers_mod.assign(med, cutoffs)
    tier = np.where(own, info["tier"].reindex(history["id"]).to_numpy(object), derived)
    key = history["id"].astype(str).to_numpy(object) + "\x00" + history["platform"].to_numpy(object)
    plat = history["platform"].to_numpy(object)
    f = history["followers"].to_numpy(float) * aq
    r = history["reach"].to_numpy(float)
    series = {"reach_rate": (history["reach"].to_numpy(float), f),
              "engagement_rate": (history["engagements"].to_numpy(float), r),
              "conversion_rate": (history["orders"].to_numpy(float), r)}
    has_reach = r > 0
    followers = history["followers"].to_numpy(float)
    creators = pd.DataFrame({"id": table["id"], "platform": table["platform"], "tier": table["tier"]})
    out = {c: np.full(len(table), np.nan) for c in CALIBRATED}
    prior_rows = []
    own_posts = pd.Series(np.flatnonzero(own)).groupby(history["id"].to_numpy(object)[own]).apply(np.asarray) \
        if own.any() else pd.Series(dtype=object)
    weights = np.ones(len(table))
    for rate, (k, n) in series.items():
        use = has_reach if rate != "reach_rate" else np.ones(len(history), dtype=bool)
        model = shrinkage.fit_rate(key[use], followers[use], plat[use], k[use] / n[use], n[use],
                                   cutoffs=tuple(cutoffs.values()))
        if model is None:
            raise InputError.at("posts", f"too little history to fit any prior for {rate}: need posts from at "
                                f"least {shrinkage.MIN_CREATORS} creators")
        prior_rows.append({"rate": rate, **model.to_dict()})
        if model.creators_with_repeats < shrinkage.MIN_CREATORS:
            warnings.append(f"{rate}: only {model.creators_with_repeats} creator(s) have two or more posts: the "
                            f"post-to-post variation (phi {model.phi:.3g}) is a rough estimate")
        details = []
        priors = model.priors(table["followers"].to_numpy(float), table["platform"].to_numpy(object))
        for i, row in table.iterrows():
            prior = priors[i]
            p = own_posts.get(row["id"], np.zeros(0, int))
            p = p[use[p]]
            est = shrinkage.posterior(prior, k[p] / n[p], n[p])
            sd = est.predictive_sd
            if est.mean < 1:  # a Beta: at most half the largest sd its mean allows, so that it stays unimodal
                sd = min(sd, 0.5 * float(np.sqrt(est.mean * (1 - est.mean))))
            out[rate][i], out[f"{rate}_sd"][i] = est.mean, sd
            weights[i] = min(weights[i], est.weight)
            lo, hi = est.interval(0.9)
            details.append({f"{rate}_posts": est.posts, f"{rate}_raw": est.raw, rate: est.mean,
                            f"{rate}_posterior_sd": est.posterior_sd, f"{rate}_p5": lo, f"{rate}_p95": hi,
                            f"{rate}_weight": est.weight, f"{rate}_prior_mean": prior.mean,
                            f"{rate}_prior_sd": prior.sd, f"{rate}_prior": prior.source})
        creators = pd.concat([creators, pd.DataFrame(details)], axis=1)
    value_priors = shrinkage.order_value_priors(key, tier, plat, history["revenue"].to_numpy(float),
                                                history["orders"].to_numpy(float))
    details = []
    if value_priors:
        prior_rows += [{"rate": "order_value", **p.to_dict()} for p in value_priors.values()]
        for i, row in table.iterrows():
            prior = shrinkage.prior_for(value_priors, row["tier"], row["platform"])
            p = own_posts.get(row["id"], np.zeros(0, int))
            rev = float(history["revenue"].to_numpy(float)[p].sum())
            orders = float(history["orders"].to_numpy(float)[p].sum())
            est = shrinkage.value_posterior(prior, rev, orders, int(p.size))
            out["order_value"][i], out["order_value_sd"][i] = est.mean, est.posterior_sd
            details.append({"orders": orders, "order_value_raw": est.raw, "order_value": est.mean,
                            "order_value_sd": est.posterior_sd, "order_value_weight": est.weight,
                            "order_value_prior": f"{prior.level} {prior.group}"})
    else:
        given = _given(raw, "order_value")
        if given is None:
            raise InputError.at("posts", "too little history to estimate order values (orders from at least "
                                f"{shrinkage.MIN_CREATORS} creators are needed) and the shortlist has no order_value "
                                "column to keep")
        out["order_value"] = given
        out["order_value_sd"] = np.nan_to_num(_given(raw, "order_value_sd", allow_empty=True))
        warnings.append(f"too few creators with orders to estimate order values (at least {shrinkage.MIN_CREATORS} "
                        "needed): the shortlist's order_value and order_value_sd are kept")
        details = [{"orders": float("nan"), "order_value_raw": None, "order_value": v, "order_value_sd": sd,
                    "order_value_weight": 0.0, "order_value_prior": "shortlist"}
                   for v, sd in zip(out["order_value"], out["order_value_sd"], strict=True)]
    creators = pd.concat([creators, pd.DataFrame(details)], axis=1)
    result = raw.copy()
    result.columns = [str(c).strip().lower() for c in result.columns]
    for c in CALIBRATED:
        result[c] = np.round(out[c], 2) if c.startswith("order_value") else _significant(out[c])
    posts_used = creators["reach_rate_posts"].to_numpy(int)
    result["history_posts"] = posts_used
    result["evidence_weight"] = np.round(np.where(posts_used > 0, weights, 0.0), 3)
    order = [c.name for c in COLUMNS if c.name in result.columns] + [c for c in result.columns
                                                                      if c not in {x.name for x in COLUMNS}]
    no_history = int((creators["reach_rate_posts"] == 0).sum())
    if no_history:
        warnings.append(f"{no_history} shortlist creator(s) have no usable posts: they get their group's prior, "
                        "with its spread as their uncertainty")
    return CalibrationResult(candidates=result[order], creators=creators, priors=pd.DataFrame(prior_rows),
                             attribution=attribution, skipped=skipped, warnings=warnings, posts_used=int(own.sum()),
                             posts_for_priors_only=int((~own).sum()))


def _significant(values: np.ndarray, digits: int = 6) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (a rate of 3e-7 stays 3e-7, not 0)."""
    v = np.asarray(values, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(v != 0, np.floor(np.log10(np.abs(np.where(v != 0, v, 1.0)))), 0)
    scale = 10.0 ** (digits - 1 - mag)
    return np.round(v * scale) / scale


def _given(raw: pd.DataFrame, column: str, allow_empty: bool = False) -> np.ndarray | None:
    """The shortlist's own numbers in ``column`` (None when the column is missing or, unless allowed, has gaps)."""
    names = {str(c).strip().lower(): c for c in raw.columns}
    if column not in names:
        return np.zeros(len(raw)) if allow_empty else None
    values = pd.to_numeric(raw[names[column]], errors="coerce").to_numpy(float)
    if np.isnan(values).any() and not allow_empty:
        return None
    return values


def _read_shortlist(shortlist: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    if isinstance(shortlist, pd.DataFrame):
        return shortlist.copy(), "candidates"
    path = Path(shortlist)
    return read_table(path), str(shortlist)


def _apply_attribution(history: pd.DataFrame, att: Attribution, warnings: list[str]) -> pd.DataFrame:
    """Replace each creator's orders and revenue by its attributed credits, spread over its posts."""
    h = history.copy()
    credits = att.credits.set_index("touch")
    ids = h["id"].astype(str)
    logged = ids.isin(credits.index).to_numpy()
    conv = ids.map(credits["conversions"]).fillna(0.0).to_numpy(float)
    rev = ids.map(credits["revenue"]).fillna(0.0).to_numpy(float)
    own_orders = h.groupby("id")["orders"].transform("sum").to_numpy(float)
    own_reach = h.groupby("id")["reach"].transform("sum").to_numpy(float)
    share = np.where(own_orders > 0, h["orders"].to_numpy(float) / np.where(own_orders > 0, own_orders, 1.0),
                     h["reach"].to_numpy(float) / np.where(own_reach > 0, own_reach, 1.0))
    h["orders"] = np.where(logged, conv * share, h["orders"].to_numpy(float))
    h["revenue"] = np.where(logged, rev * share, h["revenue"].to_numpy(float))
    # credits cannot exceed a post's reach (a conversion per reached account at most)
    h["orders"] = np.minimum(h["orders"].to_numpy(float), h["reach"].to_numpy(float))
    missing = ids[~logged].nunique()
    if missing:
        warnings.append(f"{missing} creator(s) with posts never appear in the touchpoint log: their posts' own orders "
                        "and revenue are kept")
    unposted = sorted(set(att.credits["touch"]) - set(ids))
    if unposted:
        shown = ", ".join(unposted[:5]) + (f" and {len(unposted) - 5} more" if len(unposted) > 5 else "")
        warnings.append(f"attribution credits touches with no posts (other channels, or creators without post "
                        f"history): {shown}; their credit is reported but estimates no rate")
    return h
