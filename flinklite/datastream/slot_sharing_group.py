"""``SlotSharingGroup`` and ``MemorySize`` (PyFlink's ``pyflink.datastream.slot_sharing_group``).

In Flink a slot sharing group names the operators that may share one task slot, with an optional
resource profile (CPU cores, heap / off-heap / managed memory, external resources) used by
fine-grained resource management. flinklite runs every subtask in one process: the group is kept
on the operator (``get_execution_plan`` shows it) and the resource profile is validated and kept
but reserves nothing.
"""

from __future__ import annotations

from functools import total_ordering

from flinklite.errors import InvalidProgramException

__all__ = ["MemorySize", "SlotSharingGroup"]

_KiB = 1024


@total_ordering
class MemorySize:
    """An amount of memory in bytes (Flink's ``MemorySize``)."""

    def __init__(self, j_memory_size: object = None, bytes_size: int | None = None) -> None:
        if j_memory_size is not None:
            raise InvalidProgramException("MemorySize: flinklite has no Java objects; use MemorySize(bytes_size=...)")
        if isinstance(bytes_size, bool) or not isinstance(bytes_size, int) or bytes_size < 0:
            raise InvalidProgramException(f"MemorySize: bytes_size must be a non-negative int, got {bytes_size!r}")
        self._bytes = bytes_size

    @staticmethod
    def of_mebi_bytes(mebi_bytes: int) -> MemorySize:
        return MemorySize(bytes_size=mebi_bytes * _KiB * _KiB)

    def get_bytes(self) -> int:
        return self._bytes

    def get_kibi_bytes(self) -> int:
        return self._bytes >> 10

    def get_mebi_bytes(self) -> int:
        return self._bytes >> 20

    def get_gibi_bytes(self) -> int:
        return self._bytes >> 30

    def get_tebi_bytes(self) -> int:
        return self._bytes >> 40

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemorySize) and self._bytes == other._bytes

    def __lt__(self, other: MemorySize) -> bool:
        return self._bytes < other._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __str__(self) -> str:
        for unit, shift in (("tb", 40), ("gb", 30), ("mb", 20), ("kb", 10)):
            if self._bytes and self._bytes % (1 << shift) == 0:
                return f"{self._bytes >> shift} {unit}"
        return f"{self._bytes} bytes"

    __repr__ = __str__


class SlotSharingGroup:
    """A named slot sharing group with an optional resource profile; build it with :meth:`builder`."""

    def __init__(self, name: str, cpu_cores: float | None = None, task_heap_memory: MemorySize | None = None,
                 task_off_heap_memory: MemorySize | None = None, managed_memory: MemorySize | None = None,
                 external_resources: dict[str, float] | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidProgramException(f"SlotSharingGroup: the name must be a non-empty str, got {name!r}")
        self.name = name
        self._cpu = cpu_cores
        self._heap = task_heap_memory
        self._off_heap = task_off_heap_memory
        self._managed = managed_memory
        self._external = dict(external_resources or {})

    def get_name(self) -> str:
        return self.name

    def get_managed_memory(self) -> MemorySize | None:
        return self._managed

    def get_task_heap_memory(self) -> MemorySize | None:
        return self._heap

    def get_task_off_heap_memory(self) -> MemorySize | None:
        return self._off_heap

    def get_cpu_cores(self) -> float | None:
        return self._cpu

    def get_external_resources(self) -> dict[str, float]:
        return dict(self._external)

    @staticmethod
    def builder(name: str) -> SlotSharingGroup.Builder:
        return SlotSharingGroup.Builder(name)

    def _key(self) -> tuple:
        return (self.name, self._cpu, self._heap, self._off_heap, self._managed, tuple(sorted(self._external.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SlotSharingGroup) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SlotSharingGroup({self.name!r})"

    class Builder:
        """Sets the resource profile. As in Flink, CPU cores and task heap memory must both be set
        (and positive) if any resource is set."""

        def __init__(self, name: str) -> None:
            self._name = name
            self._cpu: float | None = None
            self._heap: MemorySize | None = None
            self._off_heap: MemorySize | None = None
            self._managed: MemorySize | None = None
            self._external: dict[str, float] = {}

        def set_cpu_cores(self, cpu_cores: float) -> SlotSharingGroup.Builder:
            if isinstance(cpu_cores, bool) or not isinstance(cpu_cores, (int, float)) or cpu_cores <= 0:
                raise InvalidProgramException(f"SlotSharingGroup: cpu cores must be positive, got {cpu_cores!r}")
            self._cpu = float(cpu_cores)
            return self

        @staticmethod
        def _memory(value: MemorySize, what: str) -> MemorySize:
            if not isinstance(value, MemorySize):
                raise InvalidProgramException(f"SlotSharingGroup: {what} must be a MemorySize, got {value!r}")
            return value

        def set_task_heap_memory(self, task_heap_memory: MemorySize) -> SlotSharingGroup.Builder:
            self._heap = self._memory(task_heap_memory, "task heap memory")
            if self._heap.get_bytes() == 0:
                raise InvalidProgramException("SlotSharingGroup: task heap memory must be positive")
            return self

        def set_task_heap_memory_mb(self, task_heap_memory_mb: int) -> SlotSharingGroup.Builder:
            return self.set_task_heap_memory(MemorySize.of_mebi_bytes(task_heap_memory_mb))

        def set_task_off_heap_memory(self, task_off_heap_memory: MemorySize) -> SlotSharingGroup.Builder:
            self._off_heap = self._memory(task_off_heap_memory, "task off-heap memory")
            return self

        def set_task_off_heap_memory_mb(self, task_off_heap_memory_mb: int) -> SlotSharingGroup.Builder:
            return self.set_task_off_heap_memory(MemorySize.of_mebi_bytes(task_off_heap_memory_mb))

        def set_managed_memory(self, managed_memory: MemorySize) -> SlotSharingGroup.Builder:
            self._managed = self._memory(managed_memory, "managed memory")
            return self

        def set_managed_memory_mb(self, managed_memory_mb: int) -> SlotSharingGroup.Builder:
            return self.set_managed_memory(MemorySize.of_mebi_bytes(managed_memory_mb))

        def set_external_resource(self, name: str, value: float) -> SlotSharingGroup.Builder:
            self._external[name] = float(value)
            return self

        def build(self) -> SlotSharingGroup:
            any_set = any(v is not None for v in (self._cpu, self._heap, self._off_heap, self._managed)) \
                or self._external
            if any_set and (self._cpu is None or self._heap is None):
                raise InvalidProgramException(
                    f"SlotSharingGroup {self._name!r}: set both cpu cores and task heap memory when giving "
                    "a resource profile (as Flink requires)")
            return SlotSharingGroup(self._name, self._cpu, self._heap, self._off_heap, self._managed,
                                    self._external)
