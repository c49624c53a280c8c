"""The shared post/redirect/get helper: a refusal is an error message and
changes nothing; success is a confirmation; both redirect."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from hmis.views.outcome import run_action


class _NoteForm(forms.Form):
    note = forms.CharField(label="Note", max_length=5)


def _request(data=None):
    request = RequestFactory().post("/x/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _messages(request):
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def test_success_shows_the_message_and_redirects():
    request, ran = _request(), []
    response = run_action(request, lambda: ran.append(1), success="Saved.", to="/back/#part")
    assert (response.status_code, response["Location"]) == (302, "/back/#part")
    assert ran == [1]
    assert _messages(request) == [("success", "Saved.")]


def test_a_refusal_becomes_an_error_message_not_a_success():
    def refuse():
        raise ValidationError("Only a supervisor may approve.")

    request = _request()
    response = run_action(request, refuse, success="Saved.", to="/back/")
    assert response.status_code == 302
    assert _messages(request) == [("error", "Only a supervisor may approve.")]


def test_an_invalid_form_is_reported_by_label_and_the_action_does_not_run():
    request, ran = _request({"note": "far too long"}), []
    form = _NoteForm(request.POST)
    run_action(request, lambda: ran.append(form.cleaned_data), success="Saved.", to="/back/", form=form)
    assert ran == []
    [(level, text)] = _messages(request)
    assert level == "error" and text.startswith("Note: ")


def test_an_invalid_form_can_be_reported_in_the_views_own_words():
    request = _request({"note": "far too long"})
    run_action(request, lambda: None, success="Saved.", to="/back/", form=_NoteForm(request.POST), invalid="Say it.")
    assert _messages(request) == [("error", "Say it.")]


def test_the_success_message_can_name_what_the_action_made():
    request = _request()
    run_action(request, lambda: "INC-7", success=lambda made: f"Incident {made} opened.", to="/back/")
    assert _messages(request) == [("success", "Incident INC-7 opened.")]


@pytest.mark.parametrize("error", [PermissionError, KeyError])
def test_other_errors_are_not_swallowed(error):
    def fail():
        raise error

    with pytest.raises(error):
        run_action(_request(), fail, success="Saved.", to="/back/")
