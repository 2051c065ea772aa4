"""``TableEnvironment`` and ``StreamTableEnvironment`` (PyFlink's ``pyflink.table``): the entry
point of the Table API and SQL. A table environment owns a catalog (tables from DDL, views,
functions) and a StreamExecutionEnvironment; every query is planned by
:mod:`flinklite.table._sql.planner` into operators of that environment, so SQL jobs are ordinary
flinklite DataStream jobs (same checkpoints, watermarks, exactly-once sinks).

Differences from Flink: one in-memory catalog (``default_catalog.default_database``); SQL
statements are planned directly (no Calcite optimizer: joins are not reordered, no mini-batch).
"""

from __future__ import annotations

import re
from typing import Any

from flinklite.errors import InvalidProgramException, ValidationException
from flinklite.table.environment_settings import EnvironmentSettings
from flinklite.table.schema import Schema
from flinklite.table.table import DataStreamScan, Table
from flinklite.table.table_config import TableConfig
from flinklite.table.table_result import ResultKind, TableResult

__all__ = ["StreamTableEnvironment", "TableEnvironment", "EnvironmentSettings"]

_STATEMENT_SET = re.compile(r"^\s*(?:EXECUTE\s+)?STATEMENT\s+SET\s+BEGIN\s+(.*?)\s*END\s*;?\s*$", re.I | re.S)
_EXPLAIN = re.compile(r"^\s*EXPLAIN\s+(?:PLAN\s+FOR\s+)?(.*)$", re.I | re.S)


class TableEnvironment:
    """A table environment on its own StreamExecutionEnvironment (``create(settings)``)."""

    def __init__(self, env: Any, settings: EnvironmentSettings | None = None) -> None:
        self._env = env
        self._settings = settings or EnvironmentSettings.in_streaming_mode()
        self._config = TableConfig(env)
        # name -> ("view", Table) | ("table", CatalogTable)
        self._catalog: dict[str, tuple[str, Any]] = {}
        self._functions: dict[str, Any] = {}
        self._anon = 0

    @staticmethod
    def create(environment_settings: Any = None) -> TableEnvironment:
        from flinklite.common.configuration import Configuration
        from flinklite.datastream.execution_mode import RuntimeExecutionMode
        from flinklite.datastream.stream_execution_environment import StreamExecutionEnvironment

        if isinstance(environment_settings, Configuration):
            environment_settings = EnvironmentSettings.new_instance().with_configuration(environment_settings).build()
        settings = environment_settings or EnvironmentSettings.in_streaming_mode()
        env = StreamExecutionEnvironment.get_execution_environment(settings.get_configuration())
        if not settings.is_streaming_mode():
            env.set_runtime_mode(RuntimeExecutionMode.BATCH)
        return TableEnvironment(env, settings)

    # -- configuration ------------------------------------------------------------------------
    def get_config(self) -> TableConfig:
        return self._config

    def _batch(self) -> bool:
        from flinklite.datastream.execution_mode import RuntimeExecutionMode

        return (not self._settings.is_streaming_mode()) or self._env._runtime_mode == RuntimeExecutionMode.BATCH

    # -- catalog -------------------------------------------------------------------------------
    def create_temporary_view(self, view_path: str, table_or_data_stream: Any, *fields_or_schema: Any) -> None:
        if not isinstance(table_or_data_stream, Table):
            table_or_data_stream = self.from_data_stream(table_or_data_stream, *fields_or_schema)
        self._put(view_path, ("view", table_or_data_stream), replace=False)

    def register_table(self, name: str, table: Table) -> None:
        self._put(name, ("view", table), replace=False)

    def create_temporary_table(self, path: str, descriptor: Any) -> None:
        from flinklite.table._sql.catalog import table_from_descriptor

        self._put(path, ("table", table_from_descriptor(path, descriptor)), replace=False)

    create_table = create_temporary_table

    def _put(self, path: str, entry: tuple, replace: bool) -> None:
        name = _last(path)
        if name in self._catalog and not replace:
            raise ValidationException(f"Temporary table '`default_catalog`.`default_database`.`{name}`' already "
                                      "exists")
        self._catalog[name] = entry

    def drop_temporary_view(self, view_path: str) -> bool:
        return self._catalog.pop(_last(view_path), None) is not None

    drop_temporary_table = drop_temporary_view
    drop_view = drop_temporary_view
    drop_table = drop_temporary_view

    def list_tables(self) -> list[str]:
        return sorted(self._catalog)

    list_temporary_tables = list_tables
    list_views = list_tables
    list_temporary_views = list_tables

    def list_user_defined_functions(self) -> list[str]:
        return sorted(n.lower() for n in self._functions)

    list_functions = list_user_defined_functions

    def list_catalogs(self) -> list[str]:
        return ["default_catalog"]

    def list_databases(self) -> list[str]:
        return ["default_database"]

    def get_current_catalog(self) -> str:
        return "default_catalog"

    def get_current_database(self) -> str:
        return "default_database"

    def from_path(self, path: str) -> Table:
        from flinklite.table._sql.catalog import resolve

        name = _last(path)
        if name not in self._catalog:
            raise ValidationException(f"Table `{path}` was not found.")
        return Table(_QueryNode(lambda: resolve(self, name, None), self), self)

    def create_temporary_function(self, path: str, function: Any) -> None:
        from flinklite.table.udf import _as_wrapper

        self._functions[_last(path).upper()] = _as_wrapper(function)

    create_temporary_system_function = create_temporary_function
    create_function = create_temporary_function

    def register_function(self, name: str, function: Any) -> None:
        self.create_temporary_function(name, function)

    def drop_temporary_function(self, path: str) -> bool:
        return self._functions.pop(_last(path).upper(), None) is not None

    drop_temporary_system_function = drop_temporary_function
    drop_function = drop_temporary_function

    # -- tables from Python data ---------------------------------------------------------------
    def from_elements(self, elements: Any, schema: Any = None, verify_schema: bool = True) -> Table:
        from flinklite.table._sql.catalog import elements_rel

        rel = elements_rel(list(elements), schema)
        return Table(_QueryNode(lambda: rel, self), self)

    def from_data_stream(self, data_stream: Any, *fields_or_schema: Any) -> Table:
        schema = None
        if fields_or_schema:
            if len(fields_or_schema) == 1 and isinstance(fields_or_schema[0], Schema):
                schema = fields_or_schema[0]
            else:
                from flinklite.table._sql.catalog import schema_from_expressions

                schema = schema_from_expressions(data_stream, fields_or_schema)
        return Table(DataStreamScan(data_stream, schema), self)

    def from_descriptor(self, descriptor: Any) -> Table:
        from flinklite.table._sql.catalog import resolve_catalog_table, table_from_descriptor

        ct = table_from_descriptor("_anonymous", descriptor)
        return Table(_QueryNode(lambda: resolve_catalog_table(self, ct), self), self)

    # -- SQL -----------------------------------------------------------------------------------
    def sql_query(self, query: str) -> Table:
        from flinklite.table._sql import statements

        return statements.sql_query(self, query)

    def execute_sql(self, stmt: str) -> TableResult:
        from flinklite.table._sql import statements

        m = _STATEMENT_SET.match(stmt)
        if m:
            ss = self.create_statement_set()
            for part in _split_statements(m.group(1)):
                ss.add_insert_sql(part)
            return ss.execute()
        m = _EXPLAIN.match(stmt)
        if m:
            text = self.explain_sql(m.group(1))
            return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["result"], [None], rows=[(text,)])
        return statements.execute(self, stmt)

    def explain_sql(self, stmt: str, *extra_details: Any) -> str:
        from flinklite.table._sql import statements

        return statements.explain(self, stmt)

    def create_statement_set(self) -> Any:
        from flinklite.table.statement_set import StatementSet

        return StatementSet(self)

    def execute(self, job_name: str | None = None) -> Any:
        return self._env.execute(job_name)

    # -- internals -----------------------------------------------------------------------------
    def _register_anonymous(self, table: Table) -> str:
        self._anon += 1
        name = f"_flinklite_table_{self._anon}"
        self._catalog[name] = ("view", table)
        return name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(streaming={not self._batch()})"


