"""Web-server configurations for a static export: nginx and Apache httpd, from Jinja2 templates.

Both are rendered from one data structure, :class:`ServerLayout`: the export's
:class:`~frkg.export.site.Layout` (what the app answered: files, headers, redirects, error
bodies and messages) with where it is served (root, listen address, live URL), each negotiation
as :func:`frkg.export.conneg_rules.accept_rules` and its ``?format=`` words, the header values
of every response (from :mod:`frkg.web.headers`, as the app sends them) and THE format table's
suffixes and media types (:mod:`frkg.formats`). The templates in ``templates/`` only say that
in each server's syntax: ``nginx.conf.j2`` (an ``http``-level include) and ``htaccess.j2``, and
the standalone configurations that run each server unprivileged from OUTDIR. Nothing here
serves anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from frkg.export import conneg_rules, site
from frkg.export.conneg_rules import Rule
from frkg.export.site import INTERNAL, Layout
from frkg.formats import CHARSET_TYPES, FILE_TYPES, content_type_of
from frkg.web.headers import (
    CORS_HEADERS,
    PREFLIGHT_MAX_AGE,
    PREFLIGHT_METHODS,
    SECURITY_HEADERS,
)

#: The negotiated documents: (path, stem of the files it negotiates among).
DOCUMENTS = (
    ("/ontology", "ontology"),
    ("/void", "void"),
    ("/.well-known/void", "void"),
    ("/shapes", "shapes"),
)
#: The routes whose headers are templates, and what tells their variants apart in nginx.
NGINX_VARIANT_KEYS = {
    "page": "$frkg_ext",
    "links": "$frkg_ext",
    "data": "$frkg_ext",
    "browse-index": "$frkg_ext",
    "browse": '"$frkg_ext/$frkg_page_variant"',
    "source": "$frkg_ext",
}


@dataclass(frozen=True)
class Negotiated:
    """One negotiation as a web server runs it: ``?format=`` first, then the Accept rules."""

    name: str
    first: str  # what a request without Accept gets
    fallback: str  # what a header no rule matches gets ("" is 406)
    rules: list[Rule]
    words: dict[str, str]  # ?format= word (raw and percent-encoded) -> suffix; none for errors
    unknown_format: str  # the 400 body for an unknown word ({word} placeholder)

    def words_by_suffix(self) -> dict[str, list[str]]:
        """Every word of each suffix, in the order the words are listed."""
        out: dict[str, list[str]] = {}
        for word, suffix in self.words.items():
            out.setdefault(suffix, []).append(word)
        return out


@dataclass(frozen=True)
class ServerLayout:
    """Everything both web-server configurations say, in neither's syntax."""

    layout: Layout
    root: str  # where OUTDIR/public is on the web server
    listen: str  # what the nginx server block listens on
    live_url: str | None  # a running `frkg serve` for live-only URLs (307 there)
    negotiations: dict[str, Negotiated]
    #: the headers of every response, and of every response any origin may read
    common: dict[str, str] = field(default_factory=lambda: dict(SECURITY_HEADERS))
    cors: dict[str, str] = field(default_factory=lambda: dict(CORS_HEADERS))
    #: the methods a static site answers; anything else is 405 with Allow
    methods: str = PREFLIGHT_METHODS
    preflight_max_age: str = PREFLIGHT_MAX_AGE
    #: (file suffix, media type, Content-Type) of every file, by suffix
    file_types: list[tuple[str, str, str]] = field(
        default_factory=lambda: [
            (s, t, content_type_of("x." + s)) for s, t in sorted(FILE_TYPES.items())
        ]
    )
    documents: tuple[tuple[str, str], ...] = DOCUMENTS
    internal: str = INTERNAL
    #: what a slug or a class name may be in a URL, and a slug without a dot (no suffix)
    slug: str = site.SAFE_NAME.pattern
    dotless: str = "[A-Za-z0-9][A-Za-z0-9_~:-]*"

    @classmethod
    def of(cls, layout: Layout, root: str, listen: str, live_url: str | None) -> ServerLayout:
        """The configuration of ``layout`` served from ``root``."""
        negotiations = {}
        for name, n in layout.negotiations.items():
            offered = layout.offers.get(name)
            negotiations[name] = Negotiated(
                name,
                n.first,
                n.fallback,
                conneg_rules.accept_rules(n),
                conneg_rules.format_words(offered) if offered else {},
                layout.unknown_format.get(name, ""),
            )
        return cls(layout, root, listen, live_url, negotiations)

    # -- locations: what the app answered, as the layout recorded it --

    @property
    def fixed(self) -> dict[str, tuple[str, dict[str, str]]]:
        """URL -> (file, headers) of the URLs with a file of their own."""
        return self.layout.fixed

    @property
    def redirects(self) -> dict[str, tuple[int, str, dict[str, str]]]:
        """URL -> (status, Location, headers) of the redirects the app makes."""
        return self.layout.redirects

    @property
    def refused(self) -> dict[str, str]:
        """URL -> error file of the representations the app refuses (406)."""
        return self.layout.refused

    @property
    def live_only(self) -> tuple[str, ...]:
        """The paths only a live server answers."""
        return self.layout.live_only

    @property
    def properties(self) -> dict[str, list[str]]:
        """Key of a "show all" file -> every spelling of the ?property= that names it."""
        return self.layout.properties

    @property
    def thing_headers(self) -> dict[str, str]:
        """The headers of the 303 of /id/{slug} ({slug} placeholder)."""
        return self.layout.thing_headers

    @property
    def messages(self) -> Layout:
        """The app's own texts a web server answers with: ``method_not_allowed`` (405),
        ``unknown_suffix`` (404, {suffix} placeholder), ``bad_request`` (400s by key)."""
        return self.layout

    def suffixes(self, negotiation: str) -> list[str]:
        """The suffixes ``negotiation`` chooses among, in its order."""
        return [suffix for suffix, _ in self.layout.negotiations[negotiation].choices]

    def is_representation(self, url: str) -> bool:
        """Whether ``url`` is one of the files a negotiated document chooses among."""
        return url.startswith(tuple(f"/{stem}." for _, stem in self.documents))

    def route_headers(self, route: str) -> list[tuple[str, dict[str, str], str | None]]:
        """(header, its template by variant, the template when every variant has the same)."""
        variants = self.layout.templates.get(route, {})
        names = list(dict.fromkeys(n for h in variants.values() for n in h))
        out = []
        for name in names:
            values = {v: h.get(name, "") for v, h in variants.items()}
            same = next(iter(values.values())) if len(set(values.values())) == 1 else None
            out.append((name, values, same))
        return out

    def headers_by_key(self) -> dict[str, dict[str, str]]:
        """Every set of headers the app sent, by what was served: a URL with a file of its own,
        a route's variant (``data/ttl``), the thing's 303 (``thing``), a redirect."""
        keyed = {url: dict(headers) for url, (_, headers) in self.layout.fixed.items()}
        for route, variants in self.layout.templates.items():
            for variant, headers in variants.items():
                keyed[f"{route}/{variant}"] = dict(headers)
        keyed["thing"] = dict(self.layout.thing_headers)
        for url, (_, _, headers) in self.layout.redirects.items():
            keyed[url] = dict(headers)
        return keyed

    def header_groups(self) -> list[tuple[tuple[str, str], list[str]]]:
        """Each (header, value) once, with what was served sending it, in order; the headers of
        every response apart, and the Vary of a representation (it depends on whether the
        request was negotiated)."""
        groups: dict[tuple[str, str], list[str]] = {}
        negotiable = tuple(f"/{stem}." for _, stem in self.documents) + ("data/",)
        for key, headers in self.headers_by_key().items():
            for name, value in headers.items():
                if name in self.common or (name == "Vary" and key.startswith(negotiable)):
                    continue
                groups.setdefault((name, value), []).append(key)
        return [(header, sorted(keys)) for header, keys in sorted(groups.items())]


