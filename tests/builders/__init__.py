"""Data for tests, one module per app, made the way production makes it.

- ``factories``: factory_boy factories for staff and agencies (made through
  the real actions where production has no other way in), ``PASSWORD``.
- ``hmis``: staff invited through the real pages.
- ``clients``: clients (``make_client`` carries every canary value of
  ``tests/canaries.py``), projects, enrolments, assessments.
- ``hmis_csv``: HMIS CSV zips to import, and reading an export back.
- ``sharing``: releases and referrals through the real actions.
- ``incidents``: incidents reported and moved through the real actions, their
  factories, and the escalation helpers for a real worker and SMTP sink.

Persona fixtures (``intake``, ``other_supervisor``, ...) come from the
``STAFF_PERSONAS`` table in ``tests/conftest.py``; per-app fixtures from each
app's ``conftest.py``.
"""
