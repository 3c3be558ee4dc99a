"""Import a pol.is export in the openData layout.

comments.csv plus votes.csv (or participants-votes.csv when votes.csv is absent).

Everything is parsed and checked first, then written with bulk inserts in one transaction, so a
malformed folder stores nothing and a 50k-vote export takes seconds.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from app.extensions import db
from app.models import (
    Issue,
    ModerationStatus,
    Participant,
    Stage,
    Statement,
    Vote,
    VoteEvent,
    utcnow,
)
from app.security.ids import MAX_ID, parse_int
from app.security.text import is_blank, text_problem
from app.services.statements import normalize_statement

_MODERATION = {
    -1: ModerationStatus.REJECTED,
    0: ModerationStatus.UNMODERATED,
    1: ModerationStatus.ACCEPTED,
}
_VOTES = {-1, 0, 1}
_BATCH = 5_000


class PolisImportError(Exception):
    """A malformed export; the message names the file and, where it applies, the line."""


@dataclass
class PolisComment:
    tid: int
    author_pid: int | None
    text: str
    moderated: int
    created_at: datetime
    is_seed: bool = False
    is_meta: bool = False


@dataclass
class PolisExport:
    comments: list[PolisComment] = field(default_factory=list)
    # (timestamp, voter pid, comment tid, value), in file order.
    events: list[tuple[datetime, int, int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    issue_id: int
    statements: int
    participants: int
    voters: int
    events: int
    votes: int


def read_export(folder: Path) -> PolisExport:
    """Parse and check the export in ``folder``; raise PolisImportError naming the file and line."""
    if not folder.is_dir():
        raise PolisImportError(f"{folder}: not a folder")
    export = PolisExport(comments=_read_comments(folder / "comments.csv"))
    tids = {comment.tid for comment in export.comments}
    if (folder / "votes.csv").exists():
        export.events = _read_votes(folder / "votes.csv", tids)
    elif (folder / "participants-votes.csv").exists():
        export.events = _read_participants_votes(folder / "participants-votes.csv", tids)
    else:
        raise PolisImportError(f"{folder}: neither votes.csv nor participants-votes.csv is present")
    return export


def import_export(export: PolisExport, *, slug: str, title: str, **issue_fields: object) -> ImportSummary:
    """Create the issue, participants, statements, vote events and current votes (the caller commits)."""
    issue = Issue(
        slug=slug,
        title=title,
        current_stage=issue_fields.pop("current_stage", Stage.VOTING),
        **issue_fields,
    )
    db.session.add(issue)
    db.session.flush()

    pids = sorted({c.author_pid for c in export.comments if c.author_pid is not None} | {e[1] for e in export.events})
    participant_ids = _insert_returning_ids(Participant, [{"xid": f"polis:{slug}:{pid}"} for pid in pids], key="xid")
    pid_to_id = {pid: participant_ids[f"polis:{slug}:{pid}"] for pid in pids}

    statement_rows = []
    seen: set[str] = set()
    for comment in export.comments:
        normalized = normalize_statement(comment.text)
        if normalized in seen:
            # pol.is allowed the same text twice; keep both, but unique for Agora's duplicate check.
            normalized = f"{normalized} [polis:{comment.tid}]"
        seen.add(normalized)
        statement_rows.append(
            {
                "issue_id": issue.id,
                "author_id": pid_to_id.get(comment.author_pid) if comment.author_pid is not None else None,
                "text": comment.text,
                "normalized_text": normalized,
                "created_at": comment.created_at,
                "moderation_status": _MODERATION[comment.moderated],
                "is_seed": comment.is_seed,
                "is_meta": comment.is_meta,
                "polis_tid": comment.tid,
            }
        )
    tid_to_id = _insert_returning_ids(Statement, statement_rows, key="polis_tid")

    # Events in time order (stable for equal timestamps) so that vote_event ids follow time.
    ordered = sorted(export.events, key=lambda event: event[0])
    event_rows = [
        {
            "issue_id": issue.id,
            "participant_id": pid_to_id[pid],
            "statement_id": tid_to_id[tid],
            "value": value,
            "created_at": at,
        }
        for at, pid, tid, value in ordered
    ]
    latest: dict[tuple[int, int], tuple[datetime, int]] = {}
    for at, pid, tid, value in ordered:
        latest[(pid, tid)] = (at, value)  # later rows win: the current vote is the latest event
    vote_rows = [
        {
            "issue_id": issue.id,
            "participant_id": pid_to_id[pid],
            "statement_id": tid_to_id[tid],
            "value": value,
            "updated_at": at,
        }
        for (pid, tid), (at, value) in latest.items()
    ]
    _bulk_insert(VoteEvent, event_rows)
    _bulk_insert(Vote, vote_rows)
    return ImportSummary(
        issue_id=issue.id,
        statements=len(statement_rows),
        participants=len(pids),
        voters=len({pid for pid, _tid in latest}),
        events=len(event_rows),
        votes=len(vote_rows),
    )


def _insert_returning_ids(model, rows: list[dict], *, key: str) -> dict:
    """Bulk insert and map each row's ``key`` value to its new id (RETURNING, batched)."""
    ids = {}
    column = getattr(model, key)
    for start in range(0, len(rows), _BATCH):
        result = db.session.execute(insert(model).returning(column, model.id), rows[start : start + _BATCH])
        ids.update(dict(result.tuples().all()))
    return ids


