"""Every figure the docs quote is checked here against what produces it.

- Figures about a shipped scenario are recomputed from the scenario (the guide's library table, the funnel, the
  scenarios' own headers).
- Benchmark tables quoted in ``docs/`` must appear verbatim in the benchmark's record (``benchmarks/results/``,
  written by ``python benchmarks/record.py BENCH.py [ARGS]``), and the figures the prose draws from them are
  derived here from the record, so a re-run benchmark that changes a figure fails until the docs say the new one.
- Code shown in the docs is the code in the package.

Timings are measurements of one machine on one day: the docs quote them from the records (with the record's date
and machine at its top), never as a promise; the suite checks that they were measured, not how fast this machine is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import FUNNEL, ROOT, SCENARIOS, shipped_plan

RESULTS = ROOT / "benchmarks" / "results"


def text_of(path: Path) -> str:
    """The file's text with runs of whitespace made one space (prose is wrapped anywhere)."""
    return re.sub(r"\s+", " ", path.read_text())


def header(name: str) -> str:
    """A shipped scenario's header comment, as one line of prose."""
    lines = (SCENARIOS / name).read_text().splitlines()
    return re.sub(r"\s+", " ", " ".join(line.lstrip("#") for line in lines if line.startswith("#")))


def doc(name: str) -> str:
    return text_of(ROOT / "docs" / name)


def said(text: str, phrase: str) -> None:
    """``phrase`` (whitespace normalised) is in ``text``."""
    phrase = re.sub(r"\s+", " ", phrase)
    assert phrase in text, f"the docs should say: {phrase!r}"


def record(name: str) -> str:
    path = RESULTS / f"{name}.txt"
    assert path.exists(), f"no record {path.name}: run python benchmarks/record.py {name.split('_')[0]}..."
    return path.read_text()


def pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f}%"


# ------------------------------------------------------------------------------------------- shipped scenarios


def _plans():
    from optimizer import plan
    from optimizer.io.scenario import load_scenario

    def simulated(name):  # as `influencer-mix run NAME --simulate` does: the scenario's own simulation settings
        return plan(load_scenario(SCENARIOS / name), simulate=True)

    return simulated, load_scenario


def test_the_scenario_library_table_is_true():
    """docs/guide.md's scenario table: the launch, the mega launch, the study's ROIs, the reach objective's tiers
    and the cost of the reach scenario's rules."""
    from optimizer import plan
    from optimizer.analysis.comparison import without
    from optimizer.analysis.whatif import ALL_RULES, loosening

    simulated, load = _plans()
    guide = doc("guide.md")
    nano, mega = simulated("skincare_launch.yaml"), simulated("fashion_mega_launch.yaml")
    launch = load(SCENARIOS / "skincare_launch.yaml")
    said(guide, f"${launch.budget:,.0f} on a {launch.candidates.n}"
                f"-creator shortlist, about ${round(nano.totals.revenue, -4):,.0f} of sales, ROI about "
                f"{nano.totals.roi:.1f}x")
    followers = mega.selection["followers"].iloc[0]
    said(guide, f"one {followers / 1e6:.0f}M creator, ${mega.totals.cost:,.0f}, ${mega.totals.revenue:,.0f}, "
                f"ROI {mega.totals.roi:.1f}x; P(loss) {pct(mega.simulation.prob_loss)} against "
                f"{pct(nano.simulation.prob_loss)}")

    study = {a.name: a.to_dict()["roi"] for a in simulated("nano_vs_macro_study.yaml").comparison}
    said(guide, f"ROI about {study['nano only']:.0f} for nano only (ROIS {study['nano only'] + 1:.0f}) against "
                f"{study['macro only']:.1f} for macro only (ROIS {study['macro only'] + 1:.1f})")

    sc = load(SCENARIOS / "skincare_reach.yaml")
    r = plan(sc, baselines=False)
    macro = {row["tier"]: row["share_of_spend"] for row in r.breakdown["tier"]}["macro"]
    said(guide, f"reach puts {round(macro, 1):.0%} of spend on macro")
    rows = {row.rule: row for row in loosening(sc, r)}
    caps = ("constraints.tiers.mega.max_count", "constraints.platforms.tiktok.max_share")
    assert all(rows[k].gain == pytest.approx(0, abs=1e-6) for k in caps)  # "neither ... costs any reach alone"
    both = plan(without(without(sc, caps[0]), caps[1]), baselines=False)
    cost = both.objective_value - r.objective_value
    assert rows[ALL_RULES].gain > cost  # the rules cost more together than the two caps
    said(guide, "neither the mega cap nor the TikTok cap costs any reach alone, but dropping both gains "
                f"{cost:,.0f} on top of the plan's {r.objective_value:,.0f} (the one mega creator is on TikTok), and "
                f"dropping every rule {rows[ALL_RULES].gain:,.0f}.")
    mega_ids = [i for i in both.selected if sc.candidates.table.set_index("id").loc[i, "tier"] == "mega"]
    assert len(mega_ids) == 1 and sc.candidates.table.set_index("id").loc[mega_ids[0], "platform"] == "tiktok"


