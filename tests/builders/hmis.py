"""Staff for tests, added through the real pages."""


def invite(client, **overrides):
    """Post the invitation form as the signed-in ``client`` (an agency lead)."""
    data = {
        "username": "new-caseworker",
        "first_name": "Nia",
        "last_name": "Case",
        "email": "new-caseworker@example.org",
        "roles": ["intake"],
        **overrides,
    }
    return client.post("/agency/users/invite/", data)
