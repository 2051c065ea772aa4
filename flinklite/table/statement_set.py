"""``StatementSet`` (PyFlink's ``pyflink.table.StatementSet``): several INSERTs planned together
and run as ONE job, so a source read by several of them is read once."""

from __future__ import annotations

from typing import Any

__all__ = ["StatementSet"]


class StatementSet:
    def __init__(self, t_env: Any) -> None:
        self._t_env = t_env
        self._adds: list = []
        self._explains: list[str] = []

    def add_insert_sql(self, stmt: Any) -> StatementSet:
        from sqlglot import exp

        from flinklite.errors import ValidationException
        from flinklite.table._sql import statements
        from flinklite.table._sql.dialect import parse

        nodes = [stmt] if isinstance(stmt, exp.Expression) else parse(stmt)
        for node in nodes:
            if not isinstance(node, exp.Insert):
                raise ValidationException(f"a StatementSet only takes INSERT statements, got {node.sql()[:60]!r}")
            text = stmt if isinstance(stmt, str) else node.sql()
            _, add = statements.insert_job(self._t_env, node, text)
            self._adds.append(add)
            self._explains.append(text)
        return self

    def add_insert(self, target_path_or_descriptor: Any, table: Any, overwrite: bool = False) -> StatementSet:
        name = target_path_or_descriptor
        if not isinstance(name, str):
            name = f"_flinklite_sink_{id(target_path_or_descriptor)}"
            self._t_env.create_temporary_table(name, target_path_or_descriptor)
        return self.add_insert_sql(f"INSERT INTO `{name}` SELECT * FROM `{table._name()}`")

    def add(self, table_pipeline: Any) -> StatementSet:
        return self.add_insert(*table_pipeline)

    def explain(self, *extra_details: Any) -> str:
        return "\n".join(self._t_env.explain_sql(s) for s in self._explains)

    def print_explain(self, *extra_details: Any) -> None:
        print(self.explain(*extra_details))

    def execute(self) -> Any:
        from flinklite.table._sql import statements

        adds, self._adds = self._adds, []
        return statements.run_inserts(self._t_env, adds)
