"""SHACL validation of the ontology and data against the shapes, as a report object.

Files are read and parsed by :mod:`frkg.store` (a syntax error is a :class:`~frkg.store.LoadError`
naming file, line and column) under the canonical base, which is what the shapes are written
against. The parser's triples go straight into the two rdflib graphs pyshacl needs (ontology and
data together; the shapes), not through the pyoxigraph store: the store keeps literals in canonical
form and would hide a malformed number. The inverse links the loader infers are not added, so every
result is about what a file states. Each result names the files that describe its focus node,
and where in each (:mod:`frkg.store.positions`): the line of the block that states the offending
triple, else of the node's first block; a blank node is found in the block of the nearest IRI
that links to it. Lines are looked up only for files that have results, so a conforming run
pays nothing for them.

Nothing here prints, exits or imports Flask: the CLI and any other caller format the report.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pyshacl
import pyshacl_turbo
import rdflib
from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
from rdflib.namespace import RDF, SH, XSD

from frkg import CANONICAL_BASE, __version__, store
from frkg.config import Settings, expand_paths
from frkg.namespaces import prefixes
from frkg.store import positions

XSD_STRING = str(XSD.string)
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class ValidationError(Exception):
    """The shapes could not be used (a shape or constraint pyshacl cannot load or run)."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that took part in validation: its path, kind and number of triples."""

    path: Path
    kind: str  # "ontology", "data" or "shapes"
    triples: int


