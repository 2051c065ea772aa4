"""Apache Pulsar connectors (PyFlink's ``pyflink.datastream.connectors.pulsar``): names only; flinklite
does not connect to Pulsar.

Using any of these classes raises :class:`~flinklite.errors.ConnectorNotAvailable` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "MessageDelayer", "PulsarSink", "PulsarSinkBuilder", "PulsarSource", "PulsarSourceBuilder",
    "RangeGenerator", "StartCursor", "StopCursor", "TopicRoutingMode",
]

(
    MessageDelayer, PulsarSink, PulsarSinkBuilder, PulsarSource, PulsarSourceBuilder,
    RangeGenerator, StartCursor, StopCursor, TopicRoutingMode,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Pulsar connector; use FileSource/FileSink, or a SinkFunction calling the '
    'pulsar-client package',
)
