"""The scenario contract: a YAML file (or a dict) with the budget, objective, rules and solver settings,
plus its shortlist. Unknown keys are errors that suggest the nearest valid key."""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from optimizer.domain import objectives as objectives_mod
from optimizer.domain import tiers as tiers_mod
from optimizer.domain.amplification import AmplificationSettings, response_rates
from optimizer.errors import InputError, ProblemList, suggest
from optimizer.io.audience import MODELS, Audience, AudienceSettings, build_audience
from optimizer.io.candidates import BY_NAME, FILLABLE, Candidates, Defaults, load_candidates
from optimizer.io.cells import canonical_platform, parse_numbers
from optimizer.io.keys import MAX_RUNS, MAX_SEED, SOLVERS, TARGET_KEYS
from optimizer.io.options import DEFAULT_DECAY, Packages, Phase, PhaseSettings, expand, load_packages
from optimizer.io.overlap import load_overlap
from optimizer.utils.sizing import Limits

OBJECTIVES: tuple[str, ...] = objectives_mod.NAMED  # what ``objective:`` may name (domain/objectives.py)
GROUPS: tuple[str, ...] = ("tiers", "platforms", "niches", "regions")
GROUP_COLUMN = {"tiers": "tier", "platforms": "platform", "niches": "niche", "regions": "region"}
FLOORS: tuple[str, ...] = ("min_reach", "min_engagements", "min_conversions", "min_revenue")
TOP_KEYS = ("name", "currency", "candidates", "columns", "engagement_basis", "budget", "objective", "tiers", "defaults",
            "constraints", "solver", "simulation", "risk", "audience", "packages", "phases", "phase_settings",
            "limits", "deals", "amplification")
DEAL_KEYS = ("commission_in_budget",)
AMPLIFICATION_KEYS = ("budget", "share", "cpm", "platforms", "max_boost_per_creator", "curve", "response", "reach_cv",
                      "needs_usage_rights")
PHASE_KEYS = ("budget_share", "objective", "weight", "constraints")
PHASE_SETTING_KEYS = ("combine", "repeat_creators", "order")
COMBINE = ("weighted", "lexicographic")
AUDIENCE_KEYS = ("population", "overlap", "same_niche_overlap", "same_region_overlap", "model")
RISK_KEYS = ("alpha", "scenarios", "seed", "min_cvar", "max_prob_loss", "validation_runs", "validation_seed")
SIMULATION_KEYS = ("runs", "seed", "alpha", "shocks", "counts", "targets", "compare")
SHOCK_KEYS = ("campaign", "platform", "niche")
COUNT_MODELS = ("binomial", "expected")
CONSTRAINT_KEYS = ("min_spend", "min_count", "max_count", *GROUPS, "include", "exclude", *FLOORS, "min_roi",
                   "min_unique_reach")
LIMIT_KEYS = ("min_count", "max_count", "min_share", "max_share")
_SCALAR_RULES = ("min_spend", "min_count", "max_count", *FLOORS, "min_roi", "min_unique_reach")


@dataclass(frozen=True)
class GroupLimit:
    """Limits on one tier, platform, niche or region. Shares are shares of total spend (0-1)."""

    min_count: int | None = None
    max_count: int | None = None
    min_share: float | None = None
    max_share: float | None = None


@dataclass(frozen=True)
class Constraints:
    """The planner's rules. Money in the scenario's currency; counts are creators."""

    min_spend: float | None = None
    min_count: int | None = None
    max_count: int | None = None
    tiers: Mapping[str, GroupLimit] = field(default_factory=dict)
    platforms: Mapping[str, GroupLimit] = field(default_factory=dict)
    niches: Mapping[str, GroupLimit] = field(default_factory=dict)
    regions: Mapping[str, GroupLimit] = field(default_factory=dict)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_reach: float | None = None
    min_engagements: float | None = None
    min_conversions: float | None = None
    min_revenue: float | None = None
    min_roi: float | None = None  # (revenue - cost) / cost of the whole mix
    min_unique_reach: float | None = None  # people reached at least once (needs an ``audience:`` block)

    def groups(self, kind: str) -> Mapping[str, GroupLimit]:
        return getattr(self, kind)

    def without(self, key: str) -> Constraints:
        """A copy with the rule named by ``key`` removed (a key as in results and conflicts, such as
        ``constraints.min_spend`` or ``constraints.tiers.nano.min_count``). The budget is not a rule here."""
        parts = key.split(".")
        if parts[0] != "constraints" or len(parts) < 2:
            raise KeyError(f"not a constraint key: {key}")
        name = parts[1]
        if len(parts) == 2 and name in ("include", "exclude"):
            return replace(self, **{name: ()})
        if len(parts) == 2 and name in _SCALAR_RULES:
            return replace(self, **{name: None})
        if name in GROUPS and len(parts) in (3, 4):
            groups = dict(self.groups(name))
            if parts[2] not in groups:
                raise KeyError(f"no rule {key}")
            if len(parts) == 3:
                del groups[parts[2]]
            elif parts[3] in LIMIT_KEYS:
                groups[parts[2]] = replace(groups[parts[2]], **{parts[3]: None})
            else:
                raise KeyError(f"not a constraint key: {key}")
            return replace(self, **{name: groups})
        raise KeyError(f"not a constraint key: {key}")


@dataclass(frozen=True)
class SolverSettings:
    """``name`` cbc (bundled with PuLP) or highs; ``time_limit`` seconds for the whole plan (None: none);
    ``gap`` the relative optimality gap at which a solve may stop and still be called optimal."""

    name: str = "cbc"
    time_limit: float | None = 60.0
    gap: float = 1e-4
    reduce: bool = True  # fix variables by LP reduced costs before branching (exact; see formulation docs)


