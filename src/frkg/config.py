"""Settings: defaults <- ``FRKG_*`` environment <- CLI flags, declared once here.

Every field carries its environment variable and a one-line help text; docs/configuration.md's
configuration table documents the same names (``tests/test_config.py`` keeps them in step).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _setting(default: Any, help: str, **kwargs: Any) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help, **kwargs})
    return field(default=default, metadata={"help": help, **kwargs})


@dataclass(frozen=True)
class Settings:
    """Everything frkg can be configured with."""

    base_iri: str = _setting(
        "",
        "Base IRI the server publishes under; empty means http://HOST:PORT/. "
        "Production sets https://w3id.org/frkg/.",
    )
    host: str = _setting("127.0.0.1", "Interface `frkg serve` listens on.")
    port: int = _setting(8000, "Port `frkg serve` listens on.")
    workers: int = _setting(2, "Server worker processes.")
    threads: int = _setting(8, "Threads per worker process.")
    forwarded_allow_ips: str = _setting(
        "",
        "Front proxies (comma-separated IP addresses or networks, or *) whose SCRIPT_NAME and "
        "X-Forwarded-* request headers `frkg serve` trusts; empty trusts none, so no client can "
        "move the paths links and redirects are written under.",
    )
    front: str = _setting(
        "",
        "nginx: `frkg serve` starts Debian's nginx on HOST:PORT in front of its own workers, so "
        "slow clients wait in nginx's event loop, not in a worker thread; empty serves directly.",
    )
    front_header_timeout: float = _setting(
        10.0, "Seconds the front gives a client to send a request's whole headers; then it closes."
    )
    front_body_timeout: float = _setting(
        10.0, "Seconds the front waits on each read of a request's body before it answers 408."
    )
    log_format: str = _setting(
        "none", "Access log on stderr, one line per request: none, text or json."
    )
    watch: bool = _setting(
        False,
        "Reload the data, without downtime, when a file under FRKG_ONTOLOGY, FRKG_DATA or "
        "FRKG_SHAPES changes (SIGHUP always reloads).",
    )
    listen_early: bool = _setting(
        False,
        "`frkg serve` listens at once and answers 503 (loading) while the data loads in the "
        "background (validated as for a reload); a load that fails exits with status 2.",
    )
    graceful_timeout: float = _setting(
        20.0,
        "Seconds a stopping server (SIGTERM) or a replaced worker (reload) has to finish the "
        "requests in flight.",
    )
    ontology: list[str] = _setting(["ontology"], "Ontology Turtle files or folders.")
    data: list[str] = _setting(["data"], "Data Turtle files or folders.")
    shapes: list[str] = _setting(["shapes"], "SHACL shapes Turtle files or folders.")
    store: str = _setting(
        "",
        "Folder of an on-disk store built by `frkg load --store`; `frkg serve` opens it "
        "read-only instead of loading the files.",
    )
    sparql_endpoint: str = _setting(
        "",
        "URL of a SPARQL 1.1 endpoint holding what `frkg load --nquads` wrote; `frkg serve` "
        "reads the data from it instead of loading the files.",
    )
    sparql_timeout: float = _setting(
        10.0,
        "Seconds a SPARQL query may run; then its worker process is killed and the answer is 503.",
    )
    backend_timeout: float = _setting(
        5.0,
        "Seconds one lookup for a page may wait on the SPARQL endpoint (FRKG_SPARQL_ENDPOINT) "
        "before the page answers 503; queries sent to /sparql have FRKG_SPARQL_TIMEOUT.",
    )
    sparql_result_cap: int = _setting(
        10000,
        "Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) one SPARQL answer carries; "
        "a longer answer is cut and says so in the FRKG-Results-Truncated header.",
    )
    sparql_max_query_length: int = _setting(
        65536, "Longest SPARQL query accepted, in bytes of UTF-8; longer ones get 413."
    )
    sparql_max_concurrent: int = _setting(
        2,
        "SPARQL queries one server worker process runs at once; one more waits for a slot "
        "(FRKG_SPARQL_QUEUE_WAIT), then gets 429 with Retry-After. Must be below FRKG_THREADS, "
        "so entity pages always have a thread.",
    )
    sparql_queue_wait: float = _setting(
        0.5,
        "Seconds a SPARQL query waits for a free query slot when all are busy; then it gets 429 "
        "with Retry-After. 0 refuses at once.",
    )
    sparql_result_max_bytes: int = _setting(
        64 * 2**20,
        "Most bytes one SPARQL answer carries, in any format; a longer answer is cut to the rows "
        "or triples that fit and says so in the FRKG-Results-Truncated header.",
    )
    sparql_worker_memory_mb: int = _setting(
        1024,
        "Megabytes a SPARQL query worker's address space may grow by while it runs a query; a "
        "query that needs more is stopped with 503 and only its worker is replaced.",
    )
    sparql_worker_recycle_mb: int = _setting(
        256,
        "Megabytes of memory a SPARQL query worker may gain and keep; past that it is replaced "
        "by a fresh one after its query.",
    )
    index_background_above: int = _setting(
        20000,
        "Triples above which `frkg serve` answers before its discovery indexes (dumps, VoID, "
        "search, class lists, the home page's overview) are built: it builds them once serving, "
        "then replaces its workers by ones that share them. 0: always; below: built first.",
    )
    response_cache_mb: int = _setting(
        64,
        "Megabytes of entity documents and pages each server worker process keeps to send "
        "again without rebuilding them; 0 turns this cache off.",
    )

    def __post_init__(self) -> None:
        if self.store and self.sparql_endpoint:
            raise ValueError("FRKG_STORE and FRKG_SPARQL_ENDPOINT name two stores: choose one")
        if self.sparql_endpoint and not self.sparql_endpoint.startswith(("http://", "https://")):
            raise ValueError(f"FRKG_SPARQL_ENDPOINT={self.sparql_endpoint!r} is not an http(s) URL")
        # The SPARQL limits are what keeps the endpoint safe: refuse values that would disarm them.
        if self.sparql_timeout <= 0:
            raise ValueError("FRKG_SPARQL_TIMEOUT must be a positive number of seconds")
        if self.sparql_queue_wait < 0:
            raise ValueError("FRKG_SPARQL_QUEUE_WAIT must be 0 (no queue) or a number of seconds")
        if self.sparql_result_cap < 1 or self.sparql_max_query_length < 1:
            raise ValueError("FRKG_SPARQL_RESULT_CAP and FRKG_SPARQL_MAX_QUERY_LENGTH must be >= 1")
        if min(self.sparql_result_max_bytes, self.sparql_worker_memory_mb) < 1 or (
            self.sparql_worker_recycle_mb < 1
        ):
            raise ValueError(
                "FRKG_SPARQL_RESULT_MAX_BYTES, FRKG_SPARQL_WORKER_MEMORY_MB and "
                "FRKG_SPARQL_WORKER_RECYCLE_MB must be >= 1"
            )
        for address in self.forwarded_allow_ips.split(","):
            if address.strip() not in ("", "*"):
                try:
                    ipaddress.ip_network(address.strip())
                except ValueError:
                    raise ValueError(
                        f"FRKG_FORWARDED_ALLOW_IPS: {address.strip()!r} is not an IP address or "
                        "network (such as 10.0.0.5 or 10.0.0.0/24), nor *"
                    ) from None
        if self.front not in ("", "nginx"):
            raise ValueError(f"FRKG_FRONT={self.front!r}: use nginx, or leave it empty")
        if self.log_format not in ("none", "text", "json"):
            raise ValueError(f"FRKG_LOG_FORMAT={self.log_format!r}: use none, text or json")
        if min(self.front_header_timeout, self.front_body_timeout, self.backend_timeout) <= 0:
            raise ValueError(
                "FRKG_FRONT_HEADER_TIMEOUT, FRKG_FRONT_BODY_TIMEOUT and FRKG_BACKEND_TIMEOUT "
                "must be positive numbers of seconds"
            )
        if self.graceful_timeout < 0:
            raise ValueError("FRKG_GRACEFUL_TIMEOUT must be 0 or more seconds")
        if self.index_background_above < 0:
            raise ValueError("FRKG_INDEX_BACKGROUND_ABOVE must be a number of triples, 0 or more")
        if self.response_cache_mb < 0:
            raise ValueError("FRKG_RESPONSE_CACHE_MB must be 0 (off) or a positive number")
        if not 1 <= self.sparql_max_concurrent < self.threads:
            raise ValueError(
                f"FRKG_SPARQL_MAX_CONCURRENT={self.sparql_max_concurrent} must be at least 1 and "
                f"below FRKG_THREADS={self.threads}, so that SPARQL never holds every thread"
            )

    @property
    def serving_base(self) -> str:
        """The base IRI actually served: ``base_iri`` or one derived from host and port."""
        if self.base_iri:
            return self.base_iri if self.base_iri.endswith("/") else self.base_iri + "/"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def listen_url(self) -> str:
        """The URL to open in a browser: where the server listens, whatever base it publishes.

        A wildcard host (``0.0.0.0``, ``::``) is shown as the loopback address, which reaches it.
        """
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``FRKG_*`` variables from ``environ``, then non-None ``overrides``."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(env_name(f.name))
            if raw is not None and raw != "":
                values[f.name] = _convert(f, raw)
        values.update({k: v for k, v in overrides.items() if v is not None and v != ()})
        for name, value in values.items():
            if isinstance(value, tuple):
                values[name] = list(value)
        return cls(**values)


def env_name(field_name: str) -> str:
    """The environment variable of a setting: ``FRKG_`` + its upper-cased name."""
    return "FRKG_" + field_name.upper()


def documented_settings() -> list[tuple[str, Any, str]]:
    """(environment variable, default, help) for every setting, in declaration order."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        rows.append((env_name(f.name), default, f.metadata["help"]))
    return rows


def _convert(f: dataclasses.Field, raw: str) -> Any:
    default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    try:
        if isinstance(default, bool):
            if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError(raw)
            return raw.lower() in {"1", "true", "yes"}
        if isinstance(default, list):
            return [p for p in raw.split(os.pathsep) if p]
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise ValueError(
            f"{env_name(f.name)}={raw!r} is not a valid {type(default).__name__}"
        ) from None
    return raw


def expand_paths(paths: list[str], suffixes: tuple[str, ...] = (".ttl",)) -> list[Path]:
    """Files named directly plus the files with one of ``suffixes`` inside named folders, sorted."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix in suffixes and q.is_file()))
        else:
            files.append(p)
    return files
