"""Calibration: fitting scenarios to survey data, with pyabc's ABC-SMC or Optuna.

:func:`read_calibration` reads and checks a calibration file (:mod:`.spec`);
:func:`calibrate` runs the fit into a resumable folder (:mod:`.run`, :mod:`.folder`,
:mod:`.journal`) with ABC-SMC (:mod:`.smc`) or an Optuna search (:mod:`.search`), each
evaluation a task on the sweep's executors (:mod:`.simulate`), and summarises it
(:mod:`.summary`). pyabc and Optuna are imported only when a fit runs.
"""

from nanosim.experiments.calibration.run import Result, calibrate
from nanosim.experiments.calibration.spec import Calibration, read_calibration

__all__ = ["Calibration", "Result", "calibrate", "read_calibration"]
