"""Every page every role reaches, in Chromium, at a phone's and a tablet's
width: nothing scrolls sideways or is cut off, axe-core finds no serious or
critical WCAG 2.2 A/AA violation (also with a refused form's errors shown),
and the browser logs no error.

The pages come from the authorization matrix (``tests/authz``): every GET
URL a persona is expected to open with 200, with the matrix's objects, so a
new page is walked as soon as its expectations are written down.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.authz.base import HARBOR_ROLES, OTHER_ROLES
from tests.conftest import signed_in_context, watched_page
from tests.test_authorization_matrix import EXPECTATIONS

WIDTHS = (375, 768)
HEIGHT = 800
VIEWPORT = {"width": WIDTHS[0], "height": HEIGHT}
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Wider than the viewport, or sticking out of it without a scrollable box to hold it.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const cut = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (!box.width || box.right <= width + 1 || el.closest('[hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    let parent = el.parentElement, held = false;
    while (parent && parent !== document.body) {
      if (['auto', 'scroll'].includes(getComputedStyle(parent).overflowX)) { held = true; break; }
      parent = parent.parentElement;
    }
    if (!held) cut.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
  }
  return {scrollWidth: document.documentElement.scrollWidth, cut: cut.slice(0, 5)};
}"""

# Fields point aria-describedby at their help text and errors: every id must exist.
MISSING_DESCRIPTIONS_JS = """() => [...document.querySelectorAll('[aria-describedby]')]
  .flatMap(el => el.getAttribute('aria-describedby').split(/\\s+/).filter(id => id && !document.getElementById(id)))"""

# What a page shows in its main part, without the per-session form tokens.
PAGE_CONTENT_JS = """() => document.querySelector('main').innerHTML
  .replace(/name="csrfmiddlewaretoken" value="[^"]*"/g, '')"""

AXE_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""

# A POST form in the page with a required field that can be emptied; emptied
# and sent, the server refuses it and shows its errors (nothing is written).
SUBMIT_EMPTY_FORM_JS = """(send) => {
  for (const form of document.querySelectorAll('main form[method=post]')) {
    const fields = [...form.querySelectorAll('input[required], textarea[required]')]
      .filter(f => !['hidden', 'checkbox', 'radio', 'file'].includes(f.type) && f.offsetParent !== null);
    const button = form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
    if (!fields.length || !button) continue;
    if (!send) return true;
    form.noValidate = true;
    const typed = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea';
    for (const f of form.querySelectorAll(typed)) f.value = '';
    button.click();
    return true;
  }
  return false;
}"""


def page_names(persona):
    return [
        name
        for name, expect in sorted(EXPECTATIONS.items())
        if expect.method == "get" and not expect.public and expect.expected(persona) == 200
    ]


def walk_plan():
    """Each persona with the URL names it opens. Eastside's roles see the same
    pages as harbor's, so they walk only the pages harbor's same role does not
    (a referral's recipient page): every role, every page, once."""
    plan = []
    for persona in (*HARBOR_ROLES, "system_admin", *OTHER_ROLES):
        names = page_names(persona)
        if persona in OTHER_ROLES:
            names = [n for n in names if n not in page_names(persona.removeprefix("other_"))]
        if names:
            plan.append((persona, names))
    return plan


def url_of(name, world):  # noqa: F811
    expect = EXPECTATIONS[name]
    return reverse(name, kwargs=expect.kwargs(world) if expect.kwargs else {})


def console_problems(page, label, *, status=200):
    """The browser's errors since the last call. A refused form answers 400 on
    purpose, and Chromium reports every 4xx document as a failed load: that
    one line is the answer itself, not noise."""
    expected = f"the server responded with a status of {status}" if status >= 400 else None
    errors = [e for e in page.console_errors if not (expected and expected in e)]
    page.console_errors.clear()
    return [f"{label}: console: {e}" for e in errors]


def check_page(page, label, problems, *, run_axe):
    """Both widths, described-by targets, then axe: problems found are added to ``problems``."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        found = page.evaluate(OVERFLOW_JS)
        if found["scrollWidth"] > width or found["cut"]:
            problems.append(f"{label} at {width}px: document {found['scrollWidth']}px wide, cut off: {found['cut']}")
    for missing in page.evaluate(MISSING_DESCRIPTIONS_JS):
        problems.append(f"{label}: aria-describedby points at missing #{missing}")
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    if not run_axe:
        return
    for violation in page.evaluate(AXE_JS, AXE_TAGS):
        problems.append(f"{label}: axe {violation}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_fits_phones_and_tablets_and_passes_axe(browser, live_server, world):  # noqa: F811
    problems, walked, axed = [], {}, {}
    # axe runs on every distinct page a persona sees: a page whose main
    # content is the same as another role's (a change-password form) is
    # checked once; each persona's page shell (navigation) on its dashboard.
    axe_done = set()

    def axe_due(name):
        key = (name, page.evaluate(PAGE_CONTENT_JS) if name != "dashboard" else persona)
        fresh = key not in axe_done
        axe_done.add(key)
        axed[persona] += fresh
        return fresh

    for persona, names in walk_plan():
        context = signed_in_context(browser, live_server, world.personas[persona], viewport=VIEWPORT)
        # An init script is not subject to the page's CSP, so the app's own policy stays in force.
        context.add_init_script(path=str(AXE))
        page = watched_page(context)
        walked[persona] = axed[persona] = 0
        for name in names:
            label = f"{persona} {name}"
            response = page.goto(url_of(name, world))
            assert response.status == 200, f"{label}: {response.status}"
            if "text/html" not in response.headers.get("content-type", ""):
                page.console_errors.clear()  # Chromium's own image viewer, not a page of ours
                continue
            walked[persona] += 1
            fresh = axe_due(name)
            check_page(page, label, problems, run_axe=fresh)
            problems += console_problems(page, label)
            # A form the same as one already sent empty shows the same errors.
            if (fresh or name == "dashboard") and page.evaluate(SUBMIT_EMPTY_FORM_JS, False):
                with page.expect_navigation() as navigation:
                    page.evaluate(SUBMIT_EMPTY_FORM_JS, True)
                label += " (form sent empty)"
                walked[persona] += 1
                check_page(page, label, problems, run_axe=axe_due(f"{name} (form sent empty)"))
                problems += console_problems(page, label, status=navigation.value.status)
        context.close()
    print("pages walked per persona:", walked)
    print("axe-checked pages per persona:", axed)
    assert all(walked.values()) and len(axe_done) > 90
    assert not problems, "\n".join(problems)
