"""What a worker can run: functions and actor kinds, registered by name when user modules are
imported (PROTOCOL.md §5.3: names starting with "procwire." or "java:" are not allowed)."""

_functions = {}
_actors = {}
RESERVED_PREFIXES = ("procwire.", "java:")


def _check_name(name, what):
    if not isinstance(name, str) or not name:
        raise ValueError(f"a {what} name must be a non-empty str, got {name!r}")
    if name.startswith(RESERVED_PREFIXES):
        raise ValueError(f"{what} name {name!r} starts with a reserved prefix {RESERVED_PREFIXES}")


def function(name):
    """Decorator: registers `fn(argument) -> result` as the function `name`."""
    _check_name(name, "function")

    def register(fn):
        return _register(_functions, "function", name, fn)
    return register


def actor(name):
    """Class decorator: registers the actor kind `name`. The class is built as `cls(argument)`;
    `receive(message)` handles each tell and ask (its return value answers an ask), and an
    optional `stopped()` runs on ActorStop."""
    _check_name(name, "actor kind")

    def register(cls):
        if not callable(getattr(cls, "receive", None)):
            raise TypeError(f"actor kind {name!r}: {cls!r} has no receive(message) method")
        return _register(_actors, "actor kind", name, cls)
    return register


def _register(table, kind, name, thing):
    """Puts `thing` in `table` under `name`; registering the same thing twice is harmless."""
    if name in table and table[name] is not thing:
        raise ValueError(f"{kind} {name!r} is already registered as {table[name]!r}")
    table[name] = thing
    return thing


def lookup_function(name):
    return _functions.get(name)


def lookup_actor(name):
    return _actors.get(name)


def names():
    return sorted(_functions), sorted(_actors)
