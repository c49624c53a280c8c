"""Consent evidence files: checked by content, stored encrypted under a
random name in ``HMIS_PRIVATE_STORAGE_DIR`` (never under a public URL), read
back only by ``sharing.views.releases`` after a permission check.

Uploads go through ``EvidenceUploadHandler``: the file is streamed to a
temporary file sealed under a key that lives only in memory (so neither is
the whole file held in memory nor does a plaintext copy land on disk), and
nothing beyond the size limit is kept.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

from hmis.crypto import decrypt_bytes, encrypt_bytes
from hmis.uploads import SealedUploadHandler

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
WRONG_TYPE = "Upload the signed form as a PDF, PNG or JPEG file."


def max_bytes() -> int:
    return settings.HMIS_EVIDENCE_MAX_BYTES


def too_big_message() -> str:
    return f"The file is too large: the limit is {max_bytes() // (1024 * 1024)} MB."


def sniff(head: bytes) -> str | None:
    """The content type the first bytes prove, or None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def read_checked(upload) -> tuple[bytes, str]:
    """The bytes and content type of an uploaded evidence file, or a ValidationError
    (too large, empty, or not a PDF, PNG or JPEG by its content; its name is ignored)."""
    limit = max_bytes()
    if getattr(upload, "oversized", False) or (upload.size or 0) > limit:
        raise ValidationError({"evidence": too_big_message()})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"evidence": too_big_message()})
    content_type = sniff(data[:16])
    if not data or content_type is None:
        raise ValidationError({"evidence": WRONG_TYPE})
    return data, content_type


def _directory() -> Path:
    directory = Path(settings.HMIS_PRIVATE_STORAGE_DIR) / "evidence"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def store(data: bytes) -> str:
    """Encrypt and write; returns the random stored name (no client or file name in it)."""
    name = secrets.token_hex(20) + ".enc"
    path = _directory() / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(encrypt_bytes(data))
    return name


def _path(name: str) -> Path:
    # Names are ours (hex + ".enc"); refuse anything else rather than join a path.
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError("no such evidence file")
    return _directory() / name


def load(name: str) -> bytes:
    return decrypt_bytes(_path(name).read_bytes())


def stored_bytes(name: str) -> bytes:
    """The encrypted bytes as on disk (for tests and integrity checks)."""
    return _path(name).read_bytes()


def delete(name: str) -> None:
    try:
        _path(name).unlink()
    except FileNotFoundError:
        pass


class EvidenceUploadHandler(SealedUploadHandler):
    """One evidence file, streamed sealed to a temporary file; nothing beyond
    the size limit is kept (the form then says it is too large)."""

    @classmethod
    def max_bytes(cls) -> int:
        return max_bytes()


def rotate_all() -> tuple[int, int]:
    """Re-encrypt every stored evidence file under the newest field key
    (called by ``manage.py rotate_encryption_keys``); returns (rotated,
    unreadable). Each file is replaced atomically, so a stop midway leaves
    every file readable."""
    from hmis.crypto import DecryptionError, rotate_bytes

    rotated = unreadable = 0
    for path in sorted(_directory().glob("*.enc")):
        token = path.read_bytes()
        try:
            fresh = rotate_bytes(token)
        except DecryptionError:
            unreadable += 1
            continue
        if fresh == token:
            continue
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(fresh)
        os.replace(temporary, path)
        rotated += 1
    return rotated, unreadable
