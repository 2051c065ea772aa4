"""The Kafka connector's API (PyFlink's ``pyflink.datastream.connectors.kafka``), builders only.

Flink reads Kafka with ``KafkaSource`` (FLIP-27: one split per topic partition, offsets in the
checkpoint, offsets committed back to the consumer group when a checkpoint completes) and writes
it with ``KafkaSink`` (``DeliveryGuarantee.EXACTLY_ONCE`` = one Kafka transaction per checkpoint,
committed in the second phase of the checkpoint). The legacy ``FlinkKafkaConsumer`` and
``FlinkKafkaProducer`` are the SourceFunction/SinkFunction forms of the same thing.

**What flinklite has today.** Every class, builder method and option of PyFlink's module, with
the checks Flink's builders make at ``build()`` (one subscription, a deserializer, bootstrap
servers, a transactional id prefix for exactly once, a group id for committed offsets ...), so a
Kafka program loads, builds and fails early on the same mistakes as on Flink. Putting a Kafka
source or sink into a job raises :class:`~flinklite.errors.ConnectorNotAvailable`: the reading
and writing half needs a Kafka broker to be tested against, which this project's CI cannot start
yet (issue 14). Until then, use ``FileSource``/``FileSink`` or ``JdbcSink`` for real pipelines.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import Enum
from typing import Any

from flinklite.common.serialization import DeserializationSchema, SerializationSchema
from flinklite.datastream.connectors.base import Boundedness, DeliveryGuarantee, Sink, Source
from flinklite.datastream.functions import SinkFunction, SourceFunction
from flinklite.errors import ConnectorNotAvailable, InvalidProgramException

__all__ = [
    "FlinkKafkaConsumer", "FlinkKafkaProducer", "KafkaOffsetResetStrategy", "KafkaOffsetsInitializer",
    "KafkaRecordSerializationSchema", "KafkaRecordSerializationSchemaBuilder", "KafkaSink", "KafkaSinkBuilder",
    "KafkaSource", "KafkaSourceBuilder", "KafkaTopicPartition", "KafkaTopicSelector", "Semantic",
]

_NOT_YET = ("flinklite cannot read or write Kafka yet: the connector needs a Kafka broker for its tests, "
            "which is not available to this build (issue 14). The builder and its checks work; to run "
            "the pipeline now, read files with FileSource and write with FileSink or JdbcSink")


def _refuse(what: str) -> ConnectorNotAvailable:
    return ConnectorNotAvailable(f"{what}: {_NOT_YET}.")


class KafkaTopicPartition:
    """One partition of one topic (Kafka's ``TopicPartition``)."""

    def __init__(self, topic: str, partition: int) -> None:
        if not isinstance(topic, str) or not topic:
            raise InvalidProgramException(f"KafkaTopicPartition: topic must be a non-empty string, got {topic!r}")
        if not isinstance(partition, int) or isinstance(partition, bool) or partition < 0:
            raise InvalidProgramException(f"KafkaTopicPartition({topic!r}): partition must be an int >= 0, "
                                          f"got {partition!r}")
        self._topic = topic
        self._partition = partition

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, KafkaTopicPartition)
                and (self._topic, self._partition) == (other._topic, other._partition))

    def __hash__(self) -> int:
        return hash((self._topic, self._partition))

    def __repr__(self) -> str:
        return f"KafkaTopicPartition({self._topic!r}, {self._partition})"


class KafkaOffsetResetStrategy(Enum):
    """Where to start when a committed offset is missing or out of range (``auto.offset.reset``)."""

    LATEST = 0
    EARLIEST = 1
    NONE = 2


