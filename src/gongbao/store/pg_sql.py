"""PostgreSQL helpers the store and its search index share: the backends' ``?`` SQL as
psycopg's, reads inside a transaction, COPY of rows, and text without U+0000."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from . import reads

if TYPE_CHECKING:
    import psycopg


def qmarks(sql: str) -> str:
    """``?`` parameters (the SQL the backends share) as psycopg's ``%s``."""
    return sql.replace("%", "%%").replace("?", "%s")


def rows_of(conn: "psycopg.Connection") -> "reads.Rows":
    """Run SQL with ``?`` parameters on this connection (inside its transaction)."""
    def rows(sql: str, params: Sequence[Any]) -> list[Any]:
        return conn.execute(qmarks(sql), [no_nul(p) for p in params]).fetchall()

    return rows


def copy_rows(cursor: "psycopg.Cursor[Any]", table: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (NUL-free text, see :func:`no_nul`)."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(no_nul(value) for value in row))


def no_nul(value: Any) -> Any:
    """PostgreSQL text cannot hold U+0000 (SQLite can): written — and looked up — as U+FFFD,
    the replacement character, so the rest of the text is kept. (Text files holding NUL
    bytes are refused by ``gongbao.decode`` already; this covers the other ways in.)"""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value
