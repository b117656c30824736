"""An in-process cache of whole entity responses, in front of the Flask app (WSGI middleware).

The loaded data never changes while a process serves it, so the answer to a GET of an entity's
document or page is the same bytes every time for the same request headers. Describing a thing
and rendering it costs far more than the HTTP server itself (``bench/run.py`` measures both), so
each server worker keeps the most recently used answers, up to a size in bytes, and replays them
without entering Flask.

What is cached, and what the key holds:

- only ``GET`` of ``/data/...`` and ``/page/...`` answered ``200``, without ``Set-Cookie``;
- the key is the script root, path, the query parameters these answers read
  (:data:`PARAMETERS`, in a canonical order), ``Accept`` and ``Accept-Encoding``: the only
  request parts these answers depend on (they ``Vary`` on ``Accept`` and ``Accept-Encoding``
  at most, and link with paths, never with the ``Host``);
- a request with any other query parameter goes to the app and its answer is not kept: the app
  ignores such parameters, and were they part of the key, a crawler adding ``?x=1``, ``?x=2``...
  to one page would fill the cache with copies of it and push out everything else;
- a conditional request (``If-None-Match`` and the like) or one asking for a fresh answer
  (``Cache-Control: no-cache`` or ``Pragma: no-cache``, RFC 9111 section 5.2.1.4) goes to the app,
  which evaluates it as always. ``HEAD`` goes to the app too.

An answer is kept the second time it is asked for within a while, so one pass over every entity
(a crawler) does not push out what is asked for often. Entries are evicted least recently used
first when the cache is full; one answer larger than an eighth of the cache is never kept.
Nothing here imports Flask.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

#: Path prefixes of the answers worth keeping: entity documents and pages.
CACHED_PREFIXES = ("/data/", "/page/")
#: The query parameters the views under those prefixes read: ``format`` (``/data/{slug}``) and
#: those of ``/page/{slug}/links``. A request with another one is not cached (a view that comes
#: to read a new parameter must add it here to have its answers kept; they are never wrong).
PARAMETERS = frozenset({"format", "property", "direction", "page"})
#: Request headers (WSGI keys) that send a request to the app whatever the cache holds.
BYPASS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
)

Entry = tuple[str, list[tuple[str, str]], bytes]


class ResponseCache:
    """WSGI middleware keeping whole ``200`` answers to entity GETs, at most ``max_bytes``."""

    def __init__(self, app: Callable, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Keys asked for once lately, not yet kept; forgotten all at once when it fills.
        self._seen: set[int] = set()
        self._seen_limit = 100_000
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes of body held."""
        return self._bytes

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        environ["frkg.cache"] = "hit" if entry is not None else "miss"  # for the metrics
        if entry is not None:
            status, headers, body = entry
            start_response(status, list(headers))
            return [body]
        self.misses += 1
        seen: dict = {}

        def remember(status: str, headers: list, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = self.app(environ, remember)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        self._offer(key, seen.get("status", ""), seen.get("headers", []), body)
        return [body]

    def _key(self, environ: dict) -> tuple | None:
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CACHED_PREFIXES):
            return None
        if any(h in environ for h in BYPASS):
            return None
        if "no-cache" in environ.get("HTTP_CACHE_CONTROL", "") or "no-cache" in environ.get(
            "HTTP_PRAGMA", ""
        ):
            return None
        query = environ.get("QUERY_STRING", "")
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(name not in PARAMETERS for name, _ in pairs):
                return None
            # By name, keeping the order of one name's values: ?format=a&format=b and
            # ?format=b&format=a are different requests (the first value counts).
            query = urlencode(sorted(pairs, key=lambda pair: pair[0]))
        return (
            environ.get("SCRIPT_NAME", ""),
            path,
            query,
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
        )

    def _offer(self, key: tuple, status: str, headers: list, body: bytes) -> None:
        if not status.startswith("200 ") or len(body) * 8 > self.max_bytes:
            return
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return
        with self._lock:
            if key in self._entries:
                return
            seen = hash(key)
            if seen not in self._seen:
                if len(self._seen) >= self._seen_limit:
                    self._seen.clear()
                self._seen.add(seen)
                return
            self._seen.discard(seen)
            self._entries[key] = (status, list(headers), body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (_, _, old) = self._entries.popitem(last=False)
                self._bytes -= len(old)
