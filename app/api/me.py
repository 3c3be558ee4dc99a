"""API v1: the signed-in person's own data, and deleting their account."""

from __future__ import annotations

from flask import jsonify, session
from flask_login import current_user, logout_user

from app.api import bp, schemas
from app.api.spec import PARTICIPANT, endpoint
from app.auth.decorators import refuse_unless
from app.extensions import db
from app.models import Role
from app.services import privacy
from app.services.participants import SESSION_KEY


def _signed_in():
    return refuse_unless(Role.CITIZEN, Role.FACILITATOR, Role.MINISTRY)  # any account; 401 when anonymous


@bp.get("/me/data")
@endpoint("Everything Agora holds about me", tag="account", responses={200: schemas.MyData}, errors=(401,))
def my_data():
    """Everything Agora holds about the signed-in person (account, votes with times, statements, replies, follows)."""
    refusal = _signed_in()
    if refusal is not None:
        return refusal
    return jsonify(privacy.export_data(current_user))


@bp.delete("/me")
@endpoint("Delete my account", tag="account", responses={204: None}, auth=PARTICIPANT, errors=(401,))
def delete_me():
    """Delete the account: personal data goes, contributions stay anonymous. 204."""
    refusal = _signed_in()
    if refusal is not None:
        return refusal
    privacy.delete_account(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.pop(SESSION_KEY, None)
    return "", 204
