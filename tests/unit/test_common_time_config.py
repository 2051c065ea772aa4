"""Time, Duration, Instant and Configuration behave like PyFlink's (apache-flink 2.3.0)."""

import copy
import pickle

import pytest

from flinklite.common.configuration import Configuration, parse_bool, parse_duration_ms
from flinklite.common.time import Duration, Instant, Time


# ---------------------------------------------------------------------- Time
def test_time_factories_and_str():
    # checked against apache-flink 2.3.0: str(Time) is '<n> ms'
    assert str(Time.seconds(2)) == "2000 ms"
    assert Time.seconds(2) == Time.milliseconds(2000)
    assert Time.minutes(1).to_milliseconds() == 60_000
    assert Time.hours(1).to_milliseconds() == 3_600_000
    assert Time.days(1).to_milliseconds() == 86_400_000
    assert Time.seconds(1) != Time.seconds(2) and Time.seconds(1) != 1000
    assert hash(Time.seconds(1)) == hash(Time.milliseconds(1000))
    assert pickle.loads(pickle.dumps(Time.seconds(3))) == Time.seconds(3)
    # checked against apache-flink 2.3.0: the public names
    assert {n for n in dir(Time) if not n.startswith("_")} == {
        "days", "hours", "milliseconds", "minutes", "seconds", "to_milliseconds",
    }  # fmt: skip


# ------------------------------------------------------------------ Duration
def test_duration():
    # checked against apache-flink 2.3.0: equality across units
    assert Duration.of_seconds(1) == Duration.of_millis(1000)
    assert Duration.of_minutes(2) == Duration.of_seconds(120)
    assert Duration.of_hours(1) == Duration.of_minutes(60)
    assert Duration.of_days(1) == Duration.of_hours(24)
    assert Duration.of_nanos(1_500_000).to_milliseconds() == 1
    assert Duration.of_millis(-1).to_milliseconds() == -1
    assert Duration.of_seconds(5).to_milliseconds() == 5000
    assert Duration.of_seconds(1) != Duration.of_seconds(2) and Duration.of_seconds(1) != 1
    assert len({Duration.of_seconds(1), Duration.of_millis(1000)}) == 1
    assert repr(Duration.of_seconds(1)) == "Duration.of_millis(1000)"
    for name in ("of_days", "of_hours", "of_millis", "of_minutes", "of_nanos", "of_seconds"):
        assert hasattr(Duration, name)


# ------------------------------------------------------------------- Instant
def test_instant():
    i = Instant.of_epoch_milli(1234)
    # checked against apache-flink 2.3.0: repr and fields
    assert repr(i) == "Instant<1, 234000000>"
    assert i.seconds == 1 and i.nanos == 234_000_000
    assert i.to_epoch_milli() == 1234
    assert i == Instant(1, 234_000_000) and i != Instant(1, 0)
    # checked against apache-flink 2.3.0: negative millis normalise to a positive nano part
    assert repr(Instant.of_epoch_milli(-1)) == "Instant<-1, 999000000>"
    # PyFlink returns -901 here (a bug); flinklite gives the exact value.
    assert Instant.of_epoch_milli(-1).to_epoch_milli() == -1
    assert pickle.loads(pickle.dumps(i)) == i


# ------------------------------------------------------------- Configuration
def _conf():
    c = Configuration()
    c.set_string("a", "x").set_integer("n", 5).set_boolean("b", True).set_float("f", 1.5)
    return c


def test_typed_values_render_as_flink_text():
    c = _conf()
    # checked against apache-flink 2.3.0: to_dict, get_string and str render Flink text
    assert c.to_dict() == {"a": "x", "n": "5", "b": "true", "f": "1.5"}
    assert c.get_string("n", "d") == "5" and c.get_string("b", "d") == "true"
    assert c.get_string("zz", "d") == "d" and c.get_string("zz", None) is None
    assert str(c) == "{a=x, n=5, b=true, f=1.5}"
    assert c.key_set() == {"a", "n", "b", "f"}


def test_float_text_matches_java():
    c = Configuration()
    c.set_float("k", 5).set_float("big", 1e20).set_float("small", 0.0001)
    # checked against apache-flink 2.3.0
    assert c.to_dict() == {"k": "5.0", "big": "1.0E20", "small": "1.0E-4"}


def test_getters_parse_strings():
    c = Configuration()
    c.set_string("s5", "7").set_string("sb", "TRUE").set_string("sf", "2").set_string("w", "1e3")
    c.set_integer("n", 5).set_integer("big", 2**40)
    # checked against apache-flink 2.3.0 for each line
    assert c.get_integer("s5", 0) == 7
    assert c.get_boolean("sb", False) is True
    assert c.get_float("sf", 0.0) == 2.0 and c.get_float("n", 0.0) == 5.0
    assert c.get_float("w", 0.0) == 1000.0
    assert c.get_integer("missing", 3) == 3
    assert c.get_integer("big", 0) == 2**40


