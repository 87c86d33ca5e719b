"""Actors (PROTOCOL.md §8): one mailbox per actor, handled in arrival order, one message at a
time. The reading thread only appends to mailboxes; a mailbox with messages is drained by a
thread of its own, so different actors run in parallel and a slow actor blocks no other."""
import collections
import threading

from . import errors, payloads, registry
from .protos import pb
from .tasks import call_user

CAPABILITY = "actors"


class Mailbox:
    def __init__(self, actor_id, report):
        self.actor_id = actor_id
        self._report = report  # report(text): a bug of ours, logged; the mailbox goes on
        self.instance = None
        self.gone = False
        self._queue = collections.deque()
        self._lock = threading.Lock()
        self._draining = False

    def post(self, handler):
        with self._lock:
            self._queue.append(handler)
            if self._draining:
                return
            self._draining = True
        threading.Thread(target=self._drain, name=f"procwire-actor-{self.actor_id}", daemon=True).start()

    def _drain(self):
        while True:
            with self._lock:
                if not self._queue:
                    self._draining = False
                    return
                handler = self._queue.popleft()
            try:
                handler()
            except BaseException as e:  # noqa: B902
                self._report(f"actor {self.actor_id}: {e!r}")


class ActorHost:
    """The actors of one worker. `session` supplies answer/fail/log/agreed/closing/work_done."""

    def __init__(self, session):
        self._s = session
        self._actors = {}
        self._lock = threading.Lock()

    # ---- on the reading thread

    def create(self, req):
        c = req.body
        if self._refused(req):
            return
        box = Mailbox(c.actor_id, self._s.log)
        with self._lock:
            exists = c.actor_id in self._actors
            if not exists:
                self._actors[c.actor_id] = box
        if exists:
            self._s.fail(req, errors.plain(pb.PROTOCOL_VIOLATION, "DuplicateActor",
                                           f"an actor with id {c.actor_id!r} already exists in worker "
                                           f"{self._s.worker_id}", self._s.worker_id))
            return
        box.post(lambda: self._build(box, req))

    def tell(self, t):
        if CAPABILITY not in self._s.agreed:
            self._s.log(f"actor message to {t.actor_id} dropped: the \"actors\" capability was not agreed")
            return
        if self._s.closing:
            self._s.log(f"actor message to {t.actor_id} dropped: the worker is shutting down")
            return
        box = self._box(t.actor_id)
        if box is None:
            self._s.log(f"actor message dropped: no actor {t.actor_id} in this worker")
            return
        self._s.work_started()  # a graceful shutdown waits for tells that came before it

        def told():
            try:
                self._told(box, t.message)
            finally:
                self._s.work_done()
        box.post(told)

    def ask(self, req):
        box = self._target(req)
        if box is not None:
            box.post(lambda: self._asked(box, req))

    def stop(self, req):
        box = self._target(req)
        if box is not None:
            box.post(lambda: self._stopped(box, req))

    # ---- helpers

    def _box(self, actor_id):
        with self._lock:
            return self._actors.get(actor_id)

    def _refused(self, req):
        if CAPABILITY not in self._s.agreed:
            self._s.fail(req, errors.plain(pb.PROTOCOL_VIOLATION, "UnsupportedOperation",
                                           "the \"actors\" capability was not agreed with this worker",
                                           self._s.worker_id))
            return True
        if self._s.closing:
            self._s.fail_shutting_down(req)
            return True
        return False

    def _target(self, req):
        if self._refused(req):
            return None
        box = self._box(req.body.actor_id)
        if box is None:
            self._s.fail(req, self._not_found(req.body.actor_id))
        return box

    def _not_found(self, actor_id):
        return errors.plain(pb.NOT_FOUND, "ActorNotFound", f"no actor {actor_id} in worker {self._s.worker_id}",
                            self._s.worker_id)

    def _remove(self, box):
        box.gone = True
        with self._lock:
            if self._actors.get(box.actor_id) is box:
                del self._actors[box.actor_id]

    # ---- on the mailbox's thread

    def _build(self, box, req):
        c = req.body
        req.try_start()  # ActorCreate counts as started on receipt (PROTOCOL.md §6)
        cls = registry.lookup_actor(c.kind)
        if cls is None:
            self._remove(box)
            self._s.fail(req, errors.plain(pb.NOT_FOUND, "ActorKindNotFound",
                                           f"no actor kind named {c.kind!r} is registered in worker "
                                           f"{self._s.worker_id}", self._s.worker_id))
            return
        try:
            argument = payloads.decode(c.argument)
        except payloads.BadPayload as e:
            self._remove(box)
            self._s.fail(req, errors.from_exception(pb.BAD_PAYLOAD, e, self._s.worker_id))
            return
        try:
            box.instance = call_user(req, cls, argument, interruptible=False)
        except BaseException as e:  # noqa: B902 - user code may raise anything
            self._remove(box)
            self._s.fail(req, errors.from_exception(pb.TASK_FAILED, e, self._s.worker_id))
            return
        self._s.succeed(req, None)

    def _asked(self, box, req):
        if not req.try_start():
            return  # cancelled while it waited in the mailbox: answered already
        if box.gone:
            self._s.fail(req, self._not_found(box.actor_id))
            return
        try:
            message = payloads.decode(req.body.message)
        except payloads.BadPayload as e:
            self._s.fail(req, errors.from_exception(pb.BAD_PAYLOAD, e, self._s.worker_id))
            return
        try:
            reply = call_user(req, box.instance.receive, message, interruptible=False)
        except BaseException as e:  # noqa: B902
            self._s.fail(req, errors.from_exception(pb.TASK_FAILED, e, self._s.worker_id))
            return
        self._s.succeed(req, reply)

    def _told(self, box, message):
        if box.gone:
            self._s.log(f"actor message dropped: actor {box.actor_id} is gone")
            return
        try:
            decoded = payloads.decode(message)
        except payloads.BadPayload as e:
            self._s.log(f"actor {box.actor_id}: message dropped: {e}")
            return
        try:
            box.instance.receive(decoded)
        except BaseException as e:  # noqa: B902
            self._s.log(f"actor {box.actor_id} failed on a message: {errors.type_name(e)}: {e}")

    def _stopped(self, box, req):
        req.try_start()  # ActorStop counts as started on receipt
        if box.gone:
            self._s.fail(req, self._not_found(box.actor_id))
            return
        self._remove(box)
        hook = getattr(box.instance, "stopped", None)
        try:
            if callable(hook):
                call_user(req, hook, interruptible=False)
        except BaseException as e:  # noqa: B902
            self._s.fail(req, errors.from_exception(pb.TASK_FAILED, e, self._s.worker_id))
            return
        finally:
            box.instance = None
        self._s.succeed(req, None)
