"""Find candidate records for every reference with the fewest requests, in as little time.

The order matters for cost: identifiers first (one batched Crossref request for all DOIs, one
EFetch for all PMIDs), then one ECitMatch request for every reference with a locator, then one
EFetch for everything found; only references still open get per-reference searches. A hit is
"resolved" only when the judge's identity test accepts it, so a locator that lands on an unrelated
article keeps its reference open (and is still handed to the judge, which reports where it landed).

The order is kept per reference, not for the whole list, because PubMed and Crossref have separate
rate limits: a reference's Crossref search starts the moment PubMed has said all it can about it
before the sweep (at once without a locator, when ECitMatch finds nothing, or after the EFetch of
what it found), while PubMed is still answering for the others; unparsed entries go to Crossref at
once. Each search is still sent only for a reference PubMed left open, and a PubMed sweep chunk
goes out once the Crossref searches of its own references have answered (the last chunk waits for
the last search), so the same number of questions is asked and each reference gets the answers the
strict sequence gave it. What stays sequential is a real dependency: a search waits for ECitMatch,
since a reference PubMed settles is never searched.

Identical references are resolved once: the resolver works on one state per distinct
:func:`reference_key`, and a :class:`ResolutionMemo` shared by the resolvers of documents audited
together extends that to the whole run, so 5,000 references of which 30 are distinct cost what 30 do.

Nothing here decides a verdict. The output is, per reference, the candidate records and which
sources answered or failed for it, which is all the judge needs to tell ``not_found`` (every
source answered, nothing matched) from ``unchecked`` (a source failed).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from auditor.identifiers import norm_doi
from auditor.model import ParsedFields, Record, Reference, SourceResult
from auditor.sources.base import CitMatchQuery, CrossrefSource, EntrezSource
from auditor.sources.entrez import build_term

R = TypeVar("R", bound=SourceResult[Any])
SWEEP_GROUPS = 15
"""Reference queries OR'ed into one ESearch: big enough to batch a document, small enough that one
loose group cannot crowd the others out of ``retmax``."""
MIN_FREE_TEXT_WORDS = 6
"""An unparsed entry shorter than this is too little text to search for (``???``, a bare URL)."""

SameWork = Callable[[ParsedFields, Record], bool]
Progress = Callable[[int], None]

_MARKUP = re.compile(r"[*_`]+")


@dataclass
class _State:
    """What the resolver knows about one reference while it works."""

    reference: Reference
    candidates: dict[tuple[str, str], Record] = field(default_factory=dict)
    consulted: dict[str, str] = field(
        default_factory=lambda: {"pubmed": "not_asked", "crossref": "not_asked"}
    )
    resolved: bool = False
    ready_for_sweep: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once everything before the PubMed sweep is done for this reference (its search included)."""
    errors: dict[str, str] = field(default_factory=dict)
    """The first reason each failed source gave, so a report can say why a reference is unchecked."""

    def add(self, record: Record) -> None:
        key = (record.source, record.pmid or record.doi or record.title or "")
        self.candidates.setdefault(key, record)

    def mark(self, source: str, result: SourceResult[object], key: str | None = None) -> None:
        """Record how a source did for this reference (for ``key``, when the call was batched)."""
        # "failed" is sticky: one failed question means the source did not fully answer for this
        # reference, so an absence of matches from it cannot support ``not_found``.
        if not (result.ok if key is None else result.answered(key)):
            self.consulted[source] = "failed"
            self.errors.setdefault(source, result.error or "no answer")
        elif self.consulted[source] != "failed":
            self.consulted[source] = "answered"


@dataclass(frozen=True)
class Resolution:
    """Candidates and consulted sources per reference, in the order of the input references."""

    reference: Reference
    candidates: tuple[Record, ...]
    consulted: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Answer:
    """What resolving one distinct reference produced, to be handed to every copy of it."""

    candidates: tuple[Record, ...]
    consulted: dict[str, str]
    errors: dict[str, str]

    @classmethod
    def of(cls, state: _State) -> _Answer:
        return cls(tuple(state.candidates.values()), dict(state.consulted), dict(state.errors))


