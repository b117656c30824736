"""Web-server configurations for a static export: nginx (tested) and Apache ``.htaccess``.

Both are generated from the export's :class:`frkg.export.site.Layout` and from THE format
table (:mod:`frkg.formats`): media types, suffixes and ``?format=`` words are never written by
hand. Content negotiation uses :func:`frkg.export.conneg_rules.accept_rules`, an ordered list of
regular expressions that gives the app's answer wherever q-values differ in their first
decimal. The offers and the header values common to every response are read from the web
modules that use them, so the two cannot drift apart; nothing here serves anything.
"""

from __future__ import annotations

import re
from pathlib import Path

from frkg.export import conneg_rules, site
from frkg.export.conneg_rules import Negotiation
from frkg.export.site import INTERNAL, LIST, RDF, THING, Layout
from frkg.formats import CHARSET_TYPES, FILE_TYPES, content_type_of
from frkg.web.headers import CORS_HEADERS, SECURITY_HEADERS

#: nginx always applies charset to text/html, and warns when it is listed
_NGINX_CHARSET_TYPES = [t for t in CHARSET_TYPES if t != "text/html"]
#: The methods a static site answers; anything else is 405 with Allow.
METHODS = "GET, HEAD, OPTIONS"


# -- nginx -----------------------------------------------------------------------------------------


def _q(value: str) -> str:
    """``value`` as an nginx double-quoted string (variables still expand)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _literal(value: str) -> str:
    """``value`` as an nginx string with no variable in it."""
    if "$" in value:
        raise site.BuildError(f"a literal '$' cannot be written to nginx: {value!r}")
    return _q(value)


_PLACEHOLDER = re.compile(r"\{(slug|name|page)\}")


def _template(value: str) -> str:
    """A header template ({slug}, {name}, {page}) as an nginx string with variables."""
    if "$" in value:
        raise site.BuildError(f"a literal '$' cannot be written to nginx: {value!r}")
    return _q(_PLACEHOLDER.sub(lambda m: "${frkg_" + m[1] + "}", value))


def _headers(headers: dict[str, str], indent: str, templated: bool = False) -> list[str]:
    write = _template if templated else _literal
    return [f"{indent}add_header {name} {write(value)} always;" for name, value in headers.items()]


COMMON = SECURITY_HEADERS
CORS = CORS_HEADERS


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
    negotiations = layout.negotiations
    offers = layout.offers
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
    bad = layout.bad_request  # the app's own 400 bodies
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
        *[f"        {t} {s};" for s, t in sorted(FILE_TYPES.items())],
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
    for path in layout.live_only:
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
        f'        if ($arg_property = "") {{ return 400 {_nl(bad["property"])}; }}',
        f'        if ($frkg_links_direction = "") {{ return 400 {_nl(bad["direction"])}; }}',
        f'        if ($frkg_page = "") {{ return 400 {_nl(bad["page"])}; }}',
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
        *_negotiate(site.INDEX, layout, f"/{INTERNAL}/406-{site.INDEX}.txt"),
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
        f'        if ($frkg_page = "") {{ return 400 {_nl(bad["page"])}; }}',
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


def _nl(body: str) -> str:
    return _q(body.rstrip("\n"))[:-1] + '\\n"'


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


# -- Apache httpd 2.4 (.htaccess) -----------------------------------------------------------------

#: Variables the rules set; Apache renames them REDIRECT_* after an internal redirect, so the
#: rules copy them back first thing in the next round.
APACHE_VARS = ("FRKG_S", "FRKG_N", "FRKG_P", "FRKG_K", "FRKG_CL", "FRKG_NEG", "FRKG_GZ", "FRKG_PRE")
#: Error bodies by file stem -> (status line, from which error file)
#: Flags of a rewrite to an error body: it is no representation, and names none.
_ERROR = "[E=!FRKG_K,E=!FRKG_CL,L]"
_REASONS = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable"}


def _a(value: str) -> str:
    """``value`` as an Apache double-quoted argument."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ar(pattern: str) -> str:
    """A regular expression as a mod_rewrite argument (its parser keeps backslashes as they are;
    the patterns here hold no space and no quote)."""
    if " " in pattern or '"' in pattern:
        raise site.BuildError(f"cannot write {pattern!r} to a RewriteCond")
    return '"' + pattern + '"'


