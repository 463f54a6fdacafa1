"""report.html: one self-contained file (inline CSS, charts as inline SVG, no script, nothing fetched)
with the headline figures, charts, and every case — failures first — with its transcript, tool calls,
state diff and scores, and the model and prompt hashes."""

from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template
from typing import Any

from evals.results import CaseResult, TurnRecord
from evals.scorers.state import state_diff

TEMPLATE = Path(__file__).parent / "template.html"
PAGE = Path(__file__).parent / "page.html"  # the page around the run's report and the comparison
STYLE = Path(__file__).parent / "style.css"


def render_report(summary: dict[str, Any], results: list[CaseResult]) -> str:
    run = summary.get("run", {})
    overall = summary.get("overall", {})
    ordered = sorted(results, key=lambda r: (r.success, r.suite, r.case_id, r.trial))
    failed = sum(not r.success for r in results)
    title = "Hudhud evals — " + ", ".join(run.get("suites") or sorted(summary.get("suites", {})))
    main = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        notes=_notes(run, summary),
        false_claims=_false_claims(results),
        cards=_cards(overall),
        charts=_charts(summary, results),
        suites=_suites(summary.get("suites", {})),
        groups=_groups(summary),
        prompts=_prompts(summary),
        failed=failed,
        total=len(results),
        cases="\n".join(_case(r) for r in ordered) or "<p class='muted'>No case finished.</p>",
    )
    return page(_e(title), _meta(run, summary), main)


def page(title: str, meta: str, main: str) -> str:
    """A whole self-contained page: the header, the shared style, and `main` (all already escaped)."""
    return Template(PAGE.read_text(encoding="utf-8")).substitute(
        title=title, style=STYLE.read_text(encoding="utf-8"), meta=meta, main=main
    )


# ---------------------------------------------------------------------------------------------- pieces


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """A table of already-escaped cells; columns in `numeric` are right-aligned."""
    numeric = numeric or set()
    top = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td class='num'>{c}</td>" if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{top}</tr>{body}</table>"


def _svg(title: str, width: int, height: int, content: str) -> str:
    svg = f"<svg width='{width}' height='{height}' role='img' aria-label='{_e(title)}'>{content}</svg>"
    return f"<div class='chart'><h3>{_e(title)}</h3>{svg}</div>"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _money(value: float | None) -> str:
    """A cost in the unit of HUDHUD_EVAL_PRICES; — when not priced."""
    return "—" if value is None else f"{value:.4f}"


def _num(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.0f}{unit}"


def _meta(run: dict[str, Any], summary: dict[str, Any]) -> str:
    parts = [
        f"model <b>{_e(run.get('model') or ', '.join(summary.get('models', [])) or '—')}</b>",
        f"started {_e(run.get('started', '—'))}",
        f"{_e(run.get('duration_s', '—'))} s",
        f"concurrency {_e(run.get('concurrency', '—'))}",
    ]
    parts.append(f"judge <b>{_e(run['judge_model'])}</b>" if run.get("judge_model") else "no judge")
    if run.get("git"):
        parts.append(f"commit {_e(run['git'])}" + (" <b>(dirty)</b>" if run.get("git_dirty") else ""))
    if run.get("filter"):
        parts.append(f"filter {_e(run['filter'])}")
    if run.get("splits"):
        parts.append(f"split <b>{_e(' + '.join(run['splits']))}</b>")
    return " · ".join(parts)


def _notes(run: dict[str, Any], summary: dict[str, Any]) -> str:
    notes = []
    if run.get("interrupted"):
        notes.append(
            "<p class='badge bad'>Interrupted: these figures cover only the cases that finished.</p>"
        )
    for name, meta in summary.get("suites", {}).items():
        if meta.get("pass_k_note") and (meta.get("trials_asked") or 1) > 1:
            notes.append(f"<p class='badge'>{_e(name)}: {_e(meta['pass_k_note'])}</p>")
    return "\n".join(notes)