@dataclass(frozen=True)
class Location:
    """Where a file describes a result's focus node: the file, and the line its block starts on
    (None when the file's syntax is not located: RDF/XML, JSON-LD)."""

    path: Path
    line: int | None


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, with the files that describe its focus node."""

    focus_node: rdflib.term.Node
    files: tuple[Path, ...]
    path: rdflib.term.Node | None
    value: rdflib.term.Node | None
    message: str
    severity: str  # "Violation", "Warning" or "Info"
    source_shape: rdflib.term.Node | None
    constraint_component: rdflib.term.Node | None
    path_text: str | None = None  # the path in SPARQL 1.1 property-path syntax, full IRIs
    path_compact: str | None = None  # the same with the project's prefixes, for people
    locations: tuple[Location, ...] = ()  # the block stating the offending triple comes first
    rule: str = ""  # the shape and constraint at fault (:func:`rule_id`)

    @property
    def location(self) -> Location | None:
        """Where to look first: the block that states the offending triple, if one does."""
        return self.locations[0] if self.locations else None


@dataclass
class ValidationReport:
    """What validation found: conformance, the results, and the SHACL validation report graph."""

    conforms: bool
    results: list[Result]
    graph: rdflib.Graph
    files: list[CheckedFile]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def violations(self) -> list[Result]:
        """Results of severity sh:Violation (the ones that make validation fail)."""
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def triple_count(self) -> int:
        """Triples read from all files (ontology, data and shapes)."""
        return sum(f.triples for f in self.files)


#: The SHACL engines (``frkg validate --engine``): pyshacl-turbo, a Rust engine with pySHACL's
#: API, by default; pySHACL itself as the reference (tests/test_validate_engines.py checks that
#: the two give the same findings on every fixture and on the repository's data).
ENGINES = ("turbo", "pyshacl")
DEFAULT_ENGINE = "turbo"


def validate(settings: Settings, *, engine: str = DEFAULT_ENGINE) -> ValidationReport:
    """Validate the ontology and data named by ``settings`` against its shapes.

    A folder named in the settings that holds no ``.ttl`` file is a :class:`~frkg.store.LoadError`:
    validating nothing must not pass for validating the data.
    """
    return validate_files(
        ontology=_files(settings.ontology),
        data=_files(settings.data),
        shapes=_files(settings.shapes),
        engine=engine,
    )


def _files(paths: list[str]) -> list[Path]:
    for folder in map(Path, paths):
        if folder.is_dir() and not expand_paths([str(folder)]):
            raise store.LoadError(folder, "is a folder with no .ttl files in it")
    return expand_paths(paths)


def validate_files(
    *,
    ontology: Iterable[Path],
    data: Iterable[Path],
    shapes: Iterable[Path],
    engine: str = DEFAULT_ENGINE,
) -> ValidationReport:
    """Validate ontology and data files against shapes files with ``engine`` (:data:`ENGINES`).

    Raises :class:`~frkg.store.LoadError` when a file cannot be read or parsed (nothing is
    validated then), and :class:`ValidationError` when the shapes cannot be used.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {', '.join(ENGINES)}")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    data_graph, shapes_graph = rdflib.Graph(), rdflib.Graph()
    index = _FileIndex()
    files: list[CheckedFile] = []
    data_quads: list[list[ox.Quad]] = []
    with _quiet_logs():
        for kind, paths, graph in (
            ("ontology", ontology, data_graph),
            ("data", data, data_graph),
            ("shapes", shapes, shapes_graph),
        ):
            for path in paths:
                quads = store.parse_file(path)
                _add(graph, quads, index if kind != "shapes" else None, path)
                files.append(CheckedFile(path, kind, len(quads)))
                if kind != "shapes":
                    data_quads.append(quads)
        timings["load"] = time.perf_counter() - started

        mark = time.perf_counter()
        if engine == "turbo":
            conforms, report_graph = _run_turbo(data_graph, shapes_graph, data_quads, timings)
        else:
            conforms, report_graph = _run_pyshacl(data_graph, shapes_graph)
    timings["validate"] = time.perf_counter() - mark

    mark = time.perf_counter()
    results = _results(report_graph, index, _Locator(data_graph, index), shapes_graph)
    timings["report"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    return ValidationReport(bool(conforms), results, report_graph, files, timings)


_OPTIONS = {
    "inference": "none",
    "advanced": True,  # sh:SPARQLTarget (shapes/vocabulary.ttl)
    "allow_warnings": True,  # only sh:Violation fails validation
    "allow_infos": True,
}


def _run_pyshacl(data_graph: rdflib.Graph, shapes_graph: rdflib.Graph) -> tuple[bool, rdflib.Graph]:
    try:
        conforms, report_graph, _ = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            inplace=True,  # the graph is ours: spare pyshacl a copy
            **_OPTIONS,
        )
    except (ShapeLoadError, ConstraintLoadError, ReportableRuntimeError) as e:
        raise ValidationError(f"the shapes cannot be used: {e}") from None
    except Exception as e:
        # The data is parsed by now, so anything else failing here comes from a shape: rdflib
        # raises pyparsing's ParseException for a broken SPARQL query, a bare Exception for an
        # undeclared prefix. Say which, instead of a traceback.
        raise ValidationError(f"the shapes cannot be used: {type(e).__name__}: {e}") from None
    return bool(conforms), report_graph


def _run_turbo(
    data_graph: rdflib.Graph,
    shapes_graph: rdflib.Graph,
    data_quads: list[list[ox.Quad]],
    timings: dict[str, float],
) -> tuple[bool, rdflib.Graph]:
    """pyshacl-turbo, skipping the shapes whose SPARQL targets select no node on pyoxigraph.

    Most of turbo's time goes into a few SPARQL target queries (frkgsh:DomainShape, RangeShape,
    PolicyStatusShape select only the nodes that break them, so they select none in valid data),
    which pyoxigraph answers many times faster (bench/validate_engines.py). A shape with no focus
    node has no result (SHACL section 2.1.3), so such a shape need not be run. Where turbo cannot
    use the shapes, pySHACL runs them, so the error (or the result) is the reference's.
    """
    mark = time.perf_counter()
    idle = _idle_shapes(shapes_graph, data_quads)
    timings["targets"] = time.perf_counter() - mark
    roots = None
    if idle is not None:
        roots = [s for s in _targeted_shapes(shapes_graph) if s not in idle]
    try:
        with warnings.catch_warnings():
            # turbo warns of recursive shapes where pySHACL logs (and _quiet_logs drops) it
            warnings.simplefilter("ignore", pyshacl_turbo.ShapeRecursionWarning)
            conforms, report_graph, _ = pyshacl_turbo.validate(
                data_graph, shacl_graph=shapes_graph, use_shapes=roots or None, **_OPTIONS
            )
    except (NotImplementedError, pyshacl_turbo.ReportableRuntimeError, ValueError, TypeError):
        return _run_pyshacl(data_graph, shapes_graph)
    if not isinstance(report_graph, rdflib.Graph):  # a ValidationFailure, returned, not raised
        return _run_pyshacl(data_graph, shapes_graph)
    return bool(conforms), report_graph


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_CLASS_TYPES = (rdflib.RDFS.Class, rdflib.OWL.Class)


