"""Answer first, build the discovery indexes after: `frkg serve`'s start-up (issue 17).

The per-load indexes of :class:`~frkg.publish.publication.Publication` (dataset index, dumps,
VoID, search, class lists, overview, references) take seconds per 100k triples to build, while
queries and entity pages need only the store and the describer. So over large data `frkg serve`
forks its workers at once over a lazy publication (a part a worker is asked for before then is
built by that worker, for itself), and the gunicorn master builds every part afterwards. Then
it replaces its workers by fresh ones forked from itself (``rotate_workers`` of frkg's arbiter, as
gunicorn's own reload does: new workers first, then the old ones stopped gracefully; SIGHUP now
means "reload the data"), which share everything it built, copy-on-write,
as they would have if it had been built before the first fork.

The master builds from a ``SIGALRM`` handler, in its main thread, once every first worker is
forked: so no thread of the master ever runs while it forks. Nothing here imports Flask or
gunicorn: the arbiter is used through the attributes it documents for hooks and the one
method frkg's arbiter adds.
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable
from typing import Any

from frkg.publish.publication import Publication

#: Seconds between checks that every first worker has been forked.
POLL_SECONDS = 0.1


def in_master(publication: Publication) -> Callable[[Any], None]:
    """A gunicorn ``when_ready`` hook: build ``publication`` in the master once its first workers
    run, then have gunicorn replace them by workers forked from the warm master."""

    def when_ready(arbiter: Any) -> None:
        def build(signum: int, frame: Any) -> None:
            if len(arbiter.WORKERS) < arbiter.num_workers:
                signal.setitimer(signal.ITIMER_REAL, POLL_SECONDS)  # still forking
                return
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            publication.warm()
            # As before the first fork (frkg.web.server): what was built lives as long as the
            # server, so the cyclic collector stops walking it and workers keep it shared.
            gc.collect()
            gc.freeze()
            arbiter.rotate_workers()  # frkg.web.server: fresh workers, then the old ones stop

        signal.signal(signal.SIGALRM, build)
        signal.setitimer(signal.ITIMER_REAL, POLL_SECONDS)

    return when_ready


def in_worker() -> None:
    """A post-fork hook: a worker does not inherit the master's build trigger."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
