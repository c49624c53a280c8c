"""Encrypt many short values into standard Fernet tokens at once (bulk imports).

A Fernet token is version | timestamp | IV | AES-128-CBC(PKCS7(value)) |
HMAC-SHA256. For a value of at most 15 bytes the ciphertext is one block,
AES(IV xor padded value), so a batch needs one AES call for all its blocks
instead of one cipher object per value (the slow part of
``Fernet.encrypt``). Every token still has its own random IV and its own
HMAC, and decrypts with ``hmis.crypto.decrypt_text`` like any other; longer
values go through the ordinary ``encrypt_text``.
"""

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.db.models import ExpressionWrapper, F, TextField

from hmis.crypto import _keyring, decrypt_text, encrypt_text

_VERSION = b"\x80"


def _newest_key() -> tuple[bytes, bytes]:
    fernet = _keyring()._fernets[0]
    return fernet._signing_key, fernet._encryption_key


_PADDING = [bytes([16 - n]) * (16 - n) for n in range(16)]  # PKCS7 of a value of n < 16 bytes
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def encrypt_many(values: list[str | None]) -> list[str | None]:
    """The Fernet token of each value (None stays None), under the newest key."""
    signing_key, encryption_key = _newest_key()
    # HMAC-SHA256 with the padded key's inner and outer hashes computed once (RFC 2104).
    padded = signing_key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    header = _VERSION + struct.pack(">Q", int(time.time()))
    out: list[str | None] = [None] * len(values)
    short, blocks = [], []
    for i, value in enumerate(values):
        if value is None:
            continue
        data = value.encode("utf-8")
        if len(data) > 15:
            out[i] = encrypt_text(value)
            continue
        short.append(i)
        blocks.append(data + _PADDING[len(data)])
    if not short:
        return out
    size = 16 * len(short)
    ivs = os.urandom(size)  # a random IV of its own for each token
    # Every block xor its IV at once (one big integer), then ECB over the independent
    # blocks, which is CBC of one block each: AES(IV xor block).
    xored = (int.from_bytes(b"".join(blocks), "big") ^ int.from_bytes(ivs, "big")).to_bytes(size, "big")
    encryptor = Cipher(algorithms.AES(encryption_key), modes.ECB()).encryptor()  # noqa: S305
    ciphertext = encryptor.update(xored) + encryptor.finalize()
    inner_copy, outer_copy = inner.copy, outer.copy
    for n, i in enumerate(short):
        basic = header + ivs[16 * n : 16 * n + 16] + ciphertext[16 * n : 16 * n + 16]
        inner_mac = inner_copy()
        inner_mac.update(basic)
        mac = outer_copy()
        mac.update(inner_mac.digest())
        out[i] = binascii.b2a_base64(basic + mac.digest(), newline=False).translate(_URLSAFE).decode("ascii")
    return out


def stored_token(name):
    """An encrypted column's stored token, not decrypted by the field, for
    ``Decryptor`` (``queryset.values(x=stored_token("first_name"))``)."""
    return ExpressionWrapper(F(name), output_field=TextField())


class Decryptor:
    """Decrypt many Fernet tokens: verify each token's HMAC, then AES-decrypt its one
    block with a shared ECB context (IV xor AES^-1(block)). A token of another key,
    of more than one block, or that fails any check goes to ``decrypt_text``, which
    tries every key and raises ``DecryptionError`` as usual."""

    def __init__(self):
        signing_key, encryption_key = _newest_key()
        padded = signing_key.ljust(64, b"\0")
        self.inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self.outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self.blocks = Cipher(algorithms.AES(encryption_key), modes.ECB()).decryptor()  # noqa: S305

    def __call__(self, token: str | None) -> str | None:
        if token is None:
            return None
        data = base64.urlsafe_b64decode(token)
        if len(data) != 73 or data[0] != 0x80:
            return decrypt_text(token)
        basic, mac = data[:41], data[41:]
        inner = self.inner.copy()
        inner.update(basic)
        outer = self.outer.copy()
        outer.update(inner.digest())
        if not hmac.compare_digest(outer.digest(), mac):
            return decrypt_text(token)
        plain = (int.from_bytes(self.blocks.update(basic[25:41]), "big") ^ int.from_bytes(basic[9:25], "big")).to_bytes(
            16, "big"
        )
        pad = plain[-1]
        if not 1 <= pad <= 16 or plain[-pad:] != bytes([pad]) * pad:
            return decrypt_text(token)
        return plain[:-pad].decode("utf-8")
