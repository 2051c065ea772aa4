"""The relational operations of the Table API (``select``, ``where``, ``group_by``, ``window``,
``join``, ``union_all``, ``order_by`` ...) as Flink SQL over the table they are called on.

Each operation renders its expressions (:mod:`flinklite.table.expression`) and builds one SQL query
whose FROM is the input table, registered in the environment's catalog under a generated name;
``TableEnvironment.sql_query`` then validates and plans it. A Table API pipeline therefore becomes
exactly the operators its SQL equivalent would, and errors are the SQL planner's validation errors.
"""

from __future__ import annotations

from typing import Any

from flinklite.errors import ValidationException
from flinklite.table.expression import Expression, RenderContext, _quote, column

__all__ = ["GroupedTable", "GroupWindowedTable", "WindowGroupedTable", "OverWindowedTable", "TableApiMixin"]


def _as_expr(f: Any) -> Expression:
    if isinstance(f, Expression):
        return f
    if isinstance(f, str):
        return column(f.strip())
    raise ValidationException(f"expected a Table API expression (col('a'), lit(1), ...) or a column name, got {f!r}")


def _items(fields: tuple, ctx: RenderContext, aggregating: bool = False) -> str:
    """The SELECT list. Flink names an unnamed Table API expression ``_c<position>``, but in an
    aggregating select (group_by / window / a global aggregate) ``EXPR$<n>``, n counting the
    unnamed expressions."""
    out = []
    unnamed = 0
    aggregating = aggregating or any(isinstance(f, Expression) and f._aggregate for f in fields)
    for i, f in enumerate(fields):
        e = _as_expr(f)
        name = getattr(e._render_fn, "_column", None)
        if name == "*":
            out.append("*")
        elif e._alias or name is not None:
            out.append(e._select_item(ctx))
        else:
            alias = f"EXPR${unnamed}" if aggregating else f"_c{i}"
            unnamed += 1
            out.append(f"{e._render(ctx)} AS {_quote(alias)}")
    return ", ".join(out)


def _query(table: Any, sql: str) -> Any:
    return table._t_env.sql_query(sql)


