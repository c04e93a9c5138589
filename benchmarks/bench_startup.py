"""`zhidao --help` start-up: wall time of the command in a fresh process, median of ``--repeat``
runs, against a bare interpreter (`python -c pass`) measured in the same run, interleaved.

Target (issue 16): ≤ 0.3 s. If missed: `python -X importtime -m zhidao.cli --help` shows what
is imported at start-up.

Usage: python benchmarks/bench_startup.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    script = shutil.which("zhidao", path=str(Path(sys.executable).parent)) or shutil.which("zhidao")
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "python -m zhidao.cli --help": [sys.executable, "-m", "zhidao.cli", "--help"]}
    if script:
        commands["zhidao --help"] = [script, "--help"]
    # as installed, Python keeps compiled modules (__pycache__); an environment with
    # PYTHONDONTWRITEBYTECODE=1 compiles every module from source at every start: both are shown
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="zhidao-pycache-")  # not in the working tree
    envs = {"bytecode cached": cached}
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        envs["PYTHONDONTWRITEBYTECODE=1 (this shell)"] = dict(os.environ)
    for env in envs.values():
        for cmd in commands.values():
            wall(cmd, env)  # warm the page cache (and write the bytecode)
    times: dict[tuple[str, str], list[float]] = {(e, c): [] for e in envs for c in commands}
    for _ in range(args.repeat):  # interleaved: a burst of load hits every command alike
        for (e, c) in times:
            times[(e, c)].append(wall(commands[c], envs[e]))
    print(f"load {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores; median of {args.repeat}")
    for e in envs:
        base = statistics.median(times[(e, "python -c pass")])
        for c in commands:
            ts = times[(e, c)]
            med = statistics.median(ts)
            print(f"[{e}] {c}: {med * 1000:.0f} ms (min {min(ts) * 1000:.0f}, max {max(ts) * 1000:.0f}); "
                  f"{med / base:.1f}× python -c pass, {(med - base) * 1000:.0f} ms over it"
                  + (" (target ≤ 300 ms)" if "help" in c else ""))


if __name__ == "__main__":
    main()
