"""Connectors (PyFlink's ``pyflink.datastream.connectors``): sources and sinks.

- :mod:`.number_seq` — ``NumberSequenceSource``, a bounded, parallel, replayable sequence.
- :mod:`.base` — the ``Source`` / ``Sink`` contracts flinklite's connectors implement.
"""

from flinklite.datastream.connectors.base import Boundedness, DeliveryGuarantee, Sink, Source
from flinklite.datastream.connectors.number_seq import NumberSequenceSource

__all__ = ["Source", "Sink", "Boundedness", "DeliveryGuarantee", "NumberSequenceSource"]
