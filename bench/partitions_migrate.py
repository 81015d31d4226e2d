"""Time migration 0027 in-process (no CLI start-up): `python bench/partitions_migrate.py URL` on a
database at 0026 (bench/partitions_data.sql): upgrade, downgrade, upgrade, each timed."""
import sys
import time

from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db


def main(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        for name, fn in (("upgrade", upgrade), ("downgrade", lambda: downgrade(revision="0026")), ("upgrade", upgrade)):
            db.session.remove()
            t = time.perf_counter()
            fn()
            print(f"{name}: {time.perf_counter() - t:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
