"""The report: the per-(row, -P) table of medians (build_table) and its Markdown rendering (render), with the
notes on scaled rows, the big board, the Pub/Sub runs and the persistence extras."""

from __future__ import annotations

import statistics

from .fanout import PUBSUB_BATCH, PUBSUB_BUSY, PUBSUB_PAYLOAD


def fmt_rps(v: float | None) -> str:
    return "error" if v is None else f"{v:,.0f}"


def fmt_ms(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def median_of(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if "error" not in r and key in r]
    return statistics.median(values) if values else None


def build_table(jobs: list, results: dict, servers: list, bench, row_n) -> list[dict]:
    """One entry per (row, pipeline) job: the medians of every server's runs, and the runs themselves.
    results[(row index, pipeline)][server name] = [per-round result dicts]."""
    table = []
    for i, row, pipeline in jobs:
        entry = {"label": row.label, "pipeline": pipeline, "n": row_n(row, pipeline),
                 "keyspace": bench.row_keyspace(row), "client": row.client}
        if row.client == "pubsub":
            entry["subscribers"] = row.subscribers
        for name in (s.name for s in servers):
            rs = results[(i, pipeline)][name]
            entry[name] = {"rps": median_of(rs, "rps"), "p50": median_of(rs, "p50_latency_ms"),
                           "p99": median_of(rs, "p99_latency_ms"), "runs": rs}
            if row.client == "pubsub":
                ok = [r for r in rs if "error" not in r]
                entry[name]["server_cpu"] = median_of(rs, "server_cpu")
                entry[name]["client_cpu_max"] = max(
                    (max([r["publisher_cpu"], r["designated_cpu"], *r["receiver_cpu"]]) for r in ok),
                    default=None)
        table.append(entry)
    return table


def render(meta: dict, table: list[dict], pubsub_inflight: int) -> str:
    """The Markdown report; pubsub_inflight is PODIUM_BENCH_PUBSUB_INFLIGHT (the Pub/Sub note gives it)."""
    m = meta["machine"]
    lines = [
        f"### {meta['title']}",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} RAM, Linux {m['kernel']}",
        f"- Servers: {meta['redis_version']}"
        + (f", {meta['valkey_version']}" if meta.get("valkey_version") else "")
        + f" vs {meta['podium_version']}, git {meta['git']}",
        f"- podium binary: `{meta['podium_binary']}`",
        f"- podium-server args: `{meta['podium_args'] or '(none)'}`; io-threads = {meta['io_threads']}",
        f"- redis-server{' and valkey-server' if meta.get('valkey_version') else ''} args: "
        "`--save '' --appendonly no`; podium-server `--appendonly no` first; rows marked "
        f"AOF run both with appendonly yes and that appendfsync (CONFIG SET)",
        f"- Client: {meta['benchmark_version']}, `-c {meta['clients']} -r {meta['keyspace']}`, "
        f"-n {meta['n']} (-P 1) / {meta['n_pipelined']} (-P > 1), "
        f"{meta['rounds']} round(s) alternating, medians",
        f"- Load: {meta['load']}; " + (
            f"{len(meta['disturbed'])} run(s) kept although other processes used more than "
            f"{meta['max_other']} cores during them: " + "; ".join(meta["disturbed"])
            if meta["disturbed"] else
            f"no run saw more than {meta['max_other']} cores of other CPU use"),
        "",
    ]
    peers = ["redis"] + (["valkey"] if meta.get("valkey_version") else [])
    names = peers + ["podium"]
    lines.append("| Workload | -P | " + " | ".join(f"{n} req/s" for n in names) + " | "
                 + " | ".join(f"podium/{n}" for n in peers) + " | "
                 + " | ".join(f"{n} p50 ms" for n in names) + " | " + " | ".join(f"{n} p99 ms" for n in names) + " |")
    lines.append("|---|" + "---:|" * (1 + 3 * len(names) + len(peers)))

    def ratio(p: dict, r: dict) -> str:
        return f"{p['rps'] / r['rps']:.2f}" if r["rps"] and p["rps"] is not None else "–"

    for t in table:
        p = t["podium"]
        lines.append(
            f"| {t['label']} | {t['pipeline']} | " + " | ".join(fmt_rps(t[n]["rps"]) for n in names) + " | "
            + " | ".join(ratio(p, t[n]) for n in peers) + " | "
            + " | ".join(fmt_ms(t[n]["p50"]) for n in names) + " | "
            + " | ".join(fmt_ms(t[n]["p99"]) for n in names) + " |")
    scaled = [t for t in table if t["client"] != "pubsub"
              and t["n"] != (meta["n"] if t["pipeline"] == 1 else meta["n_pipelined"])]
    if scaled:
        lines.append("")
        lines.append("Rows with their own -n: " + ", ".join(
            f"{t['label']} -P {t['pipeline']}: -n {t['n']}" for t in scaled) + ".")
    own_r = {t["label"]: t["keyspace"] for t in table if t.get("keyspace", meta["keyspace"]) != meta["keyspace"]}
    if own_r:
        lines.append("")
        lines.append("Rows with their own -r: " + ", ".join(f"{k}: -r {v}" for k, v in own_r.items()) + ".")
    if meta.get("board"):
        lines.append("")
        lines.append(f"Big board: {meta['board']:,} members loaded with `redis-cli --pipe` (ZADD batches of "
                     "1000 pairs) before the rounds and checked on every server; load time "
                     + ", ".join(meta["board_notes"]) + ".")
    if any(t.get("client") == "window" for t in table):
        lines.append("")
        lines.append("Rows marked \"Python client\" are measured by scripts/bench's own client (run_window), "
                     "not by redis-benchmark.")
    lines += render_persistence(meta.get("persistence") or {})
    lines += render_rdb((meta.get("persistence") or {}).get("rdb") or {})
    ps = [t for t in table if t.get("client") == "pubsub"]
    if ps:
        def cores(v):
            return "–" if v is None else f"{v:.2f}"
        lines.append("")
        lines.append(
            "Pub/Sub rows (scripts/bench's own clients, see run_pubsub): one publisher sends PUBLISH scores.global "
            f"with a {PUBSUB_PAYLOAD}-byte message in batches of {PUBSUB_BATCH} (the -P column; at most "
            f"{pubsub_inflight:,} deliveries without their reply); the subscribers SUBSCRIBE scores.global or "
            "PSUBSCRIBE scores.*. req/s = messages delivered per second (published x subscribers / time from "
            "the first PUBLISH written to the last byte at the last subscriber); p50/p99 = publish-to-receive "
            "latency at one designated subscriber. Every subscriber must receive exactly every message, or the "
            f"run fails. Receivers: 1 latency subscriber + {meta.get('pubsub_receivers', '?')} byte-counting "
            "processes. Messages published, median server CPU and the busiest client process (cores; "
            f"{PUBSUB_BUSY} or more would mean the clients may be the bottleneck), {' / '.join(names)}: "
            + "; ".join(f"{t['subscribers']} {'pattern' if 'PSUBSCRIBE' in t['label'] else 'channel'}: "
                        f"{t['n']:,} published, server "
                        + " / ".join(cores(t[n]['server_cpu']) for n in names)
                        + ", clients " + " / ".join(cores(t[n]['client_cpu_max']) for n in names) for t in ps)
            + ".")
    return "\n".join(lines) + "\n"