def test_the_scenario_headers_are_true():
    """The figures each shipped scenario's header gives for its own plan (the seeds' figures are quoted as the
    seeds' and checked in test_scenario_library.py)."""
    simulated, load = _plans()
    nano = simulated("skincare_launch.yaml")
    fashion = header("fashion_mega_launch.yaml")
    said(fashion, f"skincare_launch.yaml, which plans {len(nano.selected)} creators for ${nano.totals.cost:,.0f}: "
                  f"about ${round(nano.totals.revenue, -4):,.0f} of sales, ROI about {nano.totals.roi:.1f}x")
    counts = nano.selection["tier"].value_counts()
    tiers = ", ".join(f"{counts[t]} {t}" for t in ("nano", "micro", "macro", "mega") if counts.get(t, 0))
    said(header("skincare_launch.yaml"),
         f"the plan hires {len(nano.selected)} creators ({tiers}) for ${nano.totals.cost:,.0f}: about "
         f"${round(nano.totals.revenue, -4):,.0f} of sales, ROI about {nano.totals.roi:.1f}x")
    study = {a.name: a.to_dict()["roi"] for a in simulated("nano_vs_macro_study.yaml").comparison}
    said(header("nano_vs_macro_study.yaml"),
         f"ROIS (ROI + 1) of about {study['nano only'] + 1:.0f} for the nano creators against about "
         f"{study['macro only'] + 1:.1f} for the macro ones")
    from optimizer import plan

    for objective in ("reach", "engagements", "conversions"):
        r = plan(load(SCENARIOS / f"skincare_{objective}.yaml"), baselines=False)
        share = {row["tier"]: row["share_of_spend"] for row in r.breakdown["tier"]}
        top = header(f"skincare_{objective}.yaml")
        said(top, "Maximising reach puts about 80% of the spend on macro creators")
        if objective == "reach":
            assert round(share["macro"], 1) == 0.8
        else:  # "engagements and conversions spread it over nano and micro creators"
            assert share["nano"] + share["micro"] > 0.6 and share["macro"] < 0.4


def test_the_deal_mix_header_is_true():
    """scenarios/deal_mix.yaml's header: the shortlist's deals, the plan's creators by deal, its boosts, what it
    commits and expects to pay in commissions, and the simulated deal structures and boosts (its own settings)."""
    simulated, load = _plans()
    sc = load(SCENARIOS / "deal_mix.yaml")
    r = simulated("deal_mix.yaml")
    top = header("deal_mix.yaml")
    table = sc.candidates.table
    offered = table["deal"].value_counts()
    said(top, f"({sc.candidates.source.split('/')[-1]}, {sc.candidates.n} creators)")
    said(top, f"{offered['gifted']} nano creators are gifted")
    said(top, f"{offered['flat fee + kit']} keep a flat fee and get the kit, and the {offered['commission']} micro "
              "creators take half their fee up front, 15% of the sales")
    said(top, f"Up to {sc.amplification.budget:,.0f} of the budget may boost")
    deals = r.selection["deal"].value_counts()
    t = r.totals
    boosted = r.selection.set_index("id").loc[list(r.boosts), "deal"]
    assert set(boosted) == {"commission"}  # only creators whose rights were bought
    said(top, f"The plan hires {t.count} creators ({deals['gifted']} gifted nano, {deals['flat fee + kit']} nano on a "
              f"flat fee, {deals['commission']} micro on commission) and boosts {len(r.boosts)} micro creators' posts "
              f"with ${t.boost:,.0f}, reaching {t.boost_reach:,.0f} more accounts; it commits ${t.spend:,.0f} and "
              f"expects ${t.commission:,.0f} of commissions on top: about ${round(t.revenue, -3):,.0f} of sales, "
              f"profit about ${round(t.profit, -3):,.0f}, ROI about {t.roi:.1f}")
    rows = {a.name: a.simulation for a in r.comparison if a.simulation is not None}
    p5 = {k: rows[k].metrics["profit"].p5 for k in ("same creators, commission only", "same creators, flat fees only",
                                                    "portfolio")}
    said(top, f"5th-percentile profit of ${p5['same creators, commission only']:,.0f} paid on commission only, "
              f"against ${p5['same creators, flat fees only']:,.0f} on flat fees only and ${p5['portfolio']:,.0f} "
              "on these deals")
    said(doc("guide.md"), f"paid boosts: {len(r.boosts)} boosted posts for ${t.boost:,.0f}; commission only leaves a "
                          f"5th-percentile profit of ${p5['same creators, commission only']:,.0f} against "
                          f"${p5['same creators, flat fees only']:,.0f} on flat fees only")
    said(top, f"without the boosts their mean profit falls from ${rows['portfolio'].metrics['profit'].mean:,.0f} to "
              f"${rows['same creators, no paid boosts'].metrics['profit'].mean:,.0f}")


