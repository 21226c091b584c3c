"""Late-bound links between layers that would otherwise import each other in a circle.

The engine and ``Tensor`` call ops (``add``, ``where``, ...) that the op library builds on the
engine. Instead of the library reaching into their module globals, each consumer declares the
names it needs with :func:`need`, and the module that defines a value publishes it with
:func:`provide`; every consumer's global is then set to it (a plain module global, so a call
through it costs nothing extra). This module imports nothing from gpuad.

Example::

    _links.need("ops", globals(), "_R")    # in a consumer: _R is the op namespace, once given
    _links.provide("ops", namespace)         # in the provider
"""

from __future__ import annotations

from typing import Any

#: link name -> [(module globals, variable name)] of every consumer
_consumers: dict[str, list[tuple[dict, str]]] = {}
#: link name -> the value provided last
_values: dict[str, Any] = {}


def need(name: str, namespace: dict, var: str) -> None:
    """Bind ``namespace[var]`` to link ``name`` now (if provided) and whenever it is provided."""
    _consumers.setdefault(name, []).append((namespace, var))
    if name in _values:
        namespace[var] = _values[name]


def provide(name: str, value: Any) -> None:
    """Publish ``value`` as link ``name`` to every consumer, present and future."""
    _values[name] = value
    for namespace, var in _consumers.get(name, ()):
        namespace[var] = value


def get(name: str) -> Any:
    """The value provided for link ``name`` (KeyError if none yet)."""
    return _values[name]
