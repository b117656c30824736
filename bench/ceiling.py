"""The framework ceiling: a trivial Flask app that returns fixed bytes, on frkg's own server setup.

    python -m bench.ceiling --port 8001 --bodies /ttl=DIR:text/turtle --bodies /html=DIR2:text/html

Each ``--bodies PREFIX=DIR:TYPE`` serves every file of DIR at ``PREFIX/<file name>``, with that
Content-Type, bytes read once at start. It runs under :func:`frkg.web.server.run`, the same
gunicorn configuration as ``frkg serve`` (gthread, preload, the same workers and threads), so the
difference between the two is what frkg's own work costs per request. ``bench/run.py`` fills the
folders with real documents of the served data, so both send the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, Response, abort

from frkg.config import Settings
from frkg.web import server


def create_app(folders: dict[str, tuple[dict[str, bytes], str]]) -> Flask:
    """An app answering ``PREFIX/<name>`` with the fixed bytes of that name under each prefix."""
    app = Flask(__name__)
    for prefix, (bodies, content_type) in folders.items():

        def view(name: str, bodies=bodies, content_type=content_type) -> Response:
            body = bodies.get(name)
            if body is None:
                abort(404)
            return Response(body, content_type=content_type)

        app.add_url_rule(f"{prefix}/<name>", endpoint=prefix, view_func=view)
    return app


@click.command()
@click.option("--port", type=int, required=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--bodies", "specs", multiple=True, required=True, metavar="PREFIX=DIR:TYPE", help="Repeatable."
)
def main(port: int, host: str, specs: tuple[str, ...]) -> None:
    """Serve fixed bodies with the workers and threads ``frkg serve`` would use."""
    folders = {}
    for spec in specs:
        prefix, rest = spec.split("=", 1)
        folder, content_type = rest.rsplit(":", 1)
        bodies = {p.name: p.read_bytes() for p in Path(folder).iterdir() if p.is_file()}
        folders[prefix] = (bodies, content_type)
    settings = Settings.from_env()
    app = create_app(folders)
    app.config["FRKG_SETTINGS"] = settings
    # The gunicorn settings frkg serve uses (no front, no reload: fixed bytes).
    options = server.Options(
        host=host,
        port=port,
        workers=settings.workers,
        threads=settings.threads,
        graceful_timeout=settings.graceful_timeout,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    server.run(app, options)


if __name__ == "__main__":
    main()