def _cards(m: dict[str, Any]) -> str:
    pass_k = m.get("pass_k") or {}
    top = max(pass_k, key=int) if pass_k else None
    latency = m.get("latency_ms") or {}
    tokens = m.get("tokens_per_turn") or {}
    cost = m.get("cost") or {}
    false_claims = m.get("false_claims")
    cards = [
        ("Command success", _pct(m.get("command_success"))),
        ("False action claims", "—" if false_claims is None else str(false_claims)),
        (f"pass^{top}" if top else "pass^k", _pct(pass_k.get(top)) if top else "—"),
        ("Tool-call accuracy", _pct(m.get("tool_call_accuracy"))),
        ("Quality", _pct(m.get("quality"))),
        ("Similarity (mean)", "—" if m.get("similarity") is None else f"{m['similarity']:.3f}"),
        ("Language match", _pct(m.get("language_match"))),
        ("Format OK", _pct(m.get("format_ok"))),
        ("Judge", _pct(m.get("judge"))),
        ("Latency p50 / p95", f"{_num(latency.get('p50'))} / {_num(latency.get('p95'), ' ms')}"),
        ("Tokens / turn in·out", f"{_num(tokens.get('in'))} · {_num(tokens.get('out'))}"),
        ("Cost total · per case", f"{_money(cost.get('total'))} · {_money(cost.get('per_case'))}"),
        ("Cases · results · errors", f"{m.get('cases', 0)} · {m.get('results', 0)} · {m.get('errors', 0)}"),
    ]
    return "".join(
        f"<div class='card{' bad' if k == 'False action claims' and false_claims else ''}'>"
        f"<div class='v'>{_e(v)}</div><div class='k'>{_e(k)}</div></div>"
        for k, v in cards
    )


def _false_claims(results: list[CaseResult]) -> str:
    """Every action a reply said happened and the core API does not show — first, in red."""
    rows = []
    for r in sorted(results, key=lambda r: (r.suite, r.case_id, r.trial)):
        score = r.scores.get("truthful")
        for claim in score.extra.get("false_claims") or [] if score is not None else []:
            rows.append(
                [
                    _e(f"{r.suite}/{r.case_id}" + (f" · trial {r.trial}" if r.trial else "")),
                    _e(claim.get("turn")),
                    _e(claim.get("family")),
                    f"<code>{_e(claim.get('phrase'))}</code> "
                    f"<span class='muted'>({_e(claim.get('source'))})</span>",
                    _e("; ".join(claim.get("changed") or []) or "nothing changed"),
                ]
            )
    if not rows:
        return ""
    table = _table(["case", "turn", "claimed", "said", "what changed in that turn"], rows, {1})
    return f"<div class='falseclaims'><h2 class='bad'>False action claims ({len(rows)})</h2>{table}</div>"


def bar_chart(title: str, items: list[tuple[str, float | None]], *, width: int = 420) -> str:
    """Horizontal bars of values in 0..1, as inline SVG."""
    row, label_w = 20, 150
    height = row * max(1, len(items)) + 8
    bars = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        v = value or 0.0
        w = max(0.0, min(1.0, v)) * (width - label_w - 50)
        color = "#1a7f37" if v >= 0.95 else "#9a6700" if v >= 0.8 else "#cf222e"
        bars.append(
            f"<text x='{label_w - 6}' y='{y + 13}' text-anchor='end' font-size='12'>{_e(label[:22])}</text>"
            f"<rect x='{label_w}' y='{y + 2}' width='{w:.1f}' height='{row - 6}' fill='{color}' rx='2'/>"
            f"<text x='{label_w + w + 4:.1f}' y='{y + 13}' font-size='11'>{_e(_pct(value))}</text>"
        )
    return _svg(title, width, height, "".join(bars))


def histogram(title: str, values: list[float], *, width: int = 420, bins: int = 12) -> str:
    """Counts of values in equal-width bins, as inline SVG."""
    height, pad = 140, 24
    if not values:
        return f"<div class='chart'><h3>{_e(title)}</h3><p class='muted'>no data</p></div>"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / span * bins))] += 1
    top = max(counts)
    bw = (width - 2 * pad) / bins
    rects = []
    for i, c in enumerate(counts):
        h = (height - 2 * pad) * c / top
        x = pad + i * bw
        top_y = height - pad - h
        rects.append(
            f"<rect x='{x:.1f}' y='{top_y:.1f}' width='{bw - 2:.1f}' height='{h:.1f}' fill='#0969da'/>"
        )
        if c:
            middle = x + bw / 2
            rects.append(
                f"<text x='{middle:.1f}' y='{top_y - 3:.1f}' font-size='10' text-anchor='middle'>{c}</text>"
            )
    axis = (
        f"<text x='{pad}' y='{height - 6}' font-size='11'>{low:,.0f} ms</text>"
        f"<text x='{width - pad}' y='{height - 6}' font-size='11' text-anchor='end'>{high:,.0f} ms</text>"
    )
    return _svg(title, width, height, "".join(rects) + axis)


