// Small progressive enhancements; the pages work without them. No inline scripts (CSP).
(function () {
  "use strict";

  // Error summary (GOV.UK pattern): focus it on load, and make each link focus its field with the
  // field's label in view, rather than scrolling the label out of sight.
  function enhanceErrorSummary(summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      (label || target).scrollIntoView();
      target.focus({ preventScroll: true });
      history.replaceState(null, "", "#" + target.id);
    });
  }

  // Forms marked data-submit-once disable their submit buttons after the first submit,
  // so a double click sends one request.
  function submitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
    });
  }

  // Return form: show the percentage, rate or mean as the numerator and denominator are typed.
  var SCALE = { percentage: 100, rate_per_10k: 10000, mean: 1 };
  function parse(text) {
    var clean = (text || "").trim().replace(/,/g, "");
    return /^-?\d+(\.\d+)?$/.test(clean) ? parseFloat(clean) : null;
  }
  function liveRatio(row) {
    var unit = row.dataset.unit;
    var out = row.querySelector("output[data-computed]");
    var inputs = row.querySelectorAll("input[data-figure]");
    if (!out || inputs.length !== 2 || !(unit in SCALE)) return;
    function update() {
      var n = parse(inputs[0].value), d = parse(inputs[1].value);
      if (n === null || d === null || d === 0) { out.textContent = "–"; return; }
      var v = (n / d) * SCALE[unit];
      var text = v.toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      out.textContent = unit === "percentage" ? text + "%" : unit === "rate_per_10k" ? text + " per 10,000" : text;
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
  }

  // Copy buttons (a new API key): the button names the input it copies; without JavaScript the button stays
  // hidden and the text can be selected and copied by hand.
  function copyButton(button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.querySelector("[data-copy-status='" + button.dataset.copy + "']");
    if (!input) return;
    function said(text) { if (status) status.textContent = text; }
    button.hidden = false;
    button.addEventListener("click", function () {
      input.focus();
      input.select();
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(input.value)
        : Promise.reject(new Error("no clipboard"));
      copied.catch(function () {
        if (!document.execCommand || !document.execCommand("copy")) throw new Error("not copied");
      }).then(function () {
        said("Copied.");
      }, function () {
        said("Could not copy: the key is selected, so press Ctrl+C (or Cmd+C) to copy it.");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(copyButton);
    document.querySelectorAll("fieldset.indicator-row").forEach(liveRatio);
    document.querySelectorAll("[data-error-summary]").forEach(enhanceErrorSummary);
    document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  });
})();

// Idle timeout (WCAG 2.2.1) and no lost work. The server says how long the session has left
// (templates/partials/_session_timeout.html); two minutes before the end a dialog offers "Stay signed in".
// Every request refreshes the session, so the tabs of one browser share their last activity in localStorage
// and none warns while another is in use. What a form sends is kept in this tab's sessionStorage until a page
// shows where it went: a signed-in page means the server had it; a signed-out page (the session had ended)
// keeps it, and after signing in again as the same person the form is filled back in. Nothing is kept on the
// server for a signed-out request, the typing never leaves the browser, and it is cleared on sign-out, when
// someone else signs in, and once it has been put back. Passwords and files are never kept.
(function () {
  "use strict";

  var ACTIVITY = "portal:session-activity";
  var STASH = "portal:unsent-form";
  var STASH_MAX_AGE = 12 * 3600 * 1000;

  function read(store, key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(store, key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off: nothing to keep */ }
  }
  function forget(store, key) {
    try { store.removeItem(key); } catch (e) { /* storage off */ }
  }

  function postForms() {
    return Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
      return (form.getAttribute("method") || "").toLowerCase() === "post";
    });
  }
  function keepable(form) {
    return !form.hasAttribute("data-no-stash") && !form.querySelector("input[type=password]") &&
      form.getAttribute("action") !== signOutPath();
  }
  function signOutPath() {
    var form = document.querySelector("form[data-sign-out]");
    return form ? form.getAttribute("action") : null;
  }
  function fieldsOf(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "file" || el.type === "password" || el.type === "submit" || el.type === "button") return;
      if ((el.type === "checkbox" || el.type === "radio")) { fields.push([el.name, el.checked ? el.value : null, el.value]); return; }
      if (el.type === "select-multiple") {
        fields.push([el.name, Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; })]);
        return;
      }
      fields.push([el.name, el.value]);
    });
    return fields;
  }
  function stashForms(user, forms) {
    var kept = [];
    var all = postForms();
    forms.forEach(function (form) {
      if (keepable(form)) kept.push({ index: all.indexOf(form), fields: fieldsOf(form) });
    });
    if (kept.length) write(sessionStorage, STASH, { user: user, path: location.pathname, at: Date.now(), forms: kept });
  }

  // Puts the kept fields back; returns how many differ from what the page was given.
  function restore(stash) {
    var all = postForms();
    var changed = 0;
    stash.forms.forEach(function (kept) {
      var form = all[kept.index];
      if (!form) return;
      var seen = {};
      kept.fields.forEach(function (field) {
        var name = field[0], value = field[1];
        var matches = Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
        var el;
        if (matches.length && (matches[0].type === "checkbox" || matches[0].type === "radio")) {
          el = matches.filter(function (m) { return m.value === field[2]; })[0];
          if (el && el.checked !== (value !== null)) { el.checked = value !== null; changed++; }
          return;
        }
        seen[name] = (seen[name] || 0);
        el = matches[seen[name]++];
        if (!el || el.type === "hidden" && name !== "seen_version") return;
        if (el.type === "select-multiple") {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
          return;
        }
        if (el.value !== value) {
          el.value = value;
          el.dispatchEvent(new Event("input", { bubbles: true }));
          changed++;
        }
      });
    });
    return changed;
  }

  function notice(text, role) {
    var main = document.getElementById("main");
    if (!main) return;
    var box = document.createElement("div");
    box.className = "alert alert-warning";
    box.setAttribute("role", role);
    box.setAttribute("data-testid", "unsent-form-notice");
    box.textContent = text;
    main.insertBefore(box, main.firstChild);
  }

  function minutes(seconds) {
    var m = Math.round(seconds / 60);
    return m === 1 ? "1 minute" : m + " minutes";
  }

  function afterSignedOut(stash) {
    // A page nobody is signed in to: whatever was sent did not reach the form. Keep it, and sign in back to it.
    stash.signedOut = true;
    write(sessionStorage, STASH, stash);
    var next = document.querySelector("form input[name=next]");
    if (!next) return;
    next.value = stash.path;
    notice("You were signed out because nothing happened for " + minutes(stash.seconds || 1800) +
      ", so your changes have not been saved. They are kept in this browser tab: sign in again to go back to " +
      "the page, and what you typed will be put back.", "status");
  }

  function afterSignedIn(stash, user) {
    forget(sessionStorage, STASH);
    if (!stash.signedOut || String(stash.user) !== String(user) || stash.path !== location.pathname) return;
    if (restore(stash)) {
      notice(stash.refused ?
        "Your form could not be sent, so nothing was saved. What you typed has been put back below: check it, " +
        "then save or submit again." :
        "You were signed out before your changes were saved. What you typed has been put back below: " +
        "check it, then save or submit again.", "alert");
    }
  }

  function afterRefused(stash) {
    // The form came back without its security token (templates/403_csrf.html): the server did not take it. Keep
    // it, and offer the way back to the form, where it is put back.
    stash.signedOut = true;
    stash.refused = true;
    write(sessionStorage, STASH, stash);
    Array.prototype.forEach.call(document.querySelectorAll("[data-form-refused-back]"), function (el) {
      if (el.tagName === "A") el.href = stash.path;
      el.hidden = false;
    });
  }

  function timeoutDialog(dialog) {
    var user = dialog.dataset.user;
    var total = parseInt(dialog.dataset.sessionSeconds, 10) || 1800;
    // Two minutes' warning; a shorter session (as in the tests) is warned for its second half.
    var warn = Math.min(120, Math.floor(total / 2));
    var countdown = dialog.querySelector("[data-session-countdown]");
    var stay = dialog.querySelector("form[data-session-stay]");
    var signIn = dialog.querySelector("[data-session-sign-in]");
    var returnFocus = null;
    var ended = false;

    function activity() { return read(localStorage, ACTIVITY) || 0; }
    function touch() { write(localStorage, ACTIVITY, Math.max(activity(), Date.now())); }
    function left() { return Math.ceil((activity() + total * 1000 - Date.now()) / 1000); }
    function say(seconds) {
      countdown.textContent = seconds > 90 ? minutes(seconds) : seconds + (seconds === 1 ? " second" : " seconds");
    }
    function open() {
      if (dialog.open) return;
      returnFocus = document.activeElement;
      dialog.showModal();
    }
    function close() {
      if (!dialog.open) return;
      dialog.close();
      if (returnFocus && returnFocus.focus) returnFocus.focus();
    }
    function end() {
      ended = true;
      stashForms(user, postForms());
      var stash = read(sessionStorage, STASH);
      if (stash) { stash.signedOut = true; stash.seconds = total; write(sessionStorage, STASH, stash); }
      dialog.querySelector("[data-session-title]").textContent = "You have been signed out";
      dialog.querySelector("[data-session-text]").textContent = "You were signed out because nothing happened for " +
        minutes(total) + ". Anything you had not saved on this page is kept: sign in again to go back to it.";
      stay.hidden = true;
      signIn.parentNode.hidden = false;
      signIn.href = dialog.dataset.signInUrl + "?next=" + encodeURIComponent(location.pathname);
      if (!dialog.open) { returnFocus = null; dialog.showModal(); }
      signIn.focus();
    }
    function tick() {
      if (ended) return;
      var seconds = left();
      if (seconds <= 0) { end(); return; }
      if (seconds <= warn) { say(seconds); open(); } else { close(); }
    }

    stay.addEventListener("submit", function (event) {
      event.preventDefault();
      var token = stay.querySelector("input[name=csrfmiddlewaretoken]").value;
      fetch(stay.action, {
        method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin", redirect: "manual",
      }).then(function (response) {
        if (!response.ok) throw new Error("signed out");
        return response.json();
      }).then(function (answer) {
        total = answer.seconds || total;
        write(localStorage, ACTIVITY, Date.now());
        close();
      }).catch(end);
    });
    // Escape is "not now", which is what Stay signed in means: it does not leave the timer silently running.
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      if (!ended) stay.requestSubmit();
    });
    window.addEventListener("storage", function (event) { if (event.key === ACTIVITY) tick(); });
    document.body.addEventListener("htmx:afterRequest", touch);
    touch();
    setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("session-timeout");
    var user = dialog ? dialog.dataset.user : null;
    var stash = read(sessionStorage, STASH);
    if (stash && Date.now() - stash.at > STASH_MAX_AGE) { forget(sessionStorage, STASH); stash = null; }
    if (stash) {
      if (document.querySelector("[data-form-refused]")) afterRefused(stash);
      else if (user) afterSignedIn(stash, user);
      else afterSignedOut(stash);
    }
    if (!user) return;
    var total = parseInt(dialog.dataset.sessionSeconds, 10) || 1800;
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.getAttribute("action") === signOutPath()) { forget(sessionStorage, STASH); return; }
      if ((form.getAttribute("method") || "").toLowerCase() !== "post" || event.defaultPrevented) return;
      stashForms(user, [form]);
      var kept = read(sessionStorage, STASH);
      if (kept) { kept.seconds = total; write(sessionStorage, STASH, kept); }
    });
    timeoutDialog(dialog);
  });
})();

// The header's account disclosure (base.html) closes on Escape, giving focus back to its button, and on a click
// or focus elsewhere, as a menu does. Without JavaScript it is a plain <details>.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var account = document.querySelector("details.portal-account");
    if (!account) return;
    function away(event) { if (account.open && !account.contains(event.target)) account.open = false; }
    document.addEventListener("click", away);
    document.addEventListener("focusin", away);
    account.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && account.open) {
        account.open = false;
        account.querySelector("summary").focus();
      }
    });
  });
})();
