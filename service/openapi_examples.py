"""What the OpenAPI document says beyond the declarations: the error answers by status
(`PROBLEMS`, each with an example), the parameters by name (`PARAMETERS`), and request
and answer examples by operationId (`EXAMPLES`), taken from the two reference documents.
"""

from typing import Any


def _problem_example(status: int, code: str, title: str, detail: str, slug: str
                     ) -> dict[str, Any]:
    return {"type": f"https://custom-fields.dev/problems/{slug}", "title": title,
            "status": status, "detail": detail, "code": code}


# The error answers, as response components: status -> (component, description, extra
# headers, an example). Every one is application/problem+json.
PROBLEMS: dict[int, tuple[str, str, tuple[str, ...], dict[str, Any]]] = {
    400: ("BadRequest", "The request cannot be read: MALFORMED_JSON, JSON_TOO_DEEP, "
          "STRING_TOO_LONG, INVALID_IDEMPOTENCY_KEY, INVALID_IF_MATCH, "
          "MISSING_ORGANIZATION_SLUG", (),
          _problem_example(400, "MALFORMED_JSON", "Bad request", "request body is not valid "
                           "JSON: Expecting value: line 1 column 9 (char 8)", "malformed-json")),
    401: ("Unauthorized", "No API key, or one that is not valid or has been revoked "
          "(UNAUTHORIZED)", ("WWW-Authenticate",),
          _problem_example(401, "UNAUTHORIZED", "Unauthorized", "an API key is required: "
                           "Authorization: Bearer <key>", "unauthorized")),
    403: ("Forbidden", "The organizationSlug header names another organization than the "
          "key's (FORBIDDEN)", (),
          _problem_example(403, "FORBIDDEN", "Forbidden", "the API key does not belong to "
                           "the organization 'globex'", "forbidden")),
    404: ("NotFound", "No such resource in the caller's organization (NOT_FOUND, "
          "CONNECTOR_NOT_FOUND, NO_RAW_DATA): another organization's is not found either",
          (),
          _problem_example(404, "NOT_FOUND", "Not found", "no custom field with id "
                           "'01a2f000-0000-7000-8000-000000000000'", "not-found")),
    409: ("Conflict", "The write conflicts with the stored state (DUPLICATE_NAME, "
          "DUPLICATE_MAPPING, DUPLICATE_OPTION, UNSAFE_TYPE_CHANGE, CONCURRENT_MODIFICATION, "
          "CONNECTOR_DELETED, INTEGRATION_DISABLED, CONFLICT); nothing was written", (),
          _problem_example(409, "DUPLICATE_NAME", "Conflict", "a field named "
                           "'guardian_mobile' already exists on HRIS/employee",
                           "duplicate-name")),
    412: ("PreconditionFailed", "If-Match does not hold: the resource has changed "
          "(PRECONDITION_FAILED); nothing was written", (),
          _problem_example(412, "PRECONDITION_FAILED", "Precondition failed", "the resource "
                           'has changed: its ETag is "7", not "6"', "precondition-failed")),
    413: ("PayloadTooLarge", "The body is over the size limit (PAYLOAD_TOO_LARGE), or a "
          "sync has too many or too large records (TOO_MANY_RECORDS, RECORD_TOO_LARGE)", (),
          _problem_example(413, "TOO_MANY_RECORDS", "Payload too large", "at most 1000 "
                           "records per sync call", "too-many-records")),
    422: ("UnprocessableContent", "The request breaks a rule (VALIDATION_ERROR with "
          "`errors` by attribute, or a precise code: UNKNOWN_CATEGORY, UNKNOWN_MODEL, "
          "UNKNOWN_INTEGRATION, INTEGRATION_NOT_ENABLED, INVALID_JSON_PATH, "
          "IDEMPOTENCY_KEY_REUSED, ...)", (),
          {**_problem_example(422, "VALIDATION_ERROR", "Validation failed",
                              "the request is not valid", "validation-error"),
           "errors": {"name": ["name must be snake_case (e.g. guardian_mobile)"]}}),
    429: ("TooManyRequests", "Over the API key's rate limit (RATE_LIMITED)", ("Retry-After",),
          _problem_example(429, "RATE_LIMITED", "Too many requests", "more than 20 requests "
                           "per second for this API key", "rate-limited")),
    503: ("ServiceUnavailable", "The database is busy or unavailable (STORAGE_UNAVAILABLE); "
          "nothing was written", ("Retry-After",),
          _problem_example(503, "STORAGE_UNAVAILABLE", "Service unavailable", "the database "
                           "is busy or unavailable; nothing was written, retry shortly",
                           "storage-unavailable")),
}

