"""A worker process for the shared-limiter tests: sends requests through the real HttpClient.

    python -m tests.upstream_worker --database URL --base URL --service pubmed --requests 30 --tasks 3

It prints ``ready``, waits for a line on stdin (so that all workers start together), sends its
requests with ``--tasks`` concurrent tasks, and prints its counters as one JSON line. With
``--local`` it paces with the per-process limiter instead of the shared one (the control case).
``--cold`` skips the handshake (a worker that sends while its siblings are still starting), and
``--slow-connect S`` makes every new connection wait up to S seconds first (a loaded machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from auditor.config import Settings
from auditor.sources.http import HttpClient
from auditor.store.shared_upstream import SharedUpstream


async def main(args: argparse.Namespace) -> None:
    settings = Settings.load(
        environ={}, cache_mode="no-cache", entrez_url=args.base, crossref_url=args.base,
        ncbi_rps=args.rate, crossref_rps=args.rate, crossref_concurrency=args.concurrency,
        retry_attempts=2, retry_wait_initial_s=0.05, retry_wait_max_s=0.1, retry_max_time_s=5,
    )
    shared = SharedUpstream(args.database, settings, pool_size=args.tasks + 2)
    http = HttpClient(settings, limiter_factory=None if args.local else shared.limiter)
    if args.slow_connect:
        import random

        import aiohttp

        real = aiohttp.TCPConnector._create_connection
        rng = random.Random(os.getpid())

        async def slow(self: aiohttp.TCPConnector, *a: object, **kw: object) -> object:
            await asyncio.sleep(rng.uniform(0, args.slow_connect))
            return await real(self, *a, **kw)  # type: ignore[arg-type]

        aiohttp.TCPConnector._create_connection = slow  # type: ignore[method-assign]
    print("ready", flush=True)
    if not args.cold:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    queue = list(range(args.requests))

    async def one_task() -> None:
        while queue:
            i = queue.pop()
            await http.fetch(args.service, f"{args.base}{args.service}", [("n", f"{os.getpid()}-{i}")],
                             validate=lambda _reply: False)

    try:
        await asyncio.gather(*(one_task() for _ in range(args.tasks)))
    finally:
        await http.close()
        await shared.aclose()
    counters = http.counters[args.service]
    print(json.dumps(counters.as_dict()), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--service", choices=("pubmed", "crossref"), default="pubmed")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--rate", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--local", action="store_true")
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--slow-connect", type=float, default=0.0)
    asyncio.run(main(parser.parse_args()))
