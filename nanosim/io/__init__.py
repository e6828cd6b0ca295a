"""Folders written to disk: a run's, a comparison's, a sweep report's, the validation's."""
