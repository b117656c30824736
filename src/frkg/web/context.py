"""Access to the loaded knowledge graph and settings from inside a request."""

from __future__ import annotations

from flask import current_app

from frkg.config import Settings
from frkg.store import KnowledgeGraph


def knowledge_graph() -> KnowledgeGraph:
    """The knowledge graph the app was created with."""
    return current_app.extensions["frkg"]


def settings() -> Settings:
    """The settings the app was created with."""
    return current_app.config["FRKG_SETTINGS"]
