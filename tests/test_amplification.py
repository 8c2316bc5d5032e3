"""Paid amplification (issue 18, item 2): creators and each chosen creator's boost chosen together.

The curve, the boosted outcomes and the optimum are recomputed here from the definitions, independently of the
package: boosted reach = sum over pieces of accounts per impression x 1000 / CPM x the spend in the piece; boosted
viewers engage and convert at the creator's rates times the response. For fixed hires the best boosts are a
fractional knapsack over the pieces (one money limit: the budget left, the boost cap), or an LP when floors and
shares involve them (``scipy.optimize.linprog``); the optimum over every subset of creators is the brute force."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, random_shortlist, subsets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from optimizer import Scenario, plan, simulate
from optimizer.cli import main
from optimizer.errors import InputError
from optimizer.io.scenario import Shocks, SimulationSettings

CPM = {"instagram": 10.0, "tiktok": 10.0, "youtube": 22.5}  # the documented defaults
CURVE = [(0.0, 0.8), (25_000.0, 0.5), (100_000.0, 0.25)]


def pieces(platform: str, limit: float, cpm=CPM, curve=CURVE, eligible=None) -> list[tuple[float, float]]:
    """(width in money, accounts per unit of money) of each piece of one creator's curve, up to ``limit``."""
    if platform not in cpm or (eligible is not None and platform not in eligible):
        return []
    c = cpm[platform]
    starts = [imp * c / 1000 for imp, _ in curve] + [np.inf]
    out = []
    for k, (_, eff) in enumerate(curve):
        w = max(0.0, min(starts[k + 1], limit) - starts[k])
        if w > 0:
            out.append((w, eff * 1000 / c))
    return out


def boosted_reach(platform: str, spend: float, limit: float = np.inf, **kw) -> float:
    total, left = 0.0, spend
    for w, r in pieces(platform, limit, **kw):
        take = min(w, left)
        total += take * r
        left -= take
    return total


def funnel(df: pd.DataFrame, response: float) -> dict[str, np.ndarray]:
    reach = df["followers"].to_numpy(float) * df["reach_rate"].to_numpy(float)
    cr, er, ov = (df[c].to_numpy(float) for c in ("conversion_rate", "engagement_rate", "order_value"))
    return {"reach": reach, "revenue": reach * cr * ov, "engagements": reach * er, "fee": df["fee"].to_numpy(float),
            "per_account": {"revenue": cr * ov * response, "engagements": er * response,
                            "conversions": cr * response, "reach": np.ones(len(df))}}


def unit_value(objective: str, rev_per_account: float, rate: float) -> float:
    """An objective's value per unit of money in a piece."""
    if objective == "profit":
        return rate * rev_per_account - 1.0
    if objective == "revenue":
        return rate * rev_per_account
    return rate  # reach


def best_by_enumeration(df: pd.DataFrame, budget: float, cap: float, most: float, response: float,
                        objective: str) -> float:
    """max over subsets within the budget of the organic objective plus the best boosts: a fractional knapsack
    over the subset's pieces with value per unit > 0, in the money left (budget - fees, at most the cap)."""
    f = funnel(df, response)
    organic = {"profit": f["revenue"] - f["fee"], "revenue": f["revenue"], "reach": f["reach"]}[objective]
    plats = df["platform"].to_numpy(object)
    limit = min(most, cap, budget)
    unit = [[(w, unit_value(objective, f["per_account"]["revenue"][i], r)) for w, r in pieces(plats[i], limit)]
            for i in range(len(df))]
    best = -np.inf
    for x in subsets(len(df)):
        fees = float(f["fee"] @ x)
        if fees > budget + 1e-9:
            continue
        room = min(budget - fees, cap)
        segs = sorted((v, w) for i in np.flatnonzero(x) for w, v in unit[i] if v > 0)[::-1]
        gain = 0.0
        for v, w in segs:
            take = min(w, room)
            gain += take * v
            room -= take
            if room <= 0:
                break
        best = max(best, float(organic @ x) + gain)
    return best


