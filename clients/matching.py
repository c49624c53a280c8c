"""The duplicate-search engine: blind-index keys, candidate lookup and ranking.

This module knows nothing about who may see what: ``clients.queries`` scopes
its results for a user and ``clients.actions`` uses it to find possible
duplicates across agencies. Nothing here logs or returns plaintext beyond
the candidate rows it was asked to rank.

Index design (DESIGN.md section 4): every key pairs two pieces, so no
low-entropy value (a birth date, the last four of an SSN, a phonetic code)
is indexed on its own, and each key is truncated so that at the scale of a
region (about a million clients) a bucket holds a few rows: enough to blur
an index value, few enough to decrypt. Together the keys still find a
record when any single piece has a typo:

=========================  =================================  ===========================
column                     pieces                             survives a typo in
=========================  =================================  ===========================
name_bidx                  last name, first name (exact)      DOB, SSN
name_phonetic_bidx         NYSIIS(last), NYSIIS(first)        DOB, SSN, most name typos
name_phonetic_year_bidx    both NYSIIS codes, birth year      day or month of the DOB (narrows
                                                              common names)
last_phonetic_dob_bidx     NYSIIS(last), DOB                  first name, SSN
first_phonetic_dob_bidx    NYSIIS(first), DOB                 last name, SSN
initials_dob_bidx          first and last initials, DOB       names (not the initials)
ssn4_dob_bidx              SSN last four, DOB                 names
ssn4_last_initial_bidx     SSN last four, last initial        DOB, first name
ssn4_first_initial_bidx    SSN last four, first initial       DOB, last name
name_neighbour_bidx        one name within one deletion,      one edit in either name
(an array, GIN-indexed)    the other name exact               with no DOB or SSN, names
                                                              swapped, a double name in part
=========================  =================================  ===========================

``name_neighbour_bidx`` makes a name-only query forgive one typo. For each
name it holds a key per *deletion neighbour* (the name itself and the name
with one letter removed) paired with the other name exactly; two spellings
one edit apart (a letter deleted, inserted, changed, or two swapped) always
share a neighbour. The pairing is unordered (first name or last name alike),
so swapped names meet; each part of a hyphenated or double name is paired
too; and each name's first letter with the other name lets an initial find
the record. Keys are truncated to 24 bits: a row has about 16 of them, so at
a million clients a bucket still holds a row or two besides the real ones.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import connection
from rapidfuzz.distance import JaroWinkler

from hmis.blind_index import blind_digests, normalize_date, normalize_name, normalize_ssn, phonetic_name

# column -> (pieces, bits)
KEYS: dict[str, tuple[tuple[str, ...], int]] = {
    "name_bidx": (("last", "first"), 20),
    "name_phonetic_bidx": (("last_ph", "first_ph"), 20),
    "name_phonetic_year_bidx": (("last_ph", "first_ph", "year"), 20),
    "last_phonetic_dob_bidx": (("last_ph", "dob"), 20),
    "first_phonetic_dob_bidx": (("first_ph", "dob"), 20),
    "initials_dob_bidx": (("initials", "dob"), 20),
    "ssn4_dob_bidx": (("ssn4", "dob"), 20),
    "ssn4_last_initial_bidx": (("ssn4", "last_initial"), 16),
    "ssn4_first_initial_bidx": (("ssn4", "first_initial"), 16),
}
INDEX_COLUMNS = tuple(KEYS)
_PIECE_NAMES = tuple(dict.fromkeys(piece for parts, _bits in KEYS.values() for piece in parts))
NEIGHBOUR_COLUMN = "name_neighbour_bidx"
NEIGHBOUR_BITS = 24
# Deleting a letter from a one- or two-letter name matches too much to help.
NEIGHBOUR_MIN_LENGTH = 3
_NAME_PARTS = re.compile(r"[\s\-]+")

PER_KEY_LIMIT = 50
CANDIDATE_CAP = 200
STRONG_MATCH = 0.90
INITIAL_MATCH = 0.90
PART_MATCH = 0.95
SWAPPED_MATCH = 0.95
WEIGHTS = {"last": 0.35, "first": 0.25, "dob": 0.25, "ssn4": 0.15}

PLACEHOLDER_DOBS = frozenset({datetime.date(1900, 1, 1)})


def deletion_neighbours(name: str) -> set[str]:
    """The name and each spelling of it with one letter removed."""
    if len(name) < NEIGHBOUR_MIN_LENGTH:
        return {name}
    return {name} | {name[:i] + name[i + 1 :] for i in range(len(name))}


def name_parts(raw: str | None) -> tuple[str, ...]:
    """The normalised parts of a hyphenated or double name ("Garcia-Lopez"), if more than one."""
    parts = [p for p in (normalize_name(part) for part in _NAME_PARTS.split(raw or "")) if p]
    return tuple(parts) if len(parts) > 1 else ()


def _neighbour_keys(values) -> list[int]:
    # blind_index(NEIGHBOUR_COLUMN, value, bits=24) as a number: the digest's first three bytes.
    digests = blind_digests([f"{NEIGHBOUR_COLUMN}\x00{value}".encode() for value in values])
    return [int.from_bytes(digest[:3], "big") for digest in digests]


assert NEIGHBOUR_BITS == 24


def stored_neighbour_keys(first_name, last_name) -> list[int] | None:
    """The ``name_neighbour_bidx`` of a record: every spelling within one
    deletion of each name (and of each part of a double name) paired with
    the other name, and each name's initial paired with the other name."""
    firsts = {normalize_name(first_name), *name_parts(first_name)} - {""}
    lasts = {normalize_name(last_name), *name_parts(last_name)} - {""}
    if not firsts or not lasts:
        return None
    values = set()
    for names, others in ((firsts, lasts), (lasts, firsts)):
        for name in names:
            for other in others:
                values.update([f"{d}|{other}" for d in deletion_neighbours(name)])
                values.add(f"{name[0]}|{other}")
    return sorted(set(_neighbour_keys(values)))