def _a_header(value: str) -> str:
    """A header template as a mod_headers value: % doubled, placeholders as %{VAR}e."""
    value = value.replace("%", "%%")
    names = {"slug": "FRKG_S", "name": "FRKG_N", "page": "FRKG_P"}
    return _a(_PLACEHOLDER.sub(lambda m: "%{" + names[m[1]] + "}e", value))


def _a_words(words) -> str:
    return "^(?:" + "|".join(re.escape(w) for w in words) + ")$"


def _apache_negotiation(n: Negotiation, words: dict[str, str] | None) -> list[str]:
    """Rules that set FRKG_X_{NAME}: the suffix, "none" (406) or "!" (unknown ?format=)."""
    var = f"FRKG_X_{n.name.upper()}"
    out = [f"# {n.name}: ?format= first, then Accept (q-values compared to one decimal)"]
    if words:
        by_suffix: dict[str, list[str]] = {}
        for word, suffix in words.items():
            by_suffix.setdefault(suffix, []).append(word)
        for suffix, spelled in by_suffix.items():
            out += [
                f"RewriteCond %{{ENV:FRKG_FW}} {_ar(_a_words(spelled))} [NC]",
                f"RewriteRule ^ - [E={var}:{suffix}]",
            ]
        out += [
            "RewriteCond %{ENV:FRKG_FW} !^$",
            f"RewriteCond %{{ENV:{var}}} ^$",
            f"RewriteRule ^ - [E={var}:!]",
        ]
    out += [
        f"RewriteCond %{{ENV:{var}}} ^$",
        "RewriteCond %{HTTP:Accept} ^$ [NV]",
        f"RewriteRule ^ - [E={var}:{n.first}]",
    ]
    for rule in conneg_rules.accept_rules(n):
        out += [
            f"RewriteCond %{{ENV:{var}}} ^$",
            f"RewriteCond %{{HTTP:Accept}} {_ar(rule.pattern)} [NC,NV]",
            f"RewriteRule ^ - [E={var}:{rule.choice}]",
        ]
    out += [
        f"RewriteCond %{{ENV:{var}}} ^$",
        f"RewriteRule ^ - [E={var}:{n.fallback or 'none'}]",
    ]
    return out


def _skip(block: list[str], unless: str) -> list[str]:
    """``block`` (rewrite rules) skipped entirely unless the path matches ``unless``."""
    rules = sum(1 for line in block if line.startswith("RewriteRule"))
    return [f"RewriteRule !{unless} - [S={rules}]", *block]


def apache_error_files(layout: Layout, public: Path) -> None:
    """The error bodies as mod_asis files (status and type in the file) for the .htaccess."""
    folder = public / INTERNAL / "apache"
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, status: int, file: str, body: bytes | None = None) -> None:
        data = body if body is not None else (public / file.lstrip("/")).read_bytes()
        content_type = content_type_of(file) or "text/plain; charset=utf-8"
        head = f"Status: {status} {_REASONS[status]}\nContent-Type: {content_type}\n\n"
        (folder / f"{name}.asis").write_bytes(head.encode() + data)

    for name, file in layout.errors.items():
        stem = name.rsplit(".", 1)[0]
        status = 406 if stem.startswith("406") else 404
        write(name if status == 404 else stem, status, file)
    write("thing-404.none", 404, layout.errors["thing-404.txt"])
    write("list-404.none", 404, layout.errors["list-404.txt"])
    for name, text in layout.unknown_format.items():
        body = text.replace(" '{word}'", "").encode()
        write(f"400-{name}", 400, "x.txt", body)
    for key, text in layout.bad_request.items():
        write(f"400-{key}", 400, "x.txt", text.encode())
    for file in layout.refused.values():
        body = (public / file.lstrip("/")).read_bytes()
        write(file.strip("/").replace("/", "-"), 406, "x.txt", body)
    suffixes = layout.unknown_suffix.replace(" the suffix .{suffix}", " that suffix")
    write("unknown-suffix", 404, "x.txt", suffixes.encode())