class StreamTableEnvironment(TableEnvironment):
    """A table environment over a given StreamExecutionEnvironment (``create(env)``), which adds
    the DataStream bridge: ``from_data_stream``, ``to_data_stream``, ``to_changelog_stream``."""

    @staticmethod
    def create(stream_execution_environment: Any = None, environment_settings: Any = None) -> StreamTableEnvironment:
        from flinklite.datastream.execution_mode import RuntimeExecutionMode

        if stream_execution_environment is None:
            from flinklite.datastream.stream_execution_environment import StreamExecutionEnvironment

            stream_execution_environment = StreamExecutionEnvironment.get_execution_environment()
        if environment_settings is not None and not environment_settings.is_streaming_mode():
            stream_execution_environment.set_runtime_mode(RuntimeExecutionMode.BATCH)
        return StreamTableEnvironment(stream_execution_environment, environment_settings)

    def to_data_stream(self, table: Table, target: Any = None) -> Any:
        if not isinstance(table, Table):
            raise InvalidProgramException(f"to_data_stream: expected a Table, got {type(table).__name__}")
        if isinstance(table._node, DataStreamScan):
            return table._node.to_stream(self)
        from flinklite.table._sql import statements

        return statements.to_data_stream(self, table, changelog=False)

    def to_changelog_stream(self, table: Table, target_schema: Any = None, changelog_mode: Any = None) -> Any:
        from flinklite.table._sql import statements

        return statements.to_data_stream(self, table, changelog=True)

    def to_append_stream(self, table: Table, type_info: Any = None) -> Any:
        return self.to_data_stream(table)

    def to_retract_stream(self, table: Table, type_info: Any = None) -> Any:
        from flinklite.table._sql import statements

        return statements.to_data_stream(self, table, changelog=True).map(
            lambda r: (r.get_row_kind().value in (0, 2), r))

    def from_changelog_stream(self, data_stream: Any, schema: Any = None, changelog_mode: Any = None) -> Table:
        from flinklite.table._sql.catalog import changelog_rel

        rel = changelog_rel(data_stream, schema)
        return Table(_QueryNode(lambda: rel, self), self)


class _QueryNode:
    """A Table's logical plan: ``make()`` plans (or returns) its Rel."""

    def __init__(self, make: Any, t_env: Any, text: str | None = None) -> None:
        self._make = make
        self._t_env = t_env
        self.text = text

    def rel(self) -> Any:
        return self._make()

    def column_names(self) -> list[str]:
        return [f.name for f in self.rel().fields]


def _last(path: str) -> str:
    parts = [p.strip("`") for p in path.split(".")]
    return parts[-1]


def _split_statements(text: str) -> list[str]:
    from flinklite.table._sql.dialect import parse

    return parse(text)
