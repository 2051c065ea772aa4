"""The expression compiler: a sqlglot expression tree + the input columns -> a plain Python closure
``fn(row) -> value`` and the result's SQL type.

The tree is walked once, at planning time; each node becomes a closure over its children's
closures, so a row is evaluated by calling nested Python functions (no per-row tree dispatch).
Flink's rules followed here: NULL in -> NULL out for strict functions and operators, three-valued
AND/OR, INT / INT is an integer division truncating toward zero, MOD takes the dividend's sign,
DECIMAL arithmetic keeps a scale, ROUND is HALF_UP. Differences: integer overflow does not wrap,
and timestamps have millisecond precision.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from flinklite.errors import ValidationException
from flinklite.table._sql import types as ty
from flinklite.table._sql.types import T
from flinklite.table.types import DataType

__all__ = ["Field", "Scope", "Compiled", "ExprCompiler", "position", "interval_ms", "validation_error"]

Fn = Callable[[Any], Any]


@dataclass
class Field:
    name: str
    type: DataType
    qualifier: str | None = None
    rowtime: bool = False
    computed: str | None = None  # a scanned table's computed-column expression (for print_schema)


class Scope:
    """The columns visible to an expression, in row order."""

    def __init__(self, fields: list[Field]) -> None:
        self.fields = fields

    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def lookup(self, name: str, qualifier: str | None) -> int | None:
        hits = [i for i, f in enumerate(self.fields)
                if f.name == name and (qualifier is None or f.qualifier == qualifier)]
        if not hits:
            hits = [i for i, f in enumerate(self.fields)
                    if f.name.lower() == name.lower() and (qualifier is None or (f.qualifier or "").lower()
                                                           == qualifier.lower())]
        if len(hits) > 1 and qualifier is None:
            raise ValidationException(f"Column '{name}' is ambiguous")
        return hits[0] if hits else None


@dataclass
class Compiled:
    fn: Fn
    type: DataType
    const: bool = False


def position(node: exp.Expression, sql: str | None) -> str:
    """``line L, column C`` of ``node`` in ``sql`` (from sqlglot's token offsets)."""
    meta = None
    for n in (node, getattr(node, "this", None)):
        if isinstance(n, exp.Expression) and n.meta.get("start") is not None:
            meta = n.meta
            break
    if meta is None:
        for n in node.walk():
            if isinstance(n, exp.Expression) and n.meta.get("start") is not None:
                meta = n.meta
                break
    if meta is None or sql is None:
        return ""
    start = meta["start"]
    # sqlglot marks the start of the identifier text; a quoted name starts one before
    line = sql.count("\n", 0, start) + 1
    col = start - (sql.rfind("\n", 0, start) + 1) + 1
    return f"line {line}, column {col}"


def validation_error(node: exp.Expression | None, sql: str | None, message: str) -> ValidationException:
    where = position(node, sql) if node is not None else ""
    prefix = f"SQL validation failed. From {where}: " if where else "SQL validation failed. "
    return ValidationException(prefix + message)


_UNIT_MS = {
    "MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000,
    "WEEK": 7 * 86_400_000,
}


def interval_ms(node: exp.Expression) -> int | None:
    """Milliseconds of a day-time INTERVAL literal (``INTERVAL '0.1' SECOND``), else None."""
    if not isinstance(node, exp.Interval):
        return None
    text = node.this.name if node.this is not None else "1"
    unit = node.args.get("unit")
    if isinstance(unit, exp.IntervalSpan):
        # 'H:M:S'-style spans: split by ':' from the leading unit down
        parts = re.split(r"[: ]", text.strip())
        order = ["DAY", "HOUR", "MINUTE", "SECOND"]
        first = order.index(unit.this.name.upper().rstrip("S"))
        total = 0.0
        for i, p in enumerate(parts):
            total += float(p) * _UNIT_MS[order[first + i]]
        return int(round(total))
    uname = (unit.name if unit is not None else "SECOND").upper()
    if uname.endswith("S") and uname[:-1] in _UNIT_MS:
        uname = uname[:-1]
    if uname not in _UNIT_MS:
        return None
    return int(round(float(text) * _UNIT_MS[uname]))


def _strict(fn: Callable, *args: Fn) -> Fn:
    """fn over the arguments' values, NULL if any argument is NULL."""
    if len(args) == 1:
        (a,) = args
        return lambda r: None if (x := a(r)) is None else fn(x)
    if len(args) == 2:
        a, b = args
        return lambda r: None if (x := a(r)) is None or (y := b(r)) is None else fn(x, y)

    def call(r: Any) -> Any:
        vals = [f(r) for f in args]
        return None if any(v is None for v in vals) else fn(*vals)

    return call


def _java_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _java_mod(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    return math.fmod(a, b)


def _quantizer(scale: int) -> decimal.Decimal:
    return decimal.Decimal(1).scaleb(-scale)


def _to_decimal(v: Any, scale: int) -> decimal.Decimal:
    d = v if isinstance(v, decimal.Decimal) else decimal.Decimal(str(v))
    return d.quantize(_quantizer(scale), rounding=decimal.ROUND_HALF_UP)


def _fmt_double(v: float) -> str:
    # Java's Double.toString for the common range
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == int(v) and abs(v) < 1e7:
        return f"{v:.1f}"
    if 1e-3 <= abs(v) < 1e7:
        return repr(v)
    m, e = f"{v:.17E}".split("E")
    s = repr(v)
    if "e" in s:
        m, e = s.split("e")
        if "." not in m:
            m += ".0"
        return f"{m}E{int(e)}"
    return s


def _ts_to_str(ms: int, precision: int = 3) -> str:
    d = ty.EPOCH + datetime.timedelta(milliseconds=ms)
    s = d.strftime("%Y-%m-%d %H:%M:%S")
    if precision > 0:
        s += "." + f"{d.microsecond // 1000:03d}".ljust(precision, "0")[:precision]
    return s


_TS_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*$")


def parse_timestamp(s: str) -> int | None:
    m = _TS_RE.match(s)
    if not m:
        return None
    y, mo, d, h, mi, se, frac = m.groups()
    dt = datetime.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(se or 0))
    delta = dt - ty.EPOCH
    ms = (delta.days * 86_400 + delta.seconds) * 1000
    if frac:
        ms += int((frac + "00")[:3])
    return ms


_JAVA_FMT = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S"),
             ("SSS", "%f"), ("yy", "%y")]


def _java_format(fmt: str) -> str:
    out = fmt
    for j, p in _JAVA_FMT:
        out = out.replace(j, p)
    return out


