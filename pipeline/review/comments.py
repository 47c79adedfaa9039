"""The loop closes: each open item of the review register becomes a Word comment in the next draft, on the
paragraph it concerns, quoting what legal wrote and who wrote it."""

from __future__ import annotations

from pipeline.review.register import Register

_QUOTE = 300


def _quote(text: str | None) -> str:
    text = " ".join(str(text or "").split())
    return f"“{text[:_QUOTE]}{'…' if len(text) > _QUOTE else ''}”"


def anchor_of(item) -> str:
    """Text to find the item's paragraph by: what legal commented on, or the text legal changed."""
    text = item.anchor if item.kind == "comment" else item.old
    first = next((line.strip() for line in str(text or "").splitlines() if line.strip()), "")
    return first[:60]


def register_comments(register: Register | None, document: str) -> list[tuple[str, str]]:
    """(anchor, comment text) for each open item of `document` (its slug, e.g. `board-paper`)."""
    if register is None:
        return []
    out = []
    for item in register.open_items():
        if item.document != document:
            continue
        where = f"{register.display}:{item.line}" if item.line else register.display
        who = f"{item.author or 'A reviewer'}{', ' + str(item.date)[:10] if item.date else ''}"
        if item.kind == "comment":
            text = f"Review item {item.id} (open, {where}). {who} commented: {_quote(item.text)}"
            if item.in_reply_to:
                text += f" (in reply to {_quote(item.in_reply_to)})"
            for reply in item.replies or []:
                if isinstance(reply, dict):
                    text += f" Reply from {reply.get('author') or 'a reviewer'}: {_quote(reply.get('text'))}"
            text += " Set its status to done when it is dealt with."
        else:
            text = (f"Review item {item.id} (open, {where}). {who} changed {_quote(item.old)} to {_quote(item.new)}"
                    f"{' (' + str(item.how) + ')' if item.how else ''}.")
            if item.instead:
                text += f" Not written back: {item.instead}"
            text += " Set its status to applied or rejected when it is dealt with."
        out.append((anchor_of(item), text))
    return out
