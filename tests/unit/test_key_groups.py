"""Key groups (§1 of the semantics doc): Java-compatible hashCode, murmur, key group, subtask.

Checks the JVM-verified test vectors, Java ``hashCode`` rules per Python type (``str`` as String
including surrogate pairs, ``bool`` before ``int``, ``int`` as Long, ``float`` as Double with -0.0
and NaN, tuples as TupleN), the default max parallelism formula, that key-group ranges tile
``0..M-1``, and that a key's subtask does not depend on the process's ``PYTHONHASHSEED``.
"""

import json
import os
import subprocess
import sys

import pytest

from flinklite.state.key_groups import (
    KeyGroupRange,
    assign_to_key_group,
    check_parallelism,
    compute_default_max_parallelism,
    compute_key_group_range_for_operator_index,
    compute_operator_index_for_key_group,
    java_hash_code,
    key_hasher,
    murmur_hash,
)

# (key, Java hashCode, key group at M=128) -- §1.2, checked against a JVM
VECTORS = [
    ("a", 97, 81),
    ("hello", 99162322, 35),
    ("user-1", -836031825, 121),
    (0, 0, 94),
    (1, 1, 86),
    (42, 42, 29),
    (-1, -1, 80),  # Java Integer(-1)
]


@pytest.mark.parametrize("key,code,kg", VECTORS)
def test_murmur_vectors(key, code, kg):
    assert murmur_hash(code) % 128 == kg


@pytest.mark.parametrize("key,code,kg", [v for v in VECTORS if isinstance(v[0], str)])
def test_string_vectors_end_to_end(key, code, kg):
    assert java_hash_code(key) == code
    assert assign_to_key_group(key, 128, java_hash_code) == kg  # a Java String key


@pytest.mark.parametrize("key,kg", [(0, 94), (1, 86), (42, 29)])
def test_small_int_vectors_end_to_end(key, kg):
    # for 0 <= v < 2**31 Long.hashCode == Integer.hashCode, so the JVM vectors hold end to end
    assert assign_to_key_group(key, 128, java_hash_code) == kg


def test_murmur_is_non_negative_and_int_min_maps_to_zero_or_positive():
    for code in (-(2**31), 2**31 - 1, -1, 0, 123456789, -987654321):
        assert murmur_hash(code) >= 0


def test_string_hash_rules():
    assert java_hash_code("") == 0
    assert java_hash_code("ab") == 97 * 31 + 98
    # overflow wraps to signed 32 bit ("user-1" above is negative); an independent reference fold:
    h = 0
    for ch in "the quick brown fox":
        h = (31 * h + ord(ch)) % 2**32
    assert java_hash_code("the quick brown fox") == (h - 2**32 if h >= 2**31 else h)
    assert java_hash_code("hello world") == 1794106052
    # non-ASCII BMP char: one UTF-16 unit
    assert java_hash_code("é") == 0xE9
    # non-BMP char: two surrogate units 0xD83D 0xDE00 ("😀".hashCode() == 1772899 in Java)
    assert java_hash_code("\U0001F600") == 0xD83D * 31 + 0xDE00 == 1772899
    assert java_hash_code("a\U0001F600") == (97 * 31 * 31 + 0xD83D * 31 + 0xDE00)


def test_bool_is_checked_before_int():
    assert java_hash_code(True) == 1231
    assert java_hash_code(False) == 1237
    assert java_hash_code(1) == 1 and java_hash_code(0) == 0
    assert assign_to_key_group(True, 128) != assign_to_key_group(1, 128)


def test_int_is_java_long():
    assert java_hash_code(-1) == 0  # Long(-1): 0xFFFFFFFF ^ 0xFFFFFFFF
    assert java_hash_code(-2) == 1
    assert java_hash_code(2**32) == 1
    assert java_hash_code(2**31) == -(2**31)
    assert java_hash_code(-(2**63)) == -(2**31)
    assert java_hash_code(2**63 - 1) == -(2**31)
    assert java_hash_code(5) == 5
    # so key -1 lands where key 0 lands
    assert assign_to_key_group(-1, 128, java_hash_code) == assign_to_key_group(0, 128, java_hash_code) == 94


