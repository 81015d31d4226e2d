"""Engine vs hand-written SQL with several clients at once, flush on and off, and cold start.

    python bench/engine_vs_sql.py [N] --clients 1,4,16 --sync on,off [--cold]

For each synchronous_commit setting (set for both sides through PGOPTIONS, so every connection of a
client has it) and each client count C: C processes are started and warmed (one untimed lifecycle
each side), then every round runs all C engine clients together, then all C hand-written-SQL clients
together, N lifecycles each (the two alternate, so drift in the machine's load falls on both). A
side's rate is the sum over its clients of steps / that client's time; the table gives the medians
over rounds of each side's rate and of the per-round ratio, and each side's client CPU per step.

--cold: C fresh processes each time their first lifecycle after start-up against their next ones, run
together as one start of C workers would; start-up itself (create_app) is timed apart.
"""
import multiprocessing as mp
import os
import statistics
import time

from bench import engine_vs_sql as base

WARM_LIFECYCLES = 3  # the later lifecycles a cold-start client times after its first


def _options(argv):
    def values(name, default):
        for i, a in enumerate(argv):
            if a == name and i + 1 < len(argv):
                return argv[i + 1].split(",")
            if a.startswith(name + "="):
                return a.split("=", 1)[1].split(",")
        return default
    args = [a for i, a in enumerate(argv) if not a.startswith("--") and not (i and argv[i - 1] in ("--clients", "--sync"))]
    clients = [int(c) for c in values("--clients", ["1"])]
    syncs = values("--sync", ["on"])
    if any(s not in ("on", "off") for s in syncs) or any(c < 1 for c in clients):
        raise SystemExit("--clients takes counts >= 1, --sync takes on and/or off")
    return (int(args[0]) if args else 50), clients, syncs, "--cold" in argv


def _app(sync: str):
    """The client's app, every connection of both sides with synchronous_commit `sync`: the raw side's
    through PGOPTIONS, the engine's through its connect options (which the app sets, so PGOPTIONS alone
    would not reach them)."""
    os.environ["PGOPTIONS"] = f"-c synchronous_commit={sync}"
    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": base.URL, "SQLALCHEMY_ENGINE_OPTIONS": {
        "connect_args": {"options": f"-c jit=off -c synchronous_commit={sync}"}}})
    from app.engine import warm
    warm.connect(app)  # as the worker starts
    return app


def _worker(sync, conn):
    """One client process: its own app, its own connections, running what the parent sends."""
    app = _app(sync)
    with app.app_context():
        from app.audit import chain as audit
        from app.extensions import db
        audit_key = audit.key()
        setting = db.session.execute(base.sa.text("SHOW synchronous_commit")).scalar_one()
        db.session.remove()
    with base.psycopg.connect(base.URL.replace("+psycopg", "")) as raw:
        raw_setting = raw.execute("SHOW synchronous_commit").fetchone()[0]
    conn.send(("ready", f"{setting}/{raw_setting}"))
    while True:
        msg = conn.recv()
        if msg[0] == "stop":
            return
        side, ids = msg
        cpu = time.process_time()
        elapsed = base._run_engine_ids(app, ids) if side == "engine" else base.run_sql_ids(ids, audit_key)
        conn.send((elapsed, time.process_time() - cpu))


def _cold_worker(sync, ids, conn):
    """A fresh process: start-up, then its first lifecycle, then WARM_LIFECYCLES more, each timed."""
    conn.recv()  # go: every cold client starts together
    t0 = time.perf_counter()
    app = _app(sync)
    startup = time.perf_counter() - t0
    times = [base._run_engine_ids(app, [pid]) for pid in ids]
    conn.send((startup, times))


