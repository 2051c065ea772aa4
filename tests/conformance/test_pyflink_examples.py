"""Apache Flink's own PyFlink examples (``pyflink/examples/datastream/**`` in the apache-flink
2.3.0 wheel) run unchanged on flinklite and print what they print on Flink.

The examples are not copied into this repository: the test fetches the wheel at test time
(``pip download --no-deps apache-flink==2.3.0``, about 3 MB, cached in ``~/.cache/flinklite``;
or set ``FLINKLITE_PYFLINK_WHEEL`` to a wheel on disk), unpacks the examples into a temporary
directory and runs each with ``python -m flinklite run``. What each one printed on real Flink is
recorded in ``pyflink_examples/<name>.expected`` (see that folder's README).

Every example in the wheel is accounted for: it has a recorded output, or ``NOT_YET`` says why it
cannot pass yet (an xfail that must fail), or ``EXTERNAL`` names the system it needs.
"""

from __future__ import annotations

import collections
import glob
import os
import re
import subprocess
import sys
import zipfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "pyflink_examples")
VERSION = "2.3.0"
PREFIX = "pyflink/examples/datastream/"

# examples that need a system no test here starts
EXTERNAL = {
    "connectors/elasticsearch.py": "an Elasticsearch cluster",
    "connectors/kafka_avro_format.py": "a Kafka broker (issue 14) and the Avro format",
    "connectors/kafka_bytearray_format.py": "a Kafka broker (issue 14)",
    "connectors/kafka_csv_format.py": "a Kafka broker (issue 14)",
    "connectors/kafka_json_format.py": "a Kafka broker (issue 14)",
    "connectors/kafka_row_field_extractor_example.py": "a Kafka broker (issue 14)",
    "connectors/pulsar.py": "a Pulsar cluster",
}
# examples whose output is random (datagen): they run for a few seconds and every line they print
# must have this shape
RANDOM_OUTPUT = {
    "streaming_word_count.py": r"\(\w+,\d+\)",
    "asyncio/remote_model_inference.py":
        r'\{"user_id": -?\d+, "comments": "\w*", "analysis_result": "(positive|negative)"\}',
}
# examples that should run but cannot yet (checked the same way; an xfail that must fail)
NOT_YET: dict[str, tuple[str, str]] = {}
_SUBTASK = re.compile(r"^\d+> ")


def _wheel() -> str:
    given = os.environ.get("FLINKLITE_PYFLINK_WHEEL")
    if given:
        return given
    cache = os.path.join(os.path.expanduser("~"), ".cache", "flinklite")
    pattern = os.path.join(cache, f"apache_flink-{VERSION}-*.whl")
    if not glob.glob(pattern):
        os.makedirs(cache, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", cache,
                               f"apache-flink=={VERSION}"], capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            message = f"cannot download apache-flink=={VERSION} from PyPI: {proc.stderr.strip()[-300:]}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return sorted(glob.glob(pattern))[-1]


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("pyflink_examples")
    with zipfile.ZipFile(_wheel()) as z:
        for name in z.namelist():
            if name.startswith(PREFIX) and name.endswith(".py"):
                z.extract(name, root)
    return os.path.join(root, PREFIX)


def _recorded() -> dict[str, str]:
    """example path (relative to the examples folder) -> its .expected file."""
    out = {}
    for path in sorted(glob.glob(os.path.join(EXPECTED, "*.expected"))):
        with open(path) as f:
            f.readline()
            example = f.readline().split("# example:", 1)[1].strip()
        out[example] = path
    return out


def _run(examples: str, example: str, timeout: float) -> tuple[int | None, str, str]:
    path = os.path.join(examples, example)
    try:
        proc = subprocess.run([sys.executable, "-m", "flinklite", "run", os.path.basename(path)],
                              cwd=os.path.dirname(path), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:  # an unbounded example: keep what it printed
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, out, err
    return proc.returncode, proc.stdout, proc.stderr


def _lines(text: str, strip_subtask: bool = True) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return [_SUBTASK.sub("", line) for line in lines] if strip_subtask else lines


def test_every_example_in_the_wheel_is_accounted_for(examples):
    in_wheel = sorted(os.path.relpath(p, examples).replace(os.sep, "/")
                      for p in glob.glob(os.path.join(examples, "**", "*.py"), recursive=True)
                      if not os.path.basename(p).startswith("__"))
    known = set(_recorded()) | set(EXTERNAL) | set(NOT_YET) | set(RANDOM_OUTPUT)
    assert sorted(known) == in_wheel, "examples in the wheel changed: record the new ones (see the README)"


@pytest.mark.parametrize("example", sorted(_recorded()))
def test_example_prints_what_flink_printed(examples, example):
    expected_file = _recorded()[example]
    with open(expected_file) as f:
        mode = f.readline().split("compare:", 1)[1].split()[0]
        text = f.read()
    strip = "\n# subtasks: ignored" in text
    expected = [line for line in _lines(text, strip) if not line.startswith("#")]
    rc, out, err = _run(examples, example, timeout=120)
    assert rc == 0, f"{example} failed on flinklite:\n{err[-2000:]}"
    actual = _lines(out, strip)
    if mode == "ordered":
        assert actual == expected
    else:
        assert collections.Counter(actual) == collections.Counter(expected)


def _runs_with_shape(examples: str, example: str, line_shape: str) -> tuple[bool, str]:
    rc, out, err = _run(examples, example, timeout=8)
    lines = [line for line in _lines(out) if not line.startswith("Printing result to stdout")]
    return rc in (0, None) and bool(lines) and all(re.fullmatch(line_shape, line) for line in lines), err


@pytest.mark.parametrize("example", sorted(RANDOM_OUTPUT))
def test_random_output_examples_print_lines_of_the_right_shape(examples, example):
    ok, err = _runs_with_shape(examples, example, RANDOM_OUTPUT[example])
    assert ok, f"{example} printed nothing or lines of another shape:\n{err[-2000:]}"


@pytest.mark.parametrize("example", sorted(NOT_YET))
def test_examples_not_yet_supported(examples, example):
    reason, line_shape = NOT_YET[example]
    ok, err = _runs_with_shape(examples, example, line_shape)
    if not ok:
        pytest.xfail(f"needs {reason}: {(err.strip().splitlines() or ['no output'])[-1][:200]}")
    pytest.fail(f"{example} now runs on flinklite: move it out of NOT_YET")