@pytest.mark.slow
@pytest.mark.xdist_group("funnel")
def test_the_funnel_figures_are_true():
    """docs/modelling.md's account of the shipped funnel: creators per phase and tier, each phase's share of its
    best alone, and the combined objective."""
    from collections import Counter

    from optimizer.io.scenario import load_scenario

    sc = load_scenario(SCENARIOS / FUNNEL)
    r = shipped_plan(FUNNEL)
    tiers = sc.candidates.table.set_index("id")["tier"]
    by = {p.name: (Counter(tiers[i] for i in p.options), p.objective_value / p.ideal) for p in r.phases}
    text = doc("modelling.md")

    (aw, aw_share), (co, co_share), (cv, cv_share) = by["awareness"], by["consideration"], by["conversion"]
    rules = {p.name: p.constraints for p in sc.phases}
    assert aw["nano"] == rules["awareness"].tiers["nano"].min_count  # "the phase's minimum"
    assert co["micro"] == rules["consideration"].tiers["micro"].max_count  # "the phase's cap"
    said(text, f"{aw.total()} creators for awareness ({aw['nano']} nano, the phase's minimum, {aw['micro']} micro, "
               f"{aw['macro']} macro), {co.total()} for consideration ({co['nano']} nano, {co['micro']} micro, the "
               f"phase's cap) and {cv.total()} for conversion ({cv['nano']} nano, {cv['micro']} micro), at "
               f"{pct(aw_share)}, {pct(co_share)} and {pct(cv_share)} of each phase's best alone")
    assert set(aw) | set(co) | set(cv) <= {"nano", "micro", "macro"} and not cv["macro"] and not co["macro"]
    said(text, f"({r.objective_value:.2f} of {sum(p.weight for p in r.phases):.0f} on the shipped funnel)")


# ------------------------------------------------------------------------------------------------ code shown


def test_the_objective_example_is_the_code():
    """modelling.md's "one subclass and a line in REGISTRY" shows the class as the package defines it."""
    text = (ROOT / "docs" / "modelling.md").read_text()
    block = re.search(r"line in `REGISTRY`:\n\n```python\n(.*?)```", text, flags=re.S).group(1)
    assert block.strip() in (ROOT / "optimizer" / "domain" / "objectives.py").read_text()


def test_the_executor_example_runs(capsys, monkeypatch):
    """modelling.md's parallel sweep runs as written and prints one line per budget."""
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "modelling.md").read_text()
    block = re.search(r"\*\*Parallel\*\*.*?```python\n(.*?)```", text, flags=re.S).group(1)
    exec(compile(block, "docs/modelling.md", "exec"), {})  # noqa: S102
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["10,000", "20,000", "40,000"]
    assert all(int(line.split()[1]) > 0 for line in lines)


# ---------------------------------------------------------------------------------------------- benchmarks


def fences(text: str) -> list[tuple[str, str, int]]:
    """(language, body, offset of the opening fence) of every fenced block of a Markdown text."""
    blocks, opened, lang, body = [], None, "", []
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if opened is None:
                opened, lang, body = offset, line[3:].strip(), []
            else:
                blocks.append((lang, "".join(body), opened))
                opened = None
        elif opened is not None:
            body.append(line)
        offset += len(line)
    assert opened is None, "a fence is left open"
    return blocks


def _fenced_tables() -> list[tuple[str, str, str]]:
    """(doc, the record it names, block) for every fenced block in docs/ that quotes a benchmark's output: a block
    without a language whose text before it last names ``python benchmarks/X.py [ARGS]``."""
    out = []
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = path.read_text()
        for lang, body, start in fences(text):
            cmds = re.findall(r"`python benchmarks/(\w+)\.py([^`]*)`", text[:start])
            if not lang and cmds:
                script, args = cmds[-1]
                out.append((path.name, script + "".join("_" + a.lstrip("-") for a in args.split()), body))
    return out


def test_every_quoted_benchmark_table_is_recorded():
    tables = _fenced_tables()
    assert {name for _, name, _ in tables} >= {"bench_calibrate", "bench_decisions", "bench_unique_reach"}
    for path, name, block in tables:
        rec = record(name)
        for line in block.strip("\n").splitlines():
            assert line in rec, f"docs/{path}: a line of {name}'s table is not in its record: {line!r}"


