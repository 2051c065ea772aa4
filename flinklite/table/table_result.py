"""``TableResult`` and ``ResultKind`` (PyFlink's ``pyflink.table.TableResult``): what
``execute_sql`` / ``Table.execute`` / ``StatementSet.execute`` return.

A query's result is lazy: ``collect()`` builds and runs the job as rows are asked for, and gives
``Row`` values with their ``RowKind``; ``print()`` shows them in Flink's tableau format (with an
``op`` column in streaming mode). A DDL statement's result is the single row ``OK``; an INSERT's
result carries the running job (``wait()`` blocks until it finishes).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

__all__ = ["TableResult", "ResultKind", "CloseableIterator"]


class ResultKind(Enum):
    SUCCESS = 0
    SUCCESS_WITH_CONTENT = 1


class CloseableIterator:
    """Rows of a query result, converted from the runtime's ``(RowKind, values)``."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> CloseableIterator:
        return self

    def __next__(self) -> Any:
        return next(self._inner)

    def next(self) -> Any:
        return self.__next__()

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> CloseableIterator:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class TableResult:
    def __init__(self, kind: ResultKind, names: list[str], types: list[Any], rows: list | None = None,
                 collect: Any = None, job_client: Any = None, streaming: bool = True) -> None:
        self._kind = kind
        self._names = names
        self._types = types
        self._rows = rows
        self._collect = collect
        self._job_client = job_client
        self._streaming = streaming

    def get_job_client(self) -> Any:
        return self._job_client

    def wait(self, timeout_ms: int | None = None) -> None:
        if self._job_client is not None:
            self._job_client.get_job_execution_result().result(
                None if timeout_ms is None else timeout_ms / 1000)

    def get_result_kind(self) -> ResultKind:
        return self._kind

    def get_resolved_schema(self) -> Any:
        from flinklite.table.schema import ResolvedSchema

        return ResolvedSchema(self._names, self._types)

    get_table_schema = get_resolved_schema

    def collect(self) -> CloseableIterator:
        if self._collect is not None:
            return CloseableIterator(self._collect())
        from flinklite.common.types import _create_row

        return CloseableIterator(iter([_create_row(None, list(r)) for r in self._rows or []]))

    def print(self) -> None:
        from flinklite.table._tableau import print_rows

        if self._kind is ResultKind.SUCCESS:
            print("OK")  # a DDL statement's result prints as the bare word, as in PyFlink
            return
        if self._collect is None:
            print_rows(self._names, self._types, [(None, r) for r in self._rows or []], False, batch_style=True)
            return
        with self.collect() as rows:
            print_rows(self._names, self._types, ((r.get_row_kind(), tuple(r)) for r in rows), self._streaming,
                       batch_style=False)  # a query sizes columns by type in both modes, as PyFlink does