class KafkaOffsetsInitializer:
    """Where each partition starts (or stops, for a bounded source).

    ``kind`` is one of ``earliest``, ``latest``, ``committed``, ``timestamp``, ``offsets``; ``spec``
    holds the timestamp or the partition -> offset map; ``reset`` the strategy for missing offsets.
    """

    def __init__(self, kind: str, spec: Any = None,
                 reset: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.NONE) -> None:
        self.kind = kind
        self.spec = spec
        self.reset = reset

    @staticmethod
    def committed_offsets(
            offset_reset_strategy: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.NONE,
    ) -> KafkaOffsetsInitializer:
        if not isinstance(offset_reset_strategy, KafkaOffsetResetStrategy):
            raise InvalidProgramException("KafkaOffsetsInitializer.committed_offsets: offset_reset_strategy must "
                                          f"be a KafkaOffsetResetStrategy, got {offset_reset_strategy!r}")
        return KafkaOffsetsInitializer("committed", None, offset_reset_strategy)

    @staticmethod
    def timestamp(timestamp: int) -> KafkaOffsetsInitializer:
        if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
            raise InvalidProgramException("KafkaOffsetsInitializer.timestamp needs epoch milliseconds "
                                          f"(an int >= 0), got {timestamp!r}")
        return KafkaOffsetsInitializer("timestamp", timestamp)

    @staticmethod
    def earliest() -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer("earliest")

    @staticmethod
    def latest() -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer("latest")

    @staticmethod
    def offsets(offsets: dict[KafkaTopicPartition, int],
                offset_reset_strategy: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.EARLIEST,
                ) -> KafkaOffsetsInitializer:
        bad = [k for k in offsets if not isinstance(k, KafkaTopicPartition)]
        if bad:
            raise InvalidProgramException("KafkaOffsetsInitializer.offsets: keys must be KafkaTopicPartition, "
                                          f"got {bad[0]!r}")
        return KafkaOffsetsInitializer("offsets", dict(offsets), offset_reset_strategy)

    def __repr__(self) -> str:
        return f"KafkaOffsetsInitializer({self.kind}, {self.spec!r}, {self.reset.name})"