def cast_fn(fn: Fn, src: DataType, dst: DataType, safe: bool, tz: datetime.tzinfo | None) -> Fn:
    """A closure converting values of ``src`` to ``dst`` (Flink's CAST; TRY_CAST when ``safe``)."""
    s, d = src.name, dst.name
    if s == d and (s != "DECIMAL" or src.args == dst.args):
        return fn
    conv: Callable[[Any], Any]
    if d == "STRING":
        if s == "BOOLEAN":
            conv = lambda v: "TRUE" if v else "FALSE"
        elif s in ("DOUBLE", "FLOAT"):
            conv = _fmt_double
        elif s == "DECIMAL":
            conv = lambda v: format(v, "f")
        elif s == "TIMESTAMP":
            p = src.args[0] if src.args else 3
            conv = lambda v: _ts_to_str(v, min(p, 3) if p else 0)
        elif s == "TIMESTAMP_LTZ":
            p = src.args[0] if src.args else 3
            off = _tz_offset_fn(tz)
            conv = lambda v: _ts_to_str(v + off(v), min(p, 3) if p else 0)
        elif s in ("DATE", "TIME"):
            conv = lambda v: v.isoformat()
        else:
            conv = str
    elif ty.is_integer(dst):
        if s == "STRING":
            conv = lambda v: int(v.strip())
        elif s == "BOOLEAN":
            conv = lambda v: 1 if v else 0
        elif s in ("DOUBLE", "FLOAT", "DECIMAL"):
            conv = lambda v: int(v)
        elif s in ("TIMESTAMP", "TIMESTAMP_LTZ"):
            conv = lambda v: _java_div(v, 1000)
        else:
            conv = int
    elif d in ("DOUBLE", "FLOAT"):
        conv = float
    elif d == "DECIMAL":
        scale = dst.args[1]
        conv = lambda v: _to_decimal(v.strip() if isinstance(v, str) else v, scale)
    elif d == "BOOLEAN":
        if s == "STRING":
            def conv(v: str) -> bool | None:
                u = v.strip().upper()
                if u in ("TRUE", "T", "YES", "Y", "1"):
                    return True
                if u in ("FALSE", "F", "NO", "N", "0"):
                    return False
                raise ValueError(f"cannot cast {v!r} to BOOLEAN")
        else:
            conv = bool
    elif d == "TIMESTAMP":
        if s == "STRING":
            def conv(v: str) -> int:
                ms = parse_timestamp(v)
                if ms is None:
                    raise ValueError(f"cannot cast {v!r} to TIMESTAMP")
                return ms
        elif s == "TIMESTAMP_LTZ":
            off = _tz_offset_fn(tz)
            conv = lambda v: v + off(v)
        elif s == "DATE":
            conv = lambda v: (v - datetime.date(1970, 1, 1)).days * 86_400_000
        else:
            conv = int
    elif d == "TIMESTAMP_LTZ":
        if s == "STRING":
            off = _tz_offset_fn(tz)

            def conv(v: str) -> int:
                ms = parse_timestamp(v)
                if ms is None:
                    raise ValueError(f"cannot cast {v!r} to TIMESTAMP_LTZ")
                return ms - off(ms)
        elif s == "TIMESTAMP":
            off = _tz_offset_fn(tz)
            conv = lambda v: v - off(v)
        elif ty.is_numeric(src):
            conv = lambda v: int(v * 1000)
        else:
            conv = int
    elif d == "DATE":
        if s == "STRING":
            conv = lambda v: datetime.date.fromisoformat(v.strip())
        elif s in ("TIMESTAMP", "TIMESTAMP_LTZ"):
            conv = lambda v: (ty.EPOCH + datetime.timedelta(milliseconds=v)).date()
        else:
            conv = lambda v: v
    else:
        conv = lambda v: v

    if safe:
        def safe_call(r: Any) -> Any:
            v = fn(r)
            if v is None:
                return None
            try:
                return conv(v)
            except (ValueError, TypeError, decimal.InvalidOperation, ArithmeticError):
                return None

        return safe_call

    def call(r: Any) -> Any:
        v = fn(r)
        if v is None:
            return None
        try:
            return conv(v)
        except (ValueError, TypeError, decimal.InvalidOperation, ArithmeticError) as e:
            from flinklite.errors import TableException

            raise TableException(f"CAST of {v!r} from {src} to {dst} failed ({e}); use TRY_CAST to get NULL "
                                 "instead") from None

    return call


def _tz_offset_fn(tz: datetime.tzinfo | None) -> Callable[[int], int]:
    """For an instant (epoch ms), the session zone's UTC offset in ms at that instant."""
    if tz is None or tz == datetime.UTC:
        return lambda ms: 0

    def off(ms: int) -> int:
        d = datetime.datetime.fromtimestamp(ms / 1000, tz)
        return int(d.utcoffset().total_seconds() * 1000)

    return off


# ---------------------------------------------------------------------------------------------
# built-in scalar functions: NAME -> (python function over non-null values, result type rule)
# ---------------------------------------------------------------------------------------------

def _substring(s: str, start: int, length: int | None = None) -> str:
    # SQL positions are 1-based; Flink treats start <= 0 like Calcite (start 0 == 1)
    begin = start - 1 if start > 0 else (len(s) + start if start < 0 else 0)
    begin = max(begin, 0)
    return s[begin:] if length is None else s[begin:begin + max(length, 0)]


_MISSING = object()


def _json_lookup(js: str, path: str) -> Any:
    """The value at a JSON path (``$.a.b``, ``$.a[1]``, ``$['k']``), or _MISSING."""
    try:
        doc = json.loads(js)
    except (ValueError, TypeError):
        return _MISSING
    p = path.strip()
    if not p.startswith("$"):
        return _MISSING
    cur: Any = doc
    for m in re.finditer(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['([^']*)'\]", p[1:]):
        key, idx, qkey = m.groups()
        try:
            cur = cur[int(idx)] if idx is not None else cur[key if key is not None else qkey]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return cur


def _json_query(js: str, path: str) -> Any:
    cur = _json_lookup(js, path)
    # WITHOUT WRAPPER (the default): only objects and arrays are returned, scalars give NULL
    return json.dumps(cur, separators=(",", ":")) if isinstance(cur, (dict, list)) else None


def _json_value(js: str, path: str) -> Any:
    cur = _json_lookup(js, path)
    if cur is _MISSING or isinstance(cur, (dict, list)):
        return None
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, float):
        return _fmt_double(cur)
    return None if cur is None else str(cur)


def _java_string_hash(s: str) -> int:
    """Java's ``String.hashCode`` (over UTF-16 code units), as Flink's HASH_CODE returns it."""
    h = 0
    units = s.encode("utf-16-be")
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def _initcap(s: str) -> str:
    return re.sub(r"[A-Za-z0-9]+", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), s)


def _round_type(t: DataType, digits: int) -> DataType:
    if t.name == "DECIMAL":
        p, s = t.args
        ns = max(min(digits, s), 0)
        return T.decimal(p - s + ns + (1 if ns < s else 0), ns)
    return t


def _round(v: Any, digits: int) -> Any:
    if isinstance(v, decimal.Decimal):
        return v.quantize(_quantizer(max(digits, 0)), rounding=decimal.ROUND_HALF_UP) if digits >= 0 else \
            v.quantize(_quantizer(digits), rounding=decimal.ROUND_HALF_UP).quantize(decimal.Decimal(1))
    if isinstance(v, int):
        if digits >= 0:
            return v
        f = 10 ** (-digits)
        return int(decimal.Decimal(v / f).quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP)) * f
    d = decimal.Decimal(repr(v)).quantize(_quantizer(digits), rounding=decimal.ROUND_HALF_UP)
    return float(d)


