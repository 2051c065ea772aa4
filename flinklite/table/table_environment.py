"""``StreamTableEnvironment`` (PyFlink's ``pyflink.table.StreamTableEnvironment``): the bridge
between DataStreams and Tables. This slice supports ``create(env)``, ``from_data_stream(ds,
schema)`` and ``to_data_stream(table)``; SQL (``execute_sql``, ``sql_query``) arrives with the
SQL engine.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import InvalidProgramException
from flinklite.table.schema import Schema
from flinklite.table.table import DataStreamScan, Table

__all__ = ["StreamTableEnvironment", "TableEnvironment", "EnvironmentSettings"]


class EnvironmentSettings:
    def __init__(self, streaming: bool = True) -> None:
        self._streaming = streaming

    @staticmethod
    def in_streaming_mode() -> EnvironmentSettings:
        return EnvironmentSettings(True)

    @staticmethod
    def in_batch_mode() -> EnvironmentSettings:
        return EnvironmentSettings(False)

    def is_streaming_mode(self) -> bool:
        return self._streaming


class TableEnvironment:
    """Base of the table environments."""


class StreamTableEnvironment(TableEnvironment):
    def __init__(self, env: Any, settings: EnvironmentSettings | None = None) -> None:
        self._env = env
        self._settings = settings or EnvironmentSettings.in_streaming_mode()

    @staticmethod
    def create(stream_execution_environment: Any = None, environment_settings: Any = None) -> StreamTableEnvironment:
        if stream_execution_environment is None:
            from flinklite.datastream.stream_execution_environment import StreamExecutionEnvironment

            stream_execution_environment = StreamExecutionEnvironment.get_execution_environment()
        return StreamTableEnvironment(stream_execution_environment, environment_settings)

    def from_data_stream(self, data_stream: Any, *fields_or_schema: Any) -> Table:
        schema = None
        if fields_or_schema:
            if len(fields_or_schema) == 1 and isinstance(fields_or_schema[0], Schema):
                schema = fields_or_schema[0]
            else:
                raise InvalidProgramException(
                    "from_data_stream: flinklite supports a Schema (Schema.new_builder()...build()) as the "
                    "second argument; expression lists are not supported yet"
                )
        return Table(DataStreamScan(data_stream, schema), self)

    def to_data_stream(self, table: Table) -> Any:
        if not isinstance(table, Table):
            raise InvalidProgramException(f"to_data_stream: expected a Table, got {type(table).__name__}")
        return table._node.to_stream(self)

    def get_config(self) -> Any:
        return self._env.get_config()