# Parameters read from the query string or the path, documented by name.
CONNECTOR_TOKEN = "cft_ejev1hE_23Wyf3dEnxe_vxfuEy5kd3L1"
FIELD_ID = "018e586b-7d0b-7bc9-be65-a8fdbc82d734"
MAPPING_ID = "018e586b-8a2c-7d3e-9f10-2b3c4d5e6f70"
PARAMETERS: dict[str, dict[str, Any]] = {
    "category": {"description": "A category of the catalogue (HRIS, ATS, CRM)",
                 "example": "HRIS"},
    "model": {"description": "A model of the category (e.g. employee, candidate, person)",
              "example": "employee"},
    "connector_token": {"description": "The token of one of the organization's connectors",
                        "example": CONNECTOR_TOKEN},
    "integration_slug": {"description": "An integration enabled for the organization",
                         "example": "workday"},
    "limit": {"description": "Page size (50 by default, at most 200)"},
    "cursor": {"description": "The next_cursor of the previous page"},
    "field_id": {"description": "A custom field's id"},
    "mapping_id": {"description": "A mapping's id"},
    "option_id": {"description": "An option's id"},
    "webhook_id": {"description": "A webhook subscription's id"},
    "stream_id": {"description": "Only the events of this stream (e.g. field:<id>)"},
    "since": {"description": "Only events recorded at or after this time (ISO 8601)"},
    "until": {"description": "Only events recorded before this time (ISO 8601)"},
    "order": {"description": "asc (oldest first, the default) or desc"},
}


def _named(**examples: Any) -> dict[str, dict[str, Any]]:
    return {name: {"value": value} for name, value in examples.items()}


_GUARDIAN = {"name": "guardian_mobile", "description": "Employee's guardian mobile number",
             "category": "HRIS", "model": "employee"}
_V1_FIELD: dict[str, Any] = {
    "id": FIELD_ID, **_GUARDIAN, "type": "text", "options": [], "number_format": None,
    "source": "API", "created_at": "2026-11-25T08:48:58.360758Z",
    "updated_at": "2026-11-25T08:48:58.360758Z"}
_MAPPING = {"id": MAPPING_ID, "custom_field_id": FIELD_ID, "scope": "organization",
            "integration_slug": "workday", "connector_token": None,
            "json_path": "data.employee.guardian_mobile",
            "created_at": "2026-11-25T08:49:00.464329Z",
            "updated_at": "2026-11-25T08:49:00.464329Z"}
_TAGS = {"id": "field-456", "name": "Tags", "type": "multiselect", "options": [
    {"id": "opt-1", "value": "VIP", "color": "#FFD700"},
    {"id": "opt-2", "value": "Board Member", "color": "#4169E1"},
    {"id": "opt-3", "value": "Sponsor", "color": "#32CD32"}]}
_FUNDING = {"id": "field-abc123", "name": "Funding Round", "type": "multiselect", "options": [
    {"id": "opt-1", "value": "Seed"}, {"id": "opt-2", "value": "Series A"},
    {"id": "opt-3", "value": "Series B"}]}

