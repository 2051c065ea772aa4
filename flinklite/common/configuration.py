"""``Configuration``: flinklite's version of ``pyflink.common.Configuration``.

A Flink configuration maps string keys to values. PyFlink 2.3 wraps Java's
``org.apache.flink.configuration.Configuration``, which keeps the *typed* value
each setter stored (``set_integer('k', 5)`` and ``set_string('k', '5')`` give
unequal configurations) and converts on read: ``get_string`` renders any value
as Flink text (``true``, ``1.5``, ``1.0E20``), ``get_integer('k')`` parses the
string ``'7'``, and a value that cannot be converted raises. This class keeps a
plain dict of typed values and follows the same rules in Python.

Differences from PyFlink: a failed conversion raises ``ValueError`` (PyFlink
raises a Py4J error wrapping Java's ``IllegalArgumentException``, with the
same "Could not parse value ..." text); ``str()`` and ``to_dict()`` list keys
in insertion order (Java uses hash order); setting ``pipeline.jars`` does not
load jars; and there is no ``j_configuration`` constructor argument.

Two helpers for flinklite's own option parsing are also here, outside
``__all__``: :func:`parse_duration_ms` (Flink's duration syntax such as
``"200 ms"`` or ``"5 min"``) and :func:`parse_bool`.
"""

from __future__ import annotations

import base64
import copy
import re
from typing import Any

from flinklite.common._java_text import java_double_str

__all__ = ["Configuration"]

_LONG_RE = re.compile(r"[+-]?\d+")
_DOUBLE_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?")


def _to_text(value: Any) -> str:
    """Flink's textual form of a stored value (what ``get_string``/``to_dict`` show)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, (bytes, bytearray)):
        # Java writes byte arrays as a YAML binary scalar.
        return "!!binary |-\n  " + base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def _typed_key(value: Any) -> tuple[str, Any]:
    """Comparison key that keeps Java's typing: 5, 5.0, True and '5' all differ."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value)
    if isinstance(value, (bytes, bytearray)):
        return ("bytes", bytes(value))
    return ("str", value)


def _parse_error(key: str, value: Any) -> ValueError:
    return ValueError(f"Could not parse value '{_to_text(value)}' for key '{key}'.")


class Configuration:
    """Key/value configuration with typed getters and setters."""

    def __init__(self, other: Configuration | None = None) -> None:
        self._data: dict[str, Any] = dict(other._data) if other is not None else {}

    @classmethod
    def from_dict(cls, map: dict[str, str]) -> Configuration:  # noqa: A002 - PyFlink's parameter name
        conf = cls()
        for key, value in map.items():
            conf._data[str(key)] = value
        return conf

    # ------------------------------------------------------------- strings
    def get_string(self, key: str, default_value: str | None) -> str | None:
        if key in self._data:
            return _to_text(self._data[key])
        return default_value

    def set_string(self, key: str, value: str) -> Configuration:
        self._data[key] = value
        return self

    @staticmethod
    def parse_list_value(value: str) -> list[str]:
        """Split a list option: a YAML flow list ``[a, b]`` or ``a;b``."""
        if not value:
            return []
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            inner = text[1:-1].strip()
            if not inner:
                return []
            return [item.strip().strip("'\"") for item in inner.split(",")]
        return value.split(";")

    # ------------------------------------------------------------ integers
    def get_integer(self, key: str, default_value: int) -> int:
        if key not in self._data:
            return default_value
        value = self._data[key]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        # Java parses the text strictly: no surrounding spaces, no decimals.
        if isinstance(value, str) and _LONG_RE.fullmatch(value):
            return int(value)
        raise _parse_error(key, value)

    def set_integer(self, key: str, value: int) -> Configuration:
        self._data[key] = int(value)
        return self

    # ------------------------------------------------------------ booleans
    def get_boolean(self, key: str, default_value: bool) -> bool:
        if key not in self._data:
            return default_value
        value = self._data[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return parse_bool(value)
            except ValueError:
                pass
        raise _parse_error(key, value)

    def set_boolean(self, key: str, value: bool) -> Configuration:
        self._data[key] = bool(value)
        return self

    # -------------------------------------------------------------- floats
    def get_float(self, key: str, default_value: float) -> float:
        if key not in self._data:
            return float(default_value)
        value = self._data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            text = value.strip()
            if _DOUBLE_RE.fullmatch(text):
                return float(text.rstrip("fFdD"))
            if text in ("NaN", "Infinity", "+Infinity", "-Infinity"):
                return float(text.replace("Infinity", "inf"))
        raise _parse_error(key, value)

    def set_float(self, key: str, value: float) -> Configuration:
        self._data[key] = float(value)
        return self

    # --------------------------------------------------------------- bytes
    def get_bytearray(self, key: str, default_value: bytearray) -> bytearray:
        value = self._data.get(key)
        if isinstance(value, (bytes, bytearray)):
            return bytearray(value)
        return bytearray(default_value)

    def set_bytearray(self, key: str, value: bytearray) -> Configuration:
        self._data[key] = bytes(value)
        return self

    # ------------------------------------------------------------- whole map
    def key_set(self) -> set[str]:
        return set(self._data)

    def add_all_to_dict(self, target_dict: dict) -> None:
        """Copy every entry, with its stored (typed) value, into ``target_dict``."""
        target_dict.update(self._data)

    def add_all(self, other: Configuration, prefix: str | None = None) -> Configuration:
        if prefix is None:
            self._data.update(other._data)
        else:
            for key, value in other._data.items():
                self._data[prefix + key] = value
        return self

    def contains_key(self, key: str) -> bool:
        return key in self._data

    def to_dict(self) -> dict[str, str]:
        return {key: _to_text(value) for key, value in self._data.items()}

    def remove_config(self, key: str) -> bool:
        return self._data.pop(key, _MISSING) is not _MISSING

    # --------------------------------------------------------------- dunder
    def __deepcopy__(self, memodict: dict | None = None) -> Configuration:
        new = Configuration()
        new._data = copy.deepcopy(self._data, memodict)
        return new

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Configuration):
            return False
        if self._data.keys() != other._data.keys():
            return False
        return all(_typed_key(v) == _typed_key(other._data[k]) for k, v in self._data.items())

    def __hash__(self) -> int:
        # Mutable, like PyFlink's (which hashes the Java map): do not mutate keys in sets.
        return hash(frozenset((k, _typed_key(v)) for k, v in self._data.items()))

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_to_text(v)}" for k, v in self._data.items()) + "}"

    def __repr__(self) -> str:
        return f"Configuration({self.to_dict()!r})"


