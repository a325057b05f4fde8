/* The query page: line numbers, Ctrl+Enter, and results fetched from /sparql without reloading.
   A local file with no framework and nothing from other hosts; without it the form still works. */
(function () {
  "use strict";

  var page = document.getElementById("query-page");
  if (!page) return;
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var gutter = document.getElementById("gutter");
  var result = document.getElementById("result");
  var lang = page.getAttribute("data-lang") || "en";
  var base = page.getAttribute("data-base") || "";
  var words = JSON.parse(page.getAttribute("data-words") || "{}");
  var prefixes = JSON.parse(page.getAttribute("data-prefixes") || "{}");
  var downloadTable = JSON.parse(page.getAttribute("data-downloads") || "{}");   // formats.DOWNLOADS
  var ACCEPT = "application/sparql-results+json, text/turtle;q=0.9";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "int", "long", "short", "nonNegativeInteger", "positiveInteger",
                 "negativeInteger", "nonPositiveInteger", "unsignedInt"];
  var labelsPromise = null;

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

  function digits(text) {
    text = String(text);
    if (lang !== "fa") return text;
    return text.replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".charAt(+d); })
               .replace(/,/g, "٬").replace(/\./g, "٫");
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  // --- line numbers ---
  function renderGutter(errorLine) {
    var count = editor.value.split("\n").length;
    var frag = document.createDocumentFragment();
    for (var i = 1; i <= count; i++) {
      var span = el("span", i === errorLine ? { "class": "error-line" } : {}, [String(i)]);
      frag.appendChild(span);
      frag.appendChild(document.createTextNode("\n"));
    }
    gutter.textContent = "";
    gutter.appendChild(frag);
    gutter.scrollTop = editor.scrollTop;
  }
  editor.addEventListener("input", function () { renderGutter(null); });
  editor.addEventListener("scroll", function () { gutter.scrollTop = editor.scrollTop; });

  // --- labels, links and short names of IRIs ---
  function labels() {
    if (!labelsPromise) {
      labelsPromise = fetch("/labels.json?lang=" + encodeURIComponent(lang), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { labels: {} }; })
        .then(function (doc) { return doc.labels || {}; })
        .catch(function () { return {}; });
    }
    return labelsPromise;
  }

  // Only http(s) IRIs become links; javascript:, data:, urn:, mailto: ... are shown as text.
  function isWebIri(iri) {
    return /^https?:\/\//i.test(iri);
  }

  function pageHref(iri) {
    if (iri.indexOf(base) !== 0) return isWebIri(iri) ? iri : null;
    var local = "/" + iri.slice(base.length);
    var hash = local.indexOf("#");
    var path = hash < 0 ? local : local.slice(0, hash);
    var fragment = hash < 0 ? "" : local.slice(hash);
    path += (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang;   // the language goes along (i18n.with_lang)
    return path + fragment;
  }

  function shortName(iri) {
    var names = Object.keys(prefixes);
    for (var i = 0; i < names.length; i++) {
      var ns = prefixes[names[i]];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) return names[i] + ":" + iri.slice(ns.length);
    }
    return iri;
  }

  function termCell(term, labelOf) {
    var td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      var label = labelOf[term.value];
      var href = pageHref(term.value);
      if (href === null) {
        td.appendChild(el("span", { "class": "iri", title: term.value }, [label || shortName(term.value)]));
      } else {
        td.appendChild(el("a", { "class": label ? "iri labelled" : "iri", href: href, title: term.value,
                                 rel: href.charAt(0) === "/" ? null : "external" }, [label || shortName(term.value)]));
      }
    } else if (term.type === "bnode") {
      td.appendChild(el("span", { "class": "bnode" }, ["_:" + term.value]));
    } else if (term.type === "triple") {
      td.appendChild(el("span", { "class": "triple" }, ["<< … >>"]));
    } else {
      var dt = term.datatype;
      // Numbers in the reader's digits, as the server-rendered table writes them (querypage._for_reader);
      // the lexical form stays in the title.
      var numeric = lang === "fa" && dt && dt.indexOf(XSD) === 0 && NUMERIC.indexOf(dt.slice(XSD.length)) >= 0 &&
                    isFinite(Number(term.value));
      var typed = dt && dt !== XSD + "string" && !term["xml:lang"];
      var span = el("span", { "class": typed ? "literal typed" : "literal", dir: "auto", lang: term["xml:lang"] || null,
                              title: numeric ? term.value : null },
                    [numeric ? digits(Number(term.value).toLocaleString("en-US", { maximumFractionDigits: 20 })) : term.value]);
      td.appendChild(span);
      if (lang === "fa" && dt && forReader(dt)) readerForm(span, term.value, dt);
      if (term["xml:lang"]) {
        td.appendChild(document.createTextNode(" "));
        var tag = term["xml:lang"], langs = words.langs || {};
        td.appendChild(el("small", { "class": "lang-tag", title: "@" + tag }, [langs[tag.split("-")[0].toLowerCase()] || tag]));
      } else if (dt && dt !== XSD + "string") {
        td.appendChild(document.createTextNode(" "));
        td.appendChild(el("small", { "class": "datatype" }, [shortName(dt)]));
      }
    }
    return td;
  }

  // Dates in both calendars, Solar Hijri dates and yes/no on a Persian page, in the server's own words (querypage.for_reader via
  // /query/reader): the cells drawn in one go are asked for together, then rewritten in place.
  var DATES = [XSD + "date", XSD + "gYearMonth", XSD + "gYear"];
  function forReader(dt) {      // what for_reader writes otherwise than as it is: dates, Solar Hijri dates, yes/no
    return DATES.indexOf(dt) >= 0 || dt === XSD + "boolean" || /#SolarHijriDate$/.test(dt);
  }
  var pending = [];
  function readerForm(span, value, datatype) {
    pending.push([span, value, datatype]);
    if (pending.length === 1) setTimeout(flushReaderForms, 0);
  }
  function flushReaderForms() {
    var batch = pending.splice(0, 500);
    if (pending.length) setTimeout(flushReaderForms, 0);
    fetch("/query/reader?lang=" + encodeURIComponent(lang), {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ values: batch.map(function (p) { return [p[1], p[2]]; }) })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (doc) {
      if (!doc) return;
      batch.forEach(function (p, i) {
        var form = doc.forms[i];
        if (form && form !== p[1]) { p[0].textContent = form; p[0].title = p[1]; }
      });
    }).catch(function () { /* the lexical form stays */ });
  }

  // --- a tiny Turtle highlighter (the same token classes as the server's) ---
  var TOKENS = new RegExp([
    "(#[^\\n]*)",                                                        // comment
    "(<[^<>\"{}|^`\\\\\\s]*>)",                                          // iri
    "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // string
    "(@prefix\\b|@base\\b|\\bPREFIX\\b|\\bBASE\\b|\\ba\\b(?=\\s)|\\btrue\\b|\\bfalse\\b)",          // keyword
    "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",                                    // lang
    "(\\^\\^)",                                                          // datatype
    "(_:[\\w.-]*\\w|\\[\\s*\\])",                                        // bnode
    "([A-Za-z][\\w.-]*:[\\w.:%-]*[\\w:%]|[A-Za-z][\\w.-]*:|:[\\w.:%-]*[\\w:%])", // name
    "([+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?))",       // number
    "([.;,\\[\\]()])"                                                    // punct
  ].join("|"), "g");
  var CLASSES = ["comment", "iri", "string", "keyword", "lang", "datatype", "bnode", "name", "number", "punct"];

  function highlight(text) {
    var code = el("code");
    var pos = 0, m;
    TOKENS.lastIndex = 0;
    while ((m = TOKENS.exec(text)) !== null) {
      if (m[0] === "") { TOKENS.lastIndex++; continue; }
      if (m.index > pos) code.appendChild(document.createTextNode(text.slice(pos, m.index)));
      var kind = 0;
      for (var i = 1; i < m.length; i++) if (m[i] !== undefined) { kind = i - 1; break; }
      code.appendChild(el("span", { "class": "tt-" + CLASSES[kind] }, [m[0]]));
      pos = m.index + m[0].length;
    }
    code.appendChild(document.createTextNode(text.slice(pos)));
    return code;
  }

  // --- results ---
  function downloads(query, kind) {
    var table = downloadTable[kind === "graph" ? "graph" : "results"] || [];
    var span = el("span", { "class": "downloads" }, ["· " + words.download + ": "]);
    table.forEach(function (d, i) {
      span.appendChild(el("a", { href: "/query/download?query=" + encodeURIComponent(query) + "&format=" + d[1],
                                 download: "result." + d[2], "data-format": d[1] }, [d[0]]));
      if (i < table.length - 1) span.appendChild(document.createTextNode(words.comma || ", "));
    });
    return span;
  }

  function meta(query, kind, count, ms) {
    var p = el("p", { "class": "result-meta" });
    if (count !== null) {
      var template = kind === "graph" ? (count === 1 ? words.triples_one : words.triples)
                                      : (count === 1 ? words.rows_one : words.rows);
      p.appendChild(el("span", { id: "result-count", "data-count": String(count) },
                       [fmt(template, { n: digits(count.toLocaleString("en-US")) })]));
      p.appendChild(document.createTextNode(" · "));
    }
    p.appendChild(el("span", { id: "result-time", "data-ms": ms.toFixed(1) }, [fmt(words.ms, { ms: digits(ms.toFixed(1)) })]));
    p.appendChild(document.createTextNode(" "));
    p.appendChild(downloads(query, kind));
    return p;
  }

  function show(kind, nodes) {
    result.textContent = "";
    result.setAttribute("data-kind", kind);
    result.appendChild(el("h2", {}, [words.result]));
    nodes.forEach(function (n) { result.appendChild(n); });
    // The result is below the editor on most screens: bring it into view (issue #15).
    if (kind !== "running" && result.scrollIntoView) result.scrollIntoView({ block: "start" });
  }

  // An empty answer whose query names terms the graph does not have: the endpoint's Warning header
  // names them (hints.py), in English and %-encoded; the page says it in its own language.
  function unknownTerms(warning) {
    var found = [], re = /"(\S+) names nothing in this graph(?: \(did you mean ([^"]+)\?\))?"/g, m;
    while ((m = re.exec(warning || "")) !== null) {
      found.push({ term: decodeURIComponent(m[1]), close: m[2] ? m[2].split(" or ").map(decodeURIComponent) : [] });
    }
    return found.map(function (u) {
      var named = words.unknown.split("{term}"), asked = words.did_you_mean.split("{terms}");
      var parts = [named[0], el("code", { dir: "ltr" }, [u.term]), named[1]];
      if (u.close.length) {
        parts.push(" " + asked[0]);
        u.close.forEach(function (c, i) {
          if (i) parts.push(words.or);
          parts.push(el("code", { dir: "ltr" }, [c]));
        });
        parts.push(asked[1]);
      }
      return el("p", { "class": "warning unknown-term", "data-term": u.term }, parts);
    });
  }

  function showTable(query, doc, ms, truncated, unknown) {
    return labels().then(function (labelOf) {
      var vars = (doc.head && doc.head.vars) || [];
      var rows = doc.results.bindings;
      var nodes = [meta(query, "select", rows.length, ms)];
      if (truncated) nodes.push(el("p", { "class": "warning" }, [words.truncated]));
      (unknown || []).forEach(function (n) { nodes.push(n); });
      if (!rows.length) nodes.push(el("p", { "class": "muted" }, [words.no_rows]));
      // One page at a time, sortable and filterable (results.js); never every row at once.
      nodes.push(window.IssgraphResults.table({
        vars: vars, rows: rows, size: words.page_rows || 100, words: words, digits: digits,
        cell: function (term) { return termCell(term, labelOf); },
        pageUrl: function (view, n) {
          var p = { query: query, lang: lang };
          if (n && n > 1) p.page = String(n);
          if (view) p.view = view;
          return "/query?" + new URLSearchParams(p).toString();
        },
        viewUrl: function (view) {
          return "/query/view.svg?" + new URLSearchParams({ query: query, view: view, lang: lang }).toString();
        }
      }));
      show("select", nodes);
    });
  }

  // The endpoint answers in English; the page's words for it come from /query/message (messages.py).
  function explain(message) {
    return fetch("/query/message?" + new URLSearchParams({ message: message, lang: lang }).toString(),
                 { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { text: message, lang: "en" }; })
      .catch(function () { return { text: message, lang: "en" }; });
  }

  function showError(query, message, line, column) {
    return explain(message).then(function (said) { renderError(query, said, line, column); });
  }

  function renderError(query, said, line, column) {
    var head = el("p", {}, [el("strong", {}, [words.error])]);
    if (line && column) head.appendChild(document.createTextNode(" (" + fmt(words.at, { line: digits(line), column: digits(column) }) + ")"));
    head.appendChild(document.createTextNode(": "));
    head.appendChild(el("span", { "class": "message", lang: said.lang, dir: said.lang === "fa" ? "rtl" : "ltr" }, [said.text]));
    var box = el("div", { "class": "error query-error", role: "alert", id: "query-error",
                          "data-line": line ? String(line) : null, "data-column": column ? String(column) : null }, [head]);
    var lines = query.split("\n");
    if (line && column && line <= lines.length) {
      var text = lines[line - 1].replace(/\r$/, "");
      var i = Math.min(Math.max(column - 1, 0), text.length);
      box.appendChild(el("pre", { "class": "error-context", dir: "ltr" }, [
        el("span", { "class": "ln" }, [digits(line)]), " " + text.slice(0, i),
        el("mark", { "class": "error-at" }, [text.slice(i, i + 1) || " "]), text.slice(i + 1)]));
      var offset = 0;
      for (var k = 0; k < line - 1; k++) offset += lines[k].length + 1;
      offset += i;
      editor.setSelectionRange(offset, Math.min(offset + 1, editor.value.length));
    }
    renderGutter(line || null);
    show("error", [box]);
  }

  // Each run is a history entry (Back and Forward step through the queries); a run that Back or
  // Forward asked for (fromHistory) only shows the entry's query again.
  function run(fromHistory) {
    if (window.issgraphPrepare) editor.value = window.issgraphPrepare(editor.value);   // editor.js: known prefixes
    var query = editor.value;
    var url = "/query?" + new URLSearchParams({ query: query, lang: lang }).toString();
    if (fromHistory !== true && location.pathname + location.search !== url) history.pushState({ query: query }, "", url);
    page.dispatchEvent(new CustomEvent("issgraph:run", { detail: { query: query } }));
    // The header's language switch keeps the query too.
    var switcher = document.querySelector("header.site a.lang");
    if (switcher) {
      var other = lang === "fa" ? "en" : "fa";
      switcher.setAttribute("href", "/query?" + new URLSearchParams({ query: query, lang: other }).toString());
    }
    renderGutter(null);
    result.textContent = "";
    result.appendChild(el("p", { "class": "muted running" }, [words.running]));
    result.setAttribute("data-kind", "running");
    var started = performance.now();
    return fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: ACCEPT },
      body: new URLSearchParams({ query: query }).toString()
    }).then(function (response) {
      return response.text().then(function (body) {
        var ms = performance.now() - started;
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok) {
          var m = /line (\d+), column (\d+)/.exec(body);
          var line = +(response.headers.get("X-Error-Line") || (m && m[1]) || 0);
          var column = +(response.headers.get("X-Error-Column") || (m && m[2]) || 0);
          return showError(query, body.trim(), line, column);
        }
        var truncated = !!response.headers.get("X-Result-Truncated");
        var unknown = unknownTerms(response.headers.get("Warning"));
        if (type.indexOf("text/turtle") === 0) {
          var count = +(response.headers.get("X-Result-Count") || 0);
          var nodes = [meta(query, "graph", count, ms)];
          if (truncated) nodes.push(el("p", { "class": "warning" }, [words.truncated]));
          unknown.forEach(function (n) { nodes.push(n); });
          // The graph view (server-drawn SVG in the page, as the page without script shows it), then the Turtle.
          var graphView = "/query/view.svg?" + new URLSearchParams({ query: query, view: "graph", lang: lang }).toString();
          var figure = el("figure", { "class": "result-view", "data-view": "graph", "aria-busy": "true" });
          window.IssgraphResults.inlineView(figure, graphView, (words.view_names || {}).graph || "Graph");
          nodes.push(figure);
          nodes.push(el("p", { "class": "embed" }, [el("a", { href: graphView, id: "embed-link", "data-view": "graph" },
            [words.embed || "Embed"]), " ", el("code", { "class": "embed-code", dir: "ltr" }, ['<img src="' + location.origin + graphView + '">'])]));
          nodes.push(el("pre", { "class": "turtle", dir: "ltr" }, [highlight(body)]));
          return show("graph", nodes);
        }
        var doc = JSON.parse(body);
        if (typeof doc.boolean === "boolean") {
          return show("ask", [meta(query, "ask", null, ms)].concat(unknown, [
            el("p", { "class": "boolean " + (doc.boolean ? "yes" : "no"), "data-boolean": String(doc.boolean) },
               [doc.boolean ? words.yes : words.no])]));
        }
        return showTable(query, doc, ms, truncated, unknown);
      });
    }).catch(function (err) {
      showError(query, String(err), 0, 0);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll(".examples a[data-query]"), function (a) {
    a.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      editor.value = a.getAttribute("data-query");
      Array.prototype.forEach.call(document.querySelectorAll(".examples a[aria-current]"), function (x) {
        x.removeAttribute("aria-current");
      });
      a.setAttribute("aria-current", "page");
      editor.scrollTop = 0;
      run();
    });
  });
  window.addEventListener("popstate", function () {
    var query = new URLSearchParams(location.search).get("query");
    if (query === null) { location.reload(); return; }    // an example's or the empty page's address: the server draws it
    editor.value = query;
    run(true);
  });
  page.classList.add("scripted");
  renderGutter(+(document.getElementById("query-error") || { getAttribute: function () { return 0; } })
    .getAttribute("data-line") || null);
})();
