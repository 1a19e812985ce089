"""HTTP benchmark: the app under gunicorn against PostgreSQL, driven by locust from a second process.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/http_load.py [--duration 15] [--users 1,8,32] [--sizes 100,100000] [--fresh]

Creates (or reuses, from template databases) the database kineret_pa_bench on
127.0.0.1:5432, migrates, loads the policies, seeds users, tokens, profiles and requests
(bench/seed.py), collects static files to a temporary STATIC_ROOT, and starts gunicorn with
one sync worker per core, DEBUG off, a random SECRET_KEY and BEHIND_TLS_PROXY=true. Then,
for each database size, it signs the bench users in over HTTP (password, then TOTP for
reviewers), counts queries per page in process (bench/queries.py), and runs each scenario
with locust headless at each user count for --duration seconds. The trivial view
(GET /healthz) is measured once, as the ceiling of this stack on this machine.

Everything is bounded: each locust run by its --run-time and a timeout, the whole run by
--budget seconds; gunicorn and locust are always stopped at the end. Loopback only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import hashlib
import hmac
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
DB_HOST, DB_PORT, DB_USER = "127.0.0.1", 5432, "postgres"
DB_NAME = "kineret_pa_bench"
SCENARIOS = ["api", "form", "review"]
TITLES = {
    "healthz": "trivial view GET /healthz",
    "api": "API POST /api/v1/determinations",
    "form": "prescriber walks the form and submits",
    "review": "reviewer: queue, then a request",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ database


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", DB_HOST, "-p", str(DB_PORT), "-U", DB_USER, "-d", db, "-tAc", sql],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode:
        raise SystemExit(f"psql failed: {sql}\n{out.stderr}")
    return out.stdout.strip()


def db_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def db_url(name: str) -> str:
    return f"postgres://{DB_USER}@{DB_HOST}:{DB_PORT}/{name}"


def db_from_template(template: str) -> None:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {template}")


def manage(env: dict, *args: str, timeout: int = 600) -> None:
    subprocess.run(
        [PY, str(ROOT / "manage.py"), *args], env=env, check=True, timeout=timeout, stdout=subprocess.DEVNULL
    )


def templates_ensure(env_for, sizes: list[int], drugs: int, fresh: bool) -> dict[int, str]:
    """One template database per size, built once (migrate, load_policies, users, seed) and reused."""
    names = {}
    previous = None
    for size in sizes:
        name = f"{DB_NAME}_tpl_{size}"
        names[size] = name
        if fresh or not db_exists(name):
            started = time.perf_counter()
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            psql(f"CREATE DATABASE {name}" + (f" TEMPLATE {previous}" if previous else ""))
            env = env_for(name)
            manage(env, "migrate", "--verbosity", "0")
            manage(env, "load_policies", "--verbosity", "0")
            seed_args = ["--users", "32", "--requests", str(size)]
            if size == max(sizes):
                seed_args += ["--drugs", str(drugs)]
            subprocess.run([PY, str(HERE / "seed.py"), *seed_args], env=env, check=True, timeout=900)
            log(f"template {name} built in {time.perf_counter() - started:.0f}s")
        previous = name
    return names


# ------------------------------------------------------------------ signing in over HTTP


class Http:
    """Loopback HTTP as a browser behind a TLS proxy: X-Forwarded-Proto, Secure cookies kept by hand."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        conn.close()
        return response.status, dict(response.headers), text


def totp(key_hex: str, at: float | None = None) -> str:
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def sign_in(port: int, username: str, password: str, otp_key_hex: str | None) -> dict:
    client = Http(port)
    status, _, page = client.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, headers, _ = client.request(
        "POST",
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/"},
    )
    if status != 302:
        raise SystemExit(f"sign-in of {username} failed: {status}")
    if otp_key_hex:
        status, headers, page = client.request("GET", "/review/")
        if status == 302 and "/otp/" in headers.get("Location", ""):
            status, _, page = client.request("GET", headers["Location"])
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            status, headers, _ = client.request(
                "POST",
                "/accounts/otp/verify/?next=/review/",
                {"csrfmiddlewaretoken": token, "token": totp(otp_key_hex)},
            )
            if status != 302:
                raise SystemExit(f"second factor of {username} failed: {status}")
    return {"sessionid": client.cookies["sessionid"], "csrftoken": client.cookies["csrftoken"]}


