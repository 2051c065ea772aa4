"""flinklite's loggers log under Flink's names, and cost nothing while nobody uses logging."""

import subprocess
import sys

from flinklite._logging import FlinkLogger


def test_lines_reach_logging_under_flinks_names(caplog):
    log = FlinkLogger("org.apache.flink.runtime.executiongraph.ExecutionGraph")
    with caplog.at_level("DEBUG", logger=log.name):
        log.info("job %s switched to %s", "j", "RUNNING")
        log.warning("restart %d", 1)
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (log.name, "INFO", "job j switched to RUNNING"), (log.name, "WARNING", "restart 1")]


def test_info_does_not_import_logging_but_a_warning_does():
    code = ("import sys; from flinklite._logging import FlinkLogger as L; l = L('x'); l.info('i'); l.debug('d');"
            "a = 'logging' in sys.modules; l.warning('w'); print(a, 'logging' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.split() == ["False", "True"]
    assert proc.stderr.strip() == "w"  # logging's last-resort handler prints warnings
