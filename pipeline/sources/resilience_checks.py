"""Checks of what an arrangement says about operational resilience and the newer instruments:

- each scenario test of a critical operation names a scenario of `contingency.yaml`, and one whose
  disruption went beyond the operation's tolerance states its remediation (a `continuity-breach` warning
  otherwise: a draft comments on it, a final build refuses it);
- personal data stored, processed or reached outside Hong Kong comes with a transfer mechanism for each
  flow (`data.transfers`, a warning while none is given);
- a designated operator (Cap. 653) whose critical computer system the service affects gives the `cap653:`
  facts (an error without them), and the provider's incident notice fits the 12-hour clock (a warning).
"""

from __future__ import annotations

from typing import Callable

from pipeline.models import ArrangementSources
from pipeline.sources.continuity_checks import CODE, duration

SERIOUS_INCIDENT_HOURS = 12
"""Cap. 653: a serious incident is reported to the regulator within 12 hours of becoming aware of it."""

Add = Callable[..., None]
"""`add(kind, loc, message, severity, code, **data)`, as the cross-checker's."""


def check_resilience(src: ArrangementSources, add: Add) -> None:
    arr = src.arrangement
    scenarios = {s.id for s in src.contingency.scenarios}
    for i, op in enumerate(arr.critical_operations):
        for j, test in enumerate(op.scenario_tests):
            loc = ("critical_operations", i, "scenario_tests", j)
            if test.scenario not in scenarios:
                add("arrangement", (*loc, "scenario"), f"scenario {test.scenario!r} is not in contingency.yaml "
                    f"(its scenarios are {', '.join(sorted(scenarios))}): name one of them, or add it there")
            lasted = test.disruption_minutes
            if lasted is not None and lasted > op.tolerance_hours * 60 and test.remediation is None:
                add("arrangement", (*loc, "disruption_minutes"), f"the {test.scenario} test disrupted {op.name} for "
                    f"{duration(lasted)}, beyond its {duration(op.tolerance_hours * 60)} tolerance for "
                    f"disruption (arrangement.critical_operations[{i}].tolerance_hours): say in `remediation` "
                    "what is being done about it", "warning", CODE,
                    field=f"arrangement.critical_operations.{i}.scenario_tests.{j}.disruption_minutes",
                    value=lasted, limit_field=f"arrangement.critical_operations[{i}].tolerance_hours",
                    limit=op.tolerance_hours * 60, unit="minutes")
    if arr.data.personal_data and arr.is_overseas and not arr.data.transfers:
        places = ", ".join(sorted({loc.country for loc in arr.data.locations.all() if loc.overseas}))
        add("arrangement", ("data", "personal_data"), f"personal data is stored, processed or reached outside "
            f"Hong Kong ({places}) but `data.transfers` names no transfer mechanism: add one entry per flow "
            "(PCPD model clauses, GBA Standard Contract, ...)", "warning")
    designated = src.institution.cap653_designated_operator and arr.service_features.critical_computer_system
    if designated and arr.cap653 is None:
        add("arrangement", ("service_features", "critical_computer_system"), "the institution is a designated "
            "operator (institution.cap653_designated_operator) and the service affects a critical computer system: "
            "add a `cap653:` section (material_change_checklist, provider_incident_notice_hours, circulation)")
    elif arr.cap653 is not None and not designated:
        add("arrangement", ("cap653",), "`cap653:` is given but the service does not affect a designated "
            "operator's critical computer system (institution.cap653_designated_operator and "
            "service_features.critical_computer_system): no document shows it", "warning")
    elif arr.cap653 is not None and arr.cap653.provider_incident_notice_hours >= SERIOUS_INCIDENT_HOURS:
        add("arrangement", ("cap653", "provider_incident_notice_hours"), f"the provider tells the institution "
            f"of an incident within {duration(arr.cap653.provider_incident_notice_hours * 60)}, which leaves no "
            f"time to report a serious incident to the regulator within {SERIOUS_INCIDENT_HOURS} hours (Cap. 653): "
            "agree a shorter notice with the provider", "warning")
