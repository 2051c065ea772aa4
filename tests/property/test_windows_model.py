"""The window operator against a brute-force reference model (semantics reference §3).

Random out-of-order streams with per-record bounded-out-of-orderness watermarks of a random bound
(deterministic: a punctuated generator on a parallelism-1 stage), random assigners (tumbling,
sliding, session, count), random triggers on time windows (the default EventTimeTrigger,
CountTrigger, PurgingTrigger over either), random allowed lateness, window operator parallelism
1..4. The engine's on-time firings, late firings and late side output must equal the model's as
multisets.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from _window_helpers import collect, make_env, punctuated  # noqa: E402

from flinklite.datastream import OutputTag  # noqa: E402
from flinklite.datastream.functions import ProcessWindowFunction  # noqa: E402
from flinklite.datastream.window import (  # noqa: E402
    CountTrigger,
    EventTimeSessionWindows,
    EventTimeTrigger,
    PurgingTrigger,
    SlidingEventTimeWindows,
    TumblingEventTimeWindows,
)

MAX = 2**63 - 1


class Describe(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        start = getattr(w, "start", None)
        end = getattr(w, "end", None)
        yield ("fire", key, start, end, tuple(sorted(e[2] for e in elements)))


# -- the reference model ---------------------------------------------------------------------
def _windows(kind, p, ts):
    if kind == "tumbling":
        size, off = p["size"], p["offset"]
        s = ts - (ts - off) % size
        return [(s, s + size)]
    size, slide = p["size"], p["slide"]
    s = ts - ts % slide
    out = []
    while s > ts - size:
        out.append((s, s + size))
        s -= slide
    return out


def model(events, kind, p, bound, lateness):
    out = Counter()
    wm = -(2**63)
    # (key, (start, end)) -> {"items": [...], "pending": bool}
    wins: dict = {}
    counts: dict = {}
    max_ts = None

    def fire(key, w, items):
        out[("fire", key, w[0], w[1], tuple(sorted(i for i in items)))] += 1

    trigger, trigger_n = p.get("trigger", ("event", 0))
    purging = trigger.startswith("purging_")
    counting = trigger.endswith("count")

    def advance(new_wm):
        for (key, w), st_ in sorted(wins.items(), key=lambda kv: kv[0][1][1]):
            mts = w[1] - 1
            if st_["pending"] and mts <= new_wm:
                st_["pending"] = False
                if st_["items"]:
                    fire(key, w, st_["items"])
                    if purging:
                        st_["items"] = []
        for kw in [kw for kw in wins if kw[1][1] - 1 + lateness <= new_wm]:
            del wins[kw]

    for key, ts, ident in events:
        if kind in ("count", "count_sliding"):
            n = counts.get(key, 0)
            counts[key] = n + 1
            size = p["size"]
            slide = p.get("slide") or size
            wid = n // slide
            while wid >= 0 and wid * slide <= n <= wid * slide + size - 1:
                w = (key, ("c", wid))
                wins.setdefault(w, []).append(ident)
                if len(wins[w]) == size:
                    out[("fire", key, None, None, tuple(sorted(wins[w])))] += 1
                wid -= 1
            continue
        skipped = True
        if kind == "session":
            gap = p["gap"]
            new = (ts, ts + gap)
            hits = [kw for kw in wins if kw[0] == key and kw[1][0] <= new[1] and kw[1][1] >= new[0]]
            if not hits and new[1] - 1 + lateness <= wm:
                cands = []
            else:
                # transitive closure of intersecting sessions
                cur = new
                merged = set()
                changed = True
                while changed:
                    changed = False
                    for kw in wins:
                        if kw[0] == key and kw not in merged and kw[1][0] <= cur[1] and kw[1][1] >= cur[0]:
                            merged.add(kw)
                            cur = (min(cur[0], kw[1][0]), max(cur[1], kw[1][1]))
                            changed = True
                items = []
                for kw in merged:
                    items += wins.pop(kw)["items"]
                wins[(key, cur)] = {"items": items, "pending": cur[1] - 1 > wm}
                cands = [cur]
            for w in cands:
                skipped = False
                stw = wins[(key, w)]
                stw["items"].append(ident)
                if w[1] - 1 <= wm:
                    fire(key, w, stw["items"])
                else:
                    stw["pending"] = True
        else:
            for w in _windows(kind, p, ts):
                if w[1] - 1 + lateness <= wm:
                    continue
                skipped = False
                stw = wins.setdefault((key, w), {"items": [], "pending": False, "count": 0})
                stw["items"].append(ident)
                if counting:  # CountTrigger: fires on the n-th element, never on time
                    stw["count"] += 1
                    if stw["count"] >= trigger_n:
                        stw["count"] = 0
                        fire(key, w, stw["items"])
                        if purging:
                            stw["items"] = []
                elif w[1] - 1 <= wm:  # EventTimeTrigger: a late firing
                    fire(key, w, stw["items"])
                    if purging:
                        stw["items"] = []
                else:
                    stw["pending"] = True
        if skipped and ts + lateness <= wm:
            out[("late", key, ts, ident)] += 1
        max_ts = ts if max_ts is None else max(max_ts, ts)
        new_wm = max_ts - bound - 1
        if new_wm > wm:
            wm = new_wm
            advance(wm)
    if kind not in ("count", "count_sliding"):
        advance(MAX)
    return out


# -- the engine ------------------------------------------------------------------------------
def engine(events, kind, p, bound, lateness, parallelism):
    env = make_env(parallelism)
    src = env.from_collection(events)
    keyed = src.assign_timestamps_and_watermarks(punctuated(bound)).set_parallelism(1).key_by(lambda v: v[0])
    late = OutputTag("late")
    if kind == "count":
        ws = keyed.count_window(p["size"])
    elif kind == "count_sliding":
        ws = keyed.count_window(p["size"], p["slide"])
    else:
        if kind == "tumbling":
            assigner = TumblingEventTimeWindows.of(p["size"], p["offset"])
        elif kind == "sliding":
            assigner = SlidingEventTimeWindows.of(p["size"], p["slide"])
        else:
            assigner = EventTimeSessionWindows.with_gap(p["gap"])
        ws = keyed.window(assigner).allowed_lateness(lateness).side_output_late_data(late)
        trigger, n = p.get("trigger", ("event", 0))
        if trigger == "count":
            ws = ws.trigger(CountTrigger.of(n))
        elif trigger == "purging_count":
            ws = ws.trigger(PurgingTrigger.of(CountTrigger.of(n)))
        elif trigger == "purging_event":
            ws = ws.trigger(PurgingTrigger.of(EventTimeTrigger.create()))
    fired = ws.process(Describe())
    stream = fired
    if kind not in ("count", "count_sliding"):
        stream = fired.union(fired.get_side_output(late).map(lambda v: ("late", v[0], v[1], v[2])))
    return Counter(collect(stream))


@st.composite
def scenarios(draw):
    kind = draw(st.sampled_from(["tumbling", "sliding", "session", "count", "count_sliding"]))
    if kind == "tumbling":
        size = draw(st.integers(1, 30))
        p = {"size": size, "offset": draw(st.integers(-(size - 1), size - 1))}
    elif kind == "sliding":
        slide = draw(st.integers(1, 15))
        p = {"size": draw(st.integers(1, 40)), "slide": slide}
    elif kind == "session":
        p = {"gap": draw(st.integers(1, 15))}
    elif kind == "count":
        p = {"size": draw(st.integers(1, 4))}
    else:
        p = {"size": draw(st.integers(1, 5)), "slide": draw(st.integers(1, 4))}
    if kind in ("tumbling", "sliding"):
        p["trigger"] = draw(st.sampled_from([("event", 0), ("count", draw(st.integers(1, 3))),
                                             ("purging_count", draw(st.integers(1, 3))), ("purging_event", 0)]))
    n = draw(st.integers(0, 40))
    keys = draw(st.integers(1, 4))
    events = [(f"k{draw(st.integers(0, keys - 1))}", draw(st.integers(-30, 120)), i) for i in range(n)]
    bound = draw(st.integers(0, 25))
    lateness = draw(st.sampled_from([0, 0, 1, 5, 20]))
    parallelism = draw(st.integers(1, 4))
    return events, kind, p, bound, lateness, parallelism


def _check(sc):
    events, kind, p, bound, lateness, parallelism = sc
    assert engine(events, kind, p, bound, lateness, parallelism) == model(events, kind, p, bound, lateness)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_windows_match_model(sc):
    _check(sc)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_windows_match_model_many(sc):
    _check(sc)


def test_model_sanity_touching_sessions_merge():
    ev = [("k", 0, 0), ("k", 10, 1)]
    assert model(ev, "session", {"gap": 10}, 100, 0) == Counter({("fire", "k", 0, 20, (0, 1)): 1})
    assert engine(ev, "session", {"gap": 10}, 100, 0, 1) == model(ev, "session", {"gap": 10}, 100, 0)


@pytest.mark.parametrize("trigger", [("count", 2), ("purging_count", 2), ("purging_event", 0), ("count", 1)])
def test_triggers_on_fixed_streams(trigger):
    # several elements per window, out of order, with a late one inside the allowed lateness
    events = [("k0", 1, 0), ("k0", 3, 1), ("k0", 2, 2), ("k1", 4, 3), ("k0", 12, 4), ("k0", 5, 5),
              ("k0", 14, 6), ("k0", 25, 7), ("k0", 8, 8), ("k1", 9, 9)]
    for kind, p in (("tumbling", {"size": 10, "offset": 0}), ("sliding", {"size": 10, "slide": 5})):
        p = dict(p, trigger=trigger)
        expected = model(events, kind, p, 2, 5)
        assert expected  # the scenario must produce firings
        assert engine(events, kind, p, 2, 5, 2) == expected
