"""The engine: the Mesa model, its world, channels, events, compiled kernels and metrics."""