_STRING_FNS: dict[str, tuple[Callable, DataType]] = {
    "UPPER": (str.upper, T.STRING),
    "LOWER": (str.lower, T.STRING),
    "CHAR_LENGTH": (len, T.INT),
    "CHARACTER_LENGTH": (len, T.INT),
    "LENGTH": (len, T.INT),
    "REVERSE": (lambda s: s[::-1], T.STRING),
    "INITCAP": (_initcap, T.STRING),
    "LTRIM": (lambda s: s.lstrip(" "), T.STRING),
    "RTRIM": (lambda s: s.rstrip(" "), T.STRING),
    "REPLACE": (lambda s, a, b: s.replace(a, b), T.STRING),
    "REPEAT": (lambda s, n: s * max(n, 0), T.STRING),
    "LPAD": (lambda s, n, p: s[:n] if len(s) >= n else ((p * n)[: n - len(s)] + s if p else None), T.STRING),
    "RPAD": (lambda s, n, p: s[:n] if len(s) >= n else (s + (p * n)[: n - len(s)] if p else None), T.STRING),
    "LEFT": (lambda s, n: s[: max(n, 0)], T.STRING),
    "RIGHT": (lambda s, n: s[len(s) - n:] if n > 0 else "", T.STRING),
    "POSITION": (lambda sub, s: s.find(sub) + 1, T.INT),
    "LOCATE": (lambda sub, s: s.find(sub) + 1, T.INT),
    "INSTR": (lambda s, sub: s.find(sub) + 1, T.INT),
    "SPLIT_INDEX": (lambda s, sep, i: (p[i] if 0 <= i < len(p := s.split(sep)) else None), T.STRING),
    "REGEXP_REPLACE": (lambda s, p, r: re.sub(p, re.sub(r"\$(\d)", r"\\\1", r), s), T.STRING),
    "REGEXP_EXTRACT": (lambda s, p, i=1: ((m.group(i) if m else None) if (m := re.search(p, s)) or True else None),
                       T.STRING),
    "REGEXP": (lambda s, p: re.search(p, s) is not None, T.BOOLEAN),
    "MD5": (lambda s: __import__("hashlib").md5(s.encode()).hexdigest(), T.STRING),
    "SHA256": (lambda s: __import__("hashlib").sha256(s.encode()).hexdigest(), T.STRING),
    "JSON_VALUE": (_json_value, T.STRING),
    "JSON_QUERY": (_json_query, T.STRING),
    "JSON_EXISTS": (lambda js, p: _json_lookup(js, p) is not _MISSING, T.BOOLEAN),
    "ASCII": (lambda s: ord(s[0]) if s else 0, T.INT),
    "BIN": (lambda n: format(n & 0xFFFFFFFFFFFFFFFF, "b"), T.STRING),
    "HASH_CODE": (lambda s: _java_string_hash(s), T.INT),
    "TO_BASE64": (lambda s: __import__("base64").b64encode(s.encode()).decode(), T.STRING),
    "FROM_BASE64": (lambda s: __import__("base64").b64decode(s).decode(), T.STRING),
    "CHR": (lambda n: chr(n % 256), T.STRING),
}

_MATH_DOUBLE: dict[str, Callable] = {
    "SQRT": math.sqrt, "LN": math.log, "LOG10": math.log10, "LOG2": math.log2, "EXP": math.exp,
    "SIN": math.sin, "COS": math.cos, "TAN": math.tan, "ASIN": math.asin, "ACOS": math.acos,
    "ATAN": math.atan, "DEGREES": math.degrees, "RADIANS": math.radians, "COT": lambda x: 1 / math.tan(x),
    "POWER": math.pow, "POW": math.pow, "ATAN2": math.atan2,
}

_SQLGLOT_FN_NAMES = {
    "Upper": "UPPER", "Lower": "LOWER", "Length": "CHAR_LENGTH", "Replace": "REPLACE", "Initcap": "INITCAP",
    "Sqrt": "SQRT", "Ln": "LN", "Exp": "EXP", "Pow": "POWER", "Abs": "ABS", "Floor": "FLOOR", "Ceil": "CEIL",
    "Round": "ROUND", "RegexpReplace": "REGEXP_REPLACE", "Reverse": "REVERSE", "Repeat": "REPEAT",
    "Log": "LOG", "Sign": "SIGN", "Left": "LEFT", "Right": "RIGHT", "MD5": "MD5", "SHA2": "SHA256",
    "RegexpExtract": "REGEXP_EXTRACT", "Ascii": "ASCII", "Chr": "CHR", "Trim": "TRIM", "Sin": "SIN",
    "Cos": "COS", "Tan": "TAN", "Asin": "ASIN", "Acos": "ACOS", "Atan": "ATAN", "Atan2": "ATAN2",
    "Degrees": "DEGREES", "Radians": "RADIANS", "Cot": "COT", "Log2": "LOG2", "Log10": "LOG10",
    "RegexpLike": "REGEXP", "ToBase64": "TO_BASE64", "FromBase64": "FROM_BASE64", "Trunc": "TRUNCATE",
    "StrToMap": "STR_TO_MAP",
}


_UNIT_MS = {"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60_000, "HOUR": 3_600_000, "DAY": 86_400_000,
            "WEEK": 7 * 86_400_000}


def _ms_to_dt(ms: int, tz: Any) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, tz or datetime.UTC).replace(tzinfo=None) \
        .replace(microsecond=(ms % 1000) * 1000)


def _dt_to_ms(d: datetime.datetime, tz: Any) -> int:
    aware = d.replace(tzinfo=tz or datetime.UTC)
    return int(aware.timestamp()) * 1000 + d.microsecond // 1000


def _add_months(d: Any, n: int) -> Any:
    import calendar

    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1]))


# arguments sqlglot fills in itself that Flink's function does not take (INITCAP's delimiter set)
_IGNORED_ARGS = {"Initcap": ("expression",)}


