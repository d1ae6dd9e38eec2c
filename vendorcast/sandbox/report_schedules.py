"""Report schedules as the Reports API 2021-06-30 model defines them: a report type, marketplaces, options and one
of Amazon's ISO 8601 periods; a new schedule for the same type and marketplaces replaces the old one (reference
§2.7); a due schedule creates its report, which carries the schedule's id."""

from __future__ import annotations

import calendar
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict

from vendorcast.clock import Clock
from vendorcast.sandbox.report_rules import amazon_report_type
from vendorcast.sandbox.wire import invalid_input, list_param, not_found, parse_datetime, timestamp

# The periods the model's CreateReportScheduleSpecification allows, in its order.
SCHEDULE_PERIODS = ("PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "PT4H", "PT8H", "PT12H", "P1D", "P2D", "P3D", "PT84H",
                    "P7D", "P14D", "P15D", "P18D", "P30D", "P1M")
_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")

# Creates a report from a CreateReportSpecification-like body for a schedule id; returns the report id.
CreateReport = Callable[[dict[str, Any], str], str]


def next_creation(moment: datetime, period: str) -> datetime:
    """`moment` moved on by one schedule period (P1M: the same day of the next month, or its last day)."""
    if period == "P1M":
        year, month = divmod(moment.month, 12)
        year, month = moment.year + year, month + 1
        return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
    parts = _DURATION.match(period)
    assert parts is not None, period  # SCHEDULE_PERIODS only
    return moment + timedelta(days=int(parts["days"] or 0), hours=int(parts["hours"] or 0),
                              minutes=int(parts["minutes"] or 0))


@dataclass
class _Schedule:
    schedule_id: str
    report_type: str
    marketplace_ids: tuple[str, ...]
    options: dict[str, str] | None
    period: str
    next_creation: datetime

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reportScheduleId": self.schedule_id, "reportType": self.report_type,
                               "marketplaceIds": list(self.marketplace_ids), "period": self.period,
                               "nextReportCreationTime": timestamp(self.next_creation)}
        if self.options is not None:
            out["reportOptions"] = self.options
        return out


class ReportSchedules:
    """The schedules of the emulator; `create_due` makes the reports of every schedule whose time has come."""

    def __init__(self, clock: Clock, create_report: CreateReport) -> None:
        self._clock = clock
        self._create_report = create_report
        self._lock = threading.Lock()
        self._schedules: dict[str, _Schedule] = {}

    def create(self, body: Any) -> str:
        if not isinstance(body, dict):
            raise invalid_input("The request body must be a JSON object (CreateReportScheduleSpecification)")
        missing = [name for name in ("reportType", "marketplaceIds", "period") if name not in body]
        if missing:
            raise invalid_input(f"{', '.join(missing)} required (CreateReportScheduleSpecification)")
        try:
            amazon_report_type(body["reportType"])
        except ValueError as exc:
            raise invalid_input(str(exc)) from None
        marketplace_ids = body["marketplaceIds"]
        if (not isinstance(marketplace_ids, list) or not 1 <= len(marketplace_ids) <= 25
                or not all(isinstance(m, str) for m in marketplace_ids)):
            raise invalid_input("marketplaceIds must be an array of 1 to 25 marketplace identifiers")
        if body["period"] not in SCHEDULE_PERIODS:
            raise invalid_input(f"period {body['period']!r} is not one of {', '.join(SCHEDULE_PERIODS)}")
        options = body.get("reportOptions")
        if options is not None and (not isinstance(options, dict)
                                    or not all(isinstance(v, str) for v in options.values())):
            raise invalid_input("reportOptions must be a JSON object whose values are strings")
        now = self._clock.now()
        first = body.get("nextReportCreationTime")
        schedule = _Schedule(str(uuid.uuid4()), body["reportType"], tuple(marketplace_ids), options, body["period"],
                             parse_datetime("nextReportCreationTime", first) if isinstance(first, str) else now)
        with self._lock:
            # A schedule for the same report type and marketplaces cancels and replaces the one before (§2.7).
            self._schedules = {key: s for key, s in self._schedules.items()
                               if (s.report_type, set(s.marketplace_ids)) != (schedule.report_type,
                                                                               set(schedule.marketplace_ids))}
            self._schedules[schedule.schedule_id] = schedule
        return schedule.schedule_id

    def schedules(self, args: MultiDict) -> dict[str, Any]:
        types = list_param(args, "reportTypes")
        if not 1 <= len(types) <= 10:
            raise invalid_input("reportTypes must name 1 to 10 report types")
        with self._lock:
            return {"reportSchedules": [s.json() for s in self._schedules.values() if s.report_type in types]}

    def schedule(self, schedule_id: str) -> dict[str, Any]:
        with self._lock:
            found = self._schedules.get(schedule_id)
            if found is None:
                raise not_found(f"Report schedule {schedule_id} was not found")
            return found.json()

    def cancel(self, schedule_id: str) -> None:
        with self._lock:
            if self._schedules.pop(schedule_id, None) is None:
                raise not_found(f"Report schedule {schedule_id} was not found")

    def create_due(self) -> None:
        """Create the report of every schedule whose next creation time has passed (each missed time once)."""
        now = self._clock.now()
        due: list[tuple[str, dict[str, Any]]] = []
        with self._lock:
            for schedule in self._schedules.values():
                while schedule.next_creation <= now:
                    body: dict[str, Any] = {"reportType": schedule.report_type,
                                            "marketplaceIds": list(schedule.marketplace_ids)}
                    if schedule.options is not None:
                        body["reportOptions"] = schedule.options
                    due.append((schedule.schedule_id, body))
                    schedule.next_creation = next_creation(schedule.next_creation, schedule.period)
        for schedule_id, body in due:
            self._create_report(body, schedule_id)
