"""YAML loading that refuses duplicate keys.

PyYAML keeps the last of two equal keys silently: a second ``modbus:`` section would wipe the
first and an unrelated error would blame another file. Here a duplicate raises a YAMLError whose
mark points at the second key (line) and whose problem names the key and the first line.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKeyError(ConstructorError):
    """A mapping names the same key twice (``problem_mark`` is the second one)."""


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated within one mapping (merge keys ``<<`` may override)."""


def _construct_mapping(loader: StrictLoader, node: Node, deep: bool = False) -> dict[Any, Any]:
    if isinstance(node, MappingNode):
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = loader.construct_object(key_node, deep=True)
            try:
                earlier = first_line.get(key)
            except TypeError:  # an unhashable key: SafeConstructor reports it itself
                continue
            if earlier is not None:
                raise DuplicateKeyError(
                    None, None, f"duplicate key {key!r} (first given on line {earlier})", key_node.start_mark,
                )
            first_line[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)  # type: ignore[arg-type]


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str) -> Any:
    """Parse one YAML document like yaml.safe_load, refusing duplicate keys."""
    return yaml.load(text, Loader=StrictLoader)  # StrictLoader is a SafeLoader


def yaml_error_text(exc: yaml.YAMLError) -> str:
    """Where and what of a YAML error, to follow the file's name and a colon:
    `` line 4: duplicate key 'modbus' (first given on line 1)``, `` line 2: not valid YAML: ...``."""
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1}:" if mark is not None else ""
    what = "" if isinstance(exc, DuplicateKeyError) else "not valid YAML: "
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{where} {what}{problem}"
