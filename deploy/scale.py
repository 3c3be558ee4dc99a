"""`make scale` / `make scale-stop`: docker-compose's topology on this machine, without Docker.

    python deploy/scale.py run     # foreground; Ctrl+C or SIGTERM stops everything it started
    python deploy/scale.py stop    # from another shell: the same as SIGTERM

It installs what is missing from Debian (nginx, and redis-server / postgresql when it has to run
them), takes DATABASE_URL when set or else creates the database SCALE_DATABASE (default
``agora_scale``) on the local PostgreSQL server, runs the migrations and loads the demo issue, and
hands over to supervisord (a real process supervisor: a process that dies is started again) with:

* nginx on 127.0.0.1:PORT (8080) in front of the web processes, sticky by cookie, websockets;
* WEB_PROCESSES (2) ``agora serve`` web processes on the ports after PORT (PORT+1, PORT+2, ...);
* one ``agora worker`` (opinion-map recomputes, CLUSTERING_MODE=external);
* one ``agora send-mail --loop`` (the email outbox) and one ``agora send-webhooks --loop``
  (webhook deliveries): the web processes run with BACKGROUND_SENDERS=false;
* redis-server on 127.0.0.1:SCALE_REDIS_PORT (PORT+100) unless REDIS_URL names another.

Every variable of the environment reaches the app (rate limits, mail, CLUSTERING_MIN_INTERVAL...);
this script sets only what the topology needs and what is not set already. Its state (generated
configuration, logs, the instance folder with the shared secret key) lives in SCALE_DIR
(``instance/scale-PORT`` in the source tree).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEPLOY_DIR = Path(__file__).resolve().parent
ROOT = DEPLOY_DIR.parent
BIN = Path(sys.executable).parent
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Debian packages by the command they provide.
PACKAGES = {"nginx": "nginx", "redis-server": "redis-server", "pg_ctlcluster": "postgresql"}


def settings() -> dict[str, object]:
    port = int(os.environ.get("PORT", "8080"))
    web_processes = int(os.environ.get("WEB_PROCESSES", "2"))
    if not 1 <= web_processes <= 64:
        sys.exit("WEB_PROCESSES must be between 1 and 64.")
    scale_dir = Path(os.environ.get("SCALE_DIR") or ROOT / "instance" / f"scale-{port}").resolve()
    return {
        "port": port,
        "web_ports": [port + n for n in range(1, web_processes + 1)],
        "scale_dir": scale_dir,
        "redis_port": int(os.environ.get("SCALE_REDIS_PORT", str(port + 100))),
        "database": os.environ.get("SCALE_DATABASE", "agora_scale"),
    }


def say(message: str) -> None:
    print(f"make scale: {message}", flush=True)


def ensure_packages(commands: list[str]) -> None:
    """apt-get install the Debian packages whose commands are missing (apt-get update first)."""
    missing = [PACKAGES[c] for c in commands if not shutil.which(c) and not Path("/usr/sbin", c).exists()]
    if not missing:
        return
    if not shutil.which("apt-get"):
        sys.exit(f"Please install {', '.join(missing)} (this script knows only Debian's apt).")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    say(f"installing {', '.join(missing)} from Debian")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    # Debian starts the packaged services; this topology runs its own nginx and redis-server.
    for service in ("nginx", "redis-server"):
        if service in missing:
            subprocess.run([*sudo, "service", service, "stop"], check=False, capture_output=True)


def local_database(name: str) -> str:
    """The database `name` on the local PostgreSQL server (started, and created, when needed)."""
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode != 0:
        subprocess.run([str(ROOT / "scripts" / "ensure-test-services.sh")], check=True)
    admin_url = os.environ.get("SCALE_POSTGRES_URL", LOCAL_POSTGRES)
    admin = sa.create_engine(make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            say(f"created the database {name}")
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def app_environment(config: dict) -> dict[str, str]:
    """The environment every process gets: the caller's, plus what the topology needs."""
    env = dict(os.environ)
    env.pop("FLASK_APP", None)
    redis_url = env.get("REDIS_URL") or f"redis://127.0.0.1:{config['redis_port']}/0"
    defaults = {
        "REDIS_URL": redis_url,
        "SOCKETIO_MESSAGE_QUEUE": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "CLUSTERING_MODE": "external",
        "TRUSTED_PROXIES": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{config['port']}",
        "AGORA_INSTANCE_PATH": str(config["scale_dir"] / "instance"),
        # Emails and webhooks go out from their own processes (below), not from every web process.
        "BACKGROUND_SENDERS": "false",
    }
    for key, value in defaults.items():
        env.setdefault(key, value)
    env["CLUSTERING_MODE"] = "external"  # one worker recomputes for every web process
    env["PYTHONUNBUFFERED"] = "1"
    return env