class ResolutionMemo:
    """Answers per distinct reference for one run, shared by every resolver of that run.

    The first resolver to meet a reference claims it and resolves it in its own batches; any other
    resolver meeting the same reference awaits that answer instead of asking again. Claims never wait
    on each other (a resolver finishes its own batches before awaiting others' claims), so documents
    audited concurrently cannot deadlock. One memo belongs to one event loop and one run: a later run
    must ask again, since the services' answers change.
    """

    def __init__(self) -> None:
        self._answers: dict[Hashable, asyncio.Future[_Answer]] = {}

    def claim(self, key: Hashable) -> asyncio.Future[_Answer] | None:
        """None when the caller now owns ``key`` (and must settle it), else the owner's future answer."""
        existing = self._answers.get(key)
        if existing is not None:
            return existing
        self._answers[key] = asyncio.get_running_loop().create_future()
        return None

    def settle(self, key: Hashable, answer: _Answer) -> None:
        future = self._answers[key]
        if not future.done():
            future.set_result(answer)

    def abandon(self, key: Hashable, exc: BaseException) -> None:
        """The owner failed: waiters get its exception rather than waiting forever."""
        future = self._answers[key]
        if not future.done():
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # the owner raises it itself: no "never retrieved" warning if none wait


@dataclass
class _SweepAnswer:
    """One sweep chunk's PMIDs, and how each of its groups was answered (applied once all are in)."""

    ids: set[str]
    marks: list[tuple[list[_State], SourceResult[list[str]], bool, int]]

    def apply(self) -> set[str]:
        for states, result, cut, returned in self.marks:
            for state in states:
                state.mark("pubmed", result)
                if cut:
                    state.consulted["pubmed"] = "failed"
                    state.errors.setdefault(
                        "pubmed", f"search matched {result.total} records, more than the {returned} returned")
        return self.ids


def reference_key(reference: Reference) -> Hashable:
    """References with equal keys send the same questions and get the same answers.

    A parsed reference is asked by its fields and, for Crossref, by its text without markup or ids
    (compared case-blind and whitespace-blind, as the search itself is); an unparsed one by its text,
    which is all the resolver uses. The printed number and position are not part of the key.
    """
    if reference.parse_error is not None:
        return ("unparsed", " ".join(reference.raw.split()))
    return ("parsed", reference.parsed, " ".join(bibliographic_text(reference).casefold().split()))


def _clean(text: str | None) -> str:
    return _MARKUP.sub("", text or "").strip()


def _first_author_query(fields: ParsedFields) -> str:
    """ECitMatch's author field wants ``surname initials`` in lower case; collective names are useless."""
    if not fields.authors:
        return ""
    first = fields.authors[0]
    if len(first.split()) > 3:  # a collective author, not "Surname AB"
        return ""
    return first.lower()


def _locator(fields: ParsedFields) -> str:
    return fields.first_page or fields.article_number or ""


def citmatch_query(key: str, fields: ParsedFields) -> CitMatchQuery | None:
    """An ECitMatch line for a reference, or None when it lacks the locator that makes one useful."""
    journal = _clean(fields.journal)
    if not (journal and fields.year and fields.volume and _locator(fields)):
        return None
    return CitMatchQuery(
        key=key,
        journal=journal.lower(),
        year=str(fields.year),
        volume=fields.volume,
        first_page=_locator(fields),
        author=_first_author_query(fields),
    )


def bibliographic_text(reference: Reference) -> str:
    """The free text Crossref's ``query.bibliographic`` scores: the raw entry minus markup and ids."""
    text = _MARKUP.sub("", reference.raw)
    text = re.sub(r"\b(?:doi:?\s*|https?://(?:dx\.)?doi\.org/)\S+", " ", text, flags=re.I)
    text = re.sub(r"\bPMID:?\s*\d+", " ", text)
    return re.sub(r"\s+", " ", text).strip()[:500]