def scenario(df: pd.DataFrame, total: float, objective: str = "profit", solver: str = "cbc", **amp) -> Scenario:
    """The campaign budget ``total``, and an ``amplification:`` block of ``amp``."""
    return Scenario.from_dict({"budget": total, "objective": objective, "solver": {"name": solver},
                               "amplification": amp}, df)


def market(seed: int, n: int = 8) -> tuple[pd.DataFrame, float, float, float, float]:
    """A shortlist, a budget, a boost cap, a per-creator maximum and a response (some boosts pay, some do not)."""
    rng = np.random.default_rng(seed)
    df = random_shortlist(n, seed)
    budget = float(round(rng.uniform(0.25, 0.6) * df["fee"].sum()))
    cap = float(round(rng.uniform(0.1, 0.5) * budget))
    most = float(round(rng.uniform(0.2, 1.0) * cap))
    return df, budget, cap, most, float(rng.choice([0.02, 0.1, 0.5]))


@pytest.mark.parametrize("solver", ["cbc", "highs"])
@pytest.mark.parametrize("objective", ["profit", "revenue", "reach"])
@pytest.mark.parametrize("seed", range(5))
def test_the_plan_is_the_enumerated_optimum_with_boosts(seed, objective, solver):
    """Creators and boosts chosen together equal the brute force: every subset of creators, each with its best
    boosts found exactly; and the plan's figures are the curve's at its boosts."""
    df, budget, cap, most, response = market(seed)
    sc = scenario(df, budget, objective, solver, budget=cap, max_boost_per_creator=most, response=response)
    r = plan(sc, baselines=False)
    assert r.status == "optimal"
    expected = best_by_enumeration(df, budget, cap, most, response, objective)
    assert r.objective_value == pytest.approx(expected, rel=1e-6, abs=1e-6)
    # the figures, recomputed at the plan's boosts
    f = funnel(df, response)
    pos = [int(i[1:]) for i in r.selected]
    plats = df["platform"].to_numpy(object)
    spend = {int(i[1:]): b for i, b in r.boosts.items()}
    assert set(spend) <= set(pos)
    extra_reach = sum(boosted_reach(plats[i], b, min(most, cap)) for i, b in spend.items())
    extra_rev = sum(boosted_reach(plats[i], b, min(most, cap)) * f["per_account"]["revenue"][i]
                    for i, b in spend.items())
    t = r.totals
    assert t.boost == pytest.approx(sum(spend.values()))
    assert t.boost_reach == pytest.approx(extra_reach, rel=1e-9)
    assert t.reach == pytest.approx(f["reach"][pos].sum() + extra_reach, rel=1e-9)
    assert t.revenue == pytest.approx(f["revenue"][pos].sum() + extra_rev, rel=1e-9)
    assert t.cost == pytest.approx(f["fee"][pos].sum() + t.boost, rel=1e-9)
    assert t.spend <= budget * (1 + 1e-9) and t.boost <= cap + 1e-6
    assert all(b <= most + 1e-6 for b in spend.values())


def best_with_rules_by_enumeration(df: pd.DataFrame, budget: float, cap: float, response: float, min_reach: float,
                                   platform: str, max_share: float) -> float | None:
    """Profit with a reach floor and a platform's share of spend (fees and boosts) at most ``max_share``: per subset
    the boosts are an LP (``linprog``), solved here independently of the package's model."""
    f = funnel(df, response)
    plats = df["platform"].to_numpy(object)
    best = None
    for x in subsets(len(df)):
        S = np.flatnonzero(x)
        fees = float(f["fee"][S].sum())
        if fees > budget + 1e-9:
            continue
        cols = [(i, w, r) for i in S for w, r in pieces(plats[i], min(cap, budget))]
        member = np.array([float(plats[i] == platform) for i, _, _ in cols])
        organic_member = float(sum(((plats[i] == platform) - max_share) * f["fee"][i] for i in S))
        reach0 = float(f["reach"][S].sum())
        profit0 = float((f["revenue"] - f["fee"])[S].sum())
        if not cols:
            if reach0 >= min_reach - 1e-9 and organic_member <= 1e-9:
                best = profit0 if best is None else max(best, profit0)
            continue
        rate = np.array([r for _, _, r in cols])
        value = np.array([r * f["per_account"]["revenue"][i] - 1.0 for i, _, r in cols])
        A = [np.ones(len(cols)), -rate, member - max_share]
        b = [min(cap, budget - fees), reach0 - min_reach, -organic_member]
        res = linprog(-value, A_ub=np.array(A), b_ub=np.array(b), bounds=[(0, w) for _, w, _ in cols],
                      method="highs")
        if res.status == 0:
            v = profit0 - res.fun
            best = v if best is None else max(best, v)
    return best


