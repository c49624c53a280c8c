"""Bounded requests and uploads.

- A request body is refused (413) before it is read when it is larger than
  its view takes: form fields only (``DATA_UPLOAD_MAX_MEMORY_SIZE``), plus
  one file's limit for a view that takes a file.
- A view takes files only if it says so with ``@accepts_upload(handler)``;
  anywhere else a file part is refused (400) as soon as it starts, and no
  request carries more than ``DATA_UPLOAD_MAX_NUMBER_FILES`` (1).
- An accepted file is streamed, encrypted under a key that lives only in
  the handler, to an anonymous temporary file: never whole in memory, never
  in plaintext on disk.
- The CSRF check comes before any file is read. Django's own check reads
  ``request.POST``, which for a multipart body parses (and stores) every
  file before it can refuse. Here a multipart request's token comes from
  the ``X-CSRFToken`` header, or from the body's fields that precede its
  first file (forms put ``{% csrf_token %}`` first), read within a small
  bound; the rest of the body is read only once the token matched.
"""

import os
import tempfile
from io import BytesIO

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import FIELD, FILE, ChunkIter, LazyStream, Parser
from django.middleware.csrf import (
    REASON_CSRF_TOKEN_MISSING,
    REASON_NO_CSRF_COOKIE,
    CsrfViewMiddleware,
    InvalidTokenFormat,
    RejectRequest,
    _check_token_format,
    _does_token_match,
)
from django.shortcuts import render
from django.utils.encoding import force_str

CSRF_FIELD = "csrfmiddlewaretoken"
# How much of a multipart body may be read to find the token before a file.
TOKEN_SEARCH_BYTES = 64 * 1024


def accepts_upload(handler_class):
    """Mark a view as taking one file, received by ``handler_class`` (a
    ``SealedUploadHandler`` subclass, whose ``max_bytes()`` bounds the body)."""

    def decorate(view):
        view.hmis_upload_handler = handler_class
        return view

    return decorate


class RefuseFilesUploadHandler(FileUploadHandler):
    """The default: a view that did not ask for a file gets none (400)."""

    def new_file(self, *args, **kwargs):
        raise TooManyFilesSent("This page takes no file.")

    def receive_data_chunk(self, raw_data, start):
        return None

    def file_complete(self, file_size):
        return None


class SealedSpool:
    """An anonymous temporary file whose bytes are encrypted (ChaCha20) under
    a random key held only by this object: the disk never holds the
    plaintext, and the file disappears when closed."""

    def __init__(self):
        self._file = tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR)
        self._key, self._nonce = os.urandom(32), os.urandom(16)
        self._encryptor = self._cipher().encryptor()
        self._decryptor = None

    def _cipher(self):
        return Cipher(algorithms.ChaCha20(self._key, self._nonce), mode=None)

    def write(self, data: bytes) -> int:
        return self._file.write(self._encryptor.update(data))

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise OSError("a sealed spool is read from the start only")
        self._decryptor = self._cipher().decryptor()
        return self._file.seek(0)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._decryptor is None:
            self.seek(0)
        return self._decryptor.update(self._file.read(size))

    def flush(self):
        self._file.flush()

    def close(self):
        self._file.close()

    @property
    def closed(self):
        return self._file.closed