def sessions_make(port: int, credentials: dict, users: int) -> dict:
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        prescribers = list(
            pool.map(lambda u: sign_in(port, u, credentials["password"], None), credentials["prescribers"][:users])
        )
        reviewers = list(
            pool.map(
                lambda u: sign_in(port, u, credentials["password"], credentials["otp_key_hex"]),
                credentials["reviewers"][:users],
            )
        )
    return {
        "prescribers": prescribers,
        "reviewers": reviewers,
        "api_token": credentials["api_token"],
        "origin": f"https://127.0.0.1:{port}",
    }


# ------------------------------------------------------------------ processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_start(env: dict, port: int, workers: int, threads: int, logfile: Path) -> subprocess.Popen:
    # Sync workers by default; --threads above 1 gives gunicorn's threaded worker (gthread).
    worker_class = (
        ["--worker-class", "sync"] if threads <= 1 else ["--worker-class", "gthread", "--threads", str(threads)]
    )
    command = [
        PY,
        "-m",
        "gunicorn",
        "kineret_pa.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *worker_class,
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--error-logfile",
        str(logfile),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {logfile}\n{logfile.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the master and its workers, nothing else
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)


# The determination the benchmark sends (warm-up and wrk): a Cigna request within the base limit (approved).
API_BODY = json.dumps(
    {
        "policy": "cigna-dqm008",
        "date_of_service": "2026-06-15",
        "patient": {"age_years": 40, "weight_kg": 70.0},
        "diagnosis": "ra",
        "dose": {"mg_per_day": 100, "quantity": 28, "days_supply": 28, "channel": "retail"},
        "car_t_therapy": False,
    }
)


def warm(port: int, sessions: dict) -> None:
    """Compile catalog and snapshots in every worker before measuring."""
    for _ in range(20):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/v1/determinations",
            body=API_BODY,
            headers={
                "X-Forwarded-Proto": "https",
                "Content-Type": "application/json",
                "Authorization": f"Bearer {sessions['api_token']}",
            },
        )
        conn.getresponse().read()
        conn.close()


