"""Recovery targets against the tolerance for disruption, and test results against the targets.

OR-1 asks that a critical operation stay within its tolerance for disruption in severe but plausible
scenarios; SA-2 2.7 and TM-G-1 ask that the contingency plan be tested. So, for one arrangement:

- the RTO and the maximum tolerable outage (MTO) lie within the tolerance for disruption of the supported
  critical operation with the shortest one (`arrangement.critical_operations[i].tolerance_hours`; a service
  that supports no critical operation has no tolerance to meet), and the RTO within the MTO;
- no scenario's planned recovery exceeds that tolerance;
- a test that records what it achieved (`achieved_recovery_minutes`, `achieved_data_loss_minutes`)
  achieved the RTO and the RPO.

Each breach is a warning with code "continuity-breach" (data: field, value, limit_field, limit, unit),
so that a draft comments on it; a final build refuses it.
"""

from __future__ import annotations

from typing import Callable

from pipeline.models import ArrangementSources

CODE = "continuity-breach"

Add = Callable[..., None]
"""`add(kind, loc, message, severity, code, **data)`, as the cross-checker's."""


def duration(minutes: float) -> str:
    """`190` -> `3 h 10 min`; `120` -> `2 h`; `15` -> `15 min`."""
    whole = round(minutes)
    if abs(minutes - whole) > 1e-6:
        return f"{minutes:g} min"
    h, m = divmod(whole, 60)
    return " ".join(part for part in (f"{h} h" if h else "", f"{m} min" if m or not h else "") if part)


def check_continuity(src: ArrangementSources, add: Add) -> None:
    bcp, op = src.contingency, src.arrangement.tightest_operation
    index = src.arrangement.critical_operations.index(op) if op else -1
    tolerance_field = f"arrangement.critical_operations[{index}].tolerance_hours"
    tolerance = op.tolerance_hours * 60 if op else float("inf")
    tol_text = f"the {duration(tolerance)} tolerance for disruption of {op.name} ({tolerance_field})" if op else ""

    def breach(loc: tuple, message: str, value: float, limit_field: str, limit: float) -> None:
        add("contingency", loc, message, "warning", CODE, field="contingency." + ".".join(map(str, loc)),
            value=value, limit_field=limit_field, limit=limit, unit="minutes")

    rto, mto, rpo = bcp.rto_hours * 60, bcp.mto_hours * 60, bcp.rpo_minutes
    if rto > tolerance:
        breach(("rto_hours",), f"the RTO of {duration(rto)} is beyond {tol_text}: the operation could not "
               "be recovered in time; shorten the RTO (and the recovery it needs) or review the tolerance",
               rto, tolerance_field, tolerance)
    if mto > tolerance:
        breach(("mto_hours",), f"the maximum tolerable outage of {duration(mto)} is beyond {tol_text}: "
               "an outage the plan tolerates would breach it; set mto_hours within the tolerance",
               mto, tolerance_field, tolerance)
    if rto > mto:
        breach(("rto_hours",), f"the RTO of {duration(rto)} is longer than the maximum tolerable outage of "
               f"{duration(mto)} (contingency.mto_hours): recovery must come before the outage becomes "
               "intolerable; correct one of them", rto, "contingency.mto_hours", mto)
    for i, scenario in enumerate(bcp.scenarios):
        planned = scenario.recovery_hours * 60
        if planned > tolerance:
            breach(("scenarios", i, "recovery_hours"), f"scenario {scenario.id} ({scenario.title}) plans "
                   f"recovery in {duration(planned)}, beyond {tol_text}: plan a faster recovery for it",
                   planned, tolerance_field, tolerance)
    for i, test in enumerate(bcp.tests):
        when = f" on {test.last_date}" if test.last_date else ""
        achieved = test.achieved_recovery_minutes
        if achieved is not None and achieved > rto:
            beyond = f"; it is also beyond {tol_text}" if achieved > tolerance else ""
            breach(("tests", i, "achieved_recovery_minutes"), f"test {test.type!r}{when} recovered in "
                   f"{duration(achieved)}, missing the RTO of {duration(rto)} (contingency.rto_hours){beyond}: "
                   "report the miss, fix the recovery and test again", achieved, "contingency.rto_hours", rto)
        lost = test.achieved_data_loss_minutes
        if lost is not None and lost > rpo:
            breach(("tests", i, "achieved_data_loss_minutes"), f"test {test.type!r}{when} lost "
                   f"{duration(lost)} of data, missing the RPO of {duration(rpo)} (contingency.rpo_minutes): "
                   "report the miss, fix the backup or replication and test again",
                   lost, "contingency.rpo_minutes", rpo)
