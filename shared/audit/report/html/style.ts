// The page's one stylesheet (its SHA-256 is in the Content-Security-Policy): IBM Plex-like type on the
// system font stack, Carbon greys, a 1240 px column that folds to one on phones without horizontal
// scroll (wide tables and charts scroll inside their own box), and a print layout.
import { paletteCss } from './parts.ts';

const BASE = `
:root{--text:#161616;--text-2:#525252;--text-3:#6f6f6f;--bg:#f4f4f4;--layer:#fff;--border:#e0e0e0;--blue:#0f62fe;--red:#da1e28;--green:#198038;--purple:#8a3ffc;--amber:#fcf4d6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;scroll-behavior:smooth}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 "IBM Plex Sans",system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
a{color:var(--blue)}
.shell{background:#161616;color:#f4f4f4;min-height:48px;display:flex;align-items:center;gap:12px;padding:0 24px;font-size:14px}
.shell .product{font-weight:600;letter-spacing:.01em}.shell .sep{color:#6f6f6f}.shell .page{color:#c6c6c6}
main{max-width:1240px;margin:0 auto;padding:32px 24px 56px}
h1{font-size:32px;line-height:1.25;font-weight:300;margin:0 0 6px}
h2{font-size:22px;line-height:1.3;font-weight:400;margin:0}
h3{font-size:16px;line-height:1.4;font-weight:600;margin:0}
.lede{margin:0;color:var(--text-2);font-size:16px}
.lede strong{color:var(--text);font-weight:600}
.meta{margin:6px 0 0;color:var(--text-3);font-size:12px}
.toc{display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;margin:14px 0 0;padding:0;font-size:13px}
.part{margin-top:36px}
.section-head{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:6px 24px;margin:0 0 12px;border-bottom:1px solid #c6c6c6;padding-bottom:8px}
.section-lede{margin:0;color:var(--text-2);font-size:13px;max-width:760px}
.headline{font-size:20px;font-weight:300;margin:0 0 4px}.headline strong{font-weight:600}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:1px;background:var(--border);border:1px solid var(--border);margin:12px 0 16px}
.kpi{background:var(--layer);padding:16px 16px 14px;border-top:3px solid #8d8d8d;min-width:0}
.kpi .label{display:block;font-size:12px;color:var(--text-2);letter-spacing:.02em}
.kpi .value{display:block;font-size:32px;line-height:1.2;font-weight:300;margin:6px 0 2px;white-space:nowrap}
.kpi .hint{display:block;font-size:12px;color:var(--text-3)}
.kpi.alert .value{color:var(--red)}
.grid{display:grid;gap:16px;margin-bottom:16px}
.grid.split{grid-template-columns:minmax(0,1fr) minmax(0,1.2fr)}
.grid.lists{grid-template-columns:repeat(2,minmax(0,1fr))}
.grid.halves{grid-template-columns:repeat(auto-fit,minmax(min(340px,100%),1fr))}
.card{background:var(--layer);border:1px solid var(--border);padding:20px;min-width:0;break-inside:avoid}
.card>header{display:flex;justify-content:space-between;align-items:baseline;gap:4px 12px;flex-wrap:wrap;margin-bottom:14px}
.card>header p{margin:0;color:var(--text-3);font-size:12px}
.card>header.stacked{display:block}.card>header.stacked p{margin-top:2px}
section.card{margin-bottom:16px}
.grid>.card{margin-bottom:0}
.chart{display:block;width:100%;height:auto;overflow:visible}
.chart-box{overflow-x:auto}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.bars{list-style:none;margin:0;padding:0}
.bars .row{margin:0 0 12px}
.bars .row:last-child{margin-bottom:0}
.row-head{display:flex;justify-content:space-between;gap:12px;font-size:13px;margin-bottom:4px}
.row-label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0}
.row-count{white-space:nowrap;color:var(--text-2)}
.row-failed{color:var(--red);font-weight:600}
.meter{display:block;width:100%;height:10px}
details{margin-top:4px}
summary{cursor:pointer;color:var(--blue);padding:10px 8px;font-size:13px}
.outcome-table td{white-space:nowrap;padding:5px 8px}
.outcome-table td:first-child,.outcome-table th:first-child{padding-left:0}
.chart text{font-family:inherit}
.chart .bin-count,.chart .marker-label{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.donut{display:grid;grid-template-columns:minmax(130px,190px) minmax(0,1fr);gap:24px;align-items:center}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;padding:0;margin:12px 0 0;font-size:12px;color:var(--text-2)}
.section-head .legend{margin:0}
.sw{display:inline-block;width:10px;height:10px;margin-right:6px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;font-size:12px;color:var(--text-2);padding:6px 8px;border-bottom:1px solid #c6c6c6;white-space:nowrap}
td{padding:7px 8px;border-bottom:1px solid var(--border);vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
tr.zero td{color:var(--text-3)}
.keys td.mono{overflow-wrap:anywhere}
.mono{font-family:"IBM Plex Mono",ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.crn,.sub{display:block;color:var(--text-3);overflow-wrap:anywhere;font-size:12px}
.reason{overflow-wrap:anywhere}
.fix{color:var(--text);overflow-wrap:anywhere}
table.failures{table-layout:fixed}
table.failures td.when{white-space:nowrap}
col.c-when{width:9.5em}col.c-target{width:26%}col.c-fn{width:16%}
td.target strong,td.res strong{font-weight:600;overflow-wrap:anywhere}
details table.failures{border-top:0}
.scroll{overflow-x:auto;max-width:100%}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(92px,1fr));gap:12px;margin:0}
.stats div{border-left:2px solid var(--border);padding-left:10px}
.stats dt{font-size:12px;color:var(--text-2)}
.stats dd{margin:2px 0 0;font-size:20px;font-weight:300;white-space:nowrap}
.stats.spaced{margin-bottom:16px}
.pill{display:inline-block;padding:0 8px;border-radius:12px;font-size:12px;line-height:20px;background:#e0e0e0;color:#161616;white-space:nowrap}
.pill.failed,.pill.noncompliant,.pill.high{background:#ffd7d9;color:#750e13}
.pill.critical{background:#a2191f;color:#fff}
.pill.medium,.pill.soon{background:#fcf4d6;color:#483700}
.pill.low{background:#d0e2ff;color:#002d9c}
.pill.exempt{background:#e8daff;color:#491d8b}
.pill.compliant{background:#defbe6;color:#044317}
.pill.expired{background:#161616;color:#fff}
tr.soon td{background:var(--amber)}
.empty{color:var(--text-3);margin:8px 0}
.note{color:var(--text-3);font-size:12px;margin:10px 0 0}
.note.flush{margin:0 0 8px}.note.gap{margin-top:18px}
.plain{margin:0}
.group-table td.bar{width:38%;min-width:90px}
.group-table .meter{margin-top:5px}
.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:end;margin:0 0 12px}
.filters label{display:flex;flex-direction:column;gap:2px;font-size:12px;color:var(--text-2);min-width:0}
.filters input,.filters select{font:inherit;font-size:14px;padding:7px 8px;border:0;border-bottom:1px solid #8d8d8d;background:#f4f4f4;color:var(--text);min-width:0;max-width:100%}
.filters .q{flex:1 1 220px}.filters .q input{width:100%}
.count{font-size:12px;color:var(--text-3);margin:0 0 8px}
button.more{font:inherit;font-size:13px;color:var(--blue);background:none;border:1px solid var(--blue);padding:6px 14px;margin-top:10px;cursor:pointer}
table.drill{table-layout:fixed;min-width:760px}
col.d-res{width:22%}col.d-where{width:17%}col.d-status{width:13%}col.d-rule{width:15%}col.d-link{width:6.5em}
.ext{white-space:nowrap}
footer{max-width:1240px;margin:0 auto;padding:0 24px 32px;color:var(--text-3);font-size:12px}
@media (max-width:860px){.grid.split,.grid.lists{grid-template-columns:minmax(0,1fr)}}
@media (max-width:700px){.chart-box .chart-wide{min-width:600px}}
@media (max-width:560px){main{padding:20px 12px 40px}h1{font-size:26px}.donut{grid-template-columns:minmax(0,1fr)}.donut .chart{max-width:220px;margin:0 auto}.kpi .value{font-size:26px}.shell{padding:0 12px}.card{padding:14px}.kpis{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media print{html{scroll-behavior:auto}.chart-box{overflow:visible}.chart-box .chart-wide{min-width:0}summary,.filters,button.more,.toc{display:none}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{background:#fff;font-size:11pt}.shell{background:#fff;color:#161616;border-bottom:2px solid #161616;min-height:0;padding:0 0 6px}.shell .page{color:#525252}main{max-width:none;padding:12px 0}.card,.kpis{border-color:#c6c6c6}.card,.kpi,tr{break-inside:avoid}.scroll{overflow:visible}table.drill{min-width:0}footer{padding:0}}
`;

const CSS = `${BASE.trim()}\n${paletteCss()}\n`;

export { CSS };
