"""What every function of the deployment reads from the environment the stacks (or the local runtime) set: its
required variables, the config, the SP-API sessions on the shared rate-limit table, the lake bucket."""

from __future__ import annotations

import os

import boto3
from aws_lambda_powertools.utilities import parameters

from vendorcast.clock import Clock
from vendorcast.config import ConfigError, VendorcastConfig, config_from_json, load_config
from vendorcast.lake.storage import LakeStorage
from vendorcast.resources import ENV_CONFIG_FILE, ENV_CONFIG_PARAMETER, ENV_LAKE_BUCKET, ENV_RATE_LIMIT_TABLE
from vendorcast.spapi.client import SpApiEndpoints
from vendorcast.spapi.sessions import SpApiSessions


def required_env(name: str) -> str:
    """The value of an environment variable the stacks set, or ConfigError naming it."""
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"environment variable {name} is not set; the stacks set it on each function that uses "
                          "it (vendorcast/resources.py lists them): deploy again, or set it to call a handler by hand")
    return value


def config_from_environment() -> VendorcastConfig:
    """The config from the SSM parameter the stack wrote (or a TOML file, for the CLI)."""
    if os.environ.get(ENV_CONFIG_FILE):
        return load_config(os.environ[ENV_CONFIG_FILE])
    return config_from_json(parameters.get_parameter(required_env(ENV_CONFIG_PARAMETER), max_age=300))


def spapi_sessions_from_environment(clock: Clock) -> SpApiSessions:
    """SP-API sessions drawing on the token buckets every function shares (the rate-limit table): a function that
    kept its own buckets would spend the selling partner's quota twice."""
    table_name = required_env(ENV_RATE_LIMIT_TABLE)
    return SpApiSessions(clock, SpApiEndpoints.from_environment(), boto3.resource("dynamodb").Table(table_name))


def lake_from_environment() -> LakeStorage:
    """The lake bucket as a filesystem, where boto3 finds it (the AWS emulator locally)."""
    return LakeStorage.s3_from_environment(required_env(ENV_LAKE_BUCKET))


__all__ = ["config_from_environment", "lake_from_environment", "required_env", "spapi_sessions_from_environment"]
