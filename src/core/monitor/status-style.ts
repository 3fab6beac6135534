// The status page's stylesheet, inlined into the page (no external asset). Green, amber, red for
// ok, warn, critical, in both colour schemes; one column on a phone, a grid on a desktop.
export const STATUS_CSS = `
:root{--bg:#f3f4f6;--card:#fff;--fg:#1c232b;--muted:#5b6470;--rule:#e3e6ea;--line:#2f6fdb;
--ok:#1e7b3c;--warn:#a85d00;--crit:#b42318;--ok-bg:#e8f5ec;--warn-bg:#fff3df;--crit-bg:#fdeceb;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#14181d;--card:#1d232a;--fg:#e6e9ed;--muted:#9aa4af;--rule:#2c343d;
--line:#6ea1ff;--ok:#4cc276;--warn:#f0a43a;--crit:#ff6b5e;--ok-bg:#173323;--warn-bg:#3a2a10;--crit-bg:#3d1b18}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
code{font:12.5px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.banner{padding:20px 16px 18px;color:#fff;background:var(--ok)}
.banner.warn{background:#a85d00}.banner.critical{background:#b42318}.banner.ok{background:#1e7b3c}
.banner>*{max-width:1100px;margin-left:auto;margin-right:auto}
.banner .server{margin-top:0;margin-bottom:2px;font-size:13px;opacity:.85;letter-spacing:.02em}
.banner h1{margin-top:0;margin-bottom:4px;font-size:24px;line-height:1.2}
.banner .tally{margin-top:0;margin-bottom:10px;font-size:13px;opacity:.9}
.banner .quiet{margin-bottom:0;font-size:14px;opacity:.9}
.alerts{list-style:none;padding:0;margin-bottom:0;display:grid;gap:6px}
.alert{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 10px;padding:8px 10px;border-radius:8px;background:rgba(0,0,0,.18)}
.alert .pill{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;padding:1px 7px;border-radius:999px;background:#fff;color:#b42318}
.alert.warn .pill{color:#a85d00}
.alert .what{flex:1 1 14em;font-weight:600}
.alert .age{font-size:12.5px;opacity:.9}.alert code{color:inherit}
main{max-width:1100px;margin:0 auto;padding:6px 12px 24px}
h2.part{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:18px 4px 8px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.chart{margin:0;padding:12px 12px 8px;background:var(--card);border-radius:10px;border:1px solid var(--rule)}
.chart-head{display:flex;justify-content:space-between;align-items:baseline;gap:8px;margin-bottom:6px}
.chart h3{margin:0;font-size:14px;font-weight:600}
.now{flex:none;white-space:nowrap;font-weight:700;font-variant-numeric:tabular-nums;color:var(--ok)}
.now.warn{color:var(--warn)}.now.critical{color:var(--crit)}
.box{position:relative;height:110px;border-bottom:1px solid var(--rule)}
.plot{display:block;width:100%;height:100%;overflow:visible}
.plot .line{fill:none;stroke:var(--line);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.plot .area{fill:var(--line);opacity:.1}
.chart.warn .line{stroke:var(--warn)}.chart.critical .line{stroke:var(--crit)}
.chart.warn .area{fill:var(--warn)}.chart.critical .area{fill:var(--crit)}
.plot .th{stroke-width:1.5;stroke-dasharray:6 4}
.plot .th.warn{stroke:var(--warn)}.plot .th.critical{stroke:var(--crit)}
.scale{position:absolute;left:0;font-size:11px;color:var(--muted);background:var(--card);padding:0 4px;border-radius:4px;opacity:.9}
.scale.top{top:-2px}.scale.bottom{bottom:2px}
.dot{position:absolute;width:9px;height:9px;margin:-4.5px 0 0 -4.5px;border-radius:50%;background:var(--line);box-shadow:0 0 0 2px var(--card)}
.chart.warn .dot{background:var(--warn)}.chart.critical .dot{background:var(--crit)}
figcaption{white-space:nowrap;display:flex;justify-content:space-between;align-items:center;gap:8px;margin-top:4px;font-size:11.5px;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;justify-content:center;gap:2px 10px}
.key::before{content:"";display:inline-block;width:14px;margin-right:4px;vertical-align:middle;border-top:2px dashed currentColor}
.key.off::before{display:none}.key.warn{color:var(--warn)}.key.critical{color:var(--crit)}
.nodata{color:var(--muted);font-style:italic;margin:8px 0}
.chart.empty .nodata{margin:30px 0;text-align:center}
.group{background:var(--card);border:1px solid var(--rule);border-radius:10px;margin-bottom:12px;overflow:hidden}
.group h2{display:flex;justify-content:space-between;align-items:baseline;margin:0;padding:10px 12px;font-size:15px;border-bottom:1px solid var(--rule)}
.group .count{font-size:12px;font-weight:400;color:var(--muted)}
.signals{list-style:none;margin:0;padding:0}
.signal{padding:8px 12px 8px 10px;border-left:4px solid var(--ok);border-bottom:1px solid var(--rule)}
.signal:last-child{border-bottom:0}
.signal.warn{border-left-color:var(--warn);background:var(--warn-bg)}
.signal.critical{border-left-color:var(--crit);background:var(--crit-bg)}
.row{display:flex;align-items:center;gap:8px;min-width:0}
.row code{overflow-wrap:anywhere;color:var(--muted)}
.mark{flex:none;width:10px;height:10px;border-radius:50%;background:var(--ok)}
.signal.warn .mark{background:var(--warn)}.signal.critical .mark{background:var(--crit)}
.value{margin-left:auto;font-weight:600;font-variant-numeric:tabular-nums;white-space:nowrap}
.signal.warn .value{color:var(--warn)}.signal.critical .value{color:var(--crit)}
.summary{margin:2px 0 0 18px;overflow-wrap:anywhere}
.evidence{margin:2px 0 0 18px;font-size:12.5px;color:var(--muted);overflow-wrap:anywhere}
details{margin-left:18px;font-size:12.5px;color:var(--muted)}details .evidence{margin-left:0}
summary{cursor:pointer}
footer{text-align:center;font-size:12px;color:var(--muted);padding:0 12px 24px}
`;
