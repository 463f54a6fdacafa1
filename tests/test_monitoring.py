"""The monitoring kit (deploy/monitoring, deploy/systemd): the Grafana dashboard and the Prometheus
alert rules name only metrics Hudhud exports (and the dashboard shows every one), the rules match the
built-in alerts one for one, and the systemd units run commands the CLI has."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from typing import Any

import yaml
from prometheus_client import REGISTRY

import channels.whatsapp.graph
import channels.whatsapp.pacing
import hudhud.metrics
from tests.cli_lines import ROOT, check_hudhud

MONITORING = ROOT / "deploy" / "monitoring"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
NAME = re.compile(r"\bhudhud_[a-z0-9_]+\b")


def exported() -> dict[str, str]:
    """Every series name Hudhud's metrics export -> its family."""
    assert hudhud.metrics and channels.whatsapp.graph and channels.whatsapp.pacing  # all registered
    names: dict[str, str] = {}
    for family in REGISTRY.collect():
        if family.name.startswith("hudhud_"):
            for suffix in SUFFIXES[family.type]:
                names[family.name + suffix] = family.name
    return names


def dashboard_exprs() -> list[str]:
    doc = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [t["expr"] for panel in doc["panels"] for t in panel.get("targets", [])]


def alert_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load((MONITORING / "prometheus-alerts.yml").read_text())
    assert set(doc) == {"groups"} and all({"name", "rules"} <= set(g) for g in doc["groups"])
    return [rule for group in doc["groups"] for rule in group["rules"]]


def builtin_rules() -> set[str]:
    """The rules of hudhud/alerts.py, as docs/observability.md lists them, and the operator events'."""
    page = (ROOT / "docs" / "observability.md").read_text()
    table = page[page.index("| rule | fires when |") : page.index("Latency and error rate are judged")]
    return set(re.findall(r"^\| `([a-z_0-9]+)` \|", table, re.MULTILINE)) | {"delivery_failed"}


def test_the_dashboard_names_only_exported_metrics_and_shows_each() -> None:
    names = exported()
    used = {name for expr in dashboard_exprs() for name in NAME.findall(expr)}
    assert used - set(names) == set()
    assert set(names.values()) - {names[n] for n in used} == set(), "a metric no panel shows"


def test_the_dashboard_is_importable() -> None:
    doc = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    assert doc["uid"] and doc["title"] and doc["schemaVersion"] >= 30
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    for panel in doc["panels"]:
        for target in panel.get("targets", []):
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]


def test_the_alert_rules_match_the_built_in_alerts() -> None:
    rules = alert_rules()
    for rule in rules:
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert rule["annotations"]["summary"] and rule["annotations"]["runbook"].startswith("docs/")
        assert (ROOT / rule["annotations"]["runbook"].split("#")[0]).is_file()
    by_rule = {r["labels"]["rule"] for r in rules}
    assert builtin_rules() <= by_rule, "a built-in alert with no Prometheus rule"
    assert by_rule - builtin_rules() == {"down"}  # the one only Prometheus can see
    names = set(exported())
    assert {n for r in rules for n in NAME.findall(r["expr"])} - names == set()


def test_the_check_can_fail() -> None:
    assert NAME.findall("rate(hudhud_no_such_total[5m])")[0] not in exported()
    assert "hudhud_reply_seconds_bucket" in exported() and "hudhud_queue_depth" in exported()


def test_the_systemd_units_run_commands_the_cli_has() -> None:
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert [u.name for u in units] == ["hudhud-serve.service", "hudhud-worker@.service"]
    for unit in units:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit.read_text())
        argv = shlex.split(parser["Service"]["ExecStart"])
        assert argv[0].endswith("/bin/hudhud"), unit.name
        assert check_hudhud(argv[1:]) == [], unit.name
        assert parser["Service"]["User"] == "hudhud"  # never root
        assert parser["Service"]["EnvironmentFile"].startswith("/etc/hudhud/")
