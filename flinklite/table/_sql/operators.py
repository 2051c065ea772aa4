"""The SQL runtime operators, written as keyed process functions of flinklite's own DataStream
runtime, so their state is keyed state (snapshotted by checkpoints, restored after a failure) and
their timing follows watermarks and event-time timers like any DataStream operator.

Records between SQL operators are ``(RowKind, values_tuple)``. Timestamps inside ``values`` are
epoch milliseconds (see :mod:`flinklite.table._sql.types`).

Each class names the Flink runtime operator it follows:

* :class:`GroupAggFunction` - ``GroupAggFunction``: per key accumulators; emits ``+I`` then
  ``-U``/``+U`` pairs, ``-D`` when the last row of a group is retracted, and nothing when the
  result did not change. In BATCH mode it emits the final row once, from an end-of-input timer.
* :class:`WindowAggFunction` - window TVF aggregation (``SlicingWindowOperator``): rows are
  assigned to windows (TUMBLE, HOP, CUMULATE) upstream; the window fires when the watermark
  reaches ``window_end - 1``; a row whose window already fired is dropped.
* :class:`SessionWindowAggFunction` - SESSION windows (TVF and legacy GROUP BY SESSION):
  sessions merge when they overlap or touch, a row whose merged session already fired is dropped.
* :class:`OverAggFunction` - ``RowTimeRowsBoundedPrecedingFunction`` and friends: rows wait
  until the watermark passes their timestamp, then are emitted in timestamp order with the
  aggregate over their ROWS / RANGE frame; rows at or below the watermark on arrival are late
  and dropped.
* :class:`JoinFunction` - ``StreamingJoinOperator``: both sides kept in state with match
  counts; outer joins emit NULL-padded rows and retract them (``-D``) when a first match arrives.
* :class:`SortLimitFunction` - batch ``ORDER BY`` / ``LIMIT`` (and streaming ``LIMIT``).
* :class:`RankFunction` - Top-N from ``ROW_NUMBER() OVER (...) <= N`` (``RetractableTopNFunction``).
* :class:`DeduplicateFunction` - ``ROW_NUMBER() OVER (PARTITION BY k ORDER BY rowtime) = 1``
  (``RowTimeDeduplicateFunction``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from flinklite.common.typeinfo import Types
from flinklite.common.types import RowKind
from flinklite.datastream.functions import KeyedCoProcessFunction, KeyedProcessFunction
from flinklite.datastream.state import ValueStateDescriptor
from flinklite.errors import TableException
from flinklite.time.watermark import MAX_TIMESTAMP

__all__ = [
    "GroupAggFunction", "WindowAggFunction", "SessionWindowAggFunction", "OverAggFunction", "JoinFunction",
    "SortLimitFunction", "RankFunction", "DeduplicateFunction", "INSERT", "DELETE", "UPDATE_BEFORE", "UPDATE_AFTER",
]

INSERT = RowKind.INSERT
DELETE = RowKind.DELETE
UPDATE_BEFORE = RowKind.UPDATE_BEFORE
UPDATE_AFTER = RowKind.UPDATE_AFTER
_ACCUMULATE = (INSERT, UPDATE_AFTER)


def _state(ctx: Any, name: str) -> Any:
    return ctx.get_state(ValueStateDescriptor(name, Types.PICKLED_BYTE_ARRAY()))


class GroupAggFunction(KeyedProcessFunction):
    """``GROUP BY`` without windows. ``key_values(row)`` gives the group columns; the output row
    is ``group columns + aggregate values``."""

    def __init__(self, key_fn: Any, aggs: list, batch: bool) -> None:
        self.key_fn = key_fn
        self.aggs = aggs
        self.batch = batch

    def open(self, runtime_context: Any) -> None:
        self.acc = _state(runtime_context, "acc")

    def _result(self, keys: tuple, accs: list) -> tuple:
        return keys + tuple(a.get(s) for a, s in zip(self.aggs, accs))

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        st = self.acc.value()
        if st is None:
            if kind not in _ACCUMULATE:
                return  # retraction of a group that does not exist (e.g. after state expiry)
            st = [0, [a.create() for a in self.aggs], self.key_fn(row)]
            if self.batch:
                ctx.timer_service().register_event_time_timer(MAX_TIMESTAMP)
        count, accs, keys = st
        before = None if count == 0 or self.batch else self._result(keys, accs)
        sign = 1 if kind in _ACCUMULATE else -1
        for a, s in zip(self.aggs, accs):
            a.add(s, row, sign)
        count += sign
        if count <= 0:
            self.acc.clear()
            if before is not None:
                yield (DELETE, before)
            return
        self.acc.update([count, accs, keys])
        if self.batch:
            return
        after = self._result(keys, accs)
        if before is None:
            yield (INSERT, after)
        elif before != after:
            yield (UPDATE_BEFORE, before)
            yield (UPDATE_AFTER, after)

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator:
        st = self.acc.value()
        if st is not None and st[0] > 0:
            yield (INSERT, self._result(st[2], st[1]))
        self.acc.clear()


class WindowAggFunction(KeyedProcessFunction):
    """Aggregation over windows already assigned upstream: ``window_of(row) -> (start, end)``
    in epoch ms. Output: ``group columns + (window_start, window_end) + aggregate values``."""

    def __init__(self, key_fn: Any, window_of: Any, aggs: list) -> None:
        self.key_fn = key_fn
        self.window_of = window_of
        self.aggs = aggs

    def open(self, runtime_context: Any) -> None:
        self.windows = _state(runtime_context, "windows")

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        start, end = self.window_of(row)
        ts = ctx.timer_service()
        if end - 1 <= ts.current_watermark():
            return iter(())  # late: its window already fired
        wins = self.windows.value() or {}
        st = wins.get((start, end))
        if st is None:
            st = [0, [a.create() for a in self.aggs], self.key_fn(row)]
            wins[(start, end)] = st
            ts.register_event_time_timer(end - 1)
        sign = 1 if kind in _ACCUMULATE else -1
        st[0] += sign
        for a, s in zip(self.aggs, st[1]):
            a.add(s, row, sign)
        self.windows.update(wins)
        return iter(())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator:
        wins = self.windows.value() or {}
        fired = sorted(w for w in wins if w[1] - 1 == timestamp)
        for w in fired:
            count, accs, keys = wins.pop(w)
            if count > 0:
                yield (INSERT, keys + (w[0], w[1], w[1] - 1) + tuple(a.get(s) for a, s in zip(self.aggs, accs)))
        if wins:
            self.windows.update(wins)
        else:
            self.windows.clear()


class SessionWindowAggFunction(KeyedProcessFunction):
    """Session windows of ``gap`` ms over ``rowtime(row)``; merging as in Flink's
    ``MergingWindowSet`` (windows ``[ts, ts + gap)`` merge when they overlap or touch)."""

    def __init__(self, key_fn: Any, rowtime: Any, gap: int, aggs: list) -> None:
        self.key_fn = key_fn
        self.rowtime = rowtime
        self.gap = gap
        self.aggs = aggs

    def open(self, runtime_context: Any) -> None:
        self.sessions = _state(runtime_context, "sessions")

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        t = self.rowtime(row)
        if t is None:
            return iter(())
        ts = ctx.timer_service()
        start, end = t, t + self.gap
        sessions: list = self.sessions.value() or []
        merged = [s for s in sessions if s[0] <= end and start <= s[1]]
        keep = [s for s in sessions if not (s[0] <= end and start <= s[1])]
        new_start = min([start] + [s[0] for s in merged])
        new_end = max([end] + [s[1] for s in merged])
        if new_end - 1 <= ts.current_watermark():
            return iter(())  # the (merged) session already fired: late
        if merged:
            base = merged[0]
            accs = base[2]
            count = base[3]
            for other in merged[1:]:
                count += other[3]
                for a, s, o in zip(self.aggs, accs, other[2]):
                    _merge_into(a, s, o)
            for s in merged:
                if s[1] != new_end:
                    ts.delete_event_time_timer(s[1] - 1)
            keys = base[4]
        else:
            accs = [a.create() for a in self.aggs]
            count = 0
            keys = self.key_fn(row)
        sign = 1 if kind in _ACCUMULATE else -1
        for a, s in zip(self.aggs, accs):
            a.add(s, row, sign)
        count += sign
        if not any(s[1] == new_end for s in merged):
            ts.register_event_time_timer(new_end - 1)
        keep.append([new_start, new_end, accs, count, keys])
        self.sessions.update(keep)
        return iter(())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator:
        sessions: list = self.sessions.value() or []
        rest = []
        for s in sorted(sessions, key=lambda s: s[0]):
            if s[1] - 1 == timestamp:
                if s[3] > 0:
                    yield (INSERT, s[4] + (s[0], s[1], s[1] - 1) + tuple(a.get(x) for a, x in zip(self.aggs, s[2])))
            else:
                rest.append(s)
        if rest:
            self.sessions.update(rest)
        else:
            self.sessions.clear()


def _merge_into(agg: Any, into: Any, other: Any) -> None:
    """Merges accumulator ``other`` into ``into`` by replaying: accumulators here are small
    containers whose first element holds the running values."""
    a, b = into[0], other[0]
    n = agg.name
    if agg.udaf is not None:
        agg.udaf.merge(a, [b])
    elif n in ("COUNT",):
        a[0] += b[0]
    elif n in ("SUM", "SUM0"):
        if b[1]:
            a[0] = b[0] if a[0] is None else a[0] + b[0]
            a[1] += b[1]
    elif n == "AVG":
        a[0] += b[0]
        a[1] += b[1]
    elif n in ("MIN", "MAX"):
        for k, c in b[0].items():
            a[0][k] = a[0].get(k, 0) + c
    elif n in ("FIRST_VALUE", "LAST_VALUE", "COLLECT", "LISTAGG"):
        a[0].extend(b[0])
    else:
        for i in range(3):
            a[i] += b[i]
    if into[1] is not None and other[1] is not None:
        for k, c in other[1].items():
            into[1][k] = into[1].get(k, 0) + c


class OverAggFunction(KeyedProcessFunction):
    """Event-time OVER aggregation. ``frame`` is ``("ROWS", n)`` / ``("RANGE", ms)`` with n / ms
    the PRECEDING bound (None = UNBOUNDED). Output: ``input row + aggregate values``."""

    def __init__(self, rowtime: Any, frame: tuple, aggs: list, batch: bool) -> None:
        self.rowtime = rowtime
        self.kind, self.bound = frame
        self.aggs = aggs
        self.batch = batch

    def open(self, runtime_context: Any) -> None:
        self.pending = _state(runtime_context, "pending")   # ts -> [rows]
        self.history = _state(runtime_context, "history")   # [(ts, row)] still inside some frame
        self.running = _state(runtime_context, "running")   # accumulators for UNBOUNDED frames

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        t = self.rowtime(row)
        ts = ctx.timer_service()
        if t is None or (not self.batch and t <= ts.current_watermark()):
            return iter(())  # late
        pending = self.pending.value() or {}
        if t not in pending:
            pending[t] = []
            ts.register_event_time_timer(t)
        pending[t].append(row)
        self.pending.update(pending)
        return iter(())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator:
        pending = self.pending.value() or {}
        due = sorted(t for t in pending if t <= timestamp)
        history = self.history.value() or []
        running = self.running.value()
        out = []
        for t in due:
            rows = pending.pop(t)
            if self.bound is None:
                if running is None:
                    running = [a.create() for a in self.aggs]
                if self.kind == "RANGE":
                    for r in rows:
                        for a, s in zip(self.aggs, running):
                            a.add(s, r, 1)
                    vals = tuple(a.get(s) for a, s in zip(self.aggs, running))
                    out.extend((INSERT, r + vals) for r in rows)
                else:
                    for r in rows:
                        for a, s in zip(self.aggs, running):
                            a.add(s, r, 1)
                        out.append((INSERT, r + tuple(a.get(s) for a, s in zip(self.aggs, running))))
                continue
            if self.kind == "ROWS":
                for r in rows:
                    history.append((t, r))
                    if len(history) > self.bound + 1:
                        del history[: len(history) - self.bound - 1]
                    out.append((INSERT, r + self._over([h[1] for h in history])))
            else:
                history.extend((t, r) for r in rows)
                lo = t - self.bound
                history = [h for h in history if h[0] >= lo]
                vals = self._over([h[1] for h in history])
                out.extend((INSERT, r + vals) for r in rows)
        if pending:
            self.pending.update(pending)
        else:
            self.pending.clear()
        self.history.update(history)
        if running is not None:
            self.running.update(running)
        return iter(out)

    def _over(self, rows: list) -> tuple:
        accs = [a.create() for a in self.aggs]
        for r in rows:
            for a, s in zip(self.aggs, accs):
                a.add(s, r, 1)
        return tuple(a.get(s) for a, s in zip(self.aggs, accs))


class JoinFunction(KeyedCoProcessFunction):
    """A regular equi-join of two changelog inputs. ``residual(left, right)`` is the non-equi part
    of the ON condition (None = always true). Output rows are ``left + right``."""

    def __init__(self, join_type: str, left_width: int, right_width: int, residual: Any) -> None:
        self.join_type = join_type
        self.left_outer = join_type in ("LEFT", "FULL")
        self.right_outer = join_type in ("RIGHT", "FULL")
        self.left_nulls = (None,) * left_width
        self.right_nulls = (None,) * right_width
        self.residual = residual

    def open(self, runtime_context: Any) -> None:
        self.left = _state(runtime_context, "left")    # [[row, count, matches]]
        self.right = _state(runtime_context, "right")

    def _matches(self, a: tuple, b: tuple, a_is_left: bool) -> bool:
        if self.residual is None:
            return True
        return self.residual(a, b) if a_is_left else self.residual(b, a)

    def _side(self, value: Any, mine: Any, other: Any, is_left: bool) -> Iterator:
        kind, row = value
        my_rows: list = mine.value() or []
        other_rows: list = other.value() or []
        my_outer = self.left_outer if is_left else self.right_outer
        other_outer = self.right_outer if is_left else self.left_outer
        my_pad = self.right_nulls if is_left else self.left_nulls
        other_pad = self.left_nulls if is_left else self.right_nulls

        def joined(mine_row: tuple, other_row: tuple) -> tuple:
            return mine_row + other_row if is_left else other_row + mine_row

        def padded_mine(mine_row: tuple) -> tuple:
            return mine_row + my_pad if is_left else my_pad + mine_row

        def padded_other(other_row: tuple) -> tuple:
            return other_row + other_pad if not is_left else other_pad + other_row

        hits = [o for o in other_rows if self._matches(row, o[0], is_left)]
        out = []
        if kind in _ACCUMULATE:
            for o in hits:
                if other_outer and o[2] == 0:
                    out.append((DELETE, padded_other(o[0])))
                o[2] += 1
                out.extend((INSERT, joined(row, o[0])) for _ in range(o[1]))
            if not hits and my_outer:
                out.append((INSERT, padded_mine(row)))
            for m in my_rows:
                if m[0] == row:
                    m[1] += 1
                    break
            else:
                my_rows.append([row, 1, len(hits)])
        else:
            for m in my_rows:
                if m[0] == row:
                    m[1] -= 1
                    if m[1] <= 0:
                        my_rows.remove(m)
                    break
            else:
                return iter(())
            for o in hits:
                out.extend((DELETE, joined(row, o[0])) for _ in range(o[1]))
                o[2] -= 1
                if other_outer and o[2] == 0:
                    out.append((INSERT, padded_other(o[0])))
            if not hits and my_outer:
                out.append((DELETE, padded_mine(row)))
        mine.update(my_rows)
        if hits:
            other.update(other_rows)
        return iter(out)

    def process_element1(self, value: Any, ctx: Any) -> Iterator:
        return self._side(value, self.left, self.right, True)

    def process_element2(self, value: Any, ctx: Any) -> Iterator:
        return self._side(value, self.right, self.left, False)


class SortLimitFunction(KeyedProcessFunction):
    """Global ``ORDER BY`` + ``LIMIT`` / ``OFFSET`` (all rows under one key, parallelism 1). In
    BATCH mode the rows are emitted sorted at the end of input; in streaming (LIMIT only) the first
    ``limit`` rows pass and the rest are dropped."""

    def __init__(self, sort_key: Any, limit: int | None, offset: int, batch: bool) -> None:
        self.sort_key = sort_key
        self.limit = limit
        self.offset = offset
        self.batch = batch

    def open(self, runtime_context: Any) -> None:
        self.rows = _state(runtime_context, "rows")

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        if not self.batch:
            n = self.rows.value() or 0
            self.rows.update(n + 1)
            if n >= self.offset and (self.limit is None or n < self.offset + self.limit):
                return iter([value])
            return iter(())
        rows = self.rows.value()
        if rows is None:
            rows = []
            ctx.timer_service().register_event_time_timer(MAX_TIMESTAMP)
        rows.append(row)
        self.rows.update(rows)
        return iter(())

    def on_timer(self, timestamp: int, ctx: Any) -> Iterator:
        rows = self.rows.value() or []
        if self.sort_key is not None:
            rows = sorted(rows, key=functools.cmp_to_key(self.sort_key))
        end = None if self.limit is None else self.offset + self.limit
        self.rows.clear()
        return iter([(INSERT, r) for r in rows[self.offset:end]])


class DeduplicateFunction(KeyedProcessFunction):
    """Row-time deduplication as Flink's ``RowTimeDeduplicateFunction``: per key one row is kept; a
    later-arriving row replaces it when its time is ``>=`` (keep last) or ``<`` (keep first) the kept
    row's, emitting ``-U old, +U new`` (the first row of a key is ``+I``)."""

    def __init__(self, time_idx: int, keep_last: bool) -> None:
        self.time_idx = time_idx
        self.keep_last = keep_last

    def open(self, runtime_context: Any) -> None:
        self.kept = _state(runtime_context, "kept")

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        if kind not in _ACCUMULATE:
            raise TableException("Deduplicate only accepts an insert-only input; the input of this "
                                 f"ROW_NUMBER() = 1 query produced {kind} for {row}")
        prev = self.kept.value()
        if prev is None:
            self.kept.update(row)
            return iter(((INSERT, row),))
        t_new, t_old = row[self.time_idx], prev[self.time_idx]
        replace = (t_new >= t_old) if self.keep_last else (t_new < t_old)
        if not replace:
            return iter(())
        self.kept.update(row)
        return iter(((UPDATE_BEFORE, prev), (UPDATE_AFTER, row)))


