"""Errors a user can cause, each shown as one clear line at the CLI and dashboard edge."""

import os

LINE_LIMIT = 300  # characters of an error line, at most


class NanosimError(Exception):
    """Base class for every error caused by user input (exit status 2 at the CLI)."""

    exit_status = 2


class RunFailed(NanosimError):
    """Work stopped by a failure outside the input (a lost worker or scheduler): exit 1."""

    exit_status = 1


class ScenarioError(NanosimError):
    """A scenario file, override or data file that cannot be used as it is.

    ``str(error)`` is one line: ``FILE: KEY: what is wrong (what is allowed)``.
    """

    def __init__(self, source: str, key: str, message: str):
        self.source = str(source)
        self.key = key
        self.message = message
        where = f"{self.source}: {key}" if key else self.source
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # rebuilt from its parts when a worker process sends it back
        return type(self), (self.source, self.key, self.message)

    def brief(self) -> str:
        """The line with the file's name only (no folders), as the dashboard shows it."""
        name = os.path.basename(self.source.rstrip("/")) or self.source
        return one_line(f"{name}: {self.key}: {self.message}" if self.key else
                        f"{name}: {self.message}")


def one_line(text: str, limit: int = LINE_LIMIT) -> str:
    """``text`` as one line of at most ``limit`` characters (cut at the end: " ...")."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 4].rstrip() + " ..."