def write_nginx_conf(config: dict) -> Path:
    scale_dir: Path = config["scale_dir"]
    for folder in ("nginx", "logs"):
        (scale_dir / folder).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=3 fail_timeout=5s;" for p in config["web_ports"])
    # nginx started as root drops its workers to www-data, who must reach the temporary folders.
    user = "user www-data;" if os.geteuid() == 0 else ""
    text = (DEPLOY_DIR / "scale" / "nginx.conf.template").read_text()
    values = {"SCALE_DIR": scale_dir, "DEPLOY_DIR": DEPLOY_DIR, "PORT": config["port"]}
    for name, value in {**values, "UPSTREAM_SERVERS": servers, "USER_DIRECTIVE": user}.items():
        text = text.replace("{{" + name + "}}", str(value))
    path = scale_dir / "nginx.conf"
    path.write_text(text)
    if os.geteuid() == 0:
        shutil.chown(scale_dir / "nginx", user="www-data")
    return path


def write_supervisord_conf(config: dict, nginx_conf: Path, run_redis: bool) -> Path:
    scale_dir: Path = config["scale_dir"]
    agora = BIN / "agora"
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    common = (
        "autostart=true\nautorestart=true\nstartsecs=1\nstartretries=1000\n"
        "stopasgroup=true\nkillasgroup=true\nredirect_stderr=true\n"
        "stdout_logfile_maxbytes=10MB\nstdout_logfile_backups=2\n"
    )
    programs = []
    if run_redis:
        programs.append(
            (
                "redis",
                100,
                f"{shutil.which('redis-server')} --bind 127.0.0.1 --port {config['redis_port']} "
                f"--save '' --appendonly no --maxclients 20000 --dir {scale_dir}",
            )
        )
    for n, web_port in enumerate(config["web_ports"], start=1):
        programs.append((f"web-{n}", 200, f"{agora} serve --host 127.0.0.1 --port {web_port}"))
    programs.append(("worker", 200, f"{agora} worker"))
    programs.append(("mail", 200, f"{agora} send-mail --loop"))
    programs.append(("webhooks", 200, f"{agora} send-webhooks --loop"))
    programs.append(("nginx", 300, f"{nginx} -p {scale_dir}/nginx -c {nginx_conf} -g 'daemon off;'"))
    sections = [
        "[supervisord]\nnodaemon=true\n"
        f"pidfile={scale_dir}/supervisord.pid\nlogfile={scale_dir}/logs/supervisord.log\n"
        f"childlogdir={scale_dir}/logs\nminfds=16384\n",
        f"[unix_http_server]\nfile={scale_dir}/supervisor.sock\nchmod=0700\n",
        f"[supervisorctl]\nserverurl=unix://{scale_dir}/supervisor.sock\n",
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
    ]
    for name, priority, command in programs:
        sections.append(
            f"[program:{name}]\ncommand={command}\npriority={priority}\n"
            f"stdout_logfile={scale_dir}/logs/{name}.log\n{common}"
        )
    path = scale_dir / "supervisord.conf"
    path.write_text("\n".join(sections))
    return path


def agora(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "agora"), *args], env=env, check=True)


def run() -> None:
    config = settings()
    scale_dir: Path = config["scale_dir"]
    (scale_dir / "instance").mkdir(parents=True, exist_ok=True)
    run_redis = not os.environ.get("REDIS_URL")
    needed = (
        ["nginx"]
        + (["redis-server"] if run_redis else [])
        + ([] if os.environ.get("DATABASE_URL") else ["pg_ctlcluster"])
    )
    ensure_packages(needed)
    env = app_environment(config)
    if not os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = local_database(str(config["database"]))
    say("migrations and the demo issue")
    agora(env, "db", "upgrade")
    agora(env, "load-demo")
    # One key for every web process (signed cookies must verify on each): made once, now.
    subprocess.run([str(BIN / "python"), "-c", "from app import create_app; create_app()"], env=env, check=True)
    nginx_conf = write_nginx_conf(config)
    subprocess.run(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-t", "-q", "-p", f"{scale_dir}/nginx", "-c", str(nginx_conf)],
        check=True,
    )
    conf = write_supervisord_conf(config, nginx_conf, run_redis)
    say(
        f"http://127.0.0.1:{config['port']}/ — nginx, {len(config['web_ports'])} web processes "
        f"(ports {', '.join(map(str, config['web_ports']))}), worker, mail; Ctrl+C or `make scale-stop` stops them"
    )
    say(f"logs: {scale_dir}/logs")
    os.execve(str(BIN / "supervisord"), [str(BIN / "supervisord"), "-n", "-c", str(conf)], env)


def _running(pid: int) -> bool:
    """Alive and not a zombie (whoever started supervisord may not have reaped it yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop() -> None:
    """SIGTERM to supervisord (it stops every process it started), then wait for it to exit."""
    pidfile = settings()["scale_dir"] / "supervisord.pid"
    try:
        pid = int(pidfile.read_text())
        os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        say("not running")
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not _running(pid):
            say("stopped")
            return
        time.sleep(0.2)
    sys.exit(f"supervisord (pid {pid}) did not stop within 60 s")


if __name__ == "__main__":
    {"run": run, "stop": stop}[sys.argv[1] if len(sys.argv) > 1 else "run"]()
