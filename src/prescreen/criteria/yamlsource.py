"""Read a criteria YAML file safely and remember the line of every value.

Criteria files are untrusted: they are read with the safe loader, bounded in size and
nesting, and every value keeps its line number so errors can point at it.
"""

from __future__ import annotations

from typing import Any

import yaml

from prescreen.errors import CriteriaError

MAX_BYTES = 2_000_000
MAX_DEPTH = 40
ALLOWED_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")
}
MAX_NODES = 200_000  # aliases can expand a small file enormously ("billion laughs")

Path_ = tuple[Any, ...]


class Source:
    """A parsed YAML document plus `line(path)` → 1-based line of the value at `path`."""

    def __init__(self, text: str, name: str) -> None:
        self.name = name
        if len(text.encode("utf-8", "replace")) > MAX_BYTES:
            raise CriteriaError(f"{name}: larger than {MAX_BYTES // 1_000_000} MB; split the trial")
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise CriteriaError(f"{name}{where}: not valid YAML ({problem})") from None
        except RecursionError:  # the composer recurses once per nesting level
            raise CriteriaError(
                f"{name}: nested more than {MAX_DEPTH} levels deep; a rule tree needs a few"
            ) from None
        self._lines: dict[Path_, int] = {}
        self._nodes = 0
        self._loader = yaml.SafeLoader("")  # one constructor for every scalar
        self.data = self._convert(node, (), 0) if node is not None else None

    def _convert(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise CriteriaError(
                f"{self.name}: more than {MAX_NODES:,} values (are aliases expanding?); simplify the file"
            )
        if depth > MAX_DEPTH:
            raise CriteriaError(f"{self.name}:{node.start_mark.line + 1}: nested too deeply")
        self._lines[path] = node.start_mark.line + 1
        if node.tag not in ALLOWED_TAGS:
            raise CriteriaError(
                f"{self.name}:{node.start_mark.line + 1}: not valid YAML (tag {node.tag[:40]!r} is not allowed)"
            )
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise CriteriaError(
                        f"{self.name}:{key_node.start_mark.line + 1}: a key must be plain text, "
                        "not a list or mapping"
                    )
                key = self._loader.construct_scalar(key_node)
                if key in out:
                    raise CriteriaError(
                        f"{self.name}:{key_node.start_mark.line + 1}: key {key!r} appears twice"
                    )
                self._lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self._convert(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(v, path + (i,), depth + 1) for i, v in enumerate(node.value)]
        return self._loader.construct_object(node, deep=True)

    def line(self, path: Path_) -> int | None:
        """Line of the value at `path`, or of its nearest ancestor."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get(())

    def where(self, path: Path_) -> str:
        line = self.line(path)
        return f"{self.name}:{line}" if line else self.name
