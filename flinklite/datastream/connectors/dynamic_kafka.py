"""Dynamic Kafka source (PyFlink's ``pyflink.datastream.connectors.dynamic_kafka``): names only;
flinklite does not connect to Kafka clusters discovered at run time.

Using any of these classes raises :class:`~flinklite.errors.ConnectorNotAvailable` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "DynamicKafkaSource", "DynamicKafkaSourceBuilder", "KafkaMetadataService",
    "KafkaRecordDeserializationSchema", "KafkaStreamSetSubscriber", "KafkaStreamSubscriber",
    "SingleClusterTopicMetadataService", "StreamPatternSubscriber",
]

(
    DynamicKafkaSource, DynamicKafkaSourceBuilder, KafkaMetadataService,
    KafkaRecordDeserializationSchema, KafkaStreamSetSubscriber, KafkaStreamSubscriber,
    SingleClusterTopicMetadataService, StreamPatternSubscriber,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Kafka reader yet (issue 14: no broker for its tests), and no multi- '
    'cluster discovery; see flinklite.datastream.connectors.kafka for the builders that do '
    'exist',
)