def htaccess(layout: Layout, root: str, live_url: str | None = None) -> str:
    """An Apache httpd 2.4 ``.htaccess`` for ``OUTDIR/public`` answering like ``frkg serve``."""
    n = layout.negotiations
    slug = "[A-Za-z0-9][A-Za-z0-9._~:-]*"
    dotless = "[A-Za-z0-9][A-Za-z0-9_~:-]*"
    rdf = "|".join(_suffixes(layout, RDF))
    root = root.rstrip("/")
    errors = f"{INTERNAL}/apache"
    out = [
        "# Apache httpd 2.4 configuration for a static export of frkg, generated by `frkg build`:",
        "# rebuild rather than edit. It answers like `frkg serve` (README: 'Static export').",
        "# Needs mod_rewrite, mod_headers, mod_mime and mod_asis, `AllowOverride All` here,",
        f"# and this folder at {root} (the rules look for files there; `frkg build --web-root`).",
        "# For speed, put it inside <Directory> in the server configuration instead.",
        "Options -MultiViews -Indexes",
        "<IfModule mod_dir.c>",
        "    DirectorySlash Off",
        "    DirectoryIndex disabled",
        "</IfModule>",
        "FileETag MTime Size",
        "AddDefaultCharset Off",
        "AddHandler send-as-is .asis",
        "RemoveEncoding .gz",
        *[f"AddType {_a(content_type_of('x.' + s))} .{s}" for s in sorted(FILE_TYPES)],
        "",
        "RewriteEngine On",
        "RewriteBase /",
        "# An internal redirect renames the variables REDIRECT_*: take them back, and serve what",
        "# the first round chose (a .gz twin gets its own type and Content-Encoding).",
    ]
    for var in APACHE_VARS:
        out += [f"RewriteCond %{{ENV:REDIRECT_{var}}} (.+)", f"RewriteRule ^ - [E={var}:%1]"]
    for suffix in sorted(FILE_TYPES):
        if suffix == "gz" or FILE_TYPES[suffix] not in CHARSET_TYPES:
            continue
        out += [
            "RewriteCond %{ENV:FRKG_GZ} =1",
            f"RewriteRule \\.{suffix}\\.gz$ - {_a('[T=' + content_type_of('x.' + suffix) + ']')}",
        ]
    out += [
        "RewriteCond %{ENV:REDIRECT_STATUS} !^$",
        "RewriteRule ^ - [L]",
        "",
        "# methods: OPTIONS is a CORS preflight; anything but GET and HEAD is 405",
        "RewriteCond %{REQUEST_METHOD} =OPTIONS",
        f"RewriteRule ^ {INTERNAL}/preflight [E=FRKG_PRE:1,L]",
        "RewriteCond %{REQUEST_METHOD} !^(?:GET|HEAD)$",
        "RewriteRule ^ - [R=405,L]",
        "",
        "# the raw ?format= word, and which answer errors get (HTML for browsers, else text)",
        "RewriteCond %{QUERY_STRING} (?:^|&)format=([^&]+)",
        "RewriteRule ^ - [E=FRKG_FW:%1]",
        *_apache_negotiation(n[site.ERROR], None),
        "",
    ]
    out += _skip(
        _apache_negotiation(n[THING], conneg_rules.format_words(layout.offers[THING])),
        f"^(?:id/{slug}|ontology|void|shapes|\\.well-known/void)$",
    )
    out += _skip(
        _apache_negotiation(n[RDF], conneg_rules.format_words(layout.offers[RDF])),
        f"^data/{dotless}$",
    )
    out += _skip(
        _apache_negotiation(n[LIST], conneg_rules.format_words(layout.offers[LIST])),
        f"^(?:browse/{slug}|source/{slug})$",
    )
    out += _skip(
        _apache_negotiation(n[site.INDEX], conneg_rules.format_words(layout.offers[site.INDEX])),
        "^browse$",
    )
    out.append("")

    # redirects the app makes (the ontology's version IRI), then live-only URLs
    for url, (status, location, _) in sorted(layout.redirects.items()):
        out += [f"RewriteRule ^{re.escape(url[1:])}$ {location} [R={status},QSD,E=FRKG_K:{url},L]"]
    if live_url:
        live = live_url.rstrip("/")
        out += [
            "# live-only URLs go to the live server (the query string follows)",
            f"RewriteRule ^(?:search|sparql|health|ontology/.*)$ {live}/$0 [R=307,L]",
            "RewriteCond %{QUERY_STRING} (?:^|&)class=",
            f"RewriteRule ^browse$ {live}/$0 [R=307,L]",
            "RewriteCond %{QUERY_STRING} !^(?:(?:page|format)=[^&]*(?:&|$))*$",
            f"RewriteRule ^browse/.+$ {live}/$0 [R=307,L]",
        ]
    else:
        dynamic = f"{errors}/dynamic.%{{ENV:FRKG_X_ERROR}}.asis"
        out += [
            "# live-only URLs: search, SPARQL, status, filtered lists",
            f"RewriteRule ^(?:search|sparql|health)$ {dynamic} [L]",
            "RewriteCond %{QUERY_STRING} (?:^|&)class=",
            f"RewriteRule ^browse$ {dynamic} [L]",
            "RewriteCond %{QUERY_STRING} !^(?:(?:page|format)=[^&]*(?:&|$))*$",
            f"RewriteRule ^browse/.+$ {dynamic} [L]",
        ]
    out.append("")

    fixed = "|".join(re.escape(u[1:]) for u in sorted(layout.fixed) if u != "/")
    out += [
        "# files served at their own URL",
        "RewriteRule ^$ - [E=FRKG_K:/,E=FRKG_F:index.html,E=FRKG_E:not-found.html]",
        f"RewriteRule ^(?:{fixed})$ - [E=FRKG_K:/$0,E=FRKG_F:$0,E=FRKG_E:not-found.txt]",
    ]
    for url, file in sorted(layout.refused.items()):
        name = file.strip("/").replace("/", "-")
        out.append(f"RewriteRule ^{re.escape(url[1:])}$ {errors}/{name}.asis {_ERROR}")
    for url, stem in (
        ("ontology", "ontology"),
        ("void", "void"),
        ("\\.well-known/void", "void"),
        ("shapes", "shapes"),
    ):
        out += [
            f"RewriteRule ^{url}$ - [E=FRKG_R:{stem}]",
            f"RewriteCond %{{ENV:FRKG_R}} ={stem}",
            "RewriteCond %{ENV:FRKG_X_THING} =!",
            f"RewriteRule ^ {errors}/400-{THING}.asis {_ERROR}",
            f"RewriteCond %{{ENV:FRKG_R}} ={stem}",
            "RewriteCond %{ENV:FRKG_X_THING} =none",
            f"RewriteRule ^ {errors}/406-{THING}.asis {_ERROR}",
            f"RewriteCond %{{ENV:FRKG_R}} ={stem}",
            f"RewriteRule ^ - [E=FRKG_K:/{stem}.%{{ENV:FRKG_X_THING}},"
            f"E=FRKG_F:{stem}.%{{ENV:FRKG_X_THING}},E=FRKG_NEG:1,"
            f"E=FRKG_CL:/{stem}.%{{ENV:FRKG_X_THING}},E=FRKG_R:]",
        ]
    out += [
        "",
        "# things: 303 See Other to the page or a document (Cool URIs section 4.3)",
        f"RewriteRule ^id/({slug})$ - [E=FRKG_S:$1,E=FRKG_R:thing,E=FRKG_K:thing]",
        "RewriteCond %{ENV:FRKG_R} =thing",
        "RewriteCond %{ENV:FRKG_X_THING} =!",
        f"RewriteRule ^ {errors}/400-{THING}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =thing",
        f"RewriteCond {_ar(root + '/page/%{ENV:FRKG_S}.html')} !-f",
        f"RewriteRule ^ {errors}/thing-404.%{{ENV:FRKG_X_THING}}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =thing",
        "RewriteCond %{ENV:FRKG_X_THING} =none",
        f"RewriteRule ^ {errors}/406-{THING}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =thing",
        "RewriteCond %{ENV:FRKG_X_THING} =html",
        "RewriteRule ^ /page/%{ENV:FRKG_S} [R=303,QSD,L]",
        "RewriteCond %{ENV:FRKG_R} =thing",
        "RewriteRule ^ /data/%{ENV:FRKG_S}.%{ENV:FRKG_X_THING} [R=303,QSD,L]",
        "",
        "# documents and pages",
        f"RewriteRule ^data/({slug})\\.({rdf})$ - "
        "[E=FRKG_S:$1,E=FRKG_K:data/$2,E=FRKG_F:$0,E=FRKG_E:thing-404.$2]",
        "RewriteCond %{ENV:FRKG_F} ^$",
        f"RewriteRule ^data/[^/]*\\.([^/.]*)$ {errors}/unknown-suffix.asis {_ERROR}",
        f"RewriteRule ^data/({dotless})$ - [E=FRKG_S:$1,E=FRKG_R:data]",
        "RewriteCond %{ENV:FRKG_R} =data",
        "RewriteCond %{ENV:FRKG_X_RDF} =!",
        f"RewriteRule ^ {errors}/400-{RDF}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =data",
        f"RewriteCond {_ar(root + '/page/%{ENV:FRKG_S}.html')} !-f",
        f"RewriteRule ^ {errors}/thing-404.%{{ENV:FRKG_X_RDF}}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =data",
        "RewriteCond %{ENV:FRKG_X_RDF} =none",
        f"RewriteRule ^ {errors}/406-{RDF}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =data",
        "RewriteRule ^ - [E=FRKG_K:data/%{ENV:FRKG_X_RDF},"
        "E=FRKG_F:data/%{ENV:FRKG_S}.%{ENV:FRKG_X_RDF},E=FRKG_NEG:1,"
        "E=FRKG_CL:/data/%{ENV:FRKG_S}.%{ENV:FRKG_X_RDF},E=FRKG_E:thing-404.%{ENV:FRKG_X_RDF}]",
        f"RewriteRule ^page/({slug})$ - "
        "[E=FRKG_S:$1,E=FRKG_K:page/html,E=FRKG_F:page/$1.html,E=FRKG_E:thing-404.html]",
        f"RewriteRule ^page/({slug})/links$ - [E=FRKG_S:$1,E=FRKG_R:links]",
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteCond %{QUERY_STRING} !(?:^|&)property=[^&]",
        f"RewriteRule ^ {errors}/400-property.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteCond %{QUERY_STRING} (?:^|&)direction=(?!(?:in|out)(?:&|$))",
        f"RewriteRule ^ {errors}/400-direction.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteCond %{QUERY_STRING} (?:^|&)page=(?![1-9][0-9]{0,8}(?:&|$))",
        f"RewriteRule ^ {errors}/400-page.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteRule ^ - [E=FRKG_QD:out,E=FRKG_P:1,E=FRKG_PK:none]",
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteCond %{QUERY_STRING} (?:^|&)direction=(in|out)(?:&|$)",
        "RewriteRule ^ - [E=FRKG_QD:%1]",
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteCond %{QUERY_STRING} (?:^|&)page=([1-9][0-9]*)(?:&|$)",
        "RewriteRule ^ - [E=FRKG_P:%1]",
    ]
    for key, spellings in sorted(layout.properties.items()):
        out += [
            "RewriteCond %{ENV:FRKG_R} =links",
            f"RewriteCond %{{QUERY_STRING}} "
            f"{_ar('(?:^|&)property=(?:' + '|'.join(re.escape(x) for x in spellings) + ')(?:&|$)')}"
            " [NC]",
            f"RewriteRule ^ - [E=FRKG_PK:{key}]",
        ]
    out += [
        "RewriteCond %{ENV:FRKG_R} =links",
        "RewriteRule ^ - [E=FRKG_K:links/html,E=FRKG_E:thing-404.html,"
        "E=FRKG_F:page/%{ENV:FRKG_S}/links/%{ENV:FRKG_QD}-%{ENV:FRKG_PK}-%{ENV:FRKG_P}.html]",
        "",
        "# lists: the class index, class lists without filters, sources (Accept or ?format=)",
        "RewriteRule ^browse$ - [E=FRKG_R:index]",
        "RewriteCond %{ENV:FRKG_R} =index",
        "RewriteCond %{ENV:FRKG_X_INDEX} =!",
        f"RewriteRule ^ {errors}/400-{site.INDEX}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =index",
        "RewriteCond %{ENV:FRKG_X_INDEX} =none",
        f"RewriteRule ^ {errors}/406-{site.INDEX}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =index",
        "RewriteRule ^ - [E=FRKG_K:browse-index/%{ENV:FRKG_X_INDEX},"
        "E=FRKG_F:browse/index.%{ENV:FRKG_X_INDEX},E=FRKG_E:list-404.%{ENV:FRKG_X_INDEX}]",
        f"RewriteRule ^browse/({slug})$ - [E=FRKG_N:$1,E=FRKG_R:browse,E=FRKG_P:1]",
        f"RewriteRule ^source/({slug})$ - [E=FRKG_S:$1,E=FRKG_R:source]",
        "RewriteCond %{ENV:FRKG_R} ^(?:browse|source)$",
        "RewriteCond %{ENV:FRKG_X_LIST} =!",
        f"RewriteRule ^ {errors}/400-{LIST}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} ^(?:browse|source)$",
        "RewriteCond %{ENV:FRKG_X_LIST} =none",
        f"RewriteRule ^ {errors}/406-{LIST}.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =browse",
        "RewriteCond %{QUERY_STRING} (?:^|&)page=(?![1-9][0-9]{0,8}(?:&|$))",
        f"RewriteRule ^ {errors}/400-page.asis {_ERROR}",
        "RewriteCond %{ENV:FRKG_R} =browse",
        "RewriteCond %{QUERY_STRING} (?:^|&)page=([1-9][0-9]*)(?:&|$)",
        "RewriteRule ^ - [E=FRKG_P:%1]",
        "RewriteCond %{ENV:FRKG_R} =browse",
        "RewriteCond %{ENV:FRKG_P} =1",
        "RewriteRule ^ - [E=FRKG_K:browse/%{ENV:FRKG_X_LIST}/first]",
        "RewriteCond %{ENV:FRKG_R} =browse",
        "RewriteCond %{ENV:FRKG_P} !=1",
        "RewriteRule ^ - [E=FRKG_K:browse/%{ENV:FRKG_X_LIST}/next]",
        "RewriteCond %{ENV:FRKG_R} =browse",
        "RewriteRule ^ - [E=FRKG_F:browse/%{ENV:FRKG_N}/%{ENV:FRKG_P}.%{ENV:FRKG_X_LIST},"
        "E=FRKG_E:list-404.%{ENV:FRKG_X_LIST}]",
        "RewriteCond %{ENV:FRKG_R} =source",
        "RewriteRule ^ - [E=FRKG_K:source/%{ENV:FRKG_X_LIST},"
        "E=FRKG_F:source/%{ENV:FRKG_S}.%{ENV:FRKG_X_LIST},E=FRKG_E:list-404.%{ENV:FRKG_X_LIST}]",
        "",
        "# serve the chosen file (its gzip twin to clients that take gzip), else the route's 404",
        "RewriteCond %{ENV:FRKG_F} !^$",
        "RewriteCond %{HTTP:Accept-Encoding} gzip(?!\\s*;\\s*q=0(?:\\.0*)?\\s*(?:,|$)) [NC,NV]",
        f"RewriteCond {_ar(root + '/%{ENV:FRKG_F}.gz')} -f",
        "RewriteRule ^ %{ENV:FRKG_F}.gz [E=FRKG_GZ:1,L]",
        "RewriteCond %{ENV:FRKG_F} !^$",
        f"RewriteCond {_ar(root + '/%{ENV:FRKG_F}')} -f",
        "RewriteRule ^ %{ENV:FRKG_F} [L]",
        *[
            line
            for url, file in sorted(layout.refused.items())
            for line in (
                f"RewriteCond %{{ENV:FRKG_F}} ={url[1:]}",
                f"RewriteRule ^ {errors}/{file.strip('/').replace('/', '-')}.asis {_ERROR}",
            )
        ],
        "RewriteCond %{ENV:FRKG_F} !^$",
        f"RewriteRule ^ {errors}/%{{ENV:FRKG_E}}.asis {_ERROR}",
        "# anything else does not exist",
        f"RewriteRule ^ {errors}/not-found.%{{ENV:FRKG_X_ERROR}}.asis {_ERROR}",
        "",
    ]
    out += _apache_headers(layout)
    return "\n".join(out) + "\n"


