"""``TypeSerializer`` (PyFlink's ``pyflink.common.serializer``): a user-defined binary format for
values, written to and read from a byte stream.

flinklite does not need serializers to move records (they stay Python objects inside the
process) and checkpoints state with its own encoding, so a ``TypeSerializer`` is only used when
user code calls it. :class:`VoidNamespaceSerializer` is PyFlink's serializer of the empty namespace.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from io import BytesIO
from typing import Generic, TypeVar

__all__ = ["TypeSerializer"]

T = TypeVar("T")


class TypeSerializer(ABC, Generic[T]):
    """Writes one value to ``stream`` and reads it back; subclasses implement both."""

    @abstractmethod
    def serialize(self, element: T, stream: BytesIO) -> None: ...

    @abstractmethod
    def deserialize(self, stream: BytesIO) -> T: ...

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return type(self).__name__


class VoidNamespaceSerializer(TypeSerializer[bytes]):
    """The namespace of non-windowed keyed state: nothing to write (one zero byte, as in Flink)."""

    def serialize(self, element: bytes, stream: BytesIO) -> None:
        stream.write(b"\x00")

    def deserialize(self, stream: BytesIO) -> bytes:
        return stream.read(1)
