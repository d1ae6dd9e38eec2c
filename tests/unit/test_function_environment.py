"""What a function reads from its environment: a missing variable is one error naming it, the config comes from a
TOML file when one is named, and no function talks to SP-API without the shared token buckets."""

from __future__ import annotations

from pathlib import Path

import pytest

from vendorcast.clock import SystemClock
from vendorcast.config import ConfigError, load_config
from vendorcast.function_environment import config_from_environment, required_env, spapi_sessions_from_environment
from vendorcast.resources import ENV_CONFIG_FILE, ENV_CONFIG_PARAMETER, ENV_RATE_LIMIT_TABLE

EXAMPLE = Path(__file__).parents[2] / "vendorcast.example.toml"


def test_a_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_CONFIG_PARAMETER, raising=False)
    with pytest.raises(ConfigError, match=f"environment variable {ENV_CONFIG_PARAMETER} is not set"):
        required_env(ENV_CONFIG_PARAMETER)
    monkeypatch.setenv(ENV_CONFIG_PARAMETER, "")
    with pytest.raises(ConfigError, match=ENV_CONFIG_PARAMETER):
        required_env(ENV_CONFIG_PARAMETER)


def test_the_config_comes_from_a_named_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONFIG_FILE, str(EXAMPLE))
    monkeypatch.delenv(ENV_CONFIG_PARAMETER, raising=False)
    assert config_from_environment() == load_config(EXAMPLE)


def test_without_a_config_file_or_parameter_the_error_names_the_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_CONFIG_FILE, raising=False)
    monkeypatch.delenv(ENV_CONFIG_PARAMETER, raising=False)
    with pytest.raises(ConfigError, match=ENV_CONFIG_PARAMETER):
        config_from_environment()


def test_sp_api_sessions_need_the_shared_rate_limit_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # In-process token buckets would let each function spend the selling partner's whole quota on its own.
    monkeypatch.delenv(ENV_RATE_LIMIT_TABLE, raising=False)
    with pytest.raises(ConfigError, match=ENV_RATE_LIMIT_TABLE):
        spapi_sessions_from_environment(SystemClock())
