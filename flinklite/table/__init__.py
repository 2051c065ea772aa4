"""PyFlink's ``pyflink.table``: the Table API and SQL.

A :class:`TableEnvironment` / :class:`StreamTableEnvironment` holds a catalog of tables (DDL,
``TableDescriptor``, views of DataStreams) and plans SQL and Table API queries into operators of
flinklite's DataStream runtime (see docs/concepts/sql.md). Flink SQL is parsed with ``sqlglot``
(the ``sql`` extra), imported only when a statement or expression is first planned.
"""

from flinklite.common.types import Row, RowKind
from flinklite.table.changelog_mode import ChangelogMode
from flinklite.table.environment_settings import EnvironmentSettings
from flinklite.table.explain_detail import ExplainDetail
from flinklite.table.expression import Expression
from flinklite.table.schema import Schema
from flinklite.table.sql_dialect import SqlDialect
from flinklite.table.statement_set import StatementSet
from flinklite.table.table import GroupedTable, GroupWindowedTable, OverWindowedTable, Table, WindowGroupedTable
from flinklite.table.table_config import TableConfig
from flinklite.table.table_descriptor import FormatDescriptor, TableDescriptor
from flinklite.table.table_environment import StreamTableEnvironment, TableEnvironment
from flinklite.table.table_result import ResultKind, TableResult
from flinklite.table.types import DataType, DataTypes
from flinklite.table.udf import (
    AggregateFunction,
    AsyncScalarFunction,
    FunctionContext,
    ScalarFunction,
    TableAggregateFunction,
    TableFunction,
)

__all__ = [
    "AggregateFunction",
    "AsyncScalarFunction",
    "ChangelogMode",
    "DataType",
    "DataTypes",
    "EnvironmentSettings",
    "ExplainDetail",
    "Expression",
    "FormatDescriptor",
    "FunctionContext",
    "GroupWindowedTable",
    "GroupedTable",
    "OverWindowedTable",
    "ResultKind",
    "Row",
    "RowKind",
    "ScalarFunction",
    "Schema",
    "SqlDialect",
    "StatementSet",
    "StreamTableEnvironment",
    "Table",
    "TableAggregateFunction",
    "TableConfig",
    "TableDescriptor",
    "TableEnvironment",
    "TableFunction",
    "TableResult",
    "WindowGroupedTable",
]
