"""Check that a refactor keeps results byte-identical: every library scenario, the
validation scenarios and a sweep, run by the code at BASE and by the working tree.

    .venv/bin/python tools/check_identical.py BASE [--quick]

Both trees run the same scenario files (BASE's copies) in this virtual environment
(the tree under test comes first on PYTHONPATH); every ``*.parquet`` they write is
compared byte for byte. Each tree compiles its kernels into a cache of its own, so a
stale numba cache in the working tree (docs/architecture.md) cannot hide a change.
Exit status 0 when all are identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cases(scenarios: Path, quick: bool) -> list[tuple[str, list[str]]]:
    """(name, nanosim arguments) of every run to compare; ``{out}`` is the output folder."""
    small = ["--replicates", "2"] + (["--set", "population.size=2000"] if quick else [])
    runs = [(path.stem, ["run", str(path), "--out", "{out}", *small])
            for path in sorted(scenarios.glob("*.toml"))]
    runs.append(("axelrod", ["run", str(scenarios / "validation" / "axelrod.toml"), "--out",
                             "{out}", "--replicates", "3"]))
    runs.append(("deffuant", ["run", str(scenarios / "validation" / "deffuant.toml"), "--out",
                              "{out}", "--replicates", "2", "--set", "scenario.steps=20000"]))
    runs.append(("sweep", ["sweep", str(scenarios / "crisis.toml"), "--out", "{out}",
                           "--grid", "network.cross_border=0,0.5", "--replicates", "2",
                           "--set", "population.size=2000", "--workers", "2"]))
    return runs


def run_all(tree: Path, scenarios: Path, out: Path, quick: bool) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree), MPLBACKEND="Agg",
               NUMBA_CACHE_DIR=str(out.with_name(out.name + "-numba-cache")))
    for name, args in cases(scenarios, quick):
        args = [a.replace("{out}", str(out / name)) for a in args]
        done = subprocess.run([sys.executable, "-m", "nanosim", *args], env=env, cwd=tree,
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{tree}: nanosim {' '.join(args)} failed:\n{done.stderr}")
        print(f"  {name}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit before the change (e.g. a tag or hash)")
    parser.add_argument("--quick", action="store_true", help="2,000 citizens per scenario")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nanosim-identical-") as tmp:
        tmp = Path(tmp)
        base = tmp / "source"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.base],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        scenarios = base / "scenarios"
        for label, tree in (("base", base), ("working tree", ROOT)):
            print(f"{label}:", flush=True)
            run_all(tree, scenarios, tmp / label.replace(" ", "_"), args.quick)
        before = sorted(p.relative_to(tmp / "base") for p in (tmp / "base").rglob("*.parquet"))
        differ = []
        for rel in before:
            after = tmp / "working_tree" / rel
            if not after.exists() or not filecmp.cmp(tmp / "base" / rel, after, shallow=False):
                differ.append(str(rel))
        print(f"{len(before) - len(differ)} of {len(before)} parquet files byte-identical")
        for rel in differ:
            print(f"  differs: {rel}")
        return 1 if differ or not before else 0


if __name__ == "__main__":
    raise SystemExit(main())
