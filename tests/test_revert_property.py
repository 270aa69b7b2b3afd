"""Any sequence of edits of a field, then a revert to a version it had, gives the state
the v1 read showed at that version (its last state there), or the refusal the present
calls for; and reverting the revert gives the state before it.

Generated through HTTP against the real app on each backend (one server per backend,
one organization per example): renames (some to a name a sibling field holds, or takes
later), descriptions, options added, renamed, recoloured, removed and reordered,
mappings of two integrations and a connector created, changed and deleted, and the
safe type change multiselect -> text. Edits the service refuses are simply not made.
"""

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import event
from hypothesis import strategies as st

from tests.backends import HARNESSES
from tests.conftest import event_count
from tests.http_examples import for_each_example
from tests.test_revert import F, state, version_of

EMPLOYEE = {"category": "HRIS", "model": "employee"}
NAMES = ["alpha", "beta", "gamma"]
VALUES = ["Red", "red", "Blue", "Green", "Grey"]
COLOURS = [None, "#FF0000", "#00FF00"]
PATHS = ["data.a", "data.b", "data.c || data.d"]
SCOPES = ["workday", "hibob", "connector"]
EXAMPLES = {"sqlite": 40, "postgresql": 10}


class Run:
    """One example: a tenant, its field and a sibling, and what each version showed."""

    def __init__(self, client: TestClient, tenant, data) -> None:
        self.client, self.tenant, self.data = client, tenant, data
        self.shown: dict[int, dict] = {}

    async def call(self, method: str, path: str, body=None, **headers):
        response = await self.client.request(method, path, json=body,
                                             headers={**self.tenant.headers, **headers})
        return response.status, await response.json()

    async def read(self, field_id: str) -> tuple[dict, int]:
        response = await self.client.get(f"{F}/{field_id}", headers=self.tenant.headers)
        return await response.json(), version_of(response.headers["ETag"])

    async def remember(self) -> dict:
        field, version = await self.read(self.field)
        self.shown[version] = state(field)  # the last read at a version is what it was
        return field

    def pick(self, label: str, items: list):
        return self.data.draw(st.sampled_from(items), label=label)

    async def edit(self, field: dict) -> None:
        options = [o["id"] for o in field["options"]]
        mappings = [m["id"] for m in field["mappings"]]
        kinds = ["rename", "describe", "add option", "map", "sibling", "to text"]
        kinds += ["option", "recolour", "remove option", "reorder"] if options else []
        kinds += ["repath", "unmap"] if mappings else []
        kind, path = self.pick("edit", kinds), f"{F}/{self.field}"
        if kind == "rename":
            await self.call("PATCH", path, {"name": self.pick("name", NAMES)})
        elif kind == "describe":
            await self.call("PATCH", path, {"description": self.pick("text", [None, "x", "y"])})
        elif kind == "to text":
            await self.call("PATCH", path, {"type": "text"})
        elif kind == "sibling":
            await self.call("PATCH", f"{F}/{self.sibling}", {"name": self.pick("name", NAMES)})
        elif kind == "add option":
            await self.call("POST", path + "/options", {"value": self.pick("value", VALUES),
                                                        "color": self.pick("colour", COLOURS)})
        elif kind in ("option", "recolour", "remove option"):
            option = f"{path}/options/{self.pick('option', options)}"
            if kind == "remove option":
                await self.call("DELETE", option)
            else:
                body = ({"value": self.pick("value", VALUES)} if kind == "option"
                        else {"color": self.pick("colour", COLOURS)})
                await self.call("PATCH", option, body)
        elif kind == "reorder":
            order = self.data.draw(st.permutations(options), label="order")
            await self.call("PUT", path + "/options/order", {"option_ids": order})
        elif kind == "map":
            scope = self.pick("scope", SCOPES)
            await self.call("POST", F + "/mapping", {
                "custom_field_id": self.field, "json_path": self.pick("path", PATHS),
                **({"connector_token": self.tenant.connector_token} if scope == "connector"
                   else {"integration_slug": scope})})
        else:
            mapping = f"{F}/mapping/{self.pick('mapping', mappings)}"
            if kind == "unmap":
                await self.call("DELETE", mapping)
            else:
                await self.call("PATCH", mapping, {"json_path": self.pick("path", PATHS)})

    async def history(self) -> list[dict]:
        return (await self.call("GET", f"{F}/{self.field}/history?limit=200"))[1]["history"]

    async def revert(self, version: int) -> tuple[int, dict]:
        return await self.call("POST", f"{F}/{self.field}/revert", {"to_version": version})

    async def __call__(self) -> None:
        app = self.client.server.app
        created = [(await self.call("POST", F, {**EMPLOYEE, **body}))[1]["id"] for body in (
            {"name": "subject", "type": "multiselect",
             "options": [{"value": v} for v in self.data.draw(
                 st.lists(st.sampled_from(VALUES[2:]), unique=True), label="options")]},
            {"name": "sibling"})]
        self.field, self.sibling = created
        field = await self.remember()
        for _ in range(self.data.draw(st.integers(0, 12), label="edits")):
            await self.edit(field)
            field = await self.remember()
        (before, current), (sibling, _) = await self.read(self.field), await self.read(self.sibling)
        version = self.pick("version", sorted(self.shown))
        target, logged = self.shown[version], await self.history()
        count = await event_count(app, self.tenant.id)

        status, body = await self.revert(version)
        event(f"revert: {status} {body.get('code', '')}".strip())
        if target["definition"]["type"] != before["type"]:
            assert (status, body["code"]) == (409, "UNSAFE_TYPE_CHANGE"), body
        elif target["definition"]["name"].lower() == sibling["name"].lower():
            assert (status, body["code"]) == (409, "DUPLICATE_NAME"), body
        else:
            assert status == 200, body
            assert state(body) == target and body == (await self.read(self.field))[0]
            new = (await self.history())[len(logged):]
            assert [e["reverted_to"] for e in new] == [version] * len(new)
            assert bool(new) == (target != state(before))  # nothing to do, nothing written
            if (await self.read(self.field))[1] > current:  # (mappings alone keep the version)
                status, body = await self.revert(current)  # the revert, reverted
                assert status == 200 and state(body) == state(before), body
            return
        assert await event_count(app, self.tenant.id) == count
        assert (await self.read(self.field))[0] == before


@pytest.mark.parametrize("harness_name", sorted(HARNESSES))
def test_edits_then_a_revert_give_the_state_shown_at_that_version(harness_name):
    for_each_example(harness_name, EXAMPLES[harness_name],
                     lambda client, tenant, data: Run(client, tenant, data)())