def cpu_seconds(state: dict) -> dict[str, dict[int, float]]:
    """CPU seconds (user + system) so far of gunicorn's master and workers, and of PostgreSQL's processes."""
    import psutil  # comes with locust

    def times(processes) -> dict[int, float]:
        out = {}
        for process in processes:
            try:
                t = process.cpu_times()
                out[process.pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    app = []
    if state.get("gunicorn") is not None:
        master = psutil.Process(state["gunicorn"].pid)
        app = [master, *master.children(recursive=True)]
    database = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    return {"app": times(app), "database": times(database)}


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    return {part: sum(seconds - before[part].get(pid, 0.0) for pid, seconds in after[part].items()) for part in after}


def locust_run(env: dict, port: int, scenario: str, users: int, seconds: int, workdir: Path, state: dict) -> dict:
    prefix = workdir / f"{scenario}_{users}_{int(time.time() * 1000)}"
    command = [
        PY,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    run_env = dict(env, BENCH_SCENARIO=scenario)
    process = subprocess.Popen(
        command,
        env=run_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(f"{prefix}.log", "w"),
        start_new_session=True,
    )
    state["locust"] = process
    state.setdefault("load", []).append(os.getloadavg()[0])
    cpu_before, children_before = cpu_seconds(state), os.times()
    try:
        process.wait(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        log(f"locust {scenario}/{users} overran: stopped")
    finally:
        stop(process)
        state["locust"] = None
    children_after = os.times()  # locust has been waited for: its CPU is in our children's times
    cpu = cpu_used(cpu_before, cpu_seconds(state))
    cpu["locust"] = (
        children_after.children_user
        + children_after.children_system
        - children_before.children_user
        - children_before.children_system
    )
    stats = stats_read(Path(f"{prefix}_stats.csv"), seconds)
    if stats["total"] is not None and stats["total"]["requests"]:
        stats["total"]["cpu_ms"] = {part: 1000 * used / stats["total"]["requests"] for part, used in cpu.items()}
    if stats["total"] is None:
        log(f"locust {scenario}/{users} gave no figures:\n{Path(f'{prefix}.log').read_text()[-2000:]}")
    return stats


def stats_read(path: Path, seconds: int) -> dict:
    rows = {}
    if not path.exists():
        return {"pages": {}, "total": None}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
                "avg": float(row["Average Response Time"] or 0),
            }
    total = rows.pop("Aggregated", None)
    return {"pages": rows, "total": total}


# ------------------------------------------------------------------ wrk: single-request ratios

WRK_LUA = """wrk.method = "{method}"
wrk.body = {body}
wrk.headers["X-Forwarded-Proto"] = "https"
{headers}
"""


def wrk_run(port: int, scenario: str, connections: int, seconds: int, token: str, workdir: Path, state: dict) -> dict:
    """One wrk run (a C load generator, one thread, a few per cent of a core) of /healthz or the API.

    locust spends about as much CPU per request as the app does, so on two shared cores it compresses
    every ratio; wrk leaves the cores to the server, which is what a single-request ratio must measure."""
    if scenario == "api":
        script = WRK_LUA.format(
            method="POST",
            body=json.dumps(API_BODY),
            headers='wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"',
        )
        path = "/api/v1/determinations"
    else:
        script, path = WRK_LUA.format(method="GET", body="nil", headers=""), "/healthz"
    lua = workdir / f"wrk_{scenario}.lua"
    lua.write_text(script)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(lua),
        f"http://127.0.0.1:{port}{path}",
    ]
    cpu_before, children_before = cpu_seconds(state), os.times()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    children_after = os.times()
    cpu = cpu_used(cpu_before, cpu_seconds(state))
    cpu["wrk"] = (
        children_after.children_user
        + children_after.children_system
        - children_before.children_user
        - children_before.children_system
    )
    return wrk_parse(done.stdout, cpu)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_parse(output: str, cpu: dict) -> dict:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    latency = {int(p): _ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.M)}
    requests = int(total.group(1)) if total else 0
    result = {
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": requests,
        "failures": (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0),
        "p50": latency.get(50),
        "p90": latency.get(90),
        "p99": latency.get(99),
    }
    if requests:
        result["cpu_ms"] = {part: 1000 * used / requests for part, used in cpu.items()}
    return result


