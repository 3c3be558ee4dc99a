from app import create_app


def test_config_from_overrides(app_config):
    app = create_app({**app_config, "SOME_FLAG": "yes"})
    assert app.config["SOME_FLAG"] == "yes"
    assert app.config["TESTING"] is True


def test_secret_key_generated_once_into_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example/agora")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/agora"


def test_default_database_is_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'agora.sqlite3'}"


def test_home_page(client):
    response = client.get("/")
    assert response.status_code == 200


def test_unexpected_errors_answer_500_with_a_message(app_config, caplog):
    app = create_app({**app_config, "TESTING": False})

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/api/v1/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.get_json()["error"] == {
        "code": "server_error",
        "message": "Something went wrong on our side. Please try again.",
    }
    assert "kaboom" in caplog.text  # logged for the operators, not shown to the user
    assert "kaboom" not in response.get_data(as_text=True)