def _targeted_shapes(shapes: rdflib.Graph) -> list[rdflib.term.Node]:
    """Every shape with a target of its own, or an implicit class target (SHACL 2.1.3.3)."""
    found = {s for predicate in _TARGETS for s in shapes.subjects(predicate, None)}
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            if any((shape, RDF.type, c) in shapes for c in _CLASS_TYPES):
                found.add(shape)
    return sorted(found, key=str)


def _idle_shapes(
    shapes: rdflib.Graph, data_quads: list[list[ox.Quad]]
) -> set[rdflib.term.Node] | None:
    """The shapes whose only targets are SPARQL targets (SHACL-AF 5.1) that select no node in
    the data, run on pyoxigraph; None when that cannot be decided exactly, so every shape runs:
    a shape to be run is a blank node (use_shapes names shapes by IRI), or the store would
    answer about other literals than the files state (it keeps literals in canonical form, so a
    query on ``STR(?date)`` could see "1"^^xsd:integer for "01")."""
    sparql_only = []
    for shape in _targeted_shapes(shapes):
        targets = list(shapes.objects(shape, SH.target))
        own = [p for p in _TARGETS[:-1] if (shape, p, None) in shapes]
        implicit = any((shape, RDF.type, c) in shapes for c in _CLASS_TYPES)
        if (
            targets
            and not own
            and not implicit
            and isinstance(shape, rdflib.URIRef)
            and all((t, RDF.type, SH.SPARQLTarget) in shapes for t in targets)
            and all(shapes.value(t, SH.select) is not None for t in targets)
        ):
            sparql_only.append((shape, targets))
        elif not isinstance(shape, rdflib.URIRef):
            return None
    if not sparql_only:
        return None
    data = ox.Store()
    for quads in data_quads:
        data.bulk_extend(quads)
    stated = {q.object for quads in data_quads for q in quads if isinstance(q.object, ox.Literal)}
    stored = {q.object for q in data if isinstance(q.object, ox.Literal)}
    if stated != stored:
        return None
    idle = set()
    for shape, targets in sparql_only:
        try:
            selects = any(_selects(data, _target_query(shapes, t)) for t in targets)
        except (SyntaxError, ValueError, OSError):
            continue  # the engine runs it, and says what is wrong with it
        if not selects:
            idle.add(shape)
    return idle


def _selects(data: ox.Store, query: str) -> bool:
    solutions = data.query(query, use_default_graph_as_union=True)
    return next(iter(solutions), None) is not None