@dataclass(frozen=True)
class Shocks:
    """Shared multiplicative shocks, each lognormal with mean 1 and this sd (0: none).

    ``campaign`` multiplies every creator's engagement and conversion rates in a run (the product or creative
    lands or it does not); ``platform`` multiplies the reach rate of every creator on one platform (an algorithm
    change), drawn per platform; ``niche`` multiplies the conversion rates within one niche, drawn per niche."""

    campaign: float = 0.25
    platform: float = 0.15
    niche: float = 0.0

    @classmethod
    def none(cls) -> Shocks:
        return cls(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class SimulationSettings:
    """How a mix is simulated. ``runs`` Monte Carlo runs; ``seed`` the root of every random draw; ``alpha`` the
    level of VaR and CVaR of profit (0.95: the worst 5% of runs); ``counts`` binomial (reach, engagements and
    conversions are drawn as counts) or expected (counts are their expectations given the drawn rates);
    ``targets`` minimum values whose probability of being missed is reported (roi, revenue, profit, ...);
    ``compare`` whether the mix is compared with the best single creator, single-tier mixes and greedy."""

    runs: int = 20_000
    seed: int = 0
    alpha: float = 0.95
    shocks: Shocks = field(default_factory=Shocks)
    counts: str = "binomial"
    targets: Mapping[str, float] = field(default_factory=dict)
    compare: bool = True


@dataclass(frozen=True)
class RiskSettings:
    """Risk inside the decision, by sample-average approximation: ``scenarios`` simulated runs (seed ``seed``, the
    simulation's shocks and count model) become rows of the integer program. ``min_cvar``: CVaR of profit at
    ``alpha`` (the mean profit of the worst 1 - alpha of runs) must be at least this; ``max_prob_loss``: P(profit
    < 0) at most this. The chosen mix is re-evaluated on ``validation_runs`` fresh runs (seed
    ``validation_seed``, default ``seed + 1``): the out-of-sample figures."""

    alpha: float = 0.95
    scenarios: int = 1000
    seed: int = 0
    min_cvar: float | None = None
    max_prob_loss: float | None = None
    validation_runs: int = 20_000
    validation_seed: int | None = None

    @property
    def out_of_sample_seed(self) -> int:
        return self.seed + 1 if self.validation_seed is None else self.validation_seed

    @property
    def constrains(self) -> bool:
        return self.min_cvar is not None or self.max_prob_loss is not None


@dataclass(frozen=True)
class Scenario:
    """A campaign to plan: the validated shortlist plus budget, objective, rules and solver settings."""

    candidates: Candidates
    budget: float
    objective: str = "profit"
    constraints: Constraints = field(default_factory=Constraints)
    solver: SolverSettings = field(default_factory=SolverSettings)
    name: str = "campaign"
    currency: str = "USD"
    tier_cutoffs: Mapping[str, float] = field(default_factory=lambda: dict(tiers_mod.DEFAULT_TIERS))
    source: str = "scenario"
    warnings: tuple[str, ...] = ()
    simulation: SimulationSettings | None = None  # the scenario's ``simulation:`` block, if it has one
    risk: RiskSettings | None = None  # the scenario's ``risk:`` block, if it has one
    audience_settings: AudienceSettings | None = None  # the scenario's ``audience:`` block, if it has one
    objective_weights: Mapping[str, float] = field(default_factory=dict)  # objective "weighted": metric -> weight
    packages: Packages | None = None  # multi-post offers (options.py); the candidates are then one row per option
    phases: tuple[Phase, ...] = ()  # funnel phases (options.py); objective "phases"
    phase_settings: PhaseSettings = field(default_factory=PhaseSettings)
    input_files: tuple[str, ...] = ()  # every file the scenario was read from (absolute): outputs never replace them
    limits: Limits = field(default_factory=Limits)  # how much work a command may ask for (sizing.py)
    amplification: AmplificationSettings | None = None  # the ``amplification:`` block (paid boosts), if it has one

    @property
    def weights(self) -> dict[str, float]:
        """The objective as weights on the totals (``objectives.py``); empty for roi, cvar and phases."""
        return self.goal.weights

    @property
    def goal(self) -> objectives_mod.Objective:
        """The objective as an object (``domain/objectives.py``): its vector, value, label, bound and gap."""
        return objectives_mod.make(self.objective, self.objective_weights)

    @property
    def structured(self) -> bool:
        """Whether the candidates are options (packages or phases) rather than one row per creator."""
        return self.packages is not None or bool(self.phases)

    @cached_property
    def audience(self) -> Audience | None:
        """The shortlist's audience pools (``audience.py``); None without an ``audience:`` block."""
        if self.audience_settings is None:
            return None
        return build_audience(self.audience_settings, self.candidates, self.source)

    @property
    def uses_unique_reach(self) -> bool:
        """Whether the integer program carries unique reach (the objective, a weight on it, a phase's, or a
        floor)."""
        return ("unique_reach" in self.weights or self.constraints.min_unique_reach is not None
                or (self.goal.method == "combined" and any("unique_reach" in ph.weights for ph in self.phases)))

    @property
    def uses_risk_model(self) -> bool:
        """Whether the integer program carries simulated scenarios (a CVaR objective or a risk floor)."""
        return self.goal.method == "sampled" or (self.risk is not None and self.risk.constrains)

    def risk_settings(self) -> RiskSettings:
        return self.risk or RiskSettings()

    def simulation_settings(self) -> SimulationSettings:
        return self.simulation or SimulationSettings()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], candidates: pd.DataFrame | str | Path | None = None,
                  *, base_dir: str | Path | None = None, source: str = "scenario") -> Scenario:
        """Build from a dict shaped like the YAML file. ``candidates`` (a DataFrame or a path) replaces the
        dict's ``candidates`` key. Raises :class:`InputError` listing every problem."""
        return _build(data, candidates, Path(base_dir) if base_dir else Path.cwd(), source)

    def with_changes(self, **changes) -> Scenario:
        """A copy with top-level fields replaced, validated as the YAML would be.

        Each value may be typed (``Constraints``, ``SolverSettings``, ``SimulationSettings``, ``RiskSettings``,
        ``Limits``, ``Candidates``, ...) or written as in the YAML file: ``budget=12000``,
        ``objective={"profit": 1, "reach": 0.002}``, ``constraints={"max_count": 40}``, ``solver={"name": "highs"}``,
        ``risk={"min_cvar": 2000}``. Either way the rules are checked against each other, the budget and the
        shortlist (an :class:`InputError` naming the key, as for the file); a changed shortlist (derived by the
        caller, e.g. one tier's rows) is trusted. The audience pools are kept unless the shortlist or the audience
        changes."""
        r = _Reader(self.source)
        unknown = [k for k in changes if k not in _CHANGEABLE]
        if unknown:
            raise InputError.at(self.source, f"cannot be changed; the fields are {', '.join(_CHANGEABLE)}"
                                f"{suggest(unknown[0], _CHANGEABLE)}", f"key '{unknown[0]}'")
        typed = {k: _typed(r, k, v) for k, v in changes.items()}
        if "objective" in changes:
            typed["objective"], weights = typed["objective"]
            typed.setdefault("objective_weights", weights)
        r.problems.raise_if_any()
        new = replace(self, **typed)
        _check_rules(r, new.budget, new.objective, new.objective_weights, new.constraints, new.tier_cutoffs,
                     new.phases, new.audience_settings, new.simulation)
        _check_amplification(r, new.amplification, new.objective, new.objective_weights, new.phases,
                             new.audience_settings, new.risk)
        if "constraints" in changes and "candidates" not in changes:
            _cross_check(r, new.constraints, new.candidates, [], creators=True)
        r.problems.raise_if_any()
        if "candidates" not in changes and "audience_settings" not in changes and "audience" in self.__dict__:
            new.__dict__["audience"] = self.__dict__["audience"]  # the pools depend on neither
        return new


    def with_boosts(self, spend: np.ndarray) -> Scenario:
        """A copy whose candidates' outcomes include a paid boost of ``spend`` (per candidate, in the currency)
        behind each one's post (``domain/amplification.py``): what a plan with boosts delivers, for its totals,
        tables and simulation. Without an ``amplification:`` block, or with no boost, the scenario itself."""
        spend = np.asarray(spend, float)
        amp = self.amplification
        if amp is None or not (spend > 0).any():
            return self
        cand = self.candidates
        table = cand.table
        reach = amp.reach(table, self.budget, spend, rights=False)  # decided boosts: the same deal restructured
        # (analysis/comparison.restructured) keeps them
        eng, conv, rev = response_rates(table, amp.response)
        boosted = cand.outcomes.with_boosts(spend, reach, reach * eng, reach * conv, reach * rev)
        return replace(self, candidates=replace(cand, outcomes=boosted))  # no audience: boosts cannot have one

    def with_fee(self, position: int, fee: float) -> Scenario:
        """A copy in which the candidate at ``position`` costs ``fee`` (``Candidates.with_fee``), the rules
        checked again; the audience pools are kept (a fee changes nobody's reach)."""
        new = self.with_changes(candidates=self.candidates.with_fee(position, fee))
        if "audience" in self.__dict__ and self.audience_settings is not None:
            new.__dict__["audience"] = self.__dict__["audience"]
        return new