def _table(rec: str, first: str) -> list[list[str]]:
    """The whitespace-split rows of the table whose header line starts with ``first`` (after indentation)."""
    lines = rec.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(first))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip() or not re.match(r"\s*\d", line):
            break
        rows.append(line.split())
    return rows


def test_the_calibration_prose_follows_from_its_record():
    rows = [[float(x) for x in r] for r in _table(record("bench_calibrate"), "creators/group")]
    text = doc("modelling.md")

    def cut(col):  # 1 - mse/raw, as a range of whole percents
        vals = sorted(round(100 * (1 - r[col])) for r in rows)
        return f"{vals[0]}-{vals[-1]}%"

    def span(col, digits=0):
        vals = sorted(round(100 * r[col]) for r in rows)
        return f"{vals[0]}-{vals[-1]}%"

    assert all(r[3] == 1 and r[6] == 1 for r in rows)  # "on every seed"
    said(text, f"cuts the squared error of reach rates by {cut(2)} and of engagement rates by {cut(5)}, on every "
               f"seed; of conversion rates (a very skewed Beta here: a few creators convert five times the median) "
               f"by {cut(8)}, on {span(9)} of seeds")
    said(text, f"The 90% intervals cover {span(4)} (reach), {span(7)} (engagement) and {span(10)} (conversion)")
    seconds = sorted(r[11] for r in rows)
    said(text, f"A calibration of 120-300 creators took {seconds[0]:.1f}-{seconds[-1]:.1f} s")


def _decisions(name: str) -> tuple[list[list[str]], str]:
    rec = record(name)
    return _table(rec, "seed") if "seed " in rec else [], rec


def test_the_decision_prose_follows_from_its_record():
    rows, rec = _decisions("bench_decisions")
    text = doc("modelling.md")
    num = [[float(x.replace(",", "")) for x in r[2:]] for r in rows]
    n = len(num)
    arms = [r[:6] for r in num]  # calibrated, raw, greedy ROIS, nano greedy, engagement, biggest
    means = [sum(a[k] for a in arms) / n for k in range(6)]
    cal_best = [a[0] >= max(a[1:]) for a in arms]
    bayes_best = [r[6] >= max(r[1:6]) for r in num]
    said(text, f"earns {pct(means[0] / max(means[1:]) - 1)} more true profit than the best heuristic on average")
    promises = sorted(r[8] for r in num)
    said(text, f"(promise / truth {sum(promises) / n:.2f}; the raw averages promise "
               f"{sum(r[9] for r in num) / n:.1f}x what they earn")
    said(text, f"It is the best arm in {sum(cal_best)} of {n} markets")
    bayes = sum(r[6] for r in num) / n
    said(text, f"earns only {pct(bayes / means[0] - 1, 1)} more than the calibrated plan and is the best arm in "
               f"{sum(bayes_best)} of {n} markets")
    lost = sorted((a[0] / max(a[1:]) - 1 for a, best in zip(arms, cal_best, strict=True) if not best), reverse=True)
    close = [x for x in lost if x > -0.005]
    far = [x for x in lost if x <= -0.005]
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    said(text, f"({words[len(close)]} of the {words[len(lost)]} markets lost are within 0.5%)")
    said(text, "(" + ", ".join(pct(x, 1) for x in far) + " in the other two)")
    assert len(far) == 2
    shares = []
    for creators in (150, 600):
        summary = record(f"bench_decisions_creators_{creators}_quiet")
        shares.append(re.search(r"calibrated at least every other arm: (\d+)% of markets", summary).group(1))
    said(text, f"with 150 or 600 creators a market the share is {shares[0]}% and {shares[1]}%")
    worst = max(range(n), key=lambda i: num[i][8])
    assert rows[worst][1] == "megas"
    said(text, f"(promise / truth {num[worst][8]:.2f} in one market of mega creators without posts")
    assert all(r[10] <= r[11] for r in num)  # "at or below the true P5 in every market"
    assert "promised P5 at or below the true P5: 100% of markets" in rec


# ------------------------------------------------------------------------------------------ command templates

PLACEHOLDERS = {
    "POSTS": str(SCENARIOS / "skincare_posts.csv"),
    "SHORTLIST": str(SCENARIOS / "skincare_shortlist.csv"), "LOG": str(SCENARIOS / "skincare_touchpoints.csv"),
    "N": "2", "K": "2", "S": "7", "G": "0.001", "DAYS": "180", "KEY=VALUE": "roi=2",
    "ID,ID,...": "in-nano-002,in-nano-003", "...": "",
}
SMALL = {"--runs": "500", "--frontier": "2", "--points": "2", "--sweep": "10000:20000:10000",
         "--budgets": "10000:20000:10000", "--time-limit": "30"}


