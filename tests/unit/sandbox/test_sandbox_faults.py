import pytest

from vendorcast.sandbox.faults import Fault, FaultInjector
from vendorcast.sandbox.settings import FaultSettings


def draws(settings: FaultSettings, seed: int, kind: Fault, n: int = 200) -> list[bool]:
    injector = FaultInjector(settings, seed)
    return [injector.hits(kind) for _ in range(n)]


def test_faults_are_deterministic_given_the_seed():
    settings = FaultSettings.realistic()
    assert draws(settings, 7, Fault.THROTTLE) == draws(settings, 7, Fault.THROTTLE)
    assert draws(settings, 7, Fault.THROTTLE) != draws(settings, 8, Fault.THROTTLE)


def test_each_kind_has_its_own_stream():
    settings = FaultSettings.realistic()
    injector = FaultInjector(settings, 7)
    mixed = []
    for _ in range(200):
        injector.hits(Fault.SERVER_ERROR)
        mixed.append(injector.hits(Fault.THROTTLE))
    assert mixed == draws(settings, 7, Fault.THROTTLE)


def test_rates_are_honoured():
    hits = draws(FaultSettings(throttle_rate=0.1), 1, Fault.THROTTLE, 5000)
    assert 0.08 < sum(hits) / len(hits) < 0.12
    assert not any(draws(FaultSettings.none(), 1, Fault.THROTTLE))


def test_only_the_first_documents_are_truncated():
    injector = FaultInjector(FaultSettings(truncated_documents=2), 1)
    assert [injector.take_truncation() for _ in range(4)] == [True, True, False, False]


def test_presets():
    assert FaultSettings.preset("none") == FaultSettings()
    realistic = FaultSettings.preset("realistic")
    assert (realistic.throttle_rate, realistic.server_error_rate, realistic.truncated_documents) == (
        0.1,
        0.05,
        1,
    )
    assert FaultSettings.preset("heavy").lost_notification_rate > realistic.lost_notification_rate
    with pytest.raises(ValueError, match="realistic"):
        FaultSettings.preset("chaos")
