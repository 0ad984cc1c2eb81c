"""Errors gongbao raises on purpose.

Every message names the file concerned (an input file or the database) and the
reason, so the CLI can print ``str(error)`` as it is. ``code`` is greppable; ``status`` lets
the HTTP API, and ``exit_code`` the command line, turn any of these into an answer in one handler.
"""
from __future__ import annotations

from os import PathLike
from typing import Any, Optional, Union

PathName = Union[str, "PathLike[str]"]


class GongbaoError(Exception):
    """Base class of every error gongbao raises on purpose."""

    code = "gongbao_error"
    status = 500
    exit_code = 1

    def __init__(self, reason: str, path: Optional[PathName] = None) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {reason}" if self.path else reason)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep reason and path apart when errors cross process boundaries
        # (parallel ingest), instead of re-prefixing the path.
        return (type(self), (self.reason, self.path))

    def to_dict(self) -> dict[str, Optional[str]]:
        """The error as the API and ``--json`` output render it."""
        return {"error": self.code, "message": str(self), "path": self.path}


class InputError(GongbaoError):
    """An input file cannot be read as the text of a gazette."""

    code = "input_error"
    status = 422


class StoreError(GongbaoError):
    """The store cannot be opened, migrated, read or written."""

    code = "store_error"
    status = 500


class NotFound(GongbaoError):
    """A requested gazette or document is not in the store."""

    code = "not_found"
    status = 404


class QueryError(GongbaoError):
    """A search query that cannot be run as given (too long, an impossible filter value)."""

    code = "query_error"
    status = 400
    exit_code = 2


class UsageError(GongbaoError):
    """A command asked for what cannot be: an unknown option value, no input files, a server
    setting it cannot start with (exit 2, as for a command line the parser refuses)."""

    code = "usage_error"
    status = 400
    exit_code = 2


class TimeBudgetExceeded(GongbaoError):
    """A request used up its time budget (``gongbao.budget``): answered 503, to be tried
    again later, rather than holding a worker for minutes."""

    code = "time_budget_exceeded"
    status = 503
    retry_after = 10  # seconds, the Retry-After header of the answer
