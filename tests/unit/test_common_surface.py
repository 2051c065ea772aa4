"""The rest of ``pyflink.common``: serialization schemas, JobID, restart strategies, config
options, and the Java-only names that fail clearly when used (never at import)."""

import datetime
import io

import pytest

from flinklite.common import (
    AssignerWithPeriodicWatermarksWrapper,
    ByteArraySchema,
    CompletableFuture,
    ConfigOptions,
    Configuration,
    InputDependencyConstraint,
    JobID,
    RestartStrategies,
    Row,
    SimpleStringSchema,
    Types,
    TypeSerializer,
)
from flinklite.common.io import InputFormat
from flinklite.common.serialization import BulkWriterFactory, RowFieldExtractorSchema
from flinklite.datastream import StreamExecutionEnvironment
from flinklite.errors import InvalidProgramException, JobExecutionException, UnsupportedFeature


def test_simple_string_schema_round_trips_in_its_charset():
    s = SimpleStringSchema("UTF-16")
    assert s.serialize("hé") == "hé".encode("utf-16")
    assert s.deserialize(s.serialize("hé")) == "hé"
    assert SimpleStringSchema().get_produced_type() == Types.STRING()
    assert SimpleStringSchema("utf-8") == SimpleStringSchema("UTF8")
    with pytest.raises(InvalidProgramException, match="str records"):
        SimpleStringSchema().serialize(42)
    with pytest.raises(InvalidProgramException, match="unknown charset"):
        SimpleStringSchema("no-such-charset")


def test_byte_array_and_row_field_extractor_schemas():
    assert ByteArraySchema().deserialize(bytearray(b"\x00\x01")) == b"\x00\x01"
    with pytest.raises(InvalidProgramException, match="bytes records"):
        ByteArraySchema().serialize("text")
    assert RowFieldExtractorSchema(1).serialize(Row(b"k", b"v")) == b"v"
    assert RowFieldExtractorSchema(0).serialize(Row(None, b"v")) == b""
    with pytest.raises(InvalidProgramException, match="must be bytes"):
        RowFieldExtractorSchema(0).serialize(Row("k", b"v"))
    with pytest.raises(InvalidProgramException, match="does not exist"):
        RowFieldExtractorSchema(5).serialize(Row(b"k"))
    with pytest.raises(InvalidProgramException, match="non-negative"):
        RowFieldExtractorSchema(-1)


def test_job_id_is_32_hex_digits_and_what_the_job_reports():
    jid = JobID.generate()
    assert len(str(jid)) == 32 and JobID.from_hex_string(str(jid)) == jid
    assert jid.get_bytes() == bytes.fromhex(str(jid))
    with pytest.raises(InvalidProgramException, match="32 hex digits"):
        JobID("xyz")
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection([1]).print()
    result = env.execute("one")
    assert isinstance(result.get_job_id(), JobID)


def test_restart_strategies_configure_the_job():
    fixed = RestartStrategies.fixed_delay_restart(2, datetime.timedelta(milliseconds=10))
    assert fixed.get_restart_attempts() == 2
    assert fixed.get_delay_between_attempts_interval() == datetime.timedelta(milliseconds=10)
    rate = RestartStrategies.failure_rate_restart(3, 60_000, 5)
    assert rate.get_max_failure_rate() == 3 and rate.get_failure_interval().total_seconds() == 60
    assert "Restart deactivated" in RestartStrategies.no_restart().get_description()
    with pytest.raises(InvalidProgramException, match="delay_between_attempts_interval"):
        RestartStrategies.fixed_delay_restart(1, "soon")

    # the configuration it gives really drives recovery: one failure, restarted once, then done
    failed = []

    def flaky(x):
        if x == 3 and not failed:
            failed.append(x)
            raise RuntimeError("once")
        return x

    env = StreamExecutionEnvironment.get_execution_environment(fixed.to_configuration())
    env.set_parallelism(1)
    env.enable_checkpointing(10)
    out = list(env.from_collection([1, 2, 3, 4]).map(flaky).execute_and_collect())
    assert failed == [3] and sorted(set(out)) == [1, 2, 3, 4]

    env = StreamExecutionEnvironment.get_execution_environment(RestartStrategies.no_restart().to_configuration())
    env.enable_checkpointing(10)
    failed.clear()
    with pytest.raises(JobExecutionException):
        list(env.from_collection([1, 2, 3, 4]).map(flaky).execute_and_collect())


def test_config_options_are_typed():
    opt = ConfigOptions.key("my.count").int_type().default_value(3)
    assert opt.key() == "my.count" and opt.default_value() == 3 and opt.has_default_value()
    conf = Configuration()
    assert opt.get_from(conf) == 3
    conf.set_string("my.count", "7")
    assert opt.get_from(conf) == 7
    conf.set_string("my.count", "many")
    with pytest.raises(InvalidProgramException, match="not a int"):
        opt.get_from(conf)
    flag = ConfigOptions.key("my.flag").boolean_type().no_default_value()
    assert not flag.has_default_value() and flag.get_from(Configuration()) is None
    with pytest.raises(InvalidProgramException, match="is not a bool"):
        ConfigOptions.key("x").boolean_type().default_value("yes")


def test_type_serializer_subclass_round_trips():
    class IntSerializer(TypeSerializer):
        def serialize(self, element, stream):
            stream.write(element.to_bytes(4, "big"))

        def deserialize(self, stream):
            return int.from_bytes(stream.read(4), "big")

    buf = io.BytesIO()
    IntSerializer().serialize(258, buf)
    buf.seek(0)
    assert IntSerializer().deserialize(buf) == 258
    assert IntSerializer() == IntSerializer()
    with pytest.raises(TypeError):
        TypeSerializer()  # abstract


def test_java_only_names_fail_when_used_not_when_imported():
    for make in (lambda: InputFormat(None), lambda: BulkWriterFactory(None),
                 lambda: AssignerWithPeriodicWatermarksWrapper(None)):
        with pytest.raises(UnsupportedFeature) as e:
            make()
        assert "use " in str(e.value)  # names the alternative
    env = StreamExecutionEnvironment.get_execution_environment()
    with pytest.raises(UnsupportedFeature, match="FileSource"):
        env.create_input(object())
    assert InputDependencyConstraint.ALL.value == 1
    assert issubclass(CompletableFuture, object) and hasattr(CompletableFuture, "result")
