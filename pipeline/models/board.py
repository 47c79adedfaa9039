"""`sources/<id>/board.yaml`: the board meeting, the decision asked for, governance, sign-offs."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from pipeline.models.common import Person, Strict, Text


class Signoff(Strict):
    function: Text
    name: Text
    title: Text
    date: dt.date
    opinion: Text


class Governance(Strict):
    cloud_strategy: Text
    it_strategy: Text
    policies: list[Text] = Field(min_length=1)
    steering_committee: Text
    staff_competence: Text


class BoardPaper(Strict):
    body: Text
    paper_date: dt.date | None = None
    """The date the paper is issued to the board (default: the build date). Sign-offs dated later are
    shown as due, not as given."""
    agenda_item: Text
    paper_reference: Text
    sponsor: Person
    presenter: Person
    purpose: Text
    decision_requested: Text
    resolutions: list[Text] = Field(min_length=1)
    executive_summary: Text
    previous_consideration: Text
    governance: Governance
    signoffs: list[Signoff] = Field(min_length=1)