def _charts(summary: dict[str, Any], results: list[CaseResult]) -> str:
    suites = summary.get("suites", {})
    charts = [
        bar_chart("Command success by suite", [(n, s.get("command_success")) for n, s in suites.items()]),
        bar_chart("Quality by suite", [(n, s.get("quality")) for n, s in suites.items()]),
        bar_chart(
            "Command success by language",
            [(n, g.get("command_success")) for n, g in summary.get("by_language", {}).items()],
        ),
        bar_chart(
            "Command success by tag",
            [(n, g.get("command_success")) for n, g in summary.get("by_tag", {}).items()],
        ),
    ]
    pass_k = (summary.get("overall") or {}).get("pass_k") or {}
    if len(pass_k) > 1:
        charts.append(bar_chart("pass^k", [(f"pass^{k}", v) for k, v in pass_k.items()]))
    latencies = [t.latency_ms for r in results for t in r.turns if t.status in ("ok", "unsupported")]
    charts.append(histogram("Turn latency", latencies))
    return "\n".join(charts)


def _suites(suites: dict[str, Any]) -> str:
    head = ["suite", "cases", "clock", "trials", "command success", "false claims", "pass^k", "tool calls",
            "quality", "language", "p50 / p95 ms", "tokens in·out", "cost"]  # fmt: skip
    rows = []
    for name, s in suites.items():
        pass_k = ", ".join(f"^{k} {_pct(v)}" for k, v in (s.get("pass_k") or {}).items())
        lat = s.get("latency_ms") or {}
        tok = s.get("tokens_per_turn") or {}
        held_out = " <span class='muted'>(test)</span>" if s.get("split") == "test" else ""
        rows.append(
            [
                _e(name) + held_out,
                _e(s.get("cases", 0)),
                _e(s.get("clock") or s.get("kind", "")),
                _e(s.get("trials", 1)),
                _pct(s.get("command_success")),
                _false_count(s.get("false_claims")),
                _e(pass_k or "—"),
                _pct(s.get("tool_call_accuracy")),
                _pct(s.get("quality")),
                _pct(s.get("language_match")),
                f"{_num(lat.get('p50'))} / {_num(lat.get('p95'))}",
                f"{_num(tok.get('in'))} · {_num(tok.get('out'))}",
                _money((s.get("cost") or {}).get("total")),
            ]
        )
    return _table(head, rows, numeric={1, 3, 4, 5, 7, 8, 9, 10, 11, 12})


def _false_count(value: int | None) -> str:
    if value is None:
        return "—"
    return f"<span class='bad'><b>{value}</b></span>" if value else "0"


def _groups(summary: dict[str, Any]) -> str:
    out = []
    for label, key in (("split", "by_split"), ("language", "by_language"), ("tag", "by_tag")):
        rows = [
            [_e(n), _e(g["cases"]), _pct(g.get("command_success")), _pct(g.get("quality"))]
            for n, g in summary.get(key, {}).items()
        ]
        if not rows and key == "by_split":
            continue  # a summary written before splits existed
        out.append(_table([label, "cases", "command success", "quality"], rows, numeric={1, 2, 3}))
    return "\n".join(out)


def _prompts(summary: dict[str, Any]) -> str:
    models = ", ".join(summary.get("models", [])) or "—"
    rows = [
        [_e(name), f"<code>{_e(', '.join(hashes))}</code>"]
        for name, hashes in summary.get("prompts", {}).items()
    ]
    table = _table(["prompt", "hash"], rows) if rows else "<p class='muted'>no traces</p>"
    return f"<p>Model: <b>{_e(models)}</b></p>{table}{_provenance(summary.get('provenance') or {})}"


def _provenance(p: dict[str, Any]) -> str:
    """What the figures were measured on (evals/provenance.py): what a baseline is compared by."""
    if not p:
        return ""
    model, git = p.get("model") or {}, p.get("git") or {}
    dirty = {True: " (dirty: uncommitted changes)", False: "", None: " (dirty: unknown)"}[git.get("dirty")]
    rows = [
        ["model", _e(model.get("name") or "—")],
        ["weights sha256", f"<code>{_e(model.get('weights_sha256') or '— (not known)')}</code>"],
        ["judge", _e(p.get("judge_model") or "—")],
        ["git commit", f"<code>{_e(git.get('commit') or '—')}</code>{_e(dirty)}"],
        ["tool specs sha256", f"<code>{_e(p.get('tool_specs') or '—')}</code>"],
        *[[f"suite {_e(n)}", f"<code>{_e(h or '—')}</code>"] for n, h in (p.get("suites") or {}).items()],
        ["prices (per 1k in · out)", _e(", ".join(f"{m}: {v['input_per_1k']:g} · {v['output_per_1k']:g}"
                                                  for m, v in (p.get("prices") or {}).items()) or "—")],
    ]  # fmt: skip
    if p.get("unpriced_models"):
        rows.append(["not priced", f"<span class='bad'>{_e(', '.join(p['unpriced_models']))}</span>"])
    return "<h3>Provenance</h3>" + _table(["", ""], rows)