# Examples by operationId: "request" (one body, or several named ones under
# "requests") and "responses" by status, after the reference documents' flows.
EXAMPLES: dict[str, dict[str, Any]] = {
    "list_models": {"responses": {200: {"models": [
        {"slug": "employee", "display_name": "Employee", "category": "HRIS"}]}}},
    "list_integrations": {"responses": {200: {"integrations": [
        {"slug": "workday", "display_name": "Workday", "categories": ["HRIS"]}]}}},
    "get_raw_data": {"responses": {200: {"data": {"employee": {
        "id": "emp_123", "first_name": "Ada", "guardian_mobile": "+1-555-123-4567"}}}}},
    "preview_json_path": {
        "requests": _named(
            connector={"connector_token": CONNECTOR_TOKEN, "category": "HRIS",
                       "model": "employee", "json_path": "data.employee.guardian_mobile"},
            inline={"category": "HRIS", "model": "employee",
                    "raw_data": {"tags": ["a", "b"]}, "json_path": "length(tags)"}),
        "responses": {200: {"connector_token": CONNECTOR_TOKEN,
                            "json_path": "data.employee.guardian_mobile",
                            "resolved_value": "+1-555-123-4567",
                            "resolved_value_type": "string", "found": True,
                            "raw_data_source": "connector_sync"}}},
    "preview_coverage": {
        "request": {"connector_token": CONNECTOR_TOKEN, "category": "HRIS",
                    "model": "employee", "json_path": "data.employee.guardian_mobile",
                    "custom_field_id": FIELD_ID, "sample": 200},
        "responses": {200: {"rows": 3, "found": 2, "non_null": 2, "types": {
            "string": 2, "null": 1}, "errors": {}, "type_check": {
            "ok": 2, "failed": 0, "codes": {}}, "examples": [
            "+1-555-123-4567", "+1-555-765-4321"], "failing_remote_ids": ["emp_125"]}}},
    "create_custom_field": {
        "request": _GUARDIAN,
        "responses": {201: {"id": FIELD_ID, "status": "SUCCESS"}}},
    "list_custom_fields": {"responses": {200: {"custom_fields": [_V1_FIELD],
                                               "next_cursor": None}}},
    "get_custom_field": {"responses": {200: {**_V1_FIELD, "mappings": [_MAPPING]}}},
    "delete_custom_field": {"responses": {200: {"id": FIELD_ID, "status": "SUCCESS"}}},
    "revert_custom_field": {"request": {"to_version": 2},
                            "responses": {200: {**_V1_FIELD, "mappings": [_MAPPING]}}},
    "create_mapping": {
        "requests": _named(
            integration={"custom_field_id": FIELD_ID, "integration_slug": "workday",
                         "json_path": "data.employee.guardian_mobile"},
            connector={"custom_field_id": FIELD_ID, "connector_token": CONNECTOR_TOKEN,
                       "json_path": "data.employee.guardian_mobile || "
                                    "data.employee.emergency.phone"}),
        "responses": {201: {"id": MAPPING_ID, "status": "SUCCESS"}}},
    "update_mapping": {
        "request": {"json_path": "data.employee.emergency.phone"},
        "responses": {200: {"id": MAPPING_ID, "status": "SUCCESS"}}},
    "delete_mapping": {"responses": {200: {"id": MAPPING_ID, "status": "SUCCESS"}}},
    "get_effective_configuration": {"responses": {200: {
        "connector_token": CONNECTOR_TOKEN, "integration_slug": "workday",
        "category": "HRIS", "model": "employee", "fields": [
            {"custom_field_id": FIELD_ID, **_GUARDIAN,
             "json_path": "data.employee.guardian_mobile", "source": "organization",
             "mapping_id": MAPPING_ID},
            {"custom_field_id": "018e586b-9b3d-7e4f-8a21-3c4d5e6f7a81",
             "name": "favorite_color", "description": None, "category": "HRIS",
             "model": "employee", "json_path": None, "source": None, "mapping_id": None}]}}},
    "sync_records": {"request": {"category": "HRIS", "model": "employee", "records": [
        {"remote_id": "emp_123", "data": {"id": "emp_123", "first_name": "Ada",
                                          "guardian_mobile": "+1-555-123-4567"}}]}},
    "create_connector": {"request": {"integration_slug": "workday", "name": "Workday EU"}},
    "persons_list_custom_fields": {"responses": {200: {"customFields": [
        {"id": "field-123", "name": "Title", "type": "text", "options": []}, _TAGS,
        {"id": "field-789", "name": "Salary", "type": "number", "options": []}]}}},
    "persons_get_custom_field": {"responses": {200: _TAGS}},
    "persons_create_custom_field": {
        "request": {"name": "Funding Round", "type": "multiselect",
                    "options": [{"value": "Seed"}, {"value": "Series A"},
                                {"value": "Series B"}]},
        "responses": {201: _FUNDING}},
    "persons_create_option": {
        "request": {"value": "Series C"},
        "responses": {201: {"id": "option-abc123", "value": "Series C"}}},
    "create_webhook": {
        "request": {"url": "https://crm.example.com/hooks", "events": ["field.*", "mapping.*"],
                    "description": "CRM sync"},
        "responses": {201: {"id": "01a232c7-be0f-701f-b476-4a613b4ce844",
                            "url": "https://crm.example.com/hooks",
                            "events": ["field.*", "mapping.*"], "description": "CRM sync",
                            "created_at": "2026-12-01T18:04:40.847416Z",
                            "updated_at": "2026-12-01T18:04:40.847416Z",
                            "secret": "whsec_mzyw2LimrFJkNd+BodembtV51+0YT38YzEL8VeKatTI="}}},
    "replay_webhook": {"request": {"from_seq": 5}, "responses": {202: {
        "id": "01a232c7-be0f-701f-b476-4a613b4ce844", "from_seq": 5, "status": "REPLAYING"}}},
}
