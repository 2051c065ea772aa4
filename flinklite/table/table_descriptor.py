"""``TableDescriptor`` and ``FormatDescriptor`` (PyFlink's ``pyflink.table``): a connector table
declared in Python instead of DDL (``create_temporary_table``, ``from_descriptor``,
``execute_insert``)."""

from __future__ import annotations

from typing import Any

__all__ = ["TableDescriptor", "FormatDescriptor"]


class TableDescriptor:
    def __init__(self, connector: str, schema: Any, options: dict, partition_keys: list, comment: str | None) -> None:
        self._connector = connector
        self._schema = schema
        self._options = options
        self._partition_keys = partition_keys
        self._comment = comment

    @staticmethod
    def for_connector(connector: str) -> TableDescriptor.Builder:
        return TableDescriptor.Builder(connector)

    def get_schema(self) -> Any:
        return self._schema

    def get_options(self) -> dict[str, str]:
        return dict(self._options, connector=self._connector)

    def get_partition_keys(self) -> list[str]:
        return list(self._partition_keys)

    def get_comment(self) -> str | None:
        return self._comment

    def __str__(self) -> str:
        opts = ",\n".join(f"  '{k}' = '{v}'" for k, v in sorted(self.get_options().items()))
        return f"{self._schema if self._schema is not None else '()'}\nWITH (\n{opts}\n)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TableDescriptor) and self.get_options() == other.get_options() and \
            str(self._schema) == str(other._schema)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.get_options().items())))

    class Builder:
        def __init__(self, connector: str) -> None:
            self._connector = connector
            self._schema: Any = None
            self._options: dict[str, str] = {}
            self._partition_keys: list[str] = []
            self._comment: str | None = None

        def schema(self, schema: Any) -> TableDescriptor.Builder:
            self._schema = schema
            return self

        def option(self, key: Any, value: Any) -> TableDescriptor.Builder:
            key = getattr(key, "key", lambda: key)() if not isinstance(key, str) else key
            self._options[key] = str(value).lower() if isinstance(value, bool) else str(value)
            return self

        def format(self, format: Any, format_option: Any = None) -> TableDescriptor.Builder:
            if isinstance(format, FormatDescriptor):
                name = format.get_format()
                self._options[format_option or "format"] = name
                for k, v in format.get_options().items():
                    self._options[f"{name}.{k}"] = v
            else:
                self._options[format_option or "format"] = format
            return self

        def partitioned_by(self, *partition_keys: str) -> TableDescriptor.Builder:
            self._partition_keys = list(partition_keys)
            return self

        def comment(self, comment: str) -> TableDescriptor.Builder:
            self._comment = comment
            return self

        def build(self) -> TableDescriptor:
            return TableDescriptor(self._connector, self._schema, dict(self._options), self._partition_keys,
                                   self._comment)


class FormatDescriptor:
    def __init__(self, fmt: str, options: dict) -> None:
        self._format = fmt
        self._options = options

    @staticmethod
    def for_format(format: str) -> FormatDescriptor.Builder:
        return FormatDescriptor.Builder(format)

    def get_format(self) -> str:
        return self._format

    def get_options(self) -> dict[str, str]:
        return dict(self._options)

    def __str__(self) -> str:
        return f"{self._format}[{self._options}]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FormatDescriptor) and (self._format, self._options) == (other._format, other._options)

    def __hash__(self) -> int:
        return hash(self._format)

    class Builder:
        def __init__(self, fmt: str) -> None:
            self._format = fmt
            self._options: dict[str, str] = {}

        def option(self, key: Any, value: Any) -> FormatDescriptor.Builder:
            self._options[key if isinstance(key, str) else key.key()] = str(value)
            return self

        def build(self) -> FormatDescriptor:
            return FormatDescriptor(self._format, dict(self._options))