class RankFunction(KeyedProcessFunction):
    """``ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..)`` filtered to ``<= n``: Top-N with a
    retraction changelog (``-D`` of a row pushed out, ``+I`` of the new one) as Flink's
    ``RetractableTopNFunction`` does; ``with_rank`` appends the row number. Deduplication is the
    ``n = 1`` case (ordered by the time attribute: first row kept, or last row with updates)."""

    def __init__(self, cmp: Any, n: int, with_rank: bool) -> None:
        self._cmp = cmp
        self.n = n
        self.with_rank = with_rank

    def open(self, runtime_context: Any) -> None:
        # the key wrapper is made per subtask: cmp_to_key objects cannot be copied into subtasks
        self.cmp = functools.cmp_to_key(self._cmp)
        self.rows = _state(runtime_context, "rows")

    def _top(self, rows: list) -> list:
        return sorted(rows, key=self.cmp)[: self.n]

    def process_element(self, value: Any, ctx: Any) -> Iterator:
        kind, row = value
        rows: list = self.rows.value() or []
        before = self._top(rows)
        if kind in _ACCUMULATE:
            rows.append(row)
        else:
            if row in rows:
                rows.remove(row)
        after = self._top(rows)
        self.rows.update(rows)
        out = []
        if self.with_rank:
            for i in range(max(len(before), len(after))):
                b = before[i] + (i + 1,) if i < len(before) else None
                a = after[i] + (i + 1,) if i < len(after) else None
                if b == a:
                    continue
                if b is not None and a is not None:
                    out.append((UPDATE_BEFORE, b))
                    out.append((UPDATE_AFTER, a))
                elif b is not None:
                    out.append((DELETE, b))
                else:
                    out.append((INSERT, a))
            return iter(out)
        remaining = list(after)
        for b in before:
            if b in remaining:
                remaining.remove(b)
            else:
                out.append((DELETE, b))
        rest_before = list(before)
        for a in after:
            if a in rest_before:
                rest_before.remove(a)
            else:
                out.append((INSERT, a))
        return iter(out)
