#!/usr/bin/env python3
"""Writes the Grafana dashboards of dashboards/ from the definitions in dashboards/definitions.py.

    python3 dashboards/generate.py           # rewrite the JSON files
    python3 dashboards/generate.py --check   # exit 1 if a committed file differs from what this writes

Each panel gets its queries, unit, thresholds, description and place from one line of Python; the
layout flows left to right in rows of 24 columns. The output is a Grafana dashboard JSON model
(schemaVersion 39) with a `datasource` variable, so it imports into Grafana 10/11 unchanged."""

import json
import sys
from pathlib import Path

import definitions as d

HERE = Path(__file__).resolve().parent
SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def thresholds(steps):
    """`steps` is [(value, color)], first value None (the base)."""
    steps = steps or [(None, "green")]
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for value, color in steps]}


def target(ref_id, query, instant):
    entry = {"datasource": DATASOURCE, "refId": ref_id, "expr": query.expr, "legendFormat": query.legend or "__auto",
             "range": not instant, "instant": instant, "editorMode": "code"}
    if instant:
        entry["format"] = "table"
    return entry


def panel_json(panel, panel_id, grid):
    instant = panel.kind in ("table", "bargauge") or panel.instant
    defaults = {"unit": panel.unit, "thresholds": thresholds(panel.thresholds), "color": {"mode": "thresholds" if panel.kind in ("stat", "gauge", "bargauge") else "palette-classic"}}
    if panel.decimals is not None:
        defaults["decimals"] = panel.decimals
    if panel.min is not None:
        defaults["min"] = panel.min
    if panel.max is not None:
        defaults["max"] = panel.max
    options = {}
    if panel.kind == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never", "spanNulls": False,
                              "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"}}
        options = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                   "tooltip": {"mode": "multi", "sort": "desc"}}
    elif panel.kind == "stat":
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "value",
                   "graphMode": "area", "justifyMode": "auto", "textMode": "auto", "orientation": "auto"}
    elif panel.kind == "gauge":
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "showThresholdMarkers": True,
                   "showThresholdLabels": False, "orientation": "auto"}
    elif panel.kind == "bargauge":
        options = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "displayMode": "gradient",
                   "orientation": "horizontal", "showUnfilled": True}
    elif panel.kind == "table":
        options = {"showHeader": True, "cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
    result = {
        "id": panel_id, "type": panel.kind, "title": panel.title, "description": panel.description, "datasource": DATASOURCE,
        "gridPos": grid, "fieldConfig": {"defaults": defaults, "overrides": []}, "options": options,
        "targets": [target(chr(ord("A") + index), query, instant) for index, query in enumerate(panel.queries)],
    }
    if panel.kind == "table":
        result["transformations"] = [{"id": "merge", "options": {}},
                                     {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": {"Value": panel.title}}}]
    return result


def variable_json(variable):
    if variable.kind == "datasource":
        return {"name": variable.name, "label": variable.label, "type": "datasource", "query": "prometheus",
                "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": [], "includeAll": False, "multi": False}
    if variable.kind == "custom":
        options = [{"text": value, "value": value, "selected": index == 0} for index, value in enumerate(variable.values)]
        return {"name": variable.name, "label": variable.label, "type": "custom", "query": ",".join(variable.values),
                "current": {"text": variable.values[0], "value": variable.values[0]}, "options": options, "hide": 0,
                "includeAll": False, "multi": False}
    return {"name": variable.name, "label": variable.label, "type": "query", "datasource": DATASOURCE,
            "definition": variable.query, "query": {"query": variable.query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "current": {"text": "All", "value": "$__all"}, "options": [], "hide": 0, "refresh": 2, "regex": "", "sort": 1,
            "includeAll": True, "multi": True, "allValue": ".*"}


def dashboard_json(dashboard):
    panels = []
    next_id = 1
    y = 0
    for row in dashboard.rows:
        panels.append({"id": next_id, "type": "row", "title": row.title, "collapsed": False, "panels": [],
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
        next_id += 1
        y += 1
        x = 0
        line_height = 0
        for panel in row.panels:
            width, height = panel.width, panel.height
            if x + width > 24:
                x = 0
                y += line_height
                line_height = 0
            panels.append(panel_json(panel, next_id, {"h": height, "w": width, "x": x, "y": y}))
            next_id += 1
            x += width
            line_height = max(line_height, height)
        y += line_height
    return {
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
                                  "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
        "description": dashboard.description,
        "editable": True,
        "graphTooltip": 1,
        "links": [{"title": "ToolboxAI dashboards", "type": "dashboards", "tags": ["toolboxai"], "asDropdown": True, "includeVars": True, "keepTime": True}],
        "panels": panels,
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "tags": dashboard.tags,
        "templating": {"list": [variable_json(variable) for variable in dashboard.variables]},
        "time": {"from": "now-1h", "to": "now"},
        "timepicker": {"refresh_intervals": ["10s", "30s", "1m", "5m", "15m", "1h"]},
        "timezone": "browser",
        "title": dashboard.title,
        "uid": dashboard.uid,
        "version": 1,
    }


def render(dashboard) -> str:
    return json.dumps(dashboard_json(dashboard), indent=2, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for dashboard in d.DASHBOARDS:
        path = HERE / f"{dashboard.uid}.json"
        text = render(dashboard)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if check and stale:
        print("out of date (run python3 dashboards/generate.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