@pytest.mark.parametrize("solver", ["cbc", "highs"])
@pytest.mark.parametrize("seed", range(4))
def test_boosts_count_in_floors_and_shares_as_enumerated(seed, solver):
    """A reach floor that boosts help meet and a platform's share of spend that boosts count in: the plan equals
    the brute force (every subset, its boosts by an LP), and the rules hold on the plan's own figures."""
    df, budget, cap, _, response = market(seed + 100, n=7)
    rng = np.random.default_rng(seed)
    f = funnel(df, response)
    min_reach = float(round(rng.uniform(0.3, 0.9) * np.sort(f["reach"])[::-1][:3].sum()))
    platform = str(df["platform"].iloc[0])
    sc = Scenario.from_dict({"budget": budget, "solver": {"name": solver},
                             "constraints": {"min_reach": min_reach, "platforms": {platform: {"max_share": 0.5}}},
                             "amplification": {"budget": cap, "response": response}}, df)
    r = plan(sc, baselines=False)
    expected = best_with_rules_by_enumeration(df, budget, cap, response, min_reach, platform, 0.5)
    if expected is None:
        assert r.status == "infeasible"
        return
    assert r.status == "optimal"
    assert r.objective_value == pytest.approx(expected, rel=1e-6, abs=1e-4)
    t = r.totals
    assert t.reach >= min_reach * (1 - 1e-9)
    share = next(b for b in r.breakdown["platform"] if b["platform"] == platform)["share_of_spend"] \
        if any(b["platform"] == platform for b in r.breakdown["platform"]) else 0.0
    assert share <= 0.5 + 1e-9
    status = {c.key: c for c in r.constraints}
    assert status["constraints.min_reach"].value == pytest.approx(t.reach)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n=st.integers(4, 30), share=st.floats(0.05, 0.8),
       objective=st.sampled_from(["profit", "revenue", "roi", "reach"]))
def test_properties_of_boosted_plans(seed, n, share, objective):
    """On any shortlist: the budget holds fees and boosts; the boosts stay within their cap, on chosen creators of
    eligible platforms; allowing boosts never lowers the optimum, and a larger boost cap never lowers it."""
    df = random_shortlist(n, seed)
    budget = float(round(0.4 * df["fee"].sum()))
    cons = {"min_spend": round(0.3 * budget)} if objective == "roi" else {}
    base = {"budget": budget, "objective": objective, "constraints": cons}
    plain = plan(Scenario.from_dict(base, df), baselines=False)
    amp = {"share": share, "platforms": ["instagram", "tiktok"]}
    r = plan(Scenario.from_dict({**base, "amplification": amp}, df), baselines=False)
    more = plan(Scenario.from_dict({**base, "amplification": {**amp, "share": min(1.0, share * 1.5)}}, df),
                baselines=False)
    if not plain.has_solution:
        return
    assert r.status == more.status == "optimal"
    t = r.totals
    assert t.spend <= budget * (1 + 1e-9)
    assert t.boost <= share * budget * (1 + 1e-9) + 1e-6
    plats = dict(zip(df["id"], df["platform"], strict=True))
    assert set(r.boosts) <= set(r.selected)
    assert all(plats[i] in ("instagram", "tiktok") for i in r.boosts)
    tol = 1e-6 * max(1.0, abs(plain.objective_value))
    assert r.objective_value >= plain.objective_value - tol
    assert more.objective_value >= r.objective_value - tol