class _Clients:
    def __init__(self, ctx, sync, count):
        self.pipes, self.procs = [], []
        for _ in range(count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(sync, child), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        settings = {p.recv()[1] for p in self.pipes}
        if settings != {f"{sync}/{sync}"}:
            raise SystemExit(f"clients run with synchronous_commit {settings}, not {sync}")

    def run(self, side, id_lists):
        """Every client runs its lifecycles at once; (steps/s summed over clients, client CPU per step)."""
        for pipe, ids in zip(self.pipes, id_lists):
            pipe.send((side, ids))
        results = [p.recv() for p in self.pipes]
        steps = [len(ids) * base.STEPS_PER_LIFECYCLE for ids in id_lists]
        rate = sum(s / elapsed for s, (elapsed, _) in zip(steps, results))
        return rate, sum(cpu for _, cpu in results) / sum(steps)

    def stop(self):
        for p in self.pipes:
            p.send(("stop",))
        for proc in self.procs:
            proc.join(timeout=30)


def _take(pool, count):
    taken = pool[:count]
    del pool[:count]
    if len(taken) < count:
        raise RuntimeError("the benchmark ran out of pupils")
    return taken


def main(argv) -> int:
    n, clients, syncs, cold = _options(argv)
    rounds = int(os.environ.get("BENCH_ROUNDS", 5))
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    base.fresh_database()
    from app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": base.URL})
    # per client: 1 warm-up lifecycle per side and `rounds` rounds of n per side; per cold client 1 + WARM
    need = sum(len(syncs) * c * 2 * (1 + rounds * n) for c in clients)
    need += len(syncs) * max(clients) * (1 + WARM_LIFECYCLES) * 2 if cold else 0
    base.setup(app, (need + 1) // 2)
    pool = base.pupil_ids()
    ctx = mp.get_context("spawn")  # fresh interpreters: no connection or app state shared with this one
    print(f"{n} lifecycles x {base.STEPS_PER_LIFECYCLE} steps per client per round, {rounds} rounds (medians)")
    print(f"{'sync':>4} {'clients':>7} {'engine steps/s':>15} {'SQL steps/s':>12} {'ratio':>6} {'range':>10} "
          f"{'engine CPU/step':>16} {'SQL CPU/step':>13}")
    for sync in syncs:
        for c in clients:
            group = _Clients(ctx, sync, c)
            try:
                group.run("engine", [_take(pool, 1) for _ in range(c)])
                group.run("sql", [_take(pool, 1) for _ in range(c)])
                e_rates, s_rates, e_cpu, s_cpu = [], [], [], []
                for _ in range(rounds):
                    rate, cpu = group.run("engine", [_take(pool, n) for _ in range(c)])
                    e_rates.append(rate)
                    e_cpu.append(cpu)
                    rate, cpu = group.run("sql", [_take(pool, n) for _ in range(c)])
                    s_rates.append(rate)
                    s_cpu.append(cpu)
            finally:
                group.stop()
            ratios = [e / s for e, s in zip(e_rates, s_rates)]
            print(f"{sync:>4} {c:>7} {statistics.median(e_rates):>15.0f} {statistics.median(s_rates):>12.0f} "
                  f"{statistics.median(ratios):>5.2f}x {min(ratios):>4.2f}-{max(ratios):.2f} "
                  f"{statistics.median(e_cpu) * 1e6:>13.0f} us {statistics.median(s_cpu) * 1e6:>10.0f} us",
                  flush=True)
    if cold:
        for sync in syncs:
            _cold(ctx, sync, max(clients), pool)
    with app.app_context():
        from app.audit import chain as audit
        result = audit.verify()
        print(f"audit chain       {'ok' if result['ok'] else 'BROKEN'} over {result['events_checked']} events")
    return 0 if result["ok"] else 1


def _cold(ctx, sync, count, pool) -> None:
    """First lifecycle of `count` fresh processes started together, against their later lifecycles."""
    pipes, procs = [], []
    for _ in range(count):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_cold_worker, args=(sync, _take(pool, 1 + WARM_LIFECYCLES), child), daemon=True)
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    for p in pipes:
        p.send("go")
    results = [p.recv() for p in pipes]
    for proc in procs:
        proc.join(timeout=30)
    steps = base.STEPS_PER_LIFECYCLE
    first = [times[0] for _, times in results]
    warm = [t for _, times in results for t in times[1:]]
    cold_rate = sum(steps / t for t in first)
    warm_rate = sum(steps / statistics.median(times[1:]) for _, times in results)
    print(f"cold start, sync {sync}, {count} fresh processes: start-up {statistics.median(r[0] for r in results):.2f} s; "
          f"first lifecycle {statistics.median(first) * 1e3:.0f} ms ({cold_rate:.0f} steps/s together), later "
          f"lifecycles {statistics.median(warm) * 1e3:.0f} ms ({warm_rate:.0f} steps/s); first/later "
          f"{statistics.median(first) / statistics.median(warm):.2f}x", flush=True)