def _target_query(shapes: rdflib.Graph, target: rdflib.term.Node) -> str:
    """A SPARQL target's query with the prefixes its sh:prefixes declare (SHACL 5.2.1)."""
    declared = []
    for holder in shapes.objects(target, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                declared.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join([*declared, str(shapes.value(target, SH.select))])


# --- from parsed triples to rdflib ------------------------------------------------------------


class _FileIndex:
    """Which files describe a node (as a subject), and which mention it (as an object)."""

    def __init__(self) -> None:
        self.subjects: dict[rdflib.term.Node, set[Path]] = {}
        self.objects: dict[rdflib.term.Node, set[Path]] = {}

    def files(self, node: rdflib.term.Node) -> tuple[Path, ...]:
        """Files describing ``node``; for a dangling IRI (none describes it), the files using it."""
        found = self.subjects.get(node) or self.objects.get(node) or set()
        return tuple(sorted(found))


def _add(graph: rdflib.Graph, quads: list[ox.Quad], index: _FileIndex | None, path: Path) -> None:
    terms: dict[object, rdflib.term.Node] = {}

    def convert(term):
        node = terms.get(term)
        if node is None:
            node = terms[term] = _rdflib_term(term)
        return node

    add = graph.add
    for q in quads:
        s, o = convert(q.subject), convert(q.object)
        add((s, convert(q.predicate), o))
        if index is not None:
            index.subjects.setdefault(s, set()).add(path)
            if not isinstance(o, rdflib.Literal):
                index.objects.setdefault(o, set()).add(path)


def _rdflib_term(term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == XSD_STRING:  # RDF 1.1: a simple literal is an xsd:string
            return rdflib.Literal(term.value, normalize=False)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)
    raise TypeError(f"unexpected RDF term {term!r}")


class _IllTypedLiteralFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to convert Literal lexical form")


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextmanager
def _quiet_logs() -> Iterator[None]:
    # rdflib logs a warning with a traceback for every ill-typed literal ("2019-02-30"^^xsd:date),
    # and pyshacl.validate() attaches a stderr handler to its logger and logs the errors it raises.
    # The report carries the one and ValidationError the other, so the logs would only be noise
    # on the CLI's stderr. Filters on the loggers survive pyshacl resetting its handlers.
    quiet = [
        (logging.getLogger("rdflib.term"), _IllTypedLiteralFilter()),
        (logging.getLogger("pyshacl-validate"), _DropAll()),
    ]
    for logger, log_filter in quiet:
        logger.addFilter(log_filter)
    try:
        yield
    finally:
        for logger, log_filter in quiet:
            logger.removeFilter(log_filter)


# --- from the SHACL report to results ---------------------------------------------------------


def _results(
    report: rdflib.Graph, index: _FileIndex, locator: _Locator, shapes: rdflib.Graph
) -> list[Result]:
    results = []
    # Only the report's own results: pyshacl also types the nested sh:detail results of sh:node
    # and sh:or as sh:ValidationResult, and those only explain a result already counted.
    nodes = {
        n
        for r in report.subjects(RDF.type, SH.ValidationReport)
        for n in report.objects(r, SH.result)
    }
    for node in nodes:
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        files = index.files(focus)
        shape = report.value(node, SH.sourceShape)
        component = report.value(node, SH.sourceConstraintComponent)
        results.append(
            Result(
                focus_node=focus,
                files=files,
                path=path,
                value=value,
                message=_message(report, node),
                severity=SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation"),
                source_shape=shape,
                constraint_component=component,
                path_text=sparql_path(report, path) if path is not None else None,
                path_compact=sparql_path(report, path, compact_iri) if path is not None else None,
                locations=locator.locate(focus, path, value, files),
                rule=rule_id(shapes, shape, component),
            )
        )
    results.sort(key=_sort_key)
    return results


class _Locator:
    """Finds the line where a file describes a node, reading each file's statements once."""

    def __init__(self, data: rdflib.Graph, index: _FileIndex) -> None:
        self.data = data
        self.index = index
        self.maps: dict[Path, positions.SourceMap | None] = {}

    def source_map(self, path: Path) -> positions.SourceMap | None:
        if path not in self.maps:
            try:
                content = path.read_bytes()
            except OSError:  # gone since it was parsed: the result still names the file
                content = None
            self.maps[path] = positions.source_map(path, content) if content is not None else None
        return self.maps[path]

    def locate(self, focus, path, value, files: tuple[Path, ...]) -> tuple[Location, ...]:
        """One location per file, those whose block states (focus, path, value) first."""
        anchor = self.anchor(focus)
        found: list[tuple[bool, Location]] = []
        for file in files:
            line, exact = self.line(file, anchor, path, value)
            found.append((not exact, Location(file, line)))
        found.sort(key=lambda item: item[0])  # stable: files keep their order otherwise
        return tuple(location for _, location in found)

    def anchor(self, focus) -> tuple:
        """What identifies the focus node's block: ("iri", node), ("link", parent IRI,
        predicate) for a blank node an IRI links to, or ("root", signature) for a blank node
        written as a statement's subject."""
        if not isinstance(focus, rdflib.BNode):
            return ("iri", _ox_term(focus))
        node, seen = focus, {focus}
        while True:
            parent = next(iter(self.data.subject_predicates(node)), None)
            if parent is None:
                pairs = [(_ox_term(p), _ox_term(o)) for p, o in self.data.predicate_objects(node)]
                return ("root", positions.signature(pairs))
            subject, predicate = parent
            if not isinstance(subject, rdflib.BNode):
                return ("link", _ox_term(subject), _ox_term(predicate))
            if subject in seen:  # a cycle of blank nodes: no IRI above them
                return ("root", frozenset())
            seen.add(subject)
            node = subject

    def line(self, file: Path, anchor: tuple, path, value) -> tuple[int | None, bool]:
        """The line in ``file``, and whether it is the block stating the offending triple."""
        found = self.source_map(file)
        if found is None:
            return None, False
        if anchor[0] == "root":
            return found.block(anchor[1]), False
        if anchor[0] == "link":
            _, subject, predicate = anchor
            line = found.triple(subject, predicate, ox.BlankNode())
            return (line if line is not None else found.block(subject)), False
        node = anchor[1]
        if isinstance(path, rdflib.URIRef) and value is not None:
            line = found.triple(node, _ox_term(path), _ox_term(value))
            if line is not None:
                return line, True
        line = found.block(node)
        return (line if line is not None else found.mention(node)), False


def _ox_term(node: rdflib.term.Node):
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode()
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        datatype = str(node.datatype) if node.datatype is not None else XSD_STRING
        return ox.Literal(str(node), datatype=ox.NamedNode(datatype))
    raise TypeError(f"unexpected RDF term {node!r}")


def rule_id(shapes: rdflib.Graph, shape, component) -> str:
    """A stable name for the rule a result breaks: the IRI of the shape (or, for a property
    shape written as a blank node, of the shape holding it and the property's path), then the
    constraint, as in ``frkgsh:StatementShape/frkg:speaker/minCount``."""
    parts: list[str] = []
    node, seen = shape, set()
    while isinstance(node, rdflib.BNode) and node not in seen:
        seen.add(node)
        path = shapes.value(node, SH.path)
        if path is not None:
            parts.insert(0, sparql_path(shapes, path, _shape_iri))
        node = next(iter(shapes.subjects(None, node)), None)
    if node is not None and not isinstance(node, rdflib.BNode):
        parts.insert(0, _shape_iri(node))
    if component is not None:
        name = str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        parts.append(name[:1].lower() + name[1:] if name[:2] != name[:2].upper() else name)
    return "/".join(parts) or "shacl"


def _shape_iri(node: rdflib.term.Node) -> str:
    return compact_iri(node, _SHAPE_PREFIXES)


def _message(report: rdflib.Graph, node: rdflib.term.Node) -> str:
    messages = list(report.objects(node, SH.resultMessage))
    english = [m for m in messages if getattr(m, "language", None) in (None, "en")]
    chosen = (english or messages or [""])[0]
    return str(chosen)


def _sort_key(r: Result) -> tuple:
    return (
        tuple(str(p) for p in r.files) or ("~",),
        str(r.focus_node),
        r.path_text or "",
        r.message,
        str(r.value) if r.value is not None else "",
    )


def sparql_path(graph: rdflib.Graph, path: rdflib.term.Node, compact=None) -> str:
    """A SHACL property path (SHACL section 2.3.1) in SPARQL 1.1 property-path syntax.

    ``compact`` turns an IRI into its written form; by default ``<iri>``.
    """
    iri = compact or (lambda node: f"<{node}>")
    if isinstance(path, rdflib.URIRef):
        return iri(path)
    if (graph.value(path, RDF.first) is not None) or path == RDF.nil:
        members = list(rdflib.collection.Collection(graph, path))
        return "(" + "/".join(sparql_path(graph, m, compact) for m in members) + ")"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + sparql_path(graph, inverse, compact)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        members = list(rdflib.collection.Collection(graph, alternatives))
        return "(" + "|".join(sparql_path(graph, m, compact) for m in members) + ")"
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return "(" + sparql_path(graph, inner, compact) + ")" + suffix
    return str(path)


# --- representations of a report (pure: they return text or data, they print nothing) ---------


def summary(report: ValidationReport) -> dict[str, int]:
    """Counts of results by severity, and of the focus nodes and files they concern."""
    return {
        "violations": sum(r.severity == "Violation" for r in report.results),
        "warnings": sum(r.severity == "Warning" for r in report.results),
        "infos": sum(r.severity == "Info" for r in report.results),
        "nodes": len({r.focus_node for r in report.results}),
        "files": len({f for r in report.results for f in r.files}),
    }


def to_text(report: ValidationReport, relative_to: Path | None = None) -> str:
    """The report for people: results grouped by file, then node, then a summary line."""
    where = _path_text(relative_to)
    lines: list[str] = []
    groups: dict[tuple[str, ...], dict[rdflib.term.Node, list[Result]]] = {}
    for r in report.results:
        files = tuple(where(f) for f in r.files) or ("(no file describes this node)",)
        groups.setdefault(files, {}).setdefault(r.focus_node, []).append(r)
    for files, nodes in groups.items():
        results_here = [r for results in nodes.values() for r in results]
        word = "violation" if all(r.severity == "Violation" for r in results_here) else "result"
        counted = f"{_plural(len(results_here), word)} on {_plural(len(nodes), 'node')}"
        lines.append(f"{', '.join(files)}: {counted}")
        for node, results in nodes.items():
            # "file:line: node", the form editors and terminals jump to, with any other place
            # the node is described after it; a result found elsewhere names its own place.
            places = list(dict.fromkeys(_place(loc, where) for r in results for loc in r.locations))
            also = f" (also {', '.join(places[1:])})" if len(places) > 1 else ""
            lines.append(f"  {places[0] + ': ' if places else ''}{term_text(node)}{also}")
            for r in results:
                here = _place(r.location, where) if r.location else None
                at = f" (at {here})" if here and places and here != places[0] else ""
                lines.append("    " + _result_heading(r) + at)
                lines.append(f"      {r.message}")
        lines.append("")
    lines.append(summary_line(report, where))
    return "\n".join(lines) + "\n"


def summary_line(report: ValidationReport, where=str) -> str:
    """One line: conforms or not, how many results, what was checked, how long it took."""
    counts = summary(report)
    kinds = {
        kind: sum(f.kind == kind for f in report.files) for kind in ("ontology", "data", "shapes")
    }
    checked = (
        f"checked {kinds['data']} data, {kinds['ontology']} ontology and {kinds['shapes']} shapes "
        f"{'file' if sum(kinds.values()) == 1 else 'files'}, {report.triple_count} triples, "
        f"in {report.timings.get('total', 0.0):.1f} s"
    )
    if report.conforms and not report.results:
        return f"conforms: no violations ({checked})"
    found = [_plural(counts["violations"], "violation")]
    found += [_plural(counts[k], k[:-1]) for k in ("warnings", "infos") if counts[k]]
    verdict = "conforms" if report.conforms else "does not conform"
    return (
        f"{verdict}: {', '.join(found)} on {_plural(counts['nodes'], 'node')} "
        f"in {_plural(counts['files'], 'file')} ({checked})"
    )


def to_json(report: ValidationReport, relative_to: Path | None = None) -> dict:
    """The report for machines; the schema is documented in docs/validating.md."""
    where = _path_text(relative_to)
    return {
        "conforms": report.conforms,
        "summary": summary(report),
        "checked": [
            {"path": where(f.path), "kind": f.kind, "triples": f.triples} for f in report.files
        ],
        "results": [
            {
                "files": [where(f) for f in r.files],
                "locations": [{"file": where(loc.path), "line": loc.line} for loc in r.locations],
                "rule": r.rule,
                "focusNode": term_json(r.focus_node),
                "resultPath": r.path_text,
                "value": term_json(r.value),
                "message": r.message,
                "severity": r.severity,
                "sourceShape": term_json(r.source_shape),
                "sourceConstraintComponent": (
                    str(r.constraint_component) if r.constraint_component is not None else None
                ),
            }
            for r in report.results
        ],
        "seconds": round(report.timings.get("total", 0.0), 3),
    }


GITHUB_COMMANDS = {"Violation": "error", "Warning": "warning", "Info": "notice"}
SARIF_LEVELS = {"Violation": "error", "Warning": "warning", "Info": "note"}
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def to_github(report: ValidationReport, relative_to: Path | None = None) -> str:
    """GitHub Actions workflow commands, one ``::error file=F,line=L,title=T::message`` per
    result (GitHub's "Workflow commands for GitHub Actions"), then the summary line."""
    where = _path_text(relative_to)
    lines = []
    for r in report.results:
        properties = []
        if r.location is not None:
            properties.append(("file", where(r.location.path)))
            if r.location.line is not None:
                properties.append(("line", str(r.location.line)))
        properties.append(("title", r.rule))
        written = ",".join(f"{key}={github_property(value)}" for key, value in properties)
        message = f"{term_text(r.focus_node)} {_result_heading(r)}: {r.message}"
        lines.append(f"::{GITHUB_COMMANDS[r.severity]} {written}::{github_data(message)}")
    lines.append(summary_line(report, where))
    return "\n".join(lines) + "\n"


def github_data(text: str) -> str:
    """A workflow command's message, escaped as @actions/core's ``escapeData``: ``%``, CR, LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """A workflow command's property value, escaped as @actions/core's ``escapeProperty``: also
    ``:`` and ``,``, which separate the properties."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def load_error_github(error: store.LoadError, relative_to: Path | None = None) -> str:
    """A file that could not be read or parsed, as one ``::error`` command at its line and
    column, so CI marks the place even though nothing was validated."""
    properties = [("file", _path_text(relative_to)(error.path))]
    if error.line is not None:
        properties.append(("line", str(error.line)))
        if error.column is not None:
            properties.append(("col", str(error.column)))
    properties.append(("title", "frkg validate: could not load"))
    written = ",".join(f"{key}={github_property(value)}" for key, value in properties)
    return f"::error {written}::{github_data(error.message)}\n"


def load_error_sarif(error: Exception, relative_to: Path | None = None) -> dict:
    """A SARIF log for a run that validated nothing: the invocation failed (exit code 2), with
    the reason as a notification located at the file, line and column when there is one."""
    notification: dict = {"level": "error", "message": {"text": str(error)}}
    if isinstance(error, store.LoadError):
        notification["message"] = {"text": error.message}
        location = Location(error.path, error.line)
        physical = _sarif_location(location, None, (relative_to or Path.cwd()).resolve())
        if error.column is not None and "region" in physical["physicalLocation"]:
            physical["physicalLocation"]["region"]["startColumn"] = error.column
        notification["locations"] = [physical]
    log = to_sarif(ValidationReport(False, [], rdflib.Graph(), []), relative_to)
    # SARIF 2.1.0 section 3.14.23: a tool that could not begin its analysis gives no results
    # (absent, that is null), unlike an empty array, which says it found nothing.
    del log["runs"][0]["results"]
    log["runs"][0]["invocations"] = [
        {
            "executionSuccessful": False,
            "exitCode": 2,
            "toolExecutionNotifications": [notification],
        }
    ]
    return log


def to_sarif(report: ValidationReport, relative_to: Path | None = None) -> dict:
    """A SARIF 2.1.0 log (OASIS SARIF 2.1.0 Errata 01) for code-scanning tools: one run, one
    rule per shape and constraint, one result per validation result, located by file and line
    (relative to ``relative_to``, the ``%SRCROOT%`` base, when the file is under it)."""
    base = (relative_to or Path.cwd()).resolve()
    rules: dict[str, dict] = {}
    results = []
    for r in report.results:
        if r.rule not in rules:
            rules[r.rule] = {
                "id": r.rule,
                "shortDescription": {"text": _first_sentence(r.message)},
                "defaultConfiguration": {"level": SARIF_LEVELS[r.severity]},
            }
        result = {
            "ruleId": r.rule,
            "ruleIndex": list(rules).index(r.rule),
            "level": SARIF_LEVELS[r.severity],
            "message": {"text": f"{term_text(r.focus_node)} {_result_heading(r)}: {r.message}"},
            "locations": [_sarif_location(loc, r, base) for loc in r.locations[:1]],
        }
        if len(r.locations) > 1:
            result["relatedLocations"] = [
                {**_sarif_location(loc, r, base), "id": i}
                for i, loc in enumerate(r.locations[1:], 1)
            ]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "frkg validate",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "exitCode": 0 if report.conforms else 1}
                ],
                "results": results,
            }
        ],
    }


