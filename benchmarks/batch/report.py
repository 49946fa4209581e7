"""The report: per size the run's phases, the reads, the expiry, the writers and the comparison."""

from __future__ import annotations

from .common import TARGET_P99_MS, TARGET_SECONDS, MiB, fmt_size


def _f(x, spec=".2f"):
    return format(x, spec) if isinstance(x, (int, float)) else "–"


def print_report(doc: dict, out) -> None:
    out(f"# sandan batch benchmark (seed {doc['seed']}, writer for the run: {doc['writer']})")
    m = doc["machine"]
    out(f"machine: {m['cpus']} CPUs, load average {m['load_before'][0]:.2f} before, {m['load_after'][0]:.2f} after; "
        f"python {m['python']}; database: {m['database']}")
    for res in doc["results"]:
        city = res.get("city", {})
        out(f"\n## {fmt_size(res['size'])}: {city.get('projects')} open projects, {city.get('resources')} resources, "
            f"{city.get('units')} units, {city.get('communities')} communities "
            f"(loaded by COPY in {_f(city.get('load_seconds'), '.1f')} s; the database's first sweep, "
            f"untimed in the run, took {_f(city.get('first_sweep_seconds'), '.1f')} s)")
        run = res.get("run", {})
        if "error" in run:
            out(f"run: ERROR {run['error']}")
        elif run:
            ph = run["phases"]
            out("| phase | sweep | snapshot | solve | proposals | write | other | total | vs 30 s target | peak MiB |")
            out("|---|---|---|---|---|---|---|---|---|---|")
            out(f"| seconds | {_f(ph.get('sweep'), '.3f')} | {_f(ph.get('snapshot'), '.3f')} | "
                f"{_f(ph.get('solve'), '.3f')} | {_f(ph.get('proposals'), '.3f')} | {_f(ph.get('write'), '.3f')} | "
                f"{_f(run['other'], '.3f')} | "
                f"**{run['total']:.3f}** | {run['total'] / TARGET_SECONDS:.2f}x of target "
                f"({'met' if run['total'] <= TARGET_SECONDS else 'missed'}) | {run['peak_rss'] / MiB:.0f} |")
            inner = ", ".join(f"{k} {v:.3f} s" for k, v in ph.items() if "." in k)
            out(f"  inside: {inner}")
            out(f"  run #{run['run_id']} ({run['writer']} writer, nice {run.get('nice', 0)}): "
                f"{run['projects']} projects, {run['resources']} resources in the snapshot; "
                f"{run['proposed']} proposed, skipped {run['skipped']}, "
                f"unmatched {run['unmatched']}, plan {run['status']}")
        idle, during = res.get("reads_idle"), res.get("reads_during_run")
        if during:
            out("| reads | requests | errors | p50 ms | p95 ms | p99 ms | max ms |")
            out("|---|---|---|---|---|---|---|")
            for label, r in (("idle, before the run", idle), ("during the run", during)):
                out(f"| {label} | {r['requests']} | {r['errors']} | {_f(r.get('p50_ms'), '.1f')} | "
                    f"{_f(r.get('p95_ms'), '.1f')} | {_f(r.get('p99_ms'), '.1f')} | {_f(r.get('max_ms'), '.1f')} |")
            if "p99_ms" in during:
                verdict = "met" if during["p99_ms"] <= TARGET_P99_MS and not during["errors"] else "missed"
                ratio = during["p99_ms"] / idle["p99_ms"] if idle.get("p99_ms") else float("nan")
                out(f"  p99 during the run {during['p99_ms']:.1f} ms vs 300 ms target: "
                    f"{during['p99_ms'] / TARGET_P99_MS:.2f}x of target ({verdict}); {ratio:.1f}x the idle p99")
                worst = max(during["by_endpoint"].items(), key=lambda kv: kv[1]["p99_ms"])
                out(f"  slowest endpoint during the run: {worst[0]} (p99 {worst[1]['p99_ms']:.1f} ms)")
        expiry = res.get("expiry", {})
        if "error" in expiry:
            out(f"expiry: ERROR {expiry['error']}")
        elif expiry:
            out(f"  the sweep two days later, nobody having answered: {expiry['expired']} of {expiry['due']} "
                f"proposals expired in {expiry['seconds']:.3f} s")
        peers = res.get("peers", {})
        if "error" in peers:
            out(f"peers: ERROR {peers['error']}")
        elif peers:
            b, r = peers["bulk"], peers["row"]
            if "error" in b or "error" in r:
                out(f"  write phase, rolled back: set-based {b.get('error') or _f(b['seconds'], '.3f') + ' s'}; "
                    f"one by one {r.get('error') or _f(r['seconds'], '.3f') + ' s'}")
            else:
                sample = f" (first {r['proposals']} of {r['of']} proposals)" if r["sampled"] else ""
                out(f"  write phase, same plan, rolled back: set-based {b['seconds']:.3f} s for {b['proposals']} "
                    f"proposals ({b['per_proposal_ms']:.3f} ms each); one by one {r['seconds']:.3f} s{sample} "
                    f"({r['per_proposal_ms']:.3f} ms each): set-based is "
                    f"{r['per_proposal_ms'] / max(1e-9, b['per_proposal_ms']):.1f}x faster per proposal")
            print_comparison(f"{fmt_size(res['size'])} generated city", peers["comparison"], out)
    if doc.get("demo"):
        if "error" in doc["demo"]:
            out(f"\ndemo county: ERROR {doc['demo']['error']}")
        else:
            d = doc["demo"]
            out(f"\n## demo county: {d['accepted_needs']} accepted needs opened as {d['opened_projects']} "
                f"优化派单 projects")
            print_comparison("demo county", d, out)


def print_comparison(title: str, c: dict, out) -> None:
    out(f"\n### optimiser vs first come, first served: {title} ({c['projects']} projects, {c['urgent']} urgent, "
        f"{c['resources']} resources, {c['units_reachable']} of {c['units']} units with an eligible project)")
    out("| method | served | served % | urgent served | urgent % | max load | mean load | load Gini | "
        "units idle % | units full % | valid | seconds |")
    out("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key, label in (("optimiser", "optimiser"), ("fcfs", "first come, first served")):
        m = c[key]
        out(f"| {label} | {m['served']} | {m['served_pct']:.1f} | "
            f"{m['urgent_served']} | {m['urgent_served_pct']:.1f} | "
            f"{m['load_max']} | {m['load_mean']:.2f} | {m['load_gini']:.3f} | {m['units_idle_pct']:.1f} | "
            f"{m['units_full_pct']:.1f} | {'yes' if m['valid'] else 'NO'} | {m['seconds']:.3f} |")
    r = c["ratios"]
    out(f"  optimiser / FCFS: served {r['served']:.3f}x ({c['optimiser']['served'] - c['fcfs']['served']:+d}), "
        f"urgent served {r['urgent_served']:.3f}x "
        f"({c['optimiser']['urgent_served'] - c['fcfs']['urgent_served']:+d}), load Gini {r['load_gini']:.2f}x")
