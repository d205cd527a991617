"""Build time and memory of the whole catalogue, against a reference revision built in the same run.

    .venv/bin/python bench/bench_build.py                      # reference: the merge base with main
    .venv/bin/python bench/bench_build.py --reference ef0098c  # any revision git knows
    .venv/bin/python bench/bench_build.py --packages           # include the data packages

The reference revision is checked out into a temporary git worktree and built with the same Python
and the same installed packages as the current tree, one build after the other (alternating when
`--repeat` is above 1), so the ratio compares the code and the bundled data, not the machine's mood.
Each build runs in its own process into its own temporary var/ folder; nothing is published to the
project's var/. Prints the wall time of every step for both, the ratio current / reference, and each
build's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEP_LINE = re.compile(r"^\[(\d+)/(\d+)\] (\S+) \.\.\.")
# The command line moved between revisions; the first module a tree has is the one it is built with.
CLI_MODULES = ("cli.main", "catalogue.cli")
# Runs the build in-process and reports the peak resident set size on stderr when it exits.
RUNNER = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: print(f'MAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', "
    "file=sys.stderr))\n"
    "sys.argv = [sys.argv[1], *sys.argv[2:]]\n"
    "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
)


def cli_module(tree: Path) -> str:
    for module in CLI_MODULES:
        parts = module.split(".")
        if (tree.joinpath(*parts[:-1]) / f"{parts[-1]}.py").exists() or (tree / module / "__main__.py").exists():
            return module
    raise SystemExit(f"{tree}: no command-line module among {', '.join(CLI_MODULES)}")


def build_once(tree: Path, packages: bool) -> tuple[dict[str, float], float, int]:
    """Builds `tree` into a temporary folder; returns seconds per step, total seconds and peak RSS in KB."""
    var = Path(tempfile.mkdtemp(prefix="lacat-bench-build-"))
    args = [sys.executable, "-c", RUNNER, cli_module(tree), "build"]
    if not packages:
        args.append("--no-packages")
    env = {**os.environ, "LACAT_VAR_DIR": str(var), "PYTHONPATH": str(tree)}
    steps: dict[str, float] = {}
    current: tuple[str, float] | None = None
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(args, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.perf_counter()
            match = STEP_LINE.match(line)
            if match or line.startswith("packages ..."):
                if current:
                    steps[current[0]] = now - current[1]
                current = (match.group(3) if match else "packages", now)
            elif line.startswith(("validat", "checks")) and current and current[0] != "checks":
                steps[current[0]] = now - current[1]
                current = ("checks", now)
        stderr = proc.stderr.read() if proc.stderr else ""
        code = proc.wait()
        total = time.perf_counter() - t0
        if current:
            steps[current[0]] = time.perf_counter() - current[1]
        if code != 0:
            raise SystemExit(f"build of {tree} failed ({code}):\n{stderr[-3000:]}")
        rss = int(re.findall(r"MAXRSS_KB (\d+)", stderr)[-1]) if "MAXRSS_KB" in stderr else 0
        return steps, total, rss
    finally:
        shutil.rmtree(var, ignore_errors=True)


def merge_base() -> str:
    out = subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or "HEAD"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", help="git revision to compare with (default: merge base with main)")
    parser.add_argument("--repeat", type=int, default=1, help="builds of each tree, alternating (default 1)")
    parser.add_argument("--packages", action="store_true", help="also build the data packages")
    opts = parser.parse_args()
    reference = opts.reference or merge_base()
    ref_tree = Path(tempfile.mkdtemp(prefix="lacat-bench-ref-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(ref_tree), reference], cwd=ROOT, check=True)
    runs: dict[str, list[tuple[dict[str, float], float, int]]] = {"reference": [], "current": []}
    try:
        for _ in range(opts.repeat):
            for name, tree in (("reference", ref_tree), ("current", ROOT)):
                print(f"building {name} ...", file=sys.stderr, flush=True)
                runs[name].append(build_once(tree, opts.packages))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(ref_tree)], cwd=ROOT, check=False)
    print(f"reference {reference}, current {ROOT.name} working tree; {opts.repeat} build(s) each, "
          f"{os.cpu_count()} cores; median seconds")
    names = list(dict.fromkeys([*runs["reference"][0][0], *runs["current"][0][0]]))
    print(f"{'step':<16}{'reference':>11}{'current':>11}{'ratio':>8}")
    for step in names:
        ref = statistics.median(r[0].get(step, 0.0) for r in runs["reference"])
        cur = statistics.median(r[0].get(step, 0.0) for r in runs["current"])
        ratio = f"{cur / ref:.2f}x" if ref > 0.05 else "-"
        print(f"{step:<16}{ref:>11.1f}{cur:>11.1f}{ratio:>8}")
    ref_total = statistics.median(r[1] for r in runs["reference"])
    cur_total = statistics.median(r[1] for r in runs["current"])
    print(f"{'whole build':<16}{ref_total:>11.1f}{cur_total:>11.1f}{cur_total / ref_total:>7.2f}x")
    ref_rss = max(r[2] for r in runs["reference"]) / 1024
    cur_rss = max(r[2] for r in runs["current"]) / 1024
    print(f"{'peak RSS (MB)':<16}{ref_rss:>11.0f}{cur_rss:>11.0f}{cur_rss / ref_rss if ref_rss else 0:>7.2f}x")


if __name__ == "__main__":
    main()
