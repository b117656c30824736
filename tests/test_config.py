"""Settings are declared once and documented in the README: the two must agree."""

from __future__ import annotations

import re

import pytest

from frkg.config import Settings, documented_settings

from conftest import ROOT


def readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(FRKG_[A-Z_]+)` \|", text, flags=re.M))


def test_every_setting_is_in_the_readme_and_nothing_else():
    assert readme_settings() == {env for env, _, _ in documented_settings()}


def test_environment_overrides_defaults_and_flags_override_environment():
    env = {"FRKG_PORT": "9001", "FRKG_DATA": "a:b", "FRKG_HOST": "0.0.0.0"}
    s = Settings.from_env(env, host="127.0.0.2")
    assert (s.port, s.data, s.host) == (9001, ["a", "b"], "127.0.0.2")
    assert s.serving_base == "http://127.0.0.2:9001/"


def test_bad_environment_value_is_named():
    with pytest.raises(ValueError, match="FRKG_PORT='eighty' is not a valid int"):
        Settings.from_env({"FRKG_PORT": "eighty"})
