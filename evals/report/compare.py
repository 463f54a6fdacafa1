"""compare.html (`hudhud eval compare A B --html OUT`): two runs side by side, one self-contained file
like report.html (inline CSS, no script).

At the top, the verdict of `compare` (gates, the sign test, what it calls noise) and the headline
figures A → B; then every case both runs have, regressions first: what changed (pass → fail, replies,
tool calls, end state) and both transcripts in two columns. A CSS-only filter shows all cases, the
changed ones, or the regressions only."""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

from evals.compare import Comparison, case_name
from evals.report import _e, _pct, _table, case_body, page
from evals.results import CaseResult, read_results
from evals.scorers.state import state_diff

TEMPLATE = Path(__file__).parent / "compare.html"
Key = tuple[str, str, str, int]  # split, suite, case, trial


def transcripts(run: Path) -> list[CaseResult]:
    """A run's results (its directory or results.jsonl); a baseline keeps no transcripts."""
    if run.is_file() and run.suffix == ".json":
        raise ValueError(f"{run} is a baseline, which keeps no transcripts: give a run directory")
    return read_results(run)


def _key(r: CaseResult) -> Key:
    return (r.split, r.suite, r.case_id, r.trial)


def render_comparison(
    comparison: Comparison,
    a: list[CaseResult],
    b: list[CaseResult],
    *,
    label_a: str = "A",
    label_b: str = "B",
) -> str:
    runs_a, runs_b = {_key(r): r for r in a}, {_key(r): r for r in b}
    kinds = {d.key: "regression" for d in comparison.regressions}
    kinds |= {d.key: "fix" for d in comparison.fixes}
    kinds |= {d.key: "quality" for d in comparison.quality_drops}
    pairs = []
    for key in sorted(runs_a.keys() & runs_b.keys()):
        ra, rb = runs_a[key], runs_b[key]
        changes = what_changed(ra, rb)
        kind = kinds.get(key[:3]) or ("changed" if changes else "same")
        pairs.append((kind, key, ra, rb, changes))
    order = {"regression": 0, "quality": 1, "fix": 2, "changed": 3, "same": 4}
    pairs.sort(key=lambda p: (order[p[0]], p[1]))
    counts = {k: sum(p[0] == k for p in pairs) for k in order}
    main = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        verdict=_verdict(comparison),
        figures=_figures(comparison),
        total=len(pairs),
        changed=len(pairs) - counts["same"],
        regressions=counts["regression"],
        pairs="\n".join(_pair(*p, label_a=label_a, label_b=label_b) for p in pairs)
        or "<p class='muted'>No case in common.</p>",
    )
    title = _e(f"Hudhud evals — {label_a} vs {label_b}")
    return page(title, _e(f"A: {label_a} ({_models(a)}) · B: {label_b} ({_models(b)})"), main)


def _models(results: list[CaseResult]) -> str:
    return ", ".join(sorted({r.model for r in results if r.model})) or "—"


def what_changed(a: CaseResult, b: CaseResult) -> list[str]:
    """In words, how B's run of a case differs from A's: outcome, replies, tool calls, end state."""
    out = []
    if a.success != b.success:
        out.append("pass → fail" if a.success else "fail → pass")
    if a.quality != b.quality and a.quality is not None and b.quality is not None:
        out.append(f"quality {_pct(a.quality)} → {_pct(b.quality)}")
    for i in range(max(len(a.turns), len(b.turns))):
        ta = a.turns[i] if i < len(a.turns) else None
        tb = b.turns[i] if i < len(b.turns) else None
        if ta is None or tb is None:
            out.append(f"turn {i}: only in {'B' if ta is None else 'A'}")
            continue
        if ta.text != tb.text:
            out.append(f"turn {i}: reply {_short(ta.text)!r} → {_short(tb.text)!r}")
        calls_a = [(c.name, c.args, c.outcome) for c in ta.tool_calls]
        calls_b = [(c.name, c.args, c.outcome) for c in tb.tool_calls]
        if calls_a != calls_b:
            out.append(f"turn {i}: tool calls {_calls(calls_a)} → {_calls(calls_b)}")
    if a.state_after != b.state_after:
        only = [f"A: {d}" for d in state_diff(a.state_before, a.state_after or [])]
        only += [f"B: {d}" for d in state_diff(b.state_before, b.state_after or [])]
        out.append("end state differs" + (f" ({'; '.join(only)})" if only else ""))
    return out


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _calls(calls: list[tuple[str, dict[str, Any], str]]) -> str:
    return ", ".join(f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())}) {outcome}"
                     for name, args, outcome in calls) or "none"  # fmt: skip


