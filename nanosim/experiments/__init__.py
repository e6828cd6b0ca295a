"""Experiments on the engine: runs, comparisons, sweeps, reports and the validation."""
