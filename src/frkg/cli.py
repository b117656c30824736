"""The ``frkg`` command line: serve, validate, query, export, stats."""

from __future__ import annotations

import sys

import click

from frkg import __version__, store
from frkg.config import Settings


def _paths_option(name: str, help: str):
    return click.option(f"--{name}", multiple=True, metavar="PATH", help=help)


def _print_loaded(item: store.LoadedFile) -> None:
    click.echo(
        f"loaded {item.path} ({item.kind}): {item.triples} triples in {item.seconds * 1000:.0f} ms",
        err=True,
    )


def load_or_exit(settings: Settings) -> store.KnowledgeGraph:
    """Load the knowledge graph, printing one line per file; exit 2 with the reason on failure."""
    try:
        return store.load(settings, progress=_print_loaded)
    except store.LoadError as e:
        click.echo(f"error: {e}", err=True)
        click.echo("error: nothing was served; fix the file above and try again", err=True)
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
@_paths_option("ontology", "Ontology file or folder [FRKG_ONTOLOGY, ontology].")
@_paths_option("data", "Data file or folder [FRKG_DATA, data].")
@_paths_option("shapes", "Shapes file or folder [FRKG_SHAPES, shapes].")
def serve(**options) -> None:
    """Load the knowledge graph and serve it over HTTP with gunicorn."""
    from frkg.web import create_app, server

    try:
        settings = Settings.from_env(**options)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    kg = load_or_exit(settings)
    app = create_app(settings, kg)
    click.echo(
        f"frkg {__version__}: {kg.triple_count} triples from {len(kg.files)} files, "
        f"data version {kg.version}",
        err=True,
    )
    if settings.serving_base != settings.listen_url:
        click.echo(f"publishing IRIs under {settings.serving_base}", err=True)
    click.echo(
        f"serving at {settings.listen_url}  (open it in a browser; Ctrl-C to stop)", err=True
    )
    server.run(app, settings.host, settings.port, settings.workers, settings.threads)


@main.command("validate")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text for people; json (schema in README) or turtle (the SHACL report) for machines.",
)
@_paths_option("ontology", "Ontology file or folder [FRKG_ONTOLOGY, ontology].")
@_paths_option("shapes", "Shapes file or folder [FRKG_SHAPES, shapes].")
def validate_command(paths: tuple[str, ...], output_format: str, ontology, shapes) -> None:
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
        report = validation.validate(settings)
    except (store.LoadError, validation.ValidationError) as e:
        click.echo(f"error: {e}", err=True)
        click.echo("error: nothing was validated; fix the file above and try again", err=True)
        sys.exit(2)
    if output_format == "json":
        click.echo(json.dumps(validation.to_json(report), indent=2, ensure_ascii=False))
    elif output_format == "turtle":
        click.echo(validation.to_turtle(report), nl=False)
    else:
        click.echo(validation.to_text(report), nl=False)
    sys.exit(0 if report.conforms else 1)
