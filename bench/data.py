"""The bench's data: synced Workday worker records, the 50 mapped fields of the values
workload, and the preview request. Deterministic, so every run sends the same bytes.

A record is a trimmed Workday worker (the catalogue's sample without hrefs and nested
ids): about 1,000 bytes as compact JSON, so that a chunk of 1000, sent as compact JSON,
fits the service's 1 MiB request body. A chunk of 1000 copies of the full sample (1.5 KB
each) would not fit, so it could not be synced in one call at all.
"""

import json
import re
from typing import Any

CATEGORY, MODEL = "HRIS", "employee"

TITLES = ["Senior Payroll Analyst", "Payroll Analyst", "HR Business Partner", "Recruiter",
          "Software Engineer", "Staff Engineer", "Account Executive", "Office Manager"]
PROFILES = ["Payroll Analyst III", "Payroll Analyst II", "HRBP II", "Recruiter I",
            "Engineer III", "Engineer V", "AE II", "Office Manager I"]
LOCATIONS = [("Chicago - West Loop", "United States of America", "USA"),
             ("Toronto - King West", "Canada", "CAN"),
             ("Berlin - Mitte", "Germany", "DEU"),
             ("Stockholm - Norrmalm", "Sweden", "SWE")]
FIRST = ["Marisol", "Dana", "Oliver", "Helena", "Tobias", "Renee", "Kwame", "Aiko", "Lena",
         "Tariq", "Ines", "Bruno"]
LAST = ["Okafor", "Whitfield", "Brandt", "Vasquez", "Lindqvist", "Castillo", "Mensah",
        "Tanaka", "Fischer", "Haddad", "Moreau", "Silva"]
SIZES = ["XS", "S", "M", "L", "XL"]
LANGUAGES = ["English", "Yoruba", "French", "German", "Swedish", "Spanish", "Japanese"]
WORKER_TYPES = ["Employee", "Contingent Worker"]


def record(i: int) -> dict[str, Any]:
    """The upstream row of worker number `i`."""
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    title = TITLES[i % len(TITLES)]
    site, country, iso = LOCATIONS[i % len(LOCATIONS)]
    email = f"{first.lower()}.{last.lower()}{i}@brightwave.com"
    return {
        "id": f"{i:032x}",
        "descriptor": f"{first} {last}",
        "workerId": str(21000 + i),
        "workerType": {"descriptor": WORKER_TYPES[int(i % 7 == 0)]},
        "businessTitle": title,
        "isManager": i % 9 == 0,
        "hireDate": f"{2010 + i % 14}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "primaryWorkEmail": email,
        "emailAddresses": [{"emailAddress": email, "usageType": {"descriptor": "Work"},
                            "primary": True}],
        "phoneNumbers": [{"formattedPhone": f"+1 (312) 555-{i % 10000:04d}",
                          "deviceType": {"descriptor": "Mobile"},
                          "usageType": {"descriptor": "Work"}, "primary": True}],
        "primaryJob": {
            "descriptor": f"P-{i:05d} {title}",
            "jobProfile": {"descriptor": PROFILES[i % len(PROFILES)]},
            "supervisoryOrganization": {"descriptor": "Payroll Operations"},
            "location": {"descriptor": site, "country": {
                "descriptor": country, "ISO_3166-1_Alpha-3_Code": iso}},
        },
        "customObjects": {"workerPreferences": {
            "shirtSize": SIZES[i % len(SIZES)],
            "yearsOfIndustryExperience": i % 30,
            "remoteEligible": i % 2 == 0,
            "languagesSpoken": [LANGUAGES[i % len(LANGUAGES)],
                                LANGUAGES[(i + 3) % len(LANGUAGES)]],
            "afterHoursContactPhone": f"+1 (312) 555-{(i * 7) % 10000:04d}",
        }},
    }


def sync_body(start: int, count: int) -> str:
    """One sync call's body, as compact JSON."""
    return json.dumps({"category": CATEGORY, "model": MODEL,
                       "records": [{"remote_id": f"emp-{i:06d}", "data": record(i)}
                                   for i in range(start, start + count)]},
                      separators=(",", ":"))


_PREFS = "customObjects.workerPreferences"