_CHANGEABLE = ("budget", "objective", "objective_weights", "constraints", "solver", "simulation", "risk", "limits",
               "name", "currency", "candidates", "phases", "phase_settings", "audience_settings", "packages",
               "amplification")
_TYPES = {"constraints": Constraints, "solver": SolverSettings, "simulation": SimulationSettings,
          "risk": RiskSettings, "limits": Limits}


def _typed(r: _Reader, key: str, v: Any) -> Any:
    """One ``with_changes`` value as its typed field: YAML-shaped values go through the file's readers."""
    if key == "budget":
        if v is None:
            r.bad("budget", "is required (the campaign budget, in the scenario's currency)")
        return r.number({"budget": v}, "budget", "", lo=0)
    if key == "objective":
        return _objective(r, {"objective": v}, "") if v != "phases" else ("phases", {})
    if key in ("simulation", "risk", "amplification") and v is None:
        return None
    if key == "amplification":
        if isinstance(v, Mapping):
            return _amplification(r, v, None)
        if not isinstance(v, AmplificationSettings):
            r.bad(key, f"must be a mapping as in the YAML file or an AmplificationSettings, got {_shown(v)}")
        return v
    if key in _TYPES and isinstance(v, Mapping):  # the file's own reader for that block
        if key == "constraints":
            return _constraints(r, v, "constraints")
        return {"solver": _solver, "simulation": _simulation, "risk": _risk, "limits": _limits_block}[key](r, v)
    if key in _TYPES and not isinstance(v, _TYPES[key]):
        r.bad(key, f"must be a mapping as in the YAML file or a {_TYPES[key].__name__}, got {_shown(v)}")
    return v


