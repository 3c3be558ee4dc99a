"""The installed package is the product: build the wheel, install it into a fresh venv, run it.

The wheel is built from a copy of the files the Dockerfile copies (without any compiled catalogue,
so the build must compile them) and installed with its dependencies into a new venv in a temporary
folder. Every command then runs from another temporary folder with a clean environment, so nothing
can come from the source tree: `agora db upgrade`, `agora load-demo`, `agora create-user` and
`agora serve`; the pages are fetched in both languages, a static file is compared with its
source, and one vote is cast and counted.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app.config import PROJECT_ROOT
from tests.support.network import free_port

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
#: What the Dockerfile's build stage copies (its COPY lines without --from): the wheel is built from exactly this.
SOURCES = [
    name
    for line in DOCKERFILE.splitlines()
    if line.startswith("COPY ") and "--from" not in line
    for name in line.split()[1:-1]
]
DEMO = "vtaiwan-uberx"
PASSWORD = "installed package check"
PUBLIC_PAGES = [
    "/",
    "/responses",
    "/auth/login",
    "/auth/register",
    f"/issues/{DEMO}",
    f"/issues/{DEMO}/my-votes",
    f"/issues/{DEMO}/activity",
    f"/issues/{DEMO}/research",
    f"/issues/{DEMO}/discussion",
    f"/issues/{DEMO}/meetings",
    f"/issues/{DEMO}/decisions",
]
STAFF_PAGES = [
    "/console/",
    f"/console/issues/{DEMO}/map",
    f"/console/issues/{DEMO}/moderation",
    f"/console/issues/{DEMO}/research",
    f"/console/issues/{DEMO}/meetings",
    f"/console/issues/{DEMO}/decisions",
]
#: One string of the page header per language: the catalogue is compiled and found.
LANGUAGES = {"zh-TW": ('lang="zh-Hant-TW"', "登入"), "en": ('lang="en"', "Log in")}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel and its dependencies; returns its bin folder."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"))
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(dist), str(source)], check=True, timeout=300)
    (wheel,) = dist.glob("agora-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", str(wheel)], check=True, timeout=600)
    return venv / "bin"


@pytest.fixture
def elsewhere(installed: Path, tmp_path: Path):
    """Run an installed command from a folder outside the source tree, with a clean environment."""
    env = {"PATH": f"{installed}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(installed / "agora"), *args],
            cwd=tmp_path,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )

    return run, env


def test_the_image_installs_the_wheel_as_an_unprivileged_user():
    # No Docker engine on these machines: the image's steps are checked here, the wheel they
    # build is installed and run below.
    build, final = ("FROM " + stage for stage in ("\n" + DOCKERFILE).split("\nFROM ")[1:])
    assert "pip wheel" in build and "--no-deps" in build
    assert {"pyproject.toml", "setup.py", "app", "templates", "static", "migrations"} <= set(SOURCES)
    assert "COPY --from=build /wheels" in final and "pip install --no-cache-dir /wheels/*.whl" in final
    assert "-e " not in DOCKERFILE and "pybabel" not in DOCKERFILE  # the wheel's build compiles the catalogues
    (user,) = re.findall(r"^USER (\S+)$", final, re.M)
    assert user != "root" and final.index("USER") < final.index("CMD")
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored  # everything else stays out of the build context
    for name in SOURCES:
        assert f"!{name}" in ignored or f"!{name}/" in ignored, name


def test_the_wheel_carries_what_the_app_needs(installed: Path, tmp_path: Path):
    probe = "import app, app.config as c; print(app.__file__, c.TEMPLATES_DIR, c.MIGRATIONS_DIR, c.INSTANCE_PATH)"
    out = subprocess.run(
        [str(installed / "python"), "-c", probe], cwd=tmp_path, env={}, capture_output=True, text=True, check=True
    ).stdout.split()
    site_packages = Path(out[0]).parent.parent
    assert site_packages.name == "site-packages" and installed.parent in site_packages.parents
    assert Path(out[1]) == site_packages / "app" / "templates"
    assert Path(out[2]) == site_packages / "app" / "migrations"
    assert Path(out[3]) == installed.parent / "var" / "agora-instance"  # never inside site-packages
    for locale in ("zh_Hant_TW", "en"):
        assert (site_packages / "app" / "translations" / locale / "LC_MESSAGES" / "messages.mo").is_file()


def test_installed_commands_serve_every_page_in_both_languages(installed: Path, elsewhere):
    run, env = elsewhere
    run("db", "upgrade")
    assert "Imported" in run("load-demo").stdout
    run("create-user", "facilitator@example.org", "--role", "facilitator", stdin=PASSWORD + "\n")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(installed / "agora"), "serve", "--port", str(port)],
        cwd=env["HOME"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "agora serve did not start"
            time.sleep(0.3)

        citizen = requests.Session()
        staff = requests.Session()
        token = CSRF_META.search(staff.get(f"{base}/auth/login", timeout=10).text).group(1)
        login = staff.post(
            f"{base}/auth/login",
            data={"email": "facilitator@example.org", "password": PASSWORD, "csrf_token": token},
            timeout=30,
        )
        assert login.ok and "/auth/logout" in login.text
        for language, (html_lang, log_in) in LANGUAGES.items():
            for http, pages in ((citizen, PUBLIC_PAGES), (staff, STAFF_PAGES)):
                for page in pages:
                    answer = http.get(f"{base}{page}", headers={"Accept-Language": language}, timeout=10)
                    assert answer.status_code == 200, (language, page, answer.status_code)
                    assert html_lang in answer.text, (language, page)
            assert log_in in citizen.get(f"{base}/", headers={"Accept-Language": language}, timeout=10).text

        for static in ("css/agora.css", "js/voting.js", "vendor/socket.io/socket.io.min.js"):
            answer = citizen.get(f"{base}/static/{static}", timeout=10)
            assert answer.status_code == 200
            assert answer.content == (PROJECT_ROOT / "static" / static).read_bytes()

        api = f"{base}/api/v1"
        token = citizen.get(f"{api}/session", timeout=10).json()["csrf_token"]
        (issue,) = [i for i in citizen.get(f"{api}/issues", timeout=10).json() if i["slug"] == DEMO]
        statement = citizen.get(f"{api}/issues/{issue['id']}/next-statement", timeout=10).json()
        vote = citizen.post(
            f"{api}/issues/{issue['id']}/votes",
            json={"statement_id": statement["id"], "vote": "agree"},
            headers={"X-CSRFToken": token},
            timeout=10,
        )
        assert vote.status_code == 201, vote.text
        after = citizen.get(f"{api}/issues/{issue['id']}", timeout=10).json()
        assert after["counts"]["votes"] == issue["counts"]["votes"] + 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, errors = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            _, errors = server.communicate()
    assert "Traceback" not in errors, errors[-3000:]