def instantiate(template: str, out: Path, scenarios: dict[str, Path] | None = None) -> list[str]:
    """A command of the guide's table made concrete: every optional part taken (the first choice where it offers
    several), placeholders filled with shipped files (``scenarios``: SCENARIO, A.yaml and B.yaml) and small sizes,
    outputs under ``out``."""
    fill = {**PLACEHOLDERS, **{k: str(v) for k, v in (scenarios or {}).items()}}
    template = template.replace("\\|", "|")
    words = re.sub(r"[\[\]]", " ", template).split()[1:]  # the options, unbracketed; drop "influencer-mix"
    argv, i = [], 0
    while i < len(words):
        w = words[i]
        w = w.split("|")[0] if "|" in w and not w.startswith("--") else w
        if w in ("--out", "-o", "--report"):
            argv += [w, str(out / {"-o": "calibrated.csv", "--report": "calibration.json"}.get(w, "out"))]
            i += 2
            continue
        if w in SMALL and i + 1 < len(words) and not words[i + 1].startswith("-"):
            argv += [w, SMALL[w]]
            i += 2
            continue
        value = fill.get(w, w)
        if value:
            argv.append(value)
        i += 1
    return argv


def test_every_command_of_the_guide_runs(tmp_path):
    """Each command line of docs/guide.md's table, with every option it shows, runs and exits 0."""
    import contextlib
    import io

    from optimizer.cli import main

    shortlist = pd.read_csv(SCENARIOS / "skincare_shortlist.csv").head(30)  # 30 creators: --explain prices each
    shortlist.to_csv(tmp_path / "small.csv", index=False)
    rules = "constraints: {platforms: {tiktok: {max_share: 0.5}}, max_count: 12}"
    scenarios = {}
    for key, objective in (("SCENARIO", "profit"), ("A.yaml", "profit"), ("B.yaml", "reach")):
        scenarios[key] = tmp_path / f"{objective}.yaml"
        scenarios[key].write_text(f"budget: 3000\ncandidates: small.csv\nobjective: {objective}\n{rules}\n")
    text = (ROOT / "docs" / "guide.md").read_text()
    templates = re.findall(r"^\| `(influencer-mix [^`]+)` \|", text, flags=re.M)
    assert {t.split()[1] for t in templates} == {"run", "compare", "simulate", "frontier", "sweep", "calibrate",
                                                "validate"}
    for n, template in enumerate(templates):
        (tmp_path / str(n)).mkdir()
        argv = instantiate(template, tmp_path / str(n), scenarios)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(argv)
        assert code == 0, (template, argv, err.getvalue())


def test_the_awareness_scenarios_simulated_reach_is_as_quoted():
    """modelling.md: shared shocks pull the simulated mean of unique reach below the estimate, by the quoted share
    on the shipped awareness scenario (its own simulation settings)."""
    simulated, _ = _plans()
    s = simulated("skincare_awareness.yaml").simulation
    below = 1 - s.metrics["unique_reach"].mean / s.expected["unique_reach"]
    assert below > 0
    said(doc("modelling.md"), f"{pct(below, 1)} on the shipped scenario")


# --------------------------------------------------------------------------------------------------- speed.md


def _rows(rec: str, pattern: str) -> list[tuple[str, ...]]:
    return [m.groups() for m in re.finditer(pattern, rec, flags=re.M)]


def test_the_solve_figures_follow_from_the_record():
    rec = record("bench_solve")
    rows = {(int(n), impl.strip()): float(total) for n, impl, total in
            _rows(rec, r"^\s*(\d+)\s+((?:obvious|ours)[^\d]+?)\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+(?:[\d.]+x|-)")}
    n = max(k[0] for k in rows if k[1].startswith("obvious"))  # the largest size the obvious model is run at
    cbc, highs = rows[(n, "ours: arrays + fixing + CBC")], rows[(n, "ours: arrays + fixing + HiGHS")]
    obvious, plain = rows[(n, "obvious: PuLP rows + CBC")], rows[(n, "ours: arrays + CBC, no fixing")]
    free, total = re.search(rf"(\d+) of {n} variables left", rec).group(1), f"{n:,}"
    seconds = float(re.search(rf"validating the {total}-row shortlist took ([\d.]+) s", rec).group(1))
    said(doc("speed.md"), f"At {total} candidates the plan took {cbc:.2f} s with CBC ({highs:.2f} s with HiGHS), "
                          f"{obvious / cbc:.0f}x faster than the row-by-row model's {obvious:.2f} s, with {free} "
                          f"variables left after reduced-cost fixing; reading and validating the shortlist took "
                          f"{seconds:.2f} s. Without the fixing CBC took {plain:.2f} s.")
    said(doc("modelling.md"), f"In `bench_solve.py`'s record {total} candidates left {free} free")
    big = max(k[0] for k in rows)
    assert big == 1_000_000 and (big, "obvious: PuLP rows + CBC") not in rows
    cbc_big, highs_big = rows[(big, "ours: arrays + fixing + CBC")], rows[(big, "ours: arrays + fixing + HiGHS")]
    free_big = re.search(rf"(\d+) of {big} variables left", rec).group(1)
    seconds_big = float(re.search(rf"validating the {big:,}-row shortlist took ([\d.]+) s", rec).group(1))
    said(doc("speed.md"), f"At {big:,} candidates (the obvious model is not run) the plan took {cbc_big:.2f} s with "
                          f"CBC ({highs_big:.2f} s with HiGHS), {free_big} variables left after the fixing; "
                          f"validating took {seconds_big:.2f} s.")


