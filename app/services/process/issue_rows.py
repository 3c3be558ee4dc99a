"""Rows that belong to one issue (research documents, topics, meeting records, proposals)."""

from __future__ import annotations

from typing import Any, TypeVar

from app.exceptions import AgoraError
from app.extensions import db
from app.models import Issue

Row = TypeVar("Row")


def rows_of(issue: Issue, model: type[Row], order_by: Any = None) -> list[Row]:
    """The issue's rows of ``model``, in ``order_by`` order (by id when not given)."""
    order = order_by if order_by is not None else model.id  # type: ignore[attr-defined]
    return list(db.session.scalars(db.select(model).filter_by(issue_id=issue.id).order_by(order)))


def row_of(issue: Issue, model: type[Row], row_id: int, not_found: AgoraError) -> Row:
    """The row of ``model`` with this id if it belongs to the issue; ``not_found`` otherwise.

    A row of another issue is "not found" too: ids in URLs must not reach across issues.
    """
    row = db.session.get(model, row_id)
    if row is None or row.issue_id != issue.id:  # type: ignore[attr-defined]
        raise not_found
    return row