def wrk_report(results: dict, args) -> list[str]:
    out = [
        f"### wrk (one thread, C): the API against /healthz, {args.duration}s per run, "
        f"{args.wrk_repeats} alternating pairs per level",
        "",
        "| size | connections | /healthz req/s | API req/s | API share (median of pairs) | API p50 / p99 ms | "
        "errors | CPU ms/request app · PostgreSQL · wrk (API) |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in args.sizes:
        for connections in args.users:
            pairs = [
                (
                    results.get(("wrk", "healthz", size, connections, i)),
                    results.get(("wrk", "api", size, connections, i)),
                )
                for i in range(args.wrk_repeats)
            ]
            pairs = [(h, a) for h, a in pairs if h and a and h["rps"]]
            if not pairs:
                continue
            shares = sorted(a["rps"] / h["rps"] for h, a in pairs)
            median = shares[len(shares) // 2]
            h_rps = sorted(h["rps"] for h, _ in pairs)[len(pairs) // 2]
            api = sorted((a for _, a in pairs), key=lambda a: a["rps"])[len(pairs) // 2]
            cpu = api.get("cpu_ms") or {}
            cpu_cell = " · ".join(f"{cpu.get(k, 0):.2f}" for k in ("app", "database", "wrk")) if cpu else "—"
            out.append(
                f"| {size:,} | {connections} | {h_rps:,.0f} | {api['rps']:,.0f} | {median:.0%} "
                f"({', '.join(f'{s:.0%}' for s in shares)}) | {_fmt2(api['p50'])} / {_fmt2(api['p99'])} | "
                f"{sum(a['failures'] for _, a in pairs)} | {cpu_cell} |"
            )
    out.append("")
    return out


def _fmt2(value) -> str:
    return "—" if value is None else f"{value:.1f}"


# ------------------------------------------------------------------ report


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory / 1024 / 1024, 1),
        "postgresql": psql("SHOW server_version"),
        "python": platform.python_version(),
    }


def report(results: dict, queries: dict, info: dict, args) -> str:
    out = []
    w = out.append
    kind = "sync workers" if info.get("threads", 1) <= 1 else f"gthread workers × {info['threads']} threads"
    w(f"HTTP benchmark — gunicorn {info['workers']} {kind}, locust on the same machine, {args.duration}s per level")
    w(
        f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory_gib']} GiB; PostgreSQL {info['postgresql']}; "
        f"Python {info['python']}"
    )
    w("")
    load = info.get("load") or []
    if load:
        w(
            f"load average (1 min) at the start of each locust run: min {min(load):.1f}, "
            f"median {sorted(load)[len(load) // 2]:.1f}, "
            f"max {max(load):.1f} on {info['nproc']} cores — above ~{info['nproc'] + 1} means other work shared the CPU"
        )
        w("")
    ceiling = {u: (results.get(("healthz", 0, u)) or {}).get("rps") for u in args.users}
    for size in args.sizes:
        w(f"### {size:,} requests in the database" + (f", {args.drugs:,} drugs" if size == max(args.sizes) else ""))
        w("")
        w(
            "| scenario | users | req/s | vs /healthz | p50 ms | p95 ms | p99 ms | errors "
            "| CPU ms/request: app · PostgreSQL · locust |"
        )
        w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for scenario in (["healthz"] if size == args.sizes[0] else []) + SCENARIOS:
            for users in args.users:
                key = (scenario, 0 if scenario == "healthz" else size, users)
                total = results.get(key)
                if not total:
                    w(f"| {TITLES[scenario]} | {users} | — | — | — | — | — | not run | — |")
                    continue
                reference = ceiling.get(users)
                if scenario == "api":
                    reference = (results.get(("healthz_paired", size, users)) or {}).get("rps") or reference
                ratio = f"{total['rps'] / reference:.0%}" if reference else "—"
                w(
                    f"| {TITLES[scenario]} | {users} | {total['rps']:,.0f} | {ratio} | {total['p50']:.0f} "
                    f"| {total['p95']:.0f} | "
                    f"{total['p99']:.0f} | {total['failures']} / {total['requests']:,} "
                    f"| {_cpu_cell(total.get('cpu_ms'))} |"
                )
        paired = [(u, (results.get(("healthz_paired", size, u)) or {}).get("rps")) for u in args.users]
        if any(rps for _, rps in paired):
            w(
                "The API's share is of a /healthz run made just before it at the same number of users ("
                + ", ".join(f"{u} users: {rps:,.0f} req/s" for u, rps in paired if rps)
                + ")."
            )
        w("")
    # Per page, side by side: p95 at 8 users (or the middle level) and queries, at each size.
    level = 8 if 8 in args.users else args.users[len(args.users) // 2]
    w(f"### Per page: p95 at {level} users and queries per page, by database size")
    w("")
    head = (
        "| page | "
        + " | ".join(f"p95 ms @ {s:,}" for s in args.sizes)
        + " | "
        + " | ".join(f"queries @ {s:,}" for s in args.sizes)
        + " |"
    )
    w(head)
    w("|---|" + "---:|" * (2 * len(args.sizes)))
    pages: dict[str, dict] = {}
    for size in args.sizes:
        for scenario in SCENARIOS:
            for name, row in (results.get(("pages", scenario, size, level)) or {}).items():
                pages.setdefault(name, {})[("p95", size)] = row["p95"]
    for size in args.sizes:
        for row in (queries.get(size) or {}).get("rows", []):
            name = _page_key(row["page"])
            pages.setdefault(name, {})[("q", size)] = max(row["queries"], pages.get(name, {}).get(("q", size), 0))
    for name in sorted(pages, key=_page_order):
        cells = pages[name]
        w(
            f"| {name} | "
            + " | ".join(_fmt(cells.get(("p95", s))) for s in args.sizes)
            + " | "
            + " | ".join(_fmt(cells.get(("q", s))) for s in args.sizes)
            + " |"
        )
    w("")
    return "\n".join(out)


def _cpu_cell(cpu: dict | None) -> str:
    if not cpu:
        return "—"
    return f"{cpu['app']:.2f} · {cpu['database']:.2f} · {cpu['locust']:.2f}"


def _page_key(page: str) -> str:
    return re.sub(r" \((cigna|fep|floridablue)[^)]*\)$", "", page)


def _page_order(name: str):
    order = [
        "GET /healthz",
        "POST /api",
        "GET /requests/ (my",
        "POST /requests/new",
        "GET step policy",
        "POST step policy",
        "GET step patient",
        "POST step patient",
        "GET step diagnosis",
        "POST step diagnosis",
        "GET step therapies",
        "POST step therapies",
        "GET step concomitant",
        "POST step concomitant",
        "GET step screening",
        "POST step screening",
        "GET step questions",
        "POST step questions",
        "GET step dose",
        "POST step dose",
        "GET step review",
        "POST step review",
        "GET step finished",
        "GET /requests/<id>",
        "GET /review/ (queue)",
        "GET /review/?",
        "GET /review/<id>",
    ]
    return next((i for i, prefix in enumerate(order) if name.startswith(prefix)), len(order)), name


def _fmt(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


# ------------------------------------------------------------------ main


def main() -> None:
    global SCENARIOS
    parser = argparse.ArgumentParser(description="HTTP benchmark under gunicorn + locust (see the module docstring)")
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario and user count")
    parser.add_argument("--users", default="1,8,32", help="concurrency levels")
    parser.add_argument("--sizes", default="100,100000", help="requests in the database, one run per size")
    parser.add_argument("--drugs", type=int, default=2000, help="drugs in the database at the largest size")
    parser.add_argument("--scenarios", default="api,form,review")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn workers (default: cores)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (above 1: gthread workers)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the template databases")
    parser.add_argument("--budget", type=int, default=900, help="stop starting new runs after this many seconds")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"), help="where the report and raw results go")
    parser.add_argument("--prepare-only", action="store_true", help="build the template databases, then stop")
    parser.add_argument(
        "--load",
        default="locust,wrk",
        help="load generators: locust (every scenario) and/or wrk (/healthz and the API, paired)",
    )
    parser.add_argument("--wrk-repeats", type=int, default=3, help="alternating /healthz-API pairs per wrk level")
    args = parser.parse_args()
    args.users = [int(u) for u in args.users.split(",")]
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    SCENARIOS = [s for s in args.scenarios.split(",") if s]
    args.load = {g for g in args.load.split(",") if g}
    if "wrk" in args.load and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (or --load locust)")
    started = time.time()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="kineret-bench-"))
    static_root = workdir / "static"
    secret = secrets.token_urlsafe(50)

    def env_for(db: str) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
        env.update(
            {
                "DATABASE_URL": db_url(db),
                "DEBUG": "false",
                "SECRET_KEY": secret,
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "BEHIND_TLS_PROXY": "true",
                "DJANGO_SETTINGS_MODULE": "bench_settings",
                "BENCH_STATIC_ROOT": str(static_root),
                "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
                "LOG_LEVEL": "WARNING",
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "AXES_FAILURE_LIMIT": "1000",
                "MAX_OPEN_DRAFTS": "1000000",  # seed.py gives the bench prescriber ~10% of the requests as drafts
            }
        )
        return env

    state: dict = {"gunicorn": None, "locust": None}
    results: dict = {}
    queries: dict = {}
    info = machine()
    info["workers"] = args.workers
    info["threads"] = args.threads

    def cleanup(*_):
        stop(state.get("locust"))
        stop(state.get("gunicorn"))

    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(143)))
    try:
        log(f"templates for sizes {args.sizes}")
        templates = templates_ensure(env_for, args.sizes, args.drugs, args.fresh)
        if args.prepare_only:
            return
        env = env_for(DB_NAME)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        for size in args.sizes:
            log(f"database with {size:,} requests")
            db_from_template(templates[size])
            manage(env, "migrate", "--verbosity", "0")  # whatever migrations came after the template
            manage(env, "load_policies", "--verbosity", "0")  # idempotent: writes only what differs
            cred_file = workdir / "credentials.json"
            subprocess.run(
                [PY, str(HERE / "seed.py"), "--users", str(max(args.users)), "--credentials", str(cred_file)],
                env=env,
                check=True,
                timeout=300,
                stdout=subprocess.DEVNULL,
            )
            credentials = json.loads(cred_file.read_text())
            query_file = workdir / f"queries_{size}.json"
            subprocess.run(
                [PY, str(HERE / "queries.py"), "--json", str(query_file)],
                env=env,
                check=True,
                timeout=300,
                stdout=subprocess.DEVNULL,
            )
            queries[size] = json.loads(query_file.read_text())
            port = free_port()
            state["gunicorn"] = gunicorn_start(env, port, args.workers, args.threads, workdir / f"gunicorn_{size}.log")
            log(f"gunicorn on 127.0.0.1:{port}; signing in {max(args.users)} prescribers and reviewers")
            sessions = sessions_make(port, credentials, max(args.users))
            session_file = workdir / "sessions.json"
            session_file.write_text(json.dumps(sessions))
            locust_env = dict(env, BENCH_SESSIONS=str(session_file))
            warm(port, sessions)
            if "wrk" in args.load and "api" in SCENARIOS:
                for connections in args.users:
                    for i in range(args.wrk_repeats):  # alternate, so a drift of the machine's speed hits both
                        for scenario in ("healthz", "api"):
                            if time.time() - started > args.budget:
                                continue
                            log(f"wrk {scenario} × {connections} connections at {size:,} requests ({i + 1})")
                            results[("wrk", scenario, size, connections, i)] = wrk_run(
                                port, scenario, connections, args.duration, sessions["api_token"], workdir, state
                            )
            runs = ((["healthz"] if size == args.sizes[0] else []) + SCENARIOS) if "locust" in args.load else []
            for scenario in runs:
                for users in args.users:
                    if time.time() - started > args.budget:
                        log(f"budget of {args.budget}s spent: skipping {scenario}/{users}")
                        continue
                    if scenario == "api":
                        # The API's target is a share of the ceiling, and this machine's speed drifts
                        # over minutes: measure the ceiling again right before, at the same load.
                        log(f"healthz × {users} users (the API's paired ceiling)")
                        paired = locust_run(locust_env, port, "healthz", users, args.duration, workdir, state)
                        results[("healthz_paired", size, users)] = paired["total"]
                    log(f"{scenario} × {users} users at {size:,} requests")
                    stats = locust_run(locust_env, port, scenario, users, args.duration, workdir, state)
                    results[(scenario, 0 if scenario == "healthz" else size, users)] = stats["total"]
                    results[("pages", scenario, size, users)] = stats["pages"]
            stop(state["gunicorn"])
            state["gunicorn"] = None
            errors = (workdir / f"gunicorn_{size}.log").read_text().strip()
            if errors:
                log(f"gunicorn log ({size:,}):\n{errors[-3000:]}")
    finally:
        cleanup()
    info["load"] = state.get("load", [])
    text = report(results, queries, info, args)
    if "wrk" in args.load:
        text += "\n" + "\n".join(wrk_report(results, args))
    query_text = []
    for size in args.sizes:
        q = queries.get(size)
        if q:
            query_text.append(f"Queries per page, in process, warm — {q['requests']:,} requests")
            query_text += [
                f"  {r['page']:<54}{r['queries']:>4} queries {r['ms']:>7.1f} ms  {r['status']}" for r in q["rows"]
            ]
    print(text)
    print("\n".join(query_text))
    (out_dir / "http-report.md").write_text(text + "\n\n```\n" + "\n".join(query_text) + "\n```\n")
    raw = {"|".join(map(str, k)): v for k, v in results.items()}
    (out_dir / "http-results.json").write_text(
        json.dumps({"machine": info, "results": raw, "queries": queries}, indent=1)
    )
    shutil.rmtree(workdir, ignore_errors=True)
    log(f"done in {time.time() - started:.0f}s; report in {out_dir / 'http-report.md'}")


if __name__ == "__main__":
    main()
