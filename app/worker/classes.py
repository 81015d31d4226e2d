"""The worker classes Baoxue runs: RQ's SimpleWorker (jobs in the worker process) and Worker (a forked
work horse per job), each with a shutdown that cannot stall on its pub/sub thread.

RQ's Worker.unsubscribe() sends UNSUBSCRIBE and only then stops the pub/sub thread (which waits up to
60 s per read). redis-py's PubSubWorkerThread.stop() joins the thread without a bound, so when the
thread reads the UNSUBSCRIBE reply before stop() clears its flag — a race a loaded machine loses — it
goes back to waiting for a subscription for up to 60 s, and so does the warm shutdown (seen in CI: a
SIGTERMed worker still up 20 s later). Clearing the flag first makes the reply end the thread's loop.
"""
from redis import RedisError
from rq import SimpleWorker, Worker

JOIN_TIMEOUT = 2.0  # seconds: the thread is a daemon, a stuck one does not keep the process alive


class QuickUnsubscribe:
    def unsubscribe(self):
        thread = self.pubsub_thread
        if not thread:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        thread.stop(timeout=0)  # the flag, not the wait: the UNSUBSCRIBE reply then ends its loop
        try:
            self.pubsub.unsubscribe()
        except RedisError:  # Redis already gone: the thread ends on its read error or dies with us
            pass
        thread.join(timeout=JOIN_TIMEOUT)  # on its way out the thread closes the pub/sub itself


class BaoxueSimpleWorker(QuickUnsubscribe, SimpleWorker):
    pass


class BaoxueWorker(QuickUnsubscribe, Worker):
    pass