def test_curve_defaults_and_pieces():
    """The default curve: 0.8 new accounts per impression up to 25,000 impressions, 0.5 to 100,000, then 0.25; at a
    CPM of 10, 250 buys 25,000 impressions (20,000 accounts) and 1,000 buys 100,000 (57,500)."""
    df = random_shortlist(3, 0).assign(platform=["tiktok", "instagram", "snapchat"])
    sc = scenario(df, 10_000, share=0.5)
    amp = sc.amplification
    table = sc.candidates.table
    reach = amp.reach(table, sc.budget, np.array([250.0, 1000.0, 1000.0]))
    assert reach.tolist() == pytest.approx([20_000.0, 57_500.0, 0.0])
    assert amp.reach(table, sc.budget, np.array([5000.0, 0, 0]))[0] == pytest.approx(
        boosted_reach("tiktok", 5000.0, 5000.0))
    assert amp.eligible(table).tolist() == [True, True, False]  # no CPM for snapchat: not boosted
    assert amp.response == 0.15 and amp.reach_cv == 0.25


def test_the_simulation_of_a_boosted_plan_matches_its_expectation():
    """With counts at their means and no shocks or spread the simulated plan is the plan's funnel exactly; with the
    boosts' spread the mean stays within its standard error and the sd grows with reach_cv; the same seed gives the
    same numbers, and the creators' own draws are the ones they have unboosted (common random numbers)."""
    df, budget, cap, most, _ = market(3, n=10)
    sc = scenario(df, budget, budget=cap, max_boost_per_creator=most, response=0.5, reach_cv=0.0)
    r = plan(sc, baselines=False)
    assert r.boosts
    flat = SimulationSettings(runs=4096, seed=1, counts="expected", shocks=Shocks.none())
    sim = simulate(sc, r, settings=flat)
    for m in ("cost", "reach", "engagements", "conversions", "revenue", "profit"):
        assert sim.metrics[m].mean == pytest.approx(getattr(r.totals, m), rel=1e-9)
    noisy = SimulationSettings(runs=20_000, seed=1)
    spread = dataclasses.replace(sc, amplification=dataclasses.replace(sc.amplification, reach_cv=0.6))
    a = simulate(sc, r, settings=noisy)
    b = simulate(spread, r, settings=noisy)
    for s in (a, b):
        p = s.metrics["profit"]
        assert abs(p.mean - r.totals.profit) < 4 * p.sd / np.sqrt(noisy.runs)
    assert b.metrics["reach"].sd > a.metrics["reach"].sd
    again = simulate(spread, r, settings=noisy)
    assert again.metrics["profit"].mean == b.metrics["profit"].mean
    unboosted = simulate(sc, r.selected, settings=noisy)  # the same creators, no boost: their own draws
    boost_rev = r.totals.revenue - unboosted.expected["revenue"]
    assert boost_rev > 0
    assert a.metrics["revenue"].mean - unboosted.metrics["revenue"].mean == pytest.approx(boost_rev, rel=0.05)


def test_the_comparison_shows_what_the_boosts_buy():
    """The comparison gains 'same creators, no paid boosts' (kind no_boost), simulated on the same runs; the JSON
    carries the boosts per creator, the totals' boost spend and reach, and the rules' status."""
    df, budget, cap, most, _ = market(5, n=10)
    sc = scenario(df, budget, budget=cap, max_boost_per_creator=most, response=0.5)
    r = plan(sc, simulate=SimulationSettings(runs=4096, seed=2))
    rows = {a.name: a for a in r.comparison}
    assert "same creators, no paid boosts" in rows
    alt = rows["same creators, no paid boosts"]
    assert alt.kind == "no_boost" and alt.simulation.ids == r.simulation.ids
    assert alt.simulation.cost == pytest.approx(r.simulation.cost - r.totals.boost)
    data = json.loads(json.dumps(r.to_dict()))
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text())
    jsonschema.validate(data, {**schema, "oneOf": [{"$ref": "#/$defs/plan"}]})
    assert data["boosts"] == pytest.approx(r.boosts)
    assert data["totals"]["boost"] == pytest.approx(sum(r.boosts.values()))
    keys = {c["key"] for c in data["constraints"]}
    assert {"amplification.budget", "amplification.max_boost_per_creator"} <= keys
    sel = pd.DataFrame(data["selection"]).set_index("id")
    for i, b in r.boosts.items():
        assert sel.loc[i, "boost"] == pytest.approx(b)


