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
