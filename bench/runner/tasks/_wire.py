"""The typed wire format between a candidate's process and whoever judges it.

Standard library only: copied into the sandbox beside the candidate and into the test's
process, and imported by the runner. A value travels as one flat JSON array of tokens in
postfix order (a container's items, then its tag and count), so that:

- the standard library's value types arrive as themselves: None, bool, int (any size, as hex),
  float (nan and inf too), complex, str, bytes, list, tuple, set, frozenset, dict (keys keep
  their types), deque, OrderedDict, Counter, Fraction, Decimal, range, dict views, datetime,
  date, time and timedelta; an iterator arrives as an iterator over its items, never as a list;
- subclasses of the built-in types arrive as their base values (an int subclass as an int, a
  namedtuple as a tuple), which compare as Python compares them;
- an object that defines its own `__eq__` is refused (it could equal everything); any other
  object arrives as an `Opaque` stand-in, equal only to itself, as the object was;
- decoding never recurses, refuses what is malformed (no JSON object is ever a value, so no
  `$`-tagged key can be read as a tag) and is bounded in size, items and depth.

Limits (far above any HumanEval answer): `MAX_BYTES` of JSON, `MAX_TOKENS` tokens,
`MAX_DEPTH` levels of nesting, `MAX_INT_HEX` hex digits an int, `MAX_ITEMS` items an iterator.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing is not imported at run time: the candidate's start pays it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Builder = Callable[[str, dict[str, Any]], Any]
    Push = Callable[[Any, int, list[Any], list[tuple[Any, ...]]], None]

# The standard library's other modules are imported only when a value needs them: the
# candidate's process starts with this module, and every import counts against its time.

MAX_BYTES = 32 * 1024 * 1024
MAX_TOKENS = 2_000_000
MAX_DEPTH = 100
MAX_INT_HEX = 250_000  # a million bits: about 300,000 decimal digits
MAX_ITEMS = 1_000_000

_SCALAR_TAGS = frozenset("ntf")
# list, tuple, set, frozenset, dict, OrderedDict, Counter, dict_keys, dict_values, dict_items
# and an iterator: tag and count, after their items (or pairs)
_CONTAINERS = frozenset("LTSZDOCKVIX")
_PAIRED = frozenset(("D", "O", "C", "I", "o", "new"))  # containers whose count is of pairs
_KEYS_TYPE: type = type({}.keys())
_VALUES_TYPE: type = type({}.values())
_ITEMS_TYPE: type = type({}.items())


class WireError(ValueError):
    """The bytes are not a value of the wire format, or exceed its limits."""


class Refused(ValueError):
    """A value the wire format will not carry (e.g. an object with its own `__eq__`)."""


class Opaque:
    """An object of a class the format does not know (the candidate's own): its class name
    and its fields, equal only to itself, as the object was."""

    __slots__ = ("fields", "type_name")

    def __init__(self, type_name: str, fields: dict[str, Any]) -> None:
        self.type_name, self.fields = type_name, fields

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


class New:
    """An argument to build in the candidate's process: `NAME(**kwargs)` of its module."""

    __slots__ = ("kwargs", "name")

    def __init__(self, name: str, kwargs: dict[str, Any]) -> None:
        self.name, self.kwargs = name, kwargs


# -- encoding ------------------------------------------------------------------------------------

_BUILTIN_BASES = (bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset)


def encode(value: Any, refuse_own_eq: bool = True) -> str:
    """`value` as wire JSON (see `encode_tokens`)."""
    text = json.dumps(
        encode_tokens(value, refuse_own_eq),
        ensure_ascii=False,
        allow_nan=False,
        separators=(",", ":"),
    )
    if len(text) > MAX_BYTES:
        raise WireError(f"more than {MAX_BYTES:,} bytes")
    return text


def encode_tokens(value: Any, refuse_own_eq: bool = True) -> list[Any]:
    """`value` as the wire's tokens. Raises `Refused` for what the format will not carry (an
    object that defines its own `__eq__`, unless `refuse_own_eq` is false: then it travels as
    its fields, like any other Any), `WireError` when it is over the limits (or nested in
    itself)."""
    tokens: list[Any] = []
    chars = 0
    # Work items: ("v", value, depth) to encode a value; ("t", token) to emit a token.
    work: list[tuple[Any, ...]] = [("v", value, 0)]
    while work:
        item = work.pop()
        if item[0] == "t":
            tokens.append(item[1])
        else:
            before = len(tokens)
            _encode_one(item[1], int(item[2]), tokens, work, refuse_own_eq)
            chars += sum(len(t) for t in tokens[before:] if type(t) is str)
        if len(tokens) > MAX_TOKENS:
            raise WireError(f"more than {MAX_TOKENS:,} tokens")
        if chars > MAX_BYTES:
            raise WireError(f"more than {MAX_BYTES:,} characters of text")
    return tokens


def _encode_one(
    value: Any,
    depth: int,
    out: list[Any],
    work: list[tuple[Any, ...]],
    refuse_own_eq: bool,
) -> None:
    if depth > MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None:
        out.append("n")
    elif kind is bool:
        out.append("t" if value else "f")
    elif isinstance(value, New):
        _push(work, "new", value.name, list(value.kwargs.items()), depth, pairs=True)
    elif kind in _EXACT:
        _EXACT[kind](value, depth, out, work)
    elif (getattr(kind, "__module__", None), getattr(kind, "__qualname__", None)) in _BY_NAME:
        _BY_NAME[(kind.__module__, kind.__qualname__)](value, depth, out, work)
    elif isinstance(value, _BUILTIN_BASES):
        base = next(b for b in type(value).__mro__ if b in _BUILTIN_BASES)
        if refuse_own_eq:
            _refuse_own_eq(kind, base)
        _EXACT[base](_as_base(value, base), depth, out, work)
    elif hasattr(value, "__next__") and hasattr(value, "__iter__"):
        items: list[Any] = []
        for item in value:
            if len(items) >= MAX_ITEMS:
                raise WireError(f"an iterator of more than {MAX_ITEMS:,} items")
            items.append(item)
        _push(work, "X", None, items, depth)
    else:
        if refuse_own_eq:
            _refuse_own_eq(kind, object)
        _push(work, "o", _type_name(kind), list(_fields(value).items()), depth, pairs=True)


def _fields(value: Any) -> dict[str, Any]:
    """An object's fields: a dataclass's, else its instance attributes."""
    if hasattr(type(value), "__dataclass_fields__"):
        import dataclasses

        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    attributes = getattr(value, "__dict__", None)
    return {str(k): v for k, v in attributes.items()} if isinstance(attributes, dict) else {}


def _refuse_own_eq(kind: type, base: type) -> None:
    """Refuse a class that, between itself and `base`, defines `__eq__` or `__ne__`."""
    for klass in kind.__mro__:
        if klass is base or klass is object:
            return
        if "__eq__" in vars(klass) or "__ne__" in vars(klass):
            raise Refused(f"an object of class {_type_name(kind)}, which defines its own __eq__")


def _as_base(value: Any, base: type) -> Any:
    """A subclass instance as its base value, read without the subclass's methods."""
    if base in (tuple, list, set, frozenset):
        return base(base.__iter__(value))
    if base is dict:
        return dict(dict.items(value))
    if base is int:
        return int.__index__(value)
    if base is float:
        return float.__float__(value)
    if base is complex:
        return complex.__complex__(value)
    if base is str:
        return str.__str__(value)
    return bytes(bytes.__bytes__(value))


def _type_name(kind: type) -> str:
    name = getattr(kind, "__qualname__", None)
    return name if isinstance(name, str) else "object"


def _push(
    work: list[tuple[Any, ...]],
    tag: str,
    head: Any,
    items: list[Any],
    depth: int,
    pairs: bool = False,
) -> None:
    """Emit the items (or key, value pairs), then `tag`, `head` (if any) and the count."""
    work.append(("t", len(items)))
    if head is not None:
        work.append(("t", head))
    work.append(("t", tag))
    for item in reversed(items):
        if pairs:
            key, value = item
            work.append(("v", value, depth + 1))
            work.append(("v", key, depth + 1))
        else:
            work.append(("v", item, depth + 1))


def _hex(number: int) -> str:
    text = format(number, "x")
    if len(text) > MAX_INT_HEX + 1:
        raise WireError(f"an int of more than {MAX_INT_HEX * 4:,} bits")
    return text


def _int(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("i", _hex(v)))


def _float(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("d", repr(v)))


def _complex(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("j", repr(v.real), repr(v.imag)))


def _str(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("s", v))


def _bytes(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("b" if type(v) is bytes else "B", v.hex()))


def _container(tag: str, pairs: bool = False) -> Push:
    def push(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
        items = list(v.items() if pairs and tag != "I" else v)
        _push(work, tag, None, items, d, pairs=pairs)

    return push


def _deque(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    maxlen = v.maxlen
    _push(work, "Q", -1 if maxlen is None else maxlen, list(v), d)


def _fraction(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("R", _hex(v.numerator), _hex(v.denominator)))


def _decimal(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("M", str(v)))


def _range(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("G", _hex(v.start), _hex(v.stop), _hex(v.step)))


def _iso(tag: str) -> Push:
    def push(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
        out.extend((tag, v.isoformat()))

    return push


def _timedelta(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    out.extend(("td", v.days, v.seconds, v.microseconds))


def _defaultdict(v: Any, d: int, out: list[Any], work: list[tuple[Any, ...]]) -> None:
    _push(work, "D", None, list(dict.items(v)), d, pairs=True)


_EXACT = {
    int: _int,
    float: _float,
    complex: _complex,
    str: _str,
    bytes: _bytes,
    bytearray: _bytes,
    list: _container("L"),
    tuple: _container("T"),
    set: _container("S"),
    frozenset: _container("Z"),
    dict: _container("D", pairs=True),
    _KEYS_TYPE: _container("K"),
    _VALUES_TYPE: _container("V"),
    _ITEMS_TYPE: _container("I", pairs=True),
    range: _range,
}
# The standard library's types, by module and name: no module is imported to encode them.
_BY_NAME = {
    ("collections", "OrderedDict"): _container("O", pairs=True),
    ("collections", "Counter"): _container("C", pairs=True),
    ("collections", "defaultdict"): _defaultdict,  # its factory is code: it arrives as a dict
    ("collections", "deque"): _deque,
    ("fractions", "Fraction"): _fraction,
    ("decimal", "Decimal"): _decimal,
    ("datetime", "datetime"): _iso("dt"),
    ("datetime", "date"): _iso("da"),
    ("datetime", "time"): _iso("tm"),
    ("datetime", "timedelta"): _timedelta,
}


# -- decoding ------------------------------------------------------------------------------------


def decode(text: str | bytes, new: Builder | None = None) -> Any:
    """The value `text` carries. `new(name, kwargs)` builds a `new` token's object (the
    candidate's side only); without it such a token is refused.

    Raises:
        WireError: not a value of the format, or over its limits.
    """
    if len(text) > MAX_BYTES:
        raise WireError(f"more than {MAX_BYTES:,} bytes")
    try:
        tokens = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not a flat JSON array: {type(error).__name__}") from None
    return decode_tokens(tokens, new)


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def decode_tokens(tokens: Any, new: Builder | None = None) -> Any:
    """`decode` of tokens already read from JSON."""
    if type(tokens) is not list:
        raise WireError("expected a JSON array of tokens")
    if len(tokens) > MAX_TOKENS:
        raise WireError(f"more than {MAX_TOKENS:,} tokens")
    stack: list[tuple[Any, int]] = []  # (value, depth)
    position = 0
    try:
        while position < len(tokens):
            tag = tokens[position]
            position += 1
            if type(tag) is not str:
                raise WireError(f"token {position - 1} is {_kind(tag)}, expected a tag")
            if tag in _SCALAR_TAGS:
                stack.append(({"n": None, "t": True, "f": False}[tag], 0))
                continue
            arity = _ARITY.get(tag)
            if arity is None:
                raise WireError(f"unknown tag {tag[:20]!r}")
            args = tokens[position : position + arity]
            position += arity
            if len(args) != arity:
                raise WireError(f"tag {tag!r} at the end of the tokens")
            stack.append(_build(tag, args, stack, new))
    except (TypeError, ValueError, ArithmeticError) as error:
        if isinstance(error, WireError):
            raise
        raise WireError(f"a malformed {tag!r}: {type(error).__name__}: {error}"[:200]) from None
    if len(stack) != 1:
        raise WireError(f"{len(stack)} values, expected one")
    return stack[0][0]


_ARITY = {
    "i": 1, "d": 1, "j": 2, "s": 1, "b": 1, "B": 1, "R": 2, "M": 1, "G": 3,
    "dt": 1, "da": 1, "tm": 1, "td": 3, "o": 2, "Q": 2, "new": 2,
    **{tag: 1 for tag in _CONTAINERS},
}  # fmt: skip


def _build(
    tag: str, args: list[Any], stack: list[tuple[Any, int]], new: Builder | None
) -> tuple[Any, int]:
    if tag in _CONTAINERS or tag in ("Q", "new", "o"):
        return _build_container(tag, args, stack, new)
    text = args[0]
    if tag in ("d", "j", "M", "dt", "da", "tm", "s", "b", "B", "i", "R", "G"):
        for arg in args:
            if type(arg) is not str:
                raise WireError(f"{tag!r} holds {_kind(arg)}, expected a string")
    if tag == "s":
        return text, 0
    if tag == "i":
        return _parse_int(text), 0
    if tag == "d":
        return _parse_float(text), 0
    if tag == "j":
        return complex(_parse_float(text), _parse_float(args[1])), 0
    if tag == "b":
        return bytes.fromhex(text), 0
    if tag == "B":
        return bytearray.fromhex(text), 0
    if tag == "R":
        import fractions

        denominator = _parse_int(args[1])
        return fractions.Fraction(_parse_int(text), denominator), 0
    if tag == "M":
        if len(text) > 1000:
            raise WireError("a Decimal of more than 1,000 characters")
        import decimal

        return decimal.Decimal(text), 0
    if tag == "G":
        return range(*(_parse_int(arg) for arg in args)), 0
    import datetime as _dt

    if tag == "dt":
        return _dt.datetime.fromisoformat(text), 0
    if tag == "da":
        return _dt.date.fromisoformat(text), 0
    if tag == "tm":
        return _dt.time.fromisoformat(text), 0
    if tag == "td":
        if not all(type(arg) is int for arg in args):
            raise WireError("'td' holds other than three ints")
        return _dt.timedelta(*args), 0
    raise WireError(f"unknown tag {tag!r}")


def _build_container(
    tag: str, args: list[Any], stack: list[tuple[Any, int]], new: Builder | None
) -> tuple[Any, int]:
    head, count = (args[0], args[1]) if len(args) == 2 else (None, args[0])
    if type(count) is not int or count < 0:
        raise WireError(f"{tag!r} has a count of {_kind(count)}")
    taken = 2 * count if tag in _PAIRED else count
    if taken > len(stack):
        raise WireError(f"{tag!r} takes {taken} values, {len(stack)} are there")
    parts = stack[len(stack) - taken :] if taken else []
    del stack[len(stack) - taken :]
    depth = 1 + max((d for _, d in parts), default=0)
    if depth > MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH} levels")
    items = [value for value, _ in parts]
    if tag in _PAIRED:
        pairs = list(zip(items[0::2], items[1::2], strict=True))
        return _mapping(tag, head, pairs, new), depth
    if tag == "Q":
        if type(head) is not int or head < -1:
            raise WireError("'Q' has a maxlen of other than an int")
        import collections

        return collections.deque(items, None if head == -1 else head), depth
    if tag in ("S", "Z"):
        built: Any = (set if tag == "S" else frozenset)(items)
        if len(built) != count:
            raise WireError(f"{tag!r} holds equal items twice")
        return built, depth
    if tag == "K":
        keys = dict.fromkeys(items)
        if len(keys) != count:
            raise WireError("'K' holds equal keys twice")
        return keys.keys(), depth
    if tag == "V":
        return dict(enumerate(items)).values(), depth
    if tag == "X":
        return iter(items), depth
    return (list if tag == "L" else tuple)(items), depth


def _mapping(tag: str, head: Any, pairs: list[tuple[Any, Any]], new: Builder | None) -> Any:
    if tag in ("new", "o"):
        if type(head) is not str or not all(type(key) is str for key, _ in pairs):
            raise WireError(f"{tag!r} has a name that is not a string")
        if tag == "o":
            return Opaque(head[:200], dict(pairs))
        if new is None:
            raise WireError("'new' is not allowed here")
        return new(head, dict(pairs))
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise WireError(f"{tag!r} holds equal keys twice")
    if tag == "I":
        return mapping.items()
    if tag == "D":
        return mapping
    import collections

    return (collections.OrderedDict if tag == "O" else collections.Counter)(mapping)


def _parse_int(text: str) -> int:
    digits = text[1:] if text.startswith("-") else text
    if not digits or len(digits) > MAX_INT_HEX or not all(c in "0123456789abcdef" for c in digits):
        raise WireError(f"an int of {len(digits)} characters that are not lower-case hex")
    return int(text, 16)


def _parse_float(text: str) -> float:
    if len(text) > 40:
        raise WireError("a float of more than 40 characters")
    return float(text)


def _kind(value: Any) -> str:
    return type(value).__name__


# -- exact comparison, for the reference's answers ----------------------------------------------


def same(a: Any, b: Any) -> bool:
    """`a` and `b` are equal and of the same types all the way down (iterators aside)."""
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if list(x) != list(y):
                return False
            pending.extend(zip(x.keys(), y.keys(), strict=True))
            pending.extend(zip(x.values(), y.values(), strict=True))
        elif isinstance(x, list | tuple) or type(x).__name__ == "deque":
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y, strict=True))
        elif x != x and y != y:  # nan
            continue
        elif x != y:
            return False
    return True
