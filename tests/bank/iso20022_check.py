"""Check a camt.054 notification against the ISO 20022 message definition, as far as an
installable package allows: no package on PyPI ships the XSDs themselves (receivables.md §3.7
names their download; their licence asks for a NOTICE), but pyiso20022 (MIT) ships the xsdata
bindings generated from them for camt.054.001.02 and .08. The file is parsed strictly into
those (an element or attribute the definition does not have at that place, or a value of the
wrong type, fails), then every field is checked against the facets the XSD gave it: required,
occurrences, pattern, length, digits and bounds. What this does not check: the order of
sibling elements (xsdata reads them in any order).

    python iso20022_check.py FILE      (exit 1 and the problems if it does not conform)
"""
import dataclasses
import decimal
import importlib
import re
import sys
import warnings


def _model(version):
    return importlib.import_module(f"pyiso20022.camt.camt_054_001_{version}")


def problems(data: bytes, version: str) -> list:
    from xsdata.formats.dataclass.parsers import XmlParser
    from xsdata.formats.dataclass.parsers.config import ParserConfig

    config = ParserConfig(fail_on_unknown_properties=True, fail_on_unknown_attributes=True,
                          fail_on_converter_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            doc = XmlParser(config=config).from_bytes(data, _model(version).Document)
        except Exception as e:  # noqa: BLE001 - any parse failure is the finding
            return [f"does not parse into camt.054.001.{version}: {e}"]
    found = []
    _walk(doc, "Document", found)
    return found


def _walk(obj, path, found):
    for f in dataclasses.fields(obj):
        meta = f.metadata
        name = meta.get("name", f.name)
        value = getattr(obj, f.name)
        here = f"{path}/{name}"
        values = value if isinstance(value, list) else ([] if value is None else [value])
        if meta.get("required") and not values:
            found.append(f"{here}: required")
        low, high = meta.get("min_occurs"), meta.get("max_occurs")
        if isinstance(value, list):
            if low is not None and len(values) < low:
                found.append(f"{here}: {len(values)} < min {low}")
            if high is not None and len(values) > high:
                found.append(f"{here}: {len(values)} > max {high}")
        for v in values:
            if dataclasses.is_dataclass(v):
                _walk(v, here, found)
            else:
                _facets(v, meta, here, found)


def _facets(v, meta, here, found):
    text = v.value if hasattr(v, "value") and not isinstance(v, decimal.Decimal) else v
    text = str(text)
    if "pattern" in meta and not re.fullmatch(meta["pattern"], text):
        found.append(f"{here}: '{text}' does not match {meta['pattern']}")
    if "min_length" in meta and len(text) < meta["min_length"]:
        found.append(f"{here}: '{text}' shorter than {meta['min_length']}")
    if "max_length" in meta and len(text) > meta["max_length"]:
        found.append(f"{here}: '{text}' longer than {meta['max_length']}")
    if isinstance(v, decimal.Decimal):
        digits = v.as_tuple()
        fraction = max(0, -digits.exponent)
        if "fraction_digits" in meta and fraction > meta["fraction_digits"]:
            found.append(f"{here}: {v} has more than {meta['fraction_digits']} decimals")
        if "total_digits" in meta and len(digits.digits) > meta["total_digits"]:
            found.append(f"{here}: {v} has more than {meta['total_digits']} digits")
        if "min_inclusive" in meta and v < meta["min_inclusive"]:
            found.append(f"{here}: {v} < {meta['min_inclusive']}")


def version_of(data: bytes) -> str:
    m = re.search(rb"camt\.054\.001\.(\d\d)", data)
    return m.group(1).decode() if m else "?"


if __name__ == "__main__":
    data = open(sys.argv[1], "rb").read()
    found = problems(data, version_of(data))
    for p in found:
        print(p)
    sys.exit(1 if found else 0)