class TableApiMixin:
    """The operations of :class:`flinklite.table.Table` (mixed into it)."""

    _t_env: Any

    def _ctx(self) -> RenderContext:
        return RenderContext(self._t_env)

    def _from(self) -> str:
        return _quote(self._name())

    def __getattr__(self, name: str) -> Expression:
        # tab.amount is col('amount') (PyFlink's column access by attribute)
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self.get_column_names():
            fields = ", ".join(self.get_column_names())
            raise AttributeError(f"Cannot resolve field [{name}], input field list:[{fields}].")
        return column(name)

    def __getitem__(self, name: str) -> Expression:
        return column(name)

    def select(self, *fields: Any) -> Any:
        return _query(self, f"SELECT {_items(fields, self._ctx())} FROM {self._from()}")

    def where(self, predicate: Any) -> Any:
        return _query(self, f"SELECT * FROM {self._from()} WHERE {_as_expr(predicate)._render(self._ctx())}")

    filter = where

    def group_by(self, *fields: Any) -> GroupedTable:
        return GroupedTable(self, [_as_expr(f) for f in fields])

    def distinct(self) -> Any:
        return _query(self, f"SELECT DISTINCT * FROM {self._from()}")

    def alias(self, field: str, *fields: str) -> Any:
        names = (field,) + fields
        cols = self.get_column_names()
        if len(names) != len(cols):
            raise ValidationException(f"alias(): the table has {len(cols)} columns {cols}, got {len(names)} names")
        items = ", ".join(f"{_quote(c)} AS {_quote(n)}" for c, n in zip(cols, names))
        return _query(self, f"SELECT {items} FROM {self._from()}")

    # -- joins and set operations --------------------------------------------------------------
    def _join(self, right: Any, predicate: Any, kind: str) -> Any:
        if set(self.get_column_names()) & set(right.get_column_names()):
            both = sorted(set(self.get_column_names()) & set(right.get_column_names()))
            raise ValidationException(f"join: both tables have the column(s) {both}; rename one side first "
                                      "(Table API joins need distinct column names)")
        on = "" if predicate is None else " ON " + _as_expr(predicate)._render(self._ctx())
        if predicate is None and kind != "INNER":
            raise ValidationException(f"{kind.lower()} outer join needs a join predicate")
        join = "CROSS JOIN" if predicate is None else f"{kind} JOIN"
        return _query(self, f"SELECT * FROM {self._from()} {join} {right._from()}{on}")

    def join(self, right: Any, join_predicate: Any = None) -> Any:
        return self._join(right, join_predicate, "INNER")

    def left_outer_join(self, right: Any, join_predicate: Any = None) -> Any:
        return self._join(right, join_predicate, "LEFT")

    def right_outer_join(self, right: Any, join_predicate: Any) -> Any:
        return self._join(right, join_predicate, "RIGHT")

    def full_outer_join(self, right: Any, join_predicate: Any) -> Any:
        return self._join(right, join_predicate, "FULL")

    def _join_lateral(self, call: Any, predicate: Any, outer: bool) -> Any:
        e = _as_expr(call)
        ctx = self._ctx()
        names = ""
        if e._alias:
            names = "(" + ", ".join(_quote(n) for n in e._alias) + ")"
        lateral = f"LATERAL TABLE({e._render(ctx)}) AS T{names}"
        sql = (f"SELECT * FROM {self._from()} LEFT JOIN {lateral} ON TRUE" if outer
               else f"SELECT * FROM {self._from()}, {lateral}")
        out = _query(self, sql)
        return out.where(predicate) if predicate is not None else out

    def join_lateral(self, table_function_call: Any, join_predicate: Any = None) -> Any:
        return self._join_lateral(table_function_call, join_predicate, False)

    def left_outer_join_lateral(self, table_function_call: Any, join_predicate: Any = None) -> Any:
        return self._join_lateral(table_function_call, join_predicate, True)

    def flat_map(self, func: Any) -> Any:
        """``table.flat_map(udtf(..))``: the table function applied to all columns, its columns only."""
        from flinklite.table.expressions import call

        if not isinstance(func, Expression):
            func = call(func, *[column(c) for c in self.get_column_names()])
        cols = set(self.get_column_names())
        joined = self.join_lateral(func)
        return joined.select(*[column(c) for c in joined.get_column_names() if c not in cols])

    def union_all(self, right: Any) -> Any:
        return _query(self, f"SELECT * FROM {self._from()} UNION ALL SELECT * FROM {right._from()}")

    def union(self, right: Any) -> Any:
        return _query(self, f"SELECT * FROM {self._from()} UNION SELECT * FROM {right._from()}")

    # -- ordering ------------------------------------------------------------------------------
    def order_by(self, *fields: Any) -> Any:
        ctx = self._ctx()
        keys = []
        for f in fields:
            e = _as_expr(f)
            keys.append(e._render(ctx) + (f" {e._order}" if e._order else ""))
        order = ", ".join(keys)
        out = _query(self, f"SELECT * FROM {self._from()} ORDER BY {order}")
        out._sort = (self, order, None, 0)
        return out

    def _limited(self, fetch: int | None, offset: int) -> Any:
        src, order, lim, off = getattr(self, "_sort", None) or (self, None, None, 0)
        lim = fetch if fetch is not None else lim
        off = off + offset
        sql = f"SELECT * FROM {src._from()}"
        if order:
            sql += f" ORDER BY {order}"
        if lim is not None:
            sql += f" LIMIT {lim}"
        if off:
            sql += f" OFFSET {off}"
        out = _query(self, sql)
        out._sort = (src, order, lim, off)
        return out

    def offset(self, offset: int) -> Any:
        return self._limited(None, offset)

    def fetch(self, fetch: int) -> Any:
        return self._limited(fetch, 0)

    def limit(self, fetch: int, offset: int = 0) -> Any:
        return self._limited(fetch, offset)

    # -- columns -------------------------------------------------------------------------------
    def add_columns(self, *fields: Any) -> Any:
        return _query(self, f"SELECT *, {_items(fields, self._ctx())} FROM {self._from()}")

    def add_or_replace_columns(self, *fields: Any) -> Any:
        ctx = self._ctx()
        cols = self.get_column_names()
        replaced: dict[str, str] = {}
        added = []
        for f in fields:
            e = _as_expr(f)
            name = e._alias[0] if e._alias else getattr(e._render_fn, "_column", None)
            if name in cols:
                replaced[name] = f"{e._render(ctx)} AS {_quote(name)}"
            else:
                added.append(e._select_item(ctx))
        items = [replaced.get(c, _quote(c)) for c in cols] + added
        return _query(self, f"SELECT {', '.join(items)} FROM {self._from()}")

    def drop_columns(self, *fields: Any) -> Any:
        drop = {_as_expr(f)._column_name() for f in fields}
        cols = self.get_column_names()
        unknown = drop - set(cols)
        if unknown:
            raise ValidationException(f"drop_columns: no column(s) {sorted(unknown)} in {cols}")
        return _query(self, f"SELECT {', '.join(_quote(c) for c in cols if c not in drop)} FROM {self._from()}")

    def rename_columns(self, *fields: Any) -> Any:
        renames = {}
        for f in fields:
            e = _as_expr(f)
            if not e._alias:
                raise ValidationException("rename_columns takes col('old').alias('new') expressions")
            renames[e._column_name()] = e._alias[0]
        cols = self.get_column_names()
        items = [f"{_quote(c)} AS {_quote(renames[c])}" if c in renames else _quote(c) for c in cols]
        return _query(self, f"SELECT {', '.join(items)} FROM {self._from()}")

    # -- windows -------------------------------------------------------------------------------
    def window(self, window: Any) -> GroupWindowedTable:
        from flinklite.table.window import GroupWindow

        if not isinstance(window, GroupWindow) or not window._alias:
            raise ValidationException("window() takes a group window with an alias: "
                                      "Tumble.over(lit(10).seconds).on(col('rt')).alias('w')")
        return GroupWindowedTable(self, window)

    def over_window(self, *over_windows: Any) -> OverWindowedTable:
        for w in over_windows:
            if not getattr(w, "_alias", None):
                raise ValidationException("over_window() takes over windows with an alias: Over....alias('w')")
        return OverWindowedTable(self, list(over_windows))


