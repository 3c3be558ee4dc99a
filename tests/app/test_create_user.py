"""`agora create-user`: the password comes from stdin and is stored only as an argon2id hash."""

from __future__ import annotations

from app.extensions import db
from app.models import Role, User
from app.services.passwords import verify_password


def test_creates_a_ministry_user(app, runner):
    result = runner.invoke(
        args=["create-user", "m@moe.gov.tw", "--role", "ministry", "--agency", "交通部"], input="s3cret-passphrase\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert (user.role, user.agency) == (Role.MINISTRY, "交通部")
        assert user.password_hash.startswith("$argon2id$") and "s3cret-passphrase" not in user.password_hash
        assert verify_password(user.password_hash, "s3cret-passphrase")


def test_refuses_ministry_without_agency_duplicates_and_short_passwords(app, runner):
    no_agency = runner.invoke(args=["create-user", "m@x.tw", "--role", "ministry"], input="s3cret-passphrase\n")
    assert no_agency.exit_code != 0 and "agency" in no_agency.output
    short = runner.invoke(args=["create-user", "f@x.tw", "--role", "facilitator"], input="short\n")
    assert short.exit_code != 0
    assert (
        runner.invoke(args=["create-user", "f@x.tw", "--role", "facilitator"], input="s3cret-passphrase\n").exit_code
        == 0
    )
    again = runner.invoke(args=["create-user", "F@x.tw", "--role", "admin"], input="s3cret-passphrase\n")
    assert again.exit_code != 0 and "already exists" in again.output
    bad_role = runner.invoke(args=["create-user", "c@x.tw", "--role", "superuser"], input="s3cret-passphrase\n")
    assert bad_role.exit_code != 0
    with app.app_context():
        assert db.session.scalars(db.select(User.email)).all() == ["f@x.tw"]
