/* The runs index: filters over every run, and sortable columns on every runs table.
 *
 * Progressive enhancement: without this script the home page lists the newest runs and links
 * each benchmark's page and months, where every run is listed. With it, the filter form shows
 * (benchmark, model, host, CPU, GPU, date range, free text) and searches every run: when a
 * filter is set it loads the data files of the benchmarks and months it can match
 * (<benchmark>/runs/YYYY-MM.js, a script file: it loads from file:// too), once each, and
 * lists the runs that match, built as text, never as markup. A click on a column header sorts that table. The filters
 * live in the page's query string, so a filtered view can be linked. No network beyond the
 * site's own files, no dependencies.
 *
 * On a run page it offers each chart's Vega-Lite spec: the site publishes one template per
 * kind of chart (assets/bench/specs.js, loaded on the first click) and the page each chart's
 * data in a JSON script after its button; the spec is the template with the data put in
 * (bench/site/charts/specs.py), saved under the chart's file name.
 */
(function () {
  "use strict";

  var FIELDS = ["benchmark", "model", "host", "cpu", "gpu", "from", "to", "q"];

  /* A JSON list attribute; null when the row has none (a run recorded without its host's
   * fingerprint has no data-gpus, and only "All" matches it). */
  function readList(tr, name) {
    if (!tr.hasAttribute(name)) return null;
    try {
      var list = JSON.parse(tr.getAttribute(name));
      return Array.isArray(list) ? list : [];
    } catch (err) {
      return [];
    }
  }

  /* A run of a data file, as readRow reads a table row. */
  function dataRow(run, up) {
    var tr = document.createElement("tr");
    if (run.failed) tr.className = "bench-failed";
    var date = cell(tr, run.date, run.time + run.run);
    date.textContent = "";
    var time = document.createElement("time");
    time.setAttribute("datetime", run.time);
    time.textContent = run.date;
    date.appendChild(time);
    var link = document.createElement("a");
    link.setAttribute("href", up + run.href);
    link.textContent = run.run;
    cell(tr, "").appendChild(link);
    var host = cell(tr, run.host);
    if (run.host_print) {
      var print = document.createElement("span");
      print.className = "bench-host-print";
      print.textContent = " \u00b7 " + run.host_print;
      host.appendChild(print);
    }
    cell(tr, run.best_direct, run.best_direct_value);
    cell(tr, run.best_cascade, run.best_cascade_value);
    cell(tr, run.notes);
    var models = run.models || [];
    var tags = run.tags || [];
    return {
      tr: tr,
      section: null,
      benchmark: run.benchmark,
      host: run.host,
      cpu: run.cpu,
      gpus: run.gpus === undefined ? null : run.gpus,
      models: models,
      day: run.date.slice(0, 10),
      text: (
        [run.date, run.run, run.host, run.host_print || "", run.best_direct, run.best_cascade,
          run.notes].join(" ") + " " + models.join(" ") + " " + tags.join(" ")
      ).toLowerCase(),
    };
  }

  function cell(tr, text, value) {
    var td = document.createElement("td");
    td.textContent = text;
    if (value !== null && value !== undefined) td.setAttribute("data-value", value);
    tr.appendChild(td);
    return td;
  }

  /* Each data file's runs, loaded once, through a script element: the same over HTTP and
   * from file://, where a browser fetches nothing. */
  var loaded = {};

  function load(stem) {
    if (loaded[stem]) return loaded[stem];
    loaded[stem] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = stem + ".js";
      script.onload = function () {
        resolve((window.benchRunData || {})[stem] || []);
      };
      script.onerror = function () {
        delete loaded[stem]; /* asked again by the next filter */
        reject(new Error(stem));
      };
      document.head.appendChild(script);
    });
    return loaded[stem];
  }

  /* The data files a filter needs: those of its benchmark (or every one), and of the months
   * its date range reaches. */
  function neededStems(sources, want) {
    var stems = [];
    Object.keys(sources).forEach(function (id) {
      if (want.benchmark && id !== want.benchmark) return;
      Object.keys(sources[id]).forEach(function (month) {
        if (want.from && month < want.from.slice(0, 7)) return;
        if (want.to && month > want.to.slice(0, 7)) return;
        stems = stems.concat(sources[id][month]);
      });
    });
    return stems;
  }

  function readRow(tr) {
    var models = readList(tr, "data-models") || [];
    var tags = readList(tr, "data-tags") || [];
    return {
      tr: tr,
      section: tr.closest("section"),
      benchmark: tr.getAttribute("data-benchmark") || "",
      host: tr.getAttribute("data-host") || "",
      cpu: tr.getAttribute("data-cpu"),
      gpus: readList(tr, "data-gpus"),
      models: models,
      day: (tr.getAttribute("data-date") || "").slice(0, 10),
      text: (tr.textContent + " " + models.join(" ") + " " + tags.join(" ")).toLowerCase(),
    };
  }

  /* The form's control for a field; the CPU and GPU filters are left out of a page whose
   * runs have no host fingerprint. */
  function control(form, name) {
    return form.elements.namedItem(name);
  }

  function wanted(form) {
    var want = {};
    FIELDS.forEach(function (name) {
      var field = control(form, name);
      want[name] = field ? field.value.trim() : "";
    });
    want.q = want.q.toLowerCase();
    var noGpu = form.querySelector("select[name=gpu] option[data-no-gpu]");
    want.noGpu = !!noGpu && want.gpu === noGpu.value;
    return want;
  }

  function gpuMatches(row, want) {
    if (!want.gpu) return true;
    if (row.gpus === null) return false;
    return want.noGpu ? row.gpus.length === 0 : row.gpus.indexOf(want.gpu) >= 0;
  }

  function matches(row, want) {
    return (
      (!want.benchmark || row.benchmark === want.benchmark) &&
      (!want.host || row.host === want.host) &&
      (!want.cpu || row.cpu === want.cpu) &&
      gpuMatches(row, want) &&
      (!want.model || row.models.indexOf(want.model) >= 0) &&
      (!want.from || row.day >= want.from) &&
      (!want.to || row.day <= want.to) &&
      (!want.q || row.text.indexOf(want.q) >= 0)
    );
  }

  function active(want) {
    return FIELDS.some(function (name) {
      return !!want[name];
    });
  }

  function showCount(form, shown, total) {
    var all = total + (total === 1 ? " run" : " runs");
    form.elements.count.value = shown === total ? all : shown + " of " + all;
  }

  /* No filter: the newest runs, as the page lists them. A filter: every run that matches,
   * from the data files of the benchmarks it can match. */
  function applyFilters(form, state) {
    var want = wanted(form);
    var total = parseInt(form.getAttribute("data-total"), 10) || state.rows.length;
    saveQuery(form);
    if (!active(want) || !state.sources) {
      var shown = 0;
      state.rows.forEach(function (row) {
        var ok = matches(row, want);
        if (row.tr.hidden === ok) row.tr.hidden = !ok;
        if (ok) shown += 1;
      });
      state.sections.forEach(function (section) {
        section.hidden = !section.querySelector("tbody tr:not([hidden])");
      });
      state.results.hidden = true;
      showCount(form, active(want) ? shown : total, total);
      return;
    }
    var asked = ++state.asked;
    Promise.all(neededStems(state.sources, want).map(load)).then(function (lists) {
      if (asked !== state.asked) return; /* a newer filter came in meanwhile */
      var found = [];
      lists.forEach(function (runs) {
        runs.forEach(function (run) {
          var row = dataRow(run, "");
          if (matches(row, want)) found.push({ row: row, key: run.time + run.run });
        });
      });
      found.sort(function (a, b) {
        return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
      });
      var body = state.results.querySelector("tbody");
      var fragment = document.createDocumentFragment();
      found.forEach(function (item) {
        fragment.appendChild(item.row.tr);
      });
      body.replaceChildren(fragment);
      state.sections.forEach(function (section) {
        section.hidden = true;
      });
      state.results.hidden = false;
      showCount(form, found.length, total);
    }, function () {
      showCount(form, 0, total);
    });
  }

  function saveQuery(form) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var field = control(form, name);
      var value = field ? field.value.trim() : "";
      if (value) params.set(name, value);
    });
    var query = params.toString() ? "?" + params.toString() : "";
    if (query === location.search) return;
    try {
      history.replaceState(null, "", location.pathname + query + location.hash);
    } catch (err) {
      /* some browsers refuse to change a file:// URL; the filters still work */
    }
  }

  function loadQuery(form) {
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (name) {
      var value = params.get(name);
      var field = control(form, name);
      if (value !== null && field) field.value = value;
    });
  }

  function sortKey(row, column, kind) {
    var cell = row.cells[column];
    if (!cell) return null;
    var raw = cell.hasAttribute("data-value")
      ? cell.getAttribute("data-value")
      : cell.textContent.trim();
    if (kind === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? null : number;
    }
    return raw === "" || raw === "\u2014" ? null : raw;
  }

  function compare(a, b) {
    if (a < b) return -1;
    if (a > b) return 1;
    return 0;
  }

  function sortTable(table, column, th) {
    var kind = th.getAttribute("data-sort");
    var current = th.getAttribute("aria-sort");
    var ascending =
      current === "ascending" ? false : current === "descending" ? true : kind === "text";
    var body = table.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (tr, position) {
      return { tr: tr, key: sortKey(tr, column, kind), position: position };
    });
    keyed.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) return a.position - b.position;
        return a.key === null ? 1 : -1; /* missing values last, either way */
      }
      var order = kind === "text" ? a.key.localeCompare(b.key) : compare(a.key, b.key);
      return (ascending ? order : -order) || a.position - b.position;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (item) {
      fragment.appendChild(item.tr);
    });
    body.appendChild(fragment);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
      showOrder(cell);
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    showOrder(th);
  }

  /* The order a column is sorted in, as an arrow after its name; none when unsorted. */
  function showOrder(th) {
    var mark = th.querySelector(".bench-sort-mark");
    if (!mark) return;
    var order = th.getAttribute("aria-sort");
    mark.textContent = order === "ascending" ? " \u25B2" : order === "descending" ? " \u25BC" : "";
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      if (!th.hasAttribute("data-sort")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "bench-sort";
      button.title = "Sort by " + th.textContent.trim();
      while (th.firstChild) button.appendChild(th.firstChild);
      var mark = document.createElement("span");
      mark.className = "bench-sort-mark";
      mark.setAttribute("aria-hidden", "true");
      button.appendChild(mark);
      th.appendChild(button);
      showOrder(th);
      th.addEventListener("click", function () {
        sortTable(table, column, th);
      });
    });
  }

  /* This script's folder, where specs.js is: known only while the script first runs. */
  var scriptFolder = (function () {
    var src = document.currentScript ? document.currentScript.src : "";
    return src.slice(0, src.lastIndexOf("/") + 1);
  })();
  var specTemplates = null;

  function loadSpecTemplates() {
    if (!specTemplates) {
      specTemplates = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = scriptFolder + "specs.js";
        script.onload = function () {
          resolve(window.benchSpecs || {});
        };
        script.onerror = function () {
          specTemplates = null; /* asked again by the next click */
          reject(new Error("specs.js"));
        };
        document.head.appendChild(script);
      });
    }
    return specTemplates;
  }

  /* The data's rows, from its tables: each a list of fields and rows of values. */
  function specRows(tables) {
    var rows = [];
    tables.forEach(function (table) {
      table[1].forEach(function (values) {
        var row = {};
        table[0].forEach(function (field, i) {
          row[field] = values[i];
        });
        rows.push(row);
      });
    });
    return rows;
  }

  /* The spec: the template with the chart's data (and x order) where its marks are. */
  function specText(template, data) {
    var values = JSON.stringify(specRows(data.tables));
    var text = template.split('"__bench_values__"').join(values);
    if (data.order) text = text.split('"__bench_order__"').join(JSON.stringify(data.order));
    return text + "\n";
  }

  function saveSpec(button) {
    var data = JSON.parse(button.nextElementSibling.textContent);
    loadSpecTemplates().then(function (templates) {
      var blob = new Blob([specText(templates[data.template], data)], {
        type: "application/json",
      });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = button.getAttribute("data-file");
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () {
        URL.revokeObjectURL(link.href);
      }, 1000);
    });
  }

  function offerSpecs() {
    document.querySelectorAll("button.bench-spec").forEach(function (button) {
      button.addEventListener("click", function () {
        saveSpec(button);
      });
      button.hidden = false;
    });
  }

  function init() {
    offerSpecs();
    document.querySelectorAll("table.bench-index").forEach(makeSortable);
    var form = document.querySelector("form.bench-filters");
    if (!form) return;
    var sources = null;
    try {
      sources = JSON.parse(form.getAttribute("data-sources") || "null");
    } catch (err) {
      sources = null;
    }
    var state = {
      rows: Array.prototype.map.call(
        document.querySelectorAll("section.bench-benchmark table.bench-index tbody tr"),
        readRow
      ),
      sections: Array.prototype.slice.call(document.querySelectorAll("section.bench-benchmark")),
      results: document.querySelector("section.bench-results"),
      sources: sources,
      asked: 0,
    };
    var timer = null;
    var update = function () {
      applyFilters(form, state);
    };
    form.addEventListener("change", update);
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 120);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    form.addEventListener("reset", function () {
      setTimeout(update, 0);
    });
    loadQuery(form);
    form.hidden = false;
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
