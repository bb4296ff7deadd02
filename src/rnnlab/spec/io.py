"""Reading YAML/JSON mappings from files, and turning validation errors into sentences.

Every error names the file and, where the parser knows it, the line and column.
Users' YAML and JSON are read here and nowhere else (``parse_text``), with limits that
keep a hostile file small and fast to refuse: duplicate keys, nesting deeper than
MAX_DEPTH, more than MAX_ALIASES aliases or MAX_NODES values once aliases are expanded
(a "billion laughs" file), and integer literals too long for Python are all errors.
Values echoed in messages are cut to ECHO_CHARS characters.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

from rnnlab.errors import DataError

MAX_ERRORS_SHOWN = 5
MAX_FILE_BYTES = 2**20  # a config or trace file is a few kB; the YAML parser reads ~1 MB a second
MAX_DEPTH = 32  # lists/mappings inside each other
MAX_ALIASES = 10_000  # *name references in one YAML document (each is cheap until expanded)
MAX_NODES = 30_000  # values, once aliases are expanded (the largest trace file: ~20 000)
ECHO_CHARS = 80
MERGE_TAG = "tag:yaml.org,2002:merge"


def short_repr(value: object, limit: int = ECHO_CHARS) -> str:
    """repr(value), cut to `limit` characters (the rest as "... (N chars)")."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print in decimal
        return f"<an integer of about {value.bit_length() * 0.30103:.0f} digits>"  # type: ignore[attr-defined]
    return cut(text, limit)


def cut(text: str, limit: int = ECHO_CHARS) -> str:
    """`text` itself when short, else its start and "... (N chars)"."""
    return text if len(text) <= limit else f"{text[: limit - 3]}... ({len(text)} chars)"


def load_mapping(path: str | Path) -> dict:
    """The top-level mapping of a .json, .yaml or .yml file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"{path}: {size} bytes; expected a settings file of at most {MAX_FILE_BYTES} bytes"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not UTF-8 text (byte {err.start})") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    data = parse_text(text, str(path), "json" if path.suffix.lower() == ".json" else "yaml")
    if not isinstance(data, dict):
        raise DataError(
            f"{path}: expected a mapping of fields at the top, received {type(data).__name__}"
        )
    return data


def parse_text(text: str, source: str, syntax: str = "yaml") -> object:
    """Parse YAML or JSON text from a user within the limits above; errors start with `source`."""
    if syntax == "json":
        data = _parse_json(source, text)
        check_plain_data(data, source)
        return data
    return _parse_yaml(source, text)


def parse_json_data(text: str | bytes, source: str) -> object:
    """JSON data that rnnlab wrote or reads as data (vocabularies, word lists, checkpoint
    metadata): any size, the C parser, no node limit; but every way it can fail, deep nesting
    and an integer longer than Python reads included, is a DataError starting with `source`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(
            f"{source}: line {err.lineno}, column {err.colno}: not valid JSON ({err.msg})"
        ) from None
    except RecursionError:
        raise DataError(f"{source}: not valid data (JSON nested too deeply)") from None
    except UnicodeDecodeError as err:
        raise DataError(f"{source}: not UTF-8 text (byte {err.start})") from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise DataError(f"{source}: not valid data ({cut(str(err))})") from None


def check_plain_data(data: object, source: str) -> None:
    """Refuse data nested deeper than MAX_DEPTH or holding more than MAX_NODES values
    (for mappings that arrive already parsed, e.g. a JSON request body). A list
    referenced many times counts each time, as validating it would, but is measured once."""
    measured: dict[int, tuple[int, int]] = {}  # id -> (values, levels)

    def measure(value: object, depth: int) -> tuple[int, int]:
        if not isinstance(value, dict | list | tuple):
            return 1, 0
        if depth > MAX_DEPTH:
            raise DataError(f"{source}: nested more than {MAX_DEPTH} levels deep")
        if id(value) not in measured:
            children = value.values() if isinstance(value, dict) else value
            parts = [measure(child, depth + 1) for child in children]
            size = 1 + sum(part[0] for part in parts)
            measured[id(value)] = (size, 1 + max((part[1] for part in parts), default=0))
            if size > MAX_NODES:
                raise DataError(f"{source}: more than {MAX_NODES} values; expected a small mapping")
        size, levels = measured[id(value)]
        if depth + levels - 1 > MAX_DEPTH:
            raise DataError(f"{source}: nested more than {MAX_DEPTH} levels deep")
        return size, levels

    measure(data, 1)


