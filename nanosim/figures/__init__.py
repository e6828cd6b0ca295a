"""Figures (matplotlib): a run's, a comparison's, a sweep report's and the validation's.

Importing the package selects matplotlib's Agg backend, so every figure is drawn
with no display, in a terminal, a worker or the dashboard's server alike.
"""

import matplotlib

matplotlib.use("Agg")
