"""Pages: the account's API tokens; the console's webhooks; an issue's embed settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import refuse_unless
from app.exceptions import AgoraError
from app.extensions import db
from app.integrations import bp
from app.integrations.forms import AllowListForm, EmbedSettingsForm, TokenForm, WebhookForm
from app.models import Role
from app.services.integrations import tokens, webhooks, xids
from app.services.issues import get_issue_by_slug
from app.services.permissions import current_user_id, is_facilitator

MAX_CSV_BYTES = 8 * 1024 * 1024


# --- the account's API tokens -------------------------------------------------------------------


@bp.route("/account/tokens", methods=["GET", "POST"])
def api_tokens():
    """List, create (the token is shown once, on this answer) and revoke one's API tokens."""
    refusal = refuse_unless(Role.CITIZEN, Role.FACILITATOR, Role.MINISTRY)
    if refusal is not None:
        return refusal
    form = TokenForm()
    created = None
    status = 200
    if form.validate_on_submit():
        if form.scope.data == "admin" and not is_facilitator(current_user):
            form.scope.errors.append(_("Only facilitators and admins can create admin tokens."))
            status = 400
        else:
            try:
                token, plain = tokens.create_token(current_user, form.name.data, form.scope.data)
                db.session.commit()
                created = (token, plain)
                form = TokenForm(formdata=None)
            except AgoraError as error:
                db.session.rollback()
                form.name.errors.append(error.message)
                status = error.status
    elif form.is_submitted():
        status = 400
    return render_template(
        "integrations/tokens.html", form=form, created=created, tokens=tokens.tokens_of(current_user.id)
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    refusal = refuse_unless(Role.CITIZEN, Role.FACILITATOR, Role.MINISTRY)
    if refusal is not None:
        return refusal
    token = tokens.revoke_token(current_user.id, token_id)
    db.session.commit()
    flash(_("The token “%(name)s” was revoked.", name=token.name), "success")
    return redirect(url_for("integrations.api_tokens"))


# --- the console: webhooks ----------------------------------------------------------------------


@bp.route("/console/webhooks", methods=["GET", "POST"])
def console_webhooks():
    """Register (the secret is shown once, on this answer), list and remove webhooks."""
    refusal = refuse_unless(Role.FACILITATOR)
    if refusal is not None:
        return refusal
    form = WebhookForm()
    created = None
    status = 200
    if form.validate_on_submit():
        try:
            created = webhooks.create_webhook(form.url.data, form.events.data, current_user_id())
            db.session.commit()
            form = WebhookForm(formdata=None)
        except AgoraError as error:
            db.session.rollback()
            form.url.errors.append(error.message)
            status = error.status
    elif form.is_submitted():
        status = 400
    return render_template(
        "integrations/webhooks.html", form=form, created=created, hooks=webhooks.list_webhooks()
    ), status


@bp.get("/console/webhooks/<int:webhook_id>")
def console_webhook(webhook_id: int):
    """A webhook's delivery log."""
    refusal = refuse_unless(Role.FACILITATOR)
    if refusal is not None:
        return refusal
    hook = webhooks.get_webhook(webhook_id)
    return render_template("integrations/webhook.html", hook=hook, deliveries=webhooks.deliveries_of(hook.id))


@bp.post("/console/webhooks/<int:webhook_id>/delete")
def console_delete_webhook(webhook_id: int):
    refusal = refuse_unless(Role.FACILITATOR)
    if refusal is not None:
        return refusal
    webhooks.delete_webhook(webhook_id)
    db.session.commit()
    flash(_("The webhook was removed."), "success")
    return redirect(url_for("integrations.console_webhooks"))


# --- the console: an issue's embed settings and XID allow-list ---------------------------------


@bp.route("/console/issues/<slug>/embed", methods=["GET", "POST"])
def embed_settings(slug: str):
    refusal = refuse_unless(Role.FACILITATOR)
    if refusal is not None:
        return refusal
    issue = get_issue_by_slug(slug)
    current = xids.settings_of(issue.id)
    form = EmbedSettingsForm(
        data={"frame_origins": "\n".join(current.frame_origins or []), "xid_only": current.xid_only}
    )
    status = 200
    if form.validate_on_submit():
        try:
            xids.save_settings(issue, form.frame_origins.data or "", bool(form.xid_only.data))
            db.session.commit()
            flash(_("The embed settings were saved."), "success")
            return redirect(url_for("integrations.embed_settings", slug=issue.slug))
        except AgoraError as error:
            db.session.rollback()
            form.frame_origins.errors.append(error.message)
            status = error.status
    return _render_embed(issue, form, AllowListForm(formdata=None)), status


@bp.post("/console/issues/<slug>/embed/allow-list")
def upload_allow_list(slug: str):
    refusal = refuse_unless(Role.FACILITATOR)
    if refusal is not None:
        return refusal
    issue = get_issue_by_slug(slug)
    upload = AllowListForm()
    if upload.validate_on_submit():
        data = upload.file.data.read(MAX_CSV_BYTES + 1)
        try:
            if len(data) > MAX_CSV_BYTES:
                raise AgoraError("csv_invalid", _("The file is larger than 8 MB."), 400)
            count = xids.replace_allow_list(issue, data)
            db.session.commit()
            flash(_("The allow-list now holds %(num)d external ids.", num=count), "success")
            return redirect(url_for("integrations.embed_settings", slug=issue.slug))
        except AgoraError as error:
            db.session.rollback()
            upload.file.errors = [*upload.file.errors, error.message]
    current = xids.settings_of(issue.id)
    form = EmbedSettingsForm(
        formdata=None, data={"frame_origins": "\n".join(current.frame_origins or []), "xid_only": current.xid_only}
    )
    return _render_embed(issue, form, upload), 400


def _render_embed(issue, form, upload):
    return render_template(
        "integrations/embed.html",
        issue=issue,
        form=form,
        upload=upload,
        allow_list_size=xids.allow_list_size(issue.id),
    )
