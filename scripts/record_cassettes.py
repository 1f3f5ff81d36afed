"""Record the sources-layer cassettes (cassettes/sources/*.yaml) from the sandbox, or live.

    python scripts/record_cassettes.py                      # all scenarios, sandbox at ../shared/sandbox
    python scripts/record_cassettes.py --sandbox DIR -k entrez_efetch_batch
    python scripts/record_cassettes.py --live               # live services (needs a network)

Each scenario drives the real clients (``open_sources``) under vcrpy; requests are stored under the
live URLs with email/api_key/User-Agent filtered out, so the replay tests in ``tests/`` match them.
To add a scenario, append a :class:`Scenario` to ``SCENARIOS`` (a name, what it shows, an async
function of the opened ``Sources``, and any emulator options or settings it needs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cassette_recorder import (  # noqa: E402
    DEFAULT_SANDBOX,
    REPO_ROOT,
    recording_settings,
    recording_vcr,
    restore_declared_length,
    start_sandbox,
    start_truncating_proxy,
)

from auditor.sources import Sources, build_term, open_sources  # noqa: E402
from auditor.sources.base import CitMatchQuery  # noqa: E402

CASSETTE_DIR = REPO_ROOT / "cassettes" / "sources"

EFETCH_PMIDS = (
    "1000", "100000", "10024177", "10049911", "10065994", "10091249", "10098409", "10393703", "10403831",
    "10411891", "10417538", "10438482", "10440612", "10446996", "10449755", "10468624", "10478398",
    "10480510", "10482630", "10501650", "10504436", "10520600", "10521342", "10523489", "10542021",
    "15166317", "15195241", "99000001", "99000002", "99999999",
)
"""30 PMIDs (so the request goes as POST): corpus records, the fixture retracted article and its
notice, and one PMID PubMed does not have."""
BATCH_DOIS = ("10.1126/science.1098641", "10.1086/421467", "10.5555/EMULATOR.RETRACTED",
              "10.5555/emulator.retraction-notice", "10.5555/does-not-exist")
BIBLIOGRAPHIC = ("Raser JM, O'Shea EK. Control of stochasticity in eukaryotic gene expression. "
                 "Science. 2004;304(5678):1811-4.")


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    run: Callable[[Sources], Awaitable[Any]]
    emulator: tuple[str, ...] = ()
    """Extra sandbox options (rate limits, faults)."""
    settings: dict[str, Any] = field(default_factory=dict)
    truncate: bool = False
    """Put the truncating proxy between the client and the sandbox."""
    live: bool = True
    """False for fault scenarios, which need the sandbox's options and cannot be recorded live."""


async def _ecitmatch_hit(s: Sources) -> Any:
    return await s.entrez.ecitmatch([
        CitMatchQuery("raser2004", "Science", "2004", "304", "1811", "raser jm"),
        CitMatchQuery("moscicki2004", "J Infect Dis", "2004", "190", "37", "moscicki a"),
        CitMatchQuery("wrong-author", "Nature", "2004", "429", "827", "smith x"),
    ])


async def _ecitmatch_miss(s: Sources) -> Any:
    return await s.entrez.ecitmatch([
        CitMatchQuery("bad-page", "Science", "2004", "304", "9999", "raser jm"),
        CitMatchQuery("two-on-a-page", "J Emul Tests", "2022", "3", "100", ""),
    ])


async def _ecitmatch_invalid(s: Sources) -> Any:
    return await s.entrez.ecitmatch([
        CitMatchQuery("fake", "Journal of Imaginary Results", "2010", "5", "100", "nobody a")])


async def _efetch(s: Sources) -> Any:
    return await s.entrez.efetch(EFETCH_PMIDS)


async def _esearch_results(s: Sources) -> Any:
    return await s.entrez.esearch(build_term(first_author="Raser JM", journal="Science", year=2004))


async def _esearch_none(s: Sources) -> Any:
    return await s.entrez.esearch(build_term(author="Raser JM", journal="Science", year=1901))


async def _dois(s: Sources) -> Any:
    return await s.crossref.works_by_dois(BATCH_DOIS)


async def _work(s: Sources) -> Any:
    return await s.crossref.work("10.1126/science.1098641")


async def _work_404(s: Sources) -> Any:
    return await s.crossref.work("10.5555/not-a-real-doi")


async def _search(s: Sources) -> Any:
    return await s.crossref.search_bibliographic(BIBLIOGRAPHIC, rows=3)


async def _rate_limited(s: Sources) -> Any:
    first = await s.entrez.esearch(build_term(first_author="Raser JM", journal="Science", year=2004))
    second = await s.entrez.esearch(build_term(author="Moscicki A", journal="J Infect Dis", year=2004))
    third = await s.crossref.work("10.1126/science.1098641")
    fourth = await s.crossref.work("10.1086/421467")
    return first, second, third, fourth


