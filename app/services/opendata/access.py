"""Who may have an issue's open data, under which license, and the README that says so."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app.exceptions import AgoraError
from app.extensions import db
from app.models import DEFAULT_LICENSE, STAGE_ORDER, Issue, IssueStatus, OpenDataSettings, Stage
from app.services.issues import issue_not_found
from app.services.visibility import viewer_is_staff

#: SPDX id -> (name, URL) of the licenses facilitators choose from.
LICENSES: dict[str, tuple[str, str]] = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": (
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC0-1.0": ("CC0 1.0 Universal (public domain dedication)", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-BY-1.0": ("Open Data Commons Attribution License v1.0", "https://opendatacommons.org/licenses/by/1-0/"),
}


def settings_for(issue: Issue) -> OpenDataSettings:
    """The issue's settings; an unsaved row with the defaults when the facilitators set none."""
    found = db.session.get(OpenDataSettings, issue.id)
    return found or OpenDataSettings(issue_id=issue.id, license=DEFAULT_LICENSE, public_from_stage=None)


def is_draft(issue: Issue) -> bool:
    """Draft issues are not public at all."""
    return issue.status is IssueStatus.DRAFT


def require_public_issue(issue: Issue) -> None:
    """Draft issues are 404 to everyone but staff (``get_issue`` already refuses them; this guards
    the frozen reports, which are found by their own id)."""
    if is_draft(issue) and not viewer_is_staff():
        raise issue_not_found()


def export_is_public(issue: Issue, settings: OpenDataSettings | None = None) -> bool:
    """Whether everyone may download the export now (not only staff)."""
    if is_draft(issue):
        return False
    hold = (settings or settings_for(issue)).public_from_stage
    return hold is None or STAGE_ORDER.index(issue.current_stage) >= STAGE_ORDER.index(Stage(hold))


def require_export(issue: Issue) -> None:
    """A 404 for anyone who may not have the export yet (staff always may)."""
    if viewer_is_staff():
        return
    if not export_is_public(issue):
        raise AgoraError("export_not_found", _("This issue's open data is not published yet."), 404)


def license_of(issue: Issue) -> tuple[str, str, str]:
    """(SPDX id, name, URL) of the issue's license."""
    spdx = settings_for(issue).license
    name, url = LICENSES.get(spdx, (spdx, ""))
    return spdx, name, url


LICENSE_CHOICES = [(spdx, name) for spdx, (name, _url) in LICENSES.items()]


def readme(issue: Issue, url: str, generated_at: datetime, files: list[str]) -> str:
    """README.md of an export: what it is, its license, its attribution, the file formats."""
    spdx, name, license_url = license_of(issue)
    lines = [
        f"# {issue.title}",
        "",
        f"Open data of the Agora issue {url}, exported {generated_at.isoformat(timespec='seconds')} "
        "in the pol.is openData layout (github.com/compdemocracy/openData).",
        "",
        "## License",
        "",
        f"{name} ({spdx}){': ' + license_url if license_url else ''}",
    ]
    if issue.attribution:
        lines += ["", "## Attribution", "", issue.attribution.strip()]
    lines += [
        "",
        "## Files",
        "",
        "UTF-8 CSV, one header row (summary.csv has none). `timestamp` is milliseconds since the Unix epoch (UTC);",
        "`datetime` is the same instant in the site's time zone. Votes: 1 agree, -1 disagree, 0 pass.",
        "",
    ]
    described = {
        "comments.csv": "one row per statement; moderated: 1 accepted, 0 not yet moderated, -1 rejected; "
        "agrees/disagrees count vote events.",
        "votes.csv": "every vote event (a changed vote has several rows), by comment, voter and time.",
        "participants-votes.csv": "each participant's current votes, one column per comment; "
        "group-id from the current opinion map (empty: not on the map).",
        "summary.csv": "key,value pairs about the conversation.",
        "comment-groups.csv": "per statement and opinion group: votes, agrees, disagrees, passes "
        "(pol.is report export layout; group a is group id 0).",
    }
    lines += [f"- `{file}`: {described[file]}" for file in files]
    return "\n".join(lines) + "\n"
