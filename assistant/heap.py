"""Give freed heap memory back to the operating system after a runner stops.

A runner's upstream connection holds buffers (the WebSocket's, gzip's, parsed protobuf messages);
when it stops they are freed, but glibc's allocator keeps freed pages mapped, so a server that
follows many creators in turn keeps the resident size of its busiest moment. `malloc_trim` hands the
free pages back. Elsewhere than glibc this does nothing.
"""

import ctypes
import ctypes.util
import gc


def _load_malloc_trim():
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _load_malloc_trim()


def release_freed_memory():
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)
