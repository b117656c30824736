"""The Flask application: :func:`create_app` (in :mod:`.app`) builds it; each URL space is one
blueprint module; :mod:`.respond` and :mod:`.headers` are the base every view answers through."""

from frkg.web.app import create_app

__all__ = ["create_app"]