def test_the_default_back_end_follows_from_the_knapsack_record():
    """The knapsack table's counts, and the default it justifies, are what the record says."""
    rows = _rows(record("bench_solve_knapsacks"), r"^([a-z ]+?)\s+(\d+)\s+([\d,]+) \|\s+([\d.]+)\s+(\w+)\s+(\S+) \|"
                                                  r"\s+([\d.]+)\s+(\w+)\s+(\S+) \|")
    assert len(rows) == 10
    cbc = {(k, h) for k, h, _, _, status, *_ in rows if status == "optimal"}
    highs = {(k, h) for k, h, *_, status, _ in rows if status == "optimal"}
    everything = {(k, h) for k, h, *_ in rows}
    only_highs = highs - cbc
    assert all(float(r[5]) <= 1e-4 and float(r[8]) <= 1e-4 for r in rows)  # the stopped ones had the optimum too
    (kind, h), = only_highs
    seconds = next(r[6] for r in rows if (r[0], r[1]) == (kind, h))
    words = {1: "1", 2: "2", 3: "3"}
    said(doc("speed.md"), f"CBC proved {len(cbc)} of the {len(rows)} optimal within 60 s and HiGHS {len(highs)}; CBC "
                          f"alone proved {words[len(cbc - highs)]}, HiGHS alone {words[len(only_highs)]} ({kind}, "
                          f"h = {h}, in {seconds} s), and neither proved the tight inverse strongly correlated one.")
    neither = everything - cbc - highs
    assert neither == {("inverse strongly correlated", "1")}
    from optimizer.io.scenario import SolverSettings

    assert len(cbc) >= len(highs) and SolverSettings().name == "cbc"  # the default, by this measurement


def test_the_end_to_end_figures_follow_from_the_record():
    """The issue's targets (100,000 rows read and validated under 0.5 s and planned end to end under 2 s; 1,000,000
    end to end under 20 s and 4 GB) checked against the record, and the prose quoting it."""
    rows = {(int(n.replace(",", "")), kind): tuple(float(v.replace(",", "")) for v in rest) for n, kind, *rest in
            _rows(record("bench_solve_end-to-end_100000_1000000"),
                  r"^\s*([\d,]+)\s+(csv|parquet)\s+([\d.]+)\s+([\d.]+) \|\s+([\d.]+)\s+([\d,]+) \|\s+([\d.]+)\s+"
                  r"([\d,]+) \|")}
    assert len(rows) == 4
    small, big = rows[(100_000, "csv")], rows[(1_000_000, "csv")]
    assert small[0] < 0.5 and small[0] + small[1] < 2  # read + validate; and with the plan, in this process
    assert all(v[2] < 20 and v[3] < 4096 for (n, _), v in rows.items() if n == 1_000_000)
    said(doc("speed.md"), f"At 100,000 candidates reading and validating the CSV took {small[0]:.2f} s and the plan "
                          f"{small[1]:.2f} s; `run --format json`, a fresh process from start to the printed JSON, "
                          f"took {small[2]:.2f} s. At 1,000,000 it took {big[2]:.2f} s from the CSV and "
                          f"{rows[(1_000_000, 'parquet')][2]:.2f} s from Parquet, at most "
                          f"{max(big[3], rows[(1_000_000, 'parquet')][3]):,.0f} MB.")
    said(doc("speed.md"), f"that took {big[4]:.2f} s at 1,000,000.")


def test_the_frontier_figures_follow_from_the_record():
    rows = {name.strip(): (float(sec), int(kept)) for name, sec, kept in
            _rows(record("bench_risk_frontier"), r"^(dense rows|cuts)\s+([\d.]+)\s+10\s+(\d+)\s")}
    (dense, kept_dense), (cuts, kept_cuts) = rows["dense rows"], rows["cuts"]
    assert kept_dense == kept_cuts and cuts < 5  # the target: the skincare frontier under 5 s
    said(doc("speed.md"), f"The frontier took {cuts:.2f} s with the cuts and {dense:.2f} s with the dense rows, with "
                          f"the same {kept_cuts} distinct mixes.")


