"""The README opens with the demo command and the test command, and CI (``.ci/run``) runs the
test command verbatim: a change to one without the other fails here."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _bash_blocks(path):
    with open(os.path.join(ROOT, path)) as f:
        return re.findall(r"```bash\n(.*?)\n```", f.read(), flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim():
    demo, tests = _bash_blocks("README.md")[:2]
    assert "examples/" in demo and "pytest" in tests
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        ci_lines = [line.strip() for line in f]
    assert tests.strip() in ci_lines


def test_every_install_step_lives_in_the_repo():
    demo, tests = _bash_blocks("README.md")[:2]
    for script in re.findall(r"bash (\S+\.sh)", demo + " " + tests):
        assert os.path.exists(os.path.join(ROOT, script)), script
