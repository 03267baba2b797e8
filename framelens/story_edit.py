"""Write one detector back into a story file, keeping the rest of the file as it was.

The detector's lines are found from the YAML parser's node positions and replaced (or a
new detector is appended to its list); every other line, comments included, stays byte
for byte. The result is validated with the story loader before it replaces the file, and
the previous file is kept as `<id>.yaml.bak-<UTC time>` (not a `.yaml`, so it is never
listed as a story). Whole-line comments inside the rewritten detector are kept with the key
they sat above or in (`patterns`: above it, or at the top of its list); a comment whose key
the new detector lacks goes at its end. Comments after a value on the same line are not kept.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import yaml

from .stories import load_story
from .yamlcheck import ConfigError

SECTIONS = ("features", "frames", "key_facts")
_KEY_LINE = re.compile(r"^\s*(?:- )?([A-Za-z_]+):")
_BLOCK_SCALAR = re.compile(r":\s*[>|][+-]?\s*(?:#.*)?$")


class SaveRefused(RuntimeError):
    """The file cannot or may not be written; the message says why."""


def q(text: str) -> str:
    """A YAML single-quoted scalar."""
    return "'" + re.sub(r"[\x00-\x1f\x7f]+", " ", text).replace("'", "''") + "'"


def render_detector(spec: dict, indent: int) -> list[str]:
    """A detector as block YAML lines starting with '- ' at `indent` spaces."""
    pad, lines = " " * indent, []
    for key in ("id", "label", "description", "statement", "threshold"):
        if spec.get(key) not in (None, ""):
            value = spec[key] if key == "threshold" else q(str(spec[key]))
            lines.append(f"{pad}{'- ' if not lines else '  '}{key}: {value}")
    for key in ("patterns", "exclude_patterns", "prototypes", "negative_prototypes"):
        if spec.get(key):
            lines.append(f"{pad}  {key}:")
            lines += [f"{pad}    - {q(item)}" for item in spec[key]]
    return lines


def save_detector(path: Path, section: str, spec: dict, replace_id: str | None = None) -> Path:
    """Write `spec` into `section` (replacing the detector `replace_id`, else appending);
    return the backup's path. Raises SaveRefused or ConfigError (the file is then untouched)."""
    if section not in SECTIONS:
        raise SaveRefused(f"the Story lab saves {', '.join(SECTIONS)}, not {section!r}")
    if not _writable(path):
        raise SaveRefused(f"{path} (or its folder) is not writable")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    start, end, indent = _span(text, section, replace_id)
    rendered = with_comments(render_detector(spec, indent), inner_comments(lines[start:end], indent), indent)
    new = lines[:start] + rendered + lines[end:]
    if start == len(lines) and section not in _top_keys(text):
        new = lines + [f"{section}:"] + render_detector(spec, 2)
    return _replace_checked(path, "\n".join(new) + "\n")


def _key_of(line: str, indent: int) -> str | None:
    """The detector key a line starts (`- id:` or `  patterns:` at the detector's indent)."""
    match = _KEY_LINE.match(line)
    depth = len(line) - len(line.lstrip())
    return match.group(1) if match and depth in (indent, indent + 2) else None


def inner_comments(old: list[str], indent: int) -> list[tuple[str | None, str, str]]:
    """Whole-line comments inside a detector's old lines: (key, 'above' or 'in', line).
    A '#' line inside a block scalar (`description: >-`) is its text, not a comment."""
    out, key, pending, in_block = [], None, [], False
    for line in old:
        depth = len(line) - len(line.lstrip())
        if in_block and (not line.strip() or depth > indent + 2):
            continue
        if line.lstrip().startswith("#"):
            pending.append(line)
        elif line.strip():
            found = _key_of(line, indent)
            out += [(found or key, "above" if found else "in", c) for c in pending]
            pending, key = [], found or key
            in_block = bool(found and _BLOCK_SCALAR.search(line))
    return out + [(None, "in", c) for c in pending]


def with_comments(rendered: list[str], comments: list[tuple[str | None, str, str]], indent: int) -> list[str]:
    """The rendered detector with the old comments back by their keys."""
    out, placed = [], set()
    for line in rendered:
        key = _key_of(line, indent)
        above = [i for i, (k, where, _) in enumerate(comments) if key and k == key and where == "above"]
        inside = [i for i, (k, where, _) in enumerate(comments) if key and k == key and where == "in"]
        out += [comments[i][2] for i in above] + [line] + [comments[i][2] for i in inside]
        placed.update(above + inside)
    return out + [c for i, (_, _, c) in enumerate(comments) if i not in placed]


def _writable(path: Path) -> bool:
    """Writable by this process, and not marked read-only (root may write anything: a file
    its owner marked read-only is still refused)."""
    return (path.is_file() and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            and bool(path.stat().st_mode & 0o222))


def _top_keys(text: str) -> set[str]:
    root = yaml.compose(text)
    return {k.value for k, _ in root.value} if isinstance(root, yaml.MappingNode) else set()


def _span(text: str, section: str, replace_id: str | None) -> tuple[int, int, int]:
    """(first line, line after, indent of '- ') to replace; an empty span where to append."""
    root = yaml.compose(text)
    seq = next((v for k, v in root.value if k.value == section), None) if isinstance(root, yaml.MappingNode) else None
    n = len(text.splitlines())
    if seq is None:
        return n, n, 2
    if not isinstance(seq, yaml.SequenceNode):
        raise SaveRefused(f"{section} in the story file is not a list")
    if seq.flow_style or not seq.value:  # `features: []`: rewrite that value as a block list
        raise SaveRefused(f"{section} is written as a one-line list; make it a block list to save into it")
    items = seq.value
    indent = max(items[0].start_mark.column - 2, 0)
    for item in items:
        ids = [v.value for k, v in item.value if k.value == "id"] if isinstance(item, yaml.MappingNode) else []
        if replace_id is not None and ids == [replace_id]:
            return item.start_mark.line, _end_line(text, item), indent
    end = _end_line(text, items[-1])
    return end, end, indent


def _end_line(text: str, node: yaml.Node) -> int:
    """The line after a node, leaving out the blank and comment lines the parser runs past."""
    lines = text.splitlines()
    mark = node.end_mark
    before = lines[mark.line][:mark.column] if mark.line < len(lines) else ""
    end = mark.line + (1 if before.strip() else 0)  # the parser stopped at the next item's '-'?
    while end > node.start_mark.line + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _replace_checked(path: Path, text: str) -> Path:
    """Validate a sibling `<id>.yml` (same folder: relative paths resolve alike), back up, replace."""
    check = path.with_suffix(".yml")
    if check.exists():
        raise SaveRefused(f"{check} exists; move it away so the lab can validate through it")
    try:
        check.write_text(text, encoding="utf-8")
        load_story(check)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        backup = path.with_name(f"{path.name}.bak-{stamp}")
        shutil.copy2(path, backup)
        os.replace(check, path)
        return backup
    finally:
        check.unlink(missing_ok=True)


__all__ = ["save_detector", "render_detector", "SaveRefused", "ConfigError", "SECTIONS"]
