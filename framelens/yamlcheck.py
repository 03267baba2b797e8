"""Load YAML keeping line numbers, and collect validation problems that name them.

A `Problems` list gathers every problem in a file (not just the first), each as
`file:line: key.path: what is wrong`, so a user fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration file is invalid; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _node_lines(node: yaml.Node, path: str, lines: dict[str, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = f"{path}.{key_node.value}" if path else str(key_node.value)
            lines[child] = key_node.start_mark.line + 1
            _node_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, f"{path}[{i}]", lines)


@dataclass
class Problems:
    """Problems found in one file, with a line number for each key path."""

    file: str
    lines: dict[str, int] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        line = self._line(path)
        where = f"{self.file}:{line}" if line else self.file
        self.items.append(f"{where}: {path or '(top level)'}: {message}" if path else f"{where}: {message}")

    def _line(self, path: str) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path.rsplit(".", 1)[0] if "." in path else path.rsplit("[", 1)[0] if "[" in path else ""
        return self.lines.get("")

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.items)


def load_yaml(path: Path) -> tuple[Any, Problems]:
    """Parse a YAML file; syntax errors raise ConfigError with the line."""
    problems = Problems(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    try:
        node, data = _compose_and_construct(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError([f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if node is not None:
        _node_lines(node, "", problems.lines)
    return data, problems


# libyaml when it is there: the outlet registry is thousands of lines.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_and_construct(text: str) -> tuple[Any, Any]:
    """Parse once: the node tree (for line numbers) and the data built from it."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def check_keys(problems: Problems, path: str, mapping: dict, allowed: set[str], required: set[str] = frozenset()) -> None:
    """Unknown keys and missing required keys, each reported once."""
    for key in mapping:
        if key not in allowed:
            problems.add(_join(path, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")
    for key in sorted(required - set(mapping)):
        problems.add(path, f"missing required key '{key}'")


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def expect(problems: Problems, path: str, value: Any, kind: type | tuple, what: str) -> bool:
    """Check a value's type; report `what` was expected when it is not."""
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        problems.add(path, f"expected {what}, got a boolean")
        return False
    if not isinstance(value, kind):
        problems.add(path, f"expected {what}, got {type(value).__name__} {str(value)[:60]!r}")
        return False
    return True


def string_list(problems: Problems, path: str, value: Any) -> list[str]:
    """A list of non-empty strings; bad items are reported and dropped."""
    if value is None:
        return []
    if not expect(problems, path, value, list, "a list of strings"):
        return []
    good = []
    for i, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            good.append(item)
        else:
            problems.add(f"{path}[{i}]", f"expected a non-empty string, got {item!r}")
    return good
