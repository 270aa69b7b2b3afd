"""v1 webhooks: subscribe (the answer shows the signing secret, once), list, read,
change, unsubscribe, the delivery attempts, and a replay from a sequence number.

A target's address is checked here, before the command is queued (resolving a name is
I/O, which commands never do); the worker checks it again when it connects."""

from typing import Any

from aiohttp import web

from service.appkeys import settings_key, webhooks_key
from service.auth import principal
from service.commands.webhooks import CreateWebhook, DeleteWebhook, ReplayWebhook, UpdateWebhook
from service.handlers.common import (
    backend,
    checked,
    decode_cursor,
    json_response,
    page_limit,
    paginate,
    query,
)
from service.jsonbody import read_json
from service.routing import CREATE, LISTING, RESOURCE, Routes
from service.schemas import responses as r
from service.schemas import webhooks as w
from service.schemas.common import PageSchema
from service.webhooks.errors import ReplayPastHead, WebhookNotFound
from service.webhooks.ssrf import check_target
from service.writes import created, etag, if_match, perform

routes = Routes("webhooks")
create_schema, patch_schema = w.WebhookCreateSchema(), w.WebhookPatchSchema()
replay_schema, page_schema = w.ReplaySchema(), PageSchema()
Row = dict[str, Any]


def webhook_json(row: Row) -> Row:
    return {"id": row["id"], "url": row["url"], "events": row["events"],
            "description": row["description"], "created_at": row["created_at"],
            "updated_at": row["updated_at"]}


def delivery_json(row: Row) -> Row:
    return {"id": row["id"], "seq": row["seq"], "event_id": row["event_id"],
            "event": row["event"], "attempt": row["attempt"], "status_code": row["status_code"],
            "duration_ms": round(row["duration_us"] / 1000, 3), "error": row["error"],
            "state": row["state"], "next_retry_at": row["next_retry_at"],
            "attempted_at": row["attempted_at"]}


async def _checked_target(request: web.Request, url: str | None) -> None:
    if url is not None:
        await check_target(url, request.app[settings_key].webhook_allow_private)


async def _webhook(request: web.Request) -> Row:
    webhook_id = request.match_info["webhook_id"]
    found = await backend(request).queries.webhook(principal(request).org_id, webhook_id)
    if found is None:
        raise WebhookNotFound(webhook_id)
    return found


def _woken(request: web.Request, response: web.Response) -> web.Response:
    request.app[webhooks_key].wake()
    return response


@routes.post("/webhooks", summary="Subscribe to the organization's events",
             ok={201: w.WebhookCreatedSchema}, body=w.WebhookCreateSchema, scope=CREATE,
             operation_id="create_webhook", etag=True)
async def create_webhook(request: web.Request) -> web.Response:
    data = create_schema.load(await read_json(request))
    unit = checked(request, CreateWebhook(principal(request).org_id, data["url"],
                                          tuple(data["events"]), data["description"]))
    await _checked_target(request, data["url"])
    return _woken(request, await perform(request, unit, lambda result: (
        201, {**webhook_json(result), "secret": result["secret"]},
        {**created(request, result["id"]), **etag(result["version"])})))


@routes.get("/webhooks", summary="List webhook subscriptions", ok={200: w.WebhookListSchema},
            query=PageSchema, scope=LISTING, operation_id="list_webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    params = query(request, page_schema)
    limit = page_limit(request, params["limit"])
    rows = await backend(request).queries.list_webhooks(
        principal(request).org_id, decode_cursor(params["cursor"]), limit + 1)
    rows, cursor = paginate(rows, limit, lambda row: row["id"])
    return json_response({"webhooks": [webhook_json(row) for row in rows],
                          "next_cursor": cursor})


@routes.get("/webhooks/{webhook_id}", summary="A webhook subscription",
            ok={200: w.WebhookSchema}, scope=RESOURCE, operation_id="get_webhook", etag=True)
async def get_webhook(request: web.Request) -> web.Response:
    found = await _webhook(request)
    return json_response(webhook_json(found), headers=etag(found["version"]))


@routes.patch("/webhooks/{webhook_id}", summary="Change a webhook subscription",
              ok={200: w.WebhookSchema}, body=w.WebhookPatchSchema, scope=RESOURCE,
              operation_id="update_webhook", etag=True)
async def update_webhook(request: web.Request) -> web.Response:
    data = patch_schema.load(await read_json(request))
    events = data.get("events")
    unit = checked(request, UpdateWebhook(
        principal(request).org_id, request.match_info["webhook_id"], data.get("url"),
        None if events is None else tuple(events), data.get("description"),
        "description" in data, if_match(request)))
    await _checked_target(request, data.get("url"))
    return _woken(request, await perform(request, unit, lambda row: (
        200, webhook_json(row), etag(row["version"]))))


@routes.delete("/webhooks/{webhook_id}", summary="Delete a webhook subscription",
               ok={200: r.StatusSchema}, scope=RESOURCE, operation_id="delete_webhook")
async def delete_webhook(request: web.Request) -> web.Response:
    command = DeleteWebhook(principal(request).org_id, request.match_info["webhook_id"],
                            if_match(request))
    return await perform(request, checked(request, command),
                         lambda result: (200, {"id": result["id"], "status": "SUCCESS"}, {}))


@routes.get("/webhooks/{webhook_id}/deliveries", summary="A webhook's delivery attempts",
            ok={200: w.DeliveryListSchema}, query=PageSchema, scope=RESOURCE,
            operation_id="list_webhook_deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    params = query(request, page_schema)
    limit = page_limit(request, params["limit"])
    found = await _webhook(request)
    queries = backend(request).queries
    position = await queries.webhook_cursor(found["id"])
    rows = await queries.webhook_deliveries(found["id"], decode_cursor(params["cursor"]),
                                            limit + 1)
    rows, cursor = paginate(rows, limit, lambda row: row["id"])
    return json_response({
        "webhook_id": found["id"],
        "position": {"seq": position["position"], "attempt": position["attempt"],
                     "failing_since": position["failing_since"],
                     "next_attempt_at": position["next_attempt_at"]} if position else None,
        "deliveries": [delivery_json(row) for row in rows], "next_cursor": cursor})


@routes.post("/webhooks/{webhook_id}/replay", summary="Deliver again from a sequence number",
             ok={202: w.ReplayAcceptedSchema}, body=w.ReplaySchema, scope=RESOURCE,
             operation_id="replay_webhook")
async def replay_webhook(request: web.Request) -> web.Response:
    data = replay_schema.load(await read_json(request))
    await _webhook(request)  # another organization's is a 404 before any other answer
    head = (await backend(request).store.head()).seq
    if data["from_seq"] > head + 1:
        raise ReplayPastHead(data["from_seq"], head)
    command = ReplayWebhook(principal(request).org_id, request.match_info["webhook_id"],
                            data["from_seq"])
    return _woken(request, await perform(request, checked(request, command),
                                         lambda result: (202, result, {})))
