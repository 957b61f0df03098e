// The report's stylesheet, inlined so a report is one file that opens anywhere (no network).
// Colours: red for failures, darker for crashes, amber for hangs, green for passes, greys for
// tests that did not run; diff badges stand out in the cell they mark.

export const REPORT_CSS = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; } h3 { font-size: 1rem; margin: .5rem 0 .25rem; }
.meta { color: #666; font-size: 12px; }
code { background: #f2f2f2; padding: 0 .25em; border-radius: 3px; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; margin-right: 4px; font-size: 12px; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { border: 1px solid #d0d0d0; padding: 4px 8px; vertical-align: top; text-align: left; }
thead th { background: #f6f6f6; position: sticky; top: 0; }
tbody th { font-family: ui-monospace, monospace; font-weight: 500; white-space: nowrap; }
.cfgname { font-weight: 700; }
.verdict { font-weight: 600; } .dur { color: #444; font-size: 12px; }
.detail { font-size: 11px; color: #333; max-width: 26em; overflow-wrap: anywhere; }
.links a { font-size: 11px; margin-right: 6px; }
.v-pass { background: #d9f2d9; } .v-fail { background: #f8c9c4; } .v-crashed { background: #d9534f; color: #fff; }
.v-crashed .dur, .v-crashed .detail, .v-crashed a { color: #fff; }
.v-hung { background: #ffd08a; } .v-error { background: #fff3a6; } .v-notrun { background: #ececec; color: #666; }
.v-expunged { background: repeating-linear-gradient(45deg, #e4e8f0, #e4e8f0 6px, #f3f5f9 6px, #f3f5f9 12px); color: #555; }
.v-absent { color: #999; text-align: center; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 3px; font-size: 11px; font-weight: 700; }
.badge.d-regression { background: #b00020; color: #fff; } .badge.d-fix { background: #1b7f3b; color: #fff; }
.badge.d-flaky { background: #7a4fbf; color: #fff; } .badge.d-newly-not-run { background: #666; color: #fff; }
.badge.d-still-failing { background: #fff; color: #b00020; border: 1px solid #b00020; }
td.d-regression { outline: 3px solid #b00020; outline-offset: -3px; }
tr.regression > th { color: #b00020; }
.outcome { text-transform: uppercase; padding: 0 6px; border-radius: 3px; }
.o-regressed { background: #b00020; color: #fff; } .o-improved { background: #1b7f3b; color: #fff; } .o-unchanged { background: #ddd; }
.changes { display: inline-block; vertical-align: top; margin-right: 2rem; }
.changes ul { margin: 0; padding-left: 1.2rem; } .changes .cfg { color: #555; font-size: 12px; }
.changes.regression h3 { color: #b00020; } .changes.fix h3 { color: #1b7f3b; } .changes.flaky h3 { color: #7a4fbf; }
.trans { font-family: ui-monospace, monospace; font-size: 12px; }
.changes .note { font-weight: 700; color: #b00020; font-size: 12px; }
footer { margin-top: 1rem; }
`;
