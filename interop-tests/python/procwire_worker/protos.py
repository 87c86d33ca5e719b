"""Finds the Python code protoc generates from proto/src/main/proto, or generates it.

The generated modules (procwire/v1/procwire_pb2.py, value_pb2.py) are never committed: they
must match both the .proto files and the installed google.protobuf, so they are made on the
machine that runs them. Where they come from, first match wins:

1. PROCWIRE_PYTHON_PROTO names a directory that holds procwire/v1/procwire_pb2.py (the Maven
   build generates one into interop-tests/target/python-proto and passes it to the tests).
2. Otherwise they are generated with protoc (PROCWIRE_PROTOC, or `protoc` on PATH) into a cache
   folder, ${XDG_CACHE_HOME:-~/.cache}/procwire/python-proto/<hash of the .proto files>, from
   the .proto files in PROCWIRE_PROTO_SRC or, by default, this checkout's proto/src/main/proto.
   A changed .proto gets a new folder, so stale code is never used.
"""
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

ENV_GENERATED = "PROCWIRE_PYTHON_PROTO"
ENV_SOURCES = "PROCWIRE_PROTO_SRC"
ENV_PROTOC = "PROCWIRE_PROTOC"
PROTO_FILES = ("procwire/v1/procwire.proto", "procwire/v1/value.proto")


class ProtoUnavailable(RuntimeError):
    """The generated protobuf code cannot be found or made; the message says what to do."""


def _default_sources():
    # interop-tests/python/procwire_worker/protos.py -> <repo>/proto/src/main/proto
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "proto", "src", "main", "proto"))


def _check_generated(directory, origin):
    marker = os.path.join(directory, "procwire", "v1", "procwire_pb2.py")
    if not os.path.isfile(marker):
        raise ProtoUnavailable(f"{origin} is {directory!r}, but {marker} does not exist; generate it with "
                               f"protoc --python_out={directory} -I <repo>/proto/src/main/proto "
                               + " ".join(PROTO_FILES))
    return directory


def _generate_into_cache():
    sources = os.environ.get(ENV_SOURCES) or _default_sources()
    missing = [f for f in PROTO_FILES if not os.path.isfile(os.path.join(sources, f))]
    if missing:
        raise ProtoUnavailable(f"no generated protobuf code: {ENV_GENERATED} is not set and the .proto "
                               f"files {missing} are not in {sources!r} (set {ENV_SOURCES} or {ENV_GENERATED})")
    digest = hashlib.sha256()
    for f in PROTO_FILES:
        with open(os.path.join(sources, f), "rb") as fh:
            digest.update(f.encode() + b"\0" + fh.read())
    cache_root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    target = os.path.join(cache_root, "procwire", "python-proto", digest.hexdigest()[:16])
    if os.path.isfile(os.path.join(target, "procwire", "v1", "procwire_pb2.py")):
        return target
    protoc = os.environ.get(ENV_PROTOC) or shutil.which("protoc")
    if not protoc:
        raise ProtoUnavailable(f"no generated protobuf code: {ENV_GENERATED} is not set and protoc is not on "
                               "PATH (Debian: apt-get install protobuf-compiler)")
    # Generate into a fresh folder and rename it into place, so that two workers starting at
    # once never see half-written code.
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        scratch = tempfile.mkdtemp(prefix=".gen-", dir=os.path.dirname(target))
    except OSError as e:
        raise ProtoUnavailable(f"cannot create the cache folder for generated protobuf code ({e}); set "
                               f"{ENV_GENERATED} to a folder protoc wrote into, or XDG_CACHE_HOME") from None
    try:
        done = subprocess.run([protoc, f"--python_out={scratch}", "-I", sources, *PROTO_FILES],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            raise ProtoUnavailable(f"{protoc} failed with status {done.returncode}: "
                                   + done.stdout.decode(errors="replace").strip())
        try:
            os.rename(scratch, target)
        except OSError:
            if not os.path.isdir(target):  # not a lost race with another worker
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def generated_dir():
    """The directory holding the generated `procwire` package (see the module comment)."""
    explicit = os.environ.get(ENV_GENERATED)
    if explicit:
        return _check_generated(explicit, ENV_GENERATED)
    return _generate_into_cache()


def load():
    """Imports and returns (procwire_pb2, value_pb2)."""
    try:
        importlib.import_module("google.protobuf")
    except ImportError as e:
        raise ProtoUnavailable(f"{sys.executable} cannot import google.protobuf ({e}); use an interpreter "
                               "that has it (Debian: /usr/bin/python3 with python3-protobuf)") from None
    directory = generated_dir()
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return (importlib.import_module("procwire.v1.procwire_pb2"),
            importlib.import_module("procwire.v1.value_pb2"))


pb, vpb = load()
