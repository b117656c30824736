"""The ``frkg`` command line: serve, front, validate, query, stats, export, load and build."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys

import click

from frkg import CANONICAL_BASE, __version__, store
from frkg.config import Settings


def _paths_option(name: str, help: str):
    return click.option(f"--{name}", multiple=True, metavar="PATH", help=help)


def _backend_options(command):
    """``--store`` and ``--sparql-endpoint``: read the data from there instead of the files."""
    command = click.option(
        "--sparql-endpoint",
        metavar="URL",
        help="Read the data from this SPARQL 1.1 endpoint, not the files [FRKG_SPARQL_ENDPOINT].",
    )(command)
    return click.option(
        "--store",
        metavar="DIR",
        help="Read the on-disk store `frkg load --store DIR` built, not the files [FRKG_STORE].",
    )(command)


def _print_loaded(item: store.LoadedFile) -> None:
    click.echo(
        f"loaded {item.path} ({item.kind}): {item.triples} triples in {item.seconds * 1000:.0f} ms",
        err=True,
    )


def load_or_exit(settings: Settings, *, quiet: bool = False) -> store.KnowledgeGraph:
    """Load the knowledge graph, printing one line per file (unless ``quiet``); exit 2 with the
    reason on failure."""
    try:
        return store.load(settings, progress=None if quiet else _print_loaded)
    except store.LoadError as e:
        _fail(str(e), "fix the file above and try again")


def open_or_exit(settings: Settings, *, quiet: bool = False) -> store.KnowledgeGraph:
    """The knowledge graph ``settings`` name: an on-disk store, a SPARQL endpoint, or the files
    (loaded here, one line per file unless ``quiet``). Exit 2 with the reason when it cannot be
    opened."""
    if not settings.store and not settings.sparql_endpoint:
        return load_or_exit(settings, quiet=quiet)
    from frkg.store import loadrecord, ondisk

    try:
        return store.open(settings)
    except ondisk.StoreError as e:
        _fail(str(e), "build the store with `frkg load --store DIR` (and the same --base-iri)")
    except (loadrecord.RecordError, store.BackendError) as e:
        _fail(
            f"the SPARQL endpoint {settings.sparql_endpoint}: {e}",
            "load it with the file `frkg load --nquads FILE` writes (see docs/scaling.md)",
        )
    raise AssertionError("unreachable")


def _fail(message: str, hint: str) -> None:
    command = click.get_current_context().info_name
    done = {"serve": "served", "stats": "counted", "load": "loaded", "query": "queried"}.get(
        command, "written"
    )
    click.echo(f"error: {message}", err=True)
    click.echo(f"error: nothing was {done}; {hint}", err=True)
    sys.exit(2)


@click.group()
@click.version_option(__version__, prog_name="frkg")
def main() -> None:
    """frkg: the facial-recognition policy debate as linked data."""


@main.command()
@click.option("--host", help="Interface to listen on [FRKG_HOST, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [FRKG_PORT, 8000].")
@click.option("--base-iri", help="Base IRI to publish under [FRKG_BASE_IRI, http://HOST:PORT/].")
@click.option("--workers", type=int, help="Worker processes [FRKG_WORKERS, 2].")
@click.option("--threads", type=int, help="Threads per worker [FRKG_THREADS, 8].")
@click.option(
    "--forwarded-allow-ips",
    help="Front proxies trusted to set SCRIPT_NAME and X-Forwarded-* "
    "[FRKG_FORWARDED_ALLOW_IPS, none].",
)
@click.option(
    "--front",
    type=click.Choice(["nginx"]),
    help="Start nginx on HOST:PORT in front of the workers, so that slow clients wait in "
    "nginx, not in a worker thread [FRKG_FRONT, none].",
)
@click.option(
    "--log-format",
    type=click.Choice(["none", "text", "json"]),
    help="Access log on stderr, one line per request [FRKG_LOG_FORMAT, none].",
)
@click.option(
    "--watch/--no-watch",
    default=None,
    help="Reload the data without downtime when a file changes (SIGHUP always reloads) "
    "[FRKG_WATCH, off].",
)
@click.option(
    "--listen-early/--no-listen-early",
    default=None,
    help="Listen at once and answer 503 (loading) until the data is loaded and validated "
    "[FRKG_LISTEN_EARLY, off].",
)
@_paths_option("ontology", "Ontology file or folder [FRKG_ONTOLOGY, ontology].")
@_paths_option("data", "Data file or folder [FRKG_DATA, data].")
@_paths_option("shapes", "Shapes file or folder [FRKG_SHAPES, shapes].")
@_backend_options
def serve(**options) -> None:
    """Load the knowledge graph and serve it over HTTP with gunicorn.

    SIGHUP (or a change on disk, with --watch) reloads the data in the background and swaps it
    in without downtime; SIGTERM stops gracefully. See docs/operating.md.
    """
    from frkg.web import server

    try:
        settings = Settings.from_env(**options)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    # Before anything imports prometheus_client: every process's counts go to files there.
    runtime = server.prepare_runtime()
    try:
        _serve(settings, runtime)
    finally:
        runtime.remove()


def _serve(settings: Settings, runtime) -> None:
    from pathlib import Path

    from frkg.web import create_app, reload, server
    from frkg.web.loading import LoadingApp

    if settings.listen_early:
        # Workers answer "loading" at once; the master loads, then forks workers over the data.
        app = LoadingApp(None)
        click.echo("listening at once; the data loads in the background", err=True)
    else:
        kg = open_or_exit(settings)
        app = create_app(settings, kg)
        where = f" {kg.store.place} {kg.location}" if kg.store.place else ""
        click.echo(
            f"frkg {__version__}: {kg.triple_count} triples from {len(kg.files)} files"
            f"{where}, data version {kg.version}",
            err=True,
        )
        published = app.extensions["frkg.publication"]
        if published.complete:
            seconds = sum(published.timings.values())
            click.echo(
                f"dumps, VoID, search and browse indexes built in {seconds * 1000:.0f} ms",
                err=True,
            )
        else:
            click.echo("dumps, VoID, search and browse indexes: built once serving", err=True)
        if kg.base != settings.listen_url:
            click.echo(f"publishing IRIs under {kg.base}", err=True)
    app.extensions["frkg.reload_status"] = runtime.reload_status
    host, port, front_command = settings.host, settings.port, None
    if settings.front == "nginx":
        front_command, port = _front_command(settings, runtime)
        host = "127.0.0.1"
        click.echo(f"nginx in front; the workers listen on 127.0.0.1:{port}", err=True)

    def keep(built) -> None:
        built.extensions["frkg.reload_status"] = runtime.reload_status

    def watched():
        if settings.store:  # the store's folder, or the symlink `ln -sfn NEW` switches
            return [Path(settings.store)]
        if settings.sparql_endpoint:
            return []
        return [path for paths in store.sources(settings).values() for path in paths]

    click.echo(
        f"serving at {settings.listen_url}  (open it in a browser; Ctrl-C to stop)", err=True
    )
    server.run(
        app,
        server.Options(
            host=host,
            port=port,
            workers=settings.workers,
            threads=settings.threads,
            graceful_timeout=settings.graceful_timeout,
            front_command=front_command,
            rebuild=lambda: reload.build_app(settings, keep),
            watched=watched if settings.watch else None,
            load_at_start=settings.listen_early,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        ),
    )


def _front_command(settings: Settings, runtime) -> tuple[list[str], int]:
    """Write the nginx front's configuration; its command line, and the workers' own port."""
    import socket

    from frkg.export import front

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        inner = s.getsockname()[1]
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family) as s:  # said now, rather than by nginx once it gives up
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((settings.host, settings.port))
        except OSError as e:
            _fail(f"{settings.listen_url} for the front: {e.strerror}", "choose another --port")
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    options = front.FrontOptions(
        header_timeout=settings.front_header_timeout,
        body_timeout=settings.front_body_timeout,
        read_timeout=settings.sparql_timeout + 30,
    )
    try:
        listen, upstream = f"{host}:{settings.port}", f"127.0.0.1:{inner}"
        conf = front.write(listen, [upstream], runtime.front, options)
        front.check(conf)
        return front.command(conf), inner
    except front.FrontError as e:
        _fail(str(e), "install nginx, or serve without --front")
    raise AssertionError("unreachable")


@main.command("front")
@click.option(
    "--listen",
    default="127.0.0.1:8080",
    show_default=True,
    help="What nginx listens on (nginx's `listen` syntax).",
)
@click.option(
    "--upstream",
    "upstreams",
    multiple=True,
    required=True,
    metavar="HOST:PORT",
    help="A `frkg serve` instance to balance over (repeat for each).",
)
@click.option(
    "--prefix",
    type=click.Path(file_okay=False),
    help="Folder for nginx.conf, its pid, log and temporary files [a new temporary folder].",
)
@click.option(
    "--write-only", is_flag=True, help="Write PREFIX/nginx.conf, print its path, run nothing."
)
def front_command(listen: str, upstreams: tuple[str, ...], prefix: str | None, write_only: bool):
    """Run nginx as a load-balancing front over several `frkg serve` instances.

    Requests are read whole by nginx (FRKG_FRONT_HEADER_TIMEOUT, FRKG_FRONT_BODY_TIMEOUT) and
    balanced over the instances; an instance that fails is skipped, and a GET or HEAD it
    failed is retried on the next one. SIGTERM or Ctrl-C stop nginx gracefully.
    """
    import signal
    import subprocess
    import tempfile
    from pathlib import Path

    from frkg.export import front

    try:
        settings = Settings.from_env()
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    options = front.FrontOptions(
        header_timeout=settings.front_header_timeout,
        body_timeout=settings.front_body_timeout,
        read_timeout=settings.sparql_timeout + 30,
    )
    folder = Path(prefix) if prefix else Path(tempfile.mkdtemp(prefix="frkg-front-"))
    try:
        conf = front.write(listen, list(upstreams), folder, options)
        front.check(conf)
    except (front.FrontError, OSError) as e:
        click.echo(f"error: {e}", err=True)
        click.echo("error: nothing was started; fix the above and try again", err=True)
        sys.exit(2)
    if write_only:
        click.echo(str(conf))
        return
    click.echo(f"nginx on {listen} over {', '.join(upstreams)} ({conf})", err=True)
    proc = subprocess.Popen(front.command(conf), stdin=subprocess.DEVNULL)

    def graceful(signum, frame) -> None:
        proc.send_signal(signal.SIGQUIT)  # nginx's graceful stop

    signal.signal(signal.SIGTERM, graceful)
    signal.signal(signal.SIGINT, graceful)
    sys.exit(proc.wait())


@main.command("validate")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "turtle", "github", "sarif"]),
    default="text",
    show_default=True,
    help="text for people; json (schema in docs/validating.md), turtle (the SHACL report), "
    "github (GitHub Actions annotations) or sarif (SARIF 2.1.0, for code scanning).",
)
@_paths_option("ontology", "Ontology file or folder [FRKG_ONTOLOGY, ontology].")
@_paths_option("shapes", "Shapes file or folder [FRKG_SHAPES, shapes].")
@click.option(
    "--engine",
    type=click.Choice(["turbo", "pyshacl"]),
    default="turbo",
    show_default=True,
    help="The SHACL engine: turbo (pyshacl-turbo, Rust) or pyshacl (the reference); both give "
    "the same findings.",
)
def validate_command(
    paths: tuple[str, ...], output_format: str, ontology, shapes, engine: str
) -> None:
    """Validate data files or folders (default: FRKG_DATA, data) against the SHACL shapes.

    Exit status: 0 the data conforms, 1 it has violations, 2 a file could not be read or parsed
    (or the shapes could not be used).
    """
    import json

    from frkg import validate as validation

    try:
        settings = Settings.from_env(data=paths, ontology=ontology, shapes=shapes)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    try:
        report = validation.validate(settings, engine=engine)
    except (store.LoadError, validation.ValidationError) as e:
        if output_format == "github" and isinstance(e, store.LoadError):
            click.echo(validation.load_error_github(e), nl=False)
        elif output_format == "sarif":
            click.echo(json.dumps(validation.load_error_sarif(e), indent=2, ensure_ascii=False))
        click.echo(f"error: {e}", err=True)
        click.echo("error: nothing was validated; fix the file above and try again", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(validation.to_json(report), indent=2, ensure_ascii=False))
    elif output_format == "turtle":
        click.echo(validation.to_turtle(report), nl=False)
    elif output_format == "github":
        click.echo(validation.to_github(report), nl=False)
    elif output_format == "sarif":
        click.echo(json.dumps(validation.to_sarif(report), indent=2, ensure_ascii=False))
    else:
        click.echo(validation.to_text(report), nl=False)
    sys.exit(0 if report.conforms else 1)


def _offline_settings(options: dict, *, reading: bool = False) -> Settings:
    """Settings for commands that serve nothing: IRIs stay canonical unless --base-iri says, or,
    when ``reading`` a store or endpoint, as they were loaded."""
    try:
        settings = Settings.from_env(**options)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if not settings.base_iri and not (reading and (settings.store or settings.sparql_endpoint)):
        settings = dataclasses.replace(settings, base_iri=CANONICAL_BASE)
    return settings


@contextlib.contextmanager
def _dataset(options: dict):
    """The dataset index and describer of the files, or of the store or endpoint named (read
    from a local copy of an endpoint while the block runs)."""
    from frkg.publish.dataset import DatasetIndex
    from frkg.publish.describe import Describer
    from frkg.publish.publication import reading_copy

    kg = open_or_exit(_offline_settings(options, reading=True))
    with reading_copy(kg) as reader:
        describer = Describer(reader)
        yield DatasetIndex(reader, describer.inverse), describer


def _data_options(command):
    for option in reversed(
        (
            click.option(
                "--base-iri", help="Base IRI of the IRIs written [FRKG_BASE_IRI, canonical]."
            ),
            _paths_option("ontology", "Ontology file or folder [FRKG_ONTOLOGY, ontology]."),
            _paths_option("data", "Data file or folder [FRKG_DATA, data]."),
            _paths_option("shapes", "Shapes file or folder [FRKG_SHAPES, shapes]."),
        )
    ):
        command = option(command)
    return command


#: ``frkg query --format`` -> (format of a SELECT or ASK answer, of a CONSTRUCT or DESCRIBE
#: answer); names from :mod:`frkg.formats`, None where the form has no such format.
QUERY_FORMATS = {
    "table": ("json", "turtle"),
    "json": ("json", "jsonld"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ntriples": (None, "ntriples"),
    "jsonld": (None, "jsonld"),
}
QUERY_SUFFIXES = (".rq", ".sparql")

#: Exit status of ``frkg query`` for each reason a query was not answered (0 is an answer).
QUERY_EXIT = {"refused": 1, "unloadable": 2, "stopped": 3}


@main.command("query")
@click.argument("query", metavar="TEXT|FILE.rq|-")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(list(QUERY_FORMATS)),
    default="table",
    show_default=True,
    help="SELECT and ASK: table, json (SPARQL JSON results), csv or tsv; CONSTRUCT and DESCRIBE: "
    "table or turtle, json or jsonld (JSON-LD), ntriples.",
)
@click.option(
    "--timeout",
    type=float,
    metavar="SECONDS",
    help="Stop the query after this long [FRKG_SPARQL_TIMEOUT, 10].",
)
@_data_options
@_backend_options
def query_command(query: str, output_format: str, timeout: float | None, **options) -> None:
    """Run a read-only SPARQL 1.1 query on the data `frkg serve` would serve.

    The query is the text given, the file it names (FILE.rq, or any existing file), or stdin
    (-). It passes the walls of /sparql: no updates, no SERVICE, the length, time, memory and
    result limits of the FRKG_SPARQL_* settings; the dataset's prefixes (id:, frkg:, rdfs:,
    schema: ...) are declared. Exit status: 0 answered; 1 not a query, or refused (update,
    SERVICE, too long) or failed; 2 the query file or the data could not be read; 3 stopped at
    the time or memory limit, or the SPARQL endpoint did not answer.
    """
    from frkg import sparql, terminal_table
    from frkg.namespaces import prefixes
    from frkg.sparql import sandbox

    settings = _offline_settings({**options, "sparql_timeout": timeout}, reading=True)
    text = _query_text(query, settings.sparql_max_query_length)
    results_format, graph_format = QUERY_FORMATS[output_format]
    # The check runs before the data is loaded, so a refused query costs nothing; it runs
    # again on the service below, under the base and prefixes of the data as loaded.
    early = settings.serving_base
    _checked(text, settings.sparql_max_query_length, f"{early}sparql", prefixes(early))
    kg = open_or_exit(settings, quiet=True)
    service = sparql.SparqlService.from_settings(kg, settings)
    try:
        shape = _checked(text, service.max_query_length, service.endpoint, service.prefixes)
        wanted = graph_format if shape.returns_graph else results_format
        if wanted is None:
            kinds = "a graph" if shape.returns_graph else "a table of results"
            choices = [name for name, pair in QUERY_FORMATS.items() if pair[shape.returns_graph]]
            raise click.UsageError(
                f"a {shape.form} query answers with {kinds}, which --format {output_format} "
                f"cannot hold; use one of: {', '.join(choices)}"
            )
        request = service.request(
            text, results_format=results_format, graph_format=graph_format, shape=shape
        )
        # The dataset's prefixes declared in the text the engine runs, as written back from
        # the checked parse (the check above allowed the query to use them undeclared).
        request = dataclasses.replace(request, query=shape.text(prefixes=service.prefixes))
        answer = service.run(request)
    except sparql.SparqlError as e:
        _query_failed(e)
    except sandbox.WallUnavailable as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(QUERY_EXIT["unloadable"])
    finally:
        service.close()
    if output_format == "table" and answer.form != "GRAPH":
        click.echo(terminal_table.render(answer.body, service.prefixes), nl=False)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(answer.body if answer.body.endswith(b"\n") else answer.body + b"\n")
        sys.stdout.buffer.flush()
    if answer.truncated:
        unit = "triples" if answer.form == "GRAPH" else "rows"
        click.echo(
            f"warning: the answer was cut after {answer.count} {unit}: the limits are "
            f"FRKG_SPARQL_RESULT_CAP ({settings.sparql_result_cap} {unit}) and "
            f"FRKG_SPARQL_RESULT_MAX_BYTES ({settings.sparql_result_max_bytes} bytes)",
            err=True,
        )


def _query_text(query: str, max_length: int) -> str:
    """The query: stdin for ``-``, a file's text for a path, else ``query`` itself. A file is
    read only up to the length limit (and one byte more, so the checker can say it is over)."""
    from pathlib import Path

    if query == "-":
        data = sys.stdin.buffer.read(max_length + 1)
        where = "the query on stdin"
    else:
        path = Path(query)
        try:
            is_file = path.is_file()
        except (OSError, ValueError):  # a name too long, or with a NUL: it is query text
            is_file = False
        if not is_file and not query.endswith(QUERY_SUFFIXES):
            return query
        try:
            with path.open("rb") as f:
                data = f.read(max_length + 1)
        except OSError as e:
            click.echo(f"error: {query}: cannot read the query: {e.strerror or e}", err=True)
            sys.exit(QUERY_EXIT["unloadable"])
        where = query
    if len(data) > max_length:
        # Over the limit whatever it holds (perhaps cut inside a character): the length check
        # says so, as /sparql does.
        return data.decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        click.echo(
            f"error: {where} is not UTF-8 text (byte {e.start + 1}); SPARQL queries are "
            "Unicode, written in UTF-8",
            err=True,
        )
        sys.exit(QUERY_EXIT["unloadable"])


def _checked(text: str, max_length: int, base_iri: str, prefixes: dict[str, str]):
    """The check /sparql makes (:func:`frkg.sparql.check`), letting the query use the dataset's
    ``prefixes`` undeclared; exit with the reason when it refuses."""
    from frkg import sparql

    try:
        return sparql.check(text, max_length, base_iri=base_iri, prefixes=prefixes)
    except sparql.SparqlError as e:
        _query_failed(e)


def _query_failed(error) -> None:
    from frkg import sparql

    stopped = (
        sparql.QueryTimeout,
        sparql.QueryOutOfMemory,
        sparql.QueryAborted,
        sparql.BackendDown,
        sparql.TooManyQueries,
    )
    click.echo(f"error: {error}", err=True)
    sys.exit(QUERY_EXIT["stopped" if isinstance(error, stopped) else "refused"])


@main.command()
@_data_options
@_backend_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--on",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Count policies by their status on this day (YYYY-MM-DD) [today].",
)
def stats(as_json: bool, day, **options) -> None:
    """Count what the dataset holds; list unlinked entities and undefined properties."""
    from frkg.publish import stats as statistics

    with _dataset(options) as (index, describer):
        found = statistics.compute(index, describer, day.date() if day else None)
    if as_json:
        click.echo(json.dumps(found.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(statistics.report(found), nl=False)


@main.command()
@_data_options
@_backend_options
@click.option(
    "--format",
    "format_name",
    metavar="FORMAT",
    help="turtle (ttl), ntriples (nt), jsonld, nquads (nq), trig or rdfxml (rdf); "
    "default: from the output file's suffix, else turtle.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@click.option("--gzip", "compress", is_flag=True, help="gzip the output (implied by a .gz file).")
def export(format_name: str | None, output: str | None, compress: bool, **options) -> None:
    """Write the whole dataset (the dumps' content) to stdout or a file."""
    from frkg import formats
    from frkg.publish import dumps

    compress = compress or bool(output and output.endswith(".gz"))
    if format_name:
        fmt = formats.by_keyword(format_name, formats.RDF_FORMATS)
        if fmt is None:
            names = ", ".join(f.keywords[0] for f in formats.RDF_FORMATS)
            raise click.BadParameter(f"{format_name!r}; use one of {names}", param_hint="--format")
    else:
        suffix = (output or "").removesuffix(".gz").rsplit(".", 1)
        fmt = formats.by_suffix(suffix[1]) if len(suffix) == 2 else None
        fmt = fmt or formats.by_suffix("ttl")
    with _dataset(options) as (index, _):
        try:
            body = dumps.serialize_dataset(index, fmt)
        except formats.Unrepresentable as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
    if compress:
        body = dumps.gzip_bytes(body)
    if output:
        with open(output, "wb") as f:
            f.write(body)
        click.echo(f"wrote {len(body):,} bytes of {fmt.label} to {output}", err=True)
    else:
        click.get_binary_stream("stdout").write(body)


@main.command()
@click.argument("outdir", type=click.Path(file_okay=False))
@_data_options
@_backend_options
@click.option(
    "--listen",
    default="127.0.0.1:8080",
    show_default=True,
    help="What the generated nginx server block listens on (nginx's `listen` syntax).",
)
@click.option(
    "--web-root",
    metavar="DIR",
    help="Where OUTDIR/public will be on the web server [default: OUTDIR/public here].",
)
@click.option(
    "--live-url",
    metavar="URL",
    help="A running `frkg serve` that answers search, SPARQL and filtered lists (307 there); "
    "without it those URLs answer 404 saying the site is a static copy.",
)
@click.option(
    "--jobs",
    type=int,
    default=os.cpu_count() or 1,
    show_default="the number of cores",
    help="Processes that render and write in parallel.",
)
def build(
    outdir: str, listen: str, web_root: str | None, live_url: str | None, jobs: int, **options
) -> None:
    """Export a static site to OUTDIR: every page and document, with nginx and Apache configs."""
    import time
    from pathlib import Path

    from frkg.export import site, webserver
    from frkg.web import create_app

    settings = _offline_settings(options, reading=True)
    started = time.perf_counter()
    kg = open_or_exit(settings)
    app = create_app(settings, kg)
    try:
        layout = site.build(app, Path(outdir), max(1, jobs))
        written = webserver.write_configs(layout, Path(outdir), listen, web_root, live_url)
    except site.BuildError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    files = sum(layout.counts.values())
    click.echo(
        f"exported {files:,} files under {kg.base} to {outdir}/public in "
        f"{time.perf_counter() - started:.1f} s "
        f"({', '.join(f'{n} {r}' for r, n in sorted(layout.counts.items()))})",
        err=True,
    )
    if layout.dynamic:
        lists = [p for p in layout.dynamic if p.startswith("/browse")]
        others = sorted(p for p in layout.dynamic if p not in lists)
        kinds = others + ([f"filtered lists of {len(lists)} classes"] if lists else [])
        target = live_url or "none given: they answer 404 saying the site is a static copy"
        click.echo(f"linked, left to the live server ({target}): {', '.join(kinds)}", err=True)
    for url, status in sorted(layout.missing.items()):
        click.echo(f"warning: {url} is linked but the app answers {status}; not exported", err=True)
    for name, path in written.items():
        click.echo(f"wrote {name} configuration to {path}", err=True)


@main.command("load")
@_data_options
@click.option(
    "--store",
    "store_dir",
    metavar="DIR",
    help="Build a persistent on-disk store in DIR, replacing the store there [FRKG_STORE].",
)
@click.option(
    "--nquads",
    metavar="FILE",
    help="Instead, write every graph and the load record as N-Quads (FILE.gz: compressed), "
    "for a SPARQL endpoint's bulk loader.",
)
def load_command(store_dir: str | None, nquads: str | None, **options) -> None:
    """Load the files once: into an on-disk store (`frkg serve --store DIR`) or into an N-Quads
    file for another SPARQL engine (`frkg serve --sparql-endpoint URL`).

    IRIs are written under the canonical base unless --base-iri says otherwise; the server then
    publishes under that base. Exit status: 0 done, 2 a file could not be read or parsed, or
    the target could not be written (nothing is left behind: a previous store stays as it was).
    """
    import time
    from pathlib import Path

    from frkg.store import ondisk, remote

    if store_dir and nquads:
        raise click.UsageError("--store and --nquads: choose one")
    settings = _offline_settings({**options, "store": None if nquads else store_dir})
    if not nquads and not settings.store:
        raise click.UsageError("say where to load: --store DIR (or FRKG_STORE) or --nquads FILE")
    sources = store.sources(settings)
    files = [p for paths in sources.values() for p in paths]
    started = time.perf_counter()
    with _LoadProgress(files) as progress:
        try:
            if not nquads:
                record = ondisk.build(
                    sources,
                    settings.serving_base,
                    Path(settings.store),
                    progress=progress.file_done,
                    advance=progress.advance,
                    beside=_save_publication,
                )
                target = f"the on-disk store {settings.store}"
            else:
                kg = store.load_files(sources, settings.serving_base, progress.file_done)
                record = remote.write_nquads(kg, nquads)
                target = f"{nquads} (N-Quads, blank nodes as Skolem IRIs)"
        except store.LoadError as e:
            progress.abort()
            _fail(str(e), "fix the file above and try again")
        except ondisk.StoreError as e:
            progress.abort()
            _fail(str(e), "nothing was changed")
        except OSError as e:
            progress.abort()
            _fail(f"could not write: {e.strerror or e}", "nothing was changed")
    triples = sum(f.triples for f in record.files)
    click.echo(
        f"loaded {triples} triples from {len(record.files)} files "
        f"(+{record.inferred_triples} inferred) into {target} "
        f"in {time.perf_counter() - started:.1f} s; data version {record.version}, "
        f"IRIs under {record.base}",
        err=True,
    )


def _save_publication(kg: store.KnowledgeGraph, folder) -> None:
    """Build the per-load indexes of a new on-disk store and save them beside it, so that
    `frkg serve --store` reads them instead of building them at every start."""
    from frkg.publish import publication

    publication.save(publication.Publication.build(kg), folder)


class _LoadProgress:
    """A progress bar (by bytes read) on a terminal; otherwise one line per file."""

    def __init__(self, files: list) -> None:
        self.tty = sys.stderr.isatty()
        self.total = 0
        for path in files:
            try:
                self.total += path.stat().st_size
            except OSError:
                pass  # the loader says what is wrong with it
        self._bar = None
        self._shown = 0  # bytes the bar shows
        self._read = 0  # bytes read so far
        self._by_bytes = False  # the loader reports bytes as it reads (else whole files)

    def __enter__(self) -> _LoadProgress:
        if self.tty:
            self._bar = click.progressbar(
                length=max(self.total, 1), label="loading", file=sys.stderr, show_eta=True
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def advance(self, nbytes: int) -> None:
        """``nbytes`` more were read."""
        self._by_bytes = True
        self._read += nbytes
        # Redrawn at most every half percent: the parser reads a few kilobytes at a time.
        if self._read - self._shown >= self.total // 200:
            self._show(self._read)

    def file_done(self, item: store.LoadedFile) -> None:
        """One more file is in."""
        if self._bar is None:
            _print_loaded(item)
            return
        if not self._by_bytes:
            try:
                self._read += item.path.stat().st_size
            except OSError:
                pass
        self._show(self._read)

    def _show(self, position: int) -> None:
        if self._bar is not None and position > self._shown:
            self._bar.update(position - self._shown)
            self._shown = position

    def abort(self) -> None:
        """Close the bar before an error is printed."""
        self.__exit__(None, None, None)
