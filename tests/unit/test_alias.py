"""``python -m flinklite run`` and ``install_pyflink_alias``: PyFlink programs run unchanged."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_alias_serves_the_same_module_objects():
    code = textwrap.dedent("""
        import flinklite
        flinklite.install_pyflink_alias()
        import pyflink.datastream, flinklite.datastream
        from pyflink.common import Types
        from flinklite.common import Types as T2
        assert pyflink.datastream is flinklite.datastream and Types is T2
        try:
            import pyflink.not_a_module  # noqa: F401
        except ModuleNotFoundError as e:
            print("missing:", e.name)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "missing: pyflink.not_a_module" in out.stdout


def test_cli_runs_a_pyflink_program(tmp_path):
    prog = tmp_path / "job.py"
    prog.write_text(textwrap.dedent("""
        import sys
        from pyflink.common import Types
        from pyflink.datastream import StreamExecutionEnvironment
        env = StreamExecutionEnvironment.get_execution_environment()
        env.set_parallelism(1)
        ds = env.from_collection([1, 2, 3], type_info=Types.INT()).map(lambda x: x * int(sys.argv[1]))
        print(sorted(ds.execute_and_collect()))
    """))
    out = subprocess.run([sys.executable, "-m", "flinklite", "run", str(prog), "10"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[10, 20, 30]"


def test_cli_usage_error():
    out = subprocess.run([sys.executable, "-m", "flinklite"], capture_output=True, text=True)
    assert out.returncode == 2 and "usage" in out.stderr
