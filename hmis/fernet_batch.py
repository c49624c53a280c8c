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
import hashlib
import os
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hmis.crypto import _keyring, encrypt_text

_VERSION = b"\x80"


def _newest_key() -> tuple[bytes, bytes]:
    fernet = _keyring()._fernets[0]
    return fernet._signing_key, fernet._encryption_key


def encrypt_many(values: list[str | None]) -> list[str | None]:
    """The Fernet token of each value (None stays None), under the newest key."""
    signing_key, encryption_key = _newest_key()
    # HMAC-SHA256 with the padded key's inner and outer hashes computed once (RFC 2104).
    padded = signing_key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    header = _VERSION + struct.pack(">Q", int(time.time()))
    out: list[str | None] = [None] * len(values)
    short, ivs, blocks = [], [], []
    randomness = os.urandom(16 * len(values))
    for i, value in enumerate(values):
        if value is None:
            continue
        data = value.encode("utf-8")
        if len(data) > 15:
            out[i] = encrypt_text(value)
            continue
        pad = 16 - len(data)
        block = data + bytes([pad]) * pad
        iv = randomness[16 * i : 16 * i + 16]
        short.append(i)
        ivs.append(iv)
        blocks.append((int.from_bytes(block, "big") ^ int.from_bytes(iv, "big")).to_bytes(16, "big"))
    if not short:
        return out
    # ECB over independent blocks is CBC of one block each: AES(IV xor block).
    encryptor = Cipher(algorithms.AES(encryption_key), modes.ECB()).encryptor()  # noqa: S305
    ciphertext = encryptor.update(b"".join(blocks)) + encryptor.finalize()
    for n, i in enumerate(short):
        basic = header + ivs[n] + ciphertext[16 * n : 16 * n + 16]
        inner_mac = inner.copy()
        inner_mac.update(basic)
        mac = outer.copy()
        mac.update(inner_mac.digest())
        out[i] = base64.urlsafe_b64encode(basic + mac.digest()).decode("ascii")
    return out
