"""Everyday finance questions answered within three calls and 20 KB each (issue 12): the panel
in bench/panel.py, asked of the server against the session's sandbox in each company."""

from __future__ import annotations

from datetime import date

import pytest
from bench.panel import MOST_BYTES, MOST_CALLS, Question, ask, panel
from mcp import Client

from tests.helpers import TODAY

pytestmark = pytest.mark.anyio

QUESTIONS = panel(date.fromisoformat(TODAY))


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.asked)
@pytest.mark.parametrize("company", ["Stockwell Office Supplies Ltd", "Ireland"])
async def test_each_question_takes_few_calls_and_little_context(
    mcp: Client, question: Question, company: str
) -> None:
    assert len(question.calls) <= MOST_CALLS
    answered = await ask(mcp, question, company)
    assert not answered.errors, answered.errors
    assert answered.total <= MOST_BYTES, (question.asked, answered.sizes)