class GroupedTable:
    """``table.group_by(..)``: ``select`` with aggregates per group (a retracting changelog)."""

    def __init__(self, table: Any, keys: list[Expression]) -> None:
        self._table = table
        self._keys = keys

    def select(self, *fields: Any) -> Any:
        t = self._table
        ctx = t._ctx()
        keys = ", ".join(k._render(ctx) for k in self._keys)
        return _query(t, f"SELECT {_items(fields, ctx, True)} FROM {t._from()}" +
                      (f" GROUP BY {keys}" if keys else ""))


class GroupWindowedTable:
    """``table.window(w)``: must be followed by ``group_by(col('w'), ...)``."""

    def __init__(self, table: Any, window: Any) -> None:
        self._table = table
        self._window = window

    def group_by(self, *fields: Any) -> WindowGroupedTable:
        return WindowGroupedTable(self._table, self._window, [_as_expr(f) for f in fields])


class WindowGroupedTable:
    """``table.window(w).group_by(col('w'), keys..)``: ``select`` with aggregates per window and
    key; ``col('w').start`` / ``.end`` / ``.rowtime`` are the window's properties."""

    def __init__(self, table: Any, window: Any, keys: list[Expression]) -> None:
        self._table = table
        self._window = window
        self._keys = keys

    def select(self, *fields: Any) -> Any:
        t, w = self._table, self._window
        ctx = t._ctx()
        ctx.group_windows[w._alias] = (w._kind, w._args(ctx))
        groups = [w._group_sql(ctx)]
        seen_window = False
        for k in self._keys:
            if getattr(k._render_fn, "_column", None) == w._alias:
                seen_window = True
                continue
            groups.append(k._render(ctx))
        if not seen_window:
            raise ValidationException(f"group_by() of a windowed table must name the window alias '{w._alias}'")
        return _query(t, f"SELECT {_items(fields, ctx, True)} FROM {t._from()} GROUP BY {', '.join(groups)}")


class OverWindowedTable:
    """``table.over_window(w)``: ``select`` with ``agg.over(col('w'))`` expressions."""

    def __init__(self, table: Any, windows: list) -> None:
        self._table = table
        self._windows = windows

    def select(self, *fields: Any) -> Any:
        t = self._table
        ctx = t._ctx()
        for w in self._windows:
            ctx.over_windows[w._alias] = w._spec_sql(ctx)
        return _query(t, f"SELECT {_items(fields, ctx)} FROM {t._from()}")
