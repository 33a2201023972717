// cogwatch's web UI: pages drawn from the public HTTP API only (what
// Grafana or a script sees), charts with uPlot. No framework, no build
// step. Every URL is relative to the page, so the UI works under any
// path prefix (--web.route-prefix or a reverse proxy's).
'use strict';

// ---- helpers -------------------------------------------------------------

const $page = document.getElementById('page');

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The API's envelope: data, or an Error carrying the API's own message.
async function api(path, params, method) {
  const body = params ? new URLSearchParams(params) : undefined;
  const get = !method || method === 'GET';
  const url = 'api/v1/' + path + (get && body ? '?' + body : '');
  const r = await fetch(url, get ? {} : {method, body});
  let j;
  try {
    j = await r.json();
  } catch (e) {
    throw new Error(`${url}: HTTP ${r.status}`);
  }
  if (j.status !== 'success') {
    const err = new Error(j.error || `HTTP ${r.status}`);
    err.type = j.errorType;
    throw err;
  }
  return j.data;
}

function labelsOf(metric, skip) {
  return el('span', {class: 'labels'}, Object.entries(metric || {})
    .filter(([k]) => !(skip || []).includes(k))
    .map(([k, v]) => el('span', {}, `${k}="${v}"`)));
}

function ago(iso) {
  if (!iso || iso.startsWith('0001')) return 'never';
  const s = (Date.now() - new Date(iso).getTime()) / 1000;
  if (s < 0) return 'in ' + dur(-s);
  return dur(s) + ' ago';
}

function dur(s) {
  if (s < 1) return (s * 1000).toFixed(1) + 'ms';
  if (s < 60) return s.toFixed(s < 10 ? 2 : 0) + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + Math.round(s % 60) + 's';
  return Math.floor(s / 3600) + 'h' + Math.round((s % 3600) / 60) + 'm';
}

// Sets a parameter of the page's URL (kept in history, so a reload or a
// shared link shows the same) and draws the page again.
function setParam(params, name, value) {
  params.set(name, value);
  history.replaceState(null, '', '?' + params);
  render();
}

// A labelled <select> of [value, text] options bound to the URL parameter `name`.
function choice(params, name, options, selected) {
  return el('label', {}, name, el('select', {name, onchange: e => setParam(params, name, e.target.value)},
    options.map(([v, t]) => el('option', {value: v, selected: String(v) === String(selected)}, t))));
}

function stateBadge(state) { return el('span', {class: 'state ' + state}, state); }