async def _unavailable(s: Sources) -> Any:
    return await s.entrez.efetch(["15166317"]), await s.crossref.work("10.1126/science.1098641")


async def _truncated(s: Sources) -> Any:
    return await s.entrez.efetch(["15166317", "15195241"]), await s.crossref.work("10.1086/421467")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("entrez_ecitmatch_hit", "ECitMatch: three citations found in one request, one with the "
             "author field emptied (author disagrees)", _ecitmatch_hit),
    Scenario("entrez_ecitmatch_miss", "ECitMatch: NOT_FOUND (wrong page) and AMBIGUOUS", _ecitmatch_miss),
    Scenario("entrez_ecitmatch_invalid_journal", "ECitMatch: NOT_FOUND;INVALID_JOURNAL", _ecitmatch_invalid),
    Scenario("entrez_efetch_batch", "EFetch: 30 PMIDs in one POST, incl. a retracted article and its "
             "notice; one unknown PMID absent", _efetch),
    Scenario("entrez_esearch_results", "ESearch [1au]/[ta]/[dp] with a hit", _esearch_results),
    Scenario("entrez_esearch_none", "ESearch with no results (Count 0)", _esearch_none),
    Scenario("crossref_dois_batch", "Crossref filter=doi:… batch of 5 DOIs (one unknown, one upper-case); "
             "includes updated-by retraction and an update-to notice", _dois),
    Scenario("crossref_work_single", "Crossref /works/{doi}", _work),
    Scenario("crossref_work_404", "Crossref /works/{doi} 404 Resource not found.", _work_404),
    Scenario("crossref_search_bibliographic", "Crossref query.bibliographic rows=3 with select and scores",
             _search),
    Scenario("http_429_then_success", "Sandbox limits lowered to 1/s while the client sends faster: "
             "ESearch and Crossref each get one 429, then succeed on retry", _rate_limited,
             emulator=("--ncbi-rps", "1", "--crossref-rps", "1", "--crossref-polite-rps", "1"),
             settings={"ncbi_rps": 50.0, "crossref_rps": 50.0, "crossref_concurrency": 3,
                       "retry_wait_initial_s": 2.4, "retry_wait_max_s": 4.0},
             live=False),
    Scenario("http_503_exhausted", "Every request answers 503: EFetch and Crossref each try 3 times, "
             "then report unavailable", _unavailable,
             emulator=("--fault-rate", "1", "--fault-kinds", "503"), live=False),
    Scenario("http_truncated_body", "First EFetch and first Crossref answer cut to half their declared "
             "Content-Length, then complete on retry", _truncated, truncate=True, live=False),
)


async def _drive(scenario: Scenario, base_url: str | None, out_dir: Path) -> Any:
    options: dict[str, Any] = {}
    if scenario.truncate:
        options["before_record_response"] = restore_declared_length
    vcr = recording_vcr(out_dir, **options)
    settings = recording_settings(base_url, **scenario.settings)
    with vcr.use_cassette(f"{scenario.name}.yaml") as cassette:
        async with open_sources(settings) as sources:
            result = await scenario.run(sources)
            counters = {name: c.as_dict() for name, c in sources.counters().items()}
    return result, len(cassette), counters


def record(scenario: Scenario, sandbox: Path, out_dir: Path, live: bool) -> None:
    path = out_dir / f"{scenario.name}.yaml"
    path.unlink(missing_ok=True)
    if live:
        result = asyncio.run(_drive(scenario, None, out_dir))
    else:
        with start_sandbox(sandbox, *scenario.emulator) as base:
            if scenario.truncate:
                with start_truncating_proxy(base) as proxy:
                    result = asyncio.run(_drive(scenario, proxy, out_dir))
            else:
                result = asyncio.run(_drive(scenario, base, out_dir))
    _, interactions, counters = result
    print(f"{scenario.name}: {interactions} interaction(s) {counters}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", type=Path, default=DEFAULT_SANDBOX, help="sandbox folder (has emulator/)")
    parser.add_argument("--live", action="store_true", help="record against the live services instead")
    parser.add_argument("-k", "--only", action="append", default=[], help="record only these scenario names")
    parser.add_argument("--out", type=Path, default=CASSETTE_DIR, help="cassette folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only]
    unknown = set(args.only) - {s.name for s in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    for scenario in chosen:
        if args.live and not scenario.live:
            print(f"{scenario.name}: skipped (needs the sandbox's fault options)")
            continue
        record(scenario, args.sandbox, args.out, args.live)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
