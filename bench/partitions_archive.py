"""Time `notifications archive` in-process: `python bench/partitions_archive.py URL [--all]`, before the
month 12 months ago (the command's default)."""
import sys
import time

from app import clock, create_app
from app.extensions import db
from app.partitions import archive, months


def main(url: str, everything: bool) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        before = months.add(months.of(clock.now()), -12)
        t = time.perf_counter()
        result = archive.run(db.engine, before, everything)
        print(f"{'all' if everything else 'read'}: {result} in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1], "--all" in sys.argv)
