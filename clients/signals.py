"""Signals the clients app sends so that apps holding rows about a client
(sharing's releases, referrals and disclosures; incidents' affected clients)
follow a merge, and tell the retention job what dates or keeps a client,
without ``clients`` importing them.

Both are sent inside the merge's (or undo's) transaction: a receiver's
writes commit or roll back with it, and a receiver that refuses (raises
``ValidationError``) stops the merge.
"""

from dataclasses import dataclass

from django.dispatch import Signal

# kept=, merged= (Clients), merge= (the ClientMerge being written). A receiver
# repoints its rows from ``merged`` to ``kept`` and returns {"app.model": [ids]}
# of exactly the rows it moved; they are stored on ``merge.moved``.
clients_merged = Signal()

# kept=, merged=, merge= (with ``moved`` as recorded). A receiver moves back
# exactly the rows it listed under its labels.
clients_unmerged = Signal()


# client_ids= . Sent inside a retention batch's transaction, after the clients'
# identifying fields were erased: a receiver erases its own rows' identifying
# free text and files about those clients (consent forms, referral notes).
clients_deidentified = Signal()

# now= . A receiver returns the ``RetentionRules`` of its own rows about a
# client (``OuterRef("pk")`` is the client), read by ``clients.retention``.
retention_rules = Signal()


@dataclass(frozen=True)
class RetentionRules:
    #: SQL expressions: when the app's rows about the client last changed.
    last_changed: tuple = ()
    #: Q objects: the app's rows that keep the client's identifying data (a live release, an open incident).
    keeps: tuple = ()


def moved_ids(merge, label) -> list:
    return list(merge.moved.get(label, []))
