"""Connectors (PyFlink's ``pyflink.datastream.connectors``): sources and sinks.

- :mod:`.number_seq` — ``NumberSequenceSource``, a bounded, parallel, replayable sequence.
- :mod:`.file_system` — ``FileSink``, the exactly-once part-file sink, with its ``RollingPolicy``,
  ``OutputFileConfig`` and ``BucketAssigner``.
- :mod:`.two_phase_commit` — ``TwoPhaseCommitSink``, a base for user-defined transactional sinks
  (flinklite only: Flink's ``TwoPhaseCommitSinkFunction`` is Java API).
- :mod:`.base` — the ``Source`` / ``Sink`` contracts flinklite's connectors implement.
"""

from flinklite.datastream.connectors.base import Boundedness, DeliveryGuarantee, Sink, Source

# The connectors themselves load on first use (PEP 562): importing flinklite.datastream (which
# needs .base) should not pay for the file sink's imports when the job writes no files.
_LAZY = {
    "NumberSequenceSource": "number_seq",
    "FileSink": "file_system",
    "RollingPolicy": "file_system",
    "OutputFileConfig": "file_system",
    "BucketAssigner": "file_system",
    "TwoPhaseCommitSink": "two_phase_commit",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Source", "Sink", "Boundedness", "DeliveryGuarantee", "NumberSequenceSource",
    "FileSink", "RollingPolicy", "OutputFileConfig", "BucketAssigner", "TwoPhaseCommitSink",
]