def _rdf_formats(layout: Layout):
    """The RDF formats of the export's document negotiation, in its order."""
    from frkg.formats import by_suffix

    return tuple(by_suffix(s) for s in _suffixes(layout, RDF))


def _apache_headers(layout: Layout) -> list[str]:
    """mod_headers lines: each (header, value) once, for the set of keys (FRKG_K) sending it."""
    keyed: dict[str, dict[str, str]] = {}
    for url, (_, headers) in layout.fixed.items():
        keyed[url] = dict(headers)
    for route, variants in layout.templates.items():
        for variant, headers in variants.items():
            keyed[f"{route}/{variant}"] = dict(headers)
    keyed["thing"] = dict(layout.thing_headers)
    for url, (_, _, headers) in layout.redirects.items():
        keyed[url] = dict(headers)
    groups: dict[tuple[str, str], list[str]] = {}
    for key, headers in keyed.items():
        negotiable = key.startswith(("/ontology.", "/void.", "/shapes.", "data/"))
        for name, value in headers.items():
            if name in COMMON:
                continue
            if name == "Vary" and negotiable:
                continue  # below: it depends on whether the request was negotiated
            groups.setdefault((name, value), []).append(key)
    out = [
        "# headers: on every response, then by what was served (FRKG_K)",
        *[f"Header always set {name} {_a(value)}" for name, value in COMMON.items()],
        "# errors vary with Accept and may be read from any origin, as the app's do",
        'Header always set Vary "Accept, Accept-Encoding" "expr=-z reqenv(\'FRKG_K\')"',
        *[
            f"Header always set {name} {_a(value)} \"expr=-z reqenv('FRKG_K')\""
            for name, value in CORS.items()
        ],
    ]
    for (name, value), keys in sorted(groups.items()):
        listed = ", ".join("'" + k.replace("'", "") + "'" for k in sorted(keys))
        out.append(
            f"Header always set {name} {_a_header(value)} \"expr=reqenv('FRKG_K') in {{{listed}}}\""
        )
    out += [
        "# negotiated representations: Vary and Content-Location",
        "Header always set Vary \"Accept, Accept-Encoding\" \"expr=reqenv('FRKG_NEG') == '1'\"",
        'Header always set Vary "Accept-Encoding" '
        "\"expr=reqenv('FRKG_NEG') != '1' && "
        "reqenv('FRKG_K') =~ m#^(/ontology|/void|/shapes|data/)#\"",
        "Header always set Content-Location %{FRKG_CL}e \"expr=-n reqenv('FRKG_CL')\"",
        "# gzip twins",
        "Header always set Content-Encoding gzip \"expr=reqenv('FRKG_GZ') == '1'\"",
        "# CORS preflight and 405",
        f'Header always set Access-Control-Allow-Methods "{METHODS}" '
        "\"expr=reqenv('FRKG_PRE') == '1'\"",
        'Header always set Access-Control-Allow-Headers "%{Access-Control-Request-Headers}i" '
        "\"expr=reqenv('FRKG_PRE') == '1' && -n req('Access-Control-Request-Headers')\"",
        'Header always set Access-Control-Allow-Headers "*" '
        "\"expr=reqenv('FRKG_PRE') == '1' && -z req('Access-Control-Request-Headers')\"",
        "Header always set Access-Control-Max-Age \"86400\" \"expr=reqenv('FRKG_PRE') == '1'\"",
        "Header unset Allow \"expr=reqenv('FRKG_PRE') == '1'\"",
        f'Header always set Allow "{METHODS}" '
        "\"expr=reqenv('FRKG_PRE') == '1' || %{REQUEST_STATUS} == 405\"",
        "# redirects: a path, as the app sends it",
        'Header always edit Location ^https?://[^/]+ ""',
        'Header edit Location ^https?://[^/]+ ""',
    ]
    return out