class SealedUploadHandler(FileUploadHandler):
    """Streams one uploaded file to a ``SealedSpool``, keeping at most
    ``max_bytes() + 1`` bytes and marking the file ``oversized`` past that, so
    the form can say "too large" instead of failing."""

    @classmethod
    def max_bytes(cls) -> int:
        raise NotImplementedError

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.spool = SealedSpool()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        room = self.max_bytes() + 1 - self.received
        if room > 0:
            self.spool.write(raw_data[:room])
        self.received += len(raw_data)
        return None

    def file_complete(self, file_size):
        self.spool.seek(0)
        upload = UploadedFile(
            file=self.spool,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        upload.oversized = self.received > self.max_bytes()
        return upload

    def upload_interrupted(self):
        if hasattr(self, "spool"):
            self.spool.close()


class BoundedRequestMiddleware:
    """Placed just before Django's ``CsrfViewMiddleware``: bounds the body by
    what the view takes, installs the view's upload handler, and does the
    CSRF check of a multipart POST itself, without reading any file (Django's
    middleware then sees it done)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.multipart_csrf = MultipartCsrfCheck(get_response)

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        handler_class = getattr(callback, "hmis_upload_handler", None)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + (handler_class.max_bytes() if handler_class else 0)
        if _content_length(request) > limit:
            return render(request, "413.html", {"limit_mb": max(1, limit // (1024 * 1024))}, status=413)
        if handler_class is not None:
            request.upload_handlers = [handler_class(request)]
        if request.method == "POST" and request.content_type == "multipart/form-data":
            return self.multipart_csrf.process_view(request, callback, callback_args, callback_kwargs)
        return None


class MultipartCsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check (origin, referer, cookie, token, failure view),
    taking a multipart body's token from the header or the leading fields."""

    def _check_token(self, request):
        try:
            secret = self._get_secret(request)
        except InvalidTokenFormat as exc:
            raise RejectRequest(f"CSRF cookie {exc.reason}.")
        if secret is None:
            raise RejectRequest(REASON_NO_CSRF_COOKIE)
        token = request.META.get(settings.CSRF_HEADER_NAME) or _token_before_files(request)
        if not token:
            raise RejectRequest(REASON_CSRF_TOKEN_MISSING)
        try:
            _check_token_format(token)
        except InvalidTokenFormat as exc:
            raise RejectRequest(f"CSRF token {exc.reason}.")
        if not _does_token_match(token, secret):
            raise RejectRequest("CSRF token incorrect.")


def _content_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads no body without a valid length


class _Recorder:
    """Reads the request body up to a bound, keeping what it read."""

    def __init__(self, request, limit):
        self.request, self.left, self.chunks = request, limit, []

    def read(self, size=-1):
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.request.read(size) if size > 0 else b""
        self.left -= len(data)
        self.chunks.append(data)
        return data


class _Replay:
    """What was already read, then the rest of the body."""

    def __init__(self, head, rest):
        self.head, self.rest = BytesIO(head), rest

    def read(self, size=-1):
        data = self.head.read(size)
        if size is None or size < 0:
            return data + self.rest.read()
        if len(data) < size:
            data += self.rest.read(size - len(data))
        return data

    def readline(self, size=-1):
        line = self.head.readline(size)
        if line.endswith(b"\n") or (size is not None and 0 <= size <= len(line)):
            return line
        return line + self.rest.readline(-1 if size is None or size < 0 else size - len(line))


def _token_before_files(request) -> str:
    """The CSRF field's value if it comes before the first file part of the
    multipart body (read at most ``TOKEN_SEARCH_BYTES``); the body is then
    put back, unparsed, for the view."""
    boundary = (request.content_params or {}).get("boundary", "")
    recorder = _Recorder(request, TOKEN_SEARCH_BYTES)
    token = ""
    try:
        if boundary:
            for item_type, meta, stream in Parser(LazyStream(ChunkIter(recorder, 4096)), boundary.encode()):
                if item_type == FILE:
                    break
                name = meta.get("content-disposition", ("", {}))[1].get("name", b"")
                if item_type == FIELD and force_str(name, errors="replace").strip() == CSRF_FIELD:
                    token = stream.read(256).decode("ascii", "replace").strip()
                    break
    except Exception:  # a malformed body has no token; Django's parser reports it if it gets that far
        token = ""
    # Private to HttpRequest, and the only way to hand the body back unread.
    request._stream = _Replay(b"".join(recorder.chunks), request._stream)
    request._read_started = False
    return token
