// Passkeys and security keys on Twofold's pages, with no inline script (CSP: script-src 'self').
// Needs /assets/simplewebauthn-browser.js first. A form takes part when it carries
//   data-passkey="register" | "authenticate"   which ceremony to run
//   data-passkey-options="/url"                where to POST (with the form's _csrf) for the options JSON
// and holds a hidden input marked data-passkey-response (any name), which gets the
// authenticator's answer (JSON) before the form is submitted as an ordinary POST. An element with
// data-passkey-error inside the form shows what went wrong.
// Browser autofill (conditional UI): on a page with an <input autocomplete="username webauthn">,
// the form with data-passkey-autofill is started at load and completes when a passkey is
// picked from the username field's suggestions.
(function () {
  'use strict';
  var webauthn = window.SimpleWebAuthnBrowser;

  function showError(form, text) {
    var box = form.querySelector('[data-passkey-error]');
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  var EXPIRED = 'This page has expired or you were signed out. Please reload the page and try again.';

  function fetchOptions(form) {
    var body = new URLSearchParams();
    var csrf = form.querySelector('input[name="_csrf"]');
    if (csrf) body.set('_csrf', csrf.value);
    // A password asked for adding a key is checked before the browser's prompt: a wrong one
    // must not leave a key made on the authenticator that the account never got.
    var password = form.querySelector('input[name="password"]');
    if (password) body.set('password', password.value);
    return fetch(form.getAttribute('data-passkey-options'), { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (reply) {
      // A signed-out session or an expired form answers with a page, not JSON.
      if ((reply.headers.get('content-type') || '').indexOf('application/json') !== 0) throw new Error(EXPIRED);
      return reply.json().then(function (json) {
        if (!reply.ok) throw new Error(json && json.message ? json.message : 'That did not work. Please reload the page and try again.');
        return json;
      });
    });
  }

  function run(form, autofill) {
    return fetchOptions(form)
      .then(function (optionsJSON) {
        if (form.getAttribute('data-passkey') === 'register') return webauthn.startRegistration({ optionsJSON: optionsJSON });
        return webauthn.startAuthentication({ optionsJSON: optionsJSON, useBrowserAutofill: autofill });
      })
      .then(function (answer) {
        form.querySelector("[data-passkey-response]").value = JSON.stringify(answer);
        form.setAttribute('data-passkey-done', '');
        form.submit();
      });
  }

  var CANCELLED = 'The passkey request was cancelled or timed out. You can try again.';

  function onSubmit(event) {
    var form = event.currentTarget;
    if (form.hasAttribute('data-passkey-done')) return;
    event.preventDefault();
    if (!webauthn || !webauthn.browserSupportsWebAuthn()) return showError(form, 'This browser cannot use passkeys or security keys.');
    run(form, false).catch(function (error) {
      showError(form, error && error.name === 'NotAllowedError' ? CANCELLED : (error && error.message) || CANCELLED);
    });
  }

  var forms = document.querySelectorAll('form[data-passkey]');
  var usable = !!(webauthn && webauthn.browserSupportsWebAuthn());
  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener('submit', onSubmit);
    // The forms start hidden: without this script (or WebAuthn) they could only fail.
    if (usable) forms[i].hidden = false;
  }
  var notes = document.querySelectorAll('[data-passkey-unavailable]');
  for (var j = 0; j < notes.length; j++) if (usable) notes[j].hidden = true;

  var autofillForm = document.querySelector('form[data-passkey-autofill]');
  if (autofillForm && webauthn && document.querySelector('input[autocomplete$="webauthn"]')) {
    webauthn.browserSupportsWebAuthnAutofill().then(function (supported) {
      // A button press starts its own ceremony, which cancels this one: nothing to show then.
      if (supported) run(autofillForm, true).catch(function () {});
    });
  }
})();