def standalone_apache(root: str, listen: str, prefix: str, modules: str, user: str | None) -> str:
    """A complete httpd.conf serving ``root`` with its .htaccess (tests, trials)."""
    lines = [
        "# Run the export with Debian's apache2 binary, without the system's configuration:",
        "#   apache2 -f httpd.conf -DFOREGROUND",
        "ServerName 127.0.0.1",
        f"Listen {listen}",
        f"PidFile {_a(prefix + '/httpd.pid')}",
        f"ErrorLog {_a(prefix + '/error.log')}",
        f"DefaultRuntimeDir {_a(prefix)}",
        "LogLevel warn",
    ]
    for module in ("mpm_event", "authz_core", "mime", "rewrite", "headers", "asis"):
        lines.append(f"LoadModule {module}_module {_a(modules + '/mod_' + module + '.so')}")
    if user:
        lines += [f"User {user}", f"Group {user if user != 'nobody' else 'nogroup'}"]
    lines += [
        "TypesConfig /dev/null",
        "TraceEnable off",
        f"DocumentRoot {_a(root)}",
        "<Directory />",
        "    AllowOverride None",
        "    Require all denied",
        "</Directory>",
        f"<Directory {_a(root)}>",
        "    AllowOverride All",
        "    Require all granted",
        "</Directory>",
        '<Files ".ht*">',
        "    Require all denied",
        "</Files>",
    ]
    return "\n".join(lines) + "\n"