# ---------------------------------------------------------------- JSON
class _JsonLimit(Exception):
    """A JSON text broke a limit; `offset` (when known) is where."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.offset = offset


def _parse_json(source: str, text: str) -> object:
    decoder = json.JSONDecoder(parse_int=_json_int)
    plain_object = decoder.parse_object

    def parse_object(s_and_end: tuple[str, int], *args: object) -> tuple[dict, int]:
        strict, scan_once = args[0], args[1]  # then object_hook, object_pairs_hook, memo
        pairs, end = plain_object(s_and_end, strict, scan_once, None, list, *args[4:])
        _refuse_duplicate_json_keys(s_and_end[0], s_and_end[1], pairs, decoder.scan_once)
        return dict(pairs), end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # calls parse_object above
    try:
        return decoder.decode(text)
    except json.JSONDecodeError as err:
        raise DataError(f"{source}: line {err.lineno}, column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise DataError(f"{source}: nested more than {MAX_DEPTH} levels deep") from None
    except _JsonLimit as err:
        where = "" if err.offset is None else _json_where(text, err.offset)
        raise DataError(f"{source}: {where}{err}") from None


def _json_int(digits: str) -> int:
    limit = sys.get_int_max_str_digits() or 4300
    if len(digits.lstrip("-")) > limit:
        raise _JsonLimit(f"an integer of {len(digits)} digits; at most {limit} are read")
    return int(digits)


def _json_where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}: "


def _refuse_duplicate_json_keys(text: str, start: int, pairs: list, scan_once: object) -> None:
    keys = [key for key, _ in pairs]
    if len(set(keys)) == len(keys):
        return
    seen: set[str] = set()
    for key, offset in _json_key_offsets(text, start, scan_once):
        if key in seen:
            raise _JsonLimit(f"duplicate key {short_repr(key)}", offset)
        seen.add(key)


def _json_key_offsets(text: str, start: int, scan_once: object) -> Iterator[tuple[str, int]]:
    """(key, offset) of each key of the object whose "{" is just before `start`."""
    skip = json.decoder.WHITESPACE.match
    pos = skip(text, start).end()
    while text[pos] == '"':
        key, after = json.decoder.scanstring(text, pos + 1)
        yield key, pos
        pos = skip(text, skip(text, after).end() + 1).end()  # past the ":"
        _, pos = scan_once(text, pos)  # type: ignore[operator]
        pos = skip(text, pos).end()
        if text[pos] != ",":
            return
        pos = skip(text, pos + 1).end()


# ---------------------------------------------------------------- YAML
class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the limits of this module."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_ALIASES} aliases", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        self._depth += 1
        self._nodes += 1
        if self._nodes > MAX_NODES:  # before the pure-Python parser reads on (~50 us a value)
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, f"more than {MAX_NODES} values", mark)
        if self._depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: Node) -> object:
        _ExpandedSize().visit(node, 1)  # before anything is built
        return super().construct_document(node)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            first_line: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in first_line:
                        raise yaml.constructor.ConstructorError(
                            None,
                            None,
                            f"duplicate key {short_repr(key)} (first on line {first_line[key]})",
                            key_node.start_mark,
                        )
                    first_line[key] = key_node.start_mark.line + 1
                except TypeError:  # unhashable: PyYAML's own error follows
                    pass
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Node) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            digits = len(str(node.value))
            limit = sys.get_int_max_str_digits() or 4300
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"an integer of {digits} digits; at most {limit} are read",
                node.start_mark,
            ) from None


_LimitedLoader.add_constructor("tag:yaml.org,2002:int", _LimitedLoader.construct_yaml_int)


class _ExpandedSize:
    """Counts the values of a node graph as the constructed data will hold them
    (aliases expanded), stopping at the limits; each node is measured once."""

    def __init__(self) -> None:
        self.measured: dict[int, tuple[int, int]] = {}  # id -> (values, levels)
        self.open: set[int] = set()

    def visit(self, node: Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in self.open:
            raise self._error("an alias refers to a value that contains it", node)
        if key not in self.measured:
            self.measured[key] = self._measure(node, depth)
        size, levels = self.measured[key]
        if depth + levels - 1 > MAX_DEPTH:
            raise self._error(f"nested more than {MAX_DEPTH} levels deep", node)
        return size, levels

    def _measure(self, node: Node, depth: int) -> tuple[int, int]:
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            return 1, 1
        if depth > MAX_DEPTH:
            raise self._error(f"nested more than {MAX_DEPTH} levels deep", node)
        self.open.add(id(node))
        size, levels = 1, 1
        for child in children:
            child_size, child_levels = self.visit(child, depth + 1)
            size, levels = size + child_size, max(levels, child_levels + 1)
            if size > MAX_NODES:
                raise self._error(f"more than {MAX_NODES} values once aliases are expanded", node)
        self.open.discard(id(node))
        return size, levels

    @staticmethod
    def _error(problem: str, node: Node) -> yaml.composer.ComposerError:
        return yaml.composer.ComposerError(None, None, problem, node.start_mark)


def _parse_yaml(source: str, text: str) -> object:
    loader = None
    try:
        loader = _LimitedLoader(text)  # checks every character first
        return loader.get_single_data()
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        character = f"#x{err.character:04x}" if isinstance(err.character, int) else "a byte"
        raise DataError(
            f"{source}: line {line}: invalid YAML: character {character} is not allowed"
        ) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise DataError(f"{source}: {where}invalid YAML: {problem}") from None
    except RecursionError:
        raise DataError(f"{source}: nested more than {MAX_DEPTH} levels deep") from None
    finally:
        if loader is not None:
            loader.dispose()


# ---------------------------------------------------------------- messages
def validation_message(err: ValidationError) -> str:
    """One line per problem: the dotted field, what is allowed, what was received."""
    lines = []
    for problem in err.errors()[:MAX_ERRORS_SHOWN]:
        field = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        if problem["type"] == "extra_forbidden":
            lines.append(f"{cut(field)}: unknown field")
            continue
        if problem["type"] == "missing":
            lines.append(f"{field}: missing (required)")
            continue
        if problem["type"] == "value_error":  # our own cross-field checks: the message says it
            text = str(problem["msg"]).removeprefix("Value error, ")
            if problem["loc"]:
                text = f"{field}.{text}" if re.match(r"^\w+:", text) else f"{field}: {text}"
            lines.append(text)
            continue
        lines.append(f"{field}: {problem['msg']}, received {short_repr(problem.get('input'))}")
    more = len(err.errors()) - MAX_ERRORS_SHOWN
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)
