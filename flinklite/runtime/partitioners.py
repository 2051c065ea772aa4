"""Stream partitioners: which downstream channel each record goes to (Flink's
``StreamPartitioner`` family).

Each partitioner routes a whole batch at once into the writer's per-channel pending lists, so the
common cases are list slicing or one dict lookup per record:

========================  =========================================  ==================
partitioner               channel                                    connection
========================  =========================================  ==================
forward                   the local downstream subtask               pointwise
rescale                   round robin over the local subset          pointwise
rebalance                 round robin, from a seeded random start     all to all
shuffle                   seeded uniform random                       all to all
broadcast                 every channel                               all to all
global                    channel 0                                   all to all
key groups (key_by)       ``key_group(key) * p // max_parallelism``  all to all
custom                    ``partitioner.partition(key, n)``          all to all
========================  =========================================  ==================
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import compress
from typing import Any

from flinklite.errors import KeySelectionError
from flinklite.state.key_groups import DEFAULT_KEY_HASH, assign_to_key_group

__all__ = [
    "StreamPartitioner",
    "ForwardPartitioner",
    "RescalePartitioner",
    "RebalancePartitioner",
    "ShufflePartitioner",
    "BroadcastPartitioner",
    "GlobalPartitioner",
    "KeyGroupStreamPartitioner",
    "CustomPartitionerWrapper",
]


class StreamPartitioner:
    """Routes batches. ``pointwise`` partitioners connect subtasks locally, the rest all-to-all."""

    name = "?"
    pointwise = False
    computes_keys = False

    def copy(self) -> StreamPartitioner:
        """A fresh instance for one producer subtask (partitioners keep per-sender state)."""
        return type(self)()

    def setup(self, num_channels: int, rng: random.Random) -> None:
        self.num_channels = num_channels

    def route(self, writer, values: list, timestamps: list | None) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name.upper()


class _SingleTarget(StreamPartitioner):
    def route(self, writer, values, timestamps):
        writer.append(0 if self.num_channels == 1 else self._target(), values, timestamps, None)

    def _target(self) -> int:
        return 0


class ForwardPartitioner(_SingleTarget):
    name = "forward"
    pointwise = True


class GlobalPartitioner(_SingleTarget):
    name = "global"


class _RoundRobin(StreamPartitioner):
    def setup(self, num_channels: int, rng: random.Random) -> None:
        self.num_channels = num_channels
        self.next_channel = self._start(num_channels, rng)

    def _start(self, n: int, rng: random.Random) -> int:
        return 0

    def route(self, writer, values, timestamps):
        n = self.num_channels
        if n == 1:
            writer.append(0, values, timestamps, None)
            return
        start = self.next_channel
        count = len(values)
        for c in range(n):
            # record j goes to (start + j) % n, so channel c gets j = (c - start) % n, +n, ...
            first = (c - start) % n
            if first < count:
                writer.append(
                    c, values[first::n], timestamps[first::n] if timestamps is not None else None, None
                )
        self.next_channel = (start + count) % n


class RescalePartitioner(_RoundRobin):
    name = "rescale"
    pointwise = True


class RebalancePartitioner(_RoundRobin):
    name = "rebalance"

    def _start(self, n: int, rng: random.Random) -> int:
        return rng.randrange(n)  # Flink starts each sender at a random channel


class ShufflePartitioner(StreamPartitioner):
    name = "shuffle"

    def setup(self, num_channels: int, rng: random.Random) -> None:
        self.num_channels = num_channels
        self._rng = random.Random(rng.random())

    def route(self, writer, values, timestamps):
        n = self.num_channels
        pick = self._rng.randrange
        for i, v in enumerate(values):
            writer.append_one(pick(n), v, timestamps[i] if timestamps is not None else None, None)


class BroadcastPartitioner(StreamPartitioner):
    name = "broadcast"

    def route(self, writer, values, timestamps):
        for c in range(self.num_channels):
            writer.append(c, values, timestamps, None)


class KeyGroupStreamPartitioner(StreamPartitioner):
    """``key_by``: computes each record's key once, ships it with the record."""

    name = "hash"
    computes_keys = True

    def __init__(self, key_selector: Callable[[Any], Any] | None = None, max_parallelism: int = 128,
                 describe: str = "", key_hash: Callable[[Any], int] = DEFAULT_KEY_HASH) -> None:
        self.key_selector = key_selector
        self.max_parallelism = max_parallelism
        self.describe = describe
        self.key_hash = key_hash  # PyFlink's hash for the stream's key_type; the keyed state uses the same

    def copy(self) -> KeyGroupStreamPartitioner:
        return KeyGroupStreamPartitioner(self.key_selector, self.max_parallelism, self.describe, self.key_hash)

    def setup(self, num_channels: int, rng: random.Random) -> None:
        self.num_channels = num_channels
        # one cache per key type: True, 1 and 1.0 are equal in Python but different keys in Flink
        self._channel_of: dict[type, dict[Any, int]] = {}

    def keys_of(self, values: list) -> list:
        select = self.key_selector
        try:
            return [select(record) for record in values]
        except Exception as e:
            from flinklite.runtime.operators.base import failing_record

            raise UserKeySelectorError(self.describe, failing_record(e, values), e) from e

    def channel_of(self, key: Any) -> int:
        cache = self._channel_of.get(key.__class__)
        if cache is None:
            cache = self._channel_of[key.__class__] = {}
        try:
            ch = cache.get(key)
        except TypeError as e:
            raise self._unhashable(key) from e
        if ch is None:
            kg = assign_to_key_group(key, self.max_parallelism, self.key_hash)
            ch = kg * self.num_channels // self.max_parallelism
            if len(cache) < 1_000_000:
                cache[key] = ch
        return ch

    def _unhashable(self, key: Any) -> KeySelectionError:
        return KeySelectionError(
            f"{self.describe}: the key selector returned {key!r} of type {type(key).__name__}, which "
            "cannot be used as a key in flinklite (keys must be hashable: state is kept in dicts). "
            "Return a tuple instead of a list, or a str/int built from the value."
        )

    def route(self, writer, values, timestamps):
        keys = self.keys_of(values)
        n = self.num_channels
        if n == 1:
            try:
                set(keys)  # keys must be hashable (state is kept in dicts): same error at any parallelism
            except TypeError:
                for k in keys:
                    if getattr(k, "__hash__", None) is None:
                        raise self._unhashable(k) from None
            writer.append(0, values, timestamps, keys)
            return
        channel_of = self.channel_of
        if n > 8:  # many channels: one pass, record by record
            append_one = writer.append_one
            for i, k in enumerate(keys):
                append_one(channel_of(k), values[i], None if timestamps is None else timestamps[i], k)
            return
        channels = [channel_of(k) for k in keys]
        # split the batch per channel with C-level compress instead of appending record by record
        for c in set(channels):
            mask = [ch == c for ch in channels]
            writer.append(c, list(compress(values, mask)),
                          None if timestamps is None else list(compress(timestamps, mask)),
                          list(compress(keys, mask)))