def _verdict(c: Comparison) -> str:
    test = c.success_test
    sign = (
        f"Sign test over {test.paired} paired cases: {test.worse} worse, {test.better} better,"
        f" p={test.p:.3g}."
        if test is not None
        else ""
    )
    head = "<b class='ok'>PASS</b>: no gate failed." if c.ok else "<b class='bad'>FAIL</b>"
    items = [f"<li class='bad'>{_e(g)}</li>" for g in c.failed_gates]
    items += [f"<li>within noise: {_e(n)}</li>" for n in c.noise]
    noise = "".join(items)
    only = (
        f"<p class='muted'>Only in A: {len(c.only_a)} · only in B: {len(c.only_b)} (not compared)</p>"
        if c.only_a or c.only_b
        else ""
    )
    cls = "verdict" if c.ok else "verdict bad"
    listed = f"<ul>{noise}</ul>" if noise else ""
    return f"<div class='{cls}'><p>{head} {_e(sign)}</p>{listed}{only}</div>"


def _figures(c: Comparison) -> str:
    def money(v: float | None) -> str:
        return "—" if v is None else f"{v:.4f}"

    def ms(v: float | None) -> str:
        return "—" if v is None else f"{v:,.0f} ms"

    rows = [
        ["cases compared", _e(c.common), ""],
        ["command success", _pct(c.success_a), _pct(c.success_b)],
        ["quality", _pct(c.quality_a), _pct(c.quality_b)],
        ["latency p95", ms(c.latency_p95_a), ms(c.latency_p95_b)],
        ["cost", money(c.cost_a), money(c.cost_b)],
        ["false action claims", _e(_none(c.false_claims_a)), _e(_none(c.false_claims_b))],
        ["regressions · fixes", _e(len(c.regressions)), _e(len(c.fixes))],
    ]
    return _table(["", "A", "B"], rows, numeric={1, 2})


def _none(value: int | None) -> str:
    return "—" if value is None else str(value)


def _pair(
    kind: str,
    key: Key,
    a: CaseResult,
    b: CaseResult,
    changes: list[str],
    *,
    label_a: str,
    label_b: str,
) -> str:
    def mark(r: CaseResult) -> str:
        return "<span class='ok'>✓</span>" if r.success else "<span class='bad'>✗</span>"

    badge = {"regression": "bad", "fix": "ok"}.get(kind, "")
    trial = f" · trial {key[3]}" if key[3] else ""
    title = (
        f"{mark(a)} → {mark(b)} <b>{_e(case_name(key[:3]))}</b>{_e(trial)} "
        f"<span class='badge {badge}'>{_e(kind)}</span>"
    )
    listed = "".join(f"<li>{_e(c)}</li>" for c in changes) or "<li class='muted'>nothing changed</li>"
    opened = " open" if kind in ("regression", "fix", "quality") else ""
    sides = (
        f"<div class='sides'><div><h4 class='side'>A · {_e(label_a)}</h4>{case_body(a)}</div>"
        f"<div><h4 class='side'>B · {_e(label_b)}</h4>{case_body(b)}</div></div>"
    )
    return (
        f"<details class='case pair {kind}'{opened}><summary>{title}</summary><div class='case-body'>"
        f"<h4>What changed</h4><ul class='changes'>{listed}</ul>{sides}</div></details>"
    )
