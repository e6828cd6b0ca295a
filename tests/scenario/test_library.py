"""The bundled scenarios are package data: found by name, in a checkout and in a wheel."""

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from nanosim import ScenarioError, load_scenario
from nanosim.cli import main as cli_main
from nanosim.scenario import bundled_path, bundled_scenarios

ROOT = Path(__file__).parents[2]
TINY = ["--replicates", "1", "--set", "population.size=300", "--set", "scenario.steps=5",
        "--set", "events=[]"]


def test_the_library_names_every_bundled_scenario():
    names = bundled_scenarios()
    assert {"quickstart", "crisis", "validation/axelrod", "validation/deffuant"} <= set(names)
    assert all(bundled_path(name).is_file() for name in names)


def test_a_scenario_is_loaded_by_name_where_no_such_file_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_scenario("validation/axelrod").source == str(bundled_path("validation/axelrod"))
    (tmp_path / "crisis").write_text('[[country]]\nname = "Solo"\nshare = 1.0\n')
    assert load_scenario("crisis").country_names == ["Solo"]  # a file of that name wins


def test_an_unknown_name_lists_the_bundled_ones_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli_main(["run", "crissis", "--out", "out"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "crissis: no such file or bundled scenario" in error
    assert "(closest: crisis, " in error and "bundled: asean, asean_no_row, baseline" in error
    assert cli_main(["run", "validation/axelrd", "--out", "out"]) == 2
    assert "(closest: validation/axelrod" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="nope.toml: no such file$"):
        load_scenario("nope.toml")  # a file's path is not taken for a name


def test_validate_and_run_take_a_bundled_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli_main(["validate", "crisis", "validation/deffuant"]) == 0
    assert "ok: crisis (Crisis;" in capsys.readouterr().out
    assert cli_main(["run", "quickstart", "--out", "q", *TINY]) == 0
    assert (tmp_path / "q" / "timeseries.parquet").is_file()


BOOT = """import runpy, sys
target, deps = sys.argv[1:3]
sys.path[:0] = [target, deps]
sys.argv = ["nanosim", *sys.argv[3:]]
import nanosim
print("nanosim from", nanosim.__file__, flush=True)
runpy.run_module("nanosim", run_name="__main__", alter_sys=True)
"""


@pytest.mark.slow  # about 40 s: a build, and numba compiling every kernel afresh
def test_an_installed_package_runs_a_bundled_scenario_by_name(tmp_path):
    source = tmp_path / "source"  # a copy, so the build leaves the checkout alone
    shutil.copytree(ROOT / "nanosim", source / "nanosim",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = tmp_path / "site"
    offline = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []
    built = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                            *offline, "--target", str(target), str(source)],
                           capture_output=True, text=True, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    deps = sysconfig.get_paths()["purelib"]  # this environment's numpy, numba, ...
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"MPLBACKEND": "Agg"}
    # -I -S: neither PYTHONPATH nor site-packages' .pth files (the editable install)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", BOOT, str(target), deps,
                           "run", "quickstart", "--out", str(tmp_path / "q"), *TINY],
                          capture_output=True, text=True, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    assert f"nanosim from {target / 'nanosim' / '__init__.py'}" in done.stdout
    assert (tmp_path / "q" / "timeseries.parquet").is_file()
