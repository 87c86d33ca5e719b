"""Python exceptions as procwire.v1.RemoteError data (PROTOCOL.md §11.1)."""
import traceback

from .protos import pb

MAX_CAUSES = 32  # PROTOCOL.md §11.1: senders SHOULD cap the cause chain


def type_name(exc):
    """`ValueError` for built-ins, `module.Qualified.Name` for everything else."""
    t = type(exc)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _cause_of(exc):
    # What Python prints as the chain: an explicit `raise ... from`, else the implicit context.
    if exc.__cause__ is not None:
        return exc.__cause__
    if exc.__context__ is not None and not exc.__suppress_context__:
        return exc.__context__
    return None


def from_exception(code, exc, worker_id):
    """A RemoteError for `exc`: its type, message and traceback as Python prints it (the chain
    included), and the chain again as `cause` messages, stopping at a cycle."""
    top = pb.RemoteError(code=code, type=type_name(exc), message=str(exc), worker_id=worker_id,
                         stack_trace="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    seen = {id(exc)}
    parent, cause = top, _cause_of(exc)
    for _ in range(MAX_CAUSES):
        if cause is None or id(cause) in seen:
            break
        seen.add(id(cause))
        parent.cause.CopyFrom(pb.RemoteError(
            code=code, type=type_name(cause), message=str(cause), worker_id=worker_id,
            stack_trace="".join(traceback.format_exception(type(cause), cause, cause.__traceback__, chain=False))))
        parent, cause = parent.cause, _cause_of(cause)
    return top


def plain(code, type_, message, worker_id, retryable=False):
    """A RemoteError that no Python exception stands behind (not found, cancelled, ...)."""
    return pb.RemoteError(code=code, type=type_, message=message, worker_id=worker_id, retryable=retryable)
