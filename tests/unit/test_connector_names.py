"""PyFlink connector names flinklite carries: Kafka's builders (checks as Flink's, refused in a job
until the connector lands), connectors and formats it cannot run (clear errors naming the
alternative), and ``HybridSource``, which runs for real."""

import importlib
import os

import pytest
from _helpers import FAILED, FailOnce, checkpointed_env, make_env

from flinklite.common import Types, WatermarkStrategy
from flinklite.common.serialization import Encoder, SimpleStringSchema
from flinklite.datastream.connectors import DeliveryGuarantee
from flinklite.datastream.connectors.file_source import FileSource, StreamFormat
from flinklite.datastream.connectors.file_system import FileSink
from flinklite.datastream.connectors.hybrid_source import HybridSource
from flinklite.datastream.connectors.kafka import (
    FlinkKafkaConsumer,
    FlinkKafkaProducer,
    KafkaOffsetResetStrategy,
    KafkaOffsetsInitializer,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
    KafkaTopicPartition,
)
from flinklite.datastream.connectors.number_seq import NumberSequenceSource
from flinklite.errors import ConnectorNotAvailable, InvalidProgramException, UnsupportedFeature


def kafka_source():
    return KafkaSource.builder().set_bootstrap_servers("localhost:9092").set_topics("in") \
        .set_value_only_deserializer(SimpleStringSchema())


def test_kafka_source_builder_makes_flinks_checks():
    with pytest.raises(InvalidProgramException, match="bootstrap servers"):
        KafkaSource.builder().set_topics("t").set_value_only_deserializer(SimpleStringSchema()).build()
    with pytest.raises(InvalidProgramException, match="no topics"):
        KafkaSource.builder().set_bootstrap_servers("h:1").set_value_only_deserializer(SimpleStringSchema()).build()
    with pytest.raises(InvalidProgramException, match="deserializer"):
        KafkaSource.builder().set_bootstrap_servers("h:1").set_topics("t").build()
    with pytest.raises(InvalidProgramException, match="topic pattern.*topics is already set"):
        kafka_source().set_topic_pattern("in-.*")
    with pytest.raises(InvalidProgramException, match="group id"):
        kafka_source().set_starting_offsets(KafkaOffsetsInitializer.committed_offsets()).build()
    with pytest.raises(InvalidProgramException, match="not a regular expression"):
        KafkaSource.builder().set_topic_pattern("(")
    with pytest.raises(InvalidProgramException, match="KafkaOffsetsInitializer"):
        kafka_source().set_bounded("latest")
    with pytest.raises(InvalidProgramException, match="partition must be an int"):
        KafkaTopicPartition("t", -1)
    with pytest.raises(InvalidProgramException, match="KafkaSourceBuilder.set_property: key and value must be strings"):
        KafkaSource.builder().set_property("max.poll.records", 500)
    with pytest.raises(InvalidProgramException, match="KafkaSinkBuilder.set_property"):
        KafkaSink.builder().set_property("linger.ms", 5)
    ok = kafka_source().set_group_id("g").set_bounded(KafkaOffsetsInitializer.latest()) \
        .set_starting_offsets(KafkaOffsetsInitializer.committed_offsets(KafkaOffsetResetStrategy.EARLIEST)).build()
    assert ok.get_boundedness().name == "BOUNDED"
    assert kafka_source().build().get_boundedness().name == "CONTINUOUS_UNBOUNDED"
    assert KafkaTopicPartition("t", 1) == KafkaTopicPartition("t", 1)
    assert len({KafkaTopicPartition("t", 1), KafkaTopicPartition("t", 1)}) == 1


def test_kafka_sink_builder_makes_flinks_checks():
    ser = KafkaRecordSerializationSchema.builder().set_topic("out") \
        .set_value_serialization_schema(SimpleStringSchema()).build()
    assert ser.topic_of("x") == "out" and ser.serialize("x") == b"x"
    by_fn = KafkaRecordSerializationSchema.builder().set_topic_selector(lambda r: "t-" + r) \
        .set_value_serialization_schema(SimpleStringSchema()).build()
    assert by_fn.topic_of("a") == "t-a"
    with pytest.raises(InvalidProgramException, match="not both"):
        KafkaRecordSerializationSchema.builder().set_topic("a").set_topic_selector(lambda r: "b")
    with pytest.raises(InvalidProgramException, match="value serializer"):
        KafkaRecordSerializationSchema.builder().set_topic("a").build()
    with pytest.raises(InvalidProgramException, match="transactional id prefix"):
        KafkaSink.builder().set_bootstrap_servers("h:1").set_record_serializer(ser) \
            .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE).build()
    with pytest.raises(InvalidProgramException, match="record serializer"):
        KafkaSink.builder().set_bootstrap_servers("h:1").build()
    sink = KafkaSink.builder().set_bootstrap_servers("h:1").set_record_serializer(ser) \
        .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE).set_transactional_id_prefix("job").build()
    assert isinstance(sink, KafkaSink)


