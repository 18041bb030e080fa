"""Protocol YAML → :class:`~eligo.protocol.model.Protocol`, with design-time checks.

Every finding carries file:line:column and, inside a criterion, its id. Errors are collected
(not raised one by one) so ``eligo protocol check`` can list them all; :func:`load_protocol`
raises the first as a :class:`~eligo.errors.ProtocolError`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from eligo.data import units
from eligo.data.terminology import SYSTEMS, ValueSet, ValueSetEntry
from eligo.errors import ProtocolError
from eligo.ir import nodes as n
from eligo.protocol.model import Cohort, Criterion, Diagnostic, Protocol
from eligo.protocol.rules import RuleError, Scope, parse_rule

__all__ = ["bundled_protocols", "check_protocol", "load_protocol", "resolve_protocol_path"]

_EQUIV = re.compile(r"^\s*([\d.]+)\s+(\S+)\s*=\s*([\d.]+)\s+(\S+)\s*$")
_QTY = re.compile(r"^\s*([\d.]+)\s+(\S+)\s*$")


def bundled_protocols() -> dict[str, Path]:
    root = resources.files("eligo").joinpath("protocols")
    return {
        p.name[: -len(".yaml")]: Path(str(p))
        for p in root.iterdir()
        if p.name.endswith(".yaml")
    }


def resolve_protocol_path(ref: str) -> Path:
    """A bundled protocol id (``cart-autoimmune``) or a path to a protocol YAML file."""
    bundled = bundled_protocols()
    if ref in bundled:
        return bundled[ref]
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    close = difflib.get_close_matches(ref, list(bundled), n=2)
    hint = f" — did you mean {' or '.join(close)}?" if close else ""
    raise ProtocolError(
        f"no bundled protocol '{ref}' and no such file{hint} (bundled: {', '.join(bundled)})"
    )


def load_protocol(ref: str | Path = "cart-autoimmune") -> Protocol:
    protocol, diagnostics = _Loader(resolve_protocol_path(str(ref))).load()
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or protocol is None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more error(s); run `eligo protocol check`)" if len(
            errors
        ) > 1 else ""
        raise ProtocolError(
            first.message + more,
            file=first.file,
            line=first.line,
            column=first.column,
            criterion=first.criterion,
        )
    return protocol


def check_protocol(ref: str | Path) -> tuple[Protocol | None, list[Diagnostic]]:
    return _Loader(resolve_protocol_path(str(ref))).load()


def _squash(text: str) -> str:
    return " ".join(text.split())


class _Loader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        self.diagnostics: list[Diagnostic] = []
        self.digest = hashlib.sha256()

    # -- reporting ------------------------------------------------------------------------
    def report(
        self,
        severity: str,
        message: str,
        node: Any = None,
        key: str | None = None,
        criterion: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        if line is None and isinstance(node, CommentedMap | CommentedSeq):
            try:
                if key is not None and isinstance(node, CommentedMap) and key in node:
                    line, column = node.lc.value(key)
                else:
                    line, column = node.lc.line, node.lc.col
                line, column = line + 1, column + 1
            except (AttributeError, KeyError, TypeError):
                pass
        self.diagnostics.append(
            Diagnostic(
                cast(Any, severity), message, file or self.file, line, column, criterion
            )
        )

    def read_yaml(self, path: Path) -> Any:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.report("error", f"cannot read: {exc.strerror}", file=str(path))
            return None
        self.digest.update(path.name.encode() + b"\0" + raw)
        try:
            return YAML(typ="rt").load(raw.decode("utf-8"))
        except MarkedYAMLError as exc:
            mark = exc.problem_mark
            self.report(
                "error",
                f"not valid YAML: {exc.problem}",
                file=str(path),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        except UnicodeDecodeError:
            self.report("error", "not UTF-8 text", file=str(path))
        return None

    def field(self, node: Any, key: str, kind: type, criterion: str | None = None,
              required: bool = True, file: str | None = None) -> Any:
        if not isinstance(node, Mapping) or key not in node:
            if required:
                self.report("error", f"missing field '{key}'", node, criterion=criterion,
                            file=file)
            return None
        value = node[key]
        if not isinstance(value, kind):
            self.report(
                "error",
                f"field '{key}' must be {kind.__name__}, found {type(value).__name__}",
                node, key, criterion, file=file,
            )
            return None
        return value

    # -- the document ---------------------------------------------------------------------
    def load(self) -> tuple[Protocol | None, list[Diagnostic]]:
        doc = self.read_yaml(self.path)
        if doc is None:
            return None, self.diagnostics
        if not isinstance(doc, CommentedMap):
            self.report("error", "a protocol file is a mapping (id, version, criteria, …)")
            return None, self.diagnostics
        known = {"id", "version", "title", "source_text", "cohorts", "windows", "analytes",
                 "attestations", "valuesets", "criteria"}
        for key in doc:
            if key not in known:
                self.report("error", f"unknown field '{key}'{_hint(str(key), known)}", doc, key)
        pid = self.field(doc, "id", str) or "?"
        version = str(doc.get("version", "")) or "?"
        title = self.field(doc, "title", str) or ""
        source_text = self.load_source(doc)
        cohorts = self.load_cohorts(doc)
        windows = self.load_windows(doc)
        valuesets = self.load_valuesets(doc)
        analytes = self.load_analytes(doc, valuesets)
        attestations = self.load_attestations(doc)
        criteria = self.load_criteria(doc, cohorts, windows, valuesets, analytes, attestations,
                                      source_text)
        if any(d.severity == "error" for d in self.diagnostics):
            return None, self.diagnostics
        protocol = Protocol(
            id=pid, version=version, title=title, digest="sha256:" + self.digest.hexdigest(),
            file=self.file, cohorts=cohorts, criteria=criteria, valuesets=valuesets,
            analytes=analytes, attestations=attestations, windows=windows,
            source_text=source_text,
        )
        return protocol, self.diagnostics

    def load_source(self, doc: CommentedMap) -> str:
        name = self.field(doc, "source_text", str)
        if name is None:
            return ""
        path = self.path.parent / name
        try:
            raw = path.read_bytes()
        except OSError:
            self.report("error", f"source text '{name}' not found beside the protocol", doc,
                        "source_text")
            return ""
        self.digest.update(raw)
        return str(raw.decode("utf-8"))

    def load_cohorts(self, doc: CommentedMap) -> tuple[Cohort, ...]:
        seq = self.field(doc, "cohorts", CommentedSeq) or []
        out = []
        for item in seq:
            cid = self.field(item, "id", str)
            name = self.field(item, "name", str)
            if cid and name:
                out.append(Cohort(cid, name))
        return tuple(out)

    def load_windows(self, doc: CommentedMap) -> dict[str, n.Window]:
        node = self.field(doc, "windows", CommentedMap, required=False) or {}
        out: dict[str, n.Window] = {}
        for name, spec in node.items():
            if not isinstance(spec, CommentedMap) or len(
                [k for k in spec if k in ("days", "months", "years")]
            ) != 1:
                self.report("error", f"window '{name}' needs exactly one of days/months/years",
                            node, name)
                continue
            unit = next(k for k in spec if k in ("days", "months", "years"))
            count = spec[unit]
            if not isinstance(count, int) or count < 0:
                self.report("error", f"window '{name}': {unit} must be a whole number ≥ 0",
                            spec, unit)
                continue
            out[str(name)] = n.Window(unit, count, spec.get("label"))
        if "screening" not in out:
            self.report("error", "windows: a 'screening' window is required", doc)
        return out

    def load_valuesets(self, doc: CommentedMap) -> dict[str, ValueSet]:
        names = self.field(doc, "valuesets", CommentedSeq) or []
        folder = self.path.parent / "valuesets"
        out: dict[str, ValueSet] = {}
        for i, name in enumerate(names):
            path = folder / f"{name}.yaml"
            if not path.exists():
                available = [p.stem for p in folder.glob("*.yaml")] if folder.exists() else []
                self.report("error", f"value set file '{path.name}' not found in {folder}"
                            f"{_hint(str(name), available)}", doc, "valuesets",
                            line=names.lc.item(i)[0] + 1 if isinstance(names, CommentedSeq)
                            else None)
                continue
            vs = self.load_valueset(path)
            if vs is not None:
                out[str(name)] = vs
        return out

    def load_valueset(self, path: Path) -> ValueSet | None:
        doc = self.read_yaml(path)
        file = str(path)
        if not isinstance(doc, CommentedMap):
            if doc is not None:
                self.report("error", "a value set file is a mapping", file=file)
            return None
        vid = self.field(doc, "id", str, file=file)
        if vid is not None and vid != path.stem:
            self.report("error", f"id '{vid}' differs from the file name", doc, "id", file=file)
        entries: dict[str, list[ValueSetEntry]] = {"include": [], "exclude": []}
        for part in ("include", "exclude"):
            seq = doc.get(part) or []
            for item in seq:
                system = self.field(item, "system", str, file=file)
                code = item.get("code") if isinstance(item, Mapping) else None
                if system is not None and system not in SYSTEMS:
                    self.report("error", f"unknown code system '{system}'"
                                f"{_hint(system, SYSTEMS)}", item, "system", file=file)
                    continue
                if code is None or system is None:
                    self.report("error", "an entry needs system and code", item, file=file)
                    continue
                attrs = item.get("attributes") or {}
                entries[part].append(ValueSetEntry(
                    system, str(code), str(item.get("display", "")),
                    str(item.get("source", "")), dict(attrs),
                ))
        if not entries["include"]:
            self.report("warning", f"value set '{vid}' contains no codes", doc, file=file)
        return ValueSet(vid or path.stem, str(doc.get("title", "")), str(doc.get("source", "")),
                        tuple(entries["include"]), tuple(entries["exclude"]), file)

    def load_analytes(self, doc: CommentedMap, valuesets: Mapping[str, ValueSet]
                      ) -> dict[str, n.Analyte]:
        node = self.field(doc, "analytes", CommentedMap) or {}
        out: dict[str, n.Analyte] = {}
        for name, spec in node.items():
            if not isinstance(spec, CommentedMap):
                self.report("error", f"analyte '{name}' must be a mapping", node, name)
                continue
            vss = spec.get("valuesets") or []
            for v in vss:
                if v not in valuesets:
                    self.report("error", f"analyte '{name}': unknown value set '{v}'"
                                f"{_hint(str(v), valuesets)}", spec, "valuesets")
            unit = spec.get("unit")
            if unit is not None and not units.is_valid(str(unit)):
                self.report("error", f"analyte '{name}': unknown UCUM unit '{unit}'", spec,
                            "unit")
            equivalences = []
            for text in spec.get("equivalences") or []:
                m = _EQUIV.match(str(text))
                if not m:
                    self.report("error", f"analyte '{name}': equivalence '{text}' is not of "
                                "the form '1 mg/dL = 88.42 umol/L'", spec, "equivalences")
                    continue
                a, ua, b, ub = m.groups()
                for u in (ua, ub):
                    if not units.is_valid(u):
                        self.report("error", f"analyte '{name}': unknown UCUM unit '{u}'",
                                    spec, "equivalences")
                equivalences.append(n.Equivalence(ua, ub, float(b) / float(a)))
            pos_value: float | None = None
            pos_unit: str | None = None
            if "positive_above" in spec:
                m = _QTY.match(str(spec["positive_above"]))
                if m:
                    pos_value, pos_unit = float(m.group(1)), m.group(2)
                else:
                    self.report("error", f"analyte '{name}': positive_above must read like "
                                "\"5 m[IU]/mL\"", spec, "positive_above")
            out[str(name)] = n.Analyte(
                name=str(name), label=str(spec.get("label", name)),
                valuesets=tuple(str(v) for v in vss), unit=str(unit) if unit else None,
                equivalences=tuple(equivalences), positive_above=pos_value,
                positive_above_unit=pos_unit, specimen=spec.get("specimen"),
            )
        return out

    def load_attestations(self, doc: CommentedMap) -> dict[str, str]:
        node = self.field(doc, "attestations", CommentedMap) or {}
        return {str(k): str(v) for k, v in node.items()}

    def load_criteria(self, doc: CommentedMap, cohorts: tuple[Cohort, ...],
                      windows: Mapping[str, n.Window], valuesets: Mapping[str, ValueSet],
                      analytes: Mapping[str, n.Analyte], attestations: Mapping[str, str],
                      source_text: str) -> tuple[Criterion, ...]:
        seq = self.field(doc, "criteria", CommentedSeq) or []
        ids: dict[str, int] = {}
        for item in seq:
            cid = item.get("id") if isinstance(item, Mapping) else None
            if isinstance(cid, str):
                if cid in ids:
                    self.report("error", f"criterion id '{cid}' used twice (first at line "
                                f"{ids[cid]})", item, "id", cid)
                else:
                    ids[cid] = item.lc.line + 1
        scope = Scope(analytes, valuesets, attestations, windows, set(ids))
        cohort_ids = {c.id for c in cohorts}
        squashed_source = _squash(source_text)
        known = {"id", "kind", "cohort", "statement", "source", "absent", "rule",
                 "interpretation"}
        out = []
        for item in seq:
            if not isinstance(item, CommentedMap):
                self.report("error", "a criterion is a mapping", seq)
                continue
            cid = self.field(item, "id", str) or "?"
            for key in item:
                if key not in known:
                    self.report("error", f"unknown field '{key}'{_hint(str(key), known)}",
                                item, key, cid)
            kind = self.field(item, "kind", str, cid)
            if kind not in (None, "inclusion", "exclusion"):
                self.report("error", f"kind must be inclusion or exclusion, not '{kind}'",
                            item, "kind", cid)
            cohort = self.field(item, "cohort", str, cid)
            if cohort is not None and cohort != "common" and cohort not in cohort_ids:
                self.report("error", f"unknown cohort '{cohort}'"
                            f"{_hint(cohort, [*cohort_ids, 'common'])}", item, "cohort", cid)
            absent = self.field(item, "absent", str, cid)
            if absent not in (None, "open", "closed"):
                self.report("error", f"absent must be open or closed, not '{absent}'", item,
                            "absent", cid)
            statement = self.field(item, "statement", str, cid) or ""
            quote = self.field(item, "source", str, cid) or ""
            if quote and source_text and _squash(quote) not in squashed_source:
                self.report("warning", "source quote not found in the protocol text", item,
                            "source", cid)
            rule_text = self.field(item, "rule", str, cid)
            if rule_text is None:
                continue
            try:
                rule = parse_rule(str(rule_text), scope)
            except RuleError as exc:
                line, col = item.lc.value("rule")
                block = isinstance(rule_text, LiteralScalarString)
                rl = (exc.line or 1) - 1
                if block:
                    indent = item.lc.col + 2
                    self.report("error", exc.message, criterion=cid, line=line + 2 + rl,
                                column=indent + (exc.column or 1))
                else:
                    self.report("error", exc.message, criterion=cid, line=line + 1 + rl,
                                column=(col + (exc.column or 1)) if rl == 0 else exc.column)
                continue
            if kind and cohort and absent:
                out.append(Criterion(
                    id=cid, kind=cast(Any, kind), cohort=None if cohort == "common" else cohort,
                    statement=statement, source=quote, absent=cast(Any, absent), rule=rule,
                    rule_text=str(rule_text).strip(),
                    interpretation=item.get("interpretation"), line=item.lc.line + 1,
                ))
        self.check_usage(doc, valuesets, attestations, out)
        self.check_cycles(out)
        return tuple(out)

    def check_usage(self, doc: CommentedMap, valuesets: Mapping[str, ValueSet],
                    attestations: Mapping[str, str], criteria: list[Criterion]) -> None:
        text = " ".join(c.rule_text for c in criteria)
        analytes = doc.get("analytes") or {}
        used_by_analytes = {v for a in analytes.values() if isinstance(a, Mapping)
                            for v in a.get("valuesets") or []}
        for vid in valuesets:
            if vid not in used_by_analytes and not re.search(rf"(?<![\w-]){re.escape(vid)}"
                                                             rf"(?![\w-])", text):
                self.report("info", f"value set '{vid}' is not used by any rule",
                            doc, "valuesets")
        for code in attestations:
            if f"attested({code})" not in text.replace(" ", ""):
                self.report("info", f"attestation '{code}' is not used by any rule", doc,
                            "attestations")

    def check_cycles(self, criteria: list[Criterion]) -> None:
        refs: dict[str, set[str]] = {c.id: set(re.findall(r"criterion\(\s*([\w.-]+)\s*\)",
                                                          c.rule_text)) for c in criteria}

        def visit(cid: str, stack: tuple[str, ...]) -> None:
            for r in refs.get(cid, ()):
                if r in stack:
                    self.report("error", f"criteria refer to each other in a cycle: "
                                f"{' → '.join((*stack, r))}", criterion=cid)
                    return
                visit(r, (*stack, r))

        for c in criteria:
            visit(c.id, (c.id,))


def _hint(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known], n=2, cutoff=0.6)
    return f" — did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
