"""PyFlink's ``pyflink.table``: the Table API. This slice is the DataStream <-> Table bridge
(``StreamTableEnvironment.from_data_stream`` / ``to_data_stream`` with a :class:`Schema` that
declares computed columns and a watermark); the SQL engine builds on it later.
"""

from flinklite.table.schema import Schema
from flinklite.table.table import Table
from flinklite.table.table_environment import EnvironmentSettings, StreamTableEnvironment, TableEnvironment
from flinklite.table.types import DataType, DataTypes

__all__ = [
    "StreamTableEnvironment",
    "TableEnvironment",
    "EnvironmentSettings",
    "Schema",
    "Table",
    "DataTypes",
    "DataType",
]
