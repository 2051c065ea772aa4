"""Flink's REST API subset and web dashboard for jobs of this process (internal; configured with
``rest.port`` / ``rest.bind-address``, see docs/concepts/metrics-and-rest.md)."""
