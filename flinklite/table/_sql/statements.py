"""SQL statements: ``execute_sql`` / ``sql_query`` dispatch on the parsed statement (DDL, DML,
queries, SHOW / DESCRIBE), and the conversion of a planned query into a job (collect, INSERT
INTO a connector sink, to_data_stream)."""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.errors import ParseError

from flinklite.common.types import _create_row
from flinklite.errors import TableException, ValidationException
from flinklite.table._sql import types as ty
from flinklite.table._sql.catalog import CONNECTORS, resolve, table_from_ddl
from flinklite.table._sql.dialect import parse
from flinklite.table._sql.expr import validation_error
from flinklite.table._sql.planner import PlanContext, Planner, Rel
from flinklite.table.table_result import ResultKind, TableResult

__all__ = ["execute", "sql_query", "explain", "to_data_stream", "plan_query", "insert_job", "OK"]


def OK() -> TableResult:
    return TableResult(ResultKind.SUCCESS, ["result"], [None], rows=[("OK",)])


def _parse_one(sql: str) -> exp.Expression:
    within_ms = None
    if "MATCH_RECOGNIZE" in sql.upper() and "WITHIN" in sql.upper():
        # sqlglot does not parse MATCH_RECOGNIZE's WITHIN clause: the CEP package takes it out first
        from flinklite.cep._match_recognize import split_within

        sql, within_ms = split_within(sql)
    try:
        statements = parse(sql)
    except ParseError as e:
        err = e.errors[0] if e.errors else {}
        where = f" at line {err.get('line')}, column {err.get('col')}" if err else ""
        raise ValidationException(f"SQL parse failed. {err.get('description', str(e))}{where}") from None
    if len(statements) != 1:
        raise ValidationException(f"execute_sql takes exactly one statement, got {len(statements)}; use a "
                                  "StatementSet for several INSERTs")
    for mr in statements[0].find_all(exp.MatchRecognize):
        mr.meta["within_ms"] = within_ms
    return statements[0]


def planner_for(t_env: Any, sql: str | None) -> Planner:
    def resolve_table(node: exp.Expression) -> Rel:
        return resolve(t_env, node.name, node, sql)

    return Planner(resolve_table, t_env._functions, sql, t_env.get_config()._tzinfo(), t_env._batch())


def plan_query(t_env: Any, node: exp.Expression, sql: str | None) -> Rel:
    return planner_for(t_env, sql).plan(node)


def sql_query(t_env: Any, query: str) -> Any:
    from flinklite.table.table import Table
    from flinklite.table.table_environment import _QueryNode

    node = _parse_one(query)
    if not isinstance(node, (exp.Select, exp.Union, exp.Subquery, exp.Values)):
        raise ValidationException(f"sql_query only takes a query (SELECT ...), got {type(node).__name__}; use "
                                  "execute_sql for DDL/DML")
    rel = plan_query(t_env, node, query)  # validates now, as Flink does
    first = [rel]

    def make() -> Rel:
        if first:
            return first.pop()
        return plan_query(t_env, node, query)

    return Table(_QueryNode(make, t_env, query), t_env)


def _ctx(t_env: Any) -> PlanContext:
    return PlanContext(t_env._env, t_env._batch(), t_env.get_config()._tzinfo())


def row_converter(rel: Rel, tz: Any, named: bool = True) -> Any:
    """Internal ``(kind, values)`` -> Row. ``TableResult.collect`` rows are positional (PyFlink
    builds them as ``Row(*fields)``: ``repr`` is ``<Row(1, 'a')>``); ``to_data_stream`` rows carry
    the column names."""
    names = [f.name for f in rel.fields] if named else None
    types = [f.type for f in rel.fields]
    conv_idx = [i for i, t in enumerate(types) if t.name in ("TIMESTAMP", "TIMESTAMP_LTZ")]

    def to_row(rec: tuple) -> Any:
        kind, vals = rec
        if conv_idx:
            vals = list(vals)
            for i in conv_idx:
                vals[i] = ty.to_external(vals[i], types[i], tz)
        return _create_row(list(names) if names is not None else None, list(vals), kind)

    return to_row