def _bulk_insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), _BATCH):
        db.session.execute(insert(model), rows[start : start + _BATCH])


def _rows(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row of a CSV file whose header has the required columns."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolisImportError(f"{path}: file not found") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
            missing = [name for name in required if name not in header]
            if missing:
                raise PolisImportError(f"{path}, line 1: missing column(s) {', '.join(missing)}")
            line = reader.line_num
            for row in reader:
                if None in row or any(value is None for value in row.values()):
                    raise PolisImportError(f"{path}, line {line + 1}: wrong number of fields")
                yield line + 1, row
                line = reader.line_num
        except (csv.Error, UnicodeDecodeError) as error:
            raise PolisImportError(f"{path}, line {reader.line_num}: {error}") from None


def _int(path: Path, line: int, name: str, raw: str, allowed: set[int] | None = None, maximum: int = MAX_ID) -> int:
    value = parse_int(raw, maximum=maximum)
    if value is None:
        raise PolisImportError(f"{path}, line {line}: {name} {raw!r} is not an integer") from None
    if allowed is not None and value not in allowed:
        choices = ", ".join(str(v) for v in sorted(allowed))
        raise PolisImportError(f"{path}, line {line}: {name} {raw!r} is not one of {choices}")
    return value


def _timestamp(path: Path, line: int, raw: str) -> datetime:
    """openData timestamps are epoch milliseconds (older tools wrote seconds; both are accepted)."""
    value = _int(path, line, "timestamp", raw, maximum=2**63 - 1)
    seconds = value / 1000 if value > 100_000_000_000 else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise PolisImportError(f"{path}, line {line}: timestamp {raw!r} is out of range") from None


def _flag(row: dict[str, str], name: str) -> bool:
    return row.get(name, "").strip().lower() in {"1", "true", "t"}


def _read_comments(path: Path) -> list[PolisComment]:
    comments: dict[int, PolisComment] = {}
    required = ["timestamp", "comment-id", "author-id", "moderated", "comment-body"]
    for line, row in _rows(path, required):
        tid = _int(path, line, "comment-id", row["comment-id"])
        if tid in comments:
            raise PolisImportError(f"{path}, line {line}: comment-id {tid} appears twice")
        text = row["comment-body"]
        moderated = _int(path, line, "moderated", row["moderated"], set(_MODERATION))
        # pol.is exports keep a rejected comment's row even when its text was emptied
        # (football-concussions has one); it is never shown, so only shown text must exist.
        if (is_blank(text) and moderated != -1) or text_problem(text) is not None:
            raise PolisImportError(f"{path}, line {line}: comment-body is empty or not text")
        author = row["author-id"].strip()
        comments[tid] = PolisComment(
            tid=tid,
            author_pid=_int(path, line, "author-id", author) if author else None,
            text=text,
            moderated=moderated,
            created_at=_timestamp(path, line, row["timestamp"]),
            is_seed=_flag(row, "is-seed"),
            is_meta=_flag(row, "is-meta"),
        )
    if not comments:
        raise PolisImportError(f"{path}: no comments")
    return sorted(comments.values(), key=lambda comment: comment.tid)


def _read_votes(path: Path, tids: set[int]) -> list[tuple[datetime, int, int, int]]:
    events = []
    for line, row in _rows(path, ["timestamp", "comment-id", "voter-id", "vote"]):
        tid = _int(path, line, "comment-id", row["comment-id"])
        if tid not in tids:
            raise PolisImportError(f"{path}, line {line}: comment-id {tid} is not in comments.csv")
        events.append(
            (
                _timestamp(path, line, row["timestamp"]),
                _int(path, line, "voter-id", row["voter-id"]),
                tid,
                _int(path, line, "vote", row["vote"], _VOTES),
            )
        )
    return events


def _read_participants_votes(path: Path, tids: set[int]) -> list[tuple[datetime, int, int, int]]:
    """The final vote matrix: one event per cell, dated at import (the export has no times)."""
    now = utcnow()
    events = []
    for line, row in _rows(path, ["participant"]):
        pid = _int(path, line, "participant", row["participant"])
        for column, cell in row.items():
            tid = parse_int(column, minimum=0, maximum=MAX_ID)
            if tid is None or not cell.strip():
                continue
            if tid not in tids:
                raise PolisImportError(f"{path}, line 1: column {column} is not a comment-id in comments.csv")
            events.append((now, pid, tid, _int(path, line, f"vote for comment {tid}", cell, _VOTES)))
    return events