def _sarif_location(location: Location, r: Result | None, base: Path) -> dict:
    path = location.path.resolve()
    try:
        # A relative reference (RFC 3986 section 4.2), percent-encoded, not a file name.
        artifact = {"uri": quote(path.relative_to(base).as_posix()), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        artifact = {"uri": path.as_uri()}
    physical: dict = {"artifactLocation": artifact}
    if location.line is not None:
        physical["region"] = {"startLine": location.line}
    found = {"physicalLocation": physical}
    if r is not None and isinstance(r.focus_node, rdflib.URIRef):
        found["logicalLocations"] = [{"fullyQualifiedName": str(r.focus_node), "kind": "object"}]
    return found


def _first_sentence(text: str) -> str:
    sentence = text.split(". ", 1)[0].strip()
    return sentence if sentence.endswith(".") else sentence + "."


def to_turtle(report: ValidationReport) -> str:
    """The SHACL validation report graph (SHACL section 3.6) in Turtle."""
    graph = report.graph
    for prefix, namespace in _SHAPE_PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph.serialize(format="turtle")


def _place(location: Location, where) -> str:
    text = where(location.path)
    return f"{text}:{location.line}" if location.line is not None else text


def _result_heading(r: Result) -> str:
    heading = r.path_compact or "(the node itself)"
    if r.value is not None and r.value != r.focus_node:
        heading += f" = {term_text(r.value)}"
    if r.severity != "Violation":
        heading = f"[{r.severity}] {heading}"
    return heading


def _path_text(relative_to: Path | None):
    base = (relative_to or Path.cwd()).resolve()

    def where(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(base))
        except ValueError:
            return str(path)

    return where


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def compact_iri(node: rdflib.term.Node, prefix_map: dict[str, str] | None = None) -> str:
    """An IRI as ``prefix:local`` when a known prefix fits, else ``<iri>``."""
    prefix_map = prefix_map or _PREFIXES
    text = str(node)
    for prefix, namespace in sorted(prefix_map.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(namespace):
            local = text[len(namespace) :]
            if local and all(c.isalnum() or c in "-_." for c in local) and local[-1] != ".":
                return f"{prefix}:{local}"
    return f"<{text}>"


_PREFIXES = prefixes(CANONICAL_BASE)
_SHAPE_PREFIXES = {**_PREFIXES, "frkgsh": f"{CANONICAL_BASE}shapes#"}


def term_text(node: rdflib.term.Node) -> str:
    """An RDF term as written in Turtle, with the project's prefixes."""
    if isinstance(node, rdflib.URIRef):
        return compact_iri(node)
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    if isinstance(node, rdflib.Literal):
        text = json.dumps(str(node), ensure_ascii=False)
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None and str(node.datatype) != XSD_STRING:
            return f"{text}^^{compact_iri(node.datatype)}"
        return text
    return str(node)


def term_json(node: rdflib.term.Node | None) -> dict | None:
    """An RDF term in the SPARQL 1.1 Query Results JSON term encoding (section 3.2.2)."""
    if node is None:
        return None
    if isinstance(node, rdflib.URIRef):
        return {"type": "uri", "value": str(node)}
    if isinstance(node, rdflib.BNode):
        return {"type": "bnode", "value": str(node)}
    encoded = {"type": "literal", "value": str(node)}
    if node.language:
        encoded["xml:lang"] = node.language
    elif node.datatype is not None and str(node.datatype) != XSD_STRING:
        encoded["datatype"] = str(node.datatype)
    return encoded