class UserKeySelectorError(Exception):
    """A key selector raised; carries the record so the job error can name it."""

    def __init__(self, where: str, record: object, cause: BaseException) -> None:
        super().__init__(f"{where}: the key selector failed")
        self.where = where
        self.record = record
        self.cause = cause


class CustomPartitionerWrapper(StreamPartitioner):
    """``partition_custom(partitioner, key_selector)``."""

    name = "custom"

    def __init__(self, partitioner: Callable[[Any, int], int] | None = None,
                 key_selector: Callable[[Any], Any] | None = None, describe: str = "") -> None:
        self.partitioner = partitioner
        self.key_selector = key_selector
        self.describe = describe

    def copy(self) -> CustomPartitionerWrapper:
        return CustomPartitionerWrapper(self.partitioner, self.key_selector, self.describe)

    def route(self, writer, values, timestamps):
        n = self.num_channels
        part, select = self.partitioner, self.key_selector
        for i, v in enumerate(values):
            try:
                c = part(select(v), n)
            except Exception as e:
                raise UserKeySelectorError(self.describe, v, e) from e
            if isinstance(c, bool) or not (isinstance(c, int) and 0 <= c < n):
                from flinklite.errors import InvalidProgramException

                raise InvalidProgramException(
                    f"{self.describe}: the custom partitioner returned {c!r} for record {v!r}; it must "
                    f"return a partition index between 0 and {n - 1} (num_partitions={n})."
                )
            writer.append_one(c, v, timestamps[i] if timestamps is not None else None, None)
