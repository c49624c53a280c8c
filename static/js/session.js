// Idle warning, "stay signed in", and sign-out across tabs.
// The server enforces the timeout; this script only tells the user in time.
(function () {
  "use strict";
  var SIGNED_OUT_KEY = "hmis-signed-out";

  function goToLogin(reason) {
    var body = document.body;
    var url = (body && body.dataset.loginUrl) || "/login/";
    window.location.assign(url + (reason ? "?ended=" + reason : ""));
  }

  function announceSignOut() {
    try { localStorage.setItem(SIGNED_OUT_KEY, String(Date.now())); } catch (e) { /* storage off */ }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    if (body.dataset.signedOut === "1") { announceSignOut(); return; }
    if (body.dataset.signedIn !== "1") { return; }

    var timeout = parseInt(body.dataset.idleTimeout, 10);
    var warnAt = parseInt(body.dataset.idleWarning, 10);
    var deadline = Date.now() + timeout * 1000;
    var box = document.getElementById("idle-warning");
    var countdown = document.getElementById("idle-countdown");
    var stay = document.getElementById("stay-signed-in");
    var csrf = document.querySelector("#sign-out-form input[name=csrfmiddlewaretoken]");

    window.addEventListener("storage", function (event) {
      if (event.key === SIGNED_OUT_KEY) { goToLogin("signed_out"); }
    });
    // Other tabs are told by the signed-out page, once the server has ended the session.

    function fmt(seconds) {
      var s = Math.max(0, Math.ceil(seconds));
      return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    }

    var syncing = false;
    var focusBeforeWarning = null;

    // The warning takes focus (keyboard and screen-reader users must be able
    // to answer it at once) and gives it back when it goes away.
    function showWarning() {
      if (!box.hidden) { return; }
      box.hidden = false;
      focusBeforeWarning = document.activeElement;
      stay.focus();
    }

    function hideWarning() {
      if (box.hidden) { return; }
      box.hidden = true;
      if (focusBeforeWarning && focusBeforeWarning !== document.body && document.contains(focusBeforeWarning)) {
        focusBeforeWarning.focus();
      }
      focusBeforeWarning = null;
    }

    function tick() {
      var left = (deadline - Date.now()) / 1000;
      // At the deadline, ask the server: another tab may have kept the session alive.
      if (left <= 0) { if (!syncing) { syncWithServer(); } return; }
      if (left <= warnAt) {
        countdown.textContent = fmt(left);
        showWarning();
      } else {
        hideWarning();
      }
    }

    function syncWithServer() {
      syncing = true;
      fetch(body.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (res) {
          syncing = false;
          if (!res.ok || !res.data.signed_in) {
            announceSignOut();
            goToLogin(res.data.reason || "signed_out");
            return;
          }
          deadline = Date.now() + Math.max(1, res.data.remaining) * 1000;
        })
        .catch(function () { syncing = false; /* network blip: keep the local countdown */ });
    }

    stay.addEventListener("click", function () {
      fetch(body.dataset.extendUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" }
      }).then(function (r) { return r.json(); }).then(function (data) {
        if (!data.signed_in) { goToLogin("idle"); return; }
        deadline = Date.now() + data.remaining * 1000;
        hideWarning();
      }).catch(function () { goToLogin("idle"); });
    });

    setInterval(tick, 1000);
    // Other tabs may have kept the session alive, or signed it out.
    setInterval(syncWithServer, 15000);
    tick();
  });
})();
