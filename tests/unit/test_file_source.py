"""FileSource on real files and directories: text lines, CSV and JSON lines, hidden files,
compressed files, continuous monitoring of a directory, and exactly once through a failure."""

import gzip
import os
import threading
import time

import pytest
from _helpers import FAILED, FailOnce, checkpointed_env, make_env

from flinklite.common import Duration, Row, Types, WatermarkStrategy
from flinklite.common.serialization import Encoder
from flinklite.datastream.connectors.file_system import (
    BulkFormat,
    FileEnumeratorProvider,
    FileSink,
    FileSource,
    StreamFormat,
    StreamingFileSink,
)
from flinklite.datastream.formats.csv import (
    CsvReaderFormat,
    CsvRowDeserializationSchema,
    CsvRowSerializationSchema,
    CsvSchema,
)
from flinklite.datastream.formats.json import JsonRowDeserializationSchema, JsonRowSerializationSchema
from flinklite.errors import InvalidProgramException, JobExecutionException, UnsupportedFeature
from flinklite.table.types import DataTypes


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def read_all(env, source):
    return list(env.from_source(source, WatermarkStrategy.no_watermarks(), "files").execute_and_collect())


def test_text_lines_of_a_directory_tree_skip_hidden_files(tmp_path):
    write(str(tmp_path / "a.txt"), "a1\na2\r\n\na4")
    write(str(tmp_path / "sub" / "b.txt"), "b1\n")
    write(str(tmp_path / ".hidden"), "h\n")
    write(str(tmp_path / "_SUCCESS"), "s\n")
    with gzip.open(str(tmp_path / "c.txt.gz"), "wt") as f:
        f.write("c1\nc2\n")
    src = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(tmp_path)) \
        .set_file_enumerator(FileEnumeratorProvider.default_non_splittable_file_enumerator()).build()
    out = read_all(make_env(2), src)
    assert sorted(out) == ["", "a1", "a2", "a4", "b1", "c1", "c2"]
    # one file keeps its order
    single = read_all(make_env(1), FileSource.for_record_stream_format(
        StreamFormat.text_line_format(), "file://" + str(tmp_path / "a.txt")).build())
    assert single == ["a1", "a2", "", "a4"]


def test_csv_reader_format_gives_named_typed_rows(tmp_path):
    write(str(tmp_path / "p.csv"), 'id|name|score|ok|tags\n1|"Ann|B"|1.5|true|x,y\n2|Bob||false|\n')
    schema = (CsvSchema.builder().add_number_column("id", DataTypes.INT()).add_string_column("name")
              .add_number_column("score", DataTypes.DOUBLE()).add_boolean_column("ok")
              .add_array_column("tags", ",", DataTypes.STRING())
              .set_column_separator("|").set_use_header().build())
    out = read_all(make_env(1), FileSource.for_record_stream_format(CsvReaderFormat.for_schema(schema),
                                                                    str(tmp_path)).build())
    assert out == [Row(id=1, name="Ann|B", score=1.5, ok=True, tags=["x", "y"]),
                   Row(id=2, name="Bob", score=None, ok=False, tags=[])]
    assert out[0].name == "Ann|B"


def test_csv_bad_line_fails_the_job_naming_the_column(tmp_path):
    write(str(tmp_path / "bad.csv"), "1,x\nnot-a-number,y\n")
    schema = CsvSchema.builder().add_number_column("id").add_string_column("s").build()
    with pytest.raises(JobExecutionException) as e:
        read_all(make_env(1), FileSource.for_record_stream_format(CsvReaderFormat(schema), str(tmp_path)).build())
    assert "'id'" in str(e.value.__cause__)


def test_csv_and_json_row_schemas_round_trip():
    t = Types.ROW_NAMED(["id", "name", "tags"], [Types.INT(), Types.STRING(), Types.LIST(Types.STRING())])
    ser = CsvRowSerializationSchema.Builder(t).set_field_delimiter(";").set_array_element_delimiter("|").build()
    msg = ser.serialize(Row(1, "a;b", ["x", "y"]))
    assert msg == b'1;"a;b";x|y\n'
    de = CsvRowDeserializationSchema.Builder(t).set_field_delimiter(";").set_array_element_delimiter("|").build()
    assert de.deserialize(msg) == Row(id=1, name="a;b", tags=["x", "y"])
    with pytest.raises(InvalidProgramException, match="expected 3 columns"):
        de.deserialize(b"1;2")
    assert CsvRowDeserializationSchema.Builder(t).set_ignore_parse_errors(True).build().deserialize(b"x") is None

    jt = Types.ROW_NAMED(["id", "inner"], [Types.LONG(), Types.ROW_NAMED(["v"], [Types.DOUBLE()])])
    js = JsonRowSerializationSchema.builder().with_type_info(jt).build()
    assert js.serialize(Row(7, Row(v=0.5))) == b'{"id":7,"inner":{"v":0.5}}'
    jd = JsonRowDeserializationSchema.builder().type_info(jt).build()
    assert jd.deserialize(b'{"id": 7, "inner": {"v": 0.5}}') == Row(id=7, inner=Row(v=0.5))
    assert jd.deserialize(b'{"inner": null}') == Row(id=None, inner=None)
    strict = JsonRowDeserializationSchema.builder().type_info(jt).fail_on_missing_field().build()
    with pytest.raises(InvalidProgramException, match="missing"):
        strict.deserialize(b'{"id": 1}')
    with pytest.raises(UnsupportedFeature, match="type_info"):
        JsonRowDeserializationSchema.builder().json_schema("{}")


