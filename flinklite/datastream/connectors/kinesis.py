"""Amazon Kinesis connectors (PyFlink's ``pyflink.datastream.connectors.kinesis``): names only;
flinklite does not connect to Kinesis.

Using any of these classes raises :class:`~flinklite.errors.ConnectorNotAvailable` naming the alternative;
importing them works, so programs that only mention them still load.
"""

from flinklite._unavailable import unavailable_names

__all__ = [
    "FlinkKinesisConsumer", "KinesisDeserializationSchema", "KinesisFirehoseSink",
    "KinesisFirehoseSinkBuilder", "KinesisShardAssigner", "KinesisStreamsSink",
    "KinesisStreamsSinkBuilder", "PartitionKeyGenerator", "WatermarkTracker",
]

(
    FlinkKinesisConsumer, KinesisDeserializationSchema, KinesisFirehoseSink,
    KinesisFirehoseSinkBuilder, KinesisShardAssigner, KinesisStreamsSink, KinesisStreamsSinkBuilder,
    PartitionKeyGenerator, WatermarkTracker,
) = unavailable_names(
    __name__,
    __all__,
    'flinklite has no Kinesis connector; read files with FileSource, or call boto3 from an '
    'AsyncFunction or SinkFunction',
)
