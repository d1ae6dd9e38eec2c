"""Regions: the pipeline's sessions go to the marketplace's regional endpoint (Amazon's by default, an emulator per
region locally) and to the one token endpoint; an emulator answers only for its region's marketplaces, each from its
own history and in its own currency; emulators of several regions share Login with Amazon."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import httpx
import pytest
from click.testing import CliRunner
from sp_api.api import Reports

from vendorcast.cli import cli
from vendorcast.clock import ScaledClock
from vendorcast.config import parse_config
from vendorcast.resources import ENV_LWA_TOKEN_URL, ENV_SPAPI_ENDPOINT
from vendorcast.sandbox.server import LWA_TOKEN_PATH, SandboxServer
from vendorcast.sandbox.settings import SandboxSettings
from vendorcast.spapi.client import SpApiEndpoints, SpApiSession

SIM_START = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
UK, DE, JP = "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A1VC38T7YXB528"


def _account(name: str, region: str, marketplace_ids: list[str]):
    return parse_config({"accounts": [{"name": name, "region": region, "marketplace_ids": marketplace_ids,
                                       "secret_name": f"vendorcast/{name}/spapi", "backfill_start": "2026-01-04"}]
                         }).accounts[0]


def test_a_session_calls_its_regions_production_endpoint_and_the_one_token_host(monkeypatch) -> None:
    for name in (ENV_SPAPI_ENDPOINT, f"{ENV_SPAPI_ENDPOINT}_EU", f"{ENV_SPAPI_ENDPOINT}_FE", ENV_LWA_TOKEN_URL):
        monkeypatch.delenv(name, raising=False)
    credentials = {"refresh_token": "Atzr|x", "lwa_app_id": "amzn1.application-oa2-client.x",
                   "lwa_client_secret": "secret"}
    for account, host in ((_account("acme-eu", "EU", [UK, DE]), "sellingpartnerapi-eu.amazon.com"),
                          (_account("acme-jp", "FE", [JP]), "sellingpartnerapi-fe.amazon.com")):
        client = SpApiSession(account, account.marketplace_ids[0], credentials=credentials).client(Reports)
        assert urlsplit(client.endpoint).netloc == host
        assert client._auth.scheme + client._auth.host + client._auth.path == "https://api.amazon.com/auth/o2/token"


def test_regional_overrides_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(ENV_SPAPI_ENDPOINT, "http://127.0.0.1:1")
    monkeypatch.setenv(f"{ENV_SPAPI_ENDPOINT}_EU", "http://127.0.0.1:2")
    endpoints = SpApiEndpoints.from_environment()
    assert endpoints.api_url_for("EU") == "http://127.0.0.1:2"
    assert endpoints.api_url_for("FE") == "http://127.0.0.1:1"


def test_an_emulator_settings_span_one_region() -> None:
    with pytest.raises(ValueError, match="span the SP-API regions EU, FE"):
        SandboxSettings(marketplace_ids=(UK, JP))


@pytest.fixture
def eu_and_fe(start_sandbox):
    # Slow enough that a document URL (valid 300 simulated seconds) outlives a loaded machine's pauses.
    clock = ScaledClock.starting_at(SIM_START, scale=60)
    eu = start_sandbox(SandboxSettings(seed=3, n_asins=8, history_start=date(2024, 1, 1), marketplace_ids=(UK, DE)),
                       clock)
    fe = SandboxServer(SandboxSettings(seed=4, n_asins=8, history_start=date(2024, 1, 1), marketplace_ids=(JP,)),
                       eu.clock, lwa=eu.lwa)
    with fe:
        yield eu, fe


def _token(server: SandboxServer) -> str:
    settings = server.settings
    answer = httpx.post(server.base_url + LWA_TOKEN_PATH, data={
        "grant_type": "refresh_token", "refresh_token": settings.refresh_token,
        "client_id": settings.lwa_client_id, "client_secret": settings.lwa_client_secret})
    return answer.json()["access_token"]


def _create(server: SandboxServer, token: str, marketplace_id: str) -> httpx.Response:
    return httpx.post(server.base_url + "/reports/2021-06-30/reports", headers={"x-amz-access-token": token}, json={
        "reportType": "GET_VENDOR_SALES_REPORT", "marketplaceIds": [marketplace_id],
        "dataStartTime": "2025-06-01T00:00:00Z", "dataEndTime": "2025-06-07T23:59:59Z",
        "reportOptions": {"reportPeriod": "WEEK", "distributorView": "MANUFACTURING", "sellingProgram": "RETAIL"}})


def _document(server: SandboxServer, token: str, report_id: str) -> dict:
    headers = {"x-amz-access-token": token}
    for _ in range(200):
        report = httpx.get(f"{server.base_url}/reports/2021-06-30/reports/{report_id}", headers=headers).json()
        if report["processingStatus"] == "DONE":
            break
        server.clock.sleep(10)
    document = httpx.get(f"{server.base_url}/reports/2021-06-30/documents/{report['reportDocumentId']}",
                         headers=headers).json()
    return json.loads(gzip.decompress(httpx.get(document["url"]).content))


def test_each_region_serves_its_own_marketplaces_with_one_login(eu_and_fe) -> None:
    eu, fe = eu_and_fe
    token = _token(eu)  # Login with Amazon is one service: the FE endpoint takes the same token
    wrong = _create(fe, token, DE)
    assert wrong.status_code == 400
    assert "served by the EU endpoint https://sellingpartnerapi-eu.amazon.com, not this FE one" in wrong.text
    documents = {m: _document(server, token, _create(server, token, m).json()["reportId"])
                 for server, m in ((eu, UK), (eu, DE), (fe, JP))}
    currencies = {m: {row["orderedRevenue"]["currencyCode"] for row in doc["salesByAsin"]}
                  for m, doc in documents.items()}
    assert currencies == {UK: {"GBP"}, DE: {"EUR"}, JP: {"JPY"}}
    asins = {m: {row["asin"] for row in doc["salesByAsin"]} for m, doc in documents.items()}
    assert not asins[UK] & asins[DE], "each marketplace has its own simulated history"


def test_sandbox_serve_refuses_marketplaces_of_two_regions() -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--marketplaces", f"{UK},{JP}"])
    assert result.exit_code == 2
    assert "--marketplaces: marketplaces A1F83G8C2ARO7P, A1VC38T7YXB528 span the SP-API regions EU, FE" in result.output