def test_min_cost_buys_a_reach_floor_with_boosts_when_cheaper():
    """Minimising cost to a reach floor: boosts are bought where an account is cheaper boosted than hired."""
    df = pd.DataFrame({"id": ["a", "b"], "platform": ["tiktok", "tiktok"], "followers": [10_000, 20_000],
                       "fee": [100.0, 2_000.0], "reach_rate": [0.5, 0.5], "engagement_rate": [0.05, 0.05],
                       "conversion_rate": [0.01, 0.01], "order_value": [30.0, 30.0]})
    # a reaches 5,000 for 100; 10,000 more accounts: b costs 2,000, a boost of 125 buys them (0.8 per impression)
    sc = Scenario.from_dict({"budget": 5_000, "objective": "min_cost", "constraints": {"min_reach": 15_000},
                             "amplification": {"share": 1.0}}, df)
    r = plan(sc, baselines=False)
    assert r.selected == ["a"]
    assert r.boosts == pytest.approx({"a": 125.0})
    assert r.totals.cost == pytest.approx(225.0)


@pytest.mark.parametrize("block, message", [
    ({}, "needs a cap on the boosts"),
    ({"share": 0.3, "curve": [[0, 0.5], [1000, 0.7]]}, "returns must diminish"),
    ({"share": 0.3, "curve": [[10, 0.5]]}, "starts at 10 impressions"),
    ({"share": 0.3, "platforms": ["snapchat"]}, "'snapchat' has no CPM"),
    ({"share": 1.5}, "amplification.share"),
    ({"budget": 99_999_999}, "above the campaign budget"),
    ({"share": 0.3, "cpm": {"tiktok": 0}}, "amplification.cpm.tiktok"),
    ({"share": 0.3, "colour": 1}, "amplification.colour"),
])
def test_bad_amplification_blocks_are_named(block, message):
    df = random_shortlist(4, 0)
    with pytest.raises(InputError) as exc:
        Scenario.from_dict({"budget": 1000, "amplification": block}, df)
    assert message in str(exc.value)


@pytest.mark.parametrize("extra, message", [
    ({"objective": "cvar"}, "risk in the decision"),
    ({"risk": {"min_cvar": 0}}, "risk in the decision"),
    ({"audience": {"population": 1_000_000}}, "audience pools"),
    ({"objective": {"profit": 1, "reach": -0.001}}, "negative weight on reach"),
])
def test_what_boosts_cannot_be_planned_with_is_said(extra, message):
    df = random_shortlist(4, 0)
    with pytest.raises(InputError) as exc:
        Scenario.from_dict({"budget": 1000, "amplification": {"share": 0.2}, **extra}, df)
    assert message in str(exc.value)


