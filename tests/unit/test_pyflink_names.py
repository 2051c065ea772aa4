"""Every public name of PyFlink 2.3's ``pyflink.common``, ``pyflink.datastream`` and
``pyflink.metrics`` is importable from the same path under ``flinklite``.

The list is data, recorded once from the apache-flink 2.3.0 wheel by
``tools/record_pyflink_names.py`` into ``pyflink_2_3_names.json``. A name that is missing fails
here unless ``NOT_YET`` lists it with the reason; a ``NOT_YET`` entry that flinklite has since
implemented fails too, so the list stays honest.
"""

import importlib
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

_BACKENDS = "state backends and checkpoint storages: the state part of issue 9"
NOT_YET: dict[str, dict[str, str]] = {
    "pyflink.datastream": {name: _BACKENDS for name in (
        "CheckpointStorage", "CustomCheckpointStorage", "CustomStateBackend", "EmbeddedRocksDBStateBackend",
        "FileSystemCheckpointStorage", "HashMapStateBackend", "JobManagerCheckpointStorage", "PredefinedOptions",
        "StateBackend")},
    "pyflink.datastream.checkpoint_storage": {name: _BACKENDS for name in (
        "CheckpointStorage", "CustomCheckpointStorage", "FileSystemCheckpointStorage",
        "JobManagerCheckpointStorage")},
    "pyflink.datastream.state_backend": {name: _BACKENDS for name in (
        "CustomStateBackend", "EmbeddedRocksDBStateBackend", "HashMapStateBackend", "PredefinedOptions",
        "StateBackend")},
}


def _recorded() -> dict[str, list[str]]:
    with open(os.path.join(HERE, "pyflink_2_3_names.json")) as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


@pytest.mark.parametrize("pymodule", sorted(_recorded()))
def test_every_pyflink_name_is_importable_from_the_same_path(pymodule):
    names = _recorded()[pymodule]
    not_yet = NOT_YET.get(pymodule, {})
    module = "flinklite" + pymodule[len("pyflink"):]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError:
        assert set(names) <= set(not_yet), f"{module} is missing; PyFlink exports {names} from {pymodule}"
        return
    missing = [n for n in names if not hasattr(mod, n) and n not in not_yet]
    assert not missing, f"{pymodule} exports {missing} in PyFlink 2.3; add them to {module} (or to NOT_YET)"
    stale = [n for n in not_yet if hasattr(mod, n)]
    assert not stale, f"{module} now has {stale}: remove them from NOT_YET"
    exported = set(getattr(mod, "__all__", ()))
    unexported = [n for n in names if hasattr(mod, n) and n not in exported]
    assert not unexported, f"{module} has {unexported} but not in __all__ (PyFlink's star import gives them)"


def test_not_yet_lists_only_recorded_names():
    recorded = _recorded()
    for pymodule, entries in NOT_YET.items():
        assert set(entries) <= set(recorded.get(pymodule, ())), pymodule


def test_the_recording_covers_the_packages_the_issue_names():
    recorded = _recorded()
    for pymodule in ("pyflink.common", "pyflink.datastream", "pyflink.metrics", "pyflink.datastream.window",
                     "pyflink.datastream.connectors.kafka", "pyflink.datastream.formats.csv"):
        assert recorded.get(pymodule), pymodule
    assert sum(len(v) for v in recorded.values()) > 300


def test_generic_classes_take_type_parameters_as_in_pyflink():
    # PyFlink programs annotate with these (the wheel's windowing examples do); a plain class would
    # fail at the class statement with "type 'ProcessWindowFunction' is not subscriptable"
    from flinklite.common.config_options import ConfigOption
    from flinklite.datastream.async_retry_strategies import FixedDelayRetryStrategy
    from flinklite.datastream.functions import (
        AllWindowFunction,
        AsyncFunction,
        KeyedBroadcastProcessFunction,
        ProcessWindowFunction,
        WindowFunction,
    )
    from flinklite.datastream.state import BroadcastState, ListState, MapState, ReducingState, ValueState
    from flinklite.datastream.window import CountWindow, TimeWindow, Trigger

    class Count(ProcessWindowFunction[tuple, tuple, str, TimeWindow]):
        def process(self, key, context: ProcessWindowFunction.Context[TimeWindow], elements):
            return [(key, len(list(elements)))]

    assert list(Count().process("k", None, [1, 2])) == [("k", 2)]
    for generic in (WindowFunction[tuple, tuple, str, CountWindow], AllWindowFunction[int, int, TimeWindow],
                    AsyncFunction[int, str], KeyedBroadcastProcessFunction[str, int, int, int],
                    ValueState[int], ListState[int], MapState[str, int], ReducingState[int],
                    BroadcastState[str, int], Trigger[int, TimeWindow], FixedDelayRetryStrategy[int],
                    ConfigOption[int]):
        assert generic is not None
