"""Citizens read the process: the activity log, the research "gitbook", the discussion, ORID records, decisions."""

from __future__ import annotations

import functools

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.exceptions import AgoraError
from app.extensions import db, limiter
from app.models import OridPart
from app.process import bp
from app.security.ids import parse_id
from app.services import privacy
from app.services.issues import get_issue_by_slug
from app.services.participants import get_or_create_participant
from app.services.participation.policy import check_can_write
from app.services.permissions import is_facilitator
from app.services.process import activity, decisions, discussion, orid, research
from app.services.rate_limits import participant_key, statement_limit


@bp.get("/issues/<slug>/activity")
def activity_log(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template(
        "process/activity.html", issue=issue, entries=activity.entries(issue), describe=activity.describe
    )


@bp.get("/issues/<slug>/research")
def research_list(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("process/research_list.html", issue=issue, documents=research.documents(issue))


@bp.get("/issues/<slug>/research/<int:document_id>")
@bp.get("/issues/<slug>/research/<int:document_id>/revisions/<int:number>")
def research_document(slug: str, document_id: int, number: int | None = None):
    issue = get_issue_by_slug(slug)
    document = research.get_document(issue, document_id)
    revision = research.get_revision(document, number) if number is not None else document.latest
    return render_template("process/research_document.html", issue=issue, document=document, revision=revision)


@bp.get("/issues/<slug>/research/<int:document_id>/diff/<int:old>/<int:new>")
def research_diff(slug: str, document_id: int, old: int, new: int):
    issue = get_issue_by_slug(slug)
    document = research.get_document(issue, document_id)
    before, after = research.get_revision(document, old), research.get_revision(document, new)
    return render_template(
        "process/research_diff.html",
        issue=issue,
        document=document,
        before=before,
        after=after,
        lines=research.diff_lines(before, after),
    )


@bp.get("/issues/<slug>/discussion")
def topics(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("process/topics.html", issue=issue, topics=discussion.topics(issue))


@bp.get("/issues/<slug>/discussion/<int:topic_id>")
def topic(slug: str, topic_id: int):
    issue = get_issue_by_slug(slug)
    return _render_topic(issue, discussion.get_topic(issue, topic_id))


def _render_topic(issue, topic, error: str | None = None, draft: str = "", parent_id: int | None = None):
    staff = is_facilitator(current_user)
    page = parse_id(request.args.get("page")) or 1
    return render_template(
        "process/topic.html",
        issue=issue,
        topic=topic,
        thread=discussion.thread_page(topic, staff=staff, page=page),
        error=error,
        draft=draft,
        error_parent_id=parent_id,
        staff=staff,
        pseudonym=functools.partial(privacy.pseudonym, issue.id),
    )


@bp.post("/issues/<slug>/discussion/<int:topic_id>/replies")
@limiter.limit(statement_limit, key_func=participant_key)
def reply(slug: str, topic_id: int):
    """Anyone may reply, anonymously or logged in; strict issues hold replies for moderation."""
    issue = get_issue_by_slug(slug)
    topic = discussion.get_topic(issue, topic_id)
    body = request.form.get("body", "")
    raw_parent = request.form.get("parent_id") or None
    parent_id = parse_id(raw_parent) if raw_parent else None
    try:
        check_can_write(issue)
        if raw_parent and parent_id is None:
            raise AgoraError("post_not_found", _("We could not find the reply you are answering."), 404)
        participant = get_or_create_participant()
        post = discussion.reply(topic, participant_id=participant.id, body=body, parent_id=parent_id)
        db.session.commit()
    except AgoraError as error:
        db.session.rollback()
        # A parent that cannot be answered has no form on the page: show the message on the topic's form.
        shown_at = None if error.code in {"post_not_found", "thread_too_deep"} else parent_id
        return _render_topic(issue, topic, error.message, body, shown_at), error.status
    if discussion.is_visible(post, issue):
        flash(_("Your reply was posted."), "success")
    else:
        flash(_("Your reply will appear once a moderator has accepted it."), "success")
    return redirect(url_for("process.topic", slug=issue.slug, topic_id=topic.id) + f"#post-{post.id}")


@bp.get("/issues/<slug>/meetings")
def meetings(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("process/meetings.html", issue=issue, records=orid.records(issue), parts=list(OridPart))


@bp.get("/issues/<slug>/decisions")
def decision_record(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("process/decisions.html", issue=issue, proposals=decisions.proposals(issue))
