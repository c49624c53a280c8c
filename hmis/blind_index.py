"""Keyed blind indexes: search encrypted values without decrypting them all.

``blind_index(purpose, value, bits)`` is HMAC-SHA256 under
``HMIS_BLIND_INDEX_KEY`` (a key of its own, not the encryption key) of the
purpose and the normalised value, truncated to ``bits``. Truncation is on
purpose: a short index makes each value collide with a few others, so the
index alone does not confirm a guess, while still narrowing a search to a
handful of candidates that are then decrypted and compared.

Normalisers turn what a worker types into one canonical form, so
"  o'brien " and "OBrien" index alike.
"""

import datetime
import hashlib
import re
import unicodedata
from functools import lru_cache

import jellyfish
from django.conf import settings

_NON_LETTERS = re.compile(r"[^A-Z]")
_NON_DIGITS = re.compile(r"\D")


@lru_cache(maxsize=1 << 16)
def normalize_name(value: str | None) -> str:
    """Upper-case ASCII letters only: accents folded, spaces and punctuation dropped."""
    if not value:
        return ""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _NON_LETTERS.sub("", folded.upper())


def phonetic_name(value: str | None) -> str:
    """A sound-alike code (NYSIIS), so "Jon" and "John" share an index entry."""
    name = normalize_name(value)
    return jellyfish.nysiis(name) if name else ""


def normalize_date(value: datetime.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value.strip())
    return value.isoformat()


def normalize_ssn(value: str | None) -> str:
    """Digits only."""
    return _NON_DIGITS.sub("", value or "")


def blind_index(purpose: str, value: str, *, bits: int = 32) -> str:
    """Hex HMAC of ``value`` for ``purpose``, truncated to ``bits`` (a multiple of 4).

    An empty value has no index (returns ""), so "not collected" never matches.
    """
    if not value:
        return ""
    if bits % 4 or not 8 <= bits <= 256:
        raise ValueError("bits must be a multiple of 4 between 8 and 256")
    return blind_digest(f"{purpose}\x00{value}".encode()).hex()[: bits // 4]


def blind_digest(message: bytes) -> bytes:
    """The whole HMAC-SHA256 of ``message`` (``purpose\\x00value`` encoded) under the
    blind-index key: ``blind_index`` is its hex, truncated."""
    return blind_digests((message,))[0]


def blind_digests(messages) -> list[bytes]:
    """``blind_digest`` of each message, the key read once (a record's many keys at once)."""
    inner, outer = _keyed_hashes(settings.HMIS_BLIND_INDEX_KEY)
    inner_copy, outer_copy = inner.copy, outer.copy
    out = []
    for message in messages:
        mac = inner_copy()
        mac.update(message)
        top = outer_copy()
        top.update(mac.digest())
        out.append(top.digest())
    return out


@lru_cache(maxsize=4)
def _keyed_hashes(key: str):
    """HMAC-SHA256 (RFC 2104) with the keyed inner and outer hashes computed once:
    the same digests as ``hmac.new``, at half the cost, for bulk imports."""
    key_bytes = key.encode("utf-8")
    if len(key_bytes) > 64:
        key_bytes = hashlib.sha256(key_bytes).digest()
    padded = key_bytes.ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in padded)), hashlib.sha256(bytes(b ^ 0x5C for b in padded))