# (name, type, options, json_path): typical mappings of a Workday worker, 50 in all
_FIELDS: list[tuple[str, str, list[str], str]] = [
    ("display_name", "text", [], "descriptor"),
    ("worker_id", "text", [], "workerId"),
    ("worker_number", "number", [], "workerId"),
    ("worker_type", "multiselect", WORKER_TYPES, "workerType.descriptor"),
    ("business_title", "text", [], "businessTitle"),
    ("is_manager", "text", [], "isManager"),
    ("hire_date", "text", [], "hireDate"),
    ("work_email", "text", [], "primaryWorkEmail"),
    ("first_work_email", "text", [], "emailAddresses[?usageType.descriptor == 'Work']"
                                     ".emailAddress | [0]"),
    ("email_count", "number", [], "length(emailAddresses)"),
    ("primary_phone", "text", [], "phoneNumbers[?primary].formattedPhone | [0]"),
    ("mobile_phone", "text", [], "phoneNumbers[?deviceType.descriptor == 'Mobile']"
                                 ".formattedPhone | [0]"),
    ("phone_count", "number", [], "length(phoneNumbers)"),
    ("position", "text", [], "primaryJob.descriptor"),
    ("job_profile", "text", [], "primaryJob.jobProfile.descriptor"),
    ("supervisory_org", "text", [], "primaryJob.supervisoryOrganization.descriptor"),
    ("work_location", "text", [], "primaryJob.location.descriptor"),
    ("country", "text", [], "primaryJob.location.country.descriptor"),
    ("country_code", "text", [], "primaryJob.location.country.\"ISO_3166-1_Alpha-3_Code\""),
    ("shirt_size", "multiselect", SIZES, f"{_PREFS}.shirtSize"),
    ("years_experience", "number", [], f"{_PREFS}.yearsOfIndustryExperience"),
    ("remote_eligible", "text", [], f"{_PREFS}.remoteEligible"),
    ("languages", "multiselect", LANGUAGES, f"{_PREFS}.languagesSpoken"),
    ("languages_text", "text", [], f"join(', ', {_PREFS}.languagesSpoken)"),
    ("first_language", "text", [], f"{_PREFS}.languagesSpoken[0]"),
    ("after_hours_phone", "text", [], f"{_PREFS}.afterHoursContactPhone"),
    ("upstream_id", "text", [], "id"),
    ("title_again", "text", [], "businessTitle"),
    ("title_length", "number", [], "length(businessTitle)"),
    ("hire_year", "text", [], "hireDate"),
    ("manager_flag", "text", [], "to_string(isManager)"),
    ("country_and_site", "text", [], "join(' / ', [primaryJob.location.country.descriptor, "
                                     "primaryJob.location.descriptor])"),
    ("profile_level", "text", [], "primaryJob.jobProfile.descriptor"),
    ("email_domain_hint", "text", [], "primaryWorkEmail"),
    ("has_phone", "text", [], "to_string(length(phoneNumbers) > `0`)"),
    ("missing_path", "text", [], "customObjects.notThere.value"),
    ("years_as_text", "text", [], f"to_string({_PREFS}.yearsOfIndustryExperience)"),
    ("size_again", "multiselect", SIZES, f"{_PREFS}.shirtSize"),
    ("title_number", "number", [], "businessTitle"),  # a TYPE_MISMATCH on every row
    ("worker_kind", "text", [], "workerType.descriptor"),
    ("work_usage", "text", [], "emailAddresses[0].usageType.descriptor"),
    ("primary_flag", "text", [], "emailAddresses[0].primary"),
    ("device", "text", [], "phoneNumbers[0].deviceType.descriptor"),
    ("phone_usage", "text", [], "phoneNumbers[0].usageType.descriptor"),
    ("name_parts", "text", [], "join('|', [descriptor, workerId])"),
    ("position_code", "text", [], "primaryJob.descriptor"),
    ("org_name", "text", [], "primaryJob.supervisoryOrganization.descriptor"),
    ("language_count", "number", [], f"length({_PREFS}.languagesSpoken)"),
    ("experience_band", "number", [], f"{_PREFS}.yearsOfIndustryExperience"),
    ("iso_code", "text", [], "primaryJob.location.country.\"ISO_3166-1_Alpha-3_Code\""),
]
VALUE_FIELDS = _FIELDS
assert len(VALUE_FIELDS) == 50
_PLAIN = re.compile(r'^(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]*")(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]*")'
                    r'|\[[0-9]+\])*$')


def document_path(expression: str, model: str = MODEL) -> str:
    """A mapping's expression for one over the upstream record itself (as in
    `VALUE_FIELDS`): mappings are evaluated over the raw document,
    `{"data": {"<model>": record}}`. A plain path is prefixed (and stays a plain path);
    any other expression is given the record through a pipe."""
    if _PLAIN.match(expression):
        return f"data.{model}.{expression}"
    return f"data.{model} | {expression}"


def raw_document(record_: dict[str, Any]) -> dict[str, Any]:
    return {"data": {MODEL: record_}}


def field_body(name: str, type_: str, options: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "category": CATEGORY, "model": MODEL, "type": type_}
    if options:
        body["options"] = [{"value": v} for v in options]
    return body


PREVIEW_EXPRESSION = "phoneNumbers[?primary].formattedPhone | [0]"


def preview_body(sample: dict[str, Any]) -> str:
    """A preview of a typical expression against an inline document (`raw_data`)."""
    return json.dumps({"category": CATEGORY, "model": MODEL, "json_path": PREVIEW_EXPRESSION,
                       "raw_data": sample})
