/* The query page's editor side: a copy-link button, recent queries kept in this browser
   (localStorage, never sent anywhere), and the "code" panel refreshed after each run from
   /query/code (the same snippets.py text the page without JavaScript shows).
   query.js runs queries and announces each run with an "issgraph:run" event on #query-page. */
(function () {
  "use strict";

  var page = document.getElementById("query-page");
  var panel = document.getElementById("code-panel");
  var form = document.getElementById("query-form");
  if (!page || !panel || !form) return;
  var lang = page.getAttribute("data-lang") || "en";
  var words = JSON.parse(panel.getAttribute("data-words") || "{}");
  var KEY = "issgraph.recent-queries";
  var KEEP = 20;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function queryHref(query) {
    return "/query?" + new URLSearchParams({ query: query, lang: lang }).toString();
  }

  // --- sharing: the address holds the query; the button copies it ---
  var link = el("input", { id: "share-link", type: "text", readonly: "readonly", dir: "ltr",
                           "aria-label": words.link, value: location.href });
  var copy = el("button", { id: "copy-link", type: "button" }, [words.copy_link]);
  var share = el("p", { "class": "share" }, [copy, " ", link]);
  form.appendChild(share);
  copy.addEventListener("click", function () {
    link.value = location.href;
    function done() { copy.textContent = words.copied; copy.setAttribute("data-copied", "true"); }
    function fallback() {
      link.focus();
      link.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* the link stays selected to copy by hand */ }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(link.value).then(done, fallback);
    } else {
      fallback();
    }
  });

  // --- recent queries, in this browser only ---
  function load() {
    try {
      var list = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter(function (q) { return typeof q === "string"; }) : [];
    } catch (e) {
      return [];
    }
  }

  function save(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list.slice(0, KEEP))); } catch (e) { /* storage off or full */ }
  }

  function summary(query) {
    // The first line that is neither a comment nor a PREFIX: what the query asks.
    var lines = query.split("\n").map(function (l) { return l.trim(); }).filter(function (l) {
      return l && l.charAt(0) !== "#" && !/^(PREFIX|BASE)\b/i.test(l);
    });
    var text = (lines[0] || query.trim()).replace(/\s+/g, " ");
    return text.length > 70 ? text.slice(0, 69) + "…" : text;
  }

  var recentList = el("ol", { id: "recent-list", dir: "ltr" });
  var clear = el("button", { id: "recent-clear", type: "button" }, [words.clear]);
  var recent = el("details", { id: "recent-queries", "class": "recent" }, [
    el("summary", {}, [words.recent]), recentList,
    el("p", { "class": "muted" }, [words.recent_none, " ", clear])]);
  var examples = document.querySelector("nav.examples");
  (examples || form).appendChild(recent);

  function render() {
    recentList.textContent = "";
    load().forEach(function (query) {
      recentList.appendChild(el("li", {}, [el("a", { href: queryHref(query), title: query }, [summary(query)])]));
    });
  }
  clear.addEventListener("click", function () { save([]); render(); });

  function remember(query) {
    if (!query.trim()) return;
    save([query].concat(load().filter(function (q) { return q !== query; })));
    render();
  }

  // --- the code panel ---
  function refreshCode(query) {
    return fetch("/query/code?" + new URLSearchParams({ query: query }).toString(),
                 { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) {
        if (!doc) return;
        ["curl", "python", "javascript"].forEach(function (name) {
          var pre = document.getElementById("code-" + name);
          if (pre) pre.firstChild.textContent = doc[name];
        });
        panel.hidden = false;
        panel.setAttribute("data-query", query);
      })
      .catch(function () { /* the panel keeps the previous query's code */ });
  }

  page.addEventListener("issgraph:run", function (event) {
    var query = event.detail.query;
    link.value = location.href;
    copy.textContent = words.copy_link;
    copy.removeAttribute("data-copied");
    remember(query);
    refreshCode(query);
  });

  // A page the server drew with a result (a shared address): that query counts as run here too.
  var shown = new URLSearchParams(location.search).get("query");
  if (shown && document.querySelector("#result[data-kind]")) remember(shown);
  render();
})();
