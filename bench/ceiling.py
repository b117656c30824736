"""The framework ceiling: a trivial Flask app that returns fixed bytes, on frkg's own server setup.

    python -m bench.ceiling --port 8001 --body /ttl=doc.ttl:text/turtle --body /h=p.html:text/html

Each ``--body PATH=FILE:TYPE`` serves the bytes of FILE at PATH with that Content-Type. It runs
under :func:`frkg.web.server.run`, the same gunicorn configuration as ``frkg serve`` (gthread,
preload, the same workers and threads), so the difference between the two is what frkg's own
work costs per request. ``bench/run.py`` starts it with real documents of the served data, so
both send the same number of bytes.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, Response

from frkg.config import Settings
from frkg.web import server


def create_app(bodies: dict[str, tuple[bytes, str]]) -> Flask:
    """An app answering each path of ``bodies`` with its fixed bytes and content type."""
    app = Flask(__name__)
    for path, (body, content_type) in bodies.items():

        def view(body: bytes = body, content_type: str = content_type) -> Response:
            return Response(body, content_type=content_type)

        app.add_url_rule(path, endpoint=path, view_func=view)
    return app


@click.command()
@click.option("--port", type=int, required=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--body", "bodies", multiple=True, required=True, metavar="PATH=FILE:TYPE", help="Repeatable."
)
def main(port: int, host: str, bodies: tuple[str, ...]) -> None:
    """Serve fixed bodies with the workers and threads ``frkg serve`` would use."""
    table = {}
    for spec in bodies:
        path, rest = spec.split("=", 1)
        file, content_type = rest.rsplit(":", 1)
        table[path] = (Path(file).read_bytes(), content_type)
    settings = Settings.from_env()
    server.run(create_app(table), host, port, settings.workers, settings.threads)


if __name__ == "__main__":
    main()
