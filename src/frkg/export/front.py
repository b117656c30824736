"""nginx as an event-driven front for ``frkg serve``: its configuration, and running it.

gunicorn's threaded workers read a request's headers and body in a worker thread, so a few
dozen clients that send slowly hold every thread (measured in docs/operating.md). nginx reads
requests in an event loop, within read timeouts, and hands frkg only complete ones. The same
configuration balances over several instances (:func:`config` with more than one upstream),
retrying idempotent requests on the next instance when one fails. Nothing here imports Flask.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

NGINX = "nginx"


class FrontError(Exception):
    """nginx is missing, or would not start with the configuration; the message says why."""


@dataclass(frozen=True)
class FrontOptions:
    """What the front configuration says besides where it listens and what it proxies to."""

    header_timeout: float = 10.0
    body_timeout: float = 10.0
    send_timeout: float = 30.0
    keepalive_timeout: float = 15.0
    read_timeout: float = 60.0
    connect_timeout: float = 2.0
    fail_timeout: float = 2.0
    max_body_kb: int = 1024
    header_buffer_kb: int = 96
    worker_processes: str = "1"
    worker_connections: int = 4096
    error_level: str = "error"


def _quoted(value: str) -> str:
    if "$" in value or '"' in value or "\n" in value:
        raise FrontError(f"a path nginx cannot be given: {value!r}")
    return f'"{value}"'


_ENV = Environment(
    loader=PackageLoader("frkg.export", "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["q"] = _quoted


def _seconds(value: float) -> str:
    return f"{value:g}"


def config(
    listen: str, upstreams: list[str], prefix: Path, options: FrontOptions | None = None
) -> str:
    """nginx.conf for a front listening on ``listen`` (nginx's ``listen`` syntax) over the
    ``upstreams`` (``host:port`` of each ``frkg serve``), run from the folder ``prefix``."""
    if not upstreams:
        raise FrontError("a front needs at least one frkg instance to proxy to")
    options = options or FrontOptions()
    seconds = {
        name: _seconds(getattr(options, name))
        for name in (
            "header_timeout",
            "body_timeout",
            "send_timeout",
            "keepalive_timeout",
            "read_timeout",
            "connect_timeout",
            "fail_timeout",
        )
    }
    return _ENV.get_template("nginx-front.conf.j2").render(
        listen=listen,
        upstreams=upstreams,
        prefix=str(prefix),
        # Started as root, nginx's workers drop to an unprivileged user.
        user="nobody nogroup" if os.geteuid() == 0 else None,
        max_body_kb=options.max_body_kb,
        header_buffer_kb=options.header_buffer_kb,
        worker_processes=options.worker_processes,
        worker_connections=options.worker_connections,
        error_level=options.error_level,
        **seconds,
    )


def write(
    listen: str, upstreams: list[str], prefix: Path, options: FrontOptions | None = None
) -> Path:
    """Write ``prefix/nginx.conf`` (and the folders nginx wants there); return its path."""
    prefix = prefix.resolve()
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / folder).mkdir(parents=True, exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(config(listen, upstreams, prefix, options), encoding="utf-8")
    return path


def nginx_binary() -> str:
    """The nginx executable (Debian's, installed by scripts/setup.sh)."""
    found = shutil.which(NGINX) or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise FrontError("nginx is not installed (Debian: apt-get install nginx)")
    return found


def command(conf: Path) -> list[str]:
    """The command line that runs nginx in the foreground with ``conf``."""
    return [nginx_binary(), "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"]


def check(conf: Path) -> None:
    """Raise :class:`FrontError` with nginx's own words unless ``nginx -t`` accepts ``conf``."""
    tested = subprocess.run(
        [nginx_binary(), "-t", "-q", "-p", str(conf.parent), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if tested.returncode != 0:
        raise FrontError(f"nginx refused {conf}: {tested.stderr.strip()}")
