"""``ExternalizedCheckpointRetention`` (PyFlink's
``pyflink.datastream.externalized_checkpoint_retention``): whether a job's last checkpoint is kept
when it is cancelled. The enum is defined with ``CheckpointConfig``; this module is its PyFlink path.
"""

from flinklite.datastream.checkpoint_config import ExternalizedCheckpointRetention

__all__ = ["ExternalizedCheckpointRetention"]