def test_a_bad_block_on_the_command_line_is_one_line_and_exit_2(tmp_path, capsys):
    df = random_shortlist(4, 0)
    df.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "a.yaml").write_text("budget: 1000\ncandidates: s.csv\namplification: {share: 0.2, curve: 3}\n")
    code = main(["run", str(tmp_path / "a.yaml"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "amplification.curve" in err[0]
    assert not (tmp_path / "out").exists()


def test_what_the_boost_limits_cost_is_measured():
    """The what-if analysis prices the boost limits as it does any rule: each dropped, re-solved; dropping the
    per-creator maximum that binds gains what the plan without it earns, and never less than 0."""
    from optimizer.analysis.whatif import loosening

    df, budget, cap, most, _ = market(1, n=12)
    sc = scenario(df, budget, budget=cap, max_boost_per_creator=most, response=0.5)
    r = plan(sc, baselines=False)
    assert "amplification.max_boost_per_creator" in r.binding
    rows = {row.rule: row for row in loosening(sc, r, jobs=1)}
    assert {"amplification.max_boost_per_creator", "amplification.budget"} <= set(rows)
    free = plan(scenario(df, budget, budget=cap, response=0.5), baselines=False)
    dropped = rows["amplification.max_boost_per_creator"]
    assert dropped.objective_after == pytest.approx(free.objective_value, rel=1e-6)
    assert dropped.gain > 0 and all(row.gain >= -1e-6 for row in rows.values())


def test_only_creators_whose_deal_buys_the_rights_are_boosted_when_asked():
    """``needs_usage_rights: true``: whitelisting needs the creator's permission, so only creators with a usage fee
    may be boosted; without the key any creator on an eligible platform may be."""
    df, budget, cap, _, _ = market(0, n=12)
    rights = np.arange(len(df)) % 2 == 0
    df["usage_fee"] = np.where(rights, 20.0, 0.0)
    free = plan(scenario(df, budget, budget=cap, response=0.5), baselines=False)
    assert any(not rights[int(i[1:])] for i in free.boosts)  # this market boosts some creator without rights
    held = plan(scenario(df, budget, budget=cap, response=0.5, needs_usage_rights=True), baselines=False)
    assert held.boosts and all(rights[int(i[1:])] for i in held.boosts)
    assert held.objective_value <= free.objective_value + 1e-6


def test_deal_structures_keep_the_boosts():
    """Paid on flat fees only or on commission only, the same creators keep the same boosts (their rights were
    bought: restructuring a deal does not take them away): the same expected profit as the plan."""
    df, budget, cap, _, _ = market(0, n=12)
    df["commission_rate"] = 0.1
    df["usage_fee"] = 15.0
    sc = scenario(df, budget, budget=cap, response=0.5, needs_usage_rights=True)
    r = plan(sc, simulate=SimulationSettings(runs=2048, seed=0))
    assert r.boosts
    rows = [a for a in r.comparison if a.kind == "deal_structure"]
    assert len(rows) == 2
    for a in rows:
        assert a.simulation.expected["profit"] == pytest.approx(r.totals.profit, rel=1e-9)
        assert a.simulation.expected["reach"] == pytest.approx(r.totals.reach, rel=1e-9)


def test_the_summary_says_what_the_boosts_cost_buy_and_rest_on():
    """The plain-words summary: the boosts' spend and reach, what the same creators earn without them (simulated),
    the boost limits in words, and which of the boosts' figures are the defaults."""
    from optimizer.report.summary import summary

    df, budget, cap, most, _ = market(1, n=12)
    r = plan(scenario(df, budget, budget=cap, max_boost_per_creator=most, response=0.5),
             simulate=SimulationSettings(runs=2048, seed=0))
    text = " ".join(summary(r))
    t = r.totals
    assert (f"Of the spend, {t.boost:,.0f} USD is paid amplification behind the posts of {len(r.boosts)} creators, "
            f"reaching {t.boost_reach:,.0f} more accounts") in text
    unboosted = next(a for a in r.comparison if a.kind == "no_boost").simulation.metrics["profit"].mean
    assert f"Without the paid boosts the same creators would be expected to earn {unboosted:,.0f} USD" in text
    assert f"at most {most:,.0f} USD of boosts behind any one creator" in text  # it binds in this market
    assert ("the paid boosts' figures (the defaults for cpm, curve, reach_cv and the scenario's response; the "
            "default curve rests on no public benchmark)") in text


@pytest.mark.parametrize("argv", [["run", "{s}", "--frontier", "5", "--out", "{out}"], ["frontier", "{s}"]])
def test_a_frontier_of_a_boosted_scenario_is_refused_at_once(argv, tmp_path, capsys):
    """The frontier puts risk in the decision, which boosts cannot be planned with: one line, exit 2, before any
    plan is made, and nothing written."""
    from conftest import SCENARIOS

    args = [a.format(s=SCENARIOS / "deal_mix.yaml", out=tmp_path / "out") for a in argv]
    code = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "frontier puts risk in the decision" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_boosted_plan_simulated_elsewhere_gives_the_same_numbers():
    """Chunks drawn through an executor (as on a Dask cluster) carry the boosts: every figure equals the run here."""
    from concurrent.futures import ThreadPoolExecutor

    df, budget, cap, most, _ = market(1, n=12)
    sc = scenario(df, budget, budget=cap, max_boost_per_creator=most, response=0.5)
    r = plan(sc, baselines=False)
    settings = SimulationSettings(runs=3 * 2048, seed=4)
    here = simulate(sc, r, settings=settings)
    with ThreadPoolExecutor(2) as pool:
        there = simulate(sc, r, settings=settings, executor=pool)
    assert here.to_dict() | {"seconds": 0} == there.to_dict() | {"seconds": 0}
    assert here.metrics["reach"].mean > simulate(sc, r.selected, settings=settings).metrics["reach"].mean


@pytest.mark.parametrize(("seed", "floor"), [(0, False), (1, True), (2, False)])
def test_the_lp_by_bundles_is_the_lp(seed, floor, monkeypatch):
    """A boosted model's LP relaxation by column generation over bundles (a hire and its boosts, priced together)
    equals the LP solved directly: the same value, a feasible solution, and reduced costs that are dual feasible (a
    column at its lower bound never has a negative one, at its upper bound never a positive one), so reduced-cost
    fixing on them is exact; a plan made through it is the same plan."""
    import optimizer.solve.lp as lp
    from optimizer.model import program

    bundles_of = lp._lp_by_bundles
    df = random_shortlist(3000, seed)
    data = {"budget": float(round(0.05 * df["fee"].sum())), "amplification": {"share": 0.2, "response": 0.5,
                                                                              "max_boost_per_creator": 500}}
    if floor:
        data["constraints"] = {"min_reach": 2_000_000, "platforms": {"tiktok": {"max_share": 0.4}}}
    sc = Scenario.from_dict(data, df)
    exts = program.extensions(sc)
    model = program.models(sc, program.objective(sc).c, exts)[1]
    links = lp.linking_rows(model)
    assert links is not None and links[0].size == int((~model.integer).sum())
    direct = lp._lp_direct(model, None)
    bundles = lp._lp_by_bundles(model, links, None, 0.0)
    assert bundles is not None and bundles[0] == direct[0] == "optimal"
    _, x, z, d = bundles
    assert z == pytest.approx(direct[2], rel=1e-9, abs=1e-6)
    act = model.A @ x
    assert np.all(act <= model.hi + 1e-6) and np.all(act >= model.lo - 1e-6)
    assert np.all(x >= model.lb - 1e-9) and np.all(x <= model.ub + 1e-9)
    at_lb, at_ub = np.abs(x - model.lb) <= 1e-9, np.abs(x - model.ub) <= 1e-9
    scale = 1e-6 * (1 + np.abs(model.c))
    assert np.all(d[at_lb & ~at_ub] >= -scale[at_lb & ~at_ub]) and np.all(d[at_ub & ~at_lb] <= scale[at_ub & ~at_lb])
    assert np.all(np.abs(d[~at_lb & ~at_ub]) <= scale[~at_lb & ~at_ub] * 10)  # basic columns: 0
    plain = plan(sc, baselines=False)
    monkeypatch.setattr(lp, "COLUMN_GENERATION_MIN", 1000)  # the plan's LP now goes through the bundles
    used = []
    monkeypatch.setattr(lp, "_lp_by_bundles", lambda *a: used.append(1) or bundles_of(*a))
    through = plan(sc, baselines=False)
    assert used
    assert through.status == plain.status == "optimal"
    assert through.objective_value == pytest.approx(plain.objective_value, rel=2e-4)
