"""Records Flink's own results for tests/conformance/test_cep_match_recognize_flink.py.

Run with real PyFlink 2.3 (not flinklite): ``PATH=/path/to/pyflink_venv/bin:$PATH python
record_match_recognize.py [case ...]``; it writes match_recognize_flink.json next to itself. The
tables and queries are in match_recognize_cases.py. Values are recorded with ``str()``, errors as
``"ERROR: <the last exception messages of the chain>"``.
"""

import json
import os
import sys
import tempfile

from pyflink.table import EnvironmentSettings, TableEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from match_recognize_cases import DATA, Q  # noqa: E402


def main() -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("parallelism.default", "1")
    t_env.get_config().set("table.local-time-zone", "UTC")
    tmp = tempfile.mkdtemp()
    for name, rows in DATA.items():
        path = os.path.join(tmp, f"{name}.csv")
        with open(path, "w") as f:
            for i, (p, x) in enumerate(rows):
                second = i // 2 if name == "same" else i
                f.write(f"ACME,2011-04-01 10:00:{second:02d},{p},{x}\n")
        t_env.execute_sql(
            f"CREATE TABLE t_{name} (symbol STRING, rowtime TIMESTAMP(3), price BIGINT, tax BIGINT, "
            f"WATERMARK FOR rowtime AS rowtime - INTERVAL '1' SECOND) "
            f"WITH ('connector'='filesystem', 'path'='{path}', 'format'='csv')")
    only = sys.argv[1:]
    path = os.path.join(HERE, "match_recognize_flink.json")
    out = {}
    if only and os.path.exists(path):  # re-record some cases, keep the others
        with open(path) as f:
            out = json.load(f)
    for k, q in Q.items():
        if only and k not in only:
            continue
        try:
            with t_env.execute_sql(q).collect() as res:
                out[k] = [[str(v) for v in r] for r in res]
        except Exception as e:
            causes = [ln for ln in str(e).split("\n") if "Caused by" in ln or "Exception:" in ln]
            out[k] = "ERROR: " + " | ".join(c.strip()[:300] for c in causes[-3:])
        print(k, out[k], flush=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
