"""Benchmarks: nanosim against Mesa and ndlib, and the full model at scale (``make bench``)."""
