"""A test client for /api/v1 that checks every answer against the OpenAPI document.

Each call names the documented path template (`/teams/{team_id}`) and its parameters, so the check
looks up exactly that operation: the status must be one it documents and the body must match its schema.
"""
from __future__ import annotations

import re

from jsonschema import Draft202012Validator

from tests.web import access_matrix as m

PREFIX = "/api/v1"


class ApiClient:
    def __init__(self, client, username: str | None):
        self.client = client
        self.headers = m.issue_token(username) if username else {}
        self.doc = client.get(f"{PREFIX}/openapi.json").get_json()
        self.checked: list[tuple[str, str, int]] = []

    def call(self, method: str, template: str, json=None, data=None, headers=None, query: str = "", **params):
        path = template
        for name, value in params.items():
            path = path.replace("{" + name + "}", str(value))
        assert not re.search(r"\{\w+\}", path), f"missing parameters for {template}"
        kwargs = {"json": json} if json is not None else {}
        if data is not None:
            kwargs = {"data": data, "content_type": "application/json"}
        response = self.client.open(PREFIX + path + query, method=method.upper(),
                                    headers={**self.headers, **(headers or {})}, **kwargs)
        self.check(method, template, response)
        return response

    def get(self, template, **kw):
        return self.call("get", template, **kw)

    def post(self, template, **kw):
        return self.call("post", template, **kw)

    def patch(self, template, **kw):
        return self.call("patch", template, **kw)

    def check(self, method: str, template: str, response) -> None:
        operation = self.doc["paths"].get(template, {}).get(method.lower())
        assert operation is not None, f"{method.upper()} {template} is not in the OpenAPI document"
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, (f"{method.upper()} {template} answered {response.status_code}, "
                                        f"which it does not document: {response.get_data(as_text=True)[:300]}")
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            assert response.is_json, f"{method.upper()} {template} {response.status_code}: not JSON"
            validate(self.doc, schema, response.get_json())
        self.checked.append((method.upper(), template, response.status_code))


def validate(doc: dict, schema: dict, instance) -> None:
    """Raise jsonschema.ValidationError unless `instance` matches `schema` (refs into doc's components)."""
    Draft202012Validator({**schema, "components": doc["components"]}).validate(instance)