class ExprCompiler:
    """Compiles expressions against a :class:`Scope`. ``functions`` holds user-defined functions
    (``CREATE FUNCTION`` / ``create_temporary_function``) by upper-cased name; ``sql`` is the
    statement text, for error positions; ``tz`` the session time zone."""

    def __init__(self, scope: Scope, sql: str | None = None, functions: dict | None = None,
                 tz: datetime.tzinfo | None = None, special: Callable | None = None) -> None:
        self.scope = scope
        self.sql = sql
        self.functions = functions or {}
        self.tz = tz
        # the planner's hook for nodes that resolve to a precomputed column (aggregates, window props)
        self.special = special

    def error(self, node: exp.Expression, message: str) -> ValidationException:
        return validation_error(node, self.sql, message)

    def compile(self, node: exp.Expression) -> Compiled:
        if self.special is not None:
            hit = self.special(node)
            if hit is not None:
                return hit
        method = getattr(self, "_c_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        if isinstance(node, exp.Func):
            return self._function(node)
        raise self.error(node, f"flinklite's SQL engine does not support the expression {node.sql()!r} "
                               f"({type(node).__name__}) yet")

    # -- leaves ------------------------------------------------------------------------------
    def _c_Paren(self, node: exp.Paren) -> Compiled:
        return self.compile(node.this)

    def _c_Column(self, node: exp.Column) -> Compiled:
        name = node.name
        qualifier = node.table or None
        idx = self.scope.lookup(name, qualifier)
        if idx is None:
            if qualifier:
                known = sorted({f.qualifier for f in self.scope.fields if f.qualifier})
                if qualifier not in known and qualifier.lower() not in [k.lower() for k in known]:
                    raise self.error(node, f"Table '{qualifier}' not found")
            raise self.error(node, f"Column '{name}' not found in any table; the input columns are "
                                   f"{self.scope.names()}")
        return Compiled(operator.itemgetter(idx), self.scope.fields[idx].type)

    def _c_Literal(self, node: exp.Literal) -> Compiled:
        text = node.this
        if node.is_string:
            return Compiled(lambda r, v=text: v, T.STRING, True)
        if re.fullmatch(r"-?\d+", text):
            v = int(text)
            t = T.INT if -2**31 <= v < 2**31 else T.BIGINT
            return Compiled(lambda r: v, t, True)
        if "e" in text.lower():
            f = float(text)
            return Compiled(lambda r: f, T.DOUBLE, True)
        d = decimal.Decimal(text)
        scale = max(-d.as_tuple().exponent, 0)
        digits = len(d.as_tuple().digits)
        return Compiled(lambda r: d, T.decimal(max(digits, scale), scale), True)

    def _c_Null(self, node: exp.Null) -> Compiled:
        return Compiled(lambda r: None, T.NULL, True)

    def _c_Boolean(self, node: exp.Boolean) -> Compiled:
        v = bool(node.this)
        return Compiled(lambda r: v, T.BOOLEAN, True)

    def _c_Interval(self, node: exp.Interval) -> Compiled:
        ms = interval_ms(node)
        if ms is None:
            raise self.error(node, f"unsupported interval {node.sql()!r} (only day-time intervals)")
        return Compiled(lambda r: ms, T.INTERVAL, True)

    # -- arithmetic ---------------------------------------------------------------------------
    def _arith(self, node: exp.Binary, op: str) -> Compiled:
        a, b = self.compile(node.this), self.compile(node.expression)
        ta, tb = a.type, b.type
        if op in "+-" and (ty.is_timestamp(ta) or ta.name == "DATE") and tb.name == "INTERVAL":
            f = operator.add if op == "+" else operator.sub
            if ta.name == "DATE":
                return Compiled(_strict(lambda d, ms: d + datetime.timedelta(milliseconds=f(0, ms)), a.fn, b.fn), ta)
            return Compiled(_strict(f, a.fn, b.fn), ta)
        if op == "+" and ta.name == "INTERVAL" and ty.is_timestamp(tb):
            return Compiled(_strict(operator.add, a.fn, b.fn), tb)
        if ta.name == "INTERVAL" and tb.name == "INTERVAL" and op in "+-":
            return Compiled(_strict(operator.add if op == "+" else operator.sub, a.fn, b.fn), T.INTERVAL)
        for side, t in ((node.this, ta), (node.expression, tb)):
            if not ty.is_numeric(t) and t.name != "NULL":
                raise self.error(side, f"Cannot apply '{op}' to arguments of type '<{ta}> {op} <{tb}>'. "
                                       "Supported form(s): '<NUMERIC> " + op + " <NUMERIC>'")
        rt = ty.common_numeric(ta, tb)
        if rt.name == "DECIMAL":
            (p1, s1), (p2, s2) = ty.decimal_parts(ta), ty.decimal_parts(tb)
            if op == "*":
                rt = T.decimal(p1 + p2, s1 + s2)
            elif op == "/":
                s = max(6, s1 + p2 + 1)
                rt = T.decimal(p1 - s1 + s2 + s, s)
            elif op == "%":
                rt = T.decimal(min(p1 - s1, p2 - s2) + max(s1, s2), max(s1, s2))
            else:
                s = max(s1, s2)
                rt = T.decimal(max(p1 - s1, p2 - s2) + s + 1, s)
            scale = rt.args[1]
            q = _quantizer(scale)
            to_d = lambda v: v if isinstance(v, decimal.Decimal) else decimal.Decimal(v)
            py = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
                  "%": _java_mod_dec}[op]

            def dec(x: Any, y: Any) -> Any:
                return py(to_d(x), to_d(y)).quantize(q, rounding=decimal.ROUND_HALF_UP)

            return Compiled(_strict(dec, a.fn, b.fn), rt)
        if ty.is_integer(rt):
            f = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": _java_div, "%": _java_mod}[op]
            if op in "+-*":
                # Java integer arithmetic wraps around on overflow (INT_MAX + 1 = INT_MIN), as Flink's does
                bits = {"TINYINT": 8, "SMALLINT": 16, "INT": 32, "BIGINT": 64}[rt.name]
                lo, hi, span = -(1 << (bits - 1)), 1 << (bits - 1), 1 << bits
                raw = f

                def f(x: int, y: int) -> int:
                    v = raw(x, y)
                    return v if lo <= v < hi else (v - lo) % span + lo
            return Compiled(_strict(f, a.fn, b.fn), rt)
        f = {"+": operator.add, "-": operator.sub, "*": operator.mul,
             "/": lambda x, y: float(x) / float(y) if y else (math.nan if x == 0 else math.copysign(math.inf, x)),
             "%": _java_mod}[op]
        return Compiled(_strict(lambda x, y: f(float(x), float(y)), a.fn, b.fn), rt)

    def _c_Add(self, node: exp.Add) -> Compiled:
        return self._arith(node, "+")

    def _c_Sub(self, node: exp.Sub) -> Compiled:
        return self._arith(node, "-")

    def _c_Mul(self, node: exp.Mul) -> Compiled:
        return self._arith(node, "*")

    def _c_Div(self, node: exp.Div) -> Compiled:
        return self._arith(node, "/")

    def _c_Mod(self, node: exp.Mod) -> Compiled:
        return self._arith(node, "%")

    def _c_IntDiv(self, node: exp.IntDiv) -> Compiled:
        return self._arith(node, "/")

    def _c_Neg(self, node: exp.Neg) -> Compiled:
        a = self.compile(node.this)
        return Compiled(_strict(operator.neg, a.fn), a.type, a.const)

    # -- comparison and logic -----------------------------------------------------------------
    def _compare(self, node: exp.Binary, f: Callable) -> Compiled:
        a, b = self.compile(node.this), self.compile(node.expression)
        af, bf = a.fn, b.fn
        ta, tb = a.type, b.type
        if ty.is_numeric(ta) != ty.is_numeric(tb) and "NULL" not in (ta.name, tb.name):
            if ty.is_string(ta) and ty.is_numeric(tb) or ty.is_string(tb) and ty.is_numeric(ta):
                raise self.error(node, f"Cannot apply '{node.key.upper()}' to arguments of type "
                                       f"'<{ta}>, <{tb}>'")
        if ty.is_timestamp(ta) and ty.is_string(tb):
            bf = cast_fn(bf, tb, ta, False, self.tz)
        elif ty.is_timestamp(tb) and ty.is_string(ta):
            af = cast_fn(af, ta, tb, False, self.tz)
        return Compiled(_strict(f, af, bf), T.BOOLEAN)

    def _c_EQ(self, node: exp.EQ) -> Compiled:
        return self._compare(node, operator.eq)

    def _c_NEQ(self, node: exp.NEQ) -> Compiled:
        return self._compare(node, operator.ne)

    def _c_GT(self, node: exp.GT) -> Compiled:
        return self._compare(node, operator.gt)

    def _c_GTE(self, node: exp.GTE) -> Compiled:
        return self._compare(node, operator.ge)

    def _c_LT(self, node: exp.LT) -> Compiled:
        return self._compare(node, operator.lt)

    def _c_LTE(self, node: exp.LTE) -> Compiled:
        return self._compare(node, operator.le)

    def _bool(self, node: exp.Expression) -> Fn:
        c = self.compile(node)
        if c.type.name not in ("BOOLEAN", "NULL"):
            raise self.error(node, f"expected a BOOLEAN expression, got {c.type}: {node.sql()!r}")
        return c.fn

    def _c_And(self, node: exp.And) -> Compiled:
        a, b = self._bool(node.this), self._bool(node.expression)

        def f(r: Any) -> Any:
            x = a(r)
            if x is False:
                return False
            y = b(r)
            if y is False:
                return False
            return None if x is None or y is None else True

        return Compiled(f, T.BOOLEAN)

    def _c_Or(self, node: exp.Or) -> Compiled:
        a, b = self._bool(node.this), self._bool(node.expression)

        def f(r: Any) -> Any:
            x = a(r)
            if x is True:
                return True
            y = b(r)
            if y is True:
                return True
            return None if x is None or y is None else False

        return Compiled(f, T.BOOLEAN)

    def _c_Not(self, node: exp.Not) -> Compiled:
        a = self._bool(node.this)
        return Compiled(lambda r: None if (x := a(r)) is None else not x, T.BOOLEAN)

    def _c_Is(self, node: exp.Is) -> Compiled:
        a = self.compile(node.this).fn
        target = node.expression
        if isinstance(target, exp.Null):
            return Compiled(lambda r: a(r) is None, T.BOOLEAN)
        if isinstance(target, exp.Boolean):
            want = bool(target.this)
            return Compiled(lambda r: a(r) is want, T.BOOLEAN)
        raise self.error(node, f"unsupported IS {target.sql()}")

    def _c_In(self, node: exp.In) -> Compiled:
        a = self.compile(node.this).fn
        items = [self.compile(e) for e in node.expressions]
        if not items:
            raise self.error(node, "IN with a subquery is not supported by flinklite yet")
        if all(i.const for i in items):
            values = [i.fn(None) for i in items]
            has_null = any(v is None for v in values)
            vs = {v for v in values if v is not None}

            def f(r: Any) -> Any:
                x = a(r)
                if x is None:
                    return None
                return True if x in vs else (None if has_null else False)

            return Compiled(f, T.BOOLEAN)
        fns = [i.fn for i in items]

        def g(r: Any) -> Any:
            x = a(r)
            if x is None:
                return None
            vals = [fn(r) for fn in fns]
            return True if x in vals else (None if None in vals else False)

        return Compiled(g, T.BOOLEAN)

    def _c_Between(self, node: exp.Between) -> Compiled:
        a, lo, hi = (self.compile(node.this).fn, self.compile(node.args["low"]).fn,
                     self.compile(node.args["high"]).fn)
        return Compiled(_strict(lambda x, y, z: y <= x <= z, a, lo, hi), T.BOOLEAN)

    def _like(self, node: exp.Expression, regex: bool) -> Compiled:
        a, p = self.compile(node.this), self.compile(node.expression)

        def to_re(pat: str) -> re.Pattern:
            out = ""
            for ch in pat:
                out += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
            return re.compile(out, re.S)

        if p.const:
            rx = to_re(p.fn(None)) if not regex else re.compile(p.fn(None))
            return Compiled(_strict(lambda s: rx.fullmatch(s) is not None, a.fn), T.BOOLEAN)
        return Compiled(_strict(lambda s, pat: to_re(pat).fullmatch(s) is not None, a.fn, p.fn), T.BOOLEAN)

    def _c_Like(self, node: exp.Like) -> Compiled:
        c = self._like(node, False)
        if node.args.get("negate"):  # NOT LIKE
            return Compiled(_strict(operator.not_, c.fn), T.BOOLEAN)
        return c

    def _null_safe_eq(self, node: exp.Binary) -> Fn:
        a, b = self.compile(node.this).fn, self.compile(node.expression).fn
        eq = self._c_EQ(exp.EQ(this=node.this, expression=node.expression)).fn

        def f(r: Any) -> bool:
            x, y = a(r), b(r)
            if x is None or y is None:
                return x is None and y is None
            return eq(r) is True

        return f

    def _c_NullSafeEQ(self, node: exp.NullSafeEQ) -> Compiled:  # IS NOT DISTINCT FROM
        return Compiled(self._null_safe_eq(node), T.BOOLEAN.not_null())

    def _c_NullSafeNEQ(self, node: exp.NullSafeNEQ) -> Compiled:  # IS DISTINCT FROM
        f = self._null_safe_eq(node)
        return Compiled(lambda r: not f(r), T.BOOLEAN.not_null())

    # -- collections: ARRAY[..], MAP[..], element access ------------------------------------------
    def _c_Array(self, node: exp.Array) -> Compiled:
        items = [self.compile(e) for e in node.expressions]
        et = self._common([c.type for c in items], node) if items else T.NULL
        fns = [self._coerce(c.fn, c.type, et) for c in items]
        return Compiled(lambda r: [f(r) for f in fns], DataType("ARRAY", False, (et,)))

    def _c_Bracket(self, node: exp.Bracket) -> Compiled:
        inner = node.this
        if isinstance(inner, exp.Column) and inner.name.upper() == "MAP" and not inner.table and \
                self.scope.lookup(inner.name, None) is None:
            # MAP[k1, v1, k2, v2, ..]: sqlglot reads it as an index into a column named MAP
            items = [self.compile(e) for e in node.expressions]
            if len(items) % 2:
                raise self.error(node, "MAP[..] needs key, value pairs")
            kt = self._common([c.type for c in items[0::2]], node)
            vt = self._common([c.type for c in items[1::2]], node)
            pairs = [(items[i].fn, items[i + 1].fn) for i in range(0, len(items), 2)]
            return Compiled(lambda r: {k(r): v(r) for k, v in pairs}, DataType("MAP", False, (kt, vt)))
        c = self.compile(inner)
        if len(node.expressions) != 1:
            raise self.error(node, "element access takes one index or key")
        key = self.compile(node.expressions[0])
        if c.type.name == "ARRAY":
            def at(arr: list, i: int) -> Any:
                return arr[i - 1] if 1 <= i <= len(arr) else None  # SQL arrays are 1-based

            return Compiled(_strict(at, c.fn, key.fn), c.type.args[0].nullable())
        if c.type.name == "MAP":
            return Compiled(_strict(lambda m, k: m.get(k), c.fn, key.fn), c.type.args[1].nullable())
        raise self.error(node, f"Cannot index a value of type {c.type}; only ARRAY and MAP support [..]")

    def _c_Overlay(self, node: exp.Overlay) -> Compiled:
        s, x = self.compile(node.this), self.compile(node.expression)
        start = self.compile(node.args["from_"])
        length = self.compile(node.args["for_"]) if node.args.get("for_") is not None else None

        def overlay(v: str, ins: str, pos: int, n: int | None = None) -> str:
            n = len(ins) if n is None else n
            return v[: pos - 1] + ins + v[pos - 1 + n:]

        fns = [s.fn, x.fn, start.fn] + ([length.fn] if length is not None else [])
        return Compiled(_strict(overlay, *fns), T.STRING)

    def _c_Hex(self, node: exp.Hex) -> Compiled:
        a = self.compile(node.this)
        if ty.is_integer(a.type):
            return Compiled(_strict(lambda v: format(v & 0xFFFFFFFFFFFFFFFF, "X"), a.fn), T.STRING)
        return Compiled(_strict(lambda v: str(v).encode().hex().upper(), a.fn), T.STRING)

    def _c_SimilarTo(self, node: exp.SimilarTo) -> Compiled:
        return self._like(node, True)

    # -- conditionals ---------------------------------------------------------------------------
    def _c_Case(self, node: exp.Case) -> Compiled:
        subject = self.compile(node.this).fn if node.this is not None else None
        branches = []
        types = []
        for when in node.args.get("ifs") or []:
            cond = self.compile(when.this).fn
            then = self.compile(when.args["true"])
            branches.append((cond, then.fn))
            types.append(then.type)
        default = node.args.get("default")
        dc = self.compile(default) if default is not None else Compiled(lambda r: None, T.NULL)
        types.append(dc.type)
        rt = self._common(types, node)
        branches = [(c, self._coerce(f, t, rt)) for (c, f), t in zip(branches, types)]
        dfn = self._coerce(dc.fn, dc.type, rt)
        if subject is None:
            def f(r: Any) -> Any:
                for c, v in branches:
                    if c(r) is True:
                        return v(r)
                return dfn(r)
        else:
            def f(r: Any) -> Any:
                s = subject(r)
                for c, v in branches:
                    if s is not None and c(r) == s:
                        return v(r)
                return dfn(r)
        return Compiled(f, rt)

    def _c_If(self, node: exp.If) -> Compiled:
        cond = self.compile(node.this).fn
        a = self.compile(node.args["true"])
        fb = node.args.get("false")
        b = self.compile(fb) if fb is not None else Compiled(lambda r: None, T.NULL)
        rt = self._common([a.type, b.type], node)
        af, bf = self._coerce(a.fn, a.type, rt), self._coerce(b.fn, b.type, rt)
        return Compiled(lambda r: af(r) if cond(r) is True else bf(r), rt)

    def _c_Coalesce(self, node: exp.Coalesce) -> Compiled:
        parts = [self.compile(node.this)] + [self.compile(e) for e in node.expressions]
        rt = self._common([p.type for p in parts], node)
        fns = [self._coerce(p.fn, p.type, rt) for p in parts]
        if len(fns) == 2:
            a, b = fns
            return Compiled(lambda r: v if (v := a(r)) is not None else b(r), rt)

        def f(r: Any) -> Any:
            for fn in fns:
                v = fn(r)
                if v is not None:
                    return v
            return None

        return Compiled(f, rt)

    def _c_Nullif(self, node: exp.Nullif) -> Compiled:
        a, b = self.compile(node.this), self.compile(node.expression)
        return Compiled(lambda r: None if (x := a.fn(r)) == b.fn(r) else x, a.type)

    def _greatest(self, node: exp.Expression, pick: Callable) -> Compiled:
        parts = [self.compile(node.this)] + [self.compile(e) for e in node.expressions]
        rt = self._common([p.type for p in parts], node)
        fns = [self._coerce(p.fn, p.type, rt) for p in parts]

        def f(r: Any) -> Any:
            vals = [fn(r) for fn in fns]
            return None if any(v is None for v in vals) else pick(vals)

        return Compiled(f, rt)

    def _c_Greatest(self, node: exp.Greatest) -> Compiled:
        return self._greatest(node, max)

    def _c_Least(self, node: exp.Least) -> Compiled:
        return self._greatest(node, min)

    def _common(self, types: list[DataType], node: exp.Expression) -> DataType:
        known = [t for t in types if t.name != "NULL"]
        if not known:
            return T.NULL
        if all(ty.is_numeric(t) for t in known):
            rt = known[0]
            for t in known[1:]:
                rt = ty.common_numeric(rt, t)
            return rt
        names = {t.name for t in known}
        if len(names) == 1:
            return known[0]
        if names <= {"TIMESTAMP", "STRING"}:
            return T.TIMESTAMP3
        raise self.error(node, f"Cannot infer a common type of {[str(t) for t in known]}")

    def _coerce(self, fn: Fn, src: DataType, dst: DataType) -> Fn:
        if src.name == "NULL" or src == dst or dst.name == "NULL":
            return fn
        if src.name == dst.name and src.name != "DECIMAL":
            return fn
        return cast_fn(fn, src, dst, False, self.tz)

    # -- casts and strings ----------------------------------------------------------------------
    def _c_Cast(self, node: exp.Cast) -> Compiled:
        a = self.compile(node.this)
        dst = ty.from_sqlglot(node.args["to"])
        if a.type.name == "NULL":
            return Compiled(lambda r: None, dst)
        return Compiled(cast_fn(a.fn, a.type, dst, False, self.tz), dst)

    def _c_TryCast(self, node: exp.TryCast) -> Compiled:
        a = self.compile(node.this)
        dst = ty.from_sqlglot(node.args["to"])
        return Compiled(cast_fn(a.fn, a.type, dst, True, self.tz), dst)

    def _to_str(self, c: Compiled) -> Fn:
        return c.fn if c.type.name in ("STRING", "NULL") else cast_fn(c.fn, c.type, T.STRING, False, self.tz)

    def _c_DPipe(self, node: exp.DPipe) -> Compiled:
        a, b = self.compile(node.this), self.compile(node.expression)
        return Compiled(_strict(operator.add, self._to_str(a), self._to_str(b)), T.STRING)

    def _c_Concat(self, node: exp.Concat) -> Compiled:
        fns = [self._to_str(self.compile(e)) for e in node.expressions]
        return Compiled(_strict(lambda *xs: "".join(xs), *fns), T.STRING)

    def _c_ConcatWs(self, node: exp.ConcatWs) -> Compiled:
        parts = [self._to_str(self.compile(e)) for e in node.expressions]
        sep, rest = parts[0], parts[1:]

        def f(r: Any) -> Any:
            s = sep(r)
            if s is None:
                return None
            return s.join(v for fn in rest if (v := fn(r)) is not None)

        return Compiled(f, T.STRING)

    def _c_Substring(self, node: exp.Substring) -> Compiled:
        s = self.compile(node.this).fn
        start = self.compile(node.args["start"]).fn if node.args.get("start") is not None else (lambda r: 1)
        if node.args.get("length") is not None:
            ln = self.compile(node.args["length"]).fn
            return Compiled(_strict(_substring, s, start, ln), T.STRING)
        return Compiled(_strict(_substring, s, start), T.STRING)

    def _c_Trim(self, node: exp.Trim) -> Compiled:
        s = self.compile(node.this).fn
        chars = self.compile(node.expression).fn if node.expression is not None else (lambda r: " ")
        pos = (node.args.get("position") or "BOTH").upper()
        f = {"BOTH": str.strip, "LEADING": str.lstrip, "TRAILING": str.rstrip}[pos]
        return Compiled(_strict(f, s, chars), T.STRING)

    def _c_StrPosition(self, node: exp.StrPosition) -> Compiled:
        s, sub = self.compile(node.this).fn, self.compile(node.args["substr"]).fn
        return Compiled(_strict(lambda a, b: a.find(b) + 1, s, sub), T.INT)

    def _c_Pad(self, node: exp.Pad) -> Compiled:
        name = "LPAD" if node.args.get("is_left") else "RPAD"
        fn, rt = _STRING_FNS[name]
        args = [self.compile(node.this).fn, self.compile(node.expression).fn,
                self.compile(node.args["fill_pattern"]).fn if node.args.get("fill_pattern") else (lambda r: " ")]
        return Compiled(_strict(fn, *args), rt)

    def _c_Year(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("YEAR"), expression=node.this))

    def _c_Month(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("MONTH"), expression=node.this))

    def _c_Quarter(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("QUARTER"), expression=node.this))

    def _c_Week(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("WEEK"), expression=node.this))

    def _c_WeekOfYear(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("WEEK"), expression=node.this))

    def _c_Day(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("DAY"), expression=node.this))

    def _c_DayOfMonth(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("DAY"), expression=node.this))

    def _c_DayOfWeek(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("DOW"), expression=node.this))

    def _c_DayOfYear(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("DOY"), expression=node.this))

    def _c_Hour(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("HOUR"), expression=node.this))

    def _c_Minute(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("MINUTE"), expression=node.this))

    def _c_Second(self, node: exp.Expression) -> Compiled:
        return self._c_Extract(exp.Extract(this=exp.var("SECOND"), expression=node.this))

    def _c_Extract(self, node: exp.Extract) -> Compiled:
        unit = node.this.name.upper()
        a = self.compile(node.expression)
        off = _tz_offset_fn(self.tz) if a.type.name == "TIMESTAMP_LTZ" else (lambda ms: 0)

        def f(v: Any) -> int:
            d = v if isinstance(v, datetime.date) and not isinstance(v, int) else \
                ty.EPOCH + datetime.timedelta(milliseconds=v + off(v))
            if unit == "DOW":
                return d.isoweekday() % 7 + 1
            if unit == "DOY":
                return d.timetuple().tm_yday
            if unit == "QUARTER":
                return (d.month - 1) // 3 + 1
            if unit == "WEEK":
                return d.isocalendar()[1]
            if unit == "MILLISECOND":
                return d.second * 1000 + d.microsecond // 1000
            return getattr(d, unit.lower())

        return Compiled(_strict(f, a.fn), T.BIGINT)

    def _c_CurrentTimestamp(self, node: exp.Expression) -> Compiled:
        import time

        return Compiled(lambda r: int(time.time() * 1000), T.TIMESTAMP_LTZ3)

    def _c_TimestampDiff(self, node: exp.TimestampDiff) -> Compiled:
        unit = node.args["unit"].name.upper()
        a, b = self.compile(node.this).fn, self.compile(node.expression).fn
        div = _UNIT_MS.get(unit.rstrip("S"), 1000)
        return Compiled(_strict(lambda x, y: _java_div(y - x, div), a, b), T.INT)

    def _c_Floor(self, node: exp.Floor) -> Compiled:
        return self._floor_ceil(node, False)

    def _c_Ceil(self, node: exp.Ceil) -> Compiled:
        return self._floor_ceil(node, True)

    def _floor_ceil(self, node: exp.Expression, up: bool) -> Compiled:
        a = self.compile(node.this)
        to = node.args.get("to")
        if to is not None:
            unit = _UNIT_MS[to.name.upper()]
            if up:
                return Compiled(_strict(lambda v: -((-v) // unit) * unit, a.fn), a.type)
            return Compiled(_strict(lambda v: v - v % unit, a.fn), a.type)
        f = math.ceil if up else math.floor
        if a.type.name == "DECIMAL":
            p, _ = a.type.args
            return Compiled(_strict(lambda v: decimal.Decimal(f(v)), a.fn), T.decimal(p, 0))
        if ty.is_integer(a.type):
            return a
        return Compiled(_strict(lambda v: float(f(v)), a.fn), a.type)

    # -- generic functions ------------------------------------------------------------------------
    def _function(self, node: exp.Func) -> Compiled:
        if isinstance(node, exp.Anonymous):
            name = node.name.upper()
            arg_nodes = list(node.expressions)
        else:
            name = _SQLGLOT_FN_NAMES.get(type(node).__name__, type(node).__name__.upper())
            arg_nodes = []
            for k in node.arg_types:
                if k in _IGNORED_ARGS.get(type(node).__name__, ()):
                    continue
                v = node.args.get(k)
                if isinstance(v, list):
                    arg_nodes.extend(v)
                elif isinstance(v, exp.Expression):
                    arg_nodes.append(v)
        if name in self.functions:
            return self._udf(node, self.functions[name], arg_nodes)
        if isinstance(node, exp.AggFunc) or name in ("COUNT", "SUM", "AVG", "MIN", "MAX"):
            raise self.error(node, f"Aggregate function {name} is not allowed here")
        if name in ("TIMESTAMPADD", "TIMESTAMPDIFF"):
            return self._timestamp_fn(node, name, arg_nodes)
        if name == "STR_TO_MAP":
            args = [self.compile(a) for a in arg_nodes]

            def str_to_map(text: str, pair_sep: str = ",", kv_sep: str = "=") -> dict:
                out = {}
                for part in text.split(pair_sep):
                    k, _, v = part.partition(kv_sep)
                    out[k] = v if _ else None
                return out

            return Compiled(_strict(str_to_map, *[a.fn for a in args]), DataType("MAP", True, (T.STRING, T.STRING)))
        if name in ("CARDINALITY", "ELEMENT") and len(arg_nodes) == 1:
            a = self.compile(arg_nodes[0])
            if a.type.name not in ("ARRAY", "MAP", "MULTISET"):
                raise self.error(node, f"{name} needs an ARRAY, got {a.type}")
            if name == "CARDINALITY":
                return Compiled(_strict(len, a.fn), T.INT)

            def element(arr: list) -> Any:
                if len(arr) > 1:
                    raise ValueError(f"ELEMENT: the array has {len(arr)} elements, at most one is allowed")
                return arr[0] if arr else None

            return Compiled(_strict(element, a.fn), a.type.args[0].nullable())
        args = [self.compile(a) for a in arg_nodes]
        fns = [a.fn for a in args]
        if name in _STRING_FNS:
            fn, rt = _STRING_FNS[name]
            fns = [self._to_str(a) if a.type.name not in ("STRING", "NULL") and not ty.is_integer(a.type)
                   else a.fn for a in args]
            return Compiled(_strict(fn, *fns), rt)
        if name in _MATH_DOUBLE:
            fn = _MATH_DOUBLE[name]
            return Compiled(_strict(lambda *xs: fn(*[float(x) for x in xs]), *fns), T.DOUBLE)
        if name == "LOG":
            if len(fns) == 1:
                return Compiled(_strict(lambda x: math.log(float(x)), *fns), T.DOUBLE)
            return Compiled(_strict(lambda b, x: math.log(float(x), float(b)), *fns), T.DOUBLE)
        if name == "ABS":
            return Compiled(_strict(abs, fns[0]), args[0].type)
        if name == "SIGN":
            return Compiled(_strict(lambda x: type(x)((x > 0) - (x < 0)), fns[0]), args[0].type)
        if name == "MOD":
            return self._arith(exp.Mod(this=arg_nodes[0], expression=arg_nodes[1]), "%")
        if name == "ROUND":
            digits = args[1].fn(None) if len(args) > 1 else 0
            if len(args) > 1 and not args[1].const:
                raise self.error(node, "ROUND's second argument must be a literal")
            rt = _round_type(args[0].type, digits)
            return Compiled(_strict(lambda v: _round(v, digits), fns[0]), rt)
        if name == "TRUNCATE":
            digits = args[1].fn(None) if len(args) > 1 else 0
            q = _quantizer(digits)
            return Compiled(_strict(lambda v: type(v)(decimal.Decimal(str(v)).quantize(q, rounding=decimal.ROUND_DOWN))
                                    if not isinstance(v, int) else v, fns[0]), _round_type(args[0].type, digits))
        if name == "TO_TIMESTAMP_LTZ":
            precision = args[1].fn(None) if len(args) > 1 else 3
            scale = {0: 1000, 3: 1}.get(precision)
            if scale is None:
                raise self.error(node, f"TO_TIMESTAMP_LTZ precision must be 0 or 3, got {precision}")
            if ty.is_string(args[0].type):
                off = _tz_offset_fn(self.tz)
                return Compiled(_strict(lambda s: (ms := parse_timestamp(s)) is not None and ms - off(ms) or
                                        (None if ms is None else ms - off(ms)), fns[0]), T.TIMESTAMP_LTZ3)
            return Compiled(_strict(lambda v: int(v) * scale, fns[0]), T.TIMESTAMP_LTZ3)
        if name == "TO_TIMESTAMP":
            if len(fns) == 2:
                def parse_fmt(s: str, fmt: str) -> Any:
                    try:
                        d = datetime.datetime.strptime(s, _java_format(fmt))
                    except ValueError:
                        return None
                    delta = d - ty.EPOCH
                    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000

                return Compiled(_strict(parse_fmt, *fns), T.TIMESTAMP3)
            return Compiled(_strict(parse_timestamp, fns[0]), T.TIMESTAMP3)
        if name == "TO_DATE":
            return Compiled(_strict(lambda s: datetime.date.fromisoformat(s.strip()), fns[0]), T.DATE)
        if name == "DATE_FORMAT":
            src = args[0]
            to_ms = (cast_fn(src.fn, src.type, T.TIMESTAMP3, False, self.tz)
                     if src.type.name != "TIMESTAMP" else src.fn)

            def fmt(ms: int, f: str) -> str:
                d = ty.EPOCH + datetime.timedelta(milliseconds=ms)
                out = d.strftime(_java_format(f).replace("%f", "<ms>"))
                return out.replace("<ms>", f"{d.microsecond // 1000:03d}")

            return Compiled(_strict(fmt, to_ms, fns[1]), T.STRING)
        if name == "UNIX_TIMESTAMP":
            if not fns:
                import time

                return Compiled(lambda r: int(time.time()), T.BIGINT)
            off = _tz_offset_fn(self.tz)
            return Compiled(_strict(lambda s: None if (ms := parse_timestamp(s)) is None else
                                    _java_div(ms - off(ms), 1000), fns[0]), T.BIGINT)
        if name == "FROM_UNIXTIME":
            off = _tz_offset_fn(self.tz)
            return Compiled(_strict(lambda s: _ts_to_str(s * 1000 + off(s * 1000), 0), fns[0]), T.STRING)
        if name in ("NOW", "LOCALTIMESTAMP", "CURRENT_TIMESTAMP", "PROCTIME"):
            return self._c_CurrentTimestamp(node)
        if name == "IFNULL":
            return self._c_Coalesce(exp.Coalesce(this=arg_nodes[0], expressions=arg_nodes[1:]))
        if name == "UUID":
            import uuid

            return Compiled(lambda r: str(uuid.uuid4()), T.STRING)
        if name == "RAND":
            import random

            return Compiled(lambda r: random.random(), T.DOUBLE)
        if name == "PI":
            return Compiled(lambda r: math.pi, T.DOUBLE, True)
        if name == "E":
            return Compiled(lambda r: math.e, T.DOUBLE, True)
        if name == "IS_DIGIT" or name == "IS_ALPHA":
            test = str.isdigit if name == "IS_DIGIT" else str.isalpha
            return Compiled(lambda r: (v := fns[0](r)) is not None and test(v), T.BOOLEAN)
        raise self.error(node, f"No match found for function signature {name}("
                               + ", ".join(f"<{a.type}>" for a in args) + ")")

    def _timestamp_fn(self, node: exp.Expression, name: str, arg_nodes: list) -> Compiled:
        """TIMESTAMPADD(unit, n, t) and TIMESTAMPDIFF(unit, a, b): fixed units in milliseconds,
        MONTH / QUARTER / YEAR on the calendar (wall clock of the session zone for LTZ)."""
        if len(arg_nodes) != 3 or not isinstance(arg_nodes[0], exp.Var):
            raise self.error(node, f"{name} takes (unit, x, y), e.g. {name}(SECOND, ...)")
        unit = arg_nodes[0].name.upper()
        if unit.endswith("S") and unit[:-1] in _UNIT_MS:
            unit = unit[:-1]
        months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}.get(unit)
        if months is None and unit not in _UNIT_MS:
            raise self.error(arg_nodes[0], f"{name}: unsupported time unit {unit}")
        a, b = self.compile(arg_nodes[1]), self.compile(arg_nodes[2])
        tz = self.tz if b.type.name == "TIMESTAMP_LTZ" else datetime.UTC
        if name == "TIMESTAMPADD":
            if not (ty.is_timestamp(b.type) or b.type.name == "DATE"):
                raise self.error(arg_nodes[2], f"TIMESTAMPADD needs a TIMESTAMP or DATE, got {b.type}")
            is_date = b.type.name == "DATE"
            if months is not None:
                def add(n: int, t: Any) -> Any:
                    d = t if is_date else _ms_to_dt(t, tz)
                    out = _add_months(d, n * months)
                    return out if is_date else _dt_to_ms(out, tz)
            else:
                step = _UNIT_MS[unit]

                def add(n: int, t: Any) -> Any:
                    return t + datetime.timedelta(milliseconds=n * step) if is_date else t + n * step
            return Compiled(_strict(add, a.fn, b.fn), b.type)
        for side, c in ((arg_nodes[1], a), (arg_nodes[2], b)):
            if not (ty.is_timestamp(c.type) or c.type.name == "DATE"):
                raise self.error(side, f"TIMESTAMPDIFF needs TIMESTAMP or DATE arguments, got {c.type}")

        def as_ms(v: Any, t: DataType) -> int:
            if t.name == "DATE":
                return (v - datetime.date(1970, 1, 1)).days * 86_400_000
            return v

        ta, tb = a.type, b.type
        if months is not None:
            def diff(x: Any, y: Any) -> int:
                dx, dy = _ms_to_dt(as_ms(x, ta), tz), _ms_to_dt(as_ms(y, tb), tz)
                m = (dy.year - dx.year) * 12 + dy.month - dx.month
                # a month counts only once complete (day and time of day reached)
                if m > 0 and (dy.day, dy.time()) < (dx.day, dx.time()):
                    m -= 1
                elif m < 0 and (dy.day, dy.time()) > (dx.day, dx.time()):
                    m += 1
                return int(m / months)
        else:
            step = _UNIT_MS[unit]

            def diff(x: Any, y: Any) -> int:
                d = as_ms(y, tb) - as_ms(x, ta)
                return int(d / step) if abs(d) < 2**52 else (abs(d) // step) * (1 if d >= 0 else -1)
        return Compiled(_strict(diff, a.fn, b.fn), T.INT)

    def _udf(self, node: exp.Expression, udf: Any, arg_nodes: list) -> Compiled:
        from flinklite.table.udf import UserDefinedScalarFunctionWrapper

        if not isinstance(udf, UserDefinedScalarFunctionWrapper):
            raise self.error(node, f"function {node.sql()!r} is not a scalar function here")
        args = [self.compile(a) for a in arg_nodes]
        fns = [a.fn for a in args]
        call = udf.eval_fn()
        rt = udf.result_type or T.STRING
        if len(fns) == 1:
            (a,) = fns
            return Compiled(lambda r: call(a(r)), rt)
        return Compiled(lambda r: call(*[f(r) for f in fns]), rt)


def _java_mod_dec(a: decimal.Decimal, b: decimal.Decimal) -> decimal.Decimal:
    return a.copy_sign(1) % b.copy_sign(1) * (1 if a >= 0 else -1)