def test_json_lines_files_through_a_deserialization_schema(tmp_path):
    write(str(tmp_path / "e.jsonl"), '{"user": "a", "n": 1}\n{"user": "b", "n": 2}\n')
    t = Types.ROW_NAMED(["user", "n"], [Types.STRING(), Types.INT()])
    fmt = StreamFormat.for_deserialization_schema(JsonRowDeserializationSchema.builder().type_info(t).build())
    assert read_all(make_env(1), FileSource.for_record_stream_format(fmt, str(tmp_path)).build()) == [
        Row(user="a", n=1), Row(user="b", n=2)]


def test_continuous_monitoring_picks_up_new_files(tmp_path):
    d = tmp_path / "in"
    write(str(d / "f0.txt"), "x0\n")
    src = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(d)) \
        .monitor_continuously(Duration.of_millis(20)).build()
    env = make_env(2)

    def later():
        time.sleep(0.3)
        write(str(d / ".f1.txt.tmp"), "x1\nx2\n")  # hidden while being written, then published
        os.replace(str(d / ".f1.txt.tmp"), str(d / "f1.txt"))

    threading.Thread(target=later).start()
    it = env.from_source(src, WatermarkStrategy.no_watermarks(), "watch").execute_and_collect()
    got = []
    for v in it:
        got.append(v)
        if len(got) == 3:
            break
    it.close()
    assert sorted(got) == ["x0", "x1", "x2"]
    with pytest.raises(InvalidProgramException, match="unbounded"):
        e = make_env(1, **{"execution.runtime-mode": "BATCH"})
        e.from_source(src, WatermarkStrategy.no_watermarks(), "watch").print()
        e.execute()


def test_exactly_once_through_a_failure_into_a_file_sink(tmp_path):
    for i in range(3):
        write(str(tmp_path / "in" / f"part{i}.txt"), "".join(f"{i * 1000 + k}\n" for k in range(300)))
    FAILED["flag"] = False
    env = checkpointed_env(parallelism=2)
    src = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(tmp_path / "in")).build()
    out = str(tmp_path / "out")
    (env.from_source(src, WatermarkStrategy.no_watermarks(), "files")
        .map(int).map(FailOnce(1150)).map(str)
        .sink_to(FileSink.for_row_format(out, Encoder.simple_string_encoder()).build()))
    env.execute()
    assert FAILED["flag"]
    lines = []
    for root, _, files in os.walk(out):
        for f in files:
            if not f.startswith("."):
                with open(os.path.join(root, f)) as fh:
                    lines.extend(fh.read().split())
    expected = sorted(str(i * 1000 + k) for i in range(3) for k in range(300))
    assert sorted(lines) == expected  # every line once: none lost, none repeated


def test_bad_options_get_clear_errors(tmp_path):
    with pytest.raises(UnsupportedFeature, match="local"):
        FileSource.for_record_stream_format(StreamFormat.text_line_format(), "s3://bucket/x")
    with pytest.raises(UnsupportedFeature, match="ASCII-compatible"):
        StreamFormat.text_line_format("UTF-16")
    with pytest.raises(InvalidProgramException, match="StreamFormat"):
        FileSource.for_record_stream_format("lines", str(tmp_path))
    with pytest.raises(InvalidProgramException, match="positive Duration"):
        FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(tmp_path)).monitor_continuously(0)
    with pytest.raises(UnsupportedFeature, match="for_record_stream_format"):
        FileSource.for_bulk_file_format(None, str(tmp_path))
    with pytest.raises(UnsupportedFeature):
        BulkFormat()
    with pytest.raises(UnsupportedFeature, match="FileSink"):
        StreamingFileSink.for_row_format(str(tmp_path), Encoder.simple_string_encoder())
    with pytest.raises(JobExecutionException) as e:
        read_all(make_env(1), FileSource.for_record_stream_format(
            StreamFormat.text_line_format(), str(tmp_path / "missing")).build())
    assert "does not exist" in str(e.value) + str(e.value.__cause__)
