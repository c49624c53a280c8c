// Passkeys: add one on the account page, use one at the second sign-in step.
// The server (django-otp-webauthn behind our views) makes the challenge and
// checks the answer against our relying party id and origins; this script only
// carries bytes between it and the browser's WebAuthn API. Plain ArrayBuffer
// conversions, so it works in current Chrome, Firefox and Safari alike.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeDescriptors(list) {
    return (list || []).map(function (descriptor) {
      var copy = Object.assign({}, descriptor);
      copy.id = toBytes(descriptor.id);
      return copy;
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = decodeDescriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = decodeDescriptors(options.allowCredentials);
    return options;
  }

  function credentialJson(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      json.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return json;
  }

  function postJson(url, form, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.detail || "Something went wrong. Reload the page and try again.");
          error.redirectUrl = data.redirect_url;
          throw error;
        }
        return data;
      });
    });
  }

  function browserMessage(error, verb) {
    // The browser's own refusals: cancelled, timed out, or no passkey for this site here.
    if (error && error.name === "NotAllowedError") {
      return "The passkey was not " + verb + ": it was cancelled, timed out, or this device has no passkey for this site. Try again.";
    }
    if (error && error.name === "InvalidStateError") {
      return "This device already holds a passkey for your account.";
    }
    if (error && error.name === "SecurityError") {
      return "Passkeys do not work at this address. Open HMIS at its usual address.";
    }
    return (error && error.message) || "Something went wrong. Reload the page and try again.";
  }

  function showError(box, error, verb) {
    box.textContent = browserMessage(error, verb);
    box.hidden = false;
    if (error && error.redirectUrl) {
      window.setTimeout(function () { window.location.assign(error.redirectUrl); }, 2500);
    }
  }

  // The challenge is fetched before the click, so the browser's passkey
  // prompt opens straight from the click (Safari wants it inside the gesture).
  function challenges(root, form) {
    var pending = null;
    function fetchOne() {
      pending = postJson(root.dataset.beginUrl, form);
      pending.catch(function () { /* reported when used */ });
      return pending;
    }
    return {
      refresh: fetchOne,
      take: function () {
        var options = pending || fetchOne();
        pending = null;
        return options;
      }
    };
  }

  function setUp(root, formId, statusId, start) {
    if (!root) { return; }
    var form = document.getElementById(formId);
    var status = document.getElementById(statusId);
    var button = form.querySelector("button[type=submit]");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      document.getElementById("passkey-unsupported").hidden = false;
      button.disabled = true;
      return;
    }
    var options = challenges(root, form);
    options.refresh();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      status.hidden = true;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      start(root, form, status, options).catch(function () {
        options.refresh();  // each challenge works once
      }).then(function () {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
    });
  }

  function addPasskey(root, form, status, options) {
    var name = form.querySelector("input[name=name]").value.trim();
    if (!name) {
      showError(status, new Error("Give the passkey a name you will recognise, such as “Work laptop”."));
      return Promise.resolve();
    }
    return options.take()
      .then(function (creation) {
        return navigator.credentials.create({ publicKey: creationOptions(creation) });
      })
      .then(function (credential) {
        return postJson(root.dataset.completeUrl, form, { name: name, credential: credentialJson(credential) });
      })
      .then(function (result) { window.location.assign(result.redirect_url); })
      .catch(function (error) { showError(status, error, "made"); throw error; });
  }

  function signIn(root, form, status, options) {
    return options.take()
      .then(function (request) {
        if (request.redirect_url) { return request; }
        return navigator.credentials.get({ publicKey: requestOptions(request) }).then(function (credential) {
          return postJson(root.dataset.completeUrl, form, credentialJson(credential));
        });
      })
      .then(function (result) { window.location.assign(result.redirect_url); })
      .catch(function (error) { showError(status, error, "used"); throw error; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var add = document.getElementById("passkey-add");
    setUp(add, "passkey-add", "passkey-add-status", addPasskey);
    setUp(document.getElementById("passkey-sign-in"), "passkey-sign-in-form", "passkey-sign-in-status", signIn);
  });
})();
