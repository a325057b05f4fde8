/* The query page's results: one page of rows at a time (never the whole answer at once), sorting
   and filtering of the shown page, and the answer's views (server-drawn SVG, the same pictures the
   page shows without JavaScript, put in the page itself so their links work, after cleanSvg kept
   only drawing and http(s) links). query.js calls IssgraphResults.table(); a local file, no framework. */
(function () {
  "use strict";

  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var DATES = ["date", "dateTime", "gYearMonth", "gYear"];
  var NUMBERS = ["integer", "decimal", "int", "long", "short", "byte", "float", "double", "nonNegativeInteger",
                 "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
                 "unsignedShort"];

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

  function typed(term, names) {
    return term && term.type !== "uri" && term.type !== "bnode" && term.datatype &&
      term.datatype.indexOf(XSD) === 0 && names.indexOf(term.datatype.slice(XSD.length)) >= 0;
  }

  function column(vars, rows, test, skip) {
    for (var i = 0; i < vars.length; i++) {
      var v = vars[i], seen = 0, ok = true;
      if (skip && skip.indexOf(v) >= 0) continue;
      for (var j = 0; j < rows.length && ok; j++) {
        if (!rows[j][v]) continue;
        seen++;
        ok = test(rows[j][v]);
      }
      if (ok && seen) return v;
    }
    return null;
  }

  // The views that fit an answer: the same rules as resultviews.fitting on the server (sources is
  // offered whenever the rows hold IRIs; the server's picture says when none names its source).
  function fitting(vars, rows) {
    var sample = rows.slice(0, 1000);
    var found = ["table"];
    if (column(vars, sample, function (t) { return typed(t, DATES); })) found.push("timeline");
    var num = column(vars, sample, function (t) { return typed(t, NUMBERS); });
    if (num && column(vars, sample, function (t) {
      return t.type === "uri" || (t.type === "literal" && (!t.datatype || t.datatype === XSD + "string"));
    }, [num])) found.push("bar");
    if (sample.some(function (b) { return vars.some(function (v) { return b[v] && b[v].type === "uri"; }); })) {
      found.push("sources");
    }
    return found;
  }

  // --- views in the page: the server's SVG, parsed as SVG (never as HTML) and kept to drawing ---
  var SVG_NS = "http://www.w3.org/2000/svg";
  // The elements pictures.py draws with; any other (script, foreignObject, style, use, image,
  // animate, set, ...) goes with all it holds.
  var DRAWING = ["svg", "g", "defs", "title", "desc", "a", "text", "tspan", "rect", "circle", "ellipse", "line",
                 "polyline", "polygon", "path", "pattern", "linearGradient", "radialGradient", "stop", "clipPath", "marker"];

  function webHref(value) {
    try {
      var url = new URL(value, location.href);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch (e) {
      return false;
    }
  }

  /* An SVG text as an element of this document with nothing active left: only DRAWING elements,
     no on* handler, no style attribute (the CSP allows none), no link but http(s) (relative ones
     resolve to this host). null when the text is not an SVG document. */
  function cleanSvg(text) {
    var doc = new DOMParser().parseFromString(text, "image/svg+xml");
    var root = doc.documentElement;
    if (!root || root.namespaceURI !== SVG_NS || root.localName !== "svg" ||
        doc.getElementsByTagNameNS("*", "parsererror").length) return null;
    (function clean(node) {
      Array.prototype.slice.call(node.children).forEach(function (child) {
        if (child.namespaceURI !== SVG_NS || DRAWING.indexOf(child.localName) < 0) child.remove();
        else clean(child);
      });
      Array.prototype.slice.call(node.attributes).forEach(function (a) {
        var name = a.localName.toLowerCase();
        if (name.indexOf("on") === 0 || name === "style" || (name === "href" && !webHref(a.value))) {
          node.removeAttributeNode(a);
        }
      });
    })(root);
    return document.importNode(root, true);
  }

  /* Fill `figure` with the view at `src`, drawn in the page (its links clickable); an <img> of it
     if it cannot be fetched or read. `still()` says whether the figure still wants this view;
     `caption`, if given, goes under the picture. */
  function inlineView(figure, src, alt, still, caption) {
    return fetch(src, { headers: { Accept: "image/svg+xml" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .catch(function () { return null; })
      .then(function (text) {
        if (still && !still()) return;
        var svg = text === null ? null : cleanSvg(text);
        figure.textContent = "";
        figure.appendChild(svg || el("img", { src: src, alt: alt, "class": "view-image" }));
        if (caption) figure.appendChild(caption);
        figure.removeAttribute("aria-busy");
      });
  }

  function sortKey(term) {
    if (!term) return { n: null, s: "" };
    if (typed(term, NUMBERS) && isFinite(Number(term.value))) return { n: Number(term.value), s: term.value };
    return { n: null, s: term.value };
  }

  function compare(a, b) {
    if (a.n !== null && b.n !== null) return a.n - b.n;
    return a.s.localeCompare(b.s);
  }

  /* A table of `rows` (SPARQL JSON bindings) drawn `size` rows at a time.
     opts: vars, rows, size, words, digits(text), cell(term) -> <td>, query, lang, viewUrl(view). */
  function table(opts) {
    var vars = opts.vars, all = opts.rows, size = opts.size || 100, words = opts.words, digits = opts.digits;
    var box = el("div", { "class": "paged-results" });
    var page = 1, pages = Math.max(1, Math.ceil(all.length / size));
    var sortBy = null, descending = false;
    var views = fitting(vars, all), current = "table";

    var nav = el("nav", { "class": "result-views", "aria-label": words.views || "View" });
    var viewBox = el("figure", { "class": "result-view", hidden: "hidden" });
    var embed = el("p", { "class": "embed", hidden: "hidden" });
    var tableBox = el("div", { "class": "table-view" });
    if (views.length > 1) {
      nav.appendChild(el("span", { "class": "label" }, [(words.views || "View") + ": "]));
      views.forEach(function (v, i) {
        var a = el("a", { href: opts.pageUrl(v), "data-view": v, "aria-current": v === current ? "true" : null },
                   [(words.view_names || {})[v] || v]);
        a.addEventListener("click", function (event) {
          if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          show(v);
        });
        nav.appendChild(a);
        if (i < views.length - 1) nav.appendChild(document.createTextNode(" · "));
      });
      box.appendChild(nav);
    }

    function show(view) {
      current = view;
      Array.prototype.forEach.call(nav.querySelectorAll("a"), function (a) {
        if (a.getAttribute("data-view") === view) a.setAttribute("aria-current", "true");
        else a.removeAttribute("aria-current");
      });
      if (view === "table") {
        tableBox.hidden = false; viewBox.hidden = true; embed.hidden = true;
        return;
      }
      var src = opts.viewUrl(view);
      viewBox.textContent = "";
      viewBox.setAttribute("data-view", view);
      viewBox.setAttribute("aria-busy", "true");
      // A view draws the first words.view_rows rows (resultviews.VIEW_ROWS): say so when there are more,
      // in the words the page without script uses.
      var limit = words.view_rows, caption = null;
      if (limit && all.length > limit && words.view_shown) {
        caption = el("figcaption", { "class": "muted" }, [words.view_shown
          .replace("{n}", digits(limit.toLocaleString("en-US"))).replace("{total}", digits(all.length.toLocaleString("en-US")))]);
      }
      inlineView(viewBox, src, (words.view_names || {})[view] || view, function () { return current === view; }, caption);
      embed.textContent = "";
      embed.appendChild(el("a", { href: src, id: "embed-link", "data-view": view }, [words.embed || "Embed"]));
      embed.appendChild(document.createTextNode(" "));
      embed.appendChild(el("code", { "class": "embed-code", dir: "ltr" }, ['<img src="' + location.origin + src + '">']));
      tableBox.hidden = true; viewBox.hidden = false; embed.hidden = false;
    }

    var filter = el("input", { type: "search", "class": "filter", id: "result-filter",
                               "aria-label": words.filter || "Filter", placeholder: words.filter || "Filter" });
    var pager = el("nav", { "class": "pager", "aria-label": "pages" });
    var thead = el("thead"), tbody = el("tbody");
    var headRow = el("tr", {}, [el("th", { scope: "col", "class": "rownum" }, ["#"])]);
    vars.forEach(function (v) {
      var th = el("th", { scope: "col", dir: "ltr", "data-var": v, "aria-sort": "none" },
                  [el("button", { type: "button", "class": "sort" }, ["?" + v])]);
      th.firstChild.addEventListener("click", function () {
        descending = sortBy === v ? !descending : false;
        sortBy = v;
        Array.prototype.forEach.call(headRow.querySelectorAll("th[data-var]"), function (h) {
          h.setAttribute("aria-sort", h.getAttribute("data-var") === v ? (descending ? "descending" : "ascending") : "none");
        });
        draw();
      });
      headRow.appendChild(th);
    });
    thead.appendChild(headRow);

    function link(label, target, rel) {
      var a = el("a", { href: opts.pageUrl(null, target), rel: rel, "data-page": String(target) }, [label]);
      a.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        page = target;
        sortBy = null;
        draw();
      });
      return a;
    }

    // A row matches when its cells (not its number) hold the text, in any letter case.
    function matches(tr, needle) {
      if (!needle) return true;
      for (var i = 1; i < tr.cells.length; i++) {
        if (tr.cells[i].textContent.toLowerCase().indexOf(needle) >= 0) return true;
      }
      return false;
    }

    // Draws the current page only: at most `size` rows in the document at any time.
    function draw() {
      var first = (page - 1) * size;
      var needle = filter.value.trim().toLowerCase();
      var shown = all.slice(first, first + size).map(function (b, i) {
        var tr = el("tr", {}, [el("td", { "class": "rownum" }, [digits(first + i + 1)])]);
        vars.forEach(function (v) { tr.appendChild(opts.cell(b[v])); });
        return { b: b, tr: tr };
      });
      if (sortBy) {
        // Numbers by value, everything else by what the cell shows (an IRI by its label).
        var col = vars.indexOf(sortBy) + 1;
        shown.sort(function (x, y) {
          var a = sortKey(x.b[sortBy]), b = sortKey(y.b[sortBy]);
          if (a.n === null) a.s = x.tr.cells[col].textContent;
          if (b.n === null) b.s = y.tr.cells[col].textContent;
          var c = compare(a, b);
          return descending ? -c : c;
        });
      }
      var frag = document.createDocumentFragment();
      shown.forEach(function (r) {
        r.tr.hidden = !matches(r.tr, needle);
        frag.appendChild(r.tr);
      });
      tbody.textContent = "";
      tbody.appendChild(frag);
      pager.textContent = "";
      pager.setAttribute("data-page", String(page));
      pager.setAttribute("data-pages", String(pages));
      if (pages > 1) {
        if (page > 1) pager.appendChild(link(words.prev || "Previous", page - 1, "prev"));
        pager.appendChild(el("span", { "class": "page-of" }, [
          (words.page || "Page {page} of {pages}").replace("{page}", digits(page)).replace("{pages}", digits(pages))]));
        if (page < pages) pager.appendChild(link(words.next || "Next", page + 1, "next"));
      }
    }

    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(tbody.rows, function (tr) { tr.hidden = !matches(tr, needle); });
    });

    tableBox.appendChild(el("p", { "class": "table-tools" }, [filter]));
    tableBox.appendChild(pager);
    tableBox.appendChild(el("div", { "class": "results" }, [el("table", { "class": "results-table" }, [thead, tbody])]));
    box.appendChild(tableBox);
    box.appendChild(viewBox);
    box.appendChild(embed);
    draw();
    if (opts.view && views.indexOf(opts.view) > 0) show(opts.view);
    return box;
  }

  window.IssgraphResults = { table: table, fitting: fitting, cleanSvg: cleanSvg, inlineView: inlineView };
})();
