"""Web-server configurations for a static export: nginx (tested) and Apache ``.htaccess``.

Both are generated from the export's :class:`frkg.static_site.Layout` and from THE format
table (:mod:`frkg.formats`): media types, suffixes and ``?format=`` words are never written by
hand. Content negotiation uses :func:`frkg.conneg_rules.accept_rules`, an ordered list of
regular expressions that gives the app's answer wherever q-values differ in their first
decimal. Nothing here imports Flask.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from frkg import conneg_rules, static_site
from frkg.conneg_rules import Negotiation
from frkg.formats import ALL_FORMATS
from frkg.static_site import INTERNAL, LIST, RDF, THING, Layout
from frkg.web.headers import CONTENT_SECURITY_POLICY, EXPOSED_HEADERS

#: suffix -> media type for every file an export holds: THE format table, then the rest.
TYPES: dict[str, str] = {
    **{f.suffix: f.media_type for f in reversed(ALL_FORMATS) if f.suffix},
    "txt": "text/plain",
    "xml": "application/xml",
    "css": "text/css",
    "js": "text/javascript",
    "svg": "image/svg+xml",
    "gz": "application/gzip",
}
TYPES.update({f.suffix: f.media_type for f in ALL_FORMATS if f.suffix})  # table order wins
#: media types sent with "; charset=utf-8" (every text format; the app declares UTF-8 for all)
CHARSET_TYPES = sorted({t for t in TYPES.values() if t != "application/gzip"})
#: nginx always applies charset to text/html, and warns when it is listed
_NGINX_CHARSET_TYPES = [t for t in CHARSET_TYPES if t != "text/html"]
#: The methods a static site answers; anything else is 405 with Allow.
METHODS = "GET, HEAD, OPTIONS"


def content_type_of(file: str) -> str | None:
    """The Content-Type the generated configurations send for ``file`` (None: not typed)."""
    suffix = PurePosixPath(file).suffix.lstrip(".")
    media_type = TYPES.get(suffix)
    if media_type is None:
        return None
    return f"{media_type}; charset=utf-8" if media_type in CHARSET_TYPES else media_type


# -- nginx -----------------------------------------------------------------------------------------


def _q(value: str) -> str:
    """``value`` as an nginx double-quoted string (variables still expand)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(value: str) -> str:
    """``value`` as an nginx string with no variable in it."""
    if "$" in value:
        raise static_site.BuildError(f"a literal '$' cannot be written to nginx: {value!r}")
    return _q(value)


_PLACEHOLDER = re.compile(r"\{(slug|name|page)\}")


def _template(value: str) -> str:
    """A header template ({slug}, {name}, {page}) as an nginx string with variables."""
    if "$" in value:
        raise static_site.BuildError(f"a literal '$' cannot be written to nginx: {value!r}")
    return _q(_PLACEHOLDER.sub(lambda m: "${frkg_" + m[1] + "}", value))


def _headers(headers: dict[str, str], indent: str, templated: bool = False) -> list[str]:
    write = _template if templated else _literal
    return [f"{indent}add_header {name} {write(value)} always;" for name, value in headers.items()]


COMMON = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED_HEADERS}


def _accept_map(n: Negotiation) -> list[str]:
    lines = [f"# Accept -> {n.name}: the app's choice where q-values differ in the first decimal"]
    lines.append(f"map $http_accept $frkg_accept_{n.name} {{")
    lines.append(f'    "" {_literal(n.first)};')
    for rule in conneg_rules.accept_rules(n):
        # map keys are never interpolated: a regex may end in '$'
        lines.append(f"    {_q('~*' + rule.pattern)} {_literal(rule.choice)};  # {rule.why}")
    lines.append(f"    default {_literal(n.fallback)};")
    lines.append("}")
    return lines


def _format_map(name: str, offers) -> list[str]:
    lines = [f"# ?format= -> {name} ('!' = unknown: 400); without it, Accept decides"]
    lines.append(f"map $arg_format $frkg_format_{name} {{")
    lines.append(f'    "" $frkg_accept_{name};')
    for word, suffix in conneg_rules.format_words(offers).items():
        lines.append(f"    {_literal(word)} {_literal(suffix)};")
    lines.append('    default "!";')
    lines.append("}")
    return lines


