"""What the JSON API accepts and returns: every field explicit, so the OpenAPI schema is the contract."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from pollwatch.results.models import ForensicsRun, PublishedPoll

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_OFFSET = 1_000_000_000
MAX_ID = 2**63 - 1
# Codes may hold anything printable; control characters (PostgreSQL refuses NUL) are refused.
CODE_PATTERN = r"^[^\x00-\x1f\x7f]+$"

# Spelled out for the OpenAPI schema; a test checks they match the models' choices.
SubmissionStatus = Literal["accepted", "partial", "verified", "quarantined", "rejected"]
IncidentStatus = Literal["new", "confirmed", "resolved", "rejected"]


class Error(Schema):
    detail: str = Field(description="what went wrong")


class ValidationIssue(Schema):
    type: str
    loc: list[str | int]
    msg: str = Field(description="the reason, e.g. 'Input should be less than or equal to 1000'")


class ValidationErrors(Schema):
    detail: list[ValidationIssue]


def _limit() -> Any:
    return Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows per page, 1 to {MAX_LIMIT}")


def _offset() -> Any:
    return Field(0, ge=0, le=MAX_OFFSET, description="rows to skip (prefer `after` for long lists)")


def _code(description: str) -> Any:
    return Field(None, min_length=1, max_length=64, pattern=CODE_PATTERN, description=description)


class StationQuery(Schema):
    limit: int = _limit()
    offset: int = _offset()
    after: str | None = _code("keyset paging: stations whose code sorts after this one")
    area: str | None = _code("only stations in this area (any level) and the areas below it")


class ReportQuery(Schema):
    limit: int = _limit()
    offset: int = _offset()
    after: int | None = Field(
        None, ge=0, le=MAX_ID, description="keyset paging: rows whose id is greater than this"
    )
    station: str | None = _code("only reports from the station with this code")


class SubmissionQuery(ReportQuery):
    status: SubmissionStatus | None = None
    form: str | None = _code("only submissions of the form with this code, e.g. OP")


class IncidentQuery(ReportQuery):
    status: IncidentStatus | None = None
    severity: int | None = Field(
        None, ge=1, le=4, description="at least this severity: 1 low, 2 medium, 3 high, 4 critical"
    )


class ResultQuery(Schema):
    limit: int = _limit()
    offset: int = _offset()
    after: str | None = _code("keyset paging: results of stations whose code sorts after this one")
    area: str | None = _code("only stations in this area (any level) and the areas below it")


class Reach(Schema):
    stations: bool = Field(description="may list stations (within the role's reach)")
    reports: bool = Field(description="may list submissions and incidents (within reach)")
    analysis: bool = Field(description="may read estimates, official results and forensics")


class ElectionOut(Schema):
    slug: str
    name: str
    date: datetime.date
    kind: str
    status: str
    country_code: str
    roles: list[str] = Field(description="the user's roles in the election")
    reach: Reach


class StationOut(Schema):
    code: str
    name: str
    area_code: str
    area_path: str
    registered_voters: int
    latitude: float | None
    longitude: float | None
    newly_included: bool
    abroad: bool
    special: str


class Page(Schema):
    limit: int
    offset: int
    next: str | None = Field(description="the next page (keyset link), or null on the last page")


class StationPage(Page):
    items: list[StationOut]


class SubmissionOut(Schema):
    id: int
    client_uuid: str
    form_code: str
    form_version: int
    form_kind: str
    station_code: str
    observer_code: str
    source: str
    status: str
    revision: int
    conflict: bool
    critical: list[Any]
    problems: list[Any]
    answers: dict[str, Any]
    observed_at: datetime.datetime | None
    created: datetime.datetime
    updated: datetime.datetime


class SubmissionPage(Page):
    items: list[SubmissionOut]


class IncidentOut(Schema):
    id: int
    submission_id: int
    form_code: str
    station_code: str
    observer_code: str
    severity: int = Field(description="1 low, 2 medium, 3 high, 4 critical")
    severity_label: str
    status: str
    summary: str
    created: datetime.datetime


class IncidentPage(Page):
    items: list[IncidentOut]


class OfficialResultOut(Schema):
    station_code: str
    registered: int | None
    ballots_issued: int | None
    ballots_cast: int | None
    invalid: int | None
    valid: int | None
    votes: dict[str, Any] = Field(description="{candidate code: votes}")
    flags: list[Any] = Field(description="arithmetic inconsistencies of the protocol")


class OfficialResultPage(Page):
    items: list[OfficialResultOut]


class PublishedPollOut(Schema):
    id: int
    source: str
    kind: str = Field(description=", ".join(PublishedPoll.Kind.values))
    announced_at: datetime.datetime | None
    shares: dict[str, Any] = Field(description="{candidate code: percent of valid votes}")
    turnout: float | None
    url: str
    note: str
    created: datetime.datetime


class ForensicsOut(Schema):
    id: int
    status: str = Field(description=f"always {ForensicsRun.Status.DONE!r}")
    stations: int
    replicates: int
    created: datetime.datetime
    finished: datetime.datetime | None
    result: dict[str, Any] = Field(description="every test's figures, as the forensics page shows")


class CandidateOut(Schema):
    code: str
    name: str
    party: str
    colour: str


class EstimateOut(Schema):
    estimate: float | None
    se: float | None
    ci: list[float | None] = Field(description="[low, high] at the stated confidence")


class LeadOut(EstimateOut):
    first: str
    second: str


class CallOut(Schema):
    status: str = Field(description="decided, too close, or not enough data")
    reason: str
    z: float | None
    threshold: float
    reported_fraction: float | None
    stable: bool | None


class QuickCountScope(Schema):
    """The figures of one scope: the nation, or one region (in ``by``)."""

    shares: dict[str, EstimateOut] | None = None
    turnout: EstimateOut | None = None
    invalid: EstimateOut | None = None
    lead: LeadOut | None = None
    call: CallOut | None = None
    stations: int | None = None
    sampled_stations: int | None = None
    strata: dict[str, Any] | None = None
    warnings: list[str] = []
    method: str | None = None


class QuickCountOut(QuickCountScope):
    available: bool
    reason: str | None = Field(None, description="why there is no estimate yet")
    candidates: list[CandidateOut]
    sampled: int
    received: int
    frame_stations: int
    confidence: float
    by: dict[str, QuickCountScope] | None = Field(None, description="per region code")
    coverage: dict[str, Any] | None = None
    convergence: list[dict[str, Any]] | None = None


class ExitPollOut(Schema):
    available: bool
    reason: str | None = Field(None, description="why there is no estimate yet")
    candidates: list[CandidateOut]
    stations_polled: int
    confidence: float
    shares: dict[str, EstimateOut] | None = None
    lead: LeadOut | None = None
    call: CallOut | None = None
    design_effect: dict[str, float | None] | None = None
    intracluster_correlation: dict[str, float | None] | None = None
    respondents: int | None = None
    stations: int | None = None
    mean_respondents_per_station: float | None = None
    raking: dict[str, Any] | None = None
    within_precinct_error: dict[str, Any] | None = None
    warnings: list[str] = []
    refusals: int | None = None
    refusal_rate: float | None = None
