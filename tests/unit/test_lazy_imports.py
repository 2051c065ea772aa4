"""A DataStream program does not pay, at start-up, for the layers it does not use: importing
flinklite.datastream (and running a job) leaves the Table/SQL layer, the test tooling, database
drivers and the file connectors unimported. Checked in a fresh interpreter."""

import subprocess
import sys

import pytest

NOT_AT_IMPORT = ("sqlglot", "hypothesis", "psycopg", "flinklite.table", "flinklite.testing",
                 "flinklite.cep", "flinklite.metrics", "flinklite.datastream.connectors.file_system",
                 "concurrent.futures", "logging")


def _loaded(code: str, names: tuple[str, ...]) -> list[str]:
    probe = f"{code}\nimport sys\nprint('LOADED:' + ','.join(m for m in {names!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    line = [t for t in out.stdout.splitlines() if t.startswith("LOADED:")][-1]
    return [m for m in line[len("LOADED:"):].split(",") if m]


def test_import_datastream_loads_no_optional_layer():
    assert _loaded("import flinklite.datastream, flinklite.common", NOT_AT_IMPORT) == []


def test_a_one_record_job_loads_no_optional_layer():
    job = ("from flinklite.datastream import StreamExecutionEnvironment\n"
           "env = StreamExecutionEnvironment.get_execution_environment()\n"
           "env.from_collection([1]).map(lambda x: x + 1).print()\n"
           "env.execute('one record')")
    # a running job has Flink's built-in metrics (numRecordsIn, watermarks, ...), so it loads
    # flinklite.metrics; prometheus_client and the REST server stay unloaded unless configured
    ran = tuple(m for m in NOT_AT_IMPORT if m != "flinklite.metrics") + ("prometheus_client", "flinklite._rest")
    assert _loaded(job, ran) == []


@pytest.mark.parametrize("name, module", [
    ("FileSink", "flinklite.datastream.connectors"),
    ("NumberSequenceSource", "flinklite.datastream.connectors"),
    ("TwoPhaseCommitSink", "flinklite.datastream.connectors"),
    ("JobClient", "flinklite.common"),
    ("CompletableFuture", "flinklite.common"),
])
def test_lazy_names_still_import(name, module):
    code = f"from {module} import {name}\nprint({name}.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() in (name, "Future")


def test_unknown_lazy_name_is_an_attribute_error():
    import flinklite.common
    import flinklite.datastream.connectors

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        flinklite.datastream.connectors.Nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        flinklite.common.Nope  # noqa: B018
