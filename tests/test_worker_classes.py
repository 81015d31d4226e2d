"""A worker's warm shutdown does not stall on its pub/sub thread (app/worker/classes.py)."""
import time

from rq import Queue, SimpleWorker

from app.worker.classes import BaoxueSimpleWorker


def _subscribed(worker_class, redis_conn):
    worker = worker_class([Queue("bx-classes", connection=redis_conn)], connection=redis_conn)
    worker.subscribe()
    for _ in range(100):  # until the thread is reading (subscribed), as in a running worker
        if worker.pubsub.subscribed:
            break
        time.sleep(0.01)
    return worker


def _slow_after_unsubscribe(worker):
    """What a loaded machine does: the pub/sub thread reads the UNSUBSCRIBE reply before the main
    thread goes on."""
    send = worker.pubsub.unsubscribe

    def unsubscribe(*args):
        send(*args)
        time.sleep(0.3)
    worker.pubsub.unsubscribe = unsubscribe


def test_unsubscribe_ends_the_thread_even_when_the_reply_comes_first(redis_conn):
    worker = _subscribed(BaoxueSimpleWorker, redis_conn)
    _slow_after_unsubscribe(worker)
    started = time.monotonic()
    worker.unsubscribe()
    took = time.monotonic() - started
    assert not worker.pubsub_thread.is_alive()
    assert took < 2, took


def test_rqs_own_unsubscribe_stalls_in_the_same_race(redis_conn, monkeypatch):
    # the reason for the class: with RQ's order (UNSUBSCRIBE, then stop) the same race holds the
    # shutdown for the thread's whole read timeout (60 s in RQ; 3 s here, to keep the test short);
    # when RQ changes its order this fails, and app/worker/classes.py can go
    wait = 3
    from redis.client import PubSub
    run = PubSub.run_in_thread
    monkeypatch.setattr(PubSub, "run_in_thread", lambda self, sleep_time=0, **kw: run(self, wait, **kw))
    worker = _subscribed(SimpleWorker, redis_conn)
    _slow_after_unsubscribe(worker)
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started > wait - 1
