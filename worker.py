"""Start an RQ worker with its scheduler on Baoxue's queues: `python worker.py` (= `baoxue worker`).

The worker itself lives in the package (app/worker/); this file is the entry point beside the project.
"""
from app.worker import main

if __name__ == "__main__":
    main()
