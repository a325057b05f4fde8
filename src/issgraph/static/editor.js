/* The query page's editor side: CodeMirror 6 over the textarea (static/vendor/codemirror.js, built
   from npm by frontend/build.mjs) with SPARQL highlighting and completion of prefixes, classes,
   properties (/query/terms, labels in the page's language) and resources (/search); known prefixes
   declared before a run, unknown undeclared ones marked while typing, and a query's syntax error (or
   the guard's refusal) marked where it is before running (/query/check, asked once the keys stop,
   never for a text already checked), with a note under the editor; a copy-link button, recent
   queries kept in this browser (localStorage, never sent anywhere), and the "code" panel refreshed
   after each run from /query/code (the same snippets.py text the page without JavaScript shows).
   query.js runs queries and announces each run with an "issgraph:run" event on #query-page; without
   the bundle (or without JavaScript) the textarea is the editor. */
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

  // --- prefixes: the same rules as completion.py (with_known_prefixes, undeclared_prefixes) ---
  var known = JSON.parse(page.getAttribute("data-prefixes") || "{}");
  var HIDDEN = /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*/g;
  var DECLARED = /\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:/gi;
  var USED = /(?<![\w?$:.-])([A-Za-z](?:[\w.-]*[\w-])?):/g;

  function blank(text, pattern) {
    return text.replace(pattern, function (m) { return " ".repeat(m.length); });
  }

  function undeclared(query) {
    var visible = blank(query, HIDDEN), declared = {}, m, found = [];
    DECLARED.lastIndex = 0;
    while ((m = DECLARED.exec(visible)) !== null) declared[m[1] || ""] = true;
    var names = blank(visible, DECLARED);
    USED.lastIndex = 0;
    while ((m = USED.exec(names)) !== null) {
      if (!declared[m[1]]) found.push({ prefix: m[1], from: m.index, to: m.index + m[1].length + 1 });
    }
    return found;
  }

  // query.js asks this before each run: the query with the known prefixes it uses declared.
  window.issgraphPrepare = function (query) {
    var added = [];
    undeclared(query).forEach(function (u) {
      if (Object.prototype.hasOwnProperty.call(known, u.prefix) && added.indexOf(u.prefix) < 0) added.push(u.prefix);
    });
    return added.map(function (p) { return "PREFIX " + p + ": <" + known[p] + ">\n"; }).join("") + query;
  };

  function unknownPrefixes(query) {
    return undeclared(query).filter(function (u) { return !Object.prototype.hasOwnProperty.call(known, u.prefix); });
  }

  var warning = el("p", { id: "prefix-warning", "class": "warning", role: "status", hidden: "hidden" });
  var editorBox = form.querySelector(".editor");
  editorBox.parentNode.insertBefore(warning, editorBox.nextSibling);

  function warn(query) {
    var names = [];
    unknownPrefixes(query).forEach(function (u) { if (names.indexOf(u.prefix) < 0) names.push(u.prefix); });
    warning.textContent = names.map(function (p) { return words.unknown_prefix.replace("{prefix}", p); }).join(" ");
    warning.hidden = names.length === 0;
    warning.setAttribute("data-prefixes", names.join(" "));
  }

  // --- the check before a run: /query/check (querypage.check: the guard and the parser; the query is not run) ---
  var pageWords = JSON.parse(page.getAttribute("data-words") || "{}");
  var CHECK_DELAY = 400;          // ms after the last change: one request per pause, not per key
  var note = el("p", { id: "check-note", "class": "error check-note", role: "status", hidden: "hidden" });
  warning.parentNode.insertBefore(note, warning.nextSibling);
  var checkTimer = null, lastChecked = null, checkSeq = 0;
  var markProblem = function () {};                 // the editor's mark, once CodeMirror is mounted

  function digits(text) {
    text = String(text);
    return pageWords.digits ? text.replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".charAt(+d); }) : text;
  }

  // A line and column (counted in characters, as the server counts them) as an offset in the text.
  function offsetOf(text, line, column) {
    var lines = text.split("\n"), offset = 0;
    line = Math.min(Math.max(line, 1), lines.length);
    for (var k = 0; k < line - 1; k++) offset += lines[k].length + 1;
    var before = Array.from(lines[line - 1]).slice(0, Math.max(column - 1, 0)).join("");
    return offset + before.length;
  }

  function report(problem, text) {
    note.textContent = "";
    note.hidden = !problem;
    if (!problem) { markProblem(null); return; }
    note.appendChild(el("strong", {}, [words.check_error || pageWords.error || "Error"]));
    if (problem.line && problem.column) {
      note.appendChild(document.createTextNode(" (" + (pageWords.at || "line {line}, column {column}")
        .replace("{line}", digits(problem.line)).replace("{column}", digits(problem.column)) + ")"));
    }
    note.appendChild(document.createTextNode(": "));
    note.appendChild(el("span", { "class": "message", lang: problem.lang, dir: problem.lang === "fa" ? "rtl" : "ltr" },
                        [problem.message]));
    note.setAttribute("data-line", problem.line ? String(problem.line) : "");
    markProblem(problem.line && problem.column
      ? { at: offsetOf(text, problem.line, problem.column), message: problem.message } : null);
  }

  function check(text, current) {
    if (text === lastChecked) return;
    lastChecked = text;
    var seq = ++checkSeq;
    if (!text.trim()) { report(null, text); return; }
    fetch("/query/check?" + new URLSearchParams({ query: text, lang: lang }).toString(),
          { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) {
        if (!doc) { if (seq === checkSeq) lastChecked = null; return; }     // not checked now (busy): the next change asks again
        // Only the answer for the text the editor still holds counts (a newer check is on its way otherwise).
        if (seq === checkSeq && current() === text) report(doc.ok ? null : doc, text);
      })
      .catch(function () { if (seq === checkSeq) lastChecked = null; });
  }

  function scheduleCheck(current) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(function () { check(current(), current); }, CHECK_DELAY);
  }

  // --- the editor ---
  var textarea = document.getElementById("query");
  var termsPromise = null;

  function loadTerms() {
    if (!termsPromise) {
      termsPromise = fetch("/query/terms?lang=" + encodeURIComponent(lang), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { prefixes: [], terms: [] }; })
        .catch(function () { return { prefixes: [], terms: [] }; });
    }
    return termsPromise;
  }

  function prefixOptions(data, apply) {
    return data.prefixes.map(function (p) {
      return { label: p.prefix + ":", detail: p.namespace, type: "namespace",
               apply: apply ? p.prefix + ": <" + p.namespace + ">" : p.prefix + ":" };
    });
  }

  function termOption(t) {
    return { label: t.name, detail: t.label || "", info: t.iri, type: t.kind === "class" ? "class" : t.kind === "datatype" ? "type" : "property",
             boost: t.count ? Math.min(20, Math.round(Math.log(1 + t.count) * 4)) : 0 };
  }

  function resources(prefix, local) {
    if (local.length < 2) return Promise.resolve([]);
    return fetch("/search?" + new URLSearchParams({ q: local.replace(/_/g, " "), format: "json", lang: lang }).toString(),
                 { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (doc) {
        var ns = known[prefix];
        return (doc.results || []).filter(function (hit) { return hit.iri.indexOf(ns) === 0; }).map(function (hit) {
          return { label: prefix + ":" + hit.iri.slice(ns.length), detail: hit.label, info: hit.iri, type: "variable" };
        });
      })
      .catch(function () { return []; });
  }

  function complete(context) {
    var line = context.state.doc.lineAt(context.pos);
    var before = line.text.slice(0, context.pos - line.from);
    var declaring = /^\s*PREFIX\s+[\w.-]*$/i.test(before);
    var word = context.matchBefore(/[A-Za-z][\w.-]*:[\w.%-]*|[^\s{}().;,?$<>"'#:]+/);
    if (!word && !context.explicit) return null;
    var from = word ? word.from : context.pos, text = word ? word.text : "";
    var colon = text.indexOf(":");
    return loadTerms().then(function (data) {
      if (declaring) return { from: from, options: prefixOptions(data, true) };
      if (colon < 0) {
        // A word: the prefixes it begins, and the classes and properties whose label or name holds it.
        if (!context.explicit && text.length < 2) return null;
        var needle = text.toLowerCase();
        var options = prefixOptions(data, false).filter(function (o) { return o.label.indexOf(needle) === 0; })
          .concat(data.terms.filter(function (t) {
            return (t.label || "").toLowerCase().indexOf(needle) >= 0 || t.name.toLowerCase().indexOf(needle) >= 0;
          }).map(termOption));
        return { from: from, options: options, filter: false };
      }
      var prefix = text.slice(0, colon);
      var terms = data.terms.filter(function (t) { return t.name.indexOf(prefix + ":") === 0; }).map(termOption);
      if (terms.length || !known[prefix]) return { from: from, options: terms, validFor: /^[A-Za-z][\w.-]*:[\w.%-]*$/ };
      return resources(prefix, text.slice(colon + 1)).then(function (found) { return { from: from, options: found }; });
    });
  }

  function mount(CM) {
    var unknownMarks = CM.ViewPlugin.fromClass(function (view) {
      this.build = function (v) {
        var builder = new CM.RangeSetBuilder();
        unknownPrefixes(v.state.doc.toString()).forEach(function (u) {
          builder.add(u.from, u.to, CM.Decoration.mark({
            "class": "cm-unknown-prefix", attributes: { title: words.unknown_prefix.replace("{prefix}", u.prefix) } }));
        });
        return builder.finish();
      };
      this.decorations = this.build(view);
      this.update = function (u) { if (u.docChanged) this.decorations = this.build(u.view); };
    }, { decorations: function (p) { return p.decorations; } });

    // The editor lives in a shadow root: there CodeMirror's styles (style-mod) go into a constructed
    // style sheet (adoptedStyleSheets), which the page's CSP (style-src 'self', no nonce: pages are
    // cached) allows; in the document itself they would be an inline <style>, which it blocks.
    var host = el("div", { "class": "cm-host", dir: "ltr" });
    editorBox.appendChild(host);
    var shadow = host.attachShadow({ mode: "open" });
    var theme = CM.EditorView.theme({
      "&": { minHeight: "18rem", maxWidth: "100%", fontSize: "14px", backgroundColor: "#fff", color: "var(--fg, #111)" },
      "&.cm-focused": { outline: "none" },
      ".cm-scroller": { fontFamily: "ui-monospace, 'SFMono-Regular', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
                        lineHeight: "1.5", minHeight: "18rem" },
      ".cm-content": { padding: ".5rem 0" },
      ".cm-gutters": { backgroundColor: "var(--soft, #f4f6f8)", color: "var(--muted, #666)", borderRight: "1px solid var(--line, #ddd)" },
      ".cm-error-line": { backgroundColor: "#fde8e8" },
      ".cm-gutterElement.cm-error-gutter": { color: "#fff", backgroundColor: "#a40000", fontWeight: "700" },
      ".cm-unknown-prefix": { textDecoration: "underline wavy #a40000", backgroundColor: "#fde8e8" },
      ".cm-syntax-error": { textDecoration: "underline wavy #a40000", backgroundColor: "#f9caca", borderRadius: "2px" },
      ".cm-check-line": { backgroundColor: "#fff0f0" },
      ".cm-completionDetail": { color: "var(--muted, #666)", marginLeft: ".6em", fontStyle: "normal" },
      ".cm-tooltip.cm-tooltip-autocomplete > ul": { maxWidth: "min(28rem, 90vw)" }
    });
    // The line the last run's error names (query.js shows #query-error): marked in the text and the gutter.
    var setError = CM.StateEffect.define();
    var ErrorMarker = class extends CM.GutterMarker {};
    ErrorMarker.prototype.elementClass = "cm-error-gutter";
    var errorLine = CM.StateField.define({
      create: function () { return 0; },
      update: function (line, tr) {
        for (var i = 0; i < tr.effects.length; i++) if (tr.effects[i].is(setError)) return tr.effects[i].value;
        return tr.docChanged ? 0 : line;
      },
      provide: function (field) {
        function lines(state) {
          var n = state.field(field);
          return n >= 1 && n <= state.doc.lines ? state.doc.line(n).from : -1;
        }
        return [
          CM.gutterLineClass.compute([field], function (state) {
            var at = lines(state);
            return at < 0 ? CM.RangeSet.empty : CM.RangeSet.of([new ErrorMarker().range(at)]);
          }),
          CM.EditorView.decorations.compute([field], function (state) {
            var at = lines(state);
            return at < 0 ? CM.Decoration.none : CM.Decoration.set([CM.Decoration.line({ "class": "cm-error-line" }).range(at)]);
          })
        ];
      }
    });
    // Where /query/check found an error: the character marked (its message as the title) and its
    // line tinted; kept in place while the text changes, until the next check says otherwise.
    var setProblem = CM.StateEffect.define();
    var problemMarks = CM.StateField.define({
      create: function () { return CM.Decoration.none; },
      update: function (marks, tr) {
        marks = marks.map(tr.changes);
        tr.effects.forEach(function (e) {
          if (!e.is(setProblem)) return;
          var p = e.value, doc = tr.state.doc;
          if (!p) { marks = CM.Decoration.none; return; }
          var at = Math.min(p.at, doc.length), line = doc.lineAt(at);
          // The character at the place; at the end of a line, the one before it.
          var from = at < line.to ? at : Math.max(line.from, at - 1), to = Math.min(Math.max(from + 1, at), line.to);
          if (to > from && /[\ud800-\udbff]/.test(doc.sliceString(from, from + 1))) to = Math.min(from + 2, line.to);
          if (/\w/.test(doc.sliceString(from, to))) {            // a word: all of it, so the mark is seen
            var rest = /^\w*/.exec(doc.sliceString(to, line.to))[0];
            to += rest.length;
          }
          var ranges = [CM.Decoration.line({ "class": "cm-check-line" }).range(line.from)];
          if (to > from) ranges.push(CM.Decoration.mark({ "class": "cm-syntax-error", attributes: { title: p.message } }).range(from, to));
          marks = CM.Decoration.set(ranges, true);
        });
        return marks;
      },
      provide: function (field) { return CM.EditorView.decorations.from(field); }
    });
    var syncing = false;
    var native = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value");
    var view = new CM.EditorView({
      root: shadow,
      parent: shadow,
      state: CM.EditorState.create({
        doc: textarea.value,
        extensions: [
          theme, CM.lineNumbers(), CM.highlightSpecialChars(), CM.history(), CM.drawSelection(), CM.indentOnInput(),
          CM.bracketMatching(), CM.highlightActiveLine(),
          CM.StreamLanguage.define(CM.sparql), CM.syntaxHighlighting(CM.defaultHighlightStyle),
          CM.autocompletion({ override: [complete], icons: false }),
          CM.Prec.highest(CM.keymap.of([{ key: "Mod-Enter", run: function () { form.requestSubmit(); return true; } }])),
          CM.keymap.of([].concat(CM.completionKeymap, CM.defaultKeymap, CM.historyKeymap, [CM.indentWithTab])),
          unknownMarks, errorLine, problemMarks,
          CM.EditorView.contentAttributes.of({ "aria-label": textarea.labels && textarea.labels[0] ? textarea.labels[0].textContent : "query",
                                               spellcheck: "false", autocapitalize: "off", autocorrect: "off" }),
          CM.EditorView.updateListener.of(function (u) {
            if (!u.docChanged || syncing) return;
            var text = u.state.doc.toString();
            native.set.call(textarea, text);
            warn(text);
            scheduleCheck(current);
          })
        ]
      })
    });
    // The textarea stays the form's field and query.js's handle: what is written to it shows in the editor.
    Object.defineProperty(textarea, "value", {
      configurable: true,
      get: function () { return native.get.call(textarea); },
      set: function (text) {
        native.set.call(textarea, text);
        if (view.state.doc.toString() === text) return;
        syncing = true;
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
        syncing = false;
        warn(text);
        scheduleCheck(current);
      }
    });
    function current() { return view.state.doc.toString(); }
    markProblem = function (p) { view.dispatch({ effects: setProblem.of(p) }); };
    var setRange = textarea.setSelectionRange;
    textarea.setSelectionRange = function (start, end) {
      setRange.call(textarea, start, end);
      var length = view.state.doc.length;
      view.dispatch({ selection: { anchor: Math.min(start, length), head: Math.min(end, length) }, scrollIntoView: true });
      view.focus();
    };
    Object.defineProperty(textarea, "selectionStart", { configurable: true, get: function () {
      return view.state.selection.main.from;
    } });
    var result = document.getElementById("result");
    function markError() {
      var box = document.getElementById("query-error");
      var line = box ? +(box.getAttribute("data-line") || 0) : 0;
      if (line !== view.state.field(errorLine)) view.dispatch({ effects: setError.of(line) });
    }
    if (result) new MutationObserver(markError).observe(result, { childList: true });
    markError();
    editorBox.classList.add("with-codemirror");
    page.codeMirror = view;
    return view;
  }

  if (window.IssgraphCodeMirror && textarea && editorBox) {
    try {
      mount(window.IssgraphCodeMirror);
    } catch (e) {
      editorBox.classList.remove("with-codemirror");   // the textarea stays the editor
    }
  }
  if (textarea) {
    textarea.addEventListener("input", function () {
      warn(textarea.value);
      if (!page.codeMirror) scheduleCheck(function () { return textarea.value; });   // the textarea is the editor
    });
    warn(textarea.value);
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
