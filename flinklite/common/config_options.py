"""``ConfigOptions`` / ``ConfigOption`` (PyFlink's ``pyflink.common.config_options``): typed,
named configuration parameters with an optional default.

Built as in Flink: ``ConfigOptions.key("my.key").int_type().default_value(3)``. flinklite's
``Configuration`` stores strings under keys, so an option is its key, its Python type and its
default; :meth:`ConfigOption.get_from` (a flinklite extension) reads it from a ``Configuration``
and converts the text to the option's type.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from flinklite.errors import InvalidProgramException

__all__ = ["ConfigOption", "ConfigOptions"]

T = TypeVar("T")

_TYPES: dict[str, type] = {"bool": bool, "int": int, "float": float, "str": str}


class ConfigOption(Generic[T]):
    """An immutable configuration parameter: key, value type, default (None: no default)."""

    def __init__(self, key: str, value_type: type = str, default: Any = None, description: str = "") -> None:
        self._key = key
        self._type = value_type
        self._default = default
        self._description = description

    def key(self) -> str:
        return self._key

    def default_value(self) -> Any:
        return self._default

    def has_default_value(self) -> bool:
        return self._default is not None

    def with_description(self, description: str) -> ConfigOption[T]:
        return ConfigOption(self._key, self._type, self._default, description)

    def get_description(self) -> str:
        return self._description

    def get_from(self, configuration: Any) -> Any:
        """flinklite extension: this option's value in ``configuration`` (its default if unset)."""
        text = configuration.get_string(self._key, None)
        if text is None:
            return self._default
        try:
            if self._type is bool:
                low = text.strip().lower()
                if low not in ("true", "false"):
                    raise ValueError(text)
                return low == "true"
            return self._type(text)
        except ValueError:
            raise InvalidProgramException(
                f"configuration option {self._key!r}: {text!r} is not a {self._type.__name__}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigOption) and (self._key, self._type, self._default) == (
            other._key, other._type, other._default)

    def __hash__(self) -> int:
        return hash((self._key, self._type))

    def __repr__(self) -> str:
        return f"Key: '{self._key}' , default: {self._default}"


class ConfigOptions:
    """Where :class:`ConfigOption` values are built: ``ConfigOptions.key(...).<type>().<default>``."""

    @staticmethod
    def key(key: str) -> ConfigOptions.OptionBuilder:
        if not isinstance(key, str) or not key.strip():
            raise InvalidProgramException(f"ConfigOptions.key needs a non-empty str, got {key!r}")
        return ConfigOptions.OptionBuilder(key)

    class OptionBuilder:
        def __init__(self, key: str) -> None:
            self._key = key

        def _typed(self, t: type) -> ConfigOptions.TypedConfigOptionBuilder:
            return ConfigOptions.TypedConfigOptionBuilder(self._key, t)

        def boolean_type(self) -> ConfigOptions.TypedConfigOptionBuilder:
            return self._typed(bool)

        def int_type(self) -> ConfigOptions.TypedConfigOptionBuilder:
            return self._typed(int)

        def long_type(self) -> ConfigOptions.TypedConfigOptionBuilder:
            return self._typed(int)

        def float_type(self) -> ConfigOptions.TypedConfigOptionBuilder:
            return self._typed(float)

        def double_type(self) -> ConfigOptions.TypedConfigOptionBuilder:
            return self._typed(float)

        def string_type(self) -> ConfigOptions.TypedConfigOptionBuilder:
            return self._typed(str)

    class TypedConfigOptionBuilder(Generic[T]):
        def __init__(self, key: str, value_type: type) -> None:
            self._key = key
            self._type = value_type

        def default_value(self, value: T) -> ConfigOption[T]:
            ok = isinstance(value, self._type) and not (self._type is int and isinstance(value, bool))
            if self._type is float and isinstance(value, int) and not isinstance(value, bool):
                value, ok = float(value), True
            if not ok:
                raise InvalidProgramException(
                    f"ConfigOptions.key({self._key!r}): default {value!r} is not a {self._type.__name__}")
            return ConfigOption(self._key, self._type, value)

        def no_default_value(self) -> ConfigOption[T]:
            return ConfigOption(self._key, self._type, None)