def _variant_maps(layout: Layout, route: str, key: str) -> tuple[dict[str, str], list[str]]:
    """Header name -> nginx value for a templated route (a literal, or a map over its variants),
    and the maps that needs."""
    variants = layout.templates.get(route, {})
    names = list(dict.fromkeys(n for h in variants.values() for n in h))
    out: dict[str, str] = {}
    maps: list[str] = []
    for name in names:
        values = {v: h.get(name, "") for v, h in variants.items()}
        if len(set(values.values())) == 1:
            out[name] = _template(next(iter(values.values())))
            continue
        var = f"$frkg_h_{route.replace('-', '_')}_{name.lower().replace('-', '_')}"
        maps.append(f"map {key} {var} {{")
        maps += [f"    {_literal(v)} {_template(value)};" for v, value in values.items()]
        maps.append('    default "";')
        maps.append("}")
        out[name] = var
    return out, maps


def nginx(layout: Layout, root: str, listen: str, live_url: str | None = None) -> str:
    """An nginx ``http``-level include: the negotiation maps and one ``server`` block."""
    from frkg.web import browse, entities

    negotiations = layout.negotiations
    offers = {
        THING: entities.THING_OFFERS,
        RDF: tuple(f for f in entities.THING_OFFERS if f.kind == "rdf"),
        LIST: browse.OFFERS,
        static_site.INDEX: browse.INDEX_OFFERS,
    }
    route_headers: dict[str, dict[str, str]] = {}
    header_maps: list[str] = []
    for route, key in (
        ("page", "$frkg_ext"),
        ("links", "$frkg_ext"),
        ("data", "$frkg_ext"),
        ("browse-index", "$frkg_ext"),
        ("browse", '"$frkg_ext/$frkg_page_variant"'),
        ("source", "$frkg_ext"),
    ):
        route_headers[route], maps = _variant_maps(layout, route, key)
        header_maps += maps
    out = [
        "# nginx configuration for a static export of frkg, generated by `frkg build`: rebuild",
        "# rather than edit. Include it in the http {} block of nginx.conf. It answers like",
        "# `frkg serve`: 303 from things to their documents by Accept (q-values compared to one",
        "# decimal), Vary, 406, Link, CORS, ETag and Last-Modified from the files, gzip from the",
        "# .gz twins. The README's 'Static export' section lists where it differs.",
        "",
    ]
    for n in negotiations.values():
        out += _accept_map(n) + [""]
    for name, offered in offers.items():
        out += _format_map(name, offered) + [""]
    out += ["map $arg_property $frkg_links_property {"]
    for key, spellings in sorted(layout.properties.items()):
        out += [f"    {_literal(s)} {_literal(key)};" for s in spellings]
    out += ['    default "";', "}", ""]
    out += [
        'map $arg_direction $frkg_links_direction { "" out; out out; in in; default ""; }',
        'map $arg_page $frkg_page { "" 1; "~^[1-9][0-9]{0,8}$" $arg_page; default ""; }',
        "map $frkg_page $frkg_page_variant { 1 first; default next; }",
        'map $frkg_ext $frkg_thing_404 { "" txt; default $frkg_ext; }',
        "map $frkg_ext $frkg_thing_location {",
        '    html "/page/${frkg_slug}";',
        '    default "/data/${frkg_slug}.${frkg_ext}";',
        "}",
        "map $http_access_control_request_headers $frkg_allow_headers {",
        '    "" "*";',
        "    default $http_access_control_request_headers;",
        "}",
        'map $request_method $frkg_method { GET ok; HEAD ok; OPTIONS preflight; default ""; }',
        "",
    ]
    out += header_maps + [""]
    out += _server(layout, root, listen, live_url, route_headers)
    return "\n".join(out) + "\n"