function table(headers, rows) {
  return el('div', {class: 'scroll'}, el('table', {},
    el('thead', {}, el('tr', {}, headers.map(h => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, rows.map(r => el('tr', {}, r.map(c => el('td', {}, c)))))));
}

function errorBox(e) { return el('div', {class: 'error', role: 'alert'}, e.message || String(e)); }

// A native histogram of the API ({count, sum, buckets: [[boundaries,
// lower, upper, count]]}) as text: "count 12, sum 5.4" and a line per
// bucket, "(0.5, 1]: 3" (boundaries 0: upper bound inclusive, 1: lower,
// 2: neither, 3: both).
function histogramText(h) {
  const lines = [`count ${h.count}, sum ${h.sum}`];
  for (const [b, lower, upper, count] of h.buckets || []) {
    lines.push(`${b === 1 || b === 3 ? '[' : '('}${lower}, ${upper}${b === 0 || b === 3 ? ']' : ')'}: ${count}`);
  }
  return lines.join('\n');
}

// The value of an instant-vector sample, float or histogram.
function sampleText(s) { return s.histogram ? histogramText(s.histogram[1]) : s.value[1]; }

// A range-vector series' samples in time order, floats and histograms.
function seriesText(s) {
  const points = (s.values || []).map(([t, v]) => [t, v])
    .concat((s.histograms || []).map(([t, h]) => [t, histogramText(h)]));
  points.sort((a, b) => a[0] - b[0]);
  return points.map(([t, v]) => `${v} @${t}`).join('\n');
}

// ---- charts ----------------------------------------------------------------

const palette = ['#2463c2', '#d1495b', '#1f9e6e', '#e39b1a', '#7b4fc9', '#0f8fb3', '#b5478f', '#6b7a1f'];

// 2100000000 -> "2.1G", 0.25 -> "0.25": axis labels that fit.
function si(v) {
  if (v === null || v === undefined) return '';
  const a = Math.abs(v);
  for (const [f, p] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']]) {
    if (a >= f) return +(v / f).toPrecision(3) + p;
  }
  return String(+v.toPrecision(3));
}

function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

function legendName(metric, format) {
  if (format) return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, n) => metric[n] || '');
  const l = Object.entries(metric).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`).join(', ');
  return (metric.__name__ || '') + (l ? `{${l}}` : '') || '{}';
}

// A chart of range results: [{result, legend}] on one time grid;
// thresholds drawn as lines, `firing` ([[from, to] seconds]) shaded.
// Native histogram samples are not drawn (a note says how many series
// had them, and what to graph instead).
function chart(container, sets, {start, end, step, threshold, firing}) {
  const xs = [];
  for (let t = start; t <= end + 1e-9; t += step) xs.push(Math.round(t * 1000) / 1000);
  const index = new Map(xs.map((t, i) => [t, i]));
  const data = [xs];
  const series = [{}];
  let n = 0, histograms = 0;
  for (const {result, legend} of sets) {
    for (const s of result) {
      if (s.histograms) histograms++;
      if (!s.values) continue;
      const ys = new Array(xs.length).fill(null);
      for (const [t, v] of s.values) {
        const i = index.get(Math.round(t * 1000) / 1000);
        if (i !== undefined) ys[i] = Number(v);
      }
      data.push(ys);
      series.push({label: legendName(s.metric, legend), stroke: palette[n++ % palette.length], width: 1.5, spanGaps: false});
    }
  }
  if (threshold !== undefined) {
    data.push(xs.map(() => threshold));
    series.push({label: 'threshold ' + threshold, stroke: cssVar('--bad'), dash: [6, 4], width: 1});
  }
  const width = Math.max(240, container.clientWidth - 16);
  const opts = {
    width, height: 220, series,
    axes: [{stroke: cssVar('--muted'), grid: {stroke: cssVar('--line')}},
           {stroke: cssVar('--muted'), grid: {stroke: cssVar('--line')}, size: 60, values: (u, ticks) => ticks.map(si)}],
    hooks: {drawClear: [u => {
      if (!firing || !firing.length) return;
      const ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = 'rgba(220, 40, 40, 0.13)';
      for (const [a, b] of firing) {
        const x0 = u.valToPos(a, 'x', true), x1 = u.valToPos(b, 'x', true);
        ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
      }
      ctx.restore();
    }]},
  };
  container.replaceChildren();
  if (histograms > 0) {
    container.append(el('p', {class: 'muted', 'data-histograms': histograms},
      `${histograms} series of native histograms not drawn: graph histogram_quantile(0.9, ...), ` +
      'histogram_count(...) or histogram_sum(...) of them, or see them in the Table tab.'));
  }
  if (n === 0) {
    if (histograms === 0) container.append(el('p', {class: 'muted'}, 'No data.'));
    return null;
  }
  return new uPlot(opts, data, container);
}

// [[from, to]] seconds where any alert fired, from ALERTS over the range.
async function firingSpans(start, end, step) {
  const d = await api('query_range', {query: 'ALERTS{alertstate="firing"}', start, end, step}, 'POST');
  const spans = [];
  for (const s of d.result) {
    for (const [t] of s.values) spans.push([t - step / 2, t + step / 2]);
  }
  return spans;
}

// ---- pages -----------------------------------------------------------------

const pages = {};
let refreshTimer = null;

// p-quantile of cog_predict_latency_seconds by model_version from the
// classic buckets, or from the native histogram where there are none
// (deploy/cog_recording.yml's rule does the same by job).
const latencyQuantile = q =>
  `histogram_quantile(${q}, sum by (le, model_version) (rate(cog_predict_latency_seconds_bucket{SEL,model_version=~"MV"}[RATE])))` +
  ` or histogram_quantile(${q}, sum by (model_version) (rate(cog_predict_latency_seconds{SEL,model_version=~"MV"}[RATE])))`;

// The guide's Cog panels (the same queries as examples/grafana/cog-dashboard.json).
const cogPanels = [
  {title: 'Request rate', unit: 'req/s', targets: [['sum by (instance) (rate(cog_predict_requests_total{SEL}[RATE]))', '{{instance}}']]},
  {title: 'Latency P50 / P90 / P99 by model_version', unit: 's', targets: [0.5, 0.9, 0.99].map(q =>
    [latencyQuantile(q), `p${Math.round(q * 100)} {{model_version}}`])
    .concat([['job:cog_predict_latency_seconds:p95{JOB}', 'p95 (recording rule) {{job}}']])},
  {title: 'Errors by error_type', unit: '%', threshold: 1, targets: [['100 * sum by (error_type) (rate(cog_predict_errors_total{SEL}[RATE])) / ignoring (error_type) group_left sum(rate(cog_predict_requests_total{SEL}[RATE]))', '{{error_type}}']]},
  {title: 'Input data entropy', threshold: 1.5, targets: [['cog_input_data_entropy{SEL}', '{{instance}}']]},
  {title: 'Parameter drift score', threshold: 0.3, targets: [['model_parameter_drift_score{SEL}', '{{instance}}']]},
  {title: 'Inference throughput vs baseline', targets: [['model_inference_throughput{SEL}', '{{instance}}'], ['avg_over_time(model_inference_throughput{SEL}[1h])', 'baseline {{instance}}']]},
  {title: 'Container CPU', unit: 'cores', targets: [['rate(container_cpu_usage_seconds_total{SEL}[RATE])', '{{container_name}} {{instance}}']]},
  {title: 'Container memory', unit: 'bytes', targets: [['container_memory_usage_bytes{SEL}', 'used {{instance}}'], ['container_spec_memory_limit_bytes{SEL}', 'limit {{instance}}']]},
  {title: 'Container network', unit: 'B/s', targets: [['rate(container_network_transmit_bytes_total{SEL}[RATE])', 'sent {{instance}}']]},
];

// A label value as a regex matching exactly it, inside a PromQL string:
// regex metacharacters escaped, then the string's own backslashes and quotes.
function quoteRegex(v) { return v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[\\"]/g, '\\$&'); }

pages.cog = async current => {
  const params = new URLSearchParams(location.search);
  const pick = (name, values) => choice(params, name, [['', 'all'], ...values.map(v => [v, v])], params.get(name) || '');
  const [jobs, instances, versions] = await Promise.all([
    api('label/job/values', {'match[]': 'cog_predict_requests_total'}),
    api('label/instance/values', {'match[]': 'cog_predict_requests_total'}),
    api('label/model_version/values', [['match[]', 'cog_predict_latency_seconds_bucket'], ['match[]', 'cog_predict_latency_seconds']])]);
  if (!current()) return;
  const range = Number(params.get('range') || 3600);
  const refresh = Number(params.get('refresh') || 0);
  const bar = el('div', {class: 'bar'},
    pick('job', jobs), pick('instance', instances), pick('model_version', versions),
    choice(params, 'range', [[900, '15m'], [3600, '1h'], [21600, '6h'], [86400, '24h']], range),
    choice(params, 'refresh', [[0, 'off'], [10, '10s'], [30, '30s'], [60, '1m']], refresh));
  const grid = el('div', {class: 'grid'});
  $page.replaceChildren(el('h1', {}, 'Cog predictors'), bar, grid);

  const job = params.get('job'), instance = params.get('instance'), mv = params.get('model_version');
  const sel = `job=~"${job ? quoteRegex(job) : '.*'}",instance=~"${instance ? quoteRegex(instance) : '.*'}"`;
  const end = Math.floor(Date.now() / 1000);
  const start = end - range;
  const step = Math.max(1, Math.round(range / 240));
  const rate = Math.max(4 * 15, 4 * step) + 's';
  const firing = await firingSpans(start, end, step).catch(() => []);
  await Promise.all(cogPanels.map(async p => {
    const box = el('div');
    const panel = el('section', {class: 'panel', 'aria-label': p.title}, el('h2', {}, p.title + (p.unit ? ` (${p.unit})` : '')), box);
    grid.append(panel);
    try {
      const sets = await Promise.all(p.targets.map(async ([expr, legend]) => {
        const fill = {SEL: sel, JOB: `job=~"${job ? quoteRegex(job) : '.*'}"`, MV: mv ? quoteRegex(mv) : '.*', RATE: rate};
        const q = expr.replace(/\b(SEL|JOB|MV|RATE)\b/g, k => fill[k]);
        const d = await api('query_range', {query: q, start, end, step}, 'POST');
        return {result: d.result, legend};
      }));
      if (current()) chart(box, sets, {start, end, step, threshold: p.threshold, firing});
    } catch (e) {
      box.replaceChildren(errorBox(e));
    }
  }));
  if (refresh > 0 && current()) refreshTimer = setTimeout(render, refresh * 1000);
};

pages.alerts = async current => {
  const d = await api('rules', {type: 'alert'});
  if (!current()) return;
  const rules = d.groups.flatMap(g => g.rules.map(r => ({...r, group: g.name})));
  const count = s => rules.filter(r => r.state === s).length;
  $page.replaceChildren(el('h1', {}, 'Alerts'),
    el('p', {class: 'muted'}, `${count('firing')} firing, ${count('pending')} pending, ${count('inactive')} inactive`),
    ...rules.map(r => el('section', {class: 'panel', 'aria-label': r.name},
      el('h2', {}, stateBadge(r.state), ' ', r.name, el('span', {class: 'muted'}, ` (${r.group})`)),
      el('div', {}, el('code', {}, r.query), r.duration ? el('span', {class: 'muted'}, ` for ${dur(r.duration)}`) : null),
      r.alerts.length ? table(['State', 'Labels', 'Active since', 'Fires at', 'Value', 'Annotations'], r.alerts.map(a => [
        stateBadge(a.state), labelsOf(a.labels, ['alertname']),
        a.activeAt ? `${new Date(a.activeAt).toLocaleString()} (${ago(a.activeAt)})` : '',
        a.state === 'pending' && a.activeAt ? new Date(new Date(a.activeAt).getTime() + r.duration * 1000).toLocaleString() : '',
        a.value, el('div', {}, Object.entries(a.annotations || {}).map(([k, v]) => el('div', {}, el('b', {}, k + ': '), v)))])) : null)));
};

pages.rules = async current => {
  const d = await api('rules');
  if (!current()) return;
  $page.replaceChildren(el('h1', {}, 'Rules'), ...d.groups.map(g => el('section', {class: 'panel', 'aria-label': g.name},
    el('h2', {}, g.name, el('span', {class: 'muted'}, ` ${g.file} · every ${dur(g.interval)} · last ${ago(g.lastEvaluation)} in ${dur(g.evaluationTime)}`)),
    table(['Rule', 'Health', 'Last evaluation', 'Took', 'Error'], g.rules.map(r => [
      el('div', {}, el('b', {}, (r.type === 'alerting' ? 'alert: ' : 'record: ') + r.name), el('div', {}, el('code', {}, r.query))),
      stateBadge(r.health), ago(r.lastEvaluation), dur(r.evaluationTime || 0), r.lastError || ''])))));
};

pages.targets = async current => {
  const d = await api('targets', {state: 'active'});
  if (!current()) return;
  const pools = new Map();
  for (const t of d.activeTargets) {
    if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
    pools.get(t.scrapePool).push(t);
  }
  $page.replaceChildren(el('h1', {}, 'Targets'), ...[...pools].map(([pool, ts]) => el('section', {class: 'panel', 'aria-label': pool},
    el('h2', {}, pool, el('span', {class: 'muted'}, ` (${ts.filter(t => t.health === 'up').length}/${ts.length} up)`)),
    table(['Endpoint', 'State', 'Labels', 'Last scrape', 'Duration', 'Error'], ts.map(t => [
      /^https?:\/\//i.test(t.scrapeUrl) ? el('a', {href: t.scrapeUrl}, t.scrapeUrl) : t.scrapeUrl,
      stateBadge(t.health), labelsOf(t.labels),
      ago(t.lastScrape), dur(t.lastScrapeDuration || 0), t.lastError || ''])))));
};

// 'invalid parameter "query": 1:5: parse error: ...' -> the expression's
// line with a caret under column 5, then the message.
function parseErrorView(expr, message) {
  const m = /(\d+):(\d+): parse error/.exec(message);
  if (!m) return errorBox(new Error(message));
  const line = expr.split('\n')[Number(m[1]) - 1] || '';
  return el('div', {class: 'error', role: 'alert'}, line + '\n' + ' '.repeat(Number(m[2]) - 1) + '^\n' + message);
}

// ---- explain: the expression as a tree, each node evaluated alone ---------

function durText(ms) {
  if (!ms) return '0s';
  let out = '';
  for (const [unit, size] of [['y', 31536000000], ['w', 604800000], ['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000], ['ms', 1]]) {
    if (ms >= size) { out += Math.floor(ms / size) + unit; ms %= size; }
  }
  return out;
}

function quoteLabel(v) { return JSON.stringify(v); }

// PromQL text of a node of /api/v1/parse_query's tree (Prometheus's
// translateAST), so each node can be run on its own.
function promqlOf(n) {
  const mods = x => (x.offset ? ` offset ${x.offset < 0 ? '-' : ''}${durText(Math.abs(x.offset))}` : '') +
    (x.timestamp !== null && x.timestamp !== undefined ? ` @ ${(x.timestamp / 1000).toFixed(3)}` : '') +
    (x.startOrEnd ? ` @ ${x.startOrEnd}()` : '');
  const selector = x => {
    const ms = (x.matchers || []).filter(m => !(x.name && m.name === '__name__' && m.type === '='));
    return (x.name || '') + (ms.length || !x.name ? '{' + ms.map(m => m.name + m.type + quoteLabel(m.value)).join(', ') + '}' : '');
  };
  switch (n.type) {
    case 'vectorSelector': return selector(n) + mods(n);
    case 'matrixSelector': return selector(n) + `[${durText(n.range)}]` + mods(n);
    case 'subquery': return `${promqlOf(n.expr)}[${durText(n.range)}:${n.step ? durText(n.step) : ''}]` + mods(n);
    case 'numberLiteral': return String(n.val);
    case 'stringLiteral': return JSON.stringify(n.val);
    case 'parenExpr': return `(${promqlOf(n.expr)})`;
    case 'unaryExpr': return `${n.op}${promqlOf(n.expr)}`;
    case 'call': return `${n.func.name}(${n.args.map(promqlOf).join(', ')})`;
    case 'aggregation': {
      const grouping = n.without || (n.grouping && n.grouping.length) ? ` ${n.without ? 'without' : 'by'} (${(n.grouping || []).join(', ')})` : '';
      return `${n.op}${grouping} (${n.param ? promqlOf(n.param) + ', ' : ''}${promqlOf(n.expr)})`;
    }
    case 'binaryExpr': {
      let m = '';
      const k = n.matching;
      if (k && (k.on || (k.labels && k.labels.length))) m += ` ${k.on ? 'on' : 'ignoring'} (${(k.labels || []).join(', ')})`;
      if (k && k.card === 'many-to-one') m += ` group_left (${(k.include || []).join(', ')})`;
      if (k && k.card === 'one-to-many') m += ` group_right (${(k.include || []).join(', ')})`;
      return `${promqlOf(n.lhs)} ${n.op}${n.bool ? ' bool' : ''}${m} ${promqlOf(n.rhs)}`;
    }
  }
  throw new Error('unknown node ' + n.type);
}

function childrenOf(n) {
  switch (n.type) {
    case 'aggregation': return n.param ? [n.param, n.expr] : [n.expr];
    case 'binaryExpr': return [n.lhs, n.rhs];
    case 'call': return n.args;
    case 'subquery': case 'parenExpr': case 'unaryExpr': return [n.expr];
    default: return [];
  }
}

// One node: its text, then what it returns alone — series count, label
// names, evaluation time — so a user sees where a join or filter loses
// the series.
function explainNode(n) {
  const text = promqlOf(n);
  const info = el('span', {class: 'muted'}, ' …');
  const li = el('li', {class: 'node'}, el('code', {}, text), info);
  if (n.type === 'numberLiteral' || n.type === 'stringLiteral') {
    info.textContent = ' ' + n.type.replace('Literal', '');
    li.dataset.done = '1';
  } else {
    const t0 = performance.now();
    api('query', {query: text}, 'POST').then(d => {
      const ms = (performance.now() - t0).toFixed(0);
      if (d.resultType === 'scalar') { info.textContent = ` scalar ${d.result[1]} · ${ms}ms`; return; }
      const names = new Set();
      for (const s of d.result) for (const k of Object.keys(s.metric)) if (k !== '__name__') names.add(k);
      info.textContent = ` ${d.result.length} series · labels: ${[...names].sort().join(', ') || 'none'} · ${ms}ms`;
      info.className = d.result.length ? 'muted' : 'err';
      li.dataset.series = String(d.result.length);
      li.dataset.done = '1';
    }, e => { info.textContent = ' ' + e.message; info.className = 'err'; li.dataset.done = '1'; });
  }
  const kids = childrenOf(n);
  if (kids.length) li.append(el('ul', {}, kids.map(explainNode)));
  return li;
}

pages.query = pages.graph = async current => {
  const params = new URLSearchParams(location.search);
  // Alerts' generatorURL is Prometheus's: /graph?g0.expr=...&g0.tab=1 (1: table).
  if (!params.has('expr') && params.has('g0.expr')) {
    params.set('expr', params.get('g0.expr'));
    params.set('tab', params.get('g0.tab') === '0' ? 'graph' : 'table');
    params.delete('g0.expr');
    params.delete('g0.tab');
  }
  const input = el('textarea', {id: 'expr', 'aria-label': 'PromQL expression', spellcheck: 'false'});
  input.value = params.get('expr') || '';
  const tab = params.get('tab') || 'table';
  const range = Number(params.get('range') || 3600);
  const out = el('div', {id: 'result'});
  const run = () => {
    params.set('expr', input.value);
    history.replaceState(null, '', '?' + params);
    render();
  };
  input.addEventListener('keydown', e => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); run(); } });
  const tabButton = (name, label) => el('button', {type: 'button', 'aria-pressed': String(tab === name),
    onclick: () => setParam(params, 'tab', name)}, label);
  $page.replaceChildren(el('h1', {}, 'Query'), input,
    el('div', {class: 'bar'}, el('button', {type: 'button', id: 'execute', onclick: run}, 'Execute'),
      tabButton('table', 'Table'), tabButton('graph', 'Graph'), tabButton('explain', 'Explain'),
      choice(params, 'range', [[300, '5m'], [3600, '1h'], [21600, '6h'], [86400, '24h']], range)),
    out);
  const expr = input.value.trim();
  if (!expr) return;
  try {
    if (tab === 'explain') {
      const tree = await api('parse_query', {query: expr}, 'POST');
      if (!current()) return;
      out.replaceChildren(el('ul', {class: 'tree', id: 'explain'}, explainNode(tree)));
    } else if (tab === 'graph') {
      const end = Math.floor(Date.now() / 1000), start = end - range, step = Math.max(1, Math.round(range / 300));
      const d = await api('query_range', {query: expr, start, end, step}, 'POST');
      if (!current()) return;
      const box = el('div', {class: 'panel', id: 'graph'});
      out.replaceChildren(box);
      chart(box, [{result: d.result}], {start, end, step});
    } else {
      const d = await api('query', {query: expr}, 'POST');
      if (!current()) return;
      let rows;
      if (d.resultType === 'vector') rows = d.result.map(s => [legendName(s.metric), sampleText(s)]);
      else if (d.resultType === 'matrix') rows = d.result.map(s => [legendName(s.metric), seriesText(s)]);
      else rows = [['', String(d.result[1])]];
      out.replaceChildren(el('p', {class: 'muted'}, `${d.resultType}, ${rows.length} result${rows.length === 1 ? '' : 's'}`),
        table(['Series', 'Value'], rows));
    }
  } catch (e) {
    if (current()) out.replaceChildren(e.type === 'bad_data' ? parseErrorView(expr, e.message) : errorBox(e));
  }
};

// The metric names a parsed expression reads: its selectors' names, and
// those a __name__ matcher picks out of `known`.
// An RE2 pattern (PromQL's, anchored) as a JavaScript RegExp, or null when
// JavaScript cannot read it ((?P<n>...), \Q...\E, ...).
function re2(pattern) {
  let flags = 's';
  if (pattern.startsWith('(?i)')) { flags += 'i'; pattern = pattern.slice(4); }
  try {
    return new RegExp('^(?:' + pattern + ')$', flags);
  } catch (e) {
    return null;
  }
}

function addMatching(into, known, type, pattern) {
  if (type === '=') { into.add(pattern); return; }
  if (type === '!=') return;  // reads nearly everything: counted as reading nothing in particular
  const re = re2(pattern);
  // A pattern JavaScript cannot read might match anything: count all read.
  for (const k of known) if (!re || (type === '=~') === re.test(k)) into.add(k);
}

function metricsRead(n, known, into) {
  if (n.type === 'vectorSelector' || n.type === 'matrixSelector') {
    if (n.name) into.add(n.name);
    for (const m of n.matchers || []) if (m.name === '__name__') addMatching(into, known, m.type, m.value);
  }
  for (const c of childrenOf(n)) metricsRead(c, known, into);
  return into;
}

// The guide's "review unused metrics", from the API: scraped metric names
// that no rule reads and no query has read since start
// (/api/v1/status/metric_reads), with their series counts.
async function unusedMetrics(tsdb) {
  const [names, rules, queried] = await Promise.all([api('label/__name__/values'), api('rules'), api('status/metric_reads')]);
  const read = new Set(queried.names);
  for (const p of queried.patterns) addMatching(read, names, p.type, p.value);
  const all = rules.groups.flatMap(g => g.rules);
  const trees = await Promise.all(all.map(r => api('parse_query', {query: r.query}, 'POST')));
  all.forEach((r, i) => {
    read.add(r.name);  // a recording rule's output is the rule's, not unused
    metricsRead(trees[i], names, read);
  });
  const series = new Map((tsdb.seriesCountByMetricName || []).map(x => [x.name, x.value]));
  return names.filter(n => !read.has(n) && !n.startsWith('ALERTS') && !n.startsWith('scrape_') && n !== 'up')
    .map(n => [n, series.has(n) ? series.get(n) : '']);
}

pages.status = async current => {
  const [build, runtime, flags, tsdb, config] = await Promise.all([
    api('status/buildinfo'), api('status/runtimeinfo'), api('status/flags'), api('status/tsdb', {limit: 10000}),
    api('status/config')]);
  const unused = await unusedMetrics(tsdb);
  if (!current()) return;
  const kv = o => table(['', ''], Object.entries(o).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]));
  const counts = (title, list) => el('section', {class: 'panel'}, el('h2', {}, title), table(['Name', 'Count'], (list || []).map(x => [x.name, x.value])));
  $page.replaceChildren(el('h1', {}, 'Status'),
    el('div', {class: 'grid'},
      el('section', {class: 'panel'}, el('h2', {}, 'Build'), kv(build)),
      el('section', {class: 'panel'}, el('h2', {}, 'Runtime'), kv(runtime)),
      el('section', {class: 'panel'}, el('h2', {}, 'Head'), kv(tsdb.headStats || {})),
      counts('Series by metric name', tsdb.seriesCountByMetricName),
      counts('Values by label name', tsdb.labelValueCountByLabelName),
      counts('Series by label pair', tsdb.seriesCountByLabelValuePair),
      el('section', {class: 'panel', id: 'unused'}, el('h2', {}, `Metrics nothing reads (${unused.length})`),
        el('p', {class: 'note'}, 'Scraped metric names that no rule reads and no query has read since cogwatch started: candidates for metric_relabel_configs drop rules.'),
        table(['Metric', 'Series'], unused)),
      el('section', {class: 'panel'}, el('h2', {}, 'Flags'), kv(flags)),
      el('section', {class: 'panel', id: 'config'}, el('h2', {}, 'Configuration'),
        el('pre', {class: 'scroll'}, el('code', {}, config.yaml)))));
};

// ---- navigation --------------------------------------------------------------

function currentPage() {
  const name = location.pathname.split('/').pop();
  return pages[name] ? name : 'cog';
}

// Each render has a number; pages get `current()` and stop drawing once a
// newer render began (the user moved on while they loaded), so a late
// answer never overwrites the page shown, nor re-arms its refresh.
let renders = 0;

async function render() {
  clearTimeout(refreshTimer);
  const mine = ++renders;
  const name = currentPage();
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === (name === 'graph' ? 'query' : name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `cogwatch · ${name}`;
  const current = () => mine === renders;
  try {
    await pages[name](current);
  } catch (e) {
    if (current()) $page.replaceChildren(errorBox(e));
  }
}

document.addEventListener('click', e => {
  const a = e.target.closest('nav a, a.brand');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  history.pushState(null, '', a.getAttribute('href'));
  render().then(() => $page.focus());
});
window.addEventListener('popstate', render);

const themeButton = document.getElementById('theme');
function applyTheme(t) { document.documentElement.dataset.theme = t; }
applyTheme(localStorage.getItem('theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
themeButton.addEventListener('click', () => {
  const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('theme', t);
  applyTheme(t);
  render();
});

render();