def test_float_is_java_double():
    assert java_hash_code(0.0) == 0
    assert java_hash_code(-0.0) == -(2**31)
    assert java_hash_code(1.0) == 1072693248  # Double.hashCode(1.0)
    assert java_hash_code(2.0) == 1073741824
    nan_code = 0x7FF80000  # canonical NaN 0x7ff8000000000000, folded
    assert java_hash_code(float("nan")) == nan_code
    assert java_hash_code(-float("nan")) == nan_code  # every NaN is canonicalised
    assert java_hash_code(float("inf")) == 0x7FF00000


def test_tuple_is_flink_tuple():
    assert java_hash_code(("a",)) == 97
    assert java_hash_code(("a", 1)) == 31 * 97 + 1
    assert java_hash_code(("a", None)) == 31 * 97
    assert java_hash_code((None, "a")) == 97
    assert java_hash_code(("a", "b", "c")) == (97 * 31 + 98) * 31 + 99
    big = ("hello", "user-1", 42)
    expected = ((99162322 * 31 - 836031825) * 31 + 42) & 0xFFFFFFFF
    expected = expected - 2**32 if expected >= 2**31 else expected
    assert java_hash_code(big) == expected


def test_hash_results_are_signed_32_bit():
    for key in ["x" * 50, 2**62 + 12345, -3.75e300, ("q" * 20, 2**40), b"\xff\x00abc"]:
        h = java_hash_code(key)
        assert -(2**31) <= h < 2**31


def test_bytes_hash_uses_signed_bytes():
    assert java_hash_code(b"") == 1
    assert java_hash_code(b"\x01") == 31 + 1
    assert java_hash_code(b"\xff") == 31 - 1


def test_unhashable_key_is_an_error():
    from flinklite.errors import KeySelectionError

    with pytest.raises(KeySelectionError):
        java_hash_code(object())


@pytest.mark.parametrize("p,expected", [(1, 128), (2, 128), (85, 128), (86, 256), (100, 256), (150, 256),
                                         (1000, 2048), (30000, 32768), (32768, 32768)])
def test_default_max_parallelism(p, expected):
    assert compute_default_max_parallelism(p) == expected


def test_parallelism_above_max_parallelism_is_rejected():
    from flinklite.errors import InvalidProgramException

    check_parallelism(4, 4, "op")
    with pytest.raises(InvalidProgramException, match="max parallelism"):
        check_parallelism(5, 4, "op")
    with pytest.raises(InvalidProgramException):
        check_parallelism(1, 32769, "op")


@pytest.mark.parametrize("max_p", [1, 7, 128, 1000])
def test_key_group_ranges_tile(max_p):
    for p in sorted({1, 2, 3, 5, 7, max_p}):
        if p > max_p:
            continue
        covered = []
        for i in range(p):
            r = compute_key_group_range_for_operator_index(max_p, p, i)
            assert isinstance(r, KeyGroupRange)
            assert len(r) >= 1
            covered.extend(r)
            for kg in r:
                assert compute_operator_index_for_key_group(max_p, p, kg) == i
        assert covered == list(range(max_p))


def test_operator_index_formula():
    assert compute_operator_index_for_key_group(128, 2, 63) == 0
    assert compute_operator_index_for_key_group(128, 2, 64) == 1
    assert compute_operator_index_for_key_group(128, 3, 43) == 1  # 43*3//128 = 1
    assert compute_operator_index_for_key_group(128, 3, 42) == 0


_KEYS = ["a", "hello", "user-1", "é", "\U0001F600x", "key-17", ("a", 1), 7, -1, 2.5, True]

_SCRIPT = r"""
import json, sys
from flinklite.state.key_groups import assign_to_key_group, compute_operator_index_for_key_group
keys = [tuple(k) if isinstance(k, list) else k for k in json.loads(sys.argv[1])]
out = [compute_operator_index_for_key_group(128, 3, assign_to_key_group(k, 128)) for k in keys]
out += [assign_to_key_group(k, 4096) for k in keys]
print(json.dumps(out))
"""