def _server(layout, root, listen, live_url, route_headers) -> list[str]:
    common = _headers(COMMON, "        ")
    cors = _headers(CORS, "        ")
    if live_url:
        live = _literal(live_url.rstrip("/"))[1:-1]
        dynamic = [f'        return 307 "{live}$request_uri";']
    else:
        dynamic = [
            f"        error_page 404 /{INTERNAL}/dynamic.$frkg_accept_error;",
            "        return 404;",
        ]
    s = [
        "server {",
        f"    listen {listen};",
        "    server_name _;",
        f"    root {_literal(root)};",
        "    absolute_redirect off;  # Location: /page/x, as the app sends it",
        "    server_tokens off;",
        "    charset utf-8;",
        "    charset_types " + " ".join(_NGINX_CHARSET_TYPES) + ";",
        "    types {",
        *[f"        {t} {s};" for s, t in sorted(TYPES.items())],
        "    }",
        "    default_type application/octet-stream;",
        "    gzip off;         # bodies are compressed once, at build time:",
        "    gzip_static on;   # file.gz is sent to clients that accept gzip",
        "    etag on;",
        "    if_modified_since before;  # RFC 9110 section 13.1.3",
        f"    error_page 404 /{INTERNAL}/not-found.$frkg_accept_error;",
        "    error_page 405 = @frkg_method;",
        "    # variables read by the locations a request is rewritten to",
        '    set $frkg_ext "";',
        '    set $frkg_slug "";',
        '    set $frkg_name "";',
        '    set $frkg_negotiated "";',
        '    set $frkg_content_location "";',
        '    if ($frkg_method = "") { return 405; }',
        f"    if ($frkg_method = preflight) {{ rewrite ^ /{INTERNAL}/preflight last; }}",
        "",
        "    location / {",
        *common,
        "        return 404;  # only the URLs below exist",
        "    }",
        f"    location ^~ /{INTERNAL}/ {{",
        "        internal;",
        "        etag off;  # error bodies are not revalidated",
        *common,
        *cors,
        '        add_header Vary "Accept, Accept-Encoding" always;',
        "    }",
        f"    location = /{INTERNAL}/preflight {{",
        "        internal;",
        *common,
        *cors,
        f'        add_header Access-Control-Allow-Methods "{METHODS}" always;',
        "        add_header Access-Control-Allow-Headers $frkg_allow_headers always;",
        '        add_header Access-Control-Max-Age "86400" always;',
        f'        add_header Allow "{METHODS}" always;',
        "        return 200;",
        "    }",
        "    location @frkg_method {",
        *common,
        f'        add_header Allow "{METHODS}" always;',
        "        default_type text/plain;",
        f"        return 405 {_literal(layout.method_not_allowed)};",
        "    }",
        "",
        "    # live-only URLs: search, SPARQL, status, filtered lists",
    ]
    for path in static_site.DYNAMIC:
        s += [f"    location = {path} {{", *dynamic, "    }"]
    s += ["    location ^~ /ontology/ {", *dynamic, "    }", ""]
    s += ["    # redirects the app makes (the ontology's version IRI)"]
    for url, (status, location, headers) in sorted(layout.redirects.items()):
        s += [
            f"    location = {url} {{",
            *_headers(headers, "        "),
            f"        return {status} {_literal(location)};",
            "    }",
        ]

    s += ["    # URLs with a file of their own, headers as the app sent them"]
    negotiated_targets = {f"/{stem}." for stem in ("ontology", "void", "shapes")}
    for url, (file, headers) in sorted(layout.fixed.items()):
        headers = dict(headers)
        lines = [f"    location = {url} {{"]
        if any(url.startswith(p) for p in negotiated_targets):
            vary = headers.pop("Vary", "")
            lines.append(f"        add_header Vary {_q('${frkg_negotiated}' + vary)} always;")
            lines.append("        add_header Content-Location $frkg_content_location always;")
        lines += _headers(headers, "        ")
        lines += [f"        try_files /{file} =404;", "    }"]
        s += lines
    for url, error in sorted(layout.refused.items()):
        s += [
            f"    location = {url} {{",
            f"        error_page 406 {error};",
            "        return 406;",
            "    }",
        ]
    s.append("")

    s += ["    # negotiated: /ontology, /void, /.well-known/void, /shapes (200 + Content-Location)"]
    for url, stem in (
        ("/ontology", "ontology"),
        ("/void", "void"),
        ("/.well-known/void", "void"),
        ("/shapes", "shapes"),
    ):
        s += [
            f"    location = {url} {{",
            *_negotiate(THING, layout, f"/{INTERNAL}/406-{THING}.txt"),
            '        set $frkg_negotiated "Accept, ";',
            f"        set $frkg_content_location /{stem}.$frkg_ext;",
            f"        rewrite ^ /{stem}.$frkg_ext last;",
            "    }",
        ]
    s.append("")

    slug = r"(?<frkg_s>[A-Za-z0-9][A-Za-z0-9._~:-]*)"
    dotless = r"(?<frkg_s>[A-Za-z0-9][A-Za-z0-9_~:-]*)"
    rdf_suffixes = "|".join(_suffixes(layout, RDF))
    s += [
        "    # things: 303 See Other to the page or a document (Cool URIs section 4.3)",
        f'    location ~ "^/id/{slug}$" {{',
        "        set $frkg_slug $frkg_s;",
        f"        error_page 404 /{INTERNAL}/thing-404.$frkg_thing_404;",
        *_negotiate(THING, layout, f"/{INTERNAL}/406-{THING}.txt", exists=True),
        *_headers(layout.thing_headers, "        ", templated=True),
        "        return 303 $frkg_thing_location;",
        "    }",
        f'    location ~ "^/data/{slug}\\.(?<frkg_e>{rdf_suffixes})$" {{',
        "        set $frkg_slug $frkg_s;",
        "        set $frkg_ext $frkg_e;",
        f"        error_page 404 /{INTERNAL}/thing-404.$frkg_ext;",
        *_route_headers(route_headers["data"], negotiated=True),
        "        add_header Content-Location $frkg_content_location always;",
        "        try_files $uri =404;",
        "    }",
        # /data/{slug}.{other}: the app reads a dot in the last segment as a suffix
        '    location ~ "^/data/[^/]*\\.(?<frkg_e>[^/.]*)$" {',
        *common,
        '        default_type "text/plain";',
        f"        return 404 {_q(layout.unknown_suffix.replace('{suffix}', '$frkg_e'))};",
        "    }",
        f'    location ~ "^/data/{dotless}$" {{',
        "        set $frkg_slug $frkg_s;",
        f"        error_page 404 /{INTERNAL}/thing-404.$frkg_thing_404;",
        *_negotiate(RDF, layout, f"/{INTERNAL}/406-{RDF}.txt", exists=True),
        '        set $frkg_negotiated "Accept, ";',
        "        set $frkg_content_location /data/$frkg_slug.$frkg_ext;",
        "        rewrite ^ /data/$frkg_slug.$frkg_ext last;",
        "    }",
        f'    location ~ "^/page/{slug}$" {{',
        "        set $frkg_slug $frkg_s;",
        '        set $frkg_ext "html";',
        f"        error_page 404 /{INTERNAL}/thing-404.html;",
        *_route_headers(route_headers["page"]),
        "        try_files /page/$frkg_slug.html =404;",
        "    }",
        f'    location ~ "^/page/{slug}/links$" {{',
        "        set $frkg_slug $frkg_s;",
        '        set $frkg_ext "html";',
        f"        error_page 404 /{INTERNAL}/thing-404.html;",
        '        default_type "text/plain";',
        '        if ($arg_property = "") { return 400 "400 Bad Request: give the property IRI'
        ' as ?property=\\n"; }',
        '        if ($frkg_links_direction = "") { return 400 "400 Bad Request: direction must'
        " be 'out' or 'in'\\n\"; }",
        '        if ($frkg_page = "") { return 400 "400 Bad Request: page must be a whole'
        ' number from 1\\n"; }',
        *_route_headers(route_headers["links"]),
        "        try_files /page/$frkg_slug/links/"
        "$frkg_links_direction-$frkg_links_property-$frkg_page.html =404;",
        "    }",
        "",
        "    # lists: the class index, class lists without filters, sources (Accept or ?format=)",
        "    location = /browse {",
        '        if ($arg_class != "") {',
        *["    " + line for line in dynamic],
        "        }",
        f"        error_page 404 /{INTERNAL}/list-404.$frkg_ext;",
        *_negotiate(static_site.INDEX, layout, f"/{INTERNAL}/406-{static_site.INDEX}.txt"),
        *_route_headers(route_headers["browse-index"]),
        "        try_files /browse/index.$frkg_ext =404;",
        "    }",
        '    location ~ "^/browse/(?<frkg_n>[A-Za-z0-9][A-Za-z0-9._~:-]*)$" {',
        "        set $frkg_name $frkg_n;",
        '        if ($args !~ "^(?:(?:page|format)=[^&]*(?:&|$))*$") {',
        *["    " + line for line in dynamic],
        "        }",
        f"        error_page 404 /{INTERNAL}/list-404.$frkg_ext;",
        *_negotiate(LIST, layout, f"/{INTERNAL}/406-{LIST}.txt"),
        '        if ($frkg_page = "") { return 400 "400 Bad Request: page must be a whole'
        ' number from 1\\n"; }',
        *_route_headers(route_headers["browse"]),
        "        try_files /browse/$frkg_name/$frkg_page.$frkg_ext =404;",
        "    }",
        f'    location ~ "^/source/{slug}$" {{',
        "        set $frkg_slug $frkg_s;",
        f"        error_page 404 /{INTERNAL}/list-404.$frkg_ext;",
        *_negotiate(LIST, layout, f"/{INTERNAL}/406-{LIST}.txt"),
        *_route_headers(route_headers["source"]),
        "        try_files /source/$frkg_slug.$frkg_ext =404;",
        "    }",
        "}",
    ]
    return s


