"""What a run's PubMed traffic did with its rate budget, read back from the sandbox's request log.

Two measurements explain the service benchmark's PubMed rate, and neither needs the client:

* :func:`place_budget` replays the limiter's rule over the logged requests: a request holds one of
  ``floor(rate)`` places from its send until ``WINDOW_S`` past its answer (the only moment by which
  the server has surely counted it). The send is taken as the moment the server first saw the
  request, so holds are if anything understated. It reports the place-seconds the run held against
  those available, and the rate that rule allows at the run's mean hold: the ceiling any zero-429
  client holding places that way could reach on this traffic.
* :func:`paced_replay` sends the same PubMed requests again, open loop and evenly spaced at a fixed
  rate below the limit, and counts the 429s. A non-zero count shows that pacing alone is not enough
  on this server: requests that arrive while its single-threaded loop computes an ECitMatch answer
  are counted together when it is done.

The log's ``ts`` is when the sandbox answered and ``ms`` how long the request took from the moment
its handler started, so ``ts - ms/1000`` is when the server first saw it.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from pathlib import Path
from typing import Any

ENDPOINT_PATHS = {"ecitmatch": "ecitmatch.cgi", "efetch": "efetch.fcgi", "esearch": "esearch.fcgi",
                  "esummary": "esummary.fcgi", "epost": "epost.fcgi"}


def ncbi_rows(log: Path, since: float, until: float = math.inf) -> list[dict[str, Any]]:
    """The E-utilities requests answered in ``[since, until]``, in the order the server saw them."""
    rows = []
    for line in log.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("api") == "entrez" and since <= float(row["ts"]) <= until:
            rows.append(row)
    return sorted(rows, key=lambda r: float(r["ts"]) - float(r["ms"]) / 1000)


def place_budget(rows: list[dict[str, Any]], rate: float = 3.0, window_s: float = 1.05) -> dict[str, Any]:
    """Place-seconds held under the limiter's rule, and the rate it allows at this traffic's mean hold."""
    if not rows:
        return {"requests": 0}
    spans = [(float(r["ts"]) - float(r["ms"]) / 1000, float(r["ts"]), r["endpoint"]) for r in rows]
    holds: dict[str, list[float]] = {}
    for seen, answer, endpoint in spans:
        holds.setdefault(endpoint, []).append(answer + window_s - seen)
    every = [h for hs in holds.values() for h in hs]
    span = max(a for _, a, _ in spans) - min(s for s, _, _ in spans)
    places = math.floor(rate)
    mean_hold = sum(every) / len(every)
    return {"requests": len(rows), "span_s": span, "rate": len(rows) / span if span else 0.0,
            "mean_hold_s": mean_hold,
            "held_share": sum(every) / (places * span) if span else 0.0,
            "ceiling_rate": places / mean_hold,
            "mean_hold_by_endpoint": {k: sum(v) / len(v) for k, v in sorted(holds.items())}}


async def paced_replay(base_url: str, rows: list[dict[str, Any]], rate: float) -> dict[str, Any]:
    """Send ``rows`` again at exactly ``rate`` per second, not waiting for answers; count the 429s."""
    import aiohttp

    statuses: list[int] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async with session.post(f"{base_url}/_reset") as reset:
            await reset.read()

        async def one(row: dict[str, Any]) -> None:
            url = f"{base_url}/entrez/eutils/{ENDPOINT_PATHS[row['endpoint']]}"
            params = {k: str(v) for k, v in row["params"].items()}
            request = session.post(url, data=params) if row["method"] == "POST" else session.get(url, params=params)
            async with request as reply:
                await reply.read()
                statuses.append(reply.status)

        start = time.monotonic()
        tasks = []
        for i, row in enumerate(rows):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            tasks.append(asyncio.ensure_future(one(row)))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - start
    return {"rate": rate, "requests": len(statuses), "rate_limited": statuses.count(429), "elapsed_s": elapsed}