def test_the_simulation_figures_follow_from_the_record():
    rows = [tuple(float(x.replace(",", "")) for x in r) for r in _rows(
        record("bench_simulate"), r"^\s*([\d,]+)\s+([\d,]+) \|\s+([\d.]+)\s+([\d.]+)\s+([\d.]+) \|\s+([\d.]+) \|"
                                  r"\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)")]
    assert len(rows) == 2
    (c1, r1, _, _, ratio1, _, _, one1, two1), (c2, r2, _, _, ratio2, _, _, one2, two2) = rows
    def span(a: float, b: float) -> str:
        lo, hi = f"{min(a, b):.0f}", f"{max(a, b):.0f}"
        return lo if lo == hi else f"{lo}-{hi}"

    said(doc("speed.md"), f"With one thread the simulator took {ratio1:.2f}x and {ratio2:.2f}x the time of the bare "
                          f"draws ({c1:,.0f} creators x {r1:,.0f} runs; {c2:,.0f} x {r2:,.0f}), {span(one1, one2)} "
                          f"million variates per second, and {span(two1, two2)} million with two threads.")
    peak = re.search(r"peak RSS (\d+) MB", record("bench_simulate_memory_1000000_1000")).group(1)
    said(doc("speed.md"), f"`--memory 1000000 1000` measures the peak: {peak} MB resident for 1,000,000 runs x "
                          "1,000 creators")


def test_the_unique_reach_figures_follow_from_the_record():
    rec = record("bench_unique_reach")
    rows = _rows(rec, r"^\s*([\d,]+) x (\d+)\s+([\d.]+) optimal \S+\s+([\d.]+) optimal \S+\s+([\d.]+)\s+([\d.]+)\s+"
                      r"([\d,]+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)")
    assert len(rows) == 2
    size, segs, cbc, highs, _, ratio, unique, reach, greedy, _, sim_ratio, sim_mean, creators = rows[-1]
    f = {k: float(v.replace(",", "")) for k, v in dict(unique=unique, reach=reach, greedy=greedy).items()}
    said(doc("speed.md"), f"{size} candidates x {segs} segments plan in {float(cbc):.1f} s with CBC "
                          f"({float(highs):.1f} s with HiGHS), {float(ratio):.1f}x the linear plan; the mix chosen "
                          f"for plain reach reaches {pct(1 - f['reach'] / f['unique'], 2)} fewer people and greedy "
                          f"{pct(1 - f['greedy'] / f['unique'])} fewer. Simulating the chosen mix ({creators} "
                          f"creators, 20,000 runs) with who is reached drawn took {float(sim_ratio):.1f}x as long as "
                          "without.")
    below = [pct(x, 1) for x in sorted(1 - float(r[11]) for r in rows)]
    said(doc("modelling.md"), f"({below[0]} and {below[1]} in `bench_unique_reach.py`'s record, `speed.md`")


def test_the_risk_figures_follow_from_the_records():
    rec = record("bench_risk_speed")
    speed = _rows(rec, r"^\s*([\d,]+)\s+([\d,]+) \|\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x\s+([\d.]+)x\s+\S+\s+"
                       r"([\d.]+)\s+\S+ \|.*\(cuts (\w+); dense (\w+); obvious (\w+); highs (\w+)\)")
    assert len(speed) == 2
    (n1, s1, _, _, cuts1, vs_dense1, vs_pulp1, hi1, *st1) = speed[0]
    (n2, s2, _, dense2, cuts2, vs_dense2, vs_pulp2, hi2, *st2) = speed[1]
    assert set(st1) == set(st2) == {"optimal"}
    text = doc("speed.md")
    said(text, f"{n1} candidates x {s1} runs took {cuts1} s with the cuts ({vs_dense1}x faster than the dense rows, "
               f"{vs_pulp1}x than row-by-row PuLP) and {n2} x {s2} took {cuts2} s ({vs_dense2}x, {vs_pulp2}x). HiGHS "
               f"with the cuts took {hi1} s and {hi2} s")
    said(doc("modelling.md"), f"candidates x 2,000 runs went from {dense2} s to {cuts2} s with CBC (`speed.md`)")
    big = _rows(rec, r"^\s*([\d,]+)\s+([\d,]+) \|\s+-\s+-\s+([\d.]+)\s+-\s+-\s+(\S+)\s+([\d.]+)\s+(\S+) \|"
                     r".*\(cuts (\w+); highs (\w+)\)")
    assert len(big) == 1
    n3, s3, cuts3, gap3, hi3, hgap3, *st3 = big[0]
    assert set(st3) == {"optimal"} and max(float(gap3), float(hgap3)) <= 1e-3  # the 0.1%
    assert max(float(cuts3), float(hi3)) < 60  # the target, in the record
    said(text, f"{n3} candidates x {s3} runs took {cuts3} s with CBC and {hi3} s with HiGHS, proven within "
               f"{pct(float(gap3), 2)} and {pct(float(hgap3), 2)}")
    said(doc("modelling.md"), f"{n3} candidates x {s3} runs plan in {cuts3} s")
    from optimizer.model.risk import CUTS_FROM

    said(text, f"the aggregated cuts (the default from {CUTS_FROM:,} coefficients)")
    rows = {int(r[0].replace(",", "")): (float(r[1]), float(r[2].replace(",", "")), float(r[3].replace(",", "")),
                                         [float(v.replace(",", "")) for v in r[4].split(", ")])
            for r in _rows(record("bench_risk_quality"),
                           r"^\s*([\d,]+) \|\s+([\d.]+) \|\s+([\d,]+)\s+([\d,]+)\s+\S+ \|\s+([\d, ]+)$")}
    few, default, most = min(rows), 1_000, max(rows)
    spread = max((max(v[3]) - min(v[3])) / max(v[3]) for k, v in rows.items() if k >= default)
    said(text, f"{few:,} runs flatter the mix by {pct(rows[few][1] / rows[few][2] - 1)} in sample and lose "
               f"{pct(1 - rows[few][2] / rows[most][2], 1)} of the fresh-run CVaR that {most:,} runs reach; from "
               f"{default:,} runs the seeds agree within {pct(spread, 1)}, and "
               f"{most:,} runs gain {pct(rows[most][2] / rows[default][2] - 1, 1)} for "
               f"{rows[most][0] / rows[default][0]:.1f}x the time, hence the default `risk.scenarios: {default}`.")
    from optimizer.io.scenario import RiskSettings

    assert RiskSettings().scenarios == default