class KafkaSource(Source):
    """Flink's FLIP-27 Kafka source, as configured by :class:`KafkaSourceBuilder`."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @staticmethod
    def builder() -> KafkaSourceBuilder:
        return KafkaSourceBuilder()

    def get_boundedness(self) -> Boundedness:
        return Boundedness.BOUNDED if self._config.get("bounded") else Boundedness.CONTINUOUS_UNBOUNDED

    def _check_usable(self) -> None:
        raise _refuse(f"KafkaSource ({self._config['subscription'][0]} {self._config['subscription'][1]})")

    def create_reader(self, subtask_index: int, parallelism: int):
        raise _refuse("KafkaSource")

    def restore_reader(self, subtask_index: int, parallelism: int, splits: list):
        raise _refuse("KafkaSource")


class KafkaSourceBuilder:
    """Builds a :class:`KafkaSource`; ``build()`` makes the checks Flink's builder makes."""

    def __init__(self) -> None:
        self._subscription: tuple[str, Any] | None = None
        self._starting = KafkaOffsetsInitializer.earliest()
        self._stopping: KafkaOffsetsInitializer | None = None
        self._bounded = False
        self._deserializer: DeserializationSchema | None = None
        self._props: dict[str, str] = {}

    def _subscribe(self, kind: str, value: Any) -> KafkaSourceBuilder:
        if self._subscription is not None and self._subscription[0] != kind:
            raise InvalidProgramException(
                f"KafkaSourceBuilder: cannot subscribe with {kind} because {self._subscription[0]} is already set; "
                "use exactly one of set_topics, set_topic_pattern and set_partitions")
        self._subscription = (kind, value)
        return self

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSourceBuilder:
        return self.set_property("bootstrap.servers", bootstrap_servers)

    def set_group_id(self, group_id: str) -> KafkaSourceBuilder:
        return self.set_property("group.id", group_id)

    def set_topics(self, *topics: str) -> KafkaSourceBuilder:
        if not topics or not all(isinstance(t, str) and t for t in topics):
            raise InvalidProgramException(f"KafkaSourceBuilder.set_topics needs topic names, got {topics!r}")
        return self._subscribe("topics", list(topics))

    def set_topic_pattern(self, topic_pattern: str) -> KafkaSourceBuilder:
        try:
            re.compile(topic_pattern)
        except (re.error, TypeError) as e:
            raise InvalidProgramException(f"KafkaSourceBuilder.set_topic_pattern: {topic_pattern!r} is not a "
                                          f"regular expression ({e})") from e
        return self._subscribe("topic pattern", topic_pattern)

    def set_partitions(self, partitions: set[KafkaTopicPartition]) -> KafkaSourceBuilder:
        if not partitions or not all(isinstance(p, KafkaTopicPartition) for p in partitions):
            raise InvalidProgramException("KafkaSourceBuilder.set_partitions needs a set of KafkaTopicPartition")
        return self._subscribe("partitions", set(partitions))

    def set_starting_offsets(self, starting_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        self._starting = _initializer("set_starting_offsets", starting_offsets_initializer)
        return self

    def set_unbounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        self._stopping, self._bounded = _initializer("set_unbounded", stopping_offsets_initializer), False
        return self

    def set_bounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        self._stopping, self._bounded = _initializer("set_bounded", stopping_offsets_initializer), True
        return self

    def set_value_only_deserializer(self, deserialization_schema: DeserializationSchema) -> KafkaSourceBuilder:
        if not isinstance(deserialization_schema, DeserializationSchema):
            raise InvalidProgramException("KafkaSourceBuilder.set_value_only_deserializer needs a "
                                          "DeserializationSchema such as SimpleStringSchema(), "
                                          f"got {type(deserialization_schema).__name__}")
        self._deserializer = deserialization_schema
        return self

    def set_client_id_prefix(self, prefix: str) -> KafkaSourceBuilder:
        return self.set_property("client.id.prefix", prefix)

    def set_property(self, key: str, value: str) -> KafkaSourceBuilder:
        self._props[key] = _property("KafkaSourceBuilder", key, value)
        return self

    def set_properties(self, props: dict) -> KafkaSourceBuilder:
        for k, v in props.items():
            self.set_property(k, v)
        return self

    def build(self) -> KafkaSource:
        if "bootstrap.servers" not in self._props:
            raise InvalidProgramException("KafkaSourceBuilder.build: bootstrap servers are not set; call "
                                          "set_bootstrap_servers('host:9092')")
        if self._subscription is None:
            raise InvalidProgramException("KafkaSourceBuilder.build: no topics to read; call set_topics, "
                                          "set_topic_pattern or set_partitions")
        if self._deserializer is None:
            raise InvalidProgramException("KafkaSourceBuilder.build: no deserializer; call "
                                          "set_value_only_deserializer(SimpleStringSchema())")
        for which, init in (("starting", self._starting), ("stopping", self._stopping)):
            if init is not None and init.kind == "committed" and "group.id" not in self._props:
                raise InvalidProgramException(
                    f"KafkaSourceBuilder.build: {which} offsets are the group's committed offsets, but no group id "
                    "is set; call set_group_id(...)")
        return KafkaSource({"properties": dict(self._props), "subscription": self._subscription,
                            "starting": self._starting, "stopping": self._stopping, "bounded": self._bounded,
                            "deserializer": self._deserializer})


def _property(builder: str, key: Any, value: Any) -> str:
    if not isinstance(key, str) or not isinstance(value, str):
        raise InvalidProgramException(f"{builder}.set_property: key and value must be strings (Kafka client "
                                      f"properties), got {key!r} = {value!r}")
    return value


def _initializer(method: str, value: Any) -> KafkaOffsetsInitializer:
    if not isinstance(value, KafkaOffsetsInitializer):
        raise InvalidProgramException(f"KafkaSourceBuilder.{method} needs a KafkaOffsetsInitializer (e.g. "
                                      f"KafkaOffsetsInitializer.latest()), got {type(value).__name__}")
    return value


class KafkaTopicSelector(ABC):
    """Picks the topic of each record (for a sink writing to several topics)."""

    @abstractmethod
    def apply(self, data: Any) -> str: ...


class _FunctionTopicSelector(KafkaTopicSelector):
    def __init__(self, f: Callable[[Any], str]) -> None:
        self._f = f

    def apply(self, data: Any) -> str:
        return self._f(data)


class KafkaRecordSerializationSchema(SerializationSchema):
    """How a record becomes a Kafka record: topic, optional key bytes, value bytes."""

    def __init__(self, topic: str | None, topic_selector: KafkaTopicSelector | None,
                 key_schema: SerializationSchema | None, value_schema: SerializationSchema) -> None:
        super().__init__()
        self.topic = topic
        self.topic_selector = topic_selector
        self.key_schema = key_schema
        self.value_schema = value_schema

    @staticmethod
    def builder() -> KafkaRecordSerializationSchemaBuilder:
        return KafkaRecordSerializationSchemaBuilder()

    def topic_of(self, record: Any) -> str:
        return self.topic if self.topic_selector is None else self.topic_selector.apply(record)

    def serialize(self, record: Any) -> bytes:
        return self.value_schema.serialize(record)


class KafkaRecordSerializationSchemaBuilder:
    def __init__(self) -> None:
        self._topic: str | None = None
        self._selector: KafkaTopicSelector | None = None
        self._key: SerializationSchema | None = None
        self._value: SerializationSchema | None = None

    def set_topic(self, topic: str) -> KafkaRecordSerializationSchemaBuilder:
        if self._selector is not None:
            raise InvalidProgramException("KafkaRecordSerializationSchemaBuilder: a topic selector is already set; "
                                          "use set_topic or set_topic_selector, not both")
        if not isinstance(topic, str) or not topic:
            raise InvalidProgramException(f"KafkaRecordSerializationSchemaBuilder.set_topic: bad topic {topic!r}")
        self._topic = topic
        return self

    def set_topic_selector(self, topic_selector: Callable[[Any], str] | KafkaTopicSelector,
                           ) -> KafkaRecordSerializationSchemaBuilder:
        if self._topic is not None:
            raise InvalidProgramException("KafkaRecordSerializationSchemaBuilder: a topic is already set; "
                                          "use set_topic or set_topic_selector, not both")
        if isinstance(topic_selector, KafkaTopicSelector):
            self._selector = topic_selector
        elif callable(topic_selector):
            self._selector = _FunctionTopicSelector(topic_selector)
        else:
            raise InvalidProgramException("set_topic_selector needs a KafkaTopicSelector or a function "
                                          f"record -> topic, got {type(topic_selector).__name__}")
        return self

    def set_key_serialization_schema(self, key_serialization_schema: SerializationSchema,
                                     ) -> KafkaRecordSerializationSchemaBuilder:
        self._key = _schema("set_key_serialization_schema", key_serialization_schema)
        return self

    def set_value_serialization_schema(self, value_serialization_schema: SerializationSchema,
                                       ) -> KafkaRecordSerializationSchemaBuilder:
        self._value = _schema("set_value_serialization_schema", value_serialization_schema)
        return self

    def build(self) -> KafkaRecordSerializationSchema:
        if self._topic is None and self._selector is None:
            raise InvalidProgramException("KafkaRecordSerializationSchemaBuilder.build: no topic; call set_topic "
                                          "or set_topic_selector")
        if self._value is None:
            raise InvalidProgramException("KafkaRecordSerializationSchemaBuilder.build: no value serializer; call "
                                          "set_value_serialization_schema(SimpleStringSchema())")
        return KafkaRecordSerializationSchema(self._topic, self._selector, self._key, self._value)


def _schema(method: str, value: Any) -> SerializationSchema:
    if not isinstance(value, SerializationSchema):
        raise InvalidProgramException(f"KafkaRecordSerializationSchemaBuilder.{method} needs a SerializationSchema "
                                      f"such as SimpleStringSchema(), got {type(value).__name__}")
    return value


class KafkaSink(Sink):
    """Flink's Sink V2 Kafka sink, as configured by :class:`KafkaSinkBuilder`."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config

    @staticmethod
    def builder() -> KafkaSinkBuilder:
        return KafkaSinkBuilder()

    def _check_usable(self) -> None:
        raise _refuse(f"KafkaSink ({self._config['delivery_guarantee'].name})")

    def create_writer(self, subtask_index: int, parallelism: int, restored_state: Any = None):
        raise _refuse("KafkaSink")


class KafkaSinkBuilder:
    def __init__(self) -> None:
        self._props: dict[str, str] = {}
        self._guarantee = DeliveryGuarantee.NONE
        self._prefix: str | None = None
        self._serializer: KafkaRecordSerializationSchema | None = None

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSinkBuilder:
        return self.set_property("bootstrap.servers", bootstrap_servers)

    def set_delivery_guarantee(self, delivery_guarantee: DeliveryGuarantee) -> KafkaSinkBuilder:
        if not isinstance(delivery_guarantee, DeliveryGuarantee):
            raise InvalidProgramException("KafkaSinkBuilder.set_delivery_guarantee needs a DeliveryGuarantee, "
                                          f"got {delivery_guarantee!r}")
        self._guarantee = delivery_guarantee
        return self

    def set_transactional_id_prefix(self, transactional_id_prefix: str) -> KafkaSinkBuilder:
        if not isinstance(transactional_id_prefix, str) or not transactional_id_prefix:
            raise InvalidProgramException("KafkaSinkBuilder.set_transactional_id_prefix needs a non-empty string")
        self._prefix = transactional_id_prefix
        return self

    def set_record_serializer(self, record_serializer: KafkaRecordSerializationSchema) -> KafkaSinkBuilder:
        if not isinstance(record_serializer, KafkaRecordSerializationSchema):
            raise InvalidProgramException("KafkaSinkBuilder.set_record_serializer needs a "
                                          "KafkaRecordSerializationSchema (KafkaRecordSerializationSchema.builder()"
                                          f"...build()), got {type(record_serializer).__name__}")
        self._serializer = record_serializer
        return self

    def set_property(self, key: str, value: str) -> KafkaSinkBuilder:
        self._props[key] = _property("KafkaSinkBuilder", key, value)
        return self

    def build(self) -> KafkaSink:
        if "bootstrap.servers" not in self._props:
            raise InvalidProgramException("KafkaSinkBuilder.build: bootstrap servers are not set; call "
                                          "set_bootstrap_servers('host:9092')")
        if self._serializer is None:
            raise InvalidProgramException("KafkaSinkBuilder.build: no record serializer; call set_record_serializer")
        if self._guarantee is DeliveryGuarantee.EXACTLY_ONCE and not self._prefix:
            raise InvalidProgramException("KafkaSinkBuilder.build: EXACTLY_ONCE needs a transactional id prefix "
                                          "unique to this job; call set_transactional_id_prefix('my-job')")
        return KafkaSink({"properties": dict(self._props), "delivery_guarantee": self._guarantee,
                          "transactional_id_prefix": self._prefix, "serializer": self._serializer})


class FlinkKafkaConsumer(SourceFunction):
    """The legacy Kafka SourceFunction (deprecated in Flink; prefer :class:`KafkaSource`)."""

    def __init__(self, topics: str | list[str], deserialization_schema: DeserializationSchema,
                 properties: dict) -> None:
        if isinstance(topics, str):
            topics = [topics]
        if not topics:
            raise InvalidProgramException("FlinkKafkaConsumer needs at least one topic")
        if not isinstance(deserialization_schema, DeserializationSchema):
            raise InvalidProgramException("FlinkKafkaConsumer needs a DeserializationSchema, "
                                          f"got {type(deserialization_schema).__name__}")
        self._topics = list(topics)
        self._properties = dict(properties)
        self._start = "group-offsets"
        self._commit_on_checkpoints = True

    def set_commit_offsets_on_checkpoints(self, commit_on_checkpoints: bool) -> FlinkKafkaConsumer:
        self._commit_on_checkpoints = bool(commit_on_checkpoints)
        return self

    def set_start_from_earliest(self) -> FlinkKafkaConsumer:
        self._start = "earliest"
        return self

    def set_start_from_latest(self) -> FlinkKafkaConsumer:
        self._start = "latest"
        return self

    def set_start_from_timestamp(self, startup_offsets_timestamp: int) -> FlinkKafkaConsumer:
        self._start = ("timestamp", int(startup_offsets_timestamp))
        return self

    def set_start_from_group_offsets(self) -> FlinkKafkaConsumer:
        self._start = "group-offsets"
        return self

    def disable_filter_restored_partitions_with_subscribed_topics(self) -> FlinkKafkaConsumer:
        return self

    def _check_usable(self) -> None:
        raise _refuse(f"FlinkKafkaConsumer (topics {self._topics})")


class Semantic(Enum):
    """The legacy producer's guarantee (``DeliveryGuarantee`` in the new sink)."""

    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1
    NONE = 2


class FlinkKafkaProducer(SinkFunction):
    """The legacy Kafka SinkFunction (deprecated in Flink; prefer :class:`KafkaSink`)."""

    def __init__(self, topic: str, serialization_schema: SerializationSchema, producer_config: dict,
                 kafka_producer_pool_size: int = 5, semantic: Semantic = Semantic.AT_LEAST_ONCE) -> None:
        if not isinstance(serialization_schema, SerializationSchema):
            raise InvalidProgramException("FlinkKafkaProducer needs a SerializationSchema, "
                                          f"got {type(serialization_schema).__name__}")
        if not isinstance(semantic, Semantic):
            raise InvalidProgramException(f"FlinkKafkaProducer: semantic must be a Semantic, got {semantic!r}")
        self._topic = topic
        self._config = dict(producer_config)
        self._semantic = semantic

    def set_log_failures_only(self, log_failures_only: bool) -> FlinkKafkaProducer:
        return self

    def set_flush_on_checkpoint(self, flush_on_checkpoint: bool) -> FlinkKafkaProducer:
        return self

    def set_write_timestamp_to_kafka(self, write_timestamp_to_kafka: bool) -> FlinkKafkaProducer:
        return self

    def ignore_failures_after_transaction_timeout(self) -> FlinkKafkaProducer:
        return self

    def _check_usable(self) -> None:
        raise _refuse(f"FlinkKafkaProducer (topic {self._topic!r})")
