"""Names of PyFlink connectors and formats that flinklite cannot run, as importable classes.

A PyFlink program that imports ``ElasticsearchSink`` or ``AvroSchema`` must still load (it may
use them only on a path that is never taken). So the names exist, and *using* one -- calling it,
or touching any public attribute such as ``KinesisStreamsSink.builder`` or an enum member --
raises :class:`~flinklite.errors.UnsupportedFeature` (or its subclass
:class:`~flinklite.errors.ConnectorNotAvailable` for external systems) saying what to use instead.
Private and dunder attributes behave normally, so ``hasattr``, ``isinstance``, pickling and
documentation tools keep working.
"""

from __future__ import annotations

from flinklite.errors import ConnectorNotAvailable, UnsupportedFeature

__all__ = ["unavailable_names"]


class _UnavailableMeta(type):
    _why: str
    _error_type: type[UnsupportedFeature]

    def _error(cls, use: str) -> UnsupportedFeature:
        return cls._error_type(f"{cls.__module__}.{cls.__name__}{use}: {cls._why}")

    def __call__(cls, *args, **kwargs):
        raise cls._error("()")

    def __getattr__(cls, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise cls._error("." + name)


def unavailable_names(module: str, names: list[str], why: str, *, external: bool = True) -> tuple[type, ...]:
    """One refusing class per name of ``names``, in that order (unpack them into the module).

    ``why`` finishes the error message: what flinklite lacks and what to use instead.
    ``external`` marks connectors to systems we do not reach (ConnectorNotAvailable) as opposed
    to formats or features we do not implement (UnsupportedFeature).
    """
    error_type = ConnectorNotAvailable if external else UnsupportedFeature
    doc = f"PyFlink's ``{{name}}``: importable, but flinklite cannot run it. {why}"
    return tuple(
        _UnavailableMeta(name, (), {"__module__": module, "__qualname__": name, "_why": why,
                                          "_error_type": error_type, "__doc__": doc.format(name=name)})
        for name in names
    )
