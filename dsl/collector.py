"""The cyclic garbage collector paused while a stage builds many objects and no garbage cycles.

Parsing, and compiling and executing a generated module, each allocate hundreds of thousands of
objects that all stay alive (tokens, tree nodes, constants, code objects). Every so many
allocations the collector runs and, as the heap grows, walks all of it again: on a policy of
thousands of parameters that is a third of the time Python's ``compile`` takes. Pausing it for
the stage and restoring it afterwards frees nothing later than it would have been freed: the
objects made there are live.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; it is back on afterwards if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