def test_the_simulation_limit_is_quoted_with_its_measured_time():
    from optimizer.utils.sizing import CREATOR_RUNS

    seconds = float(re.search(r"([\d.]+) s with 2 threads", record("bench_simulate_memory_1000000_1000")).group(1))
    assert CREATOR_RUNS == 1_000_000 * 1_000
    said(doc("guide.md"), f"(default 1e9; 1,000,000 runs x 1,000 creators took {seconds / 60:.0f} minutes with two "
                          "threads in `speed.md`)")


def test_the_knapsack_benchmarks_optimum_is_exact():
    """The dynamic programme that gives ``bench_solve.py --knapsacks`` its optima, against enumeration (both of its
    tables: over the capacity, and over the profit when the capacity is the larger), and the solver on one of the
    benchmark's own classes at a size enumeration reaches."""
    import itertools
    import sys

    import numpy as np

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_solve import KNAPSACK_CLASSES, knapsack_model, knapsack_optimum

    from optimizer.solve import solve

    rng = np.random.default_rng(0)
    X = np.array(list(itertools.product([0, 1], repeat=10)))
    for _ in range(100):
        p, w = rng.integers(1, 50, 10), rng.integers(1, 50, 10)
        c = int(rng.integers(1, w.sum()))
        best = int(np.max(np.where(X @ w <= c, X @ p, 0)))
        assert knapsack_optimum(p, w, c) == best  # over the capacity (c <= sum p here)
        assert knapsack_optimum(p, w * 1000, c * 1000) == best  # over the profit (the capacity is larger)
    for kind, make in KNAPSACK_CLASSES.items():
        p, w = (np.asarray(v, np.int64) for v in make(np.random.default_rng(1), 10, 100))
        c = int(w.sum()) // 2
        best = int(np.max(np.where(X @ w <= c, X @ p, 0)))
        assert knapsack_optimum(p, w, c) == best, kind
        assert solve(knapsack_model(p, w, c), "cbc", gap=0.0).value == pytest.approx(best), kind


def test_the_boost_figures_follow_from_the_record():
    """docs/speed.md's prose on paid boosts: the 10,000-creator times, ratio and gap, and the 100,000 rows: stopped
    by the limit, within it, with the proven gap and the boosts quoted."""
    rows = {(r[0], r[1]): r for r in _table(record("bench_amplification"), "creators")}
    cbc, highs = rows[("10,000", "cbc")], rows[("10,000", "highs")]
    text = doc("speed.md")
    said(text, f"At 10,000 creators choosing the boosts with the creators took {cbc[6]} s with CBC against {cbc[3]} s "
               f"without boosts ({cbc[9]}), proven to {cbc[8]}; HiGHS took {highs[6]} s.")
    big = rows[("100,000", "cbc")]
    for s in ("cbc", "highs"):
        r = rows[("100,000", s)]
        assert r[7] == "time_limit" and float(r[8]) <= 1e-4 and float(r[6]) < 120 * 1.1 + 10  # the limit held
    said(text, "At 100,000 creators both back ends stop at the 120 s limit: the plan says `time_limit` (never "
               f"optimal) with its proven gap, {big[8]} with CBC, boosting {big[12]} creators' posts.")
