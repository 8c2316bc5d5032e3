"""The cluster path (issue 17, item 6): the independent solves run on a Dask cluster (a LocalCluster here, as a
planner's laptop or an agency's scheduler would be) give the numbers of the single-process run with the same seed."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from conftest import SCENARIOS

from optimizer import compare, load_scenario
from optimizer.analysis.frontier import frontier
from optimizer.analysis.sweep import sweep
from optimizer.cli import main

pytestmark = pytest.mark.xdist_group("cluster")  # one cluster per worker process that runs these


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as client:
        yield lc, client


def _timeless(doc):
    """A JSON document without its timings (seconds differ from run to run, wherever it runs)."""
    if isinstance(doc, dict):
        return {k: _timeless(v) for k, v in doc.items() if k != "seconds"}
    if isinstance(doc, list):
        return [_timeless(v) for v in doc]
    return doc


def _points(result) -> list:
    return _timeless(result.to_dict()["points"])


def test_sweep_and_frontier_on_a_cluster_equal_the_local_run(cluster):
    _, client = cluster
    sc = load_scenario(SCENARIOS / "skincare_launch.yaml")
    budgets = [8000, 12000, 16000]
    assert _points(sweep(sc, budgets, executor=client)) == _points(sweep(sc, budgets, jobs=1))
    risky = sc.with_changes(risk={"scenarios": 200, "seed": 3})
    on, here = frontier(risky, 3, executor=client), frontier(risky, 3, jobs=1)
    assert _points(on) == _points(here)
    assert len(on.points) >= 2 and all(p.cvar_out_of_sample is not None for p in on.points)  # the same fresh runs


def test_compared_scenarios_on_a_cluster_equal_the_local_run(cluster):
    _, client = cluster
    scenarios = [load_scenario(SCENARIOS / f) for f in ("skincare_launch.yaml", "skincare_reach.yaml")]
    sim = {"runs": 2000, "seed": 11}
    from optimizer.io.scenario import SimulationSettings

    settings = SimulationSettings(**sim)
    there = compare(scenarios, simulate=settings, executor=client).to_dict()
    here = compare(scenarios, simulate=settings).to_dict()
    assert _timeless(there) == _timeless(here)
    assert all(p["simulation"] is not None for p in there["plans"])


def test_the_command_line_runs_a_sweep_on_a_scheduler(cluster, tmp_path):
    lc, _ = cluster
    outs = []
    for extra in ([], ["--scheduler", lc.scheduler_address]):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(["sweep", str(SCENARIOS / "skincare_launch.yaml"), "--budgets", "8000:16000:4000",
                         "--format", "json", "--jobs", "1", *extra])
        assert code == 0
        doc = json.loads(printed.getvalue())
        outs.append([(p["budget"], p["selected"], p["objective_value"], p["prob_loss"]) for p in doc["points"]])
    assert outs[0] == outs[1]


def test_a_scheduler_that_does_not_answer_is_an_input_error(capsys):
    code = main(["sweep", str(SCENARIOS / "skincare_launch.yaml"), "--budgets", "8000", "--scheduler",
                 "tcp://127.0.0.1:9"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: command line: --scheduler tcp://127.0.0.1:9: no Dask scheduler answered")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_the_readme_cluster_block_runs_as_written(tmp_path):
    """README "On a cluster": the scheduler and worker started as written (on a free port), then the sweep and
    the comparison of every skincare scenario on it; the install line is what .ci/run does."""
    import glob
    import os
    import shlex
    import socket
    import subprocess
    import sys
    import time

    from conftest import ROOT

    text = (ROOT / "README.md").read_text()
    block = text[text.index("## On a cluster"):]
    start = block.index("```bash") + len("```bash\n")
    lines = [line.split("#")[0].strip() for line in block[start:block.index("```", start)].splitlines()]
    lines = [line for line in lines if line]
    assert lines[0].startswith("pip install -e '.[dask]'")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lines = [line.replace("8786", str(port)) for line in lines[1:]]
    started = []
    try:
        for line in lines[:2]:  # the scheduler and the worker, in the background as the block's '&' says
            argv = shlex.split(line.rstrip("&").strip())
            assert argv[0] == "dask"
            started.append(subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "dask"), *argv[1:]],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT))
            time.sleep(1.0)
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        for line in lines[2:]:
            argv = shlex.split(line)
            assert argv[0] == "influencer-mix"
            argv = [a for arg in argv[1:] for a in (sorted(glob.glob(str(ROOT / arg))) if "*" in arg else [arg])]
            printed = io.StringIO()
            cwd = os.getcwd()
            os.chdir(ROOT)
            try:
                with contextlib.redirect_stdout(printed):
                    assert main([*argv, "--format", "json"]) == 0, argv
            finally:
                os.chdir(cwd)
            doc = json.loads(printed.getvalue())
            if argv[0] == "sweep":
                assert doc["points"]
            elif argv[0] == "compare":
                assert len(doc["plans"]) == 5
            else:  # simulate: the mix's distribution, drawn on the workers
                assert doc["simulation"]["runs"] == 20000 and doc["comparison"]
    finally:
        for proc in reversed(started):
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()


def test_simulation_chunks_on_a_cluster_equal_the_local_run(cluster):
    """The chunks of runs drawn on the cluster's workers and merged here in run order: the same numbers, draws
    and per-creator risk shares as one process, for the mix and every alternative it is compared with."""
    _, client = cluster
    from optimizer import plan, simulate
    from optimizer.io.scenario import SimulationSettings

    sc = load_scenario(SCENARIOS / "skincare_launch.yaml")
    settings = SimulationSettings(runs=9000, seed=5)  # 9,000 runs: chunks of whole blocks and a ragged last one
    here = simulate(sc, settings=settings, keep_draws=True)
    there = simulate(sc, settings=settings, keep_draws=True, executor=client)
    assert _timeless(there.to_dict()) == _timeless(here.to_dict())
    assert all((there.draws[m] == here.draws[m]).all() for m in here.draws)
    assert there.contributions.equals(here.contributions)
    compared_here = plan(sc, simulate=settings).to_dict()
    compared_there = plan(sc, simulate=settings, executor=client).to_dict()
    assert _timeless(compared_there["comparison"]) == _timeless(compared_here["comparison"])
    assert len(compared_here["comparison"]) >= 4


def test_the_command_line_simulates_on_a_scheduler(cluster):
    lc, _ = cluster
    docs = []
    for extra in ([], ["--scheduler", lc.scheduler_address]):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(["simulate", str(SCENARIOS / "skincare_launch.yaml"), "--runs", "5000", "--seed", "2",
                         "--format", "json", *extra])
        assert code == 0
        docs.append(_timeless(json.loads(printed.getvalue())))
    assert docs[0] == docs[1]
