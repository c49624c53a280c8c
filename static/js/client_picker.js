// The incident report's affected-clients picker: as the reporter types a
// reference code or initials, ask the server (POST, scoped to their own
// clients) and offer the matches as checkboxes. Without JavaScript the
// "Find" button does the same with a page load.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  const search = form && form.querySelector('input[data-picker="search"]');
  if (!search) return;
  const box = Array.from(form.querySelectorAll("fieldset")).find(
    (fieldset) => (fieldset.querySelector("legend") || {}).textContent === "Affected clients"
  );
  if (!box) return;
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
  let timer = null;
  let asked = 0;

  function show(clients) {
    box.querySelectorAll("label").forEach((label) => {
      const input = label.querySelector("input");
      if (input && !input.checked) label.remove();
    });
    const present = new Set(Array.from(box.querySelectorAll("input")).map((input) => input.value));
    clients.forEach((client) => {
      if (present.has(client.id)) return;
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = "affected_clients";
      input.value = client.id;
      input.id = "pick-" + client.id;
      label.htmlFor = input.id;
      label.append(input, " " + client.label);
      box.append(label);
    });
  }

  function ask() {
    const query = search.value.trim();
    if (query.length < 2) return show([]);
    const mine = ++asked;
    const body = new FormData();
    body.append("q", query);
    body.append("csrfmiddlewaretoken", token);
    fetch(form.dataset.pickerUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : { clients: [] }))
      .then((data) => { if (mine === asked) show(data.clients); })
      .catch(() => {});
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  // Enter in the search box finds instead of sending the report.
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); ask(); }
  });
})();
