"""Start an RQ worker with its scheduler on Baoxue's queues: `python worker.py` (or `baoxue worker`)."""
import sys


def run(app, burst: bool = False) -> bool:
    from rq import Queue, Worker

    from app.redis_conn import connection
    conn = connection(app)
    queues = [Queue(name, connection=conn) for name in app.config["RQ_QUEUES"]]
    with app.app_context():
        worker = Worker(queues, connection=conn, name=None)
        return worker.work(with_scheduler=True, burst=burst)


if __name__ == "__main__":
    from app import create_app
    run(create_app(), burst="--burst" in sys.argv)
