#!/usr/bin/env python3
"""Independent check of the matching engine's optimum with OR-Tools' min-cost flow.

Usage (from the repository root):

    cargo run --release -p jiceng-domain --example bench_matching -- \
        --needs 2000 --resources 500 --export /tmp/matching_instance.json
    python3 bench/matching/check_ortools.py /tmp/matching_instance.json

The script creates a virtual environment under /tmp (once), installs `ortools` from
PyPI into it and re-runs itself there. The instance (quantities, capacities, arcs with
their value per unit, and the engine's optimum) is solved as a min-cost flow:

    source -> need i        capacity q_i, cost 0
    need i -> resource j    capacity min(q_i, c_j), cost -value
    resource j -> sink      capacity c_j, cost 0
    source -> sink          capacity sum(q), cost 0   (units left unmet)

with supply sum(q) at the source and demand sum(q) at the sink. The optimum value is
minus the minimum cost; it must equal the engine's total.
"""

import json
import os
import subprocess
import sys
import time

VENV = "/tmp/jiceng-ortools-venv"


def ensure_ortools():
    try:
        import ortools  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("JICENG_ORTOOLS_VENV") == "1":
        sys.exit("ortools is still missing inside the virtual environment")
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "--quiet", "ortools"])
    env = dict(os.environ, JICENG_ORTOOLS_VENV="1")
    os.execve(py, [py] + sys.argv, env)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ensure_ortools()
    from ortools.graph.python import min_cost_flow

    with open(sys.argv[1], encoding="utf-8") as f:
        inst = json.load(f)
    q = inst["quantity"]
    c = inst["capacity"]
    n, m = len(q), len(c)
    source, sink = n + m, n + m + 1
    total = sum(q)

    smcf = min_cost_flow.SimpleMinCostFlow()
    for i, qi in enumerate(q):
        smcf.add_arc_with_capacity_and_unit_cost(source, i, qi, 0)
    for i, j, v in inst["arcs"]:
        smcf.add_arc_with_capacity_and_unit_cost(i, n + j, min(q[i], c[j]), -v)
    for j, cj in enumerate(c):
        smcf.add_arc_with_capacity_and_unit_cost(n + j, sink, cj, 0)
    smcf.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)
    smcf.set_node_supply(source, total)
    smcf.set_node_supply(sink, -total)

    started = time.time()
    status = smcf.solve()
    elapsed = time.time() - started
    if status != smcf.OPTIMAL:
        sys.exit(f"OR-Tools did not reach an optimum (status {status})")
    optimum = -smcf.optimal_cost()
    engine = inst["total_value"]
    print(f"instance        {n} needs, {m} resources, {len(inst['arcs'])} arcs")
    print(f"OR-Tools        {optimum}  ({elapsed:.3f} s)")
    print(f"jiceng engine   {engine}")
    if optimum != engine:
        print("MISMATCH")
        sys.exit(1)
    print("equal")


if __name__ == "__main__":
    main()
