"""scimcore vs scim2-server vs the fixed-JSON ceiling, side by side, in one run on this machine.

    python benchmarks/run.py                     # 10k users, 10 s per wrk run, median of 3 runs
    python benchmarks/run.py --quick             # 2 s runs, 1 repeat, no docs update: while developing
    python benchmarks/run.py --users 100000      # the 1k / 100k variants
    python benchmarks/run.py --sqlite            # also scimcore serve --database sqlite:///...

Run it with the Python of a virtualenv where scimcore is installed with its ``server`` extra and httpx (the
dev virtualenv).  It

1. makes (or reuses) a virtualenv for the peer under the cache dir (``~/.cache/scimcore-bench`` or
   ``$SCIMCORE_BENCH_CACHE``) with ``scim2-server`` and the uvicorn version this Python has;
2. starts ``scimcore serve --database memory``, the peer (``serve_app.py peer``) and the fixed-JSON ceiling
   (``serve_app.py ceiling``), all on that uvicorn with the settings of ``scimcore serve`` (serve_app.py);
3. seeds the same users and a big group into scimcore and the peer over HTTP, concurrently, and checks that
   every scenario does what it says on each server (a PATCH really changes ``active``, a member really joins);
4. runs wrk (2 threads, 16 connections, same duration) for each scenario against each server, interleaved
   (scenario by scenario, server by server) and repeated, reporting the median;
5. measures the same scenarios in-process (``inprocess.py``: the ASGI apps called directly);
6. prints the table, writes ``benchmarks/results/<stamp>-<users>u.{json,md}`` and, for a full run,
   ``docs/performance.md``.

No timing here is a test: these are measurements to read, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import importlib.util
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DOCS = ROOT / "docs" / "performance.md"
sys.path.insert(0, str(BENCH))

from common import (  # noqa: E402
    CO_MATCHES,
    CO_TOKEN,
    CONTENT_TYPE,
    PREFIX,
    SCENARIO_NAMES,
    SCENARIOS,
    TOKEN,
    Dataset,
    dumps,
    entra_patch,
    group_doc,
    member_indexes,
    member_patch,
    request_cycle,
    user_doc,
    user_name,
    write_cycle,
)

# The targets of issue 7 (issue 3 repeats the query ones): (kind, factor, text).  "ceiling": scimcore's
# req/s >= factor x the ceiling's; "peer": scimcore's req/s >= factor x scim2-server's.
TARGETS: dict[str, tuple[str, float, str]] = {
    "get_user": ("ceiling", 0.50, "≥ 50% of the ceiling (≈ 3× scim2-server)"),
    "filter_eq": ("ceiling", 0.40, "≥ 40% of the ceiling (≈ 4×)"),
    "page_100": ("peer", 50.0, "≥ 50× scim2-server"),
    "co_scan": ("peer", 30.0, "≥ 30× scim2-server"),
    "patch_active": ("ceiling", 0.30, "≥ 30% of the ceiling (≈ 4×)"),
    "group_members": ("ceiling", 0.20, "≥ 20% of the ceiling (≈ 500×)"),
    "get_group": ("ceiling", 0.40, "≥ 40% of the ceiling (≈ 2,000×)"),
}
# What issue 7 measured for scim2-server on its machine (2026-11-26, uvicorn + wrk 2 threads 16 connections).
ISSUE_PEER = {"get_user": 1950, "filter_eq": 1190, "page_100": 12, "co_scan": 10, "patch_active": 860,
              "group_members": 5, "get_group": 2}
ISSUE_CEILING = 12450
MEMORY_TARGET = 2.5  # RSS growth per user at most 2.5x the size of the users' JSON
LABEL = {s.name: s.label for s in SCENARIOS}


def log(message: str) -> None:
    print(message, flush=True)


# -- environment -------------------------------------------------------------------------------------------
def cache_dir(arg: str | None) -> Path:
    path = Path(arg or os.environ.get("SCIMCORE_BENCH_CACHE") or Path.home() / ".cache" / "scimcore-bench")
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_peer_venv(cache: Path, uvicorn_version: str, peer_spec: str, refresh: bool) -> tuple[Path, dict]:
    """A virtualenv with scim2-server and uvicorn==<ours>, made once and reused."""
    venv = cache / "venvs" / f"scim2-server-uvicorn-{uvicorn_version}"
    python = venv / "bin" / "python"
    probe = (
        "import json, importlib.metadata as m, importlib.util as u; "
        "print(json.dumps({'scim2-server': m.version('scim2-server'), 'scim2-models': m.version('scim2-models'), "
        "'pydantic': m.version('pydantic'), 'uvicorn': m.version('uvicorn'), "
        "'uvloop': bool(u.find_spec('uvloop')), 'httptools': bool(u.find_spec('httptools')), "
        "'python': __import__('platform').python_version()}))"
    )
    if refresh and venv.exists():
        shutil.rmtree(venv)
    if python.exists():
        done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
        if done.returncode == 0:
            info = json.loads(done.stdout)
            if info["uvicorn"] == uvicorn_version:
                return python, info
    log(f"creating the peer's virtualenv at {venv} ...")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", peer_spec,
         f"uvicorn=={uvicorn_version}"],
        check=True,
    )
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True)
    return python, json.loads(done.stdout)


def machine_facts() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        wrk = "missing"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "scimcore"],
                               capture_output=True, text=True).stdout.strip()
        commit += " + uncommitted changes in scimcore/" if dirty else ""
    except OSError:
        commit = "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": wrk.split(" Copyright")[0],
        "scimcore": importlib.metadata.version("scimcore"),
        "scimcore_commit": commit,
        "uvicorn": importlib.metadata.version("uvicorn"),
        "uvloop": importlib.util.find_spec("uvloop") is not None,
        "httptools": importlib.util.find_spec("httptools") is not None,
        "orjson": importlib.util.find_spec("orjson") is not None,
    }


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_busy_seconds() -> float:
    """CPU seconds spent busy by the whole machine since boot (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def process_cpu_seconds(pid: int) -> float:
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / CLK_TCK


def wait_for_quiet(max_wait: float, threshold: float) -> float:
    """Wait (at most max_wait s) until the rest of the machine uses under `threshold` cores; return its load."""
    deadline = time.monotonic() + max_wait
    while True:
        b0, t0 = cpu_busy_seconds(), time.monotonic()
        time.sleep(0.5)
        load = (cpu_busy_seconds() - b0) / (time.monotonic() - t0)
        if load < threshold or time.monotonic() >= deadline:
            return round(load, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- servers -----------------------------------------------------------------------------------------------
class Server:
    def __init__(self, key: str, label: str, argv: list[str], port: int, workdir: Path) -> None:
        self.key, self.label, self.argv, self.port = key, label, argv, port
        self.prefix = PREFIX[key]
        self.logfile = workdir / f"{key}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.data: Dataset | None = None
        self.rss: dict[str, int] = {}
        self.seed_seconds = 0.0
        self.checks: dict[str, str] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        out = self.logfile.open("wb")
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.logfile.parent)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.label} exited at start:\n{self.logfile.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.label} did not listen on port {self.port} within 60 s")

    def vmrss_kib(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams, for seeding: a fraction of httpx's cost per
    request, so the seeding measures the server rather than the client."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**24)
        assert self.reader is not None
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAuthorization: Bearer {TOKEN}\r\n"
                f"Content-Type: {CONTENT_TYPE}\r\nAccept: {CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "transfer-encoding":
                chunked = "chunked" in value.lower()
        if not chunked:
            return status, (await self.reader.readexactly(length) if length else b"")
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers are sent by uvicorn
                return status, b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def seed(server: Server, n: int, concurrency: int) -> int:
    """POST the n users (concurrently) and the big group; return the bytes of the users' JSON."""
    ids: list[str] = [""] * n
    payload_bytes = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    path = f"{server.prefix}/Users"

    async def worker() -> None:
        nonlocal payload_bytes
        client = RawClient(server.port)
        try:
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                body = dumps(user_doc(i, n))
                payload_bytes += len(body)
                status, data = await client.post(path, body)
                if status != 201:
                    raise SystemExit(f"{server.label}: seeding user {i} gave {status}: {data[:300]!r}")
                ids[i] = json.loads(data)["id"]
        finally:
            await client.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    members = member_indexes(n)
    client = RawClient(server.port)
    status, data = await client.post(f"{server.prefix}/Groups", dumps(group_doc([ids[i] for i in members])))
    await client.close()
    if status != 201:
        raise SystemExit(f"{server.label}: seeding the group gave {status}: {data[:300]!r}")
    group_id = json.loads(data)["id"]
    member_set = set(members)
    server.data = Dataset(ids, [user_name(i, n) for i in range(n)], group_id,
                          [ids[i] for i in range(n) if i not in member_set])
    return payload_bytes


def verify(server: Server, n: int) -> dict[str, str]:
    """Check that each scenario does what it claims on this server; 'ok' or what went wrong."""
    import httpx

    assert server.data is not None
    d, p = server.data, server.prefix
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}
    out: dict[str, str] = {}
    with httpx.Client(base_url=server.url, headers=headers, timeout=600) as c:

        def check(name: str, ok: bool, detail: str) -> None:
            out[name] = "ok" if ok else detail

        r = c.get(f"{p}/Users/{d.user_ids[1]}")
        check("get_user", r.status_code == 200 and r.json().get("userName") == d.user_names[1],
              f"{r.status_code} {r.text[:200]}")
        r = c.get(f"{p}/Users", params={"filter": f'userName eq "{d.user_names[2].upper()}"'})
        body = r.json() if r.status_code == 200 else {}
        check("filter_eq", body.get("totalResults") == 1 and body["Resources"][0]["id"] == d.user_ids[2],
              f"{r.status_code} {r.text[:200]}")
        r = c.get(f"{p}/Users", params={"startIndex": n // 2, "count": 100})
        body = r.json() if r.status_code == 200 else {}
        check("page_100", len(body.get("Resources", [])) == min(100, n - n // 2 + 1)
              and body.get("totalResults") == n and body.get("startIndex") == n // 2,
              f"{r.status_code} totalResults={body.get('totalResults')} items={len(body.get('Resources', []))}")
        r = c.get(f"{p}/Users", params={"filter": f'userName co "{CO_TOKEN}"', "count": 10})
        body = r.json() if r.status_code == 200 else {}
        check("co_scan", body.get("totalResults") == CO_MATCHES and len(body.get("Resources", [])) == CO_MATCHES,
              f"{r.status_code} totalResults={body.get('totalResults')}")
        uid = d.user_ids[-1]
        states = []
        for active in (False, True):
            w = c.patch(f"{p}/Users/{uid}", content=dumps(entra_patch(active)))
            g = c.get(f"{p}/Users/{uid}")
            states.append((w.status_code, g.json().get("active")))
        check("patch_active", states[0][0] < 300 and states[0][1] is False and states[1][1] is True,
              f"(status, active) after False/True: {states}")
        mid = d.nonmember_ids[-1]
        seen = []
        for add in (True, False):
            w = c.patch(f"{p}/Groups/{d.group_id}", params={"excludedAttributes": "members"},
                        content=dumps(member_patch(add, mid)))
            g = c.get(f"{p}/Groups/{d.group_id}")
            values = [m["value"] for m in g.json().get("members", [])]
            seen.append((w.status_code, "members" in (w.json() if w.content else {}), mid in values, len(values)))
        expected = len(member_indexes(n))
        check("group_members", seen[0][0] < 300 and seen[0][2] and not seen[1][2] and seen[1][3] == expected
              and not seen[0][1], f"(status, members in response, member present, count): {seen}")
        r = c.get(f"{p}/Groups/{d.group_id}", params={"excludedAttributes": "members"})
        check("get_group", r.status_code == 200 and "members" not in r.json()
              and r.json().get("displayName") == "bench-big-group", f"{r.status_code} {r.text[:200]}")
    return out


def run_wrk(server: Server, scenario: str, reqfile: Path, args: argparse.Namespace) -> dict:
    """One wrk run; also how much CPU the rest of the machine used meanwhile (other load spoils numbers)."""
    import resource

    before_load = wait_for_quiet(args.max_wait_quiet, args.quiet_threshold) if args.max_wait_quiet else None
    assert server.proc is not None
    busy0, srv0 = cpu_busy_seconds(), process_cpu_seconds(server.proc.pid)
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall0 = time.monotonic()
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
           "--timeout", "60s", "--latency", "-s", str(BENCH / "scenario.lua"), server.url,
           "--", str(reqfile), TOKEN, str(args.threads)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - wall0
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    server_cpu = process_cpu_seconds(server.proc.pid) - srv0
    other = max(cpu_busy_seconds() - busy0 - wrk_cpu - server_cpu, 0.0) / wall
    for line in done.stdout.splitlines():
        if line.startswith("WRKJSON "):
            res = json.loads(line[len("WRKJSON "):])
            res["server_cores"] = round(server_cpu / wall, 2)
            res["wrk_cores"] = round(wrk_cpu / wall, 2)
            res["other_cores"] = round(other, 2)
            res["other_cores_before"] = before_load
            seconds = res["duration_us"] / 1e6
            res["rps"] = round(res["requests"] / seconds, 2) if seconds else 0.0
            res["ok_rps"] = round((res["requests"] - res["errors"]["status"]) / seconds, 2) if seconds else 0.0
            return res
    raise SystemExit(f"wrk failed for {server.label} {scenario}:\n{done.stdout}\n{done.stderr}")


def run_inprocess(python: str, app: str, args: argparse.Namespace, database: str | None = None) -> dict:
    cmd = [python, str(BENCH / "inprocess.py"), app, "--users", str(args.users), "--duration",
           str(args.inprocess_duration), "--repeat", str(args.repeat)]
    if database:
        cmd += ["--database", database]
    for name in args.scenario or []:
        cmd += ["--only", name]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"in-process run of {app} failed")
    result: dict = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- report ------------------------------------------------------------------------------------------------
def fmt(x: float | None) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:,.1f}"
    return f"{x:,.2f}"


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    r = a / b
    return f"{r:,.0f}×" if r >= 100 else f"{r:,.1f}×"


def target_status(name: str, ours: float | None, peer: float | None, ceiling: float | None) -> tuple[str, bool]:
    kind, factor, _ = TARGETS[name]
    if not ours:
        return "not measured", False
    if kind == "ceiling":
        if not ceiling:
            return "not measured", False
        share = ours / ceiling
        return (f"{share:.0%} of ceiling, {ratio(ours, peer)} scim2-server", share >= factor)
    if not peer:
        return "not measured", False
    return (f"{ours / peer:,.1f}× scim2-server", ours / peer >= factor)


def rps_table(report: dict, rps: Callable[[str, str], float | None], *, over_http: bool) -> list[str]:
    """Requests/second per scenario: scimcore, scim2-server, their ratio, the ceiling (over HTTP also the share of
    it, and the flags of failed checks), and scimcore on SQLite when it ran."""
    has_sqlite = "scimcore-sqlite" in report["servers"]

    def cell(server: str, name: str) -> str:
        return fmt(rps(server, name)) + (flag(report, server, name) if over_http else "")

    head = "| scenario | scimcore | scim2-server | ratio | ceiling |"
    head += " scimcore % of ceiling |" if over_http else ""
    sep = "|---|---:|---:|---:|---:|" + ("---:|" if over_http else "")
    if has_sqlite:
        head += " scimcore SQLite |"
        sep += "---:|"
    rows = [head, sep]
    for name in report["scenarios"]:
        ours, peer, ceil = (rps(server, name) for server in ("scimcore", "peer", "ceiling"))
        row = f"| {LABEL[name]} | {cell('scimcore', name)} | {cell('peer', name)} | {ratio(ours, peer)} | {fmt(ceil)} |"
        if over_http:
            row += f" {f'{ours / ceil:.0%}' if ours and ceil else '–'} |"
        if has_sqlite:
            row += f" {cell('scimcore-sqlite', name)} |"
        rows.append(row)
    return rows


def markdown(report: dict) -> str:
    http = report["http"]
    inproc = report.get("inprocess", {})
    keys = report["servers"]
    lines = []
    m = report["machine"]
    lines.append(f"Run {report['started']} · {report['users']:,} users, a {report['group_members']:,}-member "
                 f"group · wrk {report['threads']} threads, {report['connections']} connections, "
                 f"{report['duration']} s per run, median of {report['repeat']} · log level {report['log_level']}")
    lines.append("")
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Linux {m['kernel']}; Python "
                 f"{m['python']}; uvicorn {m['uvicorn']} (uvloop {'yes' if m['uvloop'] else 'no'}, httptools "
                 f"{'yes' if m['httptools'] else 'no'}); orjson {'yes' if m.get('orjson') else 'no'}; {m['wrk']}; "
                 f"scimcore {m['scimcore']} at "
                 f"{m['scimcore_commit']}; scim2-server {report['peer']['scim2-server']} (scim2-models "
                 f"{report['peer']['scim2-models']}, pydantic {report['peer']['pydantic']}).")
    lines.append("")
    lines.append("Over HTTP (uvicorn, wrk), requests/second:")
    lines.append("")
    lines += rps_table(report, lambda server, name: http.get(server, {}).get(name, {}).get("rps"), over_http=True)
    notes = report.get("notes", [])
    if notes:
        lines.append("")
        lines += [f"- {n}" for n in notes]
    if inproc:
        lines.append("")
        lines.append("In-process (ASGI app called directly, one request at a time, no network), requests/second:")
        lines.append("")
        lines += rps_table(
            report, lambda server, name: inproc.get(server, {}).get("scenarios", {}).get(name, {}).get("rps"),
            over_http=False,
        )
    lines.append("")
    lines.append("Resident memory of the server process (VmRSS), after seeding:")
    lines.append("")
    lines.append("| server | at start | after seeding | growth | growth per 100k users | × users' JSON | seeding |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    json_bytes = report["users_json_bytes"]
    for key in keys:
        mem = report["memory"].get(key)
        if not mem:
            continue
        growth = mem["after_seed_kib"] - mem["start_kib"]
        per100k = growth * 100000 / report["users"]
        lines.append(f"| {SERVER_LABEL[key]} | {mem['start_kib'] / 1024:,.0f} MiB | {mem['after_seed_kib'] / 1024:,.0f}"
                     f" MiB | {growth / 1024:,.0f} MiB | {per100k / 1024:,.0f} MiB | "
                     f"{growth * 1024 / json_bytes:.1f}× | {mem['seed_seconds']:.1f} s |")
    lines.append("")
    lines.append(f"The users' JSON (as POSTed, compact) is {json_bytes / 1024 / 1024:,.1f} MiB "
                 f"({json_bytes / report['users']:,.0f} bytes a user).")
    return "\n".join(lines) + "\n"


SERVER_LABEL = {"scimcore": "scimcore (memory)", "scimcore-sqlite": "scimcore (SQLite)", "peer": "scim2-server",
                "ceiling": "ceiling (fixed JSON)"}


def flag(report: dict, key: str, name: str) -> str:
    """A mark when a scenario's check failed or wrk saw errors, explained in the notes."""
    bad = report["checks"].get(key, {}).get(name, "ok") != "ok"
    res = report["http"].get(key, {}).get(name)
    errors = res and (res["errors"]["status"] or res["errors"]["timeout"] or res["errors"]["read"])
    return " ⚠" if bad or errors else ""


def targets_markdown(report: dict) -> str:
    http = report["http"]
    lines = ["| scenario | target | scim2-server here (issue's figure) | scimcore here | measured | met? |",
             "|---|---|---:|---:|---|---|"]
    for name in report["scenarios"]:
        ours = http.get("scimcore", {}).get(name, {}).get("rps")
        peer = http.get("peer", {}).get(name, {}).get("rps")
        ceil = http.get("ceiling", {}).get(name, {}).get("rps")
        measured, met = target_status(name, ours, peer, ceil)
        lines.append(f"| {LABEL[name]} | {TARGETS[name][2]} | {fmt(peer)} ({fmt(ISSUE_PEER[name])}) | {fmt(ours)} |"
                     f" {measured} | {'**met**' if met else '**not met**'} |")
    met: list[str] = []
    missed: list[str] = []
    close: list[str] = []
    for name in report["scenarios"]:
        ours = http.get("scimcore", {}).get(name, {}).get("rps")
        peer = http.get("peer", {}).get(name, {}).get("rps")
        ceil = http.get("ceiling", {}).get(name, {}).get("rps")
        _, ok = target_status(name, ours, peer, ceil)
        (met if ok else missed).append(LABEL[name])
        kind, factor, _ = TARGETS[name]
        base = ceil if kind == "ceiling" else peer
        if ours and base and abs(ours / base / factor - 1) < 0.1:
            close.append(LABEL[name])
    mem = report["memory"].get("scimcore")
    if mem:
        growth = (mem["after_seed_kib"] - mem["start_kib"]) * 1024
        factor = growth / report["users_json_bytes"]
        lines.append(f"| memory per user | ≤ {MEMORY_TARGET}× the users' JSON | – | – | {factor:.1f}× "
                     f"({growth / report['users'] / 1024:.1f} KiB a user) | "
                     f"{'**met**' if factor <= MEMORY_TARGET else '**not met**'} |")
        (met if factor <= MEMORY_TARGET else missed).append("memory per user")
    lines.append("")
    lines.append(f"**Met:** {', '.join(met) or 'none'}. **Not met:** {', '.join(missed) or 'none'}.")
    if close:
        lines.append(f"Within 10% of the threshold, so the verdict could flip between runs: {', '.join(close)}.")
    return "\n".join(lines) + "\n"


def scaling_markdown() -> str:
    """scimcore and scim2-server over HTTP at each user count, from the latest full result of each."""
    latest: dict[int, dict] = {}
    for path in sorted(RESULTS.glob("*.json")):
        try:
            rep = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if rep.get("quick") or "http" not in rep:  # quick runs and pg_scale.py results
            continue
        latest[rep["users"]] = rep
    if len(latest) < 2:
        return ""
    counts = sorted(latest)
    flat = 10000 in latest and 100000 in latest
    lines = ["| scenario | " + " | ".join(f"scimcore {c:,}" for c in counts) + " | "
             + " | ".join(f"scim2-server {c:,}" for c in counts) + " |" + (" scimcore 100k ÷ 10k |" if flat else ""),
             "|---|" + "---:|" * (2 * len(counts) + (1 if flat else 0))]
    for name in SCENARIO_NAMES:
        ours = [latest[c]["http"].get("scimcore", {}).get(name, {}).get("rps") for c in counts]
        peer = [latest[c]["http"].get("peer", {}).get(name, {}).get("rps") for c in counts]
        row = f"| {LABEL[name]} | " + " | ".join(fmt(x) for x in ours) + " | " + " | ".join(fmt(x) for x in peer) + " |"
        if flat:
            a = latest[100000]["http"].get("scimcore", {}).get(name, {}).get("rps")
            b = latest[10000]["http"].get("scimcore", {}).get(name, {}).get("rps")
            row += f" {a / b:.2f} |" if a and b else " – |"
        lines.append(row)
    runs = "; ".join(
        f"{c:,} users: {latest[c]['started']}, median of {latest[c]['repeat']}, other load "
        f"{latest[c].get('other_load', {}).get('mean_cores', 0):.2f} cores on average" for c in counts)
    return "\n".join(lines) + f"\n\nRuns: {runs}. A ratio far from 1 on a run with other load may be noise.\n\n"


def write_docs(report: dict, md: str, result_name: str) -> None:
    profiles = sorted(RESULTS.glob("*-profile.md"))
    profile_section = ""
    if profiles:
        profile_section = (
            "## Profiles\n\n`python benchmarks/profile.py` runs the in-process driver under py-spy (installed in a "
            "tools virtualenv under the cache dir) for GET by id, `userName eq` and the Entra PATCH, and lists the "
            "top functions by self and inclusive time with their hottest lines. Latest: "
            f"`benchmarks/results/{profiles[-1].name}`.\n\n")
    contention = contention_note(report)
    scaling = scaling_markdown()
    scaling_section = ""
    if scaling:
        scaling_section = ("## Scaling\n\nRequests/second over HTTP at each user count (the latest full run of "
                           "each; the issue asks for per-request cost flat from 10k to 100k users for all but the "
                           "scans).\n\n" + scaling)
    text = f"""# Performance

scimcore is measured side by side with [scim2-server](https://pypi.org/project/scim2-server/) (the direct peer)
and with a fixed-JSON ASGI app (the ceiling: what uvicorn itself allows on this machine), in one run, on one
machine, by one command. Nothing here is a test assertion; these are measurements to read.

## The command

```sh
{report['command']}
```

It needs `wrk` (`apt-get update && apt-get install -y wrk`) and a virtualenv with scimcore installed with its
`server` extra plus httpx (`pip install -e '.[test]'`). It makes a virtualenv for scim2-server under
`~/.cache/scimcore-bench` (or `$SCIMCORE_BENCH_CACHE`) with the same uvicorn version, runs the three apps on
uvicorn with the settings of `scimcore serve` (`benchmarks/serve_app.py`), seeds the same {report['users']:,}
users and a {report['group_members']:,}-member group in scimcore and scim2-server over HTTP, checks that each
scenario really does its work on each server, and drives each scenario with wrk ({report['threads']} threads,
{report['connections']} connections, {report['duration']} s) against each server in turn, {report['repeat']}
times, reporting the median. It then calls the same ASGI apps in-process (`benchmarks/inprocess.py`). Options:
`--users 1000|100000`, `--duration`, `--repeat`, `--sqlite` (adds `scimcore serve --database sqlite:///...`),
`--quick` (short runs while developing). Results: `benchmarks/results/` (this run: `{result_name}`).

The scenarios: GET a user by id (random users); `filter=userName eq "..."` (random existing users; the
check before the runs sends one in upper case, to prove case-insensitive matching); a page of 100 at
`startIndex=N/2`; `filter=userName co "{CO_TOKEN}"&count=10` ({CO_MATCHES} matches spread over the collection,
so the whole collection is scanned);
Entra ID's PATCH `{{"op":"Replace","path":"active","value":"False"}}` (walks the users, flipping between
`"False"` and `"True"` so every request changes a user); adding and removing a non-member of the big group
with `?excludedAttributes=members` (64 adds, then the 64 removes); GET of the big group with
`excludedAttributes=members`. The ceiling answers every scenario's requests with the same 1 KB user.

## Latest results

{md}
⚠ marks a scenario whose check failed on that server or where wrk saw error responses; see the notes.

## Targets (issue 7; issue 3 for the query targets)

The ceiling is measured per scenario with the same requests. The issue's own figures for scim2-server, measured
on another machine, are given in brackets; the verdicts use this run's numbers only, and the first criterion of
each target (the "≈ N×" in brackets is the issue's estimate of the same thing against its own peer figures).

{targets_markdown(report)}
{scaling_section}{postgres_markdown()}{profile_section}## Reading the numbers

{contention}- All three servers run on the same uvicorn (the h11 protocol and asyncio loop it picks when neither
  httptools nor uvloop is installed, in each virtualenv), with the settings of `scimcore serve` and access logging off
  (`--log-level warning`; `scimcore serve` logs each request at its default `info`) for all three.
- Memory is the growth of the server process's VmRSS from start to the end of seeding, against the compact JSON
  of the users as POSTed.
- The machine has {report['machine']['cores']} cores: wrk and the server share them, as they would on a
  small container; absolute numbers move with the machine, the ratios much less.
- In-process numbers leave out the HTTP server and the network: they show the cost of the library itself.
- scimcore encodes responses and its in-memory rows with orjson, which its `server` extra installs; without
  orjson it falls back to the standard library's `json` (the machine line above says which ran).
"""
    DOCS.write_text(text)


def postgres_markdown() -> str:
    """The section on the latest ``benchmarks/pg_scale.py`` result, if there is one."""
    runs = sorted(RESULTS.glob("*-pg.json"))
    if not runs:
        return ""
    pg = json.loads(runs[-1].read_text())
    rows = "\n".join(
        f"| {r['scenario']} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | ≤ {r['target_p50_ms']:g} | "
        f"{'**met**' if r['met'] else '**not met**'} |" for r in pg["results"])
    return f"""## PostgreSQL at scale (issue 5)

```sh
python benchmarks/pg_scale.py
```

It bulk-loads {pg['users']:,} users and a {pg['members']:,}-member group with `COPY` into a scratch database on
the local PostgreSQL server (`--url`, default `postgresql://postgres@127.0.0.1:5432/postgres`), then sends
{pg['runs']} requests of each kind through `ScimService.handle` over `SqlStore` (in-process, no HTTP) and reports
milliseconds per request. The scratch database is dropped afterwards. Latest: `benchmarks/results/{runs[-1].name}`
(run {pg['started']} at scimcore {pg.get('commit', '?')}, PostgreSQL {pg.get('server_version', '?')}, loaded in
{pg['load_seconds']:.1f} s).

| request | p50 ms | p95 ms | target p50 | met? |
|---|---:|---:|---:|---|
{rows}

"""


def contention_note(report: dict) -> str:
    load = report.get("other_load")
    if not load or load["runs_over_threshold"] == 0:
        return ""
    return (f"- **This run shared the machine** with other work (test suites of other sessions): other processes used "
            f"{load['mean_cores']:.2f} of the {report['machine']['cores']} cores on average during the wrk runs "
            f"(at most {load['max_cores']:.2f}; measured from /proc/stat). Every server lost CPU to them, so the "
            "absolute numbers, the ceiling's included, are lower than on a quiet machine, and the percentages and "
            "ratios carry more noise than usual. Re-run on a quiet machine before quoting absolute numbers.\n")


# -- main --------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=None, help="seconds per wrk run (default 10, quick 2)")
    parser.add_argument("--repeat", type=int, default=None, help="runs per scenario, median kept (default 3)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--inprocess-duration", type=float, default=None, help="seconds (default 3, quick 1)")
    parser.add_argument("--quick", action="store_true", help="short runs, one repeat, docs left alone")
    parser.add_argument("--sqlite", action="store_true", help="also run scimcore serve --database sqlite:///...")
    parser.add_argument("--no-http", action="store_true", help="skip the wrk runs")
    parser.add_argument("--no-inprocess", action="store_true", help="skip the in-process runs")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument("--scenario", action="append", choices=SCENARIO_NAMES, help="only these (repeatable)")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"],
                        help="uvicorn log level of every server (info turns access logs on)")
    parser.add_argument("--max-wait-quiet", type=float, default=10.0,
                        help="before each wrk run wait up to this many seconds for other load to drop (0: don't)")
    parser.add_argument("--quiet-threshold", type=float, default=0.25,
                        help="cores of other load under which the machine counts as quiet")
    parser.add_argument("--seed-concurrency", type=int, default=16)
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--peer-spec", default="scim2-server", help="pip requirement for the peer")
    parser.add_argument("--refresh-peer", action="store_true", help="rebuild the peer's virtualenv")
    parser.add_argument("--docs-from", metavar="RESULT_JSON",
                        help="measure nothing: rewrite docs/performance.md from a saved result")
    args = parser.parse_args()
    if args.docs_from:
        path = Path(args.docs_from)
        saved = json.loads(path.read_text())
        write_docs(saved, markdown(saved), path.with_suffix(".md").name)
        log(f"rewrote docs/performance.md from {path}")
        return
    args.duration = args.duration or (2 if args.quick else 10)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.inprocess_duration = args.inprocess_duration or (1.0 if args.quick else 3.0)
    scenarios = args.scenario or list(SCENARIO_NAMES)

    try:
        import httpx  # noqa: F401
        import uvicorn  # noqa: F401

        import scimcore  # noqa: F401
    except ImportError as exc:
        raise SystemExit(f"run this with the Python of the dev virtualenv (pip install -e '.[test]'): {exc}") from None
    if not args.no_http and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed. On Debian/Ubuntu: apt-get update && apt-get install -y wrk "
                         "(or run with --no-http for the in-process numbers only)")

    # A SIGTERM unwinds like Ctrl-C, so the servers started below are stopped by the `finally`.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    machine = machine_facts()
    cache = cache_dir(args.cache_dir)
    peer_python, peer_info = ensure_peer_venv(cache, machine["uvicorn"], args.peer_spec, args.refresh_peer)
    log(f"peer virtualenv: {peer_python.parent.parent} ({json.dumps(peer_info)})")
    if (peer_info["uvloop"], peer_info["httptools"]) != (machine["uvloop"], machine["httptools"]):
        log("WARNING: uvloop/httptools differ between the dev and the peer virtualenvs: uvicorn will differ")

    workdir = Path(tempfile.mkdtemp(prefix="scimcore-bench-"))
    bindir = Path(sys.executable).parent
    scimcore_cmd = [str(bindir / "scimcore")] if (bindir / "scimcore").exists() else [sys.executable, "-m",
                                                                                       "scimcore.cli"]
    servers: list[Server] = []

    def add(key: str, argv_of_port) -> None:  # type: ignore[no-untyped-def]
        port = free_port()
        servers.append(Server(key, SERVER_LABEL[key], argv_of_port(port), port, workdir))

    add("ceiling", lambda port: [sys.executable, str(BENCH / "serve_app.py"), "ceiling", "--port", str(port),
                                 "--log-level", args.log_level])
    add("scimcore", lambda port: [*scimcore_cmd, "serve", "--database", "memory", "--token", TOKEN,
                                  "--port", str(port), "--log-level", args.log_level])
    if args.sqlite:
        add("scimcore-sqlite", lambda port: [*scimcore_cmd, "serve", "--database",
                                             f"sqlite:///{workdir / 'bench.db'}", "--token", TOKEN,
                                             "--port", str(port), "--log-level", args.log_level])
    add("peer", lambda port: [str(peer_python), str(BENCH / "serve_app.py"), "peer", "--port", str(port),
                              "--token", TOKEN, "--log-level", args.log_level])
    report: dict = {
        "started": started.isoformat(timespec="seconds"),
        "command": "python benchmarks/run.py " + shlex.join(sys.argv[1:]) if sys.argv[1:] else
        "python benchmarks/run.py",
        "quick": args.quick,
        "users": args.users,
        "group_members": len(member_indexes(args.users)),
        "duration": args.duration,
        "repeat": args.repeat,
        "threads": args.threads,
        "connections": args.connections,
        "log_level": args.log_level,
        "scenarios": scenarios,
        "servers": [s.key for s in servers],
        "machine": machine,
        "peer": peer_info,
        "memory": {},
        "checks": {},
        "http": {},
        "http_runs": {},
        "notes": [],
        "users_json_bytes": 0,
    }
    try:
        if not args.no_http:
            for server in servers:
                log(f"starting {server.label} on {server.url} ...")
                server.start()
                time.sleep(0.5)
                start_kib = server.vmrss_kib()
                if server.key == "ceiling":
                    server.data = Dataset(["x"], ["x"], "g", ["y"])
                    report["memory"][server.key] = {"start_kib": start_kib, "after_seed_kib": start_kib,
                                                    "seed_seconds": 0.0}
                    continue
                t0 = time.perf_counter()
                report["users_json_bytes"] = asyncio.run(seed(server, args.users, args.seed_concurrency))
                seconds = time.perf_counter() - t0
                time.sleep(0.5)
                report["memory"][server.key] = {"start_kib": start_kib, "after_seed_kib": server.vmrss_kib(),
                                                "seed_seconds": round(seconds, 2)}
                log(f"  seeded {args.users:,} users + group in {seconds:.1f} s; RSS "
                    f"{report['memory'][server.key]['after_seed_kib'] / 1024:.0f} MiB")
                server.checks = verify(server, args.users)
                report["checks"][server.key] = server.checks
                bad = {k: v for k, v in server.checks.items() if v != "ok"}
                log(f"  checks: {'all ok' if not bad else bad}")
                for name, problem in bad.items():
                    report["notes"].append(f"{server.label}, {LABEL[name]}: check failed: {problem}")
            # The ceiling answers anything: it plays scimcore's request files.
            files: dict[tuple[str, str], Path] = {}
            for server in servers:
                source = next(s for s in servers if s.key == "scimcore") if server.key == "ceiling" else server
                assert source.data is not None
                for name in scenarios:
                    path = workdir / f"{server.key}-{name}.txt"
                    write_cycle(str(path), request_cycle(name, source.data, server.prefix, args.users))
                    files[(server.key, name)] = path
            for rep in range(args.repeat):
                for name in scenarios:
                    for server in servers:
                        res = run_wrk(server, name, files[(server.key, name)], args)
                        report["http_runs"].setdefault(server.key, {}).setdefault(name, []).append(res)
                        errs = {k: v for k, v in res["errors"].items() if v}
                        log(f"  [{rep + 1}/{args.repeat}] {name:14s} {server.label:22s} {res['rps']:>10,.1f} req/s"
                            f"  p50 {res['latency_us']['p50'] / 1000:>8,.1f} ms  cores: server "
                            f"{res['server_cores']:.2f} wrk {res['wrk_cores']:.2f} other {res['other_cores']:.2f}"
                            f"{'  errors ' + str(errs) if errs else ''}")
                        time.sleep(0.5)
            for key, per in report["http_runs"].items():
                for name, runs in per.items():
                    median_rps = statistics.median(r["rps"] for r in runs)
                    best = min(runs, key=lambda r: abs(r["rps"] - median_rps))
                    report["http"].setdefault(key, {})[name] = {**best, "rps": median_rps,
                                                                "all_rps": [r["rps"] for r in runs]}
                    errors = sum(r["errors"]["status"] + r["errors"]["timeout"] + r["errors"]["read"] for r in runs)
                    if errors:
                        report["notes"].append(f"{SERVER_LABEL[key]}, {LABEL[name]}: wrk saw {errors} error "
                                               "responses or timeouts over the runs")
        all_runs = [r for per in report["http_runs"].values() for runs in per.values() for r in runs]
        if all_runs:
            others = [r["other_cores"] for r in all_runs]
            busy = sum(1 for o in others if o > args.quiet_threshold)
            report["other_load"] = {"mean_cores": round(statistics.mean(others), 2), "max_cores": max(others),
                                    "runs_over_threshold": busy, "runs": len(others)}
            if busy:
                report["notes"].append(
                    f"The machine was shared: other processes used {statistics.mean(others):.2f} cores on average "
                    f"(at most {max(others):.2f}) during the wrk runs, more than {args.quiet_threshold} in {busy} of "
                    f"{len(others)} runs. Servers were interleaved scenario by scenario so the ratios suffer less "
                    "than the absolute numbers; per-run figures are in the JSON (`other_cores`).")
    finally:
        for server in servers:
            server.stop()

    if not args.no_inprocess:
        report["inprocess"] = {}
        log("in-process runs ...")
        report["inprocess"]["ceiling"] = run_inprocess(sys.executable, "ceiling", args)
        report["inprocess"]["scimcore"] = run_inprocess(sys.executable, "scimcore", args)
        if args.sqlite:
            report["inprocess"]["scimcore-sqlite"] = run_inprocess(
                sys.executable, "scimcore", args, f"sqlite:///{workdir / 'inprocess.db'}")
        report["inprocess"]["peer"] = run_inprocess(str(peer_python), "peer", args)
        starved = [f"{SERVER_LABEL[key]} {LABEL[name]} ({res['cpu_share']:.0%})"
                   for key, run in report["inprocess"].items() for name, res in run["scenarios"].items()
                   if res["cpu_share"] < 0.9]
        if starved:
            report["notes"].append("In-process runs that got under 90% of a CPU (the machine was shared): "
                                   + ", ".join(starved) + ".")
    if not report["users_json_bytes"]:
        report["users_json_bytes"] = sum(len(dumps(user_doc(i, args.users))) for i in range(args.users))

    md = markdown(report)
    md_full = md + "\nTargets:\n\n" + targets_markdown(report)
    print()
    print(md_full)
    RESULTS.mkdir(exist_ok=True)
    name = f"{stamp}-{args.users // 1000}ku{'-quick' if args.quick else ''}"
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / f"{name}.md").write_text(f"# Benchmark {report['started']}\n\n```sh\n{report['command']}\n```\n\n"
                                        + md_full)
    log(f"wrote benchmarks/results/{name}.json and .md")
    if not args.quick and not args.no_docs and not args.no_http and args.users == 10000:
        write_docs(report, md, f"{name}.md")
        log("updated docs/performance.md")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
