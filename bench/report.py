"""Write bench/RESULTS.md from a run's measurements (bench/NOTES.md, kept by hand, follows
with profiles and the before/after of every fix)."""

import os
import statistics
from pathlib import Path

# Issue 17's targets: with connections kept, every page at 0.30 of the bare view (the long
# term goal 0.5); with a new connection per request (where the bare view pays for it too),
# every page at 0.45.
TARGETS = {"persistent": 0.30, "per request": 0.45}
GOAL = 0.5
DEADLINE_TARGET = 600
REPUTATION_TARGET = 30
YARDSTICKS = ("bare view", "bare view, no middleware")


def _med(values) -> float:
    return statistics.median(values)


def _spread(values, digits: int = 2) -> str:
    return f"{_med(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _ratios(runs, bare) -> tuple[list, list]:
    """Round by round against the bare view of the same round: req/s ÷ bare req/s, and bare
    p50 ÷ page p50 (1.0: as fast as the bare view)."""
    return ([r["rps"] / b["rps"] for r, b in zip(runs, bare, strict=True)],
            [b["p50"] / r["p50"] for r, b in zip(runs, bare, strict=True)])


def _worst_ratio(runs, bare) -> float:
    r_rps, r_p50 = _ratios(runs, bare)
    return min(_med(r_rps), _med(r_p50))