def _file_types() -> list[tuple[str, str, str]]:
    return [(s, t, content_type_of("x." + s)) for s, t in sorted(FILE_TYPES.items())]


# -- each server's syntax -------------------------------------------------------------------------


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


def _escaped_newline(body: str) -> str:
    """A one-line body as an nginx string whose final newline is written ``\\n``."""
    return _literal(body.rstrip("\n"))[:-1] + '\\n"'


def _nginx_var(route: str, header: str) -> str:
    """The nginx variable holding ``header`` for the variants of ``route``."""
    return f"$frkg_h_{route.replace('-', '_')}_{header.lower().replace('-', '_')}"


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


def _unless(block: str, pattern: str) -> str:
    """A block of rewrite rules skipped entirely unless the path matches ``pattern``."""
    rules = sum(1 for line in block.splitlines() if line.startswith("RewriteRule"))
    return f"RewriteRule !{pattern} - [S={rules}]\n{block}"


#: Variables the rules set; Apache renames them REDIRECT_* after an internal redirect, so the
#: rules copy them back first thing in the next round.
APACHE_VARS = ("FRKG_S", "FRKG_N", "FRKG_P", "FRKG_K", "FRKG_CL", "FRKG_NEG", "FRKG_GZ", "FRKG_PRE")

_ENV = Environment(
    loader=PackageLoader("frkg.export", "templates"),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
    autoescape=False,  # configuration files, not HTML
)
_ENV.filters.update(
    chomp=lambda text: text.removesuffix("\n"),
    # nginx
    q=_q,
    lit=_literal,
    tpl=_template,
    nl=_escaped_newline,
    without=lambda headers, name: {k: v for k, v in headers.items() if k != name},
    # Apache
    a=_a,
    ar=_ar,
    aheader=_a_header,
    alternatives=lambda words: "^(?:" + "|".join(re.escape(w) for w in words) + ")$",
    rescape=re.escape,
    path_pattern=lambda url: re.escape(url[1:]),
    asis_name=lambda file: file.strip("/").replace("/", "-"),
    squote=lambda key: "'" + key.replace("'", "") + "'",
    unless=_unless,
)
_ENV.globals.update(
    nginx_var=_nginx_var,
    nginx_variant_keys=NGINX_VARIANT_KEYS,
    # nginx always applies charset to text/html, and warns when it is listed
    nginx_charset_types=[t for t in CHARSET_TYPES if t != "text/html"],
    charset_types=CHARSET_TYPES,
    apache_vars=APACHE_VARS,
)


