"""``ChangelogMode`` (PyFlink's ``pyflink.table.ChangelogMode``): which row kinds a changelog may
contain; passed to ``from_changelog_stream`` / ``to_changelog_stream``. flinklite's planner always
produces and accepts the full set (+I, -U, +U, -D), so the mode is recorded but not enforced."""

from __future__ import annotations

from flinklite.common.types import RowKind

__all__ = ["ChangelogMode"]


class ChangelogMode:
    def __init__(self, kinds: frozenset) -> None:
        self._kinds = kinds

    @staticmethod
    def insert_only() -> ChangelogMode:
        return ChangelogMode(frozenset({RowKind.INSERT}))

    @staticmethod
    def upsert() -> ChangelogMode:
        return ChangelogMode(frozenset({RowKind.INSERT, RowKind.UPDATE_AFTER, RowKind.DELETE}))

    @staticmethod
    def all() -> ChangelogMode:
        return ChangelogMode(frozenset(RowKind))

    def contains(self, kind: RowKind) -> bool:
        return kind in self._kinds

    def __repr__(self) -> str:
        return "[" + ", ".join(k.short_string() for k in sorted(self._kinds, key=lambda k: k.value)) + "]"
