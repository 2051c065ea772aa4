"""The per-type fast check of TupleTypeInfo: records already in shape pass unchanged, everything
else takes the converting path with its usual errors."""

import copy
import pickle

import pytest

from flinklite.common import Types


def test_tuple_in_shape_passes_unchanged():
    t = Types.TUPLE([Types.STRING(), Types.INT(), Types.DOUBLE(), Types.BOOLEAN()])
    v = ("a", 1, 2.5, True)
    assert t._coerce(v) is v
    assert t._coerce_from_collection(v) is v


def test_tuple_needing_conversion_is_still_converted():
    t = Types.TUPLE([Types.STRING(), Types.INT()])
    assert t._coerce(("a", True)) == ("a", 1)
    assert t._coerce(("a", 1, "extra")) == ("a", 1)
    with pytest.raises(TypeError, match="must be a tuple"):
        t._coerce(["a", 1])


def test_out_of_range_int_is_rejected_not_accepted():
    t = Types.TUPLE([Types.INT()])
    assert t._fast_accept((2**31,)) is False
    with pytest.raises(TypeError, match=r"Types.INT\(\).*2147483648"):
        t._coerce((2**31,))


def test_wrong_field_rejected_with_the_value():
    t = Types.TUPLE([Types.STRING(), Types.INT()])
    with pytest.raises(TypeError, match="Types.INT.*str 'x'"):
        t._coerce(("a", "x"))


def test_nested_or_float_fields_have_no_fast_check_and_still_work():
    nested = Types.TUPLE([Types.STRING(), Types.TUPLE([Types.INT()])])
    assert nested._fast_accept is None
    assert nested._coerce(("a", (True,))) == ("a", (1,))
    f32 = Types.TUPLE([Types.FLOAT()])
    assert f32._fast_accept is None
    assert f32._coerce((0.1,)) != (0.1,)


def test_type_survives_pickle_and_deepcopy():
    t = Types.TUPLE([Types.STRING(), Types.LONG()])
    for clone in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert clone == t
        assert clone._fast_accept(("a", 1)) is True


# ---------------------------------------------------------------- batch checkers (_typecheck)
from flinklite.common._java_text import batch_text, formatter_for  # noqa: E402
from flinklite.common._typecheck import batch_coercer, batch_collection_coercer  # noqa: E402
from flinklite.common.types import Row  # noqa: E402
from flinklite.datastream import StreamExecutionEnvironment  # noqa: E402
from flinklite.errors import FlinkliteError, InvalidProgramException  # noqa: E402

EVENT = Types.TUPLE([Types.STRING(), Types.INT(), Types.LONG()])


def test_batch_in_shape_is_returned_as_is():
    batch = [("a", 1, 2), ("b", -3, 2**40), None]
    assert batch_coercer(EVENT)(batch) is batch
    assert batch_collection_coercer(EVENT)(batch) is batch


def test_batch_with_one_record_out_of_shape_converts_that_record_only():
    ok = ("a", 1, 2)
    out = batch_coercer(EVENT)([ok, ("b", True, 3), ("c", 1, 2, "extra")])
    assert out == [ok, ("b", 1, 3), ("c", 1, 2)]
    assert out[0] is ok


def test_batch_checker_respects_int_ranges():
    assert batch_coercer(Types.INT())([1, 2**31 - 1]) == [1, 2**31 - 1]
    with pytest.raises(TypeError, match="2147483648"):
        batch_coercer(Types.INT())([1, 2**31])
    big = [2**100]
    assert batch_coercer(Types.BIG_INT())(big) is big


def test_batch_checker_of_types_without_fast_test_converts_every_record():
    f32 = batch_coercer(Types.FLOAT())([0.1])
    assert f32 != [0.1] and abs(f32[0] - 0.1) < 1e-7
    rows = batch_coercer(Types.ROW_NAMED(["a"], [Types.INT()]))([Row(1)])
    assert rows[0].as_dict() == {"a": 1}
    anything = [object()]
    assert batch_coercer(Types.PICKLED_BYTE_ARRAY())(anything) is anything


def test_wrong_field_error_names_the_field_and_the_record():
    with pytest.raises(TypeError, match=r"field 1 of \('a', 'x', 3\).*Types.INT\(\).*str 'x'"):
        batch_coercer(EVENT)([("ok", 1, 1), ("a", "x", 3)])
    with pytest.raises(TypeError, match=r"field 'n' of .*Types.INT\(\).*str 'x'"):
        Types.ROW_NAMED(["s", "n"], [Types.STRING(), Types.INT()])._coerce(Row("a", "x"))


