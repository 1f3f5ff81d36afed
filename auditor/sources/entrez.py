"""NCBI E-utilities client (PubMed): ECitMatch, EFetch and field-tagged ESearch, batched.

Every call returns a ``SourceResult``; a batch split over several requests fails as a whole if any
part fails, so the caller never mistakes a missing half for "not found".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from auditor.identifiers import norm_pmid
from auditor.model import Record, SourceResult
from auditor.sources.base import CitMatchOutcome, CitMatchQuery, partial_result
from auditor.sources.http import TOOL_NAME, HttpClient, Outcome, ParsedOnce, Reply, Validator
from auditor.sources.pubmed_xml import esearch_count, parse_ecitmatch, parse_efetch, parse_esearch

EFETCH_BATCH = 200
ECITMATCH_BATCH = 100

FIELD_TAGS: dict[str, str] = {
    "title": "ti", "ti": "ti",
    "title_words": "ti",
    "author": "au", "au": "au",
    "first_author": "1au", "1au": "1au",
    "journal": "ta", "ta": "ta",
    "year": "dp", "dp": "dp",
    "volume": "vi", "vi": "vi",
    "page": "pg", "pg": "pg",
    "doi": "doi",
}
_NOT_TEXT = re.compile(r"[^\w\s\-.'’]", re.UNICODE)
_OPERATOR = re.compile(r"\b(AND|OR|NOT)\b")
_NOT_DATE = re.compile(r"[^\d/:]")


def _clean_text(value: str) -> str:
    """Keep words only: no quotes, brackets, wildcards or tags, and no upper-case Boolean operators."""
    text = _NOT_TEXT.sub(" ", value.replace("_", " "))
    text = _OPERATOR.sub(lambda m: m.group(0).lower(), text)
    return " ".join(text.split()).strip(" -.'’")


def build_term(**fields: str | int | Sequence[str] | None) -> str:
    """An ESearch term from field values, each escaped so user text cannot change the query.

    Keywords: ``title``/``ti``, ``title_words`` (a list; each word its own ``[ti]`` term, so a word
    PubMed does not index is dropped alone), ``author``/``au`` (one name or a list, each ANDed),
    ``first_author``/``1au``, ``journal``/``ta``, ``year``/``dp`` (``2019`` or ``2018:2020``),
    ``volume``/``vi``, ``page``/``pg``, ``doi``. Empty values are skipped.
    ``build_term(title="Heart failure", author="Smith J", year=2019)`` ->
    ``heart failure[ti] AND Smith J[au] AND 2019[dp]`` (case kept as given).
    """
    parts: list[str] = []
    for name, raw in fields.items():
        tag = FIELD_TAGS.get(name)
        if tag is None:
            raise ValueError(f"unknown search field {name!r}")
        if raw is None:
            continue
        values = [raw] if isinstance(raw, str | int) else list(raw)
        for value in values:
            text = str(value)
            if tag == "dp":
                cleaned = _NOT_DATE.sub("", text).strip(":/")
            elif tag == "doi":
                cleaned = " ".join(text.replace('"', "").replace("[", "").replace("]", "").split())
                cleaned = f'"{cleaned}"' if cleaned else ""
            else:
                cleaned = _clean_text(text)
            if cleaned:
                parts.append(f"{cleaned}[{tag}]")
    return " AND ".join(parts)


def _citmatch_field(value: str) -> str:
    """ECitMatch fields are separated by ``|`` and lines by CR: neither may appear inside one."""
    return " ".join(value.replace("|", " ").split()).lower()


class EntrezClient:
    """PubMed through E-utilities; satisfies ``auditor.sources.base.EntrezSource``."""

    service = "pubmed"

    def __init__(self, http: HttpClient) -> None:
        self.http = http
        settings = http.settings
        self.base_url = settings.entrez_url
        private = [("tool", TOOL_NAME)]
        if settings.email:
            private.append(("email", settings.email))
        if settings.ncbi_api_key:
            private.append(("api_key", settings.ncbi_api_key))
        self._private = private

    async def _get(self, endpoint: str, params: list[tuple[str, str]], validate: Validator,
                   post: bool | None = None) -> Outcome:
        return await self.http.fetch(self.service, self.base_url + endpoint, params, private=self._private,
                                     validate=validate, post=post)

    async def ecitmatch(self, queries: Sequence[CitMatchQuery]) -> SourceResult[dict[str, CitMatchOutcome]]:
        results: dict[str, CitMatchOutcome] = {}
        failed: set[str] = set()
        error: str | None = None
        requests = 0
        for start in range(0, len(queries), ECITMATCH_BATCH):
            batch = queries[start:start + ECITMATCH_BATCH]
            # Our own line keys: the caller's keys may hold characters ECitMatch would split on.
            lines = [
                "|".join((_citmatch_field(q.journal), _citmatch_field(q.year), _citmatch_field(q.volume),
                          _citmatch_field(q.first_page), _citmatch_field(q.author), f"q{start + i}")) + "|"
                for i, q in enumerate(batch)
            ]
            params = [("db", "pubmed"), ("retmode", "xml"), ("bdata", "\r".join(lines))]

            parse = ParsedOnce(parse_ecitmatch)

            def validate(reply: Reply, keys: frozenset[str] = frozenset(f"q{start + i}" for i in range(len(batch))),
                         parse: ParsedOnce[dict[str, CitMatchOutcome]] = parse) -> bool:
                parsed = parse(reply.body)
                # Every line must come back under its own key: a line lost or garbled would
                # otherwise read as "no match" for that reference.
                if missing := keys - parsed.keys():
                    raise ValueError(f"ECitMatch did not answer {len(missing)} of {len(keys)} lines")
                return any(parsed[k].status != "found" for k in keys)

            outcome = await self._get("ecitmatch.cgi", params, validate)
            requests += outcome.requests
            if outcome.error or outcome.reply is None:
                failed.update(q.key for q in batch)
                error = error or outcome.error
                continue
            parsed = parse(outcome.reply.body)
            for i, query in enumerate(batch):
                found = parsed.get(f"q{start + i}")
                status = found.status if found else "not_found"
                results[query.key] = CitMatchOutcome(key=query.key, status=status,
                                                     pmid=found.pmid if found else None)
        return partial_result(self.service, results, [q.key for q in queries], failed, error, requests)

    async def efetch(self, pmids: Sequence[str]) -> SourceResult[dict[str, Record]]:
        """Records by PMID, keyed as the caller spelt each one (``0012345`` is asked as ``12345``).

        Only what :func:`~auditor.identifiers.norm_pmid` accepts is asked (the parsers' one PMID
        rule): a 10-digit number or non-ASCII digits would cost a request PubMed cannot answer;
        such a value comes back answered, without a record.
        """
        spellings: dict[str, list[str]] = {}
        for given in dict.fromkeys(pmids):
            pmid = norm_pmid(given)
            if pmid is not None:
                spellings.setdefault(pmid, []).append(given)
        result = await self._efetch(list(spellings))
        if all(spellings[p] == [p] for p in spellings):
            return result
        value = None if result.value is None else {
            given: record for pmid, record in result.value.items() for given in spellings.get(pmid, [pmid])}
        unanswered = frozenset(given for pmid in result.unanswered for given in spellings.get(pmid, [pmid]))
        return dataclasses.replace(result, value=value, unanswered=unanswered)

    async def _efetch(self, wanted: list[str]) -> SourceResult[dict[str, Record]]:
        records: dict[str, Record] = {}
        failed: set[str] = set()
        error: str | None = None
        requests = 0
        for start in range(0, len(wanted), EFETCH_BATCH):
            batch = wanted[start:start + EFETCH_BATCH]
            params = [("db", "pubmed"), ("retmode", "xml"), ("id", ",".join(batch))]
            parse = ParsedOnce(parse_efetch)
            outcome = await self._get("efetch.fcgi", params,
                                      lambda r, asked=frozenset(batch), parse=parse: not asked <= parse(r.body).keys(),
                                      post=len(batch) > 20 or None)
            requests += outcome.requests
            if outcome.error or outcome.reply is None:
                failed.update(batch)
                error = error or outcome.error
                continue
            records.update(parse(outcome.reply.body))
        return partial_result(self.service, records, wanted, failed, error, requests)

    async def esearch(self, term: str, retmax: int = 5) -> SourceResult[list[str]]:
        if not term.strip():
            return SourceResult(self.service, value=[])
        params = [("db", "pubmed"), ("retmode", "xml"), ("retmax", str(retmax)), ("term", term)]
        parse = ParsedOnce(parse_esearch)
        outcome = await self._get("esearch.fcgi", params, lambda r: not parse(r.body))
        if outcome.error or outcome.reply is None:
            return SourceResult(self.service, error=outcome.error, requests=outcome.requests)
        body = outcome.reply.body
        return SourceResult(self.service, value=list(parse(body)), requests=outcome.requests,
                            total=esearch_count(body))
