/* The runs index: filters and sortable columns over the tables bench/index.py writes.
 *
 * Progressive enhancement: without this script every run is listed, newest first. With it,
 * the filter form shows (benchmark, model, host, CPU, GPU, date range, free text) and a click on a
 * column header sorts that table. Each row is read once; a filter pass is one loop over the
 * rows, a sort one sort of one table. The filters live in the page's query string, so a
 * filtered view can be linked. No network, no dependencies: it works from file:// too.
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

  function applyFilters(form, rows, sections) {
    var want = wanted(form);
    var visible = new Map();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row, want);
      if (row.tr.hidden === ok) row.tr.hidden = !ok;
      if (ok) {
        shown += 1;
        visible.set(row.section, (visible.get(row.section) || 0) + 1);
      }
    });
    sections.forEach(function (section) {
      section.hidden = !visible.get(section);
    });
    var total = rows.length + (rows.length === 1 ? " run" : " runs");
    form.elements.count.value = shown === rows.length ? total : shown + " of " + total;
    saveQuery(form);
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

  function init() {
    var form = document.querySelector("form.bench-filters");
    if (!form) return;
    var rows = Array.prototype.map.call(
      document.querySelectorAll("table.bench-index tbody tr"),
      readRow
    );
    var sections = Array.prototype.slice.call(
      document.querySelectorAll("section.bench-benchmark")
    );
    document.querySelectorAll("table.bench-index").forEach(makeSortable);
    var timer = null;
    var update = function () {
      applyFilters(form, rows, sections);
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