def test_from_collection_error_names_element_field_and_record():
    env = StreamExecutionEnvironment.get_execution_environment()
    with pytest.raises(InvalidProgramException, match=r"element 1: field 2 of \('b', 2, None\)"):
        env.from_collection([("a", 1, 1), ("b", 2, None)], type_info=EVENT)


def test_exchange_error_names_the_record():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    (env.from_collection([1, 2, 3])
        .map(lambda x: ("k", "bad" if x == 2 else x, 0), output_type=EVENT)
        .key_by(lambda t: t[0]).map(lambda t: t).add_sink(lambda v: None))
    with pytest.raises(FlinkliteError, match=r"\('k', 'bad', 0\)") as info:
        env.execute("bad record")
    assert "field 1" in str(info.value)


def test_checkers_are_not_pickled_with_the_type():
    t = Types.LIST(Types.INT())
    batch_coercer(t)([[1]])
    assert "_batch_cache" in t.__dict__
    for clone in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert "_batch_cache" not in clone.__dict__ and clone == t


@pytest.mark.parametrize("type_info, values", [
    (EVENT, [("a", 1, 2), ("b", -1, 0)]),
    (Types.TUPLE([Types.DOUBLE(), Types.BOOLEAN(), Types.STRING()]), [(1.0e20, True, "x"), (0.5, False, "")]),
    (Types.TUPLE([Types.STRING(), Types.TUPLE([Types.INT(), Types.DOUBLE()])]), [("a", (1, 2.0))]),
    (Types.TUPLE([Types.LIST(Types.INT()), Types.BIG_DEC()]), [([1, 2], __import__("decimal").Decimal("1.50"))]),
    (Types.ROW([Types.INT(), Types.STRING()]), [Row(1, "a")]),
    (Types.DOUBLE(), [1.0, None, 1e-5]),
    (None, [(1, "a"), {"k": 1}]),
])
def test_batch_text_equals_the_per_record_text(type_info, values):
    converted = batch_coercer(type_info)(values) if type_info is not None else values
    expected = "".join(f"3> {formatter_for(type_info)(v)}\n" for v in converted)
    assert batch_text(type_info, "3> ")(converted) == expected


def test_typed_collection_skips_the_second_check_only_for_immutable_shapes():
    env = StreamExecutionEnvironment.get_execution_environment()
    tuples = env.from_collection([("a", 1, 1)], type_info=EVENT).filter(lambda t: True)
    assert tuples._transformation.records_in_shape is True
    rows = env.from_collection([("a", 1)], type_info=Types.ROW([Types.STRING(), Types.INT()]))
    assert rows._transformation.records_in_shape is False  # Rows are mutable: converted again
    mapped = tuples.map(lambda t: t, output_type=EVENT)
    assert getattr(mapped._transformation, "records_in_shape", False) is False


def test_typed_collection_through_an_exchange_gives_the_converted_records():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    data = [(f"k{i % 3}", i, i) for i in range(50)]
    out = list(env.from_collection(data, type_info=EVENT).key_by(lambda t: t[0])
               .reduce(lambda a, b: (a[0], a[1] + b[1], b[2])).execute_and_collect())
    finals = {}
    for k, total, _ in out:
        finals[k] = max(finals.get(k, 0), total)
    assert finals == {f"k{r}": sum(i for i in range(50) if i % 3 == r) for r in range(3)}
    rows = list(env.from_collection([("a", 1)], type_info=Types.ROW_NAMED(["s", "n"], [Types.STRING(), Types.INT()]))
                .key_by(lambda r: r.s).map(lambda r: r.as_dict()).execute_and_collect())
    assert rows == [{"s": "a", "n": 1}]


def test_collect_iterator_mixes_next_and_for():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    with env.from_collection(list(range(5000))).execute_and_collect() as it:
        first = [next(it), it.next()]
        rest = list(it)
    assert first + rest == list(range(5000))
    with pytest.raises(StopIteration):
        next(it)


def test_batch_checker_of_one_field_and_nested_tuples():
    one = [(1,), (2,)]
    assert batch_coercer(Types.TUPLE([Types.INT()]))(one) is one
    assert batch_coercer(Types.TUPLE([Types.INT()]))([(1,), (True,)]) == [(1,), (1,)]
    nested_t = Types.TUPLE([Types.STRING(), Types.TUPLE([Types.INT(), Types.STRING()])])
    nested = [("a", (1, "x"))]
    assert batch_coercer(nested_t)(nested) is nested
    with pytest.raises(TypeError, match="must be a tuple"):
        batch_coercer(nested_t)([("a", [1, "x"])])
    with pytest.raises(TypeError, match="it has 1 fields"):
        batch_coercer(nested_t)([("a",)])