def _subtasks_here():
    out = [compute_operator_index_for_key_group(128, 3, assign_to_key_group(k, 128)) for k in _KEYS]
    return out + [assign_to_key_group(k, 4096) for k in _KEYS]


def test_subtask_is_stable_across_processes():
    results = []
    for seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(_KEYS)], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        results.append(json.loads(proc.stdout))
    assert results[0] == results[1] == _subtasks_here()


# Recorded with real PyFlink 2.3.0 at parallelism 2 (max parallelism 128): the subtask (0/1) that
# printed each key, for key_by(lambda v: v[0]) (no key_type: PyFlink hashes the key's pickle),
# key_by(..., key_type=Types.STRING()), and key_by(lambda v: len(v[0])) (an int, pickled).
PYFLINK_KEYS = ["Alice", "Bob", "a", "b", "c", "key1", "key2", "flink", "x" * 10, "héllo"] + [str(i) for i in range(10)]
PYFLINK_SUBTASKS = {
    "no key_type": "00000110001001100011",
    "STRING": "01110000100010111000",
    "len, no key_type": "01000000100000000000",
}


def _pyflink_forms():
    from flinklite.common import Types

    return {"no key_type": (lambda v: v, None), "STRING": (lambda v: v, Types.STRING()),
            "len, no key_type": (len, None)}


@pytest.mark.parametrize("form", sorted(PYFLINK_SUBTASKS))
def test_key_by_hashes_keys_as_pyflink_does(form):
    select, key_type = _pyflink_forms()[form]
    h = key_hasher(key_type)
    got = "".join(str(compute_operator_index_for_key_group(128, 2, assign_to_key_group(select(k), 128, h)))
                  for k in PYFLINK_KEYS)
    assert got == PYFLINK_SUBTASKS[form]


def test_key_by_sends_each_key_to_the_subtask_pyflink_prints_it_from(capsys):
    from flinklite.common import Types
    from flinklite.datastream import StreamExecutionEnvironment

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    ds = env.from_collection([(k, 1) for k in PYFLINK_KEYS], type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
    ds.key_by(lambda v: v[0]).map(lambda v: "no key_type|" + v[0]).print()
    ds.key_by(lambda v: v[0], key_type=Types.STRING()).map(lambda v: "STRING|" + v[0]).print()
    ds.key_by(lambda v: len(v[0])).map(lambda v: "len, no key_type|" + v[0]).print()
    env.execute()
    printed = {}
    for line in capsys.readouterr().out.splitlines():
        prefix, rest = line.split("> ", 1)
        form, key = rest.split("|", 1)
        printed.setdefault(form, {})[key] = int(prefix) - 1
    for form, expected in PYFLINK_SUBTASKS.items():
        assert "".join(str(printed[form][k]) for k in PYFLINK_KEYS) == expected, form


def test_typed_key_hashes_follow_the_java_type():
    from flinklite.common import Types

    # Integer vs Long differ for negative values; the Row wrapper adds 62
    assert key_hasher(Types.INT())(-1) == 62 - 1
    assert key_hasher(Types.LONG())(-1) == 62 + 0
    assert key_hasher(Types.STRING())("a") == 62 + 97
    assert key_hasher(Types.STRING())(None) == 31  # Row.of(null)
    tup = key_hasher(Types.TUPLE([Types.STRING(), Types.INT()]))(("a", 2))
    assert tup == 62 + (31 * 97 + 2)  # Tuple2.hashCode
    row = key_hasher(Types.ROW([Types.INT(), Types.INT()]))((1, None))
    assert row == 62 + ((31 * (31 + (31 + 1)) + 0) & 0xFFFFFFFF)  # Row.hashCode of +I[1, null]


def test_unpicklable_keys_without_key_type_get_a_clear_error():
    import threading

    from flinklite.errors import KeySelectionError

    with pytest.raises(KeySelectionError, match="cannot be pickled.*key_type"):
        key_hasher(None)(threading.Lock())
