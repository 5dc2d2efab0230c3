/* kratomsim web app: progressive enhancement. Every page works without this script; it adds
   interactive charts (uPlot, served from /static/vendor), suggestions as you type, live safety
   checks while logging, a working indicator on long actions, and focus on the result or error.
   No inline code, no other hosts: the Content-Security-Policy stays 'self'. */
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function debounce(fn, ms) {
    var t = null;
    return function () { var args = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, args); }, ms); };
  }
  function announce(text) {
    var live = $("#live");
    if (live) { live.textContent = ""; setTimeout(function () { live.textContent = text; }, 50); }
  }

  /* --- focus and scroll to the result, the error or a red flag ------------------------------ */
  function focusFirst() {
    var target = $("[data-focus]");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
    var text = target.getAttribute("data-announce");
    if (text) announce(text);
    var invalid = $("[aria-invalid='true']");
    if (invalid && target.id === "error-summary") invalid.focus({ preventScroll: true });
  }

  /* --- a working indicator on long actions, and downloads that say when they are done ------- */
  function status(form, text) {
    var box = form.querySelector(".working-status");
    if (!box) {
      box = document.createElement("p");
      box.className = "working-status";
      box.setAttribute("role", "status");
      form.appendChild(box);
    }
    box.innerHTML = "";
    if (text) {
      var span = document.createElement("span");
      span.className = "working";
      span.textContent = text;
      box.appendChild(span);
    }
    return box;
  }
  function busy(form, on) {
    $$("button[type='submit']", form).forEach(function (b) {
      if (on) { b.setAttribute("aria-busy", "true"); b.disabled = true; }
      else { b.removeAttribute("aria-busy"); b.disabled = false; }
    });
  }
  function download(form, submitter) {
    var params = new URLSearchParams(new FormData(form));
    if (submitter && submitter.name) params.set(submitter.name, submitter.value);
    var url = form.getAttribute("action") + "?" + params.toString();
    status(form, form.getAttribute("data-working"));
    busy(form, true);
    fetch(url, { credentials: "same-origin" }).then(function (res) {
      var disposition = res.headers.get("content-disposition") || "";
      if (!res.ok || disposition.indexOf("attachment") < 0) { window.location.assign(url); return null; }
      var name = (disposition.match(/filename="([^"]+)"/) || [null, "kratomsim-report"])[1];
      return res.blob().then(function (blob) {
        var a = document.createElement("a");
        var href = URL.createObjectURL(blob);
        a.href = href;
        a.download = name;
        a.textContent = name;
        a.hidden = true;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(href); }, 1000);
        busy(form, false);
        status(form, "");
        var done = status(form, "");
        done.textContent = "Downloaded " + name + ".";
        announce("Downloaded " + name);
      });
    }).catch(function () { window.location.assign(url); });
  }
  function working() {
    $$("form[data-working]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.hasAttribute("data-download")) {
          event.preventDefault();
          download(form, event.submitter);
          return;
        }
        status(form, form.getAttribute("data-working"));
        announce(form.getAttribute("data-working"));
        // after the browser has read the form, so the pressed button's value is still sent
        setTimeout(function () { busy(form, true); }, 0);
      });
    });
    window.addEventListener("pageshow", function () {
      $$("form[data-working]").forEach(function (form) { busy(form, false); status(form, ""); });
    });
  }

  /* --- charts ----------------------------------------------------------------------------- */
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }
  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    var a = Math.abs(v);
    if (a >= 1000) return Math.round(v).toLocaleString();
    return Number(v.toPrecision(3)).toString();
  }
  function chartHeight(width) { return width < 500 ? 230 : 290; }
  function drawChart(script) {
    var d = JSON.parse(script.textContent);
    var figure = script.closest("figure");
    var box = figure.querySelector(".chart-box");
    if (!box || typeof uPlot === "undefined") return;
    var font = "12px system-ui, sans-serif";
    var data = [d.x];
    var series = [{
      label: d.xLabel,
      value: d.xKind === "time"
        ? function (u, v) { return v == null ? "–" : new Date(v * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }); }
        : function (u, v) { return v == null ? "–" : fmt(v); }
    }];
    var bands = [];
    d.series.forEach(function (s) {
      var scale = s.axis === "y2" ? "y2" : "y";
      var main = {
        label: s.label,
        stroke: s.color, width: 2, scale: scale, spanGaps: false,
        value: function (u, v) { return fmt(v); }
      };
      if (s.kind === "bars") { main.paths = uPlot.paths.bars({ size: [0.7, 40] }); main.fill = alpha(s.color, 0.55); main.points = { show: false }; }
      if (s.kind === "points") { main.paths = function () { return null; }; main.points = { show: true, size: 7, fill: s.color }; }
      data.push(s.values); series.push(main);
      if (s.low && s.high) {
        var hi = series.length;
        // the legend shows "value (low–high)" on the main series; the range series stay out of it
        main.value = function (u, v, si, i) {
          if (v == null || i == null) return "–";
          return fmt(v) + " (" + fmt(u.data[si + 2][i]) + "–" + fmt(u.data[si + 1][i]) + ")";
        };
        data.push(s.high);
        series.push({ label: s.label + ", range high", class: "band-series", stroke: alpha(s.color, 0.35), width: 1, scale: scale, points: { show: false } });
        data.push(s.low);
        series.push({ label: s.label + ", range low", class: "band-series", stroke: alpha(s.color, 0.35), width: 1, scale: scale, points: { show: false } });
        bands.push({ series: [hi, hi + 1], fill: alpha(s.color, 0.15) });
      }
    });
    var hasY2 = d.series.some(function (s) { return s.axis === "y2"; });
    function range(u, min, max) {
      if (min == null || max == null) return [0, 1];
      var lo = d.yMinZero ? Math.min(0, min) : min;
      var hi = max > lo ? max * 1.05 : lo + 1;
      return [lo, hi];
    }
    var axes = [
      { label: d.xLabel, font: font, labelFont: "bold " + font, stroke: "#333" },
      { scale: "y", label: d.yLabel, font: font, labelFont: "bold " + font, stroke: "#333", size: 56 }
    ];
    if (hasY2) axes.push({ scale: "y2", side: 1, label: d.y2Label, font: font, labelFont: "bold " + font, stroke: "#333", grid: { show: false }, size: 56 });
    var marks = d.marks || [];
    var opts = {
      width: Math.max(280, box.clientWidth),
      height: chartHeight(box.clientWidth),
      series: series,
      bands: bands,
      axes: axes,
      scales: { x: { time: d.xKind === "time" }, y: { range: range }, y2: { range: range } },
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      hooks: {
        draw: [function (u) {
          if (!marks.length) return;
          var ctx = u.ctx, top = u.bbox.top + u.bbox.height;
          ctx.save();
          ctx.strokeStyle = "#444";
          ctx.lineWidth = Math.max(1, devicePixelRatio);
          marks.forEach(function (m) {
            var x = u.valToPos(m, "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top - 8 * devicePixelRatio); ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
    var plot = new uPlot(opts, data, box);
    box.uplot = plot; // for tests and the browser console
    var canvas = box.querySelector("canvas");
    if (canvas) {
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", d.title + ". Values for each point are in the legend below and in the CSV.");
    }
    var tools = figure.querySelector(".chart-tools");
    if (!tools) { tools = document.createElement("p"); tools.className = "chart-tools"; figure.appendChild(tools); }
    function button(text, action) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "secondary"; b.textContent = text;
      b.addEventListener("click", action);
      tools.insertBefore(b, tools.firstChild);
    }
    var x0 = d.x[0], x1 = d.x[d.x.length - 1];
    if (d.initial) {
      plot.setScale("x", { min: d.initial[0], max: d.initial[1] });
      button("Show the first day", function () { plot.setScale("x", { min: d.initial[0], max: d.initial[1] }); });
    }
    button("Show everything", function () { plot.setScale("x", { min: x0, max: x1 }); });
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(debounce(function () {
        var w = Math.max(280, box.clientWidth);
        plot.setSize({ width: w, height: chartHeight(w) });
      }, 100)).observe(box);
    }
  }
  function charts() {
    $$("script.chart-data").forEach(function (s) {
      try { drawChart(s); } catch (e) { /* the static image stays the fallback */ }
    });
  }

  /* --- suggestions as you type (ARIA 1.2 combobox) ------------------------------------------- */
  var nameCache = {};
  function names(url) {
    if (!nameCache[url]) {
      nameCache[url] = fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).catch(function () { return []; });
    }
    return nameCache[url];
  }
  function fold(s) { return s.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]/g, ""); }
  function suggest(input, index) {
    var multi = input.hasAttribute("data-multi");
    var wrap = document.createElement("div");
    wrap.className = "suggest-wrap";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var list = document.createElement("ul");
    var id = (input.id || "input" + index) + "-suggestions";
    list.id = id; list.className = "suggest-list"; list.setAttribute("role", "listbox"); list.hidden = true;
    list.setAttribute("aria-label", "Suggestions");
    wrap.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    var active = -1;
    function token() {
      var v = input.value;
      return multi ? v.slice(v.lastIndexOf(",") + 1).trim() : v.trim();
    }
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
    function choose(value) {
      if (multi) {
        var v = input.value, cut = v.lastIndexOf(",");
        input.value = (cut >= 0 ? v.slice(0, cut + 1) + " " : "") + value + ", ";
      } else {
        input.value = value;
      }
      close();
      input.focus();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function mark(i) {
      var items = $$("li", list);
      items.forEach(function (li, k) { li.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (items[i]) { input.setAttribute("aria-activedescendant", items[i].id); items[i].scrollIntoView({ block: "nearest" }); }
    }
    var update = debounce(function () {
      var t = fold(token());
      if (t.length < 2) { close(); return; }
      names(input.getAttribute("data-suggest")).then(function (options) {
        var starts = [], contains = [];
        options.forEach(function (o) {
          var f = fold(o.v);
          if (f.indexOf(t) === 0) starts.push(o); else if (f.indexOf(t) > 0) contains.push(o);
        });
        var found = starts.concat(contains).slice(0, 8);
        list.innerHTML = "";
        if (!found.length) { close(); return; }
        found.forEach(function (o, k) {
          var li = document.createElement("li");
          li.id = id + "-" + k; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
          li.textContent = o.v;
          if (o.h && fold(o.h) !== fold(o.v)) { var h = document.createElement("span"); h.className = "hint"; h.textContent = o.h; li.appendChild(h); }
          li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(o.v); });
          list.appendChild(li);
        });
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        active = -1;
        announce(found.length + " suggestions");
      });
    }, 120);
    input.addEventListener("input", update);
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      var n = list.children.length;
      if (e.key === "ArrowDown") { e.preventDefault(); mark((active + 1) % n); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark((active - 1 + n) % n); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(list.children[active].firstChild.textContent); }
      else if (e.key === "Escape") { close(); }
    });
  }

  /* --- live checks while logging ---------------------------------------------------------- */
  function liveChecks() {
    var out = $("[data-redflag-out]");
    if (out) {
      var text = $("[data-redflag-text]"), symptom = $("[data-redflag-symptom]"), severity = $("[data-redflag-severity]");
      var check = debounce(function () {
        var q = new URLSearchParams({ text: text ? text.value : "", symptom: symptom ? symptom.value : "", severity: severity ? severity.value : "1" });
        fetch("/api/red-flags?" + q.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) { out.innerHTML = html; });
      }, 350);
      [text, symptom, severity].forEach(function (el) { if (el) { el.addEventListener("input", check); el.addEventListener("change", check); } });
    }
    var coOut = $("[data-co-use-out]"), co = $("[data-co-use]");
    if (coOut && co) {
      var look = debounce(function () {
        var name = co.value.trim();
        if (!name) { coOut.innerHTML = ""; return; }
        fetch("/api/co-use?" + new URLSearchParams({ name: name }).toString(), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) { coOut.innerHTML = html; });
      }, 350);
      co.addEventListener("input", look);
      co.addEventListener("change", look);
    }
  }

  /* --- small helpers of the journal forms ------------------------------------------------- */
  function unitFields() {
    $$("select[data-unit-select]").forEach(function (select) {
      var form = select.closest("form");
      function show() {
        $$("[data-for-units]", form).forEach(function (box) {
          box.hidden = box.getAttribute("data-for-units").split(" ").indexOf(select.value) < 0;
        });
      }
      select.addEventListener("change", show);
      show();
    });
    $$("input[data-reveals]").forEach(function (radio) {
      var target = document.getElementById(radio.getAttribute("data-reveals"));
      var group = $$("input[name='" + radio.name + "']", radio.form);
      function show() { if (target) target.hidden = !radio.checked; }
      group.forEach(function (r) { r.addEventListener("change", show); });
      if (target && !target.querySelector("[aria-invalid='true']")) show();
    });
    $$("[data-sows]").forEach(function (box) {
      var out = $("[data-sows-total]", box);
      function total() {
        var sum = 0, answered = 0;
        $$("input[type='radio']:checked", box).forEach(function (r) { sum += Number(r.value); answered += 1; });
        out.textContent = answered ? String(sum) + (answered < 16 ? " (" + answered + " of 16 answered)" : "") : "–";
      }
      box.addEventListener("change", total);
      total();
    });
  }

  /* a table wider than the screen scrolls in its own box, which keyboards can reach */
  function scrollBoxes() {
    $$(".scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        var caption = box.querySelector("caption");
        var heading = box.previousElementSibling;
        var name = caption ? caption.textContent : (heading && /^(H\d|P|SUMMARY)$/.test(heading.tagName) ? heading.textContent : "Table");
        box.setAttribute("aria-label", name.trim().slice(0, 80) + " (scrolls sideways)");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex"); box.removeAttribute("role"); box.removeAttribute("aria-label");
      }
    });
  }

  function start() {
    working();
    charts();
    $$("input[data-suggest]").forEach(suggest);
    liveChecks();
    unitFields();
    scrollBoxes();
    window.addEventListener("resize", debounce(scrollBoxes, 200));
    focusFirst();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
