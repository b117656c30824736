"""Access to the loaded knowledge graph, settings and per-load indexes from inside a request."""

from __future__ import annotations

from flask import current_app

from frkg.config import Settings
from frkg.publish.describe import Describer
from frkg.publish.ontology_view import OntologyView
from frkg.publish.publication import Publication
from frkg.store import KnowledgeGraph


def knowledge_graph() -> KnowledgeGraph:
    """The knowledge graph the app was created with."""
    return current_app.extensions["frkg"]


def settings() -> Settings:
    """The settings the app was created with."""
    return current_app.config["FRKG_SETTINGS"]


def describer() -> Describer:
    """The describer of the loaded knowledge graph (labels and indexes built once per load)."""
    return current_app.extensions["frkg.describer"]


def ontology_view() -> OntologyView:
    """The ontology reference, built once per load."""
    return current_app.extensions["frkg.publication"].ontology


def publication() -> Publication:
    """The discovery layer's indexes and documents (dumps, VoID, search, browse), built once."""
    return current_app.extensions["frkg.publication"]