def collect_result(t_env: Any, rel: Rel) -> TableResult:
    ctx = _ctx(t_env)
    to_row = row_converter(rel, ctx.tz, named=False)

    def run() -> Any:
        return rel.build(ctx).map(to_row).execute_and_collect()

    return TableResult(ResultKind.SUCCESS_WITH_CONTENT, [f.name for f in rel.fields], [f.type for f in rel.fields],
                       collect=run, streaming=not ctx.batch)


def to_data_stream(t_env: Any, table: Any, changelog: bool) -> Any:
    rel = table._rel()
    if not changelog and not rel.append_only:
        raise TableException(
            "Table sink '*anonymous_datastream_sink$*' doesn't support consuming update and delete changes "
            f"which is produced by node {rel.describe()}; use to_changelog_stream instead")
    ctx = _ctx(t_env)
    return rel.build(ctx).map(row_converter(rel, ctx.tz))


def insert_job(t_env: Any, node: exp.Insert, sql: str) -> tuple[Any, Any]:
    """Plans ``INSERT INTO t SELECT ...``: returns (sink table, a function that adds the sink to
    the environment)."""
    target = node.this
    if isinstance(target, exp.Schema):
        target = target.this
    name = target.name
    entry = t_env._catalog.get(name)
    if entry is None:
        raise validation_error(target, sql, f"Object '{name}' not found")
    kind, table = entry
    if kind != "table":
        raise validation_error(target, sql, f"'{name}' is a view; INSERT INTO needs a table with a connector")
    rel = plan_query(t_env, node.expression, sql)
    physical = table.physical()
    if len(physical) != len(rel.fields):
        query_schema = ", ".join(f"{f.name}: {f.type}" for f in rel.fields)
        sink_schema = ", ".join(f"{n}: {t}" for n, t in physical)
        raise validation_error(node.expression, sql,
                               f"Column types of query result and sink for '{name}' do not match.\nCause: Different "
                               f"number of columns.\n\nQuery schema: [{query_schema}]\nSink schema:  [{sink_schema}]")
    connector = table.options.get("connector")
    factory = CONNECTORS.get(connector)
    if factory is None or not hasattr(factory, "sink"):
        raise ValidationException(
            f"Could not find any factory for identifier '{connector}' that implements "
            "'org.apache.flink.table.factories.DynamicTableSinkFactory' in the classpath.\n\nAvailable factory "
            "identifiers are:\n\n" + "\n".join(sorted(k for k, v in CONNECTORS.items() if hasattr(v, "sink"))))

    def add(ctx: PlanContext) -> None:
        factory.sink(table, rel, rel.build(ctx), ctx)

    return table, add


def run_inserts(t_env: Any, adds: list) -> TableResult:
    ctx = _ctx(t_env)
    for add in adds:
        add(ctx)
    from flinklite.common.job_client import JobClient

    job = t_env._env._create_job("insert-into")
    client = JobClient.start(job)
    return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["default_catalog.default_database.sink"], [None],
                       rows=[(-1,)], job_client=client)


