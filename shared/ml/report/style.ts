/**
 * The training report's stylesheet, inlined in the page: the data-quality report's palette and
 * type (system fonts only, nothing fetched), plus the pieces this page adds: highlighted best
 * candidates, ± cells, ROC legend, heat-coloured confusion cells, timing bars.
 *
 * ```ts
 * `<style>${CSS}</style>`;
 * ```
 */
export const CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff;--accent:#3b6fd8;--best:#eef3ff;--ok:#1a7f4b;--okbg:#e3f5eb;--bad:#b42318}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-top:12px;border-top:2px solid var(--line)}
h3{font-size:16px;margin:0 0 4px}h4{font-size:14px;margin:0 0 8px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f5;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
p{margin:6px 0 10px}
.muted{color:var(--muted)}.small{font-size:12px;font-weight:normal}.sub{color:var(--muted);font-size:12px}
.task{font-size:12px;font-weight:600;vertical-align:middle;text-transform:uppercase;letter-spacing:.04em;color:var(--accent);background:var(--best);border-radius:99px;padding:2px 10px}
.summary{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 16px;min-width:150px}
.stat span{display:block;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}.stat b{display:block;font-size:22px}.stat small{display:block;font-size:12px}
table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden;font-size:13px}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:#f0f2f6;font-weight:600;white-space:nowrap}tbody tr:nth-child(even){background:#fafbfc}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
.kv{display:grid;grid-template-columns:150px 1fr 150px 1fr;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden;font-size:13px}
.kv>div{padding:6px 10px;border-bottom:1px solid var(--line)}.kv .k{background:#f7f8fa;font-weight:600;white-space:nowrap}.kv .v.wide{grid-column:span 3}
.kv details{border:0;padding:0;margin:0}
.features{margin-top:6px;line-height:1.9}
.type{font:11px ui-monospace,Menlo,Consolas,monospace;color:#475467;background:#eef1f5;border-radius:4px;padding:0 5px}
.tag{font-size:11px;font-weight:600;color:#fff;background:var(--accent);border-radius:4px;padding:1px 6px;vertical-align:middle;white-space:nowrap}
.tag.final{background:var(--ok)}.tag.reg{background:#6941c6}.tag.alias{background:#eef1f5;color:#344054}
table.candidates th,table.candidates td{padding:6px 7px}table.candidates thead th.num{white-space:normal}table.candidates td.id{white-space:nowrap}.tags{margin-top:3px}
table.candidates td.params{min-width:150px;max-width:240px;line-height:1.9}code.param{white-space:nowrap}
table.candidates tbody tr.best{background:var(--best)}table.candidates tbody tr.best td:first-child{box-shadow:inset 3px 0 0 var(--accent)}
th.sel,td.sel{background:rgba(59,111,216,.07)}thead th.sel{background:#e2e9f8}
.dir{color:var(--muted);font-weight:normal}
td.num b{font-weight:600}.pm{display:block;color:var(--muted);font-size:11px}.range{display:block;color:var(--muted);font-size:11px}
details{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:6px 0;padding:6px 10px}
details summary{cursor:pointer}details[open] summary{margin-bottom:8px}
table.folds tfoot th,table.folds tfoot td{background:#f7f8fa;font-weight:600;text-align:right}
.roc-wrap{width:fit-content;max-width:100%;display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px}
ul.legend{list-style:none;margin:8px 0 0;padding:0;font-size:13px}ul.legend li{margin:0 0 12px;padding-left:24px;position:relative}
.swatch{position:absolute;left:0;top:7px;width:16px;height:4px;border-radius:2px}.swatch.chance{background:repeating-linear-gradient(90deg,#98a2b3 0 4px,transparent 4px 7px)}
.auc{font-variant-numeric:tabular-nums;color:var(--muted)}
svg.chart{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#475467}svg text.label{fill:var(--fg);font-size:12px}
svg .grid{stroke:#eef0f3;stroke-width:1}svg .frame{fill:none;stroke:#98a2b3;stroke-width:1}
svg .chance{stroke:#98a2b3;stroke-width:1.2;stroke-dasharray:5 4}
svg path.roc{fill:none;stroke-width:2.2;stroke-linejoin:round;opacity:.9}
svg .bar{fill:var(--accent);opacity:.85}svg .bar.neg{fill:#d64541}svg .base{stroke:#98a2b3;stroke-width:1}
.card.final{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;margin:12px 0}
.blocks{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start;margin-top:10px}.block{min-width:300px;max-width:100%}
table.confusion{width:auto}table.confusion td,table.confusion th{vertical-align:middle}table.confusion th.corner{color:var(--muted);font-weight:normal;font-size:12px}
table.confusion tbody th{background:#f7f8fa;white-space:nowrap}
td.cm{text-align:center;min-width:96px;font-variant-numeric:tabular-nums}td.cm b{display:block;font-size:15px}td.cm span{font-size:11px;color:#344054}
td.cm.dark{color:#fff}td.cm.dark span{color:#f2f4f7}
.total{color:var(--muted)}
table.timings,table.registry{width:auto;min-width:560px}td.barcell{width:260px;vertical-align:middle}
.hbar{display:block;height:10px;border-radius:3px;background:var(--accent);opacity:.8;min-width:2px}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:12px}
@media print{body{background:#fff}.card,table,details{break-inside:avoid}}
`;
