"""procwire_worker: a procwire protocol v1 worker in Python (see proto/WORKER-GUIDE.md).

User modules register what the worker can run:

    import procwire_worker

    @procwire_worker.function("square")
    def square(x):
        return x * x

and the worker is started as `python3 -m procwire_worker --module that_module`.
"""
from . import protos  # first: it says clearly what is missing if google.protobuf or protoc is
from .context import Cancelled, cancelled, check_cancelled, sleep
from .payloads import Encoded, octet_stream, text
from .registry import actor, function

__all__ = ["function", "actor", "Cancelled", "cancelled", "check_cancelled", "sleep",
           "Encoded", "octet_stream", "text"]