def _case(r: CaseResult) -> str:
    mark = "<span class='ok'>✓</span>" if r.success else "<span class='bad'>✗</span>"
    trial = f" · trial {r.trial}" if r.trial else ""
    quality = f" · quality {_pct(r.quality)}" if r.quality is not None else ""
    tags = " ".join(f"<span class='badge'>{_e(t)}</span>" for t in r.tags)
    opened = "" if r.success else " open"
    title = f"{mark} <b>{_e(r.suite)}/{_e(r.case_id)}</b>{_e(trial)}{_e(quality)} {tags}"
    summary = f"<summary>{title} <span class='muted'>{_e(r.model)}</span></summary>"
    return f"<details class='case'{opened}>{summary}<div class='case-body'>{case_body(r)}</div></details>"


def case_body(r: CaseResult) -> str:
    """A case's transcript, tool calls (args and outcomes), state diff and scores (also the columns of
    the side-by-side comparison, evals/report/compare.py)."""
    body = []
    if r.error:
        body.append(f"<p class='bad'>Harness error: {_e(r.error)}</p>")
    truthful = r.scores.get("truthful")
    if truthful is not None and truthful.passed is False:
        body.append("<p class='badge bad'>False action claim</p>" + _list(truthful.details))
    turns, before = [], r.state_before
    for t in r.turns:
        turns.append(_turn(t, before))
        before = t.state_after if t.state_after is not None else before
    body.append("".join(turns) or "<p class='muted'>no turn ran</p>")
    calls = [
        [_e(t.index), _e(c.name), f"<code>{_e(_args(c.args))}</code>", _e(c.outcome), _e(c.status or "")]
        for t in r.turns
        for c in t.tool_calls
    ]
    if calls:
        body.append(
            "<h4>Tool calls</h4>" + _table(["turn", "tool", "args", "outcome", "status"], calls, {0, 4})
        )
    diff = state_diff(r.state_before, r.state_after or [])
    if r.state_after is not None:
        body.append("<h4>State diff</h4><pre>" + _e("\n".join(diff) or "(no change)") + "</pre>")
    if r.scores:
        scores = [
            [_e(s.name), _flag(s.passed), "" if s.value is None else f"{s.value:.3f}", _list(s.details)]
            for s in r.scores.values()
        ]
        body.append("<h4>Scores</h4>" + _table(["scorer", "pass", "value", "details"], scores, {2}))
    return "".join(body)


def _turn(t: TurnRecord, before: list[dict[str, Any]]) -> str:
    said = t.user if t.user is not None else f"[pressed {t.press}]"
    out = [f"<div class='turn'><div class='bubble user'>{_e(said)}</div>"]
    for reply in t.replies:
        buttons = "".join(f"<span class='button'>{_e(b['title'])}</span>" for b in reply.buttons)
        out.append(f"<div class='bubble bot'>{_e(reply.text)}{'<br>' + buttons if buttons else ''}</div>")
    if not t.replies:
        out.append("<div class='bubble bot muted'>(no reply)</div>")
    meta = [f"status {t.status}", f"{t.latency_ms:,.0f} ms"]
    for trace in t.traces:
        tokens = f"{trace.tokens_in}+{trace.tokens_out} tokens"
        meta.append(f"{trace.action or '—'} → {trace.outcome or '—'} ({trace.lang}, {tokens})")
    if t.error:
        meta.append(f"error: {t.error}")
    if t.state_after is not None:
        changed = state_diff(before, t.state_after)
        meta.append("changed: " + "; ".join(changed) if changed else "no change")
    out.append(f"<div class='turnmeta'>{_e(' · '.join(meta))}</div></div>")
    return "".join(out)


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _flag(passed: bool | None) -> str:
    return {
        True: "<span class='ok'>✓</span>",
        False: "<span class='bad'>✗</span>",
        None: "<span class='muted'>–</span>",
    }[passed]


def _list(items: list[str]) -> str:
    return "<ul class='details'>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else ""