def render_rdb(extras: dict) -> list[str]:
    if not extras:
        return []
    types = ", ".join(f"{v:,} {k}" for k, v in extras.get("types", {}).items())
    lines = ["", f"RDB extras ({extras['keys']:,} keys: {types}; file written by redis-server's SAVE, "
                 f"{extras.get('file_bytes', 0):,} bytes):", ""]
    load = extras.get("load", {})
    if "redis" in load and "podium" in load:
        r, p = statistics.median(load["redis"]), statistics.median(load["podium"])
        lines.append(f"- Load time of the RDB file at start-up (\"DB loaded from disk\" log line), median of "
                     f"{len(load['podium'])}: podium {p:.3f} s, redis {r:.3f} s; podium speed / redis speed = "
                     f"{r / p:.2f}.")
    for name in ("redis", "podium"):
        runs = extras.get("bgsave", {}).get(name)
        if runs:
            lines.append(f"- GET latency on one connection during BGSAVE, {name}: " + "; ".join(
                f"{x['seconds']} s, {x['gets']:,} GETs, p50 {x['p50']:.3f} ms, p99 {x['p99']:.3f} ms, "
                f"max {x['max']:.3f} ms" for x in runs) + ".")
    for e in extras.get("errors", []):
        lines.append(f"- ERROR: {e}")
    return lines


def render_persistence(extras: dict) -> list[str]:
    if not extras:
        return []
    lines = ["", f"Persistence extras ({extras['keys']:,} SET keys, everysec):", ""]
    load = extras.get("load", {})
    if "redis" in load and "podium" in load:
        r, p = statistics.median(load["redis"]), statistics.median(load["podium"])
        lines.append(f"- Load time of each server's own AOF after BGREWRITEAOF (from each server's \"DB loaded from "
                     f"append only file\" log line), median of {len(load['podium'])}: podium {p:.3f} s (RDB base); "
                     f"redis {r:.3f} s with its default RDB preamble, podium speed / redis speed = {r / p:.2f}"
                     + (f"; redis {statistics.median(load['redis (AOF base)']):.3f} s with an AOF base "
                        f"(aof-use-rdb-preamble no, the same format as podium's), ratio "
                        f"{statistics.median(load['redis (AOF base)']) / p:.2f}" if "redis (AOF base)" in load else "")
                     + ".")
    rw = extras.get("rewrite", {})
    for name in ("redis", "podium"):
        if name in rw:
            runs = rw[name]
            lines.append(f"- GET latency on one connection during BGREWRITEAOF of the keys + the "
                         f"{extras['board']:,}-member sorted set, {name}: " + "; ".join(
                             f"{x['seconds']} s, {x['gets']:,} GETs, p50 {x['p50']:.3f} ms, p99 {x['p99']:.3f} ms, "
                             f"max {x['max']:.3f} ms" for x in runs if x["p50"] is not None) + ".")
    for e in extras.get("errors", []):
        lines.append(f"- ERROR: {e}")
    return lines