def _pages(section: dict, before: dict | None) -> list[str]:
    results, target = section["results"], TARGETS[section["mode"]]
    bare = results["bare view"]
    lines = [f"| page | path | req/s | ratio req/s | p50 ms | ratio p50 | p95 ms | target ≥ "
             f"{target} | to the 0.5 goal | before |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, runs in results.items():
        if name in YARDSTICKS:
            continue
        r_rps, r_p50 = _ratios(runs, bare)
        worst = min(_med(r_rps), _med(r_p50))
        verdict = "met" if worst >= target else "**missed**"
        to_goal = "reached" if worst >= GOAL else f"{GOAL - worst:.2f} to go"
        earlier = "—"
        if before and name in before["results"]:
            earlier = f"{_worst_ratio(before['results'][name], before['results']['bare view']):.2f}"
        lines.append(
            f"| {name} | `{section['pages'][name]}` | {_spread([r['rps'] for r in runs], 0)} | "
            f"{_spread(r_rps)} | {_spread([r['p50'] * 1000 for r in runs], 1)} | "
            f"{_spread(r_p50)} | {_spread([r['p95'] * 1000 for r in runs], 1)} | {verdict} | "
            f"{to_goal} | {earlier} |")
    return lines


def _middleware_cost(results: dict) -> list[float]:
    bare, naked = results["bare view"], results["bare view, no middleware"]
    return [b["rps"] / n["rps"] for b, n in zip(bare, naked, strict=True)]


def _yardsticks(section: dict, before: dict | None) -> list[str]:
    results = section["results"]
    cost = _middleware_cost(results)
    earlier = ""
    if before and "bare view, no middleware" in before["results"]:
        earlier = (f" Before (commit `{before['commit']}`): "
                   f"{_spread(_middleware_cost(before['results']))}.")
    return [
        "| yardstick | req/s | p50 ms | p95 ms |", "|---|---|---|---|",
        *(f"| {name} (`{section['pages'][name]}`) | {_spread([r['rps'] for r in results[name]], 0)}"
          f" | {_spread([r['p50'] * 1000 for r in results[name]], 2)} | "
          f"{_spread([r['p95'] * 1000 for r in results[name]], 2)} |" for name in YARDSTICKS),
        "",
        f"The middleware stack (sessions, authentication, CSRF, security headers, CSP, the "
        f"second-factor, bad-input, body-limit and time-zone middleware) serves the bare "
        f"logged-in view at {_spread(cost)} of the rate of the same view with no middleware "
        f"at all (median of the rounds' ratios).{earlier}",
    ]


def _before_section(baseline: dict | None, mode: str) -> dict | None:
    if not baseline:
        return None
    for section in baseline.get("pages", []):
        if section["mode"] == mode:
            return {**section, "commit": baseline.get("commit", "unknown")}
    return None


def _load(load) -> list[str]:
    if load is None:
        return []
    return [f"Load average (1 min) when the run started: {load} on {os.cpu_count()} CPUs "
            "(other work on the machine slows every figure).", ""]


def write(report: dict, path: Path, baseline: dict | None = None) -> None:
    args = report["args"]
    out = ["# Benchmark results", "",
           f"Run on {report['date']} at commit `{report['commit']}`, scale {report['scale']} "
           "(1.0 is the full size).", "", f"Machine: {report['machine']}.", "",
           *_load(report.get("load")),
           f"Command: `bench/run {' '.join(report.get('argv', []))}` (it creates its own "
           "database).", ""]
    def provenance(name: str) -> list[str]:
        """Which run measured a section (sections may come from separate `--only` runs)."""
        m = report.get("measured", {}).get(name)
        if not m or (m.get("commit") == report["commit"] and m.get("date") == report["date"]):
            return []
        return [f"Measured on {m['date']} at commit `{m['commit']}`, scale {m['scale']} "
                f"(`bench/run {' '.join(m.get('argv') or [])}`).", "", *_load(m.get("load"))]

    if "pages" in report:
        out += ["## Pages", "", *provenance("pages"),
                "Logged-in GETs driven by `wrk` (one thread, "
                f"{args['connections']} keep-alive connections, {args['seconds']:g} s per page "
                f"and round, {args['rounds']} interleaved rounds in a different order each "
                "round, after a warm-up) against gunicorn (2 sync workers, production settings) "
                "on PostgreSQL. Each figure is the median over rounds, with the range in "
                "brackets. Ratios compare each page with the bare logged-in view (`/bench/bare/`:"
                " same server, same middleware, session and user lookup, no application work) "
                "measured in the same round; 1.0 means as fast as the bare view. A page meets "
                "its target when both its req/s ratio and its p50 ratio do.", ""]
        if baseline:
            out += [f"The *before* column is the same page's worse ratio in the run at commit "
                    f"`{baseline.get('commit', 'unknown')}` ({baseline.get('date', '')}, scale "
                    f"{baseline.get('scale')}), before this round's work on the pages.", ""]
        for section in report["pages"]:
            before = _before_section(baseline, section["mode"])
            out += [f"### With {section['description']}", "", *_pages(section, before), "",
                    *_yardsticks(section, before), ""]
    if "deadlines" in report:
        d = report["deadlines"]
        out += ["## process_deadlines", "", *provenance("deadlines"),
                "Due items written in bulk (half offers past their deadline, half submitted "
                "milestones past their review period, funded through the ledger), then handled "
                "through the real services by `manage.py process_deadlines` processes on "
                "PostgreSQL (each item: row locks, state change, ledger transaction for "
                "releases, event, notifications and their queued mail).", "",
                "| workers | items | handled | seconds | items/s | target |",
                "|---|---|---|---|---|---|"]
        for workers, run in sorted((int(w), run) for w, run in d.items()):
            target = "—" if workers == 1 else (
                f"met (≥ {DEADLINE_TARGET})" if run["rate"] >= DEADLINE_TARGET
                else f"**missed** (≥ {DEADLINE_TARGET})")
            out.append(f"| {workers} | {run['items']} | {run['handled']} | {run['seconds']:.1f} "
                       f"| {run['rate']:.0f} | {target} |")
        out.append("")
    if "reputation" in report:
        r = report["reputation"]
        out += ["## recompute_reputation", "", *provenance("reputation"),
                f"{r['users']} users, {r['ended']} ended contracts, {r['feedback']} feedback "
                "rows; `manage.py recompute_reputation` run twice (the second replaces every "
                "score).", "", "| run | seconds | target |", "|---|---|---|"]
        for i, seconds in enumerate(r["runs"], start=1):
            verdict = (f"met (< {REPUTATION_TARGET} s)" if seconds < REPUTATION_TARGET
                       else f"**missed** (< {REPUTATION_TARGET} s)")
            out.append(f"| {i} | {seconds:.1f} | {verdict} |")
        out += ["", f"Best: {min(r['runs']):.1f} s.", ""]
    notes = path.parent / "NOTES.md"
    if notes.exists():
        out += [notes.read_text()]
    path.write_text("\n".join(out) + "\n")