_MISSING = object()


# ------------------------------------------------------- flinklite helpers
_DURATION_RE = re.compile(r"\s*(\d+)\s*([^\d\s]*)\s*")

# Flink's TimeUtils unit labels, as multipliers to nanoseconds.
_DURATION_UNITS: dict[str, int] = {}
for _labels, _nanos in (
    (("d", "day", "days"), 86_400 * 10**9),
    (("h", "hour", "hours"), 3_600 * 10**9),
    (("min", "m", "minute", "minutes"), 60 * 10**9),
    (("s", "sec", "secs", "second", "seconds"), 10**9),
    (("ms", "milli", "millis", "millisecond", "milliseconds"), 10**6),
    (("µs", "us", "micro", "micros", "microsecond", "microseconds"), 10**3),
    (("ns", "nano", "nanos", "nanosecond", "nanoseconds"), 1),
):
    for _label in _labels:
        _DURATION_UNITS[_label] = _nanos


def parse_duration_ms(text: str | int) -> int:
    """Parse a Flink duration (``"200"``, ``"200 ms"``, ``"5 min"``, ``"1 h"``, ``"2 d"``) to milliseconds.

    A bare number is milliseconds; units are case-insensitive. Sub-millisecond
    units round down to whole milliseconds.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"Invalid duration {text!r}: it must not be negative.")
        return text
    if not isinstance(text, str):
        raise ValueError(f"Invalid duration {text!r}: expected a string such as '200 ms' or '5 min'.")
    match = _DURATION_RE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"Invalid duration {text!r}: expected a whole number optionally followed by a unit "
            f"(ms, s, min, h, d, or their long names), e.g. '200 ms', '10 s' or '5 min'."
        )
    number, unit = int(match.group(1)), match.group(2).lower()
    if not unit:
        return number
    nanos = _DURATION_UNITS.get(unit)
    if nanos is None:
        raise ValueError(
            f"Invalid duration {text!r}: unknown time unit {match.group(2)!r}; use one of "
            f"ms, s, min, h, d (or millisecond(s), second(s), minute(s), hour(s), day(s), us, ns)."
        )
    return number * nanos // 10**6


def parse_bool(text: str | bool) -> bool:
    """Parse Flink's boolean text: ``true``/``false`` in any case (surrounding spaces ignored)."""
    if isinstance(text, bool):
        return text
    if isinstance(text, str):
        lowered = text.strip().lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    raise ValueError(f"Invalid boolean {text!r}: expected 'true' or 'false'.")