@pytest.mark.parametrize(
    "setter, value, getter",
    [
        # all rows checked against apache-flink 2.3.0: "Could not parse value ..."
        ("set_string", "x", "get_integer"),
        ("set_string", "x", "get_boolean"),
        ("set_string", "x", "get_float"),
        ("set_float", 1.5, "get_integer"),
        ("set_float", 5, "get_integer"),
        ("set_string", "yes", "get_boolean"),
        ("set_string", "  5 ", "get_integer"),
        ("set_string", "1_000", "get_integer"),
        ("set_boolean", True, "get_integer"),
        ("set_integer", 3, "get_boolean"),
    ],
)
def test_getters_reject_unparsable(setter, value, getter):
    c = Configuration()
    getattr(c, setter)("k", value)
    with pytest.raises(ValueError, match="Could not parse value"):
        getattr(c, getter)("k", 0)


def test_bytes():
    c = Configuration()
    c.set_bytearray("ba", bytearray(b"\x01\x02"))
    # checked against apache-flink 2.3.0
    assert c.get_bytearray("ba", bytearray()) == bytearray(b"\x01\x02")
    assert c.get_bytearray("nokey", bytearray(b"z")) == bytearray(b"z")
    assert c.to_dict()["ba"] == "!!binary |-\n  AQI="


def test_remove_contains_copy_equality():
    c = _conf()
    # checked against apache-flink 2.3.0 for each line
    assert c.contains_key("a") and c.remove_config("a") and not c.remove_config("a")
    assert not c.contains_key("a")
    d = Configuration(c)
    assert d == c and hash(d) == hash(c)
    d.set_string("q", "1")
    assert d != c and not c.contains_key("q")
    assert copy.deepcopy(c) == c and copy.deepcopy(c) is not c
    # checked against apache-flink 2.3.0: typed values make int 5 and '5' differ
    c2, c3 = Configuration(), Configuration()
    c2.set_integer("k", 5)
    c3.set_string("k", "5")
    assert c2 != c3
    assert Configuration() != {}


def test_add_all_and_dicts():
    c = _conf()
    e = Configuration().add_all(c, "p.")
    # checked against apache-flink 2.3.0
    assert e.key_set() == {"p.a", "p.n", "p.b", "p.f"}
    assert Configuration().add_all(c) == c
    target = {}
    c.add_all_to_dict(target)
    # checked against apache-flink 2.3.0: add_all_to_dict keeps the typed values
    assert target == {"a": "x", "n": 5, "b": True, "f": 1.5}
    assert Configuration.from_dict({"x": "1"}).to_dict() == {"x": "1"}
    assert Configuration.from_dict({"x": "1"}).get_integer("x", 0) == 1


def test_parse_list_value():
    assert Configuration.parse_list_value("") == []
    assert Configuration.parse_list_value("a;b") == ["a", "b"]
    assert Configuration.parse_list_value("[a, 'b']") == ["a", "b"]


def test_public_methods_match_pyflink():
    # checked against apache-flink 2.3.0: dir(Configuration) without dunders
    expected = {
        "add_all", "add_all_to_dict", "contains_key", "from_dict", "get_boolean", "get_bytearray",
        "get_float", "get_integer", "get_string", "key_set", "parse_list_value", "remove_config",
        "set_boolean", "set_bytearray", "set_float", "set_integer", "set_string", "to_dict",
    }  # fmt: skip
    assert {n for n in dir(Configuration) if not n.startswith("_")} == expected


# ---------------------------------------------------------- internal helpers
@pytest.mark.parametrize(
    "text, ms",
    [
        ("200", 200),
        ("200 ms", 200),
        ("200ms", 200),
        (" 200 ms ", 200),
        ("1 s", 1000),
        ("1s", 1000),
        ("5 min", 300_000),
        ("5 m", 300_000),
        ("1 h", 3_600_000),
        ("2 d", 172_800_000),
        ("100 milliseconds", 100),
        ("1 second", 1000),
        ("3 seconds", 3000),
        ("2 minutes", 120_000),
        ("1 hour", 3_600_000),
        ("1 day", 86_400_000),
        ("10 SEC", 10_000),
        ("1500 us", 1),
        ("2000000 ns", 2),
        (250, 250),
    ],
)
def test_parse_duration_ms(text, ms):
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "ms", "1.5 s", "-5 ms", "5 weeks", "abc", "5 s 3", None, 1.5, -1])
def test_parse_duration_ms_rejects(text):
    with pytest.raises(ValueError, match="Invalid duration"):
        parse_duration_ms(text)


def test_parse_bool():
    assert parse_bool("true") is True and parse_bool("TRUE") is True and parse_bool(" False ") is False
    assert parse_bool(True) is True
    for bad in ("yes", "1", "", None, 1):
        with pytest.raises(ValueError, match="Invalid boolean"):
            parse_bool(bad)
