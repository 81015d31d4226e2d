// Action forms that survive no signal (a class teacher logging a home visit in a village).
//
// - Each action form of the case page (#actions form[data-trigger]) keeps a draft on this phone
//   (localStorage "baoxue-draft:<case>:<trigger>:<user>") as it is typed, restored when the page opens
//   again; "草稿已保存在本机".
// - Submitted while offline, the draft is queued ("已离线排队") and sent when the connection returns (the
//   `online` event, or the next page opened online): a fresh CSRF token is read from the case page, the
//   form is posted with the version it was typed against. Sent once: the form carries a client key kept
//   with the draft, and the server records an action once per key (app/engine/client_keys.py).
//   "已发送" once the server answered; a refusal leaves the draft for the user to check and send.
// - The service worker (/sw.js) keeps the static files and the case pages the user may act on, so the
//   page opens again offline. Logging out empties its page cache.
// Without script the forms post as they always did (and a double post is still recorded once).
(function () {
  "use strict";
  var script = document.currentScript;
  var PREFIX = "baoxue-draft:";
  var OWN = ["csrf_token", "version", "seen_seq", "client_key"];

  function worker() { return ("serviceWorker" in navigator) ? navigator.serviceWorker : null; }

  function tell(message) {
    var sw = worker();
    if (!sw) return;
    sw.ready.then(function (reg) { if (reg.active) reg.active.postMessage(message); });
  }

  if (worker() && script && script.dataset.sw) {
    worker().register(script.dataset.sw, { scope: script.dataset.scope || "/" }).catch(function () {});
    worker().addEventListener("message", function (e) {
      if (e.data && e.data.kept && e.data.ok) document.documentElement.setAttribute("data-offline-ready", "1");
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function read(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function write(key, draft) {
    try { localStorage.setItem(key, JSON.stringify(draft)); return true; } catch (e) { return false; }
  }

  function fieldsOf(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      // evidence files are not kept in a draft (a draft is text in localStorage): they go with an online post
      if (!el.name || OWN.indexOf(el.name) >= 0 || el.disabled || el.type === "submit" || el.type === "file") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      out.push([el.name, el.value]);
    });
    return out;
  }

  function fill(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || OWN.indexOf(el.name) >= 0 || el.type === "submit" || el.type === "file") return;
      var values = fields.filter(function (f) { return f[0] === el.name; }).map(function (f) { return f[1]; });
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
      else if (values.length) el.value = values[0];
    });
  }

  // --- the case page's forms ------------------------------------------------------------------------
  var box = document.getElementById("actions");
  var words = box ? box.dataset : {};
  var user = script && script.dataset.user;

  function statusOf(form) {
    var p = form.querySelector(".draft-status");
    if (!p) {
      p = document.createElement("p");
      p.className = "draft-status";
      p.setAttribute("role", "status");
      var button = form.querySelector("button[type=submit]");
      form.insertBefore(p, button);
    }
    return p;
  }
  function show(form, text, kind) {
    if (!form || !text) return;
    var p = statusOf(form);
    p.textContent = text;
    p.setAttribute("data-state", kind);
  }

  function formFor(draft) {
    if (!box || String(draft.case) !== box.dataset.case) return null;
    return box.querySelector('form[data-trigger="' + draft.trigger + '"]');
  }

  if (box && user) {
    var done = (box.dataset.doneKeys || "").split(/\s+/).filter(Boolean);
    var forms = box.querySelectorAll("form[data-trigger]");
    var actionable = forms.length > 0;
    Array.prototype.forEach.call(forms, function (form) {
      var key = PREFIX + box.dataset.case + ":" + form.dataset.trigger + ":" + user;
      var draft = read(key);
      var keyField = form.querySelector("input[name=client_key]");
      if (draft && done.indexOf(draft.client_key) >= 0) {  // the server has it: the draft's work is done
        localStorage.removeItem(key);
        if (draft.queued || draft.sending) show(form, words.sent, "sent");
        draft = null;
      }
      if (draft) {
        fill(form, draft.fields);
        var details = form.closest("details");
        if (details) details.open = true;
        show(form, draft.queued ? words.queued : (draft.failed ? words.failed : words.saved),
             draft.queued ? "queued" : (draft.failed ? "failed" : "saved"));
        draft.sending = false;
        write(key, draft);
      }
      if (keyField) keyField.value = draft ? draft.client_key : newKey();

      function save(extra) {
        var d = read(key) || { client_key: keyField ? keyField.value : newKey() };
        d.case = box.dataset.case; d.trigger = form.dataset.trigger; d.user = user;
        d.fields = fieldsOf(form);
        d.version = (form.querySelector("input[name=version]") || {}).value;
        d.seen_seq = (form.querySelector("input[name=seen_seq]") || {}).value;
        d.action = form.action; d.page = location.pathname; d.saved = Date.now();
        for (var k in extra || {}) d[k] = extra[k];
        if (write(key, d)) show(form, d.queued ? words.queued : words.saved, d.queued ? "queued" : "saved");
        return d;
      }
      form.addEventListener("input", function () { save(); });
      form.addEventListener("change", function () { save(); });
      form.addEventListener("submit", function (e) {
        if (navigator.onLine === false) {
          e.preventDefault();
          save({ queued: true, failed: false });
        } else {
          save({ sending: true, queued: false, failed: false });  // the next page says whether it arrived
        }
      });
    });
    // keep this page on the phone: the user has something to do here, perhaps where there is no signal
    if (actionable && navigator.onLine !== false) tell({ keep: location.pathname });
  }

  // --- the queue ------------------------------------------------------------------------------------
  var sending = false;

  function queued() {
    var out = [];
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      if (k && k.indexOf(PREFIX) === 0) {
        var d = read(k);
        if (d && d.queued && (!user || String(d.user) === String(user))) out.push([k, d]);
      }
    }
    return out;
  }

  function sendOne(key, draft) {
    // a fresh CSRF token (the one the draft was typed with may have expired) from the case page
    return fetch(draft.page, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok || r.redirected) throw new Error("page");
      return r.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var token = page.querySelector("input[name=csrf_token]");
      if (!token) throw new Error("token");
      var body = new FormData();
      body.append("csrf_token", token.value);
      body.append("version", draft.version || "");
      body.append("seen_seq", draft.seen_seq || "");
      body.append("client_key", draft.client_key);
      draft.fields.forEach(function (f) { body.append(f[0], f[1]); });
      return fetch(draft.action, { method: "POST", body: body, credentials: "same-origin" });
    }).then(function (r) {
      var landed = new URL(r.url).pathname;
      var form = formFor(draft);
      if (r.ok && landed.indexOf("/actions/") < 0 && landed.indexOf("/login") < 0) {
        localStorage.removeItem(key);
        show(form, words.sent, "sent");
        document.documentElement.setAttribute("data-drafts-sent", String(1 + Number(document.documentElement.getAttribute("data-drafts-sent") || 0)));
      } else {  // refused (a field, the case moved on, the session ended): the user checks and sends it
        draft.queued = false; draft.failed = true;
        write(key, draft);
        show(form, words.failed, "failed");
      }
    });
  }

  function sendQueued() {
    if (sending || navigator.onLine === false) return;
    var list = queued();
    if (!list.length) return;
    sending = true;
    list.reduce(function (chain, item) {
      return chain.then(function () { return sendOne(item[0], item[1]); });
    }, Promise.resolve()).catch(function () { /* still no connection: the next `online` tries again */ })
      .then(function () { sending = false; });
  }

  window.addEventListener("online", sendQueued);
  if (user) sendQueued();

  // leaving: the pages kept on this phone go (the drafts stay: a visit not yet sent is not lost)
  document.addEventListener("submit", function (e) {
    if (e.target.querySelector && e.target.querySelector("#logout")) tell({ forget: true });
  });
  if (document.querySelector("form input[name=password]") && !document.getElementById("actions")) tell({ forget: true });
})();