def execute(t_env: Any, sql: str) -> TableResult:
    node = _parse_one(sql)
    if isinstance(node, (exp.Select, exp.Union, exp.Subquery, exp.Values)):
        return collect_result(t_env, plan_query(t_env, node, sql))
    if isinstance(node, exp.Create):
        return _create(t_env, node, sql)
    if isinstance(node, exp.Insert):
        _, add = insert_job(t_env, node, sql)
        return run_inserts(t_env, [add])
    if isinstance(node, exp.Drop):
        target = node.this if node.this is not None else (node.args.get("tables") or [None])[0]
        if target is None:
            raise ValidationException(f"DROP needs a name: {sql.strip()[:60]!r}")
        name = target.name
        kind = (node.args.get("kind") or "").upper()
        if kind == "FUNCTION":
            if t_env._functions.pop(name.upper(), None) is None and not node.args.get("exists"):
                raise ValidationException(f"Temporary system function {name} doesn't exist")
            return OK()
        if t_env._catalog.pop(name, None) is None and not node.args.get("exists"):
            raise ValidationException(f"Table with identifier 'default_catalog.default_database.{name}' does not "
                                      "exist.")
        return OK()
    if isinstance(node, (exp.Show, exp.Command)) and (isinstance(node, exp.Show) or node.name.upper() == "SHOW"):
        what = node.name.upper() if isinstance(node, exp.Show) else \
            (node.expression.name if isinstance(node.expression, exp.Expression) else str(node.expression)).upper()
        what = what.split()[-1] if what else what
        if what in ("TABLES", "VIEWS"):
            names = sorted(n for n in t_env._catalog if not n.startswith("_flinklite"))
            return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["table name"], [None], rows=[(n,) for n in names])
        if what == "FUNCTIONS":
            return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["function name"], [None],
                               rows=[(n.lower(),) for n in sorted(t_env._functions)])
        if what == "CATALOGS":
            return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["catalog name"], [None], rows=[("default_catalog",)])
        if what == "DATABASES":
            return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["database name"], [None],
                               rows=[("default_database",)])
        raise ValidationException(f"SHOW {what} is not supported by flinklite")
    if isinstance(node, exp.Describe):
        rel = resolve(t_env, node.this.name, node.this, sql)
        entry = t_env._catalog.get(node.this.name)
        table = entry[1] if entry is not None and entry[0] == "table" else None
        pk = list(table.primary_key) if table is not None else []
        computed = {n: spec for n, k, spec in table.columns if k == "computed"} if table is not None else {}
        wm = table.watermark if table is not None else None
        rows = []
        for f in rel.fields:
            not_null = "NOT NULL" in str(f.type) or f.name in pk
            rows.append((f.name, str(f.type).replace(" NOT NULL", "") + (" *ROWTIME*" if f.rowtime else ""),
                         not not_null, f"PRI({', '.join(pk)})" if f.name in pk else "",
                         f"AS {computed[f.name].sql()}" if f.name in computed else "",
                         wm[1].sql() if wm is not None and wm[0] == f.name else ""))
        return TableResult(ResultKind.SUCCESS_WITH_CONTENT, ["name", "type", "null", "key", "extras", "watermark"],
                           [None] * 6, rows=rows)
    raise ValidationException(f"unsupported statement {sql.strip()[:60]!r} ({type(node).__name__})")


def _create(t_env: Any, node: exp.Create, sql: str) -> TableResult:
    kind = (node.args.get("kind") or "").upper()
    exists = bool(node.args.get("exists"))
    if kind == "TABLE":
        if node.expression is not None:
            raise ValidationException("CREATE TABLE ... AS SELECT is not supported by flinklite yet")
        table = table_from_ddl(node, sql)
        if table.name in t_env._catalog:
            if exists:
                return OK()
            raise ValidationException(f"Table `default_catalog`.`default_database`.`{table.name}` already exists in "
                                      "Catalog default_catalog.")
        connector = table.options.get("connector")
        if connector is None:
            raise ValidationException(f"Table options do not contain an option key 'connector' for discovering a "
                                      f"connector. Requested table: {table.name}")
        t_env._catalog[table.name] = ("table", table)
        return OK()
    if kind == "VIEW":
        name = node.this.name
        query = node.expression
        if name in t_env._catalog and not exists:
            raise ValidationException(f"Temporary table '`default_catalog`.`default_database`.`{name}`' already "
                                      "exists")
        table = sql_query_node(t_env, query, sql)
        t_env._catalog[name] = ("view", table)
        return OK()
    if kind == "FUNCTION":
        from flinklite.table.udf import load_function

        name = node.this.name
        target = node.expression
        path = target.name if isinstance(target, exp.Expression) else str(target)
        t_env._functions[name.upper()] = load_function(path)
        return OK()
    raise ValidationException(f"CREATE {kind} is not supported by flinklite")


def sql_query_node(t_env: Any, node: exp.Expression, sql: str) -> Any:
    from flinklite.table.table import Table
    from flinklite.table.table_environment import _QueryNode

    plan_query(t_env, node, sql)  # validate at definition time
    return Table(_QueryNode(lambda: plan_query(t_env, node, sql), t_env, sql), t_env)


def explain(t_env: Any, sql: str) -> str:
    node = _parse_one(sql)
    if isinstance(node, exp.Insert):
        table, _ = insert_job(t_env, node, sql)
        rel = plan_query(t_env, node.expression, sql)
        head = f"Sink(table=[default_catalog.default_database.{table.name}])\n"
        return "== Optimized Physical Plan ==\n" + head + rel.explain(1)
    rel = plan_query(t_env, node, sql)
    return "== Optimized Physical Plan ==\n" + rel.explain(0)

