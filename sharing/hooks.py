"""Extension point: what else happens when a release ends.

``sharing.actions.end_release`` is the single place an active release ends
(revocation or expiry). Inside its transaction, after the status moved, it
calls ``release_ended(release)``, which runs every function registered with
``@on_release_ended``. Register at import time of a module Django loads (for
example ``sharing/actions.py`` or an ``AppConfig.ready``)::

    from sharing.hooks import on_release_ended

    @on_release_ended
    def withdraw_shares(release):
        ...  # withdraw the shares it authorised, remove the partner's grant

A hook that raises rolls the whole ending back, so a release is never
recorded as ended while its consequences are left undone. Hooks must be
idempotent: the expiry sweep may run them again after a lost worker.
"""

_HOOKS: list = []


def on_release_ended(func):
    """Decorator: call ``func(release)`` whenever a release ends. Registering twice is harmless."""
    if func not in _HOOKS:
        _HOOKS.append(func)
    return func


def release_ended(release) -> None:
    """Run every registered hook, in registration order (called by ``end_release``)."""
    for hook in list(_HOOKS):
        hook(release)


def registered_hooks() -> list:
    return list(_HOOKS)


def unregister(func) -> None:
    """For tests."""
    if func in _HOOKS:
        _HOOKS.remove(func)