def _suffixes(layout: Layout, name: str) -> list[str]:
    return [suffix for suffix, _ in layout.negotiations[name].choices]


def _negotiate(name: str, layout: Layout, not_acceptable: str, exists: bool = False) -> list[str]:
    """Set $frkg_ext from ?format= or Accept; 400 for an unknown format, 406 for none."""
    unknown = layout.unknown_format[name].replace("{word}", "$arg_format")
    lines = [
        f"        set $frkg_ext $frkg_format_{name};",
        f"        error_page 406 {not_acceptable};",
        '        default_type "text/plain";',
        f'        if ($frkg_ext = "!") {{ return 400 {_q(unknown)}; }}',
    ]
    if exists:
        # the app answers 404 for an unknown thing before it looks at Accept
        lines.append("        if (!-f $document_root/page/$frkg_slug.html) { return 404; }")
    lines.append('        if ($frkg_ext = "") { return 406; }')
    return lines


def _route_headers(headers: dict[str, str], negotiated: bool = False) -> list[str]:
    out = []
    for name, value in headers.items():
        if name == "Vary" and negotiated:
            inner = value[1:-1] if value.startswith('"') else value
            value = '"${frkg_negotiated}' + inner + '"'
        out.append(f"        add_header {name} {value} always;")
    return out