def load_scenario(path: str | Path, *, solver_overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read a scenario YAML file and its shortlist (relative to the YAML file)."""
    path = Path(path)
    data = read_yaml(path)
    if solver_overrides:
        solver = dict(data.get("solver") or {}) if isinstance(data.get("solver"), Mapping) else {}
        solver.update({k: v for k, v in solver_overrides.items() if v is not None})
        data = {**data, "solver": solver}
    return _build(data, None, path.parent, str(path))


MAX_YAML_BYTES = 1_000_000  # a scenario is a page of keys; more is a mistake or an attack
MAX_YAML_ALIASES = 100  # anchors and aliases are fine for a few shared blocks, not for an expansion bomb
MAX_YAML_DEPTH = 50


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing what a scenario never needs: a key given twice in one mapping (YAML would keep
    the last silently), more than ``MAX_YAML_ALIASES`` aliases (a "billion laughs" expansion), and nesting deeper
    than ``MAX_YAML_DEPTH``."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_YAML_ALIASES} aliases (*name): a scenario does not need them")
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the base class says so
                break
            if first is not key_node:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice (first on line {first.start_mark.line + 1})",
                    key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> dict:
    label = str(path)
    if not path.exists():
        raise InputError.at(label, "file not found")
    if path.is_dir():
        raise InputError.at(label, "is a folder, not a scenario file")
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputError.at(label, f"is {size:,} bytes; a scenario file is at most {MAX_YAML_BYTES:,}")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.at(label, f"cannot be read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader with stricter rules)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError.at(label, f"invalid YAML: {problem}", where) from None
    except RecursionError:
        raise InputError.at(label, f"invalid YAML: nested more than {MAX_YAML_DEPTH} levels deep") from None
    if not isinstance(data, dict):
        raise InputError.at(label, "must be a YAML mapping of keys (name, candidates, budget, ...)")
    return data


# ------------------------------------------------------------------------------------------- parsing

MAX_NUMBER = 1e15  # no budget, count or limit in a scenario comes near; beyond it a value is a typo or an attack
MAX_RISK_SCENARIOS = 100_000  # runs inside the CVaR model: one row each per candidate, beyond this it does not solve


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxlong, _REPR.maxother = 2, 4, 4, 40, 40, 40


def _shown(v: Any) -> str:
    """A value for a message: short, whatever it is (never expanding a nested or aliased structure whole)."""
    return _REPR.repr(v)


class _Reader:
    """Walks the scenario dict, collecting problems with their key paths."""

    def __init__(self, source: str):
        self.source = source
        self.problems = ProblemList()

    def bad(self, key: str, message: str) -> None:
        self.problems.add(self.source, message, f"key '{key}'")

    def keys(self, d: Any, allowed: tuple[str, ...], path: str) -> dict:
        if d is None:
            return {}
        if not isinstance(d, Mapping):
            self.bad(path, f"must be a mapping, got {type(d).__name__}")
            return {}
        for k in d:
            if str(k) not in allowed:
                self.bad(f"{path}.{k}" if path else str(k),
                         f"is not a known key{suggest(str(k), allowed)}; known: {', '.join(allowed)}")
        return {str(k): v for k, v in d.items() if str(k) in allowed}

    def number(self, d: Mapping, key: str, path: str, *, lo: float | None = None, lo_open: bool = False,
               hi: float | None = None, integer: bool = False) -> float | None:
        if key not in d or d[key] is None:
            return None
        v = d[key]
        full = f"{path}.{key}" if path else key
        if isinstance(v, str):  # as in the shortlist: 15K, $15,000, 40% (for a share); and YAML 1.1 reads 1.0e9 as text
            parsed = parse_numbers(pd.Series([v.strip()]), percent_ok=hi is not None and hi <= 1)
            if not parsed.bad[0] and not parsed.empty[0]:
                v = float(parsed.values[0])
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.bad(full, f"must be a number, got {_shown(v)}")
            return None
        try:
            finite = math.isfinite(v)
        except OverflowError:  # an int with hundreds of digits
            finite = False
        if not finite or abs(v) > MAX_NUMBER:
            self.bad(full, f"must be a finite number below {MAX_NUMBER:g}, got {_shown(v)}")
            return None
        if integer and float(v) != int(v):
            self.bad(full, f"must be a whole number, got {_shown(v)}")
            return None
        if lo is not None and (v <= lo if lo_open else v < lo):
            self.bad(full, f"must be {'>' if lo_open else '>='} {lo:g}, got {_shown(v)}")
            return None
        if hi is not None and v > hi:
            self.bad(full, f"must be <= {hi:g}, got {_shown(v)}")
            return None
        return int(v) if integer else float(v)

    def choice(self, d: Mapping, key: str, path: str, options: tuple[str, ...], default: str) -> str:
        """One of ``options`` (case-insensitive), or a problem naming the key and the nearest option."""
        v = str(d.get(key, default)).strip().lower()
        if v not in options:
            self.bad(f"{path}.{key}" if path else key, f"'{d.get(key)}' is not one of {', '.join(options)}"
                     f"{suggest(v, options)}")
        return v

    def text(self, d: Mapping, key: str, path: str, default: str) -> str:
        v = d.get(key)
        if v is None:
            return default
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            self.bad(f"{path}.{key}" if path else key, f"must be text, got {_shown(v)}")
            return default
        return str(v)


def _limits(r: _Reader, d: Any, path: str) -> GroupLimit:
    d = r.keys(d, LIMIT_KEYS, path)
    lim = GroupLimit(
        min_count=r.number(d, "min_count", path, lo=0, integer=True),
        max_count=r.number(d, "max_count", path, lo=0, integer=True),
        min_share=r.number(d, "min_share", path, lo=0, hi=1),
        max_share=r.number(d, "max_share", path, lo=0, hi=1),
    )
    for a, b in (("min_count", "max_count"), ("min_share", "max_share")):
        lo, hi = getattr(lim, a), getattr(lim, b)
        if lo is not None and hi is not None and lo > hi:
            r.bad(f"{path}.{a}", f"{lo:g} is above {b} {hi:g}")
    return lim


def _id_list(r: _Reader, v: Any, path: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        v = [v]
    if not isinstance(v, list):
        r.bad(path, f"must be a list of candidate ids, got {_shown(v)}")
        return ()
    return tuple(str(x).strip() for x in v)


def _defaults(r: _Reader, d: Any) -> Defaults:
    group_keys = ("tiers", "platforms", "tier_platforms")
    d = r.keys(d, (*FILLABLE, *group_keys, "from"), "defaults")
    source = d.pop("from", None)
    if source is not None and str(source).strip().lower() != "benchmarks":
        r.bad("defaults.from", f"'{source}' is not a known source; the one source is 'benchmarks' "
              "(docs/benchmarks.md)")

    def values(block: Any, path: str) -> dict[str, float]:
        block = r.keys(block, FILLABLE, path)
        out = {}
        for k in block:
            col = BY_NAME[k]
            v = r.number(block, k, path, lo=col.lo, hi=col.hi)
            if v is not None:
                out[k] = v
        return out

    glob = values({k: v for k, v in d.items() if k not in group_keys}, "defaults")
    for key in group_keys:
        if d.get(key) is not None and not isinstance(d[key], Mapping):
            r.bad(f"defaults.{key}", f"must map each {key[:-1].replace('_', ' x ')} to column defaults, got "
                  f"{_shown(d[key])}")
            d[key] = {}
    tiers = {str(t).lower(): values(v, f"defaults.tiers.{t}") for t, v in (d.get("tiers") or {}).items()}
    plats = {_group_key("platforms", p): values(v, f"defaults.platforms.{p}")
             for p, v in (d.get("platforms") or {}).items()}
    tp: dict[str, dict[str, dict[str, float]]] = {}
    for t, ps in (d.get("tier_platforms") or {}).items():
        if not isinstance(ps, Mapping):
            r.bad(f"defaults.tier_platforms.{t}", "must map platforms to column defaults")
            continue
        tp[str(t).lower()] = {_group_key("platforms", p): values(v, f"defaults.tier_platforms.{t}.{p}")
                              for p, v in ps.items()}
    return Defaults(values=glob, tiers=tiers, platforms=plats, tier_platforms=tp, benchmarks=source is not None)


def _build(data: Mapping[str, Any], candidates: pd.DataFrame | str | Path | None, base_dir: Path,
           source: str) -> Scenario:
    r = _Reader(source)
    d = r.keys(data, TOP_KEYS, "")

    budget = r.number(d, "budget", "", lo=0, lo_open=True)
    if "budget" not in d:
        r.bad("budget", "is required (the campaign budget, in the scenario's currency)")
    objective, weights = _objective(r, d, "")

    cutoffs = dict(tiers_mod.DEFAULT_TIERS)
    if d.get("tiers") is not None:
        if not isinstance(d["tiers"], Mapping) or not d["tiers"]:
            r.bad("tiers", "must map tier names to their lowest follower count, e.g. {nano: 1200, micro: 8500}")
        else:
            cutoffs = {}
            for t in d["tiers"]:
                v = r.number(d["tiers"], t, "tiers", lo=0)
                if v is not None:
                    cutoffs[str(t).lower()] = v
            if len(set(cutoffs.values())) < len(cutoffs):
                r.bad("tiers", "two tiers share the same cut-off")

    defaults = _defaults(r, d.get("defaults"))
    for t in list(defaults.tiers) + list(defaults.tier_platforms):
        if t not in cutoffs:
            r.bad(f"defaults.tiers.{t}", f"unknown tier; tiers are {', '.join(cutoffs)}{suggest(t, cutoffs)}")

    cons = _constraints(r, d.get("constraints"), "constraints")

    solver = _solver(r, d.get("solver"))

    phases = _phases(r, d.get("phases"), budget, cutoffs) if d.get("phases") is not None else ()
    settings = _phase_settings(r, d.get("phase_settings"), phases)
    if phases:
        if "objective" in d:
            r.bad("objective", "with phases: the phases' objectives are combined (phase_settings.combine); set "
                  "each phase's objective instead")
        objective = "phases"
    simulation = _simulation(r, d["simulation"]) if "simulation" in d else None
    risk = _risk(r, d["risk"]) if "risk" in d else None
    limits = _limits_block(r, d.get("limits"))
    commission_in_budget = _deals(r, d.get("deals"))
    audience = _audience(r, d["audience"]) if "audience" in d else None
    amplification = _amplification(r, d["amplification"], budget) if d.get("amplification") is not None else None
    _check_rules(r, budget, objective, weights, cons, cutoffs, phases, audience, simulation)
    _check_amplification(r, amplification, objective, weights, phases, audience, risk)

    # The shortlist: a DataFrame or path given by the caller, else the file named in the scenario.
    cands: Candidates | None = None
    sheet = None
    if candidates is None:
        spec = d.get("candidates")
        if isinstance(spec, Mapping):
            spec = r.keys(spec, ("path", "sheet"), "candidates")
            sheet = spec.get("sheet")
            spec = spec.get("path")
        if spec is None:
            r.bad("candidates", "is required: the shortlist file (CSV, .xlsx or .parquet), relative to the scenario")
        elif not isinstance(spec, str):
            r.bad("candidates", f"must be a file name, got {_shown(spec)}")
        else:
            candidates = base_dir / spec
    if candidates is not None:
        try:
            cands = load_candidates(candidates, defaults=defaults, tier_cutoffs=cutoffs, sheet=sheet,
                                    label=None if isinstance(candidates, pd.DataFrame) else _short(candidates),
                                    columns=_columns(r, d.get("columns")),
                                    engagement_basis=r.choice(d, "engagement_basis", "", ("reach", "followers"),
                                                              "reach"))
        except InputError as exc:
            r.problems.extend(exc.problems)
    if cands is not None:
        cands = cands.with_commission_in_budget(commission_in_budget)

    warnings: list[str] = []
    if cands is not None:
        _cross_check(r, cons, cands, warnings)
    if cands is not None and audience is not None and audience.overlap is not None:
        try:
            data, more = load_overlap(base_dir / audience.overlap, set(cands.ids), label=_short(base_dir /
                                                                                            audience.overlap))
            audience = replace(audience, data=data)
            warnings += more
        except InputError as exc:
            r.problems.extend(exc.problems)
    packages = None
    if cands is not None and d.get("packages") is not None:
        packages, more = _packages(r, d["packages"], base_dir, set(cands.ids))
        warnings += more
    r.problems.raise_if_any()
    assert cands is not None and budget is not None
    if packages is not None or phases:
        cands = expand(cands, packages, phases)
    name = r.text(d, "name", "", Path(source).stem if source != "scenario" else "campaign")
    # built here, once, so that a population too small is an input error; then kept as the cached property's value
    pools = build_audience(audience, cands, source) if audience is not None else None
    scenario = Scenario(candidates=cands, budget=budget, objective=objective, constraints=cons, solver=solver,
                        name=name, currency=r.text(d, "currency", "", "USD"), tier_cutoffs=cutoffs, source=source,
                        warnings=tuple(cands.warnings) + tuple(warnings) + (pools.warnings if pools else ()),
                        simulation=simulation, risk=risk, audience_settings=audience, objective_weights=weights,
                        packages=packages, phases=phases, phase_settings=settings,
                        input_files=_input_files(source, candidates, base_dir, d, audience), limits=limits,
                        amplification=amplification)
    if pools is not None:
        scenario.__dict__["audience"] = pools  # cached_property stores its value here (frozen fields are untouched)
    return scenario


def _objective(r: _Reader, d: Mapping, path: str) -> tuple[str, dict[str, float]]:
    """``objective:`` as a name, or a mapping of weights (``objectives.py``)."""
    full = f"{path}.objective" if path else "objective"
    weights: dict[str, float] = {}
    if isinstance(d.get("objective"), Mapping):
        block = r.keys(d["objective"], objectives_mod.WEIGHTABLE, full)
        for k in block:
            v = r.number(block, k, full)
            if v is not None:
                weights[k] = v
        if not block:
            r.bad(full, "a weighted objective needs at least one weight, e.g. {profit: 1.0, reach: 0.002}")
        elif weights and not any(v != 0 for v in weights.values()):
            r.bad(full, "every weight is 0: the objective would value nothing; give at least one a non-zero weight")
        return "weighted", weights
    return r.choice(d, "objective", path, OBJECTIVES, "profit"), weights


def _group_key(group: str, key: Any) -> str:
    """A group's name as the shortlist's cells are read: lower case, and a platform in its one spelling (a cap on
    "Tik Tok" is a cap on tiktok)."""
    if group == "platforms":
        return str(canonical_platform(pd.Series([str(key)]))[0].iat[0])
    return str(key).strip().lower()


def _columns(r: _Reader, block: Any) -> dict[str, str]:
    """The scenario's ``columns:``: contract name -> the shortlist's own header."""
    block = r.keys(block, tuple(BY_NAME), "columns")
    out = {}
    for name, header in block.items():
        if not isinstance(header, str) or not header.strip():
            r.bad(f"columns.{name}", f"must be the header of a column in the shortlist, got {_shown(header)}")
        else:
            out[name] = header
    return out


def _constraints(r: _Reader, block: Any, path: str) -> Constraints:
    """A ``constraints:`` block (the scenario's, or a phase's)."""
    c = r.keys(block, CONSTRAINT_KEYS, path)
    groups: dict[str, dict[str, GroupLimit]] = {}
    for g in GROUPS:
        sub = c.get(g) or {}
        if not isinstance(sub, Mapping):
            r.bad(f"{path}.{g}", "must map names to limits, e.g. {nano: {min_count: 20}}")
            sub = {}
        groups[g] = {_group_key(g, k): _limits(r, v, f"{path}.{g}.{k}") for k, v in sub.items()}
    return Constraints(
        min_spend=r.number(c, "min_spend", path, lo=0),
        min_count=r.number(c, "min_count", path, lo=0, integer=True),
        max_count=r.number(c, "max_count", path, lo=0, integer=True),
        include=_id_list(r, c.get("include"), f"{path}.include"),
        exclude=_id_list(r, c.get("exclude"), f"{path}.exclude"),
        min_reach=r.number(c, "min_reach", path, lo=0),
        min_engagements=r.number(c, "min_engagements", path, lo=0),
        min_conversions=r.number(c, "min_conversions", path, lo=0),
        min_revenue=r.number(c, "min_revenue", path, lo=0),
        min_roi=r.number(c, "min_roi", path, lo=-1),
        min_unique_reach=r.number(c, "min_unique_reach", path, lo=0),
        **groups,
    )


def _check_rules(r: _Reader, budget: float | None, objective: str, weights: Mapping[str, float], cons: Constraints,
                 cutoffs: Mapping[str, float], phases: tuple[Phase, ...], audience: AudienceSettings | None,
                 simulation: SimulationSettings | None) -> None:
    """The rules against each other, the budget, the objective and the audience: for the file and for
    ``Scenario.with_changes`` alike."""
    _check_constraints(r, cons, "constraints", budget, cutoffs)
    both = sorted(set(cons.include) & set(cons.exclude))
    if both:
        r.bad("constraints.include", f"id '{both[0]}' is both included and excluded")
    floors = (cons.min_reach, cons.min_engagements, cons.min_conversions, cons.min_revenue, cons.min_unique_reach,
              cons.min_count)
    has_floor = any(f for f in floors) or any((lim.min_count or 0) > 0 for g in GROUPS
                                              for lim in cons.groups(g).values())
    known = objective in objectives_mod.REGISTRY  # an unknown name is reported where it is read
    problem = objectives_mod.make(objective, weights).problem(cons, has_floor) if known else None
    if problem:
        r.bad("objective", problem)
    unique_terms = int("unique_reach" in weights) + sum("unique_reach" in ph.weights for ph in phases) + int(
        cons.min_unique_reach is not None)
    if unique_terms > 1:
        r.bad("phases" if phases else "constraints.min_unique_reach", "unique reach may enter a plan once: as the "
              "objective, one phase's objective, or constraints.min_unique_reach")
    if audience is None:
        wants_unique = known and "unique_reach" in objectives_mod.make(objective, weights).weights
        if wants_unique or any("unique_reach" in ph.weights for ph in phases):
            r.bad("objective", "'unique_reach' needs an audience: block with the population (audience: {population: "
                  "2000000})")
        if cons.min_unique_reach is not None:
            r.bad("constraints.min_unique_reach", "needs an audience: block with the population")
        if simulation is not None and "unique_reach" in simulation.targets:
            r.bad("simulation.targets.unique_reach", "needs an audience: block with the population")
    elif cons.min_unique_reach is not None and cons.min_unique_reach > audience.population:
        r.bad("constraints.min_unique_reach", f"{cons.min_unique_reach:,.0f} is above the population "
              f"{audience.population:,.0f}")


def _check_constraints(r: _Reader, cons: Constraints, path: str, budget: float | None,
                       cutoffs: Mapping[str, float]) -> None:
    if cons.min_count is not None and cons.max_count is not None and cons.min_count > cons.max_count:
        r.bad(f"{path}.min_count", f"{cons.min_count} is above max_count {cons.max_count}")
    if budget is not None and cons.min_spend is not None and cons.min_spend > budget:
        r.bad(f"{path}.min_spend", f"{cons.min_spend:g} is above the budget {budget:g}")
    for t in cons.tiers:
        if t not in cutoffs:
            r.bad(f"{path}.tiers.{t}", f"unknown tier; tiers are {', '.join(cutoffs)}{suggest(t, cutoffs)}")


def _phases(r: _Reader, block: Any, budget: float | None, cutoffs: Mapping[str, float]) -> tuple[Phase, ...]:
    if not isinstance(block, Mapping) or not block:
        r.bad("phases", "must map phase names to {budget_share, objective, weight, constraints}")
        return ()
    out = []
    lows = 0.0
    for name, spec in block.items():
        path = f"phases.{name}"
        d = r.keys(spec, PHASE_KEYS, path)
        objective, weights = _objective(r, d, path)
        if objective in objectives_mod.REGISTRY and not objectives_mod.REGISTRY[objective].in_phases:
            r.bad(f"{path}.objective", f"'{objective}' cannot be a phase's objective: phases combine linear "
                  "objectives (profit, revenue, reach, engagements, conversions, unique_reach, or weights)")
        lo = hi = None
        share = d.get("budget_share")
        if isinstance(share, (list, tuple)):
            if len(share) != 2:
                r.bad(f"{path}.budget_share", f"a range is two shares [low, high], got {_shown(share)}")
            else:
                pair = {"lo": share[0], "hi": share[1]}
                lo = r.number(pair, "lo", f"{path}.budget_share", lo=0, hi=1)
                hi = r.number(pair, "hi", f"{path}.budget_share", lo=0, hi=1)
                if lo is not None and hi is not None and lo > hi:
                    r.bad(f"{path}.budget_share", f"{lo:g} is above {hi:g}")
        elif share is not None:
            hi = r.number(d, "budget_share", path, lo=0, lo_open=True, hi=1)
        lows += lo or 0.0
        cons = _constraints(r, d.get("constraints"), f"{path}.constraints")
        _check_constraints(r, cons, f"{path}.constraints", budget, cutoffs)
        for key in ("include", "exclude"):
            if getattr(cons, key):
                r.bad(f"{path}.constraints.{key}", "is set for the whole plan, at the top level")
        if cons.min_unique_reach is not None:
            r.bad(f"{path}.constraints.min_unique_reach", "is set for the whole plan, at the top level")
        weight = r.number(d, "weight", path, lo=0)
        out.append(Phase(name=str(name), objective=objective, objective_weights=weights, constraints=cons,
                         budget_lo=lo, budget_hi=hi, weight=1.0 if weight is None else weight))
    if lows > 1 + 1e-9:
        r.bad("phases", f"the phases' lowest budget shares add up to {lows:g}, above 1")
    return tuple(out)


def _phase_settings(r: _Reader, block: Any, phases: tuple[Phase, ...]) -> PhaseSettings:
    d = r.keys(block, PHASE_SETTING_KEYS, "phase_settings")
    if d and not phases:
        r.bad("phase_settings", "applies only with phases:")
    combine = r.choice(d, "combine", "phase_settings", COMBINE, "weighted")
    if combine == "lexicographic" and any("unique_reach" in ph.weights for ph in phases):
        r.bad("phase_settings.combine", "lexicographic cannot keep a unique-reach phase at its best (its model is "
              "refined only at the chosen mix); use weighted")
    repeat = d.get("repeat_creators", False)
    if not isinstance(repeat, bool):
        r.bad("phase_settings.repeat_creators", f"must be true or false, got {_shown(repeat)}")
    names = [ph.name for ph in phases]
    order = d.get("order", names)
    if not isinstance(order, list) or sorted(map(str, order)) != sorted(names):
        r.bad("phase_settings.order", f"must list each phase once: {', '.join(names)}")
        order = names
    return PhaseSettings(combine=combine, repeat_creators=bool(repeat), order=tuple(str(o) for o in order))


def _packages(r: _Reader, block: Any, base_dir: Path, ids: set[str]) -> tuple[Packages | None, list[str]]:
    if isinstance(block, str):
        block = {"file": block}
    d = r.keys(block, ("file", "decay"), "packages")
    decay = r.number(d, "decay", "packages", lo=0, lo_open=True, hi=1)
    if not isinstance(d.get("file"), str):
        r.bad("packages.file", "is required: the packages file (id, posts, fee[, decay]), relative to the scenario")
        return None, []
    try:
        return load_packages(base_dir / d["file"], ids, DEFAULT_DECAY if decay is None else decay,
                             label=_short(base_dir / d["file"]))
    except InputError as exc:
        r.problems.extend(exc.problems)
        return None, []


def _alpha(r: _Reader, d: Mapping, path: str) -> float | None:
    """A VaR/CVaR level: strictly between 0 and 1."""
    alpha = r.number(d, "alpha", path, lo=0, lo_open=True)
    if alpha is not None and alpha >= 1:
        r.bad(f"{path}.alpha", f"must be below 1 (0.95 looks at the worst 5% of runs), got {alpha:g}")
        return None
    return alpha


def _audience(r: _Reader, block: Any) -> AudienceSettings | None:
    d = r.keys(block, AUDIENCE_KEYS, "audience")
    population = r.number(d, "population", "audience", lo=0, lo_open=True)
    if "population" not in d:
        r.bad("audience.population", "is required: the number of people in the target population")
    model = r.choice(d, "model", "audience", MODELS, "overlap")
    overlap = d.get("overlap")
    if overlap is not None and not isinstance(overlap, str):
        r.bad("audience.overlap", f"must be a file name (CSV or .xlsx), got {_shown(overlap)}")
        overlap = None
    rates = {k: r.number(d, k, "audience", lo=0, hi=1) for k in ("same_niche_overlap", "same_region_overlap")}
    for k, v in rates.items():
        if v is not None and overlap is not None:
            r.bad(f"audience.{k}", "applies only without an overlap file (the file states the overlaps)")
        if v is not None and model != "overlap":
            r.bad(f"audience.{k}", f"does not apply to model '{model}'")
    if overlap is not None and model != "overlap":
        r.bad("audience.overlap", f"does not apply to model '{model}' (use model: overlap, the default)")
    base = AudienceSettings(population=1.0)
    niche = base.same_niche_overlap if rates["same_niche_overlap"] is None else rates["same_niche_overlap"]
    region = base.same_region_overlap if rates["same_region_overlap"] is None else rates["same_region_overlap"]
    if niche + region > 1:
        r.bad("audience.same_niche_overlap", f"{niche:g} plus same_region_overlap {region:g} is above 1")
    if population is None:
        return None
    return AudienceSettings(population=population, model=model, same_niche_overlap=niche,
                            same_region_overlap=region, overlap=overlap)


def _simulation(r: _Reader, block: Any) -> SimulationSettings:
    d = r.keys(block, SIMULATION_KEYS, "simulation")
    base = SimulationSettings()
    runs = r.number(d, "runs", "simulation", lo=2, hi=MAX_RUNS, integer=True)
    seed = r.number(d, "seed", "simulation", lo=0, hi=MAX_SEED, integer=True)
    alpha = _alpha(r, d, "simulation")
    shocks = base.shocks
    if d.get("shocks") is not None:
        sh = r.keys(d["shocks"], SHOCK_KEYS, "simulation.shocks")
        values = {k: r.number(sh, k, "simulation.shocks", lo=0) for k in SHOCK_KEYS}
        shocks = Shocks(**{k: getattr(base.shocks, k) if values[k] is None else values[k] for k in SHOCK_KEYS})
    counts = r.choice(d, "counts", "simulation", COUNT_MODELS, base.counts)
    targets: dict[str, float] = {}
    tg = r.keys(d.get("targets"), TARGET_KEYS, "simulation.targets")
    for k in tg:
        v = r.number(tg, k, "simulation.targets")
        if v is not None:
            targets[k] = v
    compare = d.get("compare", True)
    if not isinstance(compare, bool):
        r.bad("simulation.compare", f"must be true or false, got {_shown(compare)}")
    return SimulationSettings(runs=base.runs if runs is None else int(runs), seed=base.seed if seed is None else
                              int(seed), alpha=base.alpha if alpha is None else alpha, shocks=shocks,
                              counts=counts, targets=targets, compare=bool(compare))


def _risk(r: _Reader, block: Any) -> RiskSettings:
    d = r.keys(block, RISK_KEYS, "risk")
    base = RiskSettings()
    alpha = _alpha(r, d, "risk")
    values = {
        "scenarios": r.number(d, "scenarios", "risk", lo=1, hi=MAX_RISK_SCENARIOS, integer=True),
        "seed": r.number(d, "seed", "risk", lo=0, hi=MAX_SEED, integer=True),
        "min_cvar": r.number(d, "min_cvar", "risk"),
        "max_prob_loss": r.number(d, "max_prob_loss", "risk", lo=0, hi=1),
        "validation_runs": r.number(d, "validation_runs", "risk", lo=2, hi=MAX_RUNS, integer=True),
        "validation_seed": r.number(d, "validation_seed", "risk", lo=0, hi=MAX_SEED, integer=True),
        "alpha": alpha,
    }
    return replace(base, **{k: v for k, v in values.items() if v is not None})


def _solver(r: _Reader, block: Any) -> SolverSettings:
    s = r.keys(block, ("name", "time_limit", "gap", "reduce"), "solver")
    sname = r.choice(s, "name", "solver", SOLVERS, "cbc")
    time_limit = r.number(s, "time_limit", "solver", lo=0, lo_open=True)
    gap = r.number(s, "gap", "solver", lo=0, hi=1)
    reduce = s.get("reduce", True)
    if not isinstance(reduce, bool):
        r.bad("solver.reduce", f"must be true or false, got {_shown(reduce)}")
    return SolverSettings(name=sname, time_limit=time_limit if "time_limit" in s else 60.0,
                          gap=1e-4 if gap is None else gap, reduce=bool(reduce))


def _deals(r: _Reader, block: Any) -> bool:
    """``deals: {commission_in_budget}``: whether expected commissions count against the budget (default false:
    the budget holds what is committed up front, fees, product and usage). The terms themselves are shortlist
    columns, with defaults in ``defaults:``."""
    d = r.keys(block, DEAL_KEYS, "deals")
    counted = d.get("commission_in_budget", False)
    if not isinstance(counted, bool):
        r.bad("deals.commission_in_budget", f"must be true or false, got {_shown(counted)}")
        return False
    return counted


def _amplification(r: _Reader, block: Any, budget: float | None) -> AmplificationSettings:
    """``amplification:``: paid boosts behind the creators' posts (``domain/amplification.py``)."""
    path = "amplification"
    d = r.keys(block, AMPLIFICATION_KEYS, path)
    base = AmplificationSettings()
    cap = r.number(d, "budget", path, lo=0)
    share = r.number(d, "share", path, lo=0, hi=1)
    if cap is None and share is None:
        r.bad(path, "needs a cap on the boosts: budget (the most spent on boosts, in the currency) or share (the most, "
              "as a share of the campaign budget)")
    cpm = dict(base.cpm)
    if d.get("cpm") is not None:
        if not isinstance(d["cpm"], Mapping) or not d["cpm"]:
            r.bad(f"{path}.cpm", "must map platforms to their cost per 1,000 boosted impressions, e.g. {instagram: 9}")
        else:
            names, _ = canonical_platform(pd.Series([str(k) for k in d["cpm"]], dtype=object))
            for key, name in zip(d["cpm"], names, strict=True):
                v = r.number(d["cpm"], key, f"{path}.cpm", lo=0, lo_open=True)
                if v is not None:
                    cpm[name] = v
    platforms = None
    if d.get("platforms") is not None:
        given = d["platforms"]
        if not isinstance(given, list) or not given or not all(isinstance(p, str) for p in given):
            r.bad(f"{path}.platforms", f"must be a list of platform names, e.g. [instagram, tiktok], got "
                  f"{_shown(given)}")
        else:
            platforms = tuple(canonical_platform(pd.Series(given, dtype=object))[0])
            no_cpm = [p for p in platforms if p not in cpm]
            if no_cpm:
                r.bad(f"{path}.platforms", f"'{no_cpm[0]}' has no CPM: give it one under {path}.cpm")
    most = r.number(d, "max_boost_per_creator", path, lo=0, lo_open=True)
    curve = base.curve
    if d.get("curve") is not None:
        curve = _curve(r, d["curve"], f"{path}.curve") or base.curve
    response = r.number(d, "response", path, lo=0)
    reach_cv = r.number(d, "reach_cv", path, lo=0, hi=5)
    rights = d.get("needs_usage_rights", False)
    if not isinstance(rights, bool):
        r.bad(f"{path}.needs_usage_rights", f"must be true or false, got {_shown(rights)}")
        rights = False
    if cap is not None and budget is not None and cap > budget:
        r.bad(f"{path}.budget", f"{cap:g} is above the campaign budget {budget:g} (boosts come out of it)")
    return AmplificationSettings(budget=cap, share=share, cpm=cpm, platforms=platforms, max_boost_per_creator=most,
                                 curve=curve, response=base.response if response is None else response,
                                 reach_cv=base.reach_cv if reach_cv is None else reach_cv, needs_usage_rights=rights,
                                 stated=frozenset(str(k) for k in d))


def _curve(r: _Reader, v: Any, path: str) -> tuple[tuple[float, float], ...] | None:
    """``curve: [[0, 0.8], [25000, 0.5], ...]``: from each number of boosted impressions on, the new accounts reached
    per impression; starting at 0, impressions rising, accounts per impression never rising (a concave curve)."""
    shape = ("must be a list of [impressions, accounts per impression] pairs from 0 impressions on, e.g. "
             "[[0, 0.8], [25000, 0.5]]")
    if not isinstance(v, list) or not v or not all(isinstance(p, list) and len(p) == 2 for p in v):
        r.bad(path, f"{shape}, got {_shown(v)}")
        return None
    out = []
    for k, (imp, eff) in enumerate(v):
        a = r.number({"impressions": imp}, "impressions", f"{path}[{k}]", lo=0)
        b = r.number({"accounts_per_impression": eff}, "accounts_per_impression", f"{path}[{k}]", lo=0, hi=1)
        if a is None or b is None:
            return None
        out.append((float(a), float(b)))
    if out[0][0] != 0:
        r.bad(path, f"{shape}: the first pair starts at {out[0][0]:g} impressions")
        return None
    for k in range(1, len(out)):
        if out[k][0] <= out[k - 1][0]:
            r.bad(f"{path}[{k}]", f"{out[k][0]:g} impressions is not above the pair before ({out[k - 1][0]:g})")
            return None
        if out[k][1] > out[k - 1][1]:
            r.bad(f"{path}[{k}]", f"{out[k][1]:g} accounts per impression is above the pair before "
                  f"({out[k - 1][1]:g}): returns must diminish (the curve must be concave)")
            return None
    return tuple(out)


def _check_amplification(r: _Reader, amp: AmplificationSettings | None, objective: str, weights: Mapping[str, float],
                         phases: tuple[Phase, ...], audience: AudienceSettings | None,
                         risk: RiskSettings | None) -> None:
    """What paid boosts can be planned with: one linear plan over expected outcomes."""
    if amp is None:
        return
    if phases:
        r.bad("amplification", "cannot be combined with phases: (a boost would need a phase of its own); plan the "
              "phases without it")
    if audience is not None:
        r.bad("amplification", "cannot be combined with audience: (the people a boost reaches are not in the "
              "audience pools, so unique reach would be wrong)")
    if objective == "cvar" or (risk is not None and risk.constrains):
        r.bad("amplification", "cannot be combined with risk in the decision (a CVaR objective, risk.min_cvar or "
              "risk.max_prob_loss); the simulation still reports the boosted plan's risk")
    negative = [m for m, w in objectives_mod.make(objective, weights).weights.items() if w < 0 and m != "cost"] \
        if objective in objectives_mod.REGISTRY else []
    if negative:
        r.bad("objective", f"a negative weight on {negative[0]} cannot be planned with amplification: (boosts only "
              "add)")


def _limits_block(r: _Reader, block: Any) -> Limits:
    """``limits: {creator_runs, risk_cells}`` (sizing.py): how much work a command may ask for."""
    d = r.keys(block, ("creator_runs", "risk_cells"), "limits")
    values = {k: r.number(d, k, "limits", lo=1) for k in ("creator_runs", "risk_cells")}
    return Limits(**{k: float(v) for k, v in values.items() if v is not None})


def _input_files(source: str, candidates, base_dir: Path, d: Mapping, audience) -> tuple[str, ...]:
    """The files a scenario was read from: the YAML, the shortlist, the packages and overlap files."""
    files = [Path(source)] if source != "scenario" else []
    if isinstance(candidates, (str, Path)):
        files.append(Path(candidates))
    pk = d.get("packages")
    pk = pk.get("file") if isinstance(pk, Mapping) else pk
    if isinstance(pk, str):
        files.append(base_dir / pk)
    if audience is not None and audience.overlap is not None:
        files.append(base_dir / audience.overlap)
    return tuple(str(f.resolve()) for f in files)


def _short(p: str | Path) -> str:
    p = Path(p)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def _cross_check(r: _Reader, cons: Constraints, cands: Candidates, warnings: list[str], creators: bool = False) -> None:
    """Constraints that name values in the shortlist: include/exclude ids and group keys. ``creators``: the
    shortlist may be options (packages, phases), whose ``creator`` column holds the ids the rules name."""
    ids = set(cands.table["creator"].unique()) if creators and "creator" in cands.table else set(cands.ids)
    for i in cons.include:
        if i not in ids:
            r.bad("constraints.include", f"id '{i}' is not in {cands.source}{suggest(i, ids)}")
    for i in cons.exclude:
        if i not in ids:
            warnings.append(f"{r.source}: key 'constraints.exclude': id '{i}' is not in {cands.source}")
    for g in ("platforms", "niches", "regions"):
        if not cons.groups(g):
            continue
        present = set(cands.table[GROUP_COLUMN[g]].unique()) - {""}  # unique() first: Arrow's, not a Python loop
        for k in cons.groups(g):
            if k in present:
                continue
            hint = suggest(k, present)
            msg = f"no candidate has {GROUP_COLUMN[g]} '{k}'"
            if hint:  # most likely a typo: an unenforced rule is worse than an error
                r.bad(f"constraints.{g}.{k}", msg + hint)
            else:
                warnings.append(f"{r.source}: key 'constraints.{g}.{k}': {msg}")

