"""Where scimcore spends its time on the hot paths: py-spy over the in-process driver, summarised.

    python benchmarks/profile.py                      # GET by id, userName eq, Entra PATCH; 10k users
    python benchmarks/profile.py --scenario co_scan --duration 5

Runs ``inprocess.py scimcore --only <scenario>`` under ``py-spy record --format raw`` (py-spy is installed in a
tools virtualenv under the cache dir, never in the project's), keeps the samples taken inside the measured
loop (seeding is left out), and prints per scenario the top functions by self time (with their hottest line)
and by inclusive time, as shares of the loop's samples.  Writes ``benchmarks/results/<stamp>-profile.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from common import SCENARIO_NAMES  # noqa: E402

DEFAULT = ["get_user", "filter_eq", "patch_active"]
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*):(?P<line>\d+)\)$")
LOOP = "run_scenario"


def tools_python(cache: Path) -> Path:
    venv = cache / "venvs" / "tools"
    spy = venv / "bin" / "py-spy"
    if not spy.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "py-spy"], check=True)
    return spy


def short(path: str) -> str:
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    if "/lib/python3" in path:
        return "stdlib/" + path.split("/lib/python3", 1)[1].split("/", 1)[1]
    return path


def parse(raw: str) -> tuple[int, Counter[str], Counter[str], dict[str, Counter[str]], dict[str, Counter[str]]]:
    """(samples in the loop, self samples per function, inclusive samples per function, lines per function,
    the nearest line of another scimcore function calling each function)."""
    total = 0
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    lines: dict[str, Counter[str]] = {}
    callers: dict[str, Counter[str]] = {}
    for row in raw.splitlines():
        stack, _, count_text = row.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        loop_at = next((i for i, f in enumerate(frames) if f.startswith(LOOP + " (")), None)
        if loop_at is None:
            continue
        count = int(count_text)
        total += count
        inner = frames[loop_at + 1 :]
        if not inner:
            self_time["(driver loop)"] += count
            continue
        seen = set()
        for frame in inner:
            m = FRAME.match(frame)
            key = f"{m['func']} ({short(m['file'])})" if m else frame
            if key not in seen:
                inclusive[key] += count
                seen.add(key)
        m = FRAME.match(inner[-1])
        leaf = f"{m['func']} ({short(m['file'])})" if m else inner[-1]
        self_time[leaf] += count
        if m:
            lines.setdefault(leaf, Counter())[f"{short(m['file'])}:{m['line']}"] += count
        base = (m["func"] if m else inner[-1]).split(".<locals>")[0]
        for frame in reversed(inner[:-1]):
            fm = FRAME.match(frame)
            if fm and short(fm["file"]).startswith("scimcore/") and fm["func"].split(".<locals>")[0] != base:
                callers.setdefault(leaf, Counter())[f"{short(fm['file'])}:{fm['line']}"] += count
                break
    return total, self_time, inclusive, lines, callers


def report(name: str, raw: str, top: int) -> str:
    total, self_time, inclusive, lines, callers = parse(raw)
    if not total:
        return f"### {name}\n\nno samples inside the loop\n"
    out = [f"### {name}", "", f"{total} samples inside the measured loop.", "",
           "Self time (the function itself, not what it calls), with its hottest lines:", "",
           "| # | function | share | hottest lines | called from (nearest scimcore caller) |",
           "|---:|---|---:|---|---|"]
    for i, (key, count) in enumerate(self_time.most_common(top), 1):
        hot = ", ".join(f"`{ln}` {c / total:.0%}" for ln, c in lines.get(key, Counter()).most_common(3))
        via = ", ".join(f"`{ln}` {c / total:.0%}" for ln, c in callers.get(key, Counter()).most_common(2))
        out.append(f"| {i} | `{key}` | {count / total:.1%} | {hot} | {via} |")
    out += ["", "Inclusive time (the function and everything it calls):", "",
            "| # | function | share |", "|---:|---|---:|"]
    for i, (key, count) in enumerate(inclusive.most_common(top * 2), 1):
        out.append(f"| {i} | `{key}` | {count / total:.1%} |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", choices=SCENARIO_NAMES)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--database", default=None, choices=["memory", "sqlite"],
                        help="memory (default) or sqlite (a fresh SQLite file per scenario)")
    parser.add_argument("--cache-dir", default=None)
    args = parser.parse_args()
    cache = Path(args.cache_dir or os.environ.get("SCIMCORE_BENCH_CACHE") or Path.home() / ".cache" / "scimcore-bench")
    spy = tools_python(cache)
    sections = []
    for name in args.scenario or DEFAULT:
        with tempfile.NamedTemporaryFile(suffix=".txt") as out:
            cmd = [str(spy), "record", "--format", "raw", "--full-filenames", "-r", str(args.rate), "-o", out.name,
                   "--", sys.executable, str(BENCH / "inprocess.py"), "scimcore", "--users", str(args.users),
                   "--duration", str(args.duration), "--only", name]
            if args.database == "sqlite":
                cmd += ["--database", f"sqlite:///{out.name}.db"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            sections.append(report(name, Path(out.name).read_text(), args.top))
            for suffix in (".db", ".db-wal", ".db-shm"):
                Path(out.name + suffix).unlink(missing_ok=True)
        print(sections[-1], flush=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{stamp}-profile.md"
    path.write_text(f"# Profile of scimcore in-process ({args.database or 'memory'}), {args.users:,} users\n\n"
                    "```sh\npython benchmarks/profile.py "
                    + " ".join(sys.argv[1:]) + "\n```\n\n" + "\n".join(sections))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