def write_configs(
    layout: Layout,
    outdir: Path,
    listen: str = "127.0.0.1:8080",
    web_root: str | None = None,
    live_url: str | None = None,
    user: str | None = None,
    apache_modules: str = "/usr/lib/apache2/modules",
) -> dict[str, Path]:
    """Write ``nginx/frkg.conf`` and ``public/.htaccess``, and standalone configurations that
    run each server unprivileged from OUTDIR (``nginx/nginx.conf``, ``apache/httpd.conf``).

    ``user`` is the user the servers' workers run as when they are started as root.
    """
    outdir = outdir.resolve()
    public = outdir / "public"
    root = web_root or str(public)
    folder = outdir / "nginx"
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    include = folder / "frkg.conf"
    include.write_text(nginx(layout, root, listen, live_url), encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(standalone_nginx(str(include), str(folder), user), encoding="utf-8")
    apache_error_files(layout, public)
    (public / INTERNAL / "preflight").write_bytes(b"")
    access = public / ".htaccess"
    access.write_text(htaccess(layout, root, live_url), encoding="utf-8")
    apache = outdir / "apache"
    apache.mkdir(exist_ok=True)
    httpd = apache / "httpd.conf"
    apache_user = user.split()[0] if user else None
    httpd.write_text(
        standalone_apache(root, listen, str(apache), apache_modules, apache_user), encoding="utf-8"
    )
    return {
        "nginx": include,
        "nginx-standalone": main,
        "apache": access,
        "apache-standalone": httpd,
    }
