"""Fill translations into a Qt Linguist .ts file from a YAML of {context: {source: translation}}.

The .ts files in resources/translations stay the source of truth (Qt Linguist edits them too);
this only saves typing when many new texts arrive at once. Numerus sources (with %n) take a list
of forms (Turkish has one). Unknown contexts or sources are reported, not added: run
``make translations`` first so lupdate lists them.

    .venv/bin/python tools/ts_fill.py resources/translations/bandsaw_tr.ts texts_tr.yaml
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml


def fill(ts_path: Path, texts: dict[str, dict[str, str | list[str]]]) -> tuple[int, list[str]]:
    tree = ET.parse(ts_path)
    filled, unknown = 0, []
    index: dict[tuple[str, str], ET.Element] = {}
    for context in tree.getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            index[(name, message.findtext("source", ""))] = message
    for context_name, sources in texts.items():
        for source, translation in sources.items():
            message = index.get((context_name, source))
            if message is None:
                unknown.append(f"{context_name}: {source}")
                continue
            element = message.find("translation")
            if element is None:
                element = ET.SubElement(message, "translation")
            element.attrib.pop("type", None)
            for child in list(element):
                element.remove(child)
            if message.get("numerus") == "yes":
                element.text = None
                for form in translation if isinstance(translation, list) else [translation]:
                    ET.SubElement(element, "numerusform").text = form
            else:
                element.text = translation if isinstance(translation, str) else translation[0]
            filled += 1
    ET.indent(tree, space="    ")
    with ts_path.open("wb") as handle:
        handle.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(handle, encoding="utf-8", xml_declaration=False)
        handle.write(b"\n")
    return filled, unknown


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    texts = yaml.safe_load(Path(sys.argv[2]).read_text(encoding="utf-8")) or {}
    filled, unknown = fill(Path(sys.argv[1]), texts)
    print(f"{filled} translations filled")
    for item in unknown:
        print(f"not in the .ts (run make translations first): {item}", file=sys.stderr)
    return 0 if not unknown else 1


if __name__ == "__main__":
    sys.exit(main())