def test_kafka_in_a_job_is_refused_when_added_not_deep_in_the_engine():
    env = make_env(1)
    with pytest.raises(ConnectorNotAvailable, match=r"KafkaSource \(topics \['in'\]\).*FileSource"):
        env.from_source(kafka_source().build(), WatermarkStrategy.no_watermarks(), "kafka")
    with pytest.raises(ConnectorNotAvailable, match="FlinkKafkaConsumer"):
        env.add_source(FlinkKafkaConsumer("in", SimpleStringSchema(), {"bootstrap.servers": "h:1"}))
    ser = KafkaRecordSerializationSchema.builder().set_topic("out") \
        .set_value_serialization_schema(SimpleStringSchema()).build()
    ds = env.from_collection(["a"], type_info=Types.STRING())
    with pytest.raises(ConnectorNotAvailable, match="KafkaSink"):
        ds.sink_to(KafkaSink.builder().set_bootstrap_servers("h:1").set_record_serializer(ser).build())
    with pytest.raises(ConnectorNotAvailable, match="FlinkKafkaProducer"):
        ds.add_sink(FlinkKafkaProducer("out", SimpleStringSchema(), {}))
    hybrid = HybridSource.builder(NumberSequenceSource(1, 2)).add_source(kafka_source().build()).build()
    with pytest.raises(ConnectorNotAvailable, match="KafkaSource"):  # also as a hybrid source's live tail
        env.from_source(hybrid, WatermarkStrategy.no_watermarks(), "history then kafka")


UNAVAILABLE = {
    "flinklite.datastream.connectors.cassandra": ("CassandraSink", ConnectorNotAvailable, "JdbcSink"),
    "flinklite.datastream.connectors.elasticsearch": ("Elasticsearch7SinkBuilder", ConnectorNotAvailable,
                                                      "SinkFunction"),
    "flinklite.datastream.connectors.kinesis": ("KinesisStreamsSink", ConnectorNotAvailable, "FileSource"),
    "flinklite.datastream.connectors.pulsar": ("PulsarSource", ConnectorNotAvailable, "FileSource"),
    "flinklite.datastream.connectors.rabbitmq": ("RMQSource", ConnectorNotAvailable, "pika"),
    "flinklite.datastream.connectors.dynamic_kafka": ("DynamicKafkaSource", ConnectorNotAvailable, "issue 14"),
    "flinklite.datastream.formats.avro": ("AvroSchema", UnsupportedFeature, "JSON or CSV"),
    "flinklite.datastream.formats.orc": ("OrcBulkWriters", UnsupportedFeature, "JSON lines"),
    "flinklite.datastream.formats.parquet": ("ParquetColumnarRowInputFormat", UnsupportedFeature, "CSV"),
}


@pytest.mark.parametrize("module", sorted(UNAVAILABLE))
def test_unavailable_names_import_and_refuse_when_used(module):
    mod = importlib.import_module(module)
    name, error, alternative = UNAVAILABLE[module]
    cls = getattr(mod, name)
    with pytest.raises(error, match=f"{name}\\(\\).*{alternative}"):
        cls()
    with pytest.raises(error, match=f"{name}.builder.*{alternative}"):
        cls.builder()  # a builder, a factory or an enum member: any public attribute refuses
    for n in mod.__all__:  # every name, not just the sampled one
        with pytest.raises(UnsupportedFeature):
            getattr(mod, n)()
    assert not hasattr(cls, "_private") and cls.__name__ == name and cls.__module__ == module
    assert not isinstance(object(), cls)


def test_hybrid_source_reads_its_sources_in_order():
    env = make_env(2)
    src = HybridSource.builder(NumberSequenceSource(1, 5)).add_source(NumberSequenceSource(100, 103)).build()
    out = list(env.from_source(src, WatermarkStrategy.no_watermarks(), "hybrid").execute_and_collect())
    assert out == [1, 2, 3, 4, 5, 100, 101, 102, 103]


def test_hybrid_source_files_then_numbers_exactly_once_through_a_failure(tmp_path):
    os.makedirs(tmp_path / "in")
    (tmp_path / "in" / "history.txt").write_text("".join(f"{k}\n" for k in range(400)))
    FAILED["flag"] = False
    env = checkpointed_env(parallelism=2)
    files = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(tmp_path / "in")).build()
    src = HybridSource.builder(files).add_source(NumberSequenceSource(400, 799)).build()
    (env.from_source(src, WatermarkStrategy.no_watermarks(), "hybrid")
        .map(int).map(FailOnce(600)).map(str)
        .sink_to(FileSink.for_row_format(str(tmp_path / "out"), Encoder.simple_string_encoder()).build()))
    env.execute()
    assert FAILED["flag"]  # the failure hit while reading the second source
    lines = []
    for root, _, names in os.walk(tmp_path / "out"):
        for f in names:
            if not f.startswith("."):
                with open(os.path.join(root, f)) as fh:
                    lines.extend(fh.read().split())
    assert sorted(map(int, lines)) == list(range(800))  # none lost, none repeated


def test_hybrid_source_refuses_an_unbounded_source_before_another():
    unbounded = kafka_source().build()
    with pytest.raises(InvalidProgramException, match="source 0 .*unbounded"):
        HybridSource.builder(unbounded).add_source(NumberSequenceSource(1, 2))
    with pytest.raises(InvalidProgramException, match="must be a flinklite Source"):
        HybridSource.builder(NumberSequenceSource(1, 2)).add_source([1, 2])


def test_restoring_foreign_state_into_a_hybrid_source_is_a_clear_error():
    src = HybridSource.builder(NumberSequenceSource(1, 2)).build()
    with pytest.raises(InvalidProgramException, match="was the job changed"):
        src.restore_reader(0, 1, [["hybrid", 3, []]])
    reader = src.restore_reader(0, 1, [["hybrid", 0, [[2, 2]]]])
    assert reader.poll(10) == ([2], None) and reader.poll(10) is None
