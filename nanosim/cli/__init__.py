"""The ``nanosim`` command line: run, validate, compare, sweep, report, sensitivity,
calibrate, discover, dashboard.

Each command's arguments are declared here (cheap to import); its ``command(args)``
is in the module of this package named in its ``handler`` (``nanosim.cli.run``,
``.compare``, ``.sweep``, ``.report``, ``.sensitivity``, ``.calibrate``, ``.dashboard``),
imported only when the command runs: it parses, calls the library and prints. User
errors, and what the system refuses (a full disk, a name too long), are caught once,
here, and shown as one line of at most 300 characters with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario TOML file, or a bundled scenario's name "
                                      "(e.g. crisis)")
    p.add_argument("--out", required=True, help="folder for tables and figures")
    _common(p)
    p.add_argument("--csv", action="store_true", help="also write timeseries.csv")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key by its dotted path (repeatable), e.g. "
                        "channels.talk.rate=0.2 or country.Indonesia.appeal=0.7")
    p.add_argument("--replicates", type=_positive_int, help="replicates (default: the file's)")
    p.add_argument("--seed", type=_non_negative_int, help="root seed (default: the file's)")
    p.add_argument("--max-memory", type=_bytes, metavar="SIZE",
                   help="refuse work estimated to need more memory than this, e.g. 2GiB, "
                        "500MB (default: the memory available)")


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", help="scenario TOML files or bundled names")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="check with these overrides applied")


def _compare_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="*", help="two or more scenario TOML files or bundled "
                                                "names (one or more with --control; four "
                                                "with --factorial)")
    p.add_argument("--out", required=True, help="folder for the comparison")
    p.add_argument("--control", metavar="FILE",
                   help="control scenario (file or bundled name): report every scenario's "
                        "effect against it, paired by replicate (without it: the difference "
                        "in shift to the first file)")
    p.add_argument("--factorial", action="store_true",
                   help="the four files are a 2 x 2 design in the order A (neither factor), "
                        "B (first factor only), C (second factor only), D (both): report the "
                        "main effects and the interaction (D - C) - (B - A); A is the control")
    p.add_argument("--factors", metavar="FIRST,SECOND",
                   help="names of the two factors of --factorial, e.g. crisis,nano")
    _common(p)
    p.add_argument("--metric", default="favourability",
                   help="metric compared (default favourability)")
    p.add_argument("--pair", help="OBSERVER:TARGET pair to compare (default: the first pair)")
    p.add_argument("--csv", action="store_true", help="also write comparison.csv")


def _sweep_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario TOML file (or bundled name), or a sweep "
                                      "TOML file")
    p.add_argument("--out", required=True, help="sweep folder (rerun to resume)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="grid values (or start:stop:count); several keys form their product")
    p.add_argument("--lhs", type=_positive_int, metavar="N", help="Latin hypercube points")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="KEY=LO:HI",
                   help="range of a key for --lhs")
    p.add_argument("--design", metavar="FILE.csv", help="the points themselves: one row per "
                   "point, one column per scenario key (instead of --grid or --lhs)")
    _common(p)
    p.add_argument("--workers", type=_positive_int, help="local worker processes "
                                                         "(default: the number of cores)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on an existing Dask distributed cluster")


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="a sweep folder")
    p.add_argument("--out", help="where to write the report (default: FOLDER/report)")
    p.add_argument("--metric", default="favourability", help="metric at the final step")
    p.add_argument("--pair", help="OBSERVER:TARGET pair (default: the first pair)")


def _sensitivity_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario TOML file, or a bundled scenario's name")
    p.add_argument("--out", required=True, help="folder for the runs and the analysis "
                                                "(rerun to resume)")
    p.add_argument("--method", required=True, choices=["morris", "sobol"],
                   help="Morris screening (mu*, sigma) or Sobol' indices (first-order, total)")
    p.add_argument("--range", dest="ranges", action="append", default=[], metavar="KEY=LO:HI",
                   help="a parameter to vary and its range (repeatable)")
    p.add_argument("--samples", type=_positive_int, metavar="N", help="Morris trajectories "
                   "(default 10) or Sobol' base samples, a power of 2 (default 32)")
    p.add_argument("--second-order", action="store_true",
                   help="also Sobol' second-order indices (interactions; more runs)")
    p.add_argument("--metric", default="favourability",
                   help="metric whose final shift is analysed (default favourability)")
    p.add_argument("--pair", help="OBSERVER:TARGET pair (default: the first pair)")
    _common(p)
    p.add_argument("--workers", type=_positive_int, help="local worker processes "
                                                         "(default: the number of cores)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on an existing Dask distributed cluster")


def _calibrate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="calibration TOML file (docs/calibration.md)")
    p.add_argument("--out", help="calibration folder (rerun to resume); optional with --check")
    p.add_argument("--check", action="store_true",
                   help="recovery test: fit synthetic data made by the model at known "
                        "parameter values and report whether the 80 %% intervals cover them")
    p.add_argument("--method", choices=["abc", "optuna"], default="abc",
                   help="ABC-SMC posterior with pyabc (default), or an Optuna point estimate")
    p.add_argument("--budget", type=_positive_int, metavar="N",
                   help="at most N evaluations in all (ABC runs; Optuna trials)")
    p.add_argument("--workers", type=_positive_int, help="local worker processes "
                                                         "(default: the number of cores)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on an existing Dask distributed cluster")
    p.add_argument("--max-memory", type=_bytes, metavar="SIZE",
                   help="refuse work estimated to need more memory than this, e.g. 2GiB")


def _discover_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="a sweep or sensitivity folder")
    p.add_argument("--where", required=True, metavar='"METRIC < X"',
                   help='the outcome of interest, e.g. "favourability < 0" (<, <=, >, >=)')
    p.add_argument("--pair", help="OBSERVER:TARGET pair (default: the first pair)")
    p.add_argument("--out", help="where to write (default: FOLDER/discover)")


def _dashboard_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", nargs="?", help="folder of scenario files (and sweep and "
                   "comparison folders) to offer")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default "
                                                       "127.0.0.1; 0.0.0.0 exposes it)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="also answer pages of this origin, e.g. https://dash.example.org "
                        "behind a proxy (repeatable; default: only the address served on)")


COMMANDS = {
    "run": (_run_args, "nanosim.cli.run:run", "run a scenario and write tables and figures"),
    "validate": (_validate_args, "nanosim.cli.run:validate",
                 "check scenario files and explain every error"),
    "compare": (_compare_args, "nanosim.cli.compare:command",
                "run scenarios side by side with common random numbers"),
    "sweep": (_sweep_args, "nanosim.cli.sweep:command",
              "batch parameter sweep, local or on a Dask cluster, resumable"),
    "report": (_report_args, "nanosim.cli.report:command",
               "response curves of a sweep folder"),
    "sensitivity": (_sensitivity_args, "nanosim.cli.sensitivity:command",
                    "which parameters drive a shift, and through which channels (SALib)"),
    "calibrate": (_calibrate_args, "nanosim.cli.calibrate:command",
                  "fit scenarios to survey data: ABC-SMC posterior (pyabc) or Optuna"),
    "discover": (_discover_args, "nanosim.cli.sensitivity:discover",
                 "parameter boxes where an outcome occurs (PRIM scenario discovery)"),
    "dashboard": (_dashboard_args, "nanosim.cli.dashboard:command",
                  "serve the browser dashboard"),
}


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors in one line as nanosim's own are (exit status 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    p = _OneLineParser(prog="nanosim", description="Nano power diplomacy versus high "
                       "politics: an agent-based simulator.")
    from nanosim import __version__

    p.add_argument("--version", action="version", version=f"nanosim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add, handler, help_text) in COMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        add(sp)
        sp.set_defaults(handler=handler)
    return p


ONE_THREAD = {  # what would start threads at import; a setting of the user's own wins
    "OPENBLAS_NUM_THREADS": "1",  # numpy's BLAS pool (nanosim does no linear algebra)
    "JE_ARROW_MALLOC_CONF": "background_thread:false",  # pyarrow's allocator thread
}


def keep_one_thread() -> None:
    """Keep this process to one thread, so a sweep can fork its workers with nanosim
    already imported (a process with threads is never forked; see docs/sweeps.md)."""
    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)


def main(argv: list[str] | None = None) -> int:
    keep_one_thread()  # before numpy or pyarrow is imported
    args = parser().parse_args(argv)
    from nanosim.errors import NanosimError, one_line

    module, _, func = args.handler.partition(":")
    try:
        return int(getattr(importlib.import_module(module), func)(args) or 0)
    except NanosimError as e:
        print(one_line(f"nanosim: error: {e}"), file=sys.stderr)
        return e.exit_status
    except BrokenPipeError:  # output piped into `head` and friends
        sys.stderr.close()
        return 0
    except OSError as e:  # the system's refusal: a full disk, a name too long, no permission
        where = f": {e.filename}" if e.filename else ""
        print(one_line(f"nanosim: error: {e.strerror or type(e).__name__}{where}"),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nanosim: interrupted", file=sys.stderr)
        return 130


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 (got {text!r})")
    return value


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0 (got {text!r})")
    return value


UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1 << 10, "m": 1000**2, "mb": 1000**2,
         "mib": 1 << 20, "g": 1000**3, "gb": 1000**3, "gib": 1 << 30, "t": 1000**4,
         "tb": 1000**4, "tib": 1 << 40}


def _bytes(text: str) -> int:
    """A size such as ``2GiB``, ``500MB`` or ``1e9`` (bytes) as a whole number of bytes."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?(?:[eE]\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not m or m[2].lower() not in UNITS or float(m[1]) <= 0:
        raise argparse.ArgumentTypeError(f"must be a size such as 2GiB or 500MB (got "
                                         f"{text[:40]!r})")
    return int(float(m[1]) * UNITS[m[2].lower()])


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


if __name__ == "__main__":
    sys.exit(main())
