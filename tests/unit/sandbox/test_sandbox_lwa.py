from vendorcast.sandbox.lwa import NOTIFICATIONS_SCOPE, SELLING_PARTNER, LoginWithAmazon
from vendorcast.sandbox.settings import SandboxSettings

SETTINGS = SandboxSettings()
GOOD = {
    "grant_type": "refresh_token",
    "refresh_token": SETTINGS.refresh_token,
    "client_id": SETTINGS.lwa_client_id,
    "client_secret": SETTINGS.lwa_client_secret,
}


def test_the_refresh_token_is_exchanged_for_an_access_token():
    lwa = LoginWithAmazon(SETTINGS)
    status, body = lwa.exchange(GOOD)
    assert status == 200
    assert body["access_token"].startswith("Atza|") and body["token_type"] == "bearer"
    assert body["expires_in"] == 3600 and body["refresh_token"] == SETTINGS.refresh_token
    assert lwa.grant(body["access_token"]) == SELLING_PARTNER
    assert lwa.grant("Atza|forged") is None
    assert lwa.grant(None) is None


def test_wrong_client_credentials_are_invalid_client():
    status, body = LoginWithAmazon(SETTINGS).exchange({**GOOD, "client_secret": "wrong"})
    assert status == 401 and body["error"] == "invalid_client"


def test_a_wrong_refresh_token_is_invalid_grant():
    status, body = LoginWithAmazon(SETTINGS).exchange({**GOOD, "refresh_token": "Atzr|other"})
    assert status == 400 and body["error"] == "invalid_grant" and body["error_description"]


def test_grantless_tokens_need_a_known_scope():
    lwa = LoginWithAmazon(SETTINGS)
    grantless = {k: v for k, v in GOOD.items() if k != "refresh_token"} | {"grant_type": "client_credentials"}
    status, body = lwa.exchange({**grantless, "scope": "sellingpartnerapi::notifications"})
    assert status == 200 and "refresh_token" not in body
    # The token remembers its grant: the emulator refuses it where a selling partner's token is needed.
    assert lwa.grant(body["access_token"]) == NOTIFICATIONS_SCOPE
    assert lwa.exchange({**grantless, "scope": "anything"})[1]["error"] == "invalid_scope"
    assert lwa.exchange({**GOOD, "grant_type": "password"})[1]["error"] == "unsupported_grant_type"
