"""Named graphs: every ``{base}graph/...`` IRI dereferences, and their content is served by the
read-only SPARQL 1.1 Graph Store HTTP Protocol.

- ``/graph/`` lists the named graphs; ``/graph/{name}`` describes one (what it holds, how many
  triples, which file, which part of the dataset), in HTML or RDF by ``?format=`` or Accept.
- ``/graph-store?graph={IRI}`` and ``/graph-store?default`` are the Graph Store Protocol's
  indirect identification (section 4.2): GET and HEAD answer the graph's content (sections 5.2
  and 5.6; 404 for a graph the store does not hold, 400 without exactly one of the two
  parameters); PUT, POST, DELETE and PATCH are refused with 405 and ``Allow`` (the store is
  read-only, RFC 9110 section 15.5.6).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, request, url_for

from frkg.formats import GRAPH_FORMATS, HTML, RDF_FORMATS, Format
from frkg.publish.graphs import GraphCatalog, NamedGraph, graph_store_url
from frkg.web import base, headers, respond
from frkg.web.base import View
from frkg.web.context import knowledge_graph

bp = Blueprint("graphs", __name__)

GRAPH = View(
    offers=(*RDF_FORMATS, HTML),
    what="the description of this graph",
    public=True,
    twins=base.with_format("graphs.graph"),
)
LISTING = View(
    offers=(*RDF_FORMATS, HTML),
    what="the list of named graphs",
    public=True,
    twins=base.with_format("graphs.listing"),
)
STORE = View(offers=GRAPH_FORMATS, what="this graph's content", public=True)
#: What the Graph Store answers; every other method is refused with 405.
READ_METHODS = ("GET", "HEAD", "OPTIONS")
WRITE_METHODS = ("PUT", "POST", "DELETE", "PATCH")


def catalog() -> GraphCatalog:
    """The named graphs of the loaded data, counted once per worker."""
    found = current_app.extensions.get("frkg.graphs")
    if found is None:
        found = current_app.extensions["frkg.graphs"] = GraphCatalog(knowledge_graph())
    return found


@base.route(bp, "/graph/", LISTING)
def listing() -> Response:
    """Every named graph, with what each holds."""
    fmt = LISTING.choose()
    if fmt is None:
        return headers.link_alternates(LISTING.not_acceptable(), LISTING.alternates())
    graphs = catalog()
    return LISTING.represent(
        fmt,
        f"graphs-{fmt.name}",
        html=lambda: respond.html(
            "graphs.html", graphs=list(graphs), one=None, alternates=LISTING.alternates(HTML)
        ),
        quads=graphs.describe_all,
    )


@base.route(bp, "/graph/<path:name>", GRAPH)
def graph(name: str) -> Response:
    """The description of ``{base}graph/{name}``; 404 for a graph the dataset does not hold."""
    fmt = GRAPH.choose()
    found = catalog().by_name(name)
    if found is None:
        listed = url_for("graphs.listing")
        return respond.error(
            404, "Not Found", f"the dataset holds no such named graph; {listed} lists them", fmt
        )
    if fmt is None:
        return headers.link_alternates(GRAPH.not_acceptable(), GRAPH.alternates(name=name))
    return GRAPH.represent(
        fmt,
        f"graph-{name}-{fmt.name}",
        html=lambda: _page(found, name),
        quads=lambda: catalog().describe(found),
        describes=found.iri,
        values={"name": name},
    )


def _page(found: NamedGraph, name: str) -> Response:
    root = request.script_root
    content = graph_store_url(root + "/", found.iri)
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{found.iri}> {{ ?s ?p ?o }} }} LIMIT 100"
    return respond.html(
        "graphs.html",
        graphs=[],
        one=found,
        content=content,
        query_url=f"{root}/sparql?query={quote(query, safe='')}",
        alternates=GRAPH.alternates(HTML, name=name),
    )


@base.route(bp, "/graph-store", STORE, methods=[*READ_METHODS, *WRITE_METHODS])
def graph_store() -> Response:
    """Graph Store Protocol, read only: one graph's content by ``?graph=`` or ``?default``."""
    allow = ", ".join(READ_METHODS)
    if request.method in WRITE_METHODS:
        response = respond.text(
            f"405 Method Not Allowed: this graph store is read-only; it answers {allow}", 405
        )
        response.headers["Allow"] = allow
        return response
    if request.method == "OPTIONS":
        response = Response(status=204)
        response.headers["Allow"] = allow
        return response
    fmt = STORE.choose()
    names = request.args.getlist("graph")
    default = "default" in request.args
    if len(names) + default != 1:
        return respond.text(
            "400 Bad Request: name exactly one graph, as ?graph={IRI} or ?default "
            "(SPARQL 1.1 Graph Store HTTP Protocol section 4.2)",
            400,
        )
    kg = knowledge_graph()
    if default:
        # The default graph is the union of every named graph (docs/sparql.md, "The default
        # graph"): each distinct triple once.
        quads, key = kg.store.quads_for_pattern(None, None, None, None), "default"
    else:
        found = catalog().get(names[0])
        if found is None:
            return respond.error(404, "Not Found", "the store holds no graph of this name", fmt)
        quads = kg.store.quads_for_pattern(None, None, None, _node(found.iri))
        key = found.name
    if fmt is None:
        return STORE.not_acceptable()
    response = base.rdf_or_refusal(quads, fmt, [])
    if response.status_code != 200:
        return response
    return headers.cacheable(response, f"graph-store-{key}-{fmt.name}")


def _node(iri: str):
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def graph_format_names() -> list[Format]:
    """The formats the Graph Store answers in (for the docs and the service description)."""
    return list(STORE.offers)
