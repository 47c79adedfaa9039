"""Template sections: the contingency plan and the exit strategy in full (notification package, Risk
Assessment Form, and the standalone annexes), drawn from `contingency.yaml` and `exit.yaml`."""

from __future__ import annotations

from docxkit import kv_table, loop_table


def md(doc, expr: str, style: str = "Body Text") -> None:
    doc.add_paragraph("{{p " + expr + "|markdown('" + style + "') }}")


def bullets(doc, loop: str, expr: str) -> None:
    doc.add_paragraph("{%p for " + loop + " %}")
    doc.add_paragraph("{{ " + expr + " }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")


def contingency_plan(doc, level: int) -> None:
    """The contingency plan: objectives, activation, impact, strategy, scenarios, phases, provider's plan,
    communications, testing, training and approval (SA-2 2.7, TM-G-1 7.1.1(f), OR-1 8.3)."""
    h = doc.add_heading
    kv_table(doc, [("Recovery time objective (RTO)", "{{ facts.rto }}"),
                   ("Recovery point objective (RPO)", "{{ facts.rpo }}"),
                   ("Maximum tolerable outage", "{{ facts.mto }}"),
                   ("Tolerance for disruption", "{{ facts.tolerance_by_operation }}"),
                   ("Activation", "{{ bcp.activation }}"),
                   ("Approved by", "{{ bcp.approval.body }}, {{ bcp.approval.date|d }}")])
    h("Business impact of an outage", level + 1)
    kv_table(doc, [("Financial", "{{ bcp.business_impact.financial }}"),
                   ("Operational", "{{ bcp.business_impact.operational }}"),
                   ("Legal and regulatory", "{{ bcp.business_impact.legal }}"),
                   ("Reputational", "{{ bcp.business_impact.reputational }}")])
    h("Recovery strategy", level + 1)
    md(doc, "bcp.recovery_strategy")
    h("Scenarios", level + 1)
    loop_table(doc, ["Id", "Scenario", "Response", "Recovery"],
               ["{{ s.id }}", "{{ s.title }}: {{ s.description }}", "{{p s.response|markdown('Table Text') }}",
                "{{ s.recovery }}"],
               "s in continuity.scenarios", (1.2, 5.4, 7.8, 2.2))
    doc.add_paragraph("{%p if continuity.tolerance_tests %}")
    h("Scenarios tested against the tolerance for disruption", level + 1)
    loop_table(doc, ["Operation and scenario", "Tested", "Disruption", "Outcome"],
               ["{{ t.operation }}: {{ t.scenario }}", "{{ t.date }}: {{ t.method }}",
                "{{ t.disruption }} (tolerance {{ t.tolerance }})", "{{ t.outcome }}"],
               "t in continuity.tolerance_tests", (4.6, 5.0, 4.0, 3.0))
    doc.add_paragraph("{%p endif %}")
    h("Phases of the plan", level + 1)
    loop_table(doc, ["Phase", "Owner", "Target", "Steps"],
               ["{{ p.name }}", "{{ p.owner }}", "{{ p.target }}", "{{p p.steps|markdown('Table Text') }}"],
               "p in continuity.phases", (3.0, 3.2, 3.2, 7.2))
    h("The provider's own plan", level + 1)
    kv_table(doc, [("Reviewed", "{{ bcp.provider_plan.reviewed_on|d }} ({{ bcp.provider_plan.source }})"),
                   ("Summary", "{{ bcp.provider_plan.summary }}")])
    h("Communications", level + 1)
    bullets(doc, "c in bcp.communications", "c")
    h("Testing and training", level + 1)
    loop_table(doc, ["Test", "Frequency", "Last performed", "Result", "With provider"],
               ["{{ t.type }}", "{{ t.frequency }}", "{{ t.last_date|d }}", "{{ t.result }}",
                "{{ t.joint_with_provider|yesno }}"],
               "t in bcp.tests", (4.0, 2.8, 2.8, 4.8, 2.2))
    md(doc, "bcp.training")


def exit_strategy(doc, level: int) -> None:
    """The exit strategy: scope, triggers, target state, steps, cost, data, people, success criteria,
    tests, review and approval (SA-2 2.5.4, 2.7.3, 1.3.5; TM-G-1 7.1.1(f))."""
    h = doc.add_heading
    kv_table(doc, [("Scope", "{{ exit_plan.scope }}"), ("Target state", "{{ facts.exit_target }}"),
                   ("Alternatives", "{{ facts.exit_alternatives }}"),
                   ("Estimated duration", "{{ facts.exit_duration }} ({{ continuity.exit_weeks }} weeks of steps)"),
                   ("Estimated cost", "{{ facts.exit_cost }}"),
                   ("Contractual support", "{{ exit_plan.contractual_support }}"),
                   ("Approved by", "{{ exit_plan.approval.body }}, {{ exit_plan.approval.date|d }}"),
                   ("Review", "{{ exit_plan.review_cycle }}")])
    h("Triggers", level + 1)
    loop_table(doc, ["Id", "Trigger", "Type", "Indicator"],
               ["{{ t.id }}", "{{ t.trigger }}", "{{ t.type_label }}", "{{ t.indicator }}"],
               "t in triggers", (1.2, 6.0, 2.6, 6.8))
    h("Steps", level + 1)
    loop_table(doc, ["No.", "Step", "Owner", "Weeks"],
               ["{{ s.number }}", "{{ s.step }}", "{{ s.owner }}", "{{ s.weeks }}"],
               "s in continuity.exit_steps", (1.2, 9.0, 4.4, 2.0))
    h("Data, people and communications", level + 1)
    md(doc, "exit_plan.data_migration")
    md(doc, "exit_plan.data_deletion")
    kv_table(doc, [("Staffing", "{{ exit_plan.staffing }}"), ("Communications", "{{ exit_plan.communications }}")])
    h("Success criteria", level + 1)
    bullets(doc, "c in exit_plan.success_criteria", "c")
    h("Tests of the exit plan", level + 1)
    loop_table(doc, ["Test", "Frequency", "Last performed", "Result"],
               ["{{ t.type }}", "{{ t.frequency }}", "{{ t.last_date|d }}", "{{ t.result }}"],
               "t in exit_plan.tests", (5.6, 3.0, 3.0, 5.0))
