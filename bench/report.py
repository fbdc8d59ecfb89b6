"""Write bench/RESULTS.md from a run's measurements (and bench/NOTES.md, kept by hand, with
profiles and the before/after of every fix)."""

import statistics
from pathlib import Path

PAGE_TARGET = 0.3
DEADLINE_TARGET = 300
REPUTATION_TARGET = 30


def _spread(values) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def _pages(section: dict) -> list[str]:
    results = section["results"]
    bare = results["bare view"]
    lines = [
        "| page | path | req/s | ratio req/s | p50 ms | ratio p50 | p95 ms | ratio p95 | target ≥ 0.3 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        rps = [r["rps"] for r in runs]
        p50 = [r["p50"] * 1000 for r in runs]
        p95 = [r["p95"] * 1000 for r in runs]
        # Ratios are taken round by round against the bare view measured in the same round.
        r_rps = [r["rps"] / b["rps"] for r, b in zip(runs, bare, strict=True)]
        r_p50 = [b["p50"] / r["p50"] for r, b in zip(runs, bare, strict=True)]
        r_p95 = [b["p95"] / r["p95"] for r, b in zip(runs, bare, strict=True)]
        worst = min(statistics.median(r_rps), statistics.median(r_p50), statistics.median(r_p95))
        verdict = "—" if name == "bare view" else ("met" if worst >= PAGE_TARGET else "**missed**")
        lines.append(f"| {name} | `{section['pages'][name]}` | {_spread(rps)} | {_spread(r_rps)} | "
                     f"{_spread(p50)} | {_spread(r_p50)} | {_spread(p95)} | {_spread(r_p95)} | {verdict} |")
    return lines


def write(report: dict, path: Path) -> None:
    out = ["# Benchmark results", "",
           f"Run on {report['date']}, scale {report['scale']} (1.0 is the size issue 7 asks for).",
           "", f"Machine: {report['machine']}.", "",
           "Reproduce with `bench/run` (one command; it creates its own database).", ""]
    if "pages" in report:
        args = report["args"]
        out += ["## Pages", "",
                "Logged-in GETs against gunicorn (2 sync workers, production settings: WhiteNoise, "
                "CSP, security middleware) on PostgreSQL, from a load generator in another process "
                f"({args['concurrency']} concurrent clients, {args['requests']} requests per page "
                f"per round, {args['rounds']} interleaved rounds in a different order each round, "
                "after a warm-up). Each figure is the median over rounds, with the range in "
                "brackets. Ratios compare each page with the bare logged-in view "
                "(`/bench/bare/`: same server, same middleware, session and user lookup, no "
                "application work) measured in the same round: req/s ÷ bare req/s, and bare "
                "latency ÷ page latency, so 1.0 means as fast as the bare view.", ""]
        for section in report["pages"]:
            out += [f"### With {section['description']}", "", *_pages(section), ""]
    if "deadlines" in report:
        d = report["deadlines"]
        out += ["## process_deadlines", "",
                "Due items written in bulk (half offers past their deadline, half submitted "
                "milestones past their review period, funded through the ledger), then handled "
                "through the real services by `manage.py process_deadlines` processes on "
                "PostgreSQL (each item: row locks, state change, ledger transaction for "
                "releases, event, notifications; mail discarded).", "",
                "| workers | items | handled | seconds | items/s | target |", "|---|---|---|---|---|---|"]
        for workers, run in sorted(d.items()):
            target = "—" if workers == 1 else (
                "met (≥ 300)" if run["rate"] >= DEADLINE_TARGET else "**missed** (≥ 300)")
            out.append(f"| {workers} | {run['items']} | {run['handled']} | {run['seconds']:.1f} | "
                       f"{run['rate']:.0f} | {target} |")
        out.append("")
    if "reputation" in report:
        r = report["reputation"]
        best = min(r["runs"])
        out += ["## recompute_reputation", "",
                f"{r['users']} users, {r['ended']} ended contracts, {r['feedback']} feedback rows; "
                "`manage.py recompute_reputation` run twice (the second replaces every score).", "",
                "| run | seconds | target |", "|---|---|---|"]
        for i, seconds in enumerate(r["runs"], start=1):
            verdict = "met (< 30 s)" if seconds < REPUTATION_TARGET else "**missed** (< 30 s)"
            out.append(f"| {i} | {seconds:.1f} | {verdict} |")
        out += ["", f"Best: {best:.1f} s.", ""]
    notes = path.parent / "NOTES.md"
    if notes.exists():
        out += [notes.read_text()]
    path.write_text("\n".join(out) + "\n")
