// The commitments dashboard's map, table and trend chart (Apache ECharts).
// The page works without this file: the server draws the cards and the
// table, and its form chooses the set, the target and the date. With it,
// the children of the region are coloured on a map by the selected
// target's status, a click on a region drills down, the slider steps
// through the month ends, and a line chart draws the target's trend. All
// figures come from the JSON API (/api/commitments/{set}/evaluation and
// /trend); boundaries from /geo/{code}.geojson, joined on adcode.
//
// The page's Content-Security-Policy allows no inline script or style: the
// configuration comes in a data attribute, and every element made here is
// styled by class (commitments.css), tooltips included.
"use strict";

(function () {
  const el = document.getElementById("commit-map");
  if (!el || typeof echarts === "undefined") {
    return;
  }
  const cfg = JSON.parse(el.dataset.config);
  const L = cfg.labels;
  const css = getComputedStyle(document.documentElement);
  const cssColour = (name) => css.getPropertyValue(name).trim();
  const statusColour = (status) => cssColour("--st-" + status) || "#ccc";

  const state = { region: cfg.region, target: cfg.target, asOf: cfg.as_of, data: null, trend: null };
  const box = el.closest(".commit-map-box");
  const grid = el.closest(".commit-grid");
  const tableBox = grid.querySelector(".commit-table-box");
  const msg = document.getElementById("commit-msg");
  const slider = document.getElementById("c-slider");
  const sliderOut = document.getElementById("c-slider-out");
  const dateInput = document.getElementById("c-asof");
  const targetSelect = document.getElementById("c-target");
  const setSelect = document.getElementById("c-set");
  const trendEl = document.getElementById("commit-trend");

  let chart = null;
  let trendChart = null;
  const maps = {}; // boundary URL → registered map name

  // Small DOM helpers: elements are built, never parsed from strings
  // holding data (names come from the server, but need no escaping then).
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const k of kids) {
      if (k === null || k === undefined) continue;
      e.append(k instanceof Node ? k : String(k));
    }
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function statusBadge(r) {
    return h("span", { class: "st st-" + r.status }, h("span", { class: "dot", "aria-hidden": "true" }), r.status_label);
  }
  function name(d) {
    return cfg.lang === "en" && d.name_en ? d.name_en : d.name;
  }
  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v) q.set(k, v);
    }
    return q.toString();
  }
  function dashboardURL(region, target) {
    return "/?" + query({ set: cfg.set, region: region, target: target || state.target, as_of: state.asOf }) + "#map";
  }
  function targetURL(target, region) {
    return "/commitments/" + encodeURIComponent(cfg.set) + "/" + encodeURIComponent(target) + "?" +
      query({ region: region, as_of: state.asOf });
  }
  function say(text) {
    msg.textContent = text || "";
  }
  function emptyResult() {
    return { status: "not_applicable", status_label: "", display: "—", gap: 0, value: null };
  }
  function result(region, target) {
    return (region.results && region.results[target]) || emptyResult();
  }

  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!resp.ok) {
      throw new Error(url + ": " + resp.status);
    }
    return resp.json();
  }

  async function mapName(url) {
    if (!maps[url]) {
      const geo = await getJSON(url);
      const n = "shishi-" + Object.keys(maps).length;
      echarts.registerMap(n, geo);
      maps[url] = n;
    }
    return maps[url];
  }

  // colours returns each child's fill: its status colour, or for a
  // monitored figure (no target to meet) a shade by its value among the
  // children.
  function colours(children) {
    const low = echarts.color.parse(cssColour("--st-monitored-low"));
    const high = echarts.color.parse(cssColour("--st-monitored-high"));
    const vals = children.map((c) => result(c, state.target)).filter((r) => r.status === "monitored" && r.value !== null).map((r) => r.value);
    const min = Math.min(...vals);
    const max = Math.max(...vals);
    const out = {};
    for (const c of children) {
      const r = result(c, state.target);
      if (r.status === "monitored" && r.value !== null && max > min) {
        const f = (r.value - min) / (max - min);
        out[c.code] = echarts.color.stringify(low.map((x, i) => (i < 3 ? Math.round(x + (high[i] - x) * f) : 1)), "rgb");
      } else {
        out[c.code] = statusColour(r.status);
      }
    }
    return out;
  }

  function tooltip(p) {
    const c = p.data && p.data.child;
    if (!c) {
      return "";
    }
    const r = result(c, state.target);
    const line = (k, v) => (v ? '<br><span class="k">' + esc(k) + "</span>" + esc(v) : "");
    return '<div class="tt"><b>' + esc(name(c)) + "</b>" +
      line(L.value, r.display) + line(L.goal, r.goal_display) + line(L.status, r.status_label) +
      line(L.gap, r.gap ? String(r.gap) : "") + line(L.projected, r.projected) + "</div>";
  }

  // The country's file draws the nine-dash line of the South China Sea
  // (南海诸岛) at its true position as a feature of its own (adcode
  // 100000). It joins no data, and must still show: a map of China
  // without it is a "problem map" (问题地图).
  const dashLine = {
    name: "100000",
    itemStyle: { areaColor: "#5f6b7a", borderColor: "#5f6b7a", borderWidth: 1 },
    emphasis: { disabled: true },
    tooltip: { show: false },
  };

  async function drawMap() {
    const d = state.data;
    if (!d.map || d.children.length === 0) {
      box.hidden = true;
      grid.classList.add("no-map");
      el.dataset.state = "none";
      return;
    }
    box.hidden = false;
    grid.classList.remove("no-map");
    if (!chart) {
      chart = echarts.init(el, null, { renderer: "canvas" });
      chart.on("click", (p) => {
        const c = p.data && p.data.child;
        if (!c) return;
        if (c.has_children) {
          drill(c.code);
        } else {
          location.href = targetURL(state.target, c.code);
        }
      });
      window.addEventListener("resize", () => chart.resize());
    }
    const n = await mapName(d.map);
    const fills = colours(d.children);
    const labels = d.region.level !== "country";
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", confine: true, formatter: tooltip },
      series: [{
        type: "map",
        map: n,
        nameProperty: "adcode",
        selectedMode: false,
        roam: false,
        // Fill the box (ECharts leaves a wide margin by default).
        layoutCenter: ["50%", "50%"],
        layoutSize: "96%",
        // Features that join no unit of the hierarchy (台湾, 香港, 澳门
        // in the country's file) are China without data here.
        itemStyle: { areaColor: statusColour("no_data"), borderColor: "#ffffff", borderWidth: 0.8 },
        label: { show: labels, fontSize: 10, color: "#1f2328", textBorderColor: "#ffffff", textBorderWidth: 2, formatter: (p) => (p.data && p.data.child ? name(p.data.child) : "") },
        emphasis: { label: { show: true }, itemStyle: { borderColor: "#1f2328", borderWidth: 1.5 } },
        data: d.children.map((c) => ({
          name: c.code,
          value: result(c, state.target).value,
          child: c,
          itemStyle: { areaColor: fills[c.code] },
          emphasis: { itemStyle: { areaColor: fills[c.code] } },
        })).concat(d.region.level === "country" ? [dashLine] : []),
      }],
    }, true);
    // What is drawn, for tests and for anyone inspecting the page.
    el.dataset.colours = JSON.stringify(fills);
    el.dataset.region = d.region.code;
    el.dataset.asOf = d.as_of;
    el.dataset.state = "ready";
  }

  function drawTable() {
    const d = state.data;
    tableBox.replaceChildren();
    if (d.children.length === 0) {
      tableBox.append(h("p", { class: "empty", id: "commit-children" }, L.no_children));
      return;
    }
    const tbody = h("tbody");
    for (const c of d.children) {
      const r = result(c, state.target);
      const url = c.has_children ? dashboardURL(c.code) : targetURL(state.target, c.code);
      const a = h("a", { href: url }, name(c));
      if (c.has_children) {
        a.addEventListener("click", (e) => {
          e.preventDefault();
          drill(c.code);
        });
      }
      tbody.append(h("tr", { "data-code": c.code },
        h("th", { scope: "row", class: "lead" }, a),
        h("td", { class: "num" }, r.display),
        h("td", { class: "opt" }, r.goal_display || ""),
        h("td", {}, statusBadge(r)),
        h("td", { class: "num" }, h("a", { href: targetURL(state.target, c.code), class: r.gap ? null : "zero" }, String(r.gap)))));
    }
    const head = h("tr", {},
      h("th", { scope: "col", class: "lead" }, L.region),
      h("th", { scope: "col", class: "num" }, L.value),
      h("th", { scope: "col", class: "opt" }, L.goal),
      h("th", { scope: "col" }, L.status),
      h("th", { scope: "col", class: "num" }, L.gap));
    tableBox.append(h("div", { class: "table-wrap" },
      h("table", { class: "data commit-children", id: "commit-children" }, h("thead", {}, head), tbody)));
  }

  // drawHead updates what names the region and its own result: the
  // breadcrumb, the headings, the cards of every target.
  function drawHead() {
    const d = state.data;
    const crumbs = document.querySelector("nav.crumbs");
    crumbs.replaceChildren();
    for (const a of d.ancestors) {
      if (a.in_scope) {
        const link = h("a", { href: dashboardURL(a.code) }, name(a));
        link.addEventListener("click", (e) => {
          e.preventDefault();
          drill(a.code);
        });
        crumbs.append(link);
      } else {
        crumbs.append(h("span", {}, name(a)));
      }
      crumbs.append(h("span", { class: "sep", "aria-hidden": "true" }, "›"));
    }
    crumbs.append(h("span", { "aria-current": "page", id: "commit-here" }, name(d.region)));
    document.getElementById("commit-region-name").textContent = name(d.region);
    document.getElementById("commit-asof-text").textContent = L.as_of_text.replace("%s", d.as_of);
    document.getElementById("commit-trend-note").textContent = d.trend_from ? L.trend_note.replace("%s", d.trend_from) : "";
    const t = d.targets.find((x) => x.id === state.target);
    document.getElementById("commit-target-title").textContent = t ? t.title : state.target;
    const own = result(d.region, state.target);
    const ownEl = document.getElementById("commit-own");
    ownEl.replaceChildren(statusBadge(own), " ", h("span", { class: "v" }, own.display), own.goal_display ? " / " + own.goal_display : "");
    const gapLink = document.getElementById("commit-target-link");
    gapLink.href = targetURL(state.target, d.region.code);
    gapLink.textContent = L.gap_list + (own.gap ? " (" + own.gap + ")" : "");
    for (const li of document.querySelectorAll(".commit-cards li[data-target]")) {
      const id = li.dataset.target;
      const r = result(d.region, id);
      li.classList.toggle("selected", id === state.target);
      const figs = li.querySelector(".t-figures");
      const gap = h("a", { class: "gap" + (r.gap ? "" : " zero"), href: targetURL(id, d.region.code) }, L.gap_list + " " + r.gap);
      figs.replaceChildren(statusBadge(r), " ", h("span", { class: "v" }, r.display),
        r.goal_display ? h("span", { class: "g" }, " / " + r.goal_display) : "",
        r.deadline ? h("span", { class: "d" }, L.deadline + " " + r.deadline) : "",
        r.projected ? h("span", { class: "d" }, L.projected + " " + r.projected) : "", " ", gap);
      li.querySelector("a.t-title").href = dashboardURL(d.region.code, id);
    }
  }

  function percentKind(kind) {
    return kind === "share" || kind === "coverage";
  }
  function axisLabel(kind) {
    if (percentKind(kind)) return (v) => Math.round(v * 1000) / 10 + "%";
    if (kind === "per_capita") return (v) => v.toFixed(2);
    return (v) => v.toLocaleString();
  }

  async function drawTrend() {
    const key = state.region + "/" + state.target;
    if (state.trend && state.trend.key === key) {
      renderTrend();
      return;
    }
    const data = await getJSON(cfg.trend + "?" + query({ region: state.region, target: state.target }));
    state.trend = { key: key, data: data };
    renderTrend();
  }

  function renderTrend() {
    const d = state.trend.data;
    trendEl.hidden = false;
    if (!trendChart) {
      trendChart = echarts.init(trendEl, null, { renderer: "canvas" });
      window.addEventListener("resize", () => trendChart.resize());
    }
    const fmt = axisLabel(d.target.kind);
    const dates = d.points.map((p) => p.date);
    // The as-of date's place on the axis: the first stop on or after it.
    const at = dates.find((x) => x >= state.asOf) || dates[dates.length - 1];
    // The as-of date is a line without a label (the heading names the
    // date): at the end of the period it would cover the goal's.
    const marks = [{ xAxis: at, label: { show: false }, lineStyle: { color: cssColour("--red"), type: "dashed" } }];
    if (d.goal !== null) {
      marks.push({ yAxis: d.goal, label: { formatter: L.goal + " " + fmt(d.goal), position: "insideStartTop" }, lineStyle: { color: statusColour("met"), type: "dashed" } });
    }
    trendChart.setOption({
      animation: false,
      // The section's heading names the target; the title the region.
      title: { text: L.trend + " · " + name(d.region), textStyle: { fontSize: 13, fontWeight: 600 }, left: 0 },
      grid: { left: 60, right: 24, top: 40, bottom: 30 },
      tooltip: {
        trigger: "axis", confine: true,
        formatter: (ps) => {
          const p = ps[0];
          const pt = d.points[p.dataIndex];
          return '<div class="tt"><b>' + esc(pt.date) + "</b><br>" + esc(pt.display) + "</div>";
        },
      },
      xAxis: { type: "category", data: dates, boundaryGap: false, axisLabel: { formatter: (v) => v.slice(0, 7) } },
      // Shares close to 100% would draw a flat line on a 0-100% axis:
      // the axis starts near the smallest value instead.
      yAxis: { type: "value", scale: true, max: percentKind(d.target.kind) ? 1 : null, axisLabel: { formatter: fmt } },
      series: [{
        type: "line",
        data: d.points.map((p) => p.value),
        connectNulls: false,
        symbolSize: 6,
        lineStyle: { width: 2, color: cssColour("--link") },
        itemStyle: { color: cssColour("--link") },
        markLine: { symbol: "none", silent: true, data: marks },
      }],
    }, true);
    trendEl.dataset.state = "ready";
  }

  let seq = 0;
  // update fetches the evaluation for the state and draws everything; a
  // newer update makes an older one's answer moot.
  async function update(withTrend) {
    const my = ++seq;
    say(L.loading);
    el.dataset.state = "loading";
    try {
      const d = await getJSON(cfg.evaluation + "?" + query({ region: state.region, as_of: state.asOf }));
      if (my !== seq) return;
      state.data = d;
      state.asOf = d.as_of;
      syncDate();
      drawHead();
      drawTable();
      await drawMap();
      say(d.map && d.children.length ? L.drill : "");
      if (withTrend) {
        await drawTrend();
      } else if (state.trend) {
        renderTrend();
      }
    } catch (e) {
      if (my === seq) {
        say(L.failed);
        el.dataset.state = "failed";
      }
      console.error(e);
    }
  }

  function syncDate() {
    dateInput.value = state.asOf;
    sliderOut.textContent = state.asOf;
    let i = cfg.dates.findIndex((x) => x >= state.asOf);
    if (i < 0) i = cfg.dates.length - 1;
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", state.asOf);
  }

  function remember(push) {
    const url = "/?" + query({ set: cfg.set, region: state.region, target: state.target, as_of: state.asOf }) + "#map";
    const s = { region: state.region, target: state.target, asOf: state.asOf };
    if (push) history.pushState(s, "", url);
    else history.replaceState(s, "", url);
  }

  function drill(code) {
    state.region = code;
    remember(true);
    update(true);
  }

  // The slider is for scripts only: without them the date field serves.
  slider.hidden = false;
  slider.addEventListener("input", () => {
    sliderOut.textContent = cfg.dates[Number(slider.value)];
    slider.setAttribute("aria-valuetext", sliderOut.textContent);
  });
  slider.addEventListener("change", () => {
    state.asOf = cfg.dates[Number(slider.value)];
    remember(false);
    update(false);
  });
  dateInput.addEventListener("change", () => {
    if (!dateInput.value) return;
    state.asOf = dateInput.value;
    remember(false);
    update(false);
  });
  function selectTarget(id) {
    state.target = id;
    targetSelect.value = id;
    remember(true);
    drawHead();
    drawTable();
    drawMap();
    drawTrend().catch((e) => {
      say(L.failed);
      console.error(e);
    });
  }
  targetSelect.addEventListener("change", () => selectTarget(targetSelect.value));
  // A target's title in the cards shows it on the map.
  document.querySelector(".commit-cards").addEventListener("click", (e) => {
    const a = e.target.closest("a.t-title");
    if (!a || !state.data) return;
    e.preventDefault();
    selectTarget(a.closest("li").dataset.target);
    document.getElementById("map").scrollIntoView({ behavior: "smooth" });
  });
  // Another set is another page.
  setSelect.addEventListener("change", () => setSelect.form.submit());
  window.addEventListener("popstate", (e) => {
    if (!e.state) return;
    state.region = e.state.region;
    state.target = e.state.target;
    state.asOf = e.state.asOf;
    targetSelect.value = state.target;
    update(true);
  });
  // The first entry keeps its address; it only gains the state to come
  // back to.
  history.replaceState({ region: state.region, target: state.target, asOf: state.asOf }, "", location.href);
  update(true);
})();
