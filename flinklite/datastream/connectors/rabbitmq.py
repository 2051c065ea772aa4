"""RabbitMQ connectors (PyFlink's ``pyflink.datastream.connectors.rabbitmq``): names only; flinklite
does not connect to RabbitMQ.

Using any of these classes raises :class:`~flinklite.errors.ConnectorNotAvailable` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "RMQConnectionConfig", "RMQSink", "RMQSource",
]

(
    RMQConnectionConfig, RMQSink, RMQSource,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no RabbitMQ connector; use a SinkFunction calling the pika package, or '
    'FileSource/FileSink',
)