class Resolver:
    """Runs the resolution steps for one batch of references against the two sources."""

    def __init__(
        self,
        entrez: EntrezSource,
        crossref: CrossrefSource,
        same_work: SameWork,
        esearch_term: Callable[[ParsedFields], str | None],
        progress: Progress | None = None,
        evidence: SameWork | None = None,
        raw_identity: Callable[[Reference, Record], bool] | None = None,
        memo: ResolutionMemo | None = None,
    ) -> None:
        self.entrez = entrez
        self.crossref = crossref
        self.same_work = same_work
        self.esearch_term = esearch_term
        self.progress = progress or (lambda n: None)
        self.evidence = evidence or (lambda fields, record: False)
        """Records worth showing the judge though they are not the work (a locator or title look-alike)."""
        self.raw_identity = raw_identity
        """Identity for entries the parser could not split; None leaves them unsearched."""
        self.requests = 0
        """HTTP requests this resolver caused (cache hits are free), for cost reporting."""
        self.memo = memo
        """Shared with the other documents of the run; None: duplicates are merged within a call only."""

    async def resolve(self, references: Sequence[Reference]) -> list[Resolution]:
        memo = self.memo if self.memo is not None else ResolutionMemo()
        keys = [reference_key(ref) for ref in references]
        owned: dict[Hashable, _State] = {}
        elsewhere: dict[Hashable, asyncio.Future[_Answer]] = {}
        for ref, key in zip(references, keys, strict=True):
            if key in owned or key in elsewhere:
                continue
            waiting = memo.claim(key)
            if waiting is None:
                owned[key] = _State(ref)
            else:
                elsewhere[key] = waiting
        mine = list(owned.values())
        try:
            await self._resolve_distinct(mine)
        except BaseException as exc:
            for key in owned:
                memo.abandon(key, exc)
            raise
        answers = {key: _Answer.of(state) for key, state in owned.items()}
        for key, answer in answers.items():
            memo.settle(key, answer)
        for key, future in elsewhere.items():
            # Shielded: this resolver being cancelled must not cancel the owner's answer for others.
            answers[key] = await asyncio.shield(future)
        # Resolved distinct references ticked as they resolved; the rest, and every copy, tick now.
        self.progress(sum(1 for s in mine if not s.resolved) + len(references) - len(mine))
        return [
            Resolution(ref, answers[key].candidates, dict(answers[key].consulted), dict(answers[key].errors))
            for ref, key in zip(references, keys, strict=True)
        ]

    async def _resolve_distinct(self, states: list[_State]) -> None:
        """The two sources' chains at once: unparsed entries need nothing from PubMed."""
        usable = [s for s in states if s.reference.parse_error is None]
        unparsed = [s for s in states if s.reference.parse_error is not None]
        await asyncio.gather(self._by_fields(usable), self._by_raw_text(unparsed))

    async def _by_fields(self, states: list[_State]) -> None:
        await self._by_identifiers(states)
        tasks: list[asyncio.Future[None]] = [asyncio.ensure_future(self._pubmed_sweep(states))]

        def release(state: _State) -> None:
            """PubMed has no more to say about ``state`` before the sweep: Crossref may search it now."""
            if state.resolved:
                state.ready_for_sweep.set()
            else:
                tasks.append(asyncio.ensure_future(self._search_open(state)))

        try:
            await self._by_citmatch(states, release)
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:  # the sweep would otherwise wait forever for references never released
                task.cancel()
            raise

    def _count(self, result: R) -> R:
        self.requests += result.requests
        return result

    # -- steps ---------------------------------------------------------------------------------

    def _accept(self, state: _State, record: Record) -> None:
        state.add(record)
        if not state.resolved and self.same_work(state.reference.parsed, record):
            state.resolved = True
            self.progress(1)

    async def _fetch_pmids(self, wanted: dict[str, list[_State]]) -> None:
        """One EFetch for every PMID any reference is waiting on."""
        if not wanted:
            return
        self._assign("pubmed", self._count(await self.entrez.efetch(sorted(wanted))), wanted)

    def _assign(self, source: str, result: SourceResult[dict[str, Record]], wanted: dict[str, list[_State]]) -> None:
        """Hand each key's record from a batched answer to the references waiting on that key."""
        for key, states in wanted.items():
            for state in states:
                state.mark(source, result, key)
                record = (result.value or {}).get(key) if result.answered(key) else None
                if record is not None:
                    self._accept(state, record)

    async def _by_identifiers(self, states: list[_State]) -> None:
        by_doi: dict[str, list[_State]] = {}
        by_pmid: dict[str, list[_State]] = {}
        for state in states:
            fields = state.reference.parsed
            if fields.doi:
                by_doi.setdefault(norm_doi(fields.doi), []).append(state)
            if fields.pmid:
                by_pmid.setdefault(fields.pmid, []).append(state)
        tasks = []
        if by_doi:
            tasks.append(self._lookup_dois(by_doi))
        if by_pmid:
            tasks.append(self._fetch_pmids(by_pmid))
        await asyncio.gather(*tasks)

    async def _lookup_dois(self, by_doi: dict[str, list[_State]]) -> None:
        self._assign("crossref", self._count(await self.crossref.works_by_dois(sorted(by_doi))), by_doi)

    async def _by_citmatch(self, states: list[_State], release: Callable[[_State], None]) -> None:
        """One ECitMatch for every open reference with a locator, one EFetch for what it found.

        ``release`` is told of each open reference as soon as this step is done with it, so its
        Crossref search need not wait for the rest of the list.
        """
        queries: dict[str, tuple[CitMatchQuery, _State]] = {}
        for index, state in enumerate(states):
            if state.resolved:
                release(state)  # settled by its identifiers
                continue
            query = citmatch_query(f"ref{index}", state.reference.parsed)
            if query is None:
                release(state)  # nothing for ECitMatch to place
            else:
                queries[query.key] = (query, state)
        if not queries:
            return
        result = self._count(await self.entrez.ecitmatch([q for q, _ in queries.values()]))
        wanted: dict[str, list[_State]] = {}
        for key, (_, state) in queries.items():
            state.mark("pubmed", result, key)
            outcome = (result.value or {}).get(key) if result.answered(key) else None
            if outcome is not None and outcome.pmid:
                wanted.setdefault(outcome.pmid, []).append(state)
            else:
                release(state)  # no PMID to fetch: PubMed cannot settle it before the sweep
        await self._fetch_pmids(wanted)
        for waiting in wanted.values():
            for state in waiting:
                release(state)

    async def _search_open(self, state: _State) -> None:
        """Crossref bibliographic search for a reference PubMed left open.

        Crossref goes before the PubMed sweep because its scored full-text matching tolerates wrong
        details where ESearch ANDs every term. A search hit becomes a candidate only when it is the
        same work: handing loose hits to the judge would make every fabricated reference look like
        a "major" error against some random paper.
        """
        def consider(state: _State, record: Record) -> None:
            if self.same_work(state.reference.parsed, record):
                self._accept(state, record)
            elif self.evidence(state.reference.parsed, record):
                state.add(record)  # the judge reports what the locator or the title lands on

        await self._crossref_search(state, consider)
        state.ready_for_sweep.set()

    async def _crossref_search(self, state: _State, consider: Callable[[_State, Record], None]) -> None:
        """One ``query.bibliographic`` (the API has no batch form); the HTTP layer's limiter paces
        the many that run at once."""
        text = bibliographic_text(state.reference)
        result = self._count(await self.crossref.search_bibliographic(text, rows=3))
        state.mark("crossref", result)
        for record in (result.value or []) if result.ok else []:
            consider(state, record)

    async def _by_raw_text(self, states: list[_State]) -> None:
        """Entries the parser could not split go to Crossref as free text, which is what
        ``query.bibliographic`` is for. A hit counts only when ``raw_identity`` finds its title,
        first author and year in the text; PubMed is not asked (it has no free-text matcher)."""
        raw_identity = self.raw_identity
        if raw_identity is None:
            return

        def consider(state: _State, record: Record) -> None:
            if raw_identity(state.reference, record):
                state.add(record)

        wordy = [s for s in states if len(bibliographic_text(s.reference).split()) >= MIN_FREE_TEXT_WORDS]
        await asyncio.gather(*(self._crossref_search(s, consider) for s in wordy))

    async def _pubmed_sweep(self, states: list[_State]) -> None:
        """Batched ESearches (plus one EFetch) for everything PubMed has not been asked well enough.

        Two kinds of question share a request: the DOIs of works matched only in Crossref (to
        find their PubMed record, which carries retraction links and MedlineTA, and to let the two
        sources confirm each other), and title-and-author queries for references still open (works
        PubMed has and Crossref lacks). The groups are OR'ed, so the answer is a pool of PMIDs that
        is assigned back by DOI or by the identity test; ``SWEEP_GROUPS`` bounds the query size.

        Groups are taken in reference order and a chunk is sent as soon as its references are
        ready (their Crossref searches answered), while Crossref still searches for later ones; the
        chunks depend only on the references, never on timing, so a rerun asks the same questions
        (and finds them in the cache). Marks are applied after every chunk has answered, so a
        reference joining a DOI group that was already sent is marked like the rest of it.
        """
        confirm: dict[str, list[_State]] = {}
        searching: list[_State] = []
        pending: list[tuple[str, list[_State]]] = []
        chunks: list[asyncio.Future[_SweepAnswer]] = []
        try:
            for state in states:
                await state.ready_for_sweep.wait()
                if state.resolved:
                    doi = self._crossref_only_doi(state)
                    if doi in confirm:
                        confirm[doi].append(state)  # one question per DOI, however many cite it
                    elif doi:
                        confirm[doi] = [state]
                        pending.append((build_term(doi=doi), confirm[doi]))
                elif term := self.esearch_term(state.reference.parsed):
                    searching.append(state)
                    pending.append((term, [state]))
                if len(pending) == SWEEP_GROUPS:
                    chunks.append(asyncio.ensure_future(self._sweep_chunk(pending)))
                    pending = []
            if pending:
                chunks.append(asyncio.ensure_future(self._sweep_chunk(pending)))
            answers = await asyncio.gather(*chunks)
        except BaseException:
            for chunk in chunks:
                chunk.cancel()
            raise
        pool: set[str] = set()
        for answer in answers:
            pool |= answer.apply()
        if not pool:
            return
        fetched = self._count(await self.entrez.efetch(sorted(pool)))
        records = list((fetched.value or {}).values())  # what arrived, even if another batch failed
        by_doi = {(r.doi or "").lower(): r for r in records if r.doi}
        for doi, sts in confirm.items():
            for state in sts:
                state.mark("pubmed", fetched)
                if doi in by_doi:
                    state.add(by_doi[doi])
        for state in searching:
            state.mark("pubmed", fetched)
            for record in records:
                if self.same_work(state.reference.parsed, record):
                    self._accept(state, record)

    async def _sweep_chunk(self, chunk: list[tuple[str, list[_State]]]) -> _SweepAnswer:
        """PMIDs for one OR'ed chunk of groups; a chunk cut at ``retmax`` is asked group by group.

        A search whose answer was cut proves nothing by absence, so a single group that is still cut
        leaves its references marked ``failed`` for PubMed (``unchecked`` rather than ``not_found``).
        """
        term = " OR ".join(f"({t})" for t, _ in chunk)
        result = self._count(await self.entrez.esearch(term, retmax=min(200, 20 * len(chunk))))
        ids = list(result.value or []) if result.ok else []
        cut = result.ok and result.total is not None and result.total > len(ids)
        if cut and len(chunk) > 1:
            parts = [await self._sweep_chunk([group]) for group in chunk]
            return _SweepAnswer(set().union(*(p.ids for p in parts)), [m for p in parts for m in p.marks])
        return _SweepAnswer(set(ids), [(sts, result, cut, len(ids)) for _, sts in chunk])

    def _crossref_only_doi(self, state: _State) -> str | None:
        """The DOI of a resolved reference whose only same-work candidate came from Crossref."""
        fields = state.reference.parsed
        records = list(state.candidates.values())
        if any(r.source == "pubmed" and self.same_work(fields, r) for r in records):
            return None
        for record in records:
            if record.source == "crossref" and record.doi and self.same_work(fields, record):
                return record.doi.lower()
        return None
