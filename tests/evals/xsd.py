"""A validator for the part of XML Schema that tests/evals/junit.xsd uses, on the standard library:
global and local elements, named and inline complex types, sequences and choices with minOccurs and
maxOccurs, attributes with their use and type, simple content. No XSD package is installed; this reads
the schema itself (nothing about JUnit is written here), so the schema file stays the one source."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
UNBOUNDED = 1 << 30
SIMPLE: dict[str, Callable[[str], bool]] = {
    "xs:string": lambda v: True,
    "xs:decimal": lambda v: re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", v) is not None,
    "xs:nonNegativeInteger": lambda v: re.fullmatch(r"\+?\d+", v) is not None,
    "xs:dateTime": lambda v: (
        re.fullmatch(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?", v) is not None
    ),
}


class Invalid(ValueError):
    pass


class Schema:
    def __init__(self, path: Path) -> None:
        self.root = ET.parse(path).getroot()
        self.types = {t.get("name"): t for t in self.root.findall(f"{XS}complexType")}
        self.elements = {e.get("name"): e for e in self.root.findall(f"{XS}element")}

    def validate(self, document: bytes) -> None:
        """Raises Invalid naming the element path and the rule broken."""
        node = ET.fromstring(document)
        decl = self.elements.get(node.tag)
        if decl is None:
            raise Invalid(f"/{node.tag}: not a global element of the schema")
        self._element(node, decl, f"/{node.tag}")

    def _element(self, node: ET.Element, decl: ET.Element, where: str) -> None:
        kind = decl.get("type")
        if kind in SIMPLE:
            if len(node) or node.attrib:
                raise Invalid(f"{where}: {kind} has no children or attributes")
            self._value(kind, node.text or "", where)
            return
        ctype = self.types[kind] if kind else decl.find(f"{XS}complexType")
        if ctype is None:
            raise Invalid(f"{where}: declaration without a type")
        self._complex(node, ctype, where)

    def _complex(self, node: ET.Element, ctype: ET.Element, where: str) -> None:
        simple = ctype.find(f"{XS}simpleContent")
        if simple is not None:
            extension = simple.find(f"{XS}extension")
            assert extension is not None
            if len(node):
                raise Invalid(f"{where}: text only, found <{node[0].tag}>")
            self._value(extension.get("base", "xs:string"), node.text or "", where)
            self._attributes(node, extension, where)
            return
        if (node.text or "").strip() or any((c.tail or "").strip() for c in node):
            raise Invalid(f"{where}: text where only elements may be")
        model = ctype.find(f"{XS}sequence")
        if model is None:
            model = ctype.find(f"{XS}choice")
        children = list(node)
        used = self._particle(children, 0, model, where) if model is not None else 0
        if used < len(children):
            raise Invalid(f"{where}: <{children[used].tag}> is not allowed here")
        self._attributes(node, ctype, where)

    def _particle(self, children: list[ET.Element], at: int, particle: ET.Element, where: str) -> int:
        """Match the particle (element, sequence or choice) greedily from `at`; the next position."""
        low, high = _occurs(particle)
        count = 0
        while count < high:
            after = self._once(children, at, particle, where)
            if after is None or (after == at and count >= low):
                break
            at, count = after, count + 1
        if count < low:
            what = particle.get("name") or particle.tag.removeprefix(XS)
            raise Invalid(f"{where}: expected <{what}> at position {at}")
        return at

    def _once(self, children: list[ET.Element], at: int, particle: ET.Element, where: str) -> int | None:
        tag = particle.tag.removeprefix(XS)
        if tag == "element":
            if at < len(children) and children[at].tag == particle.get("name"):
                self._element(children[at], particle, f"{where}/{children[at].tag}[{at}]")
                return at + 1
            return None
        parts = [p for p in particle if p.tag in (f"{XS}element", f"{XS}sequence", f"{XS}choice")]
        if tag == "sequence":
            start = at
            for part in parts:
                at = self._particle(children, at, part, where)
            return at if at > start or all(_occurs(p)[0] == 0 for p in parts) else None
        for part in parts:  # choice: the first option that takes something
            after = self._once(children, at, part, where)
            if after is not None:
                return after
        return None

    def _attributes(self, node: ET.Element, owner: ET.Element, where: str) -> None:
        declared = {a.get("name"): a for a in owner.findall(f"{XS}attribute")}
        for name in node.attrib:
            if name not in declared:
                raise Invalid(f"{where}: attribute {name!r} is not declared")
        for name, decl in declared.items():
            if name not in node.attrib:
                if decl.get("use") == "required":
                    raise Invalid(f"{where}: attribute {name!r} is required")
                continue
            self._value(decl.get("type", "xs:string"), node.attrib[name], f"{where}/@{name}")

    @staticmethod
    def _value(kind: str, value: str, where: str) -> None:
        check = SIMPLE.get(kind)
        if check is None:
            raise Invalid(f"{where}: type {kind} is not supported by this validator")
        if not check(value.strip() if kind != "xs:string" else value):
            raise Invalid(f"{where}: {value!r} is not a valid {kind}")


def _occurs(particle: ET.Element) -> tuple[int, int]:
    high = particle.get("maxOccurs", "1")
    return int(particle.get("minOccurs", "1")), UNBOUNDED if high == "unbounded" else int(high)
