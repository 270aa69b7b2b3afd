"""Reading the service's answers in HTTP tests: a success with its status, and a
problem+json refusal with its status and code (and the fields every problem has)."""

import json
from typing import Any

PROBLEM = "application/problem+json"


async def answer(response: Any, status: int = 200) -> Any:
    body = await response.json()
    assert response.status == status, body
    return body


async def problem(response: Any, status: int, code: str) -> dict:
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == PROBLEM, text
    body = json.loads(text)
    assert body["code"] == code, body
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "code"} <= body.keys(), body
    assert body["detail"], body
    return body
