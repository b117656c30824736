"""Settings are declared once and documented in docs/configuration.md: the two must agree."""

from __future__ import annotations

import re

import pytest

from frkg.cli import main
from frkg.config import Settings, documented_settings, env_name

from doc_examples import page_text


def documented_in_the_table() -> set[str]:
    text = page_text("docs/configuration.md")
    return set(re.findall(r"^\| `(FRKG_[A-Z_]+)` \|", text, flags=re.M))


def test_every_setting_is_in_the_configuration_table_and_nothing_else():
    assert documented_in_the_table() == {env for env, _, _ in documented_settings()}


def test_the_settings_frkg_serve_has_no_flag_for_are_the_ones_the_page_names():
    flagged = {env_name(param.name) for param in main.commands["serve"].params}
    intro = page_text("docs/configuration.md").split("\n| variable |", 1)[0]
    named = set(re.findall(r"`(FRKG_[A-Z_]+)`", intro)) - {"FRKG_BASE_IRI"}
    settings = {env for env, _, _ in documented_settings()}
    assert flagged <= settings
    assert named == settings - flagged


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"FRKG_PORT": "9001", "FRKG_DATA": "a:b", "FRKG_HOST": "0.0.0.0"}
    s = Settings.from_env(env, host="127.0.0.2")
    assert (s.port, s.data, s.host) == (9001, ["a", "b"], "127.0.0.2")
    assert s.serving_base == "http://127.0.0.2:9001/"


def test_bad_environment_value_is_named():
    with pytest.raises(ValueError, match="FRKG_PORT='eighty' is not a valid int"):
        Settings.from_env({"FRKG_PORT": "eighty"})
