"""Console: research documents, discussion topics, ORID meeting records and the decision record."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from app.console import bp
from app.console.forms import DecisionForm, OridForm, ResearchForm, TopicForm
from app.exceptions import AgoraError
from app.extensions import db
from app.i18n import to_local, to_utc
from app.models import DecisionOutcome, OridPart
from app.services import moderation
from app.services.issues import get_issue_by_slug
from app.services.labels import group_label
from app.services.permissions import current_user_id
from app.services.process import decisions, discussion, orid, research


def _committed(form, save, message: str, target: str):
    """Run ``save`` and commit once; an AgoraError re-shows the form with the message."""
    try:
        save()
        db.session.commit()
    except AgoraError as error:
        db.session.rollback()
        flash(error.message, "error")
        return None, error.status
    flash(message, "success")
    return redirect(target), None


# Research documents -------------------------------------------------------------------------


@bp.get("/issues/<slug>/research")
def research_list(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("console/research_list.html", issue=issue, documents=research.documents(issue))


@bp.route("/issues/<slug>/research/new", methods=["GET", "POST"])
def research_new(slug: str):
    issue = get_issue_by_slug(slug)
    form = ResearchForm()
    if form.validate_on_submit():
        response, status = _committed(
            form,
            lambda: research.publish(
                issue,
                title=form.title.data.strip(),
                body=form.body.data,
                summary=form.summary.data or "",
                actor_id=current_user_id(),
            ),
            _("The research document was published."),
            url_for("console.research_list", slug=issue.slug),
        )
        if response:
            return response
    status = 400 if form.is_submitted() else 200
    return render_template("console/research_form.html", issue=issue, form=form, document=None), status


@bp.route("/issues/<slug>/research/<int:document_id>", methods=["GET", "POST"])
def research_edit(slug: str, document_id: int):
    issue = get_issue_by_slug(slug)
    document = research.get_document(issue, document_id)
    form = ResearchForm(data={"title": document.latest.title, "body": document.latest.body} if not _posted() else None)
    status = 200
    if form.validate_on_submit():
        response, status = _committed(
            form,
            lambda: research.revise(
                issue,
                document,
                title=form.title.data.strip(),
                body=form.body.data,
                summary=form.summary.data or "",
                actor_id=current_user_id(),
            ),
            _("A new revision was saved."),
            url_for("console.research_list", slug=issue.slug),
        )
        if response:
            return response
    elif form.errors:
        status = 400
    return render_template("console/research_form.html", issue=issue, form=form, document=document), status


def _posted() -> bool:
    return request.method == "POST"


# Discussion topics -------------------------------------------------------------------------


@bp.route("/issues/<slug>/topics", methods=["GET", "POST"])
def topics(slug: str):
    issue = get_issue_by_slug(slug)
    form = TopicForm()
    if form.validate_on_submit():
        discussion.open_topic(
            issue, title=form.title.data.strip(), body=form.body.data or "", actor_id=current_user_id()
        )
        db.session.commit()
        flash(_("The topic was opened."), "success")
        return redirect(url_for("console.topics", slug=issue.slug))
    return render_template(
        "console/topics.html", issue=issue, form=form, topics=discussion.topics(issue)
    ), 400 if form.errors else 200


def _statement_choices(issue) -> list[SelectChoice]:
    return [SelectChoice(s.id, f"#{s.id} {s.text[:80]}") for s in moderation.all_statements(issue)]


# ORID records -----------------------------------------------------------------------------


def _orid_choices(issue, form: OridForm) -> None:
    statement_choices = _statement_choices(issue)
    group_choices = [
        SelectChoice(g["id"], _("Group %(label)s", label=group_label(g["id"]))) for g in orid.latest_groups(issue)
    ]
    for part in OridPart:
        getattr(form, f"{part.value}_statements").choices = statement_choices
        getattr(form, f"{part.value}_groups").choices = group_choices


@bp.get("/issues/<slug>/meetings")
def orid_list(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("console/orid_list.html", issue=issue, records=orid.records(issue))


@bp.route("/issues/<slug>/meetings/new", methods=["GET", "POST"])
@bp.route("/issues/<slug>/meetings/<int:record_id>", methods=["GET", "POST"])
def orid_edit(slug: str, record_id: int | None = None):
    issue = get_issue_by_slug(slug)
    record = orid.get_record(issue, record_id) if record_id is not None else None
    if record is not None and not _posted():
        data = {"title": record.title, "held_at": to_local(record.held_at)}
        for part in OridPart:
            data[part.value] = getattr(record, part.value)
            data[f"{part.value}_statements"] = [
                link.statement_id for link in record.links_for(part) if link.statement_id
            ]
            data[f"{part.value}_groups"] = [
                link.group_id for link in record.links_for(part) if link.group_id is not None
            ]
        form = OridForm(data=data)
    else:
        form = OridForm()
    _orid_choices(issue, form)
    status = 200
    if form.validate_on_submit():
        response, status = _committed(
            form,
            lambda: orid.save(
                issue,
                record,
                title=form.title.data.strip(),
                held_at=to_utc(form.held_at.data),
                texts={part: getattr(form, part.value).data or "" for part in OridPart},
                statement_ids={part: getattr(form, f"{part.value}_statements").data for part in OridPart},
                group_ids={part: getattr(form, f"{part.value}_groups").data for part in OridPart},
                actor_id=current_user_id(),
            ),
            _("The meeting record was saved."),
            url_for("console.orid_list", slug=issue.slug),
        )
        if response:
            return response
    elif form.errors:
        status = 400
    return render_template(
        "console/orid_form.html", issue=issue, form=form, record=record, parts=list(OridPart)
    ), status


# Decision record --------------------------------------------------------------------------


@bp.get("/issues/<slug>/decisions")
def decision_list(slug: str):
    issue = get_issue_by_slug(slug)
    return render_template("console/decision_list.html", issue=issue, proposals=decisions.proposals(issue))


@bp.route("/issues/<slug>/decisions/new", methods=["GET", "POST"])
@bp.route("/issues/<slug>/decisions/<int:proposal_id>", methods=["GET", "POST"])
def decision_edit(slug: str, proposal_id: int | None = None):
    issue = get_issue_by_slug(slug)
    proposal = decisions.get_proposal(issue, proposal_id) if proposal_id is not None else None
    if proposal is not None and not _posted():
        form = DecisionForm(
            data={
                "title": proposal.title,
                "outcome": proposal.outcome.value,
                "reasons": proposal.reasons,
                "statements": [s.id for s in proposal.statements],
            }
        )
    else:
        form = DecisionForm()
    form.statements.choices = _statement_choices(issue)
    status = 200
    if form.validate_on_submit():
        response, status = _committed(
            form,
            lambda: decisions.save(
                issue,
                proposal,
                title=form.title.data.strip(),
                outcome=DecisionOutcome(form.outcome.data),
                reasons=form.reasons.data,
                statement_ids=form.statements.data,
                actor_id=current_user_id(),
            ),
            _("The decision was recorded."),
            url_for("console.decision_list", slug=issue.slug),
        )
        if response:
            return response
    elif form.errors:
        status = 400
    return render_template("console/decision_form.html", issue=issue, form=form, proposal=proposal), status
