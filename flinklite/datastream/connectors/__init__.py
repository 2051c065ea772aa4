"""Connectors (PyFlink's ``pyflink.datastream.connectors``): sources and sinks.

- :mod:`.number_seq` — ``NumberSequenceSource``, a bounded, parallel, replayable sequence.
- :mod:`.file_system` — ``FileSink``, the exactly-once part-file sink, with its ``RollingPolicy``,
  ``OutputFileConfig`` and ``BucketAssigner``.
- :mod:`.two_phase_commit` — ``TwoPhaseCommitSink``, a base for user-defined transactional sinks
  (flinklite only: Flink's ``TwoPhaseCommitSinkFunction`` is Java API).
- :mod:`.base` — the ``Source`` / ``Sink`` contracts flinklite's connectors implement.
"""

from flinklite.datastream.connectors.base import Boundedness, DeliveryGuarantee, Sink, Source
from flinklite.datastream.connectors.file_system import BucketAssigner, FileSink, OutputFileConfig, RollingPolicy
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.datastream.connectors.two_phase_commit import TwoPhaseCommitSink

__all__ = [
    "Source", "Sink", "Boundedness", "DeliveryGuarantee", "NumberSequenceSource",
    "FileSink", "RollingPolicy", "OutputFileConfig", "BucketAssigner", "TwoPhaseCommitSink",
]
