"""flinklite: Apache Flink's stream-processing semantics in pure Python, behind PyFlink's API.

A PyFlink DataStream program runs unchanged on flinklite once ``pyflink`` is aliased to
``flinklite``; the package layout mirrors PyFlink's (``flinklite.common``,
``flinklite.datastream``, ...). The engine itself lives in ``flinklite.runtime`` (graph, tasks,
channels, scheduler), ``flinklite.state`` (state backends, key groups) and ``flinklite.time``
(watermarks, timers, clocks). Start with ``docs/README.md``.
"""

from flinklite._alias import install_pyflink_alias

__version__ = "0.1.0"

__all__ = ["__version__", "install_pyflink_alias"]
