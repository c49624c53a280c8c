"""Canary values: distinctive client data that must never appear outside its
encrypted columns (database dump, audit rows, logs, URLs, page titles,
e-mails, notices). ``tests.builders.clients.make_client`` makes a client
with them; tests look for every form in ``CANARIES``."""

import datetime

CANARY_FIRST = "Quillionaire"
CANARY_LAST = "Zebrafinchley"
CANARY_SSN = "219873456"
CANARY_SSN_SHOWN = "219-87-3456"  # as a revealed SSN is printed
CANARY_PHONE = "555-867-5309"
CANARY_EMAIL = "canary.client@example.org"
CANARY_ADDRESS = "42 Wallaby Way Canaryville"
CANARY_DOB = datetime.date(1983, 7, 19)
# Free text a worker might type about the client (notes, descriptions).
CANARY_NOTE = f"Kookaburra-note-9931 for {CANARY_FIRST} {CANARY_LAST}, born {CANARY_DOB.isoformat()}"

CANARIES = (
    CANARY_FIRST,
    CANARY_LAST,
    CANARY_SSN,
    CANARY_SSN_SHOWN,
    CANARY_PHONE,
    CANARY_EMAIL,
    "Wallaby",  # any part of the address
    CANARY_DOB.isoformat(),
)
