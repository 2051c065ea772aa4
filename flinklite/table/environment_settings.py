"""``EnvironmentSettings`` (PyFlink's ``pyflink.table.EnvironmentSettings``): streaming or batch
mode, plus a configuration, for ``TableEnvironment.create``."""

from __future__ import annotations

from typing import Any

__all__ = ["EnvironmentSettings"]


class EnvironmentSettings:
    def __init__(self, streaming: bool = True, configuration: Any = None) -> None:
        self._streaming = streaming
        self._configuration = configuration

    class Builder:
        def __init__(self) -> None:
            self._streaming = True
            self._configuration: Any = None

        def with_configuration(self, config: Any) -> EnvironmentSettings.Builder:
            self._configuration = config
            return self

        def in_batch_mode(self) -> EnvironmentSettings.Builder:
            self._streaming = False
            return self

        def in_streaming_mode(self) -> EnvironmentSettings.Builder:
            self._streaming = True
            return self

        def with_built_in_catalog_name(self, built_in_catalog_name: str) -> EnvironmentSettings.Builder:
            return self

        def with_built_in_database_name(self, built_in_database_name: str) -> EnvironmentSettings.Builder:
            return self

        def build(self) -> EnvironmentSettings:
            return EnvironmentSettings(self._streaming, self._configuration)

    @staticmethod
    def new_instance() -> EnvironmentSettings.Builder:
        return EnvironmentSettings.Builder()

    @staticmethod
    def in_streaming_mode() -> EnvironmentSettings:
        return EnvironmentSettings(True)

    @staticmethod
    def in_batch_mode() -> EnvironmentSettings:
        return EnvironmentSettings(False)

    def is_streaming_mode(self) -> bool:
        return self._streaming

    def get_built_in_catalog_name(self) -> str:
        return "default_catalog"

    def get_built_in_database_name(self) -> str:
        return "default_database"

    def get_configuration(self) -> Any:
        from flinklite.common.configuration import Configuration

        return self._configuration if self._configuration is not None else Configuration()
