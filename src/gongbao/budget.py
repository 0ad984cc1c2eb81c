"""Time budgets: how long one request may work before it stops with a clear answer.

The web server gives every request a budget (:func:`time_budget`, ``gongbao serve
--time-budget``). The work reads it where it happens:

- between phases of Python work, :func:`check` raises :class:`~gongbao.errors.TimeBudgetExceeded`;
- SQLite runs :func:`sqlite_progress` every few thousand virtual-machine steps of a statement
  (installed on every connection): once the budget is spent the statement is interrupted;
- PostgreSQL gets the time left as ``statement_timeout`` of each transaction
  (:func:`statement_timeout_ms`): the server cancels the statement itself.

A store error raised while the budget is spent is the budget's doing: the API answers it as
:func:`exceeded` says (503 with ``Retry-After``). Outside a budget (the CLI, library callers)
all of this does nothing. A streamed response :meth:`Budget.release`\\ s its budget once its
first bytes are sent: an export may take as long as it takes, a page at a time.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Optional

from .errors import GongbaoError, TimeBudgetExceeded

DEFAULT_TIME_BUDGET = 20.0  # seconds a read request of the web server may work (gongbao serve --time-budget)
SQLITE_PROGRESS_STEPS = 10_000  # virtual-machine steps between two looks at the clock


class Budget:
    """The deadline of one request."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.active = True
        self.spent = False  # set once work was stopped (or found too late) for it

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def expired(self) -> bool:
        """Whether the deadline has passed (and the budget is still in force)."""
        if self.active and time.monotonic() >= self.ends:
            self.spent = True
        return self.active and self.spent

    def release(self) -> None:
        """No deadline from now on (the response has started: a 503 can no longer be sent)."""
        self.active = False


_current: ContextVar[Optional[Budget]] = ContextVar("gongbao_time_budget", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[Budget]:
    """Work in this block (and in threads started from its context) has ``seconds``."""
    budget = Budget(seconds)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current() -> Optional[Budget]:
    return _current.get()


def check(phase: str) -> None:
    """Stop here when the budget is spent: ``phase`` names the work that was about to start."""
    budget = _current.get()
    if budget is not None and budget.expired():
        raise _error(budget, phase)


def sqlite_progress() -> int:
    """SQLite's progress handler: non-zero interrupts the running statement."""
    budget = _current.get()
    return 1 if budget is not None and budget.expired() else 0


def statement_timeout_ms() -> Optional[int]:
    """PostgreSQL ``statement_timeout`` for a transaction starting now, None without a
    budget; a spent budget starts none (TimeBudgetExceeded)."""
    budget = _current.get()
    if budget is None or not budget.active:
        return None
    check("the query")
    return max(1, int(budget.remaining() * 1000))


def exceeded(error: BaseException) -> Optional[TimeBudgetExceeded]:
    """The 503 to answer instead of ``error`` when the budget is why it happened."""
    if isinstance(error, TimeBudgetExceeded):
        return error
    budget = _current.get()
    if isinstance(error, GongbaoError) and budget is not None and budget.expired():
        return _error(budget, "the query")
    return None


def _error(budget: Budget, phase: str) -> TimeBudgetExceeded:
    return TimeBudgetExceeded(
        f"this request took longer than the server allows ({budget.seconds:g} s) and was stopped"
        f" (at: {phase}); try again later, or narrow it with filters or a smaller page")
