"""Signals the clients app sends so that apps holding rows about a client
(sharing's releases, referrals and disclosures; incidents' affected clients)
follow a merge without ``clients`` importing them.

Both are sent inside the merge's (or undo's) transaction: a receiver's
writes commit or roll back with it, and a receiver that refuses (raises
``ValidationError``) stops the merge.
"""

from django.dispatch import Signal

# kept=, merged= (Clients), merge= (the ClientMerge being written). A receiver
# repoints its rows from ``merged`` to ``kept`` and returns {"app.model": [ids]}
# of exactly the rows it moved; they are stored on ``merge.moved``.
clients_merged = Signal()

# kept=, merged=, merge= (with ``moved`` as recorded). A receiver moves back
# exactly the rows it listed under its labels.
clients_unmerged = Signal()


def moved_ids(merge, label) -> list:
    return list(merge.moved.get(label, []))
