# Ansible callback plugin: every task's outcome per host, for the audit's ansible_drift.
from __future__ import annotations

DOCUMENTATION = r"""
name: kentops_drift
type: aggregate
short_description: Writes each host's task results (changed, tags) as JSON for kentops
description:
  - Beside the normal output, records for every host each task's name, tags (with those it
    inherits from its imports), status and whether it changed (in check mode, whether it
    would change), and hosts that were unreachable or failed, with the reason.
  - Written at the end of the run to the file named by KENTOPS_DRIFT_OUT; nothing is written
    when it is unset. Enable with ANSIBLE_CALLBACKS_ENABLED=kentops_drift.
requirements:
  - enabled with ANSIBLE_CALLBACKS_ENABLED and found through ANSIBLE_CALLBACK_PLUGINS
"""

import json
import os

from ansible.plugins.callback import CallbackBase

FORMAT = "kentops-drift/1"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kentops_drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._hosts = {}
        self._playbook = None

    def _host(self, name):
        return self._hosts.setdefault(
            name, {"tasks": [], "unreachable": None, "failed": False, "recap": None}
        )

    def v2_playbook_on_start(self, playbook):
        self._playbook = getattr(playbook, "_file_name", None)

    def _record(self, result, status):
        task = result.task
        data = result.result
        entry = {
            "task": task.get_name(),
            "action": task.action,
            "tags": sorted({str(t) for t in (task.tags or [])}),
            "status": status,
            "changed": bool(data.get("changed", False)),
        }
        if status == "failed":
            entry["message"] = str(data.get("msg") or data.get("stderr") or "")[:500]
        host = self._host(result.host.get_name())
        host["tasks"].append(entry)

    def v2_runner_on_ok(self, result):
        self._record(result, "changed" if result.result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "ignored" if ignore_errors else "failed")
        if not ignore_errors:
            self._host(result.host.get_name())["failed"] = True

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        data = result.result
        self._host(result.host.get_name())["unreachable"] = str(data.get("msg") or "unreachable")[
            :500
        ]

    def v2_playbook_on_stats(self, stats):
        out = os.environ.get("KENTOPS_DRIFT_OUT")
        if not out:
            return
        for name, host in self._hosts.items():
            host["recap"] = stats.summarize(name)
        document = {"format": FORMAT, "playbook": self._playbook, "hosts": self._hosts}
        tmp = out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, sort_keys=True, default=str)
        os.replace(tmp, out)