def standalone_nginx(include: str, prefix: str, user: str | None = None) -> str:
    """A complete nginx.conf that runs the export unprivileged from ``prefix`` (tests, trials)."""
    lines = [
        "# Run the export without touching the system's nginx:",
        "#   nginx -p PREFIX -c nginx.conf      (stop: nginx -p PREFIX -c nginx.conf -s quit)",
    ]
    if user:
        lines.append(f"user {user};")
    lines += [
        "worker_processes auto;",
        f"pid {_literal(prefix + '/nginx.pid')};",
        f"error_log {_literal(prefix + '/error.log')} warn;",
        "events { worker_connections 1024; }",
        "http {",
        "    access_log off;",
        "    sendfile on;",
        "    tcp_nopush on;",
        "    map_hash_bucket_size 256;",
        "    map_hash_max_size 65536;",
        "    types_hash_max_size 2048;",
        f"    client_body_temp_path {_literal(prefix + '/tmp/body')};",
        f"    proxy_temp_path {_literal(prefix + '/tmp/proxy')};",
        f"    fastcgi_temp_path {_literal(prefix + '/tmp/fastcgi')};",
        f"    uwsgi_temp_path {_literal(prefix + '/tmp/uwsgi')};",
        f"    scgi_temp_path {_literal(prefix + '/tmp/scgi')};",
        f"    include {_literal(include)};",
        "}",
    ]
    return "\n".join(lines) + "\n"


def write_configs(
    layout: Layout,
    outdir: Path,
    listen: str = "127.0.0.1:8080",
    web_root: str | None = None,
    live_url: str | None = None,
    user: str | None = None,
) -> dict[str, Path]:
    """Write ``nginx/frkg.conf``, a standalone ``nginx/nginx.conf`` and ``public/.htaccess``."""
    outdir = outdir.resolve()
    root = web_root or str(outdir / "public")
    folder = outdir / "nginx"
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    include = folder / "frkg.conf"
    include.write_text(nginx(layout, root, listen, live_url), encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(standalone_nginx(str(include), str(folder), user), encoding="utf-8")
    return {"nginx": include, "nginx-standalone": main}