def is_placeholder_ssn(digits: str) -> bool:
    """000-00-0000 and any SSN of one repeated digit are placeholders, never a match."""
    return bool(digits) and len(set(digits)) == 1


def usable_dob(dob) -> str:
    if not dob:
        return ""
    if isinstance(dob, str):
        dob = datetime.date.fromisoformat(dob)
    return "" if dob in PLACEHOLDER_DOBS else normalize_date(dob)


def usable_ssn4(ssn: str | None) -> str:
    """The last four digits of a stored SSN (full or partial) or a typed last four;
    empty for placeholders and for an impossible serial (0000)."""
    digits = normalize_ssn(ssn)
    if len(digits) not in (4, 9) or is_placeholder_ssn(digits):
        return ""
    last4 = digits[-4:]
    return "" if last4 == "0000" else last4


@dataclass(frozen=True)
class Pieces:
    """The normalised pieces of one identity; empty strings where unknown."""

    first: str = ""
    last: str = ""
    dob: str = ""
    ssn4: str = ""
    first_parts: tuple[str, ...] = ()
    last_parts: tuple[str, ...] = ()

    @classmethod
    def of(cls, *, first_name=None, last_name=None, dob=None, ssn=None):
        return cls(
            normalize_name(first_name),
            normalize_name(last_name),
            usable_dob(dob),
            usable_ssn4(ssn),
            name_parts(first_name),
            name_parts(last_name),
        )

    def part(self, name: str) -> str:
        if name == "last_ph":
            return phonetic_name(self.last)
        if name == "first_ph":
            return phonetic_name(self.first)
        if name == "last_initial":
            return self.last[:1]
        if name == "first_initial":
            return self.first[:1]
        if name == "year":
            return self.dob[:4]
        if name == "initials":
            return self.first[:1] + self.last[:1] if self.first and self.last else ""
        return getattr(self, name)

    def keys(self) -> dict[str, str | None]:
        """Every index column with its value, None where a piece is missing."""
        # Each piece once (``part``), not once per column that uses it.
        pieces = {name: self.part(name) for name in _PIECE_NAMES}
        out = dict.fromkeys(KEYS)
        messages, filled = [], []
        for column, (parts, _bits) in KEYS.items():
            values = [pieces[p] for p in parts]
            if all(values):
                # blind_index(column, "|".join(values), bits=bits), all of a record's keys at once.
                messages.append(f"{column}\x00{'|'.join(values)}".encode())
                filled.append(column)
        for column, digest in zip(filled, blind_digests(messages), strict=True):
            out[column] = digest.hex()[: KEYS[column][1] // 4]
        return out

    def neighbour_keys(self) -> list[int]:
        """The keys a query looks up in ``name_neighbour_bidx``: the deletion
        neighbours of each name as typed, paired with the other name as typed."""
        if not self.first or not self.last:
            return []
        values = {f"{d}|{self.last}" for d in deletion_neighbours(self.first)}
        values |= {f"{d}|{self.first}" for d in deletion_neighbours(self.last)}
        # The spelling as typed first: if the cap cuts, it cuts the looser keys.
        exact = [f"{self.first}|{self.last}", f"{self.last}|{self.first}"]
        ordered = exact + sorted(values - set(exact))
        return list(dict.fromkeys(_neighbour_keys(ordered)))

    @property
    def filled(self) -> int:
        return sum(1 for v in (self.first, self.last, self.dob, self.ssn4) if v)


def candidate_ids(pieces: Pieces, *, exclude_id=None) -> list:
    """Ids of rows sharing any index key with ``pieces``: one indexed query,
    at most ``PER_KEY_LIMIT`` rows per key and ``CANDIDATE_CAP`` in all."""
    keys = {c: v for c, v in pieces.keys().items() if v}
    neighbours = pieces.neighbour_keys()
    if not keys and not neighbours:
        return []
    # Column names come from KEYS (a constant), values are parameters.
    assert set(keys) <= set(KEYS)
    branches = [
        f"(SELECT id FROM clients_client WHERE {column} = %s LIMIT {PER_KEY_LIMIT})"  # noqa: S608
        for column in keys
    ]
    params: list = list(keys.values())
    if neighbours:
        # One lateral lookup per neighbour key, in the keys' order: planned once, not once per key.
        lookup = f"SELECT id FROM clients_client WHERE {NEIGHBOUR_COLUMN} @> ARRAY[k.key] LIMIT {PER_KEY_LIMIT}"  # noqa: S608
        keyed = "unnest(%s::integer[]) WITH ORDINALITY AS k(key, n)"
        branches.append(f"(SELECT c.id FROM {keyed} CROSS JOIN LATERAL ({lookup}) AS c ORDER BY k.n)")  # noqa: S608
        params.append(neighbours)
    sql = f"SELECT id FROM ({' UNION ALL '.join(branches)}) AS candidates LIMIT {3 * CANDIDATE_CAP}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # UNION ALL keeps the branches' order (the most specific keys first); dedupe here.
        ids = list(dict.fromkeys(row[0] for row in cursor.fetchall()))
    ids = [i for i in ids if i != exclude_id]
    return ids[:CANDIDATE_CAP]


def name_similarity(typed: str, stored: str, stored_parts: tuple[str, ...] = ()) -> float:
    """Jaro-Winkler of a typed name against a stored one (or, a little lower,
    one part of a stored double name); a typed initial scores 0.9 if it fits."""
    if not typed or not stored:
        return 0.0
    if len(typed) == 1:
        return INITIAL_MATCH if stored.startswith(typed) else 0.0
    best = JaroWinkler.normalized_similarity(typed, stored)
    for part in stored_parts:
        best = max(best, PART_MATCH * JaroWinkler.normalized_similarity(typed, part))
    return best


def similarity(query: Pieces, candidate: Pieces) -> float:
    """Weighted similarity over the pieces the query has (0..1); names typed
    the other way round count, a little lower."""
    total = weight_sum = 0.0
    for name, weight in WEIGHTS.items():
        q = getattr(query, name)
        if not q:
            continue
        weight_sum += weight
        c = getattr(candidate, name)
        if c and name in ("dob", "ssn4"):
            total += weight * JaroWinkler.normalized_similarity(q, c)
    as_typed = _names_score(query.first, query.last, candidate)
    if query.first and query.last:
        as_typed = max(as_typed, SWAPPED_MATCH * _names_score(query.last, query.first, candidate))
    total += as_typed
    return total / weight_sum if weight_sum else 0.0


def _names_score(first: str, last: str, candidate: Pieces) -> float:
    score = 0.0
    if first:
        score += WEIGHTS["first"] * name_similarity(first, candidate.first, candidate.first_parts)
    if last:
        score += WEIGHTS["last"] * name_similarity(last, candidate.last, candidate.last_parts)
    return score


@dataclass
class Ranked:
    client_id: object
    score: float
    confidential: bool
    owning_agency_id: object


def rank(query: Pieces, ids) -> list[Ranked]:
    """Decrypt only the candidates' pieces the query has (names always; the birth
    date or SSN only when it was typed) and rank them, best first. Nothing else is
    decrypted here: the few rows shown are loaded by ``clients.queries``."""
    from clients.models import Client

    if not ids:
        return []
    fields = ["first_name", "last_name"] + (["dob"] if query.dob else []) + (["ssn"] if query.ssn4 else [])
    rows = Client.objects.filter(pk__in=ids, merged_into__isnull=True).values_list(  # never a tombstone
        "id", "confidential", "owning_agency_id", *fields
    )
    ranked = [
        Ranked(pk, similarity(query, Pieces.of(**dict(zip(fields, pieces, strict=True)))), confidential, agency_id)
        for pk, confidential, agency_id, *pieces in rows
    ]
    ranked.sort(key=lambda r: (-r.score, str(r.client_id)))
    return ranked


def find(query: Pieces, *, exclude_id=None) -> list[Ranked]:
    return rank(query, candidate_ids(query, exclude_id=exclude_id))
