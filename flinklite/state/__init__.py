"""State: keyed state backends, key groups, broadcast state (Flink's
``org.apache.flink.runtime.state``).

- :mod:`.key_groups` — ``KeyGroupRangeAssignment``: key -> key group -> subtask, Java-compatible hashing.
- :mod:`.heap` — ``HeapKeyedStateBackend``: keyed state in dicts, column-wise snapshots with the key-group range.
- :mod:`.broadcast` — broadcast state, one identical copy per subtask.
"""
