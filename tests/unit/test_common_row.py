"""Row and RowKind behave like pyflink.common.types in apache-flink 2.3.0."""

import copy
import pickle

import pytest

from flinklite.common.types import Row, RowKind


def test_positional_row_access_and_repr():
    r = Row(1, "a")
    assert r[0] == 1 and r[1] == "a" and r[-1] == "a"
    assert list(r) == [1, "a"] and len(r) == 2
    # checked against apache-flink 2.3.0: unnamed rows print in angle brackets, str == repr
    assert repr(r) == "<Row(1, 'a')>"
    assert str(r) == "<Row(1, 'a')>"
    assert repr(Row()) == "<Row()>"


def test_keyword_row_keeps_keyword_order():
    r = Row(name="a", age=1)
    # checked against apache-flink 2.3.0: keyword order is kept (not sorted)
    assert repr(r) == "Row(name='a', age=1)"
    assert r.name == "a" and r["age"] == 1 and r[0] == "a"
    assert r.as_dict() == {"name": "a", "age": 1}


def test_row_kind_is_not_printed():
    r = Row(1, 2)
    r.set_row_kind(RowKind.DELETE)
    # checked against apache-flink 2.3.0: repr never shows the row kind
    assert repr(r) == "<Row(1, 2)>"
    assert repr(Row.of_kind(RowKind.UPDATE_BEFORE, a=1)) == "Row(a=1)"


def test_row_class():
    person = Row("name", "age")
    # checked against apache-flink 2.3.0: a row "class" is just a row of strings
    assert repr(person) == "<Row('name', 'age')>"
    p = person("x", 3)
    assert repr(p) == "Row(name='x', age=3)"
    assert p.name == "x" and p[0] == "x" and p["name"] == "x"
    # checked against apache-flink 2.3.0: fewer values is allowed, more raises ValueError
    assert repr(person("x")) == "Row(name='x')" and len(person("x")) == 1
    with pytest.raises(ValueError, match="expected 2 values"):
        person(1, 2, 3)
    assert "name" in person


def test_equality_rules():
    # checked against apache-flink 2.3.0: a Row never equals a tuple or list
    assert Row(1, 2) != (1, 2)
    assert Row(1, 2) != [1, 2]
    assert Row(1, 2) == Row(1, 2)
    # checked against apache-flink 2.3.0: named rows compare by name, in any order
    assert Row(name="a", age=1) == Row(age=1, name="a")
    # checked against apache-flink 2.3.0: named vs unnamed, or other names, are unequal
    assert Row(a=1) != Row(1)
    assert Row(a=1) != Row(b=1)
    # checked against apache-flink 2.3.0: the row kind takes part in equality
    d = Row(1, 2)
    d.set_row_kind(RowKind.DELETE)
    assert d != Row(1, 2)
    assert Row("name", "age") == Row("name", "age")


def test_hash_is_tuple_hash():
    assert hash(Row(1, 2)) == hash((1, 2))
    # checked against apache-flink 2.3.0: hash follows field order even though equality does not
    assert hash(Row(a=1, b=2)) == hash((1, 2))
    assert len({Row(1, 2), Row(1, 2)}) == 1


def test_rows_are_not_orderable():
    # checked against apache-flink 2.3.0: '<' is not supported between rows
    with pytest.raises(TypeError):
        _ = Row(1, 2) < Row(1, 3)


def test_error_cases():
    # checked against apache-flink 2.3.0 for each error type below
    with pytest.raises(ValueError, match="both args and kwargs"):
        Row(1, a=2)
    with pytest.raises(AttributeError):
        Row(1)["x"]
    with pytest.raises(ValueError):
        Row(a=1)["x"]
    with pytest.raises(AttributeError):
        _ = Row(a=1).x
    with pytest.raises(AttributeError):
        _ = Row(1).x
    with pytest.raises(IndexError):
        Row(1)[5]
    with pytest.raises(AttributeError):
        Row(a=1).a = 2
    with pytest.raises(TypeError, match="Cannot convert a Row class into dict"):
        Row(1).as_dict()
    with pytest.raises(Exception, match=r"Field names \['b'\] not exist in \['a'\]"):
        Row(a=1).get_fields_by_names(["b"])


def test_setitem_and_contains():
    r = Row(a=1, b=2)
    r["a"] = 5
    r[1] = 7
    assert r == Row(a=5, b=7)
    # checked against apache-flink 2.3.0: 'in' looks at names for named rows, values otherwise
    assert "a" in r and 1 not in r
    assert 1 in Row(1, 2)


def test_get_fields_by_names():
    r = Row(a=1, b=2)
    assert r.get_fields_by_names(["b", "a"]) == [2, 1]
    assert r.get_fields_by_names(["a", "b"]) == [1, 2]
    assert Row(1, 2).get_fields_by_names(["x", "y"]) == [1, 2]


def test_as_dict_recursive():
    r = Row(key=1, value=Row(name="a", age=2), items=[Row(x=1)])
    assert r.as_dict() == {"key": 1, "value": Row(name="a", age=2), "items": [Row(x=1)]}
    assert r.as_dict(True) == {"key": 1, "value": {"name": "a", "age": 2}, "items": [{"x": 1}]}


def test_nested_repr():
    # checked against apache-flink 2.3.0
    assert repr(Row(1, Row(a=2))) == "<Row(1, Row(a=2))>"


def test_set_field_names_and_kind_helpers():
    r = Row(1, 2)
    r.set_field_names(["x", "y"])
    assert repr(r) == "Row(x=1, y=2)" and r.y == 2
    assert r.get_row_kind() is RowKind.INSERT
    assert r._is_accumulate_msg() and not r._is_retract_msg()
    r.set_row_kind(RowKind.UPDATE_BEFORE)
    assert r._is_retract_msg()


def test_pickle_and_copy_keep_names_and_kind():
    r = Row.of_kind(RowKind.UPDATE_BEFORE, name="a", age=1)
    for clone in (pickle.loads(pickle.dumps(r)), copy.copy(r), copy.deepcopy(r)):
        # checked against apache-flink 2.3.0: pickling keeps names and the row kind
        assert clone == r and repr(clone) == "Row(name='a', age=1)"
        assert clone.get_row_kind() is RowKind.UPDATE_BEFORE
    u = pickle.loads(pickle.dumps(Row(1, "x")))
    assert u == Row(1, "x") and repr(u) == "<Row(1, 'x')>"


def test_row_kind():
    # checked against apache-flink 2.3.0: values 0..3 and str() gives the short form
    assert [k.value for k in RowKind] == [0, 1, 2, 3]
    assert [str(k) for k in RowKind] == ["+I", "-U", "+U", "-D"]
    assert repr(RowKind.INSERT) == "<RowKind.INSERT: 0>"
    assert [k.short_string() for k in RowKind] == ["+I", "-U", "+U", "-D"]
    assert [k.to_byte_value() for k in RowKind] == [0, 1, 2, 3]


def test_row_has_slots():
    assert not hasattr(Row(1), "__dict__")
