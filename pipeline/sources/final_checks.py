"""What a draft may carry but a final pack may not: open actions already past due, and "not
applicable" claimed for an applicable requirement without saying why.

Both are warnings with a code (a draft comments on them, `regpack check` lists them with file:line);
gather turns them into errors in a final build.

Decision on `not_applicable`: the response text is the reason (no separate field). A response to a
requirement the catalog says applies must, once the words "not applicable", "N/A", "none" and the like
are taken out, still say something: at least MIN_REASON_WORDS words. "N/A" or "Not applicable." alone
is refused in a final build.
"""

from __future__ import annotations

import re
from typing import Callable

from pipeline.catalog.coverage import applicability_flags
from pipeline.catalog.model import Catalog
from pipeline.models import ArrangementSources

PAST_DUE = "past-due-action"
NO_REASON = "na-without-reason"
MIN_REASON_WORDS = 3
_FILLER = re.compile(r"\b(not\s+applicable|n\.?\s*/?\s*a\.?|none|nil|tbd|tbc|todo)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]{2,}|[^\x00-\u2fff]")  # a word, or one CJK character

Add = Callable[..., None]
"""`add(kind, loc, message, severity, code, **data)`, as the cross-checker's."""


def reason_words(response: str) -> int:
    """How many words the response says beyond "not applicable" and its abbreviations."""
    return len(_WORD.findall(_FILLER.sub(" ", response)))


def check_open_items(src: ArrangementSources, catalog: Catalog, add: Add) -> None:
    notified = src.arrangement.dates.hkma_notification
    applicable = {r.id for r in catalog.requirements if r.applicable(applicability_flags(src))}
    for i, response in enumerate(src.controls.responses):
        action = response.action
        if response.status in ("partial", "gap") and action is not None and action.due < notified:
            add("controls", ("responses", i, "action", "due"),
                f"{response.requirement}: the action is due {action.due}, before the HKMA notification date "
                f"{notified} (arrangement.dates.hkma_notification), so it is past due in the pack: complete "
                "it and update the status, or set a new due date", "warning", PAST_DUE,
                requirement=response.requirement, due=str(action.due))
        if (response.status == "not_applicable" and response.requirement in applicable
                and reason_words(response.response) < MIN_REASON_WORDS):
            add("controls", ("responses", i, "response"),
                f"{response.requirement} applies to this arrangement but is marked not_applicable without a "
                "reason: say in `response` why it does not apply (a sentence, not just 'N/A')", "warning",
                NO_REASON, requirement=response.requirement)
