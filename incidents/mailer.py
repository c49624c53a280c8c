"""SMTP delivery in two steps, so a worker killed mid-send causes a second
copy only when it dies after handing the message over.

The whole message goes on the wire except the final "." that ends SMTP DATA.
Only then is ``hand_off()`` called (it marks the row ``handed_off`` with a
conditional update and returns False when another worker took the row over);
then the "." is sent. A server that never receives the "." discards the
message, so a worker that dies (or is superseded) before the hand-off has
delivered nothing and the row may be sent again. After the hand-off the
outcome is unknown if the connection dies: ``HandoffUncertain`` (the caller
sends again under the same Message-ID).

With a non-SMTP e-mail backend (console in development, locmem in tests)
the message is handed to the backend after ``hand_off()``.
"""

import re
import smtplib
import socket
import ssl

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.utils import DNS_NAME

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class Superseded(Exception):
    """Another worker owns the row now; nothing was delivered."""


class HandoffUncertain(Exception):
    """The connection failed after the final "." was sent: delivery unknown."""


class Refused(smtplib.SMTPException):
    """The server answered the message with an error code: not delivered."""


def send(message, hand_off):
    """Send one ``EmailMessage``; see the module docstring for the guarantees."""
    if settings.EMAIL_BACKEND != SMTP_BACKEND:
        if not hand_off():
            raise Superseded
        get_connection().send_messages([message])
        return
    _send_smtp(message, hand_off)


def _send_smtp(message, hand_off):
    # DNS_NAME: Django's cached local host name (smtplib would look it up on every connection).
    connection = smtplib.SMTP(
        settings.EMAIL_HOST, settings.EMAIL_PORT, local_hostname=DNS_NAME.get_fqdn(), timeout=settings.EMAIL_TIMEOUT
    )
    # The final "." goes out as its own small write: without TCP_NODELAY, Nagle's
    # algorithm holds it until the server's delayed ACK (about 40 ms per message).
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        connection.ehlo_or_helo_if_needed()
        if settings.EMAIL_USE_TLS:
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if settings.EMAIL_HOST_USER:
            connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        _expect(connection.mail(message.from_email), {250})
        for address in message.recipients():
            _expect(connection.rcpt(address), {250, 251})
        _expect(connection.docmd("DATA"), {354})
        body = message.message().as_bytes(linesep="\r\n")
        body = re.sub(rb"(?m)^\.", b"..", body)  # dot-stuffing, as smtplib does
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body)
        if not hand_off():
            # Drop the connection without the terminating ".": the server discards the message.
            connection.close()
            raise Superseded
        try:
            connection.send(b".\r\n")
            code, _reply = connection.getreply()
        except OSError as error:
            raise HandoffUncertain(type(error).__name__) from None
        if code != 250:
            raise Refused(f"{code}")
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def _expect(reply, codes):
    code, _text = reply
    if code not in codes:
        raise Refused(f"{code}")