def _render(template: str, **context) -> str:
    return _ENV.get_template(template).render(**context)


# -- the configurations ----------------------------------------------------------------------------


def render_nginx(server: ServerLayout) -> str:
    """An nginx ``http``-level include: the negotiation maps and one ``server`` block."""
    return _render("nginx.conf.j2", site=server)


def render_htaccess(server: ServerLayout) -> str:
    """An Apache httpd 2.4 ``.htaccess`` for ``OUTDIR/public`` answering like ``frkg serve``."""
    return _render("htaccess.j2", site=server)


def nginx(layout: Layout, root: str, listen: str, live_url: str | None = None) -> str:
    """:func:`render_nginx` of ``layout`` served from ``root``."""
    return render_nginx(ServerLayout.of(layout, root, listen, live_url))


def htaccess(layout: Layout, root: str, live_url: str | None = None) -> str:
    """:func:`render_htaccess` of ``layout`` served from ``root``."""
    return render_htaccess(ServerLayout.of(layout, root, "", live_url))


def standalone_nginx(include: str, prefix: str, user: str | None = None) -> str:
    """A complete nginx.conf that runs the export unprivileged from ``prefix`` (tests, trials)."""
    return _render("nginx-standalone.conf.j2", include=include, prefix=prefix, user=user)


def standalone_apache(root: str, listen: str, prefix: str, modules: str, user: str | None) -> str:
    """A complete httpd.conf serving ``root`` with its .htaccess (tests, trials)."""
    return _render(
        "httpd.conf.j2", root=root, listen=listen, prefix=prefix, modules=modules, user=user
    )


#: The reason phrase of each status an error body is sent with.
_REASONS = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable"}


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
    # Apache cannot repeat the word in a file: the same message without it
    for name, text in layout.unknown_format.items():
        write(f"400-{name}", 400, "x.txt", text.replace(" '{word}'", "").encode())
    for key, text in layout.bad_request.items():
        write(f"400-{key}", 400, "x.txt", text.encode())
    for file in layout.refused.values():
        body = (public / file.lstrip("/")).read_bytes()
        write(file.strip("/").replace("/", "-"), 406, "x.txt", body)
    suffixes = layout.unknown_suffix.replace(" the suffix .{suffix}", " that suffix")
    write("unknown-suffix", 404, "x.txt", suffixes.encode())


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
    server = ServerLayout.of(layout, root, listen, live_url)
    folder = outdir / "nginx"
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    include = folder / "frkg.conf"
    include.write_text(render_nginx(server), encoding="utf-8")
    main = folder / "nginx.conf"
    main.write_text(standalone_nginx(str(include), str(folder), user), encoding="utf-8")
    apache_error_files(layout, public)
    (public / INTERNAL / "preflight").write_bytes(b"")
    access = public / ".htaccess"
    access.write_text(render_htaccess(server), encoding="utf-8")
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
