// The drill-down's only script, inline and allowed by its SHA-256 in the page's Content-Security-Policy.
// It reads the rows embedded as JSON (a data block, never executed), filters them as the user types or
// picks, and builds table rows with textContent only (record text can never become markup). It makes
// no request. Cells mirror stateRow() in state.ts, which renders the first page for readers without JS.

const DRILLDOWN_SCRIPT = `(function () {
  'use strict';
  var doc = document;
  var src = doc.getElementById('rows-data');
  var table = doc.getElementById('rows');
  if (!src || !table) return;
  var D = JSON.parse(src.textContent || '{}');
  var S = D.s, R = D.r, PAGE = D.page;
  var body = table.tBodies[0];
  var q = doc.getElementById('f-q'), fk = doc.getElementById('f-kind');
  var fs = doc.getElementById('f-status'), fr = doc.getElementById('f-region');
  var count = doc.getElementById('f-count'), more = doc.getElementById('f-more');
  var s = function (i) { return i >= 0 ? S[i] : ''; };
  var hay = R.map(function (r) { return r.map(s).join(' ').toLowerCase(); });
  var shown = PAGE, hits = [];
  var fmt = function (n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ','); };
  var el = function (tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  };
  var link = function (r) {
    var t = D.l[s(r[0])], region = s(r[3]), id = s(r[2]);
    if (!t || !id || (t.indexOf('{region}') >= 0 && !region)) return null;
    return t.replace('{region}', encodeURIComponent(region)).replace('{id}', encodeURIComponent(id.replace(/^iam-/, '')));
  };
  var row = function (r) {
    var tr = el('tr');
    var status = s(r[5]);
    tr.setAttribute('data-status', status);
    var res = el('td', 'res');
    res.appendChild(el('strong', '', s(r[1]) || s(r[2])));
    res.appendChild(el('span', 'crn mono', (D.k[s(r[0])] || s(r[0])) + ' · ' + s(r[2])));
    var where = el('td', '', s(r[3]));
    if (r[4] >= 0) where.appendChild(el('span', 'sub', s(r[4])));
    var st = el('td');
    st.appendChild(el('span', 'pill ' + status, D.t[status] || status));
    if (r[6] >= 0) st.appendChild(el('span', 'sub', s(r[6])));
    var rule = el('td', 'mono', s(r[7]) || '–');
    var why = el('td', 'reason');
    if (r[8] >= 0) why.appendChild(el('strong', '', s(r[8])));
    why.appendChild(el('span', 'sub', s(r[9])));
    var go = el('td');
    var url = link(r);
    if (url) {
      var a = el('a', 'ext', 'Console ↗');
      a.href = url;
      a.rel = 'noopener noreferrer';
      a.target = '_blank';
      go.appendChild(a);
    } else go.textContent = '–';
    [res, where, st, rule, why, go].forEach(function (td) { tr.appendChild(td); });
    return tr;
  };
  var draw = function () {
    var frag = doc.createDocumentFragment();
    var n = Math.min(shown, hits.length);
    for (var i = 0; i < n; i++) frag.appendChild(row(R[hits[i]]));
    body.replaceChildren(frag);
    count.textContent = 'Showing ' + fmt(n) + ' of ' + fmt(hits.length) + ' matching · ' + fmt(R.length) + ' resources';
    more.hidden = n >= hits.length;
  };
  var apply = function () {
    var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var kind = fk.value, status = fs.value, region = fr.value;
    hits = [];
    for (var i = 0; i < R.length; i++) {
      var r = R[i];
      if ((kind && s(r[0]) !== kind) || (status && s(r[5]) !== status) || (region && s(r[3]) !== region)) continue;
      var h = hay[i], ok = true;
      for (var w = 0; w < words.length && ok; w++) ok = h.indexOf(words[w]) >= 0;
      if (ok) hits.push(i);
    }
    shown = PAGE;
    draw();
  };
  q.addEventListener('input', apply);
  [fk, fs, fr].forEach(function (e) { e.addEventListener('change', apply); });
  more.addEventListener('click', function () { shown += PAGE; draw(); });
  apply();
  table.setAttribute('data-ready', 'true');
})();`;

export { DRILLDOWN_SCRIPT };
