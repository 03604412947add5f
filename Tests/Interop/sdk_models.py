"""Every answer the Authlete SDK parses is checked against the SDK's own model classes (V3 DTOs).

The SDK builds its objects leniently: a member of the wrong type is kept as it came, and an enum value it
does not know raises only when the member is read. So each response body is checked here, member by member
and into nested objects and lists, against the types the DTO class declares (str, int, bool, float, an Enum
by its names, a nested DTO); and each member the DTO declares but warrant's OpenAPI export does not have for
that operation must be listed, with Authlete's own document, in Tests/Contract/authlete-coverage.yaml (or
be one the SDK has and Authlete's 3.0 document no longer does). `report()` prints what was checked and
fails the run on any problem.
"""
import json
import re
from enum import Enum

import yaml
from authlete.api.authlete_api_impl import AuthleteApiImpl
from authlete.types.jsonable import Jsonable

problems = []
checked = {"bodies": 0, "members": 0}
_current = {}


def declared(cls):
    """The (name, type) pairs a DTO class declares, read by building one with the constructor patched."""
    captured = {}
    original = Jsonable.__init__

    def capture(self, nameAndValues=None, nameAndTypes=None):
        if nameAndTypes:
            captured.update(nameAndTypes if isinstance(nameAndTypes, dict) else {})
        original(self, nameAndValues, nameAndTypes)

    Jsonable.__init__ = capture
    try:
        cls()
    finally:
        Jsonable.__init__ = original
    return captured


def check_value(kind, value, where):
    if value is None:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_value(kind, item, f"{where}[{index}]")
        return
    checked["members"] += 1
    if isinstance(kind, type) and issubclass(kind, Jsonable):
        if not isinstance(value, dict):
            problems.append(f"{where}: the SDK reads an object ({kind.__name__}), warrant sent {json.dumps(value)[:60]}")
            return
        check_object(kind, value, where)
    elif isinstance(kind, type) and issubclass(kind, Enum):
        if value not in kind.__members__:
            problems.append(f"{where}: {json.dumps(value)} is not a value of the SDK's {kind.__name__}")
    elif kind is bool and not isinstance(value, bool):
        problems.append(f"{where}: the SDK reads a boolean, warrant sent {json.dumps(value)[:60]}")
    elif kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        problems.append(f"{where}: the SDK reads an integer, warrant sent {json.dumps(value)[:60]}")
    elif kind is float and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        problems.append(f"{where}: the SDK reads a number, warrant sent {json.dumps(value)[:60]}")
    elif kind is str and not isinstance(value, str):
        problems.append(f"{where}: the SDK reads a string, warrant sent {json.dumps(value)[:60]}")


def check_object(cls, body, where):
    for name, kind in declared(cls).items():
        check_value(kind, body.get(name), f"{where}.{name}")


class Contract:
    """Warrant's response members per operation, and the gaps the coverage file lists with reasons."""

    def __init__(self):
        self.warrant = yaml.safe_load(open("Generated/openapi.yaml"))
        coverage = yaml.safe_load(open("Tests/Contract/authlete-coverage.yaml"))
        authlete = yaml.safe_load(open("Tests/Contract/authlete-openapi/openapi.yaml"))
        self.listed = {}
        for operation, parts in coverage["fields"].items():
            names = {n for entry in parts.get("response", []) for n in entry["names"]}
            self.listed[self.normal(operation)] = names
        self.authlete = {}
        for path, methods in authlete["paths"].items():
            for method, operation in methods.items():
                if isinstance(operation, dict):
                    self.authlete[self.normal(f"{method.upper()} {path}")] = self.members(authlete, operation)

    @staticmethod
    def normal(operation):
        return re.sub(r"\{[^}]*\}", "{}", operation)

    @staticmethod
    def members(document, operation):
        def resolve(schema):
            while isinstance(schema, dict) and "$ref" in schema:
                part = schema["$ref"].split("/")
                schema = document["components"][part[-2]][part[-1]]
            return schema

        names = set()
        for status, response in (operation.get("responses") or {}).items():
            if not str(status).startswith("2"):
                continue
            for content in (resolve(response).get("content") or {}).values():
                schema = resolve(content.get("schema", {}))
                for part in [schema] + [resolve(p) for p in schema.get("allOf", [])]:
                    names |= set((part.get("properties") or {}).keys())
        return names

    def served(self, method, path):
        """The template of warrant's operation the request went to (literal segments before parameters), and
        its response members; None when warrant has no such operation."""
        best = None
        for template, methods in self.warrant["paths"].items():
            item = methods.get(method.lower())
            pattern = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template)) + "$"
            if item is None or not re.match(pattern, path):
                continue
            literal = len(re.sub(r"\{[^}]*\}", "", template))
            if best is None or literal > best[0]:
                best = (literal, self.normal(f"{method.upper()} {template}"), self.members(self.warrant, item))
        return None if best is None else best[1:]


_contract = None


def _check(method, path, cls, body):
    global _contract
    if _contract is None:
        _contract = Contract()
    found = _contract.served(method, path)
    if found is None:
        problems.append(f"{method} {path}: the SDK calls it, warrant does not serve it")
        return
    operation, served = found
    checked["bodies"] += 1
    if isinstance(body, dict):
        check_object(cls, body, cls.__name__)
    listed = _contract.listed.get(operation, set())
    in_authlete = _contract.authlete.get(operation, set())
    for name in declared(cls):
        if name not in served and name not in listed and name in in_authlete:
            problems.append(f"{operation}: the SDK's {cls.__name__}.{name} is neither served nor listed with a reason")


def check_body(cls, method, path, body):
    """Checks a body fetched without the SDK (where the SDK's own method is broken) as the SDK would parse it."""
    _check(method, path, cls, body)


def self_test():
    """The check must catch what it is for: a wrong type, an unknown enum value, a nested object of the wrong kind."""
    from authlete.dto.service import Service

    before = len(problems)
    check_object(Service, {"accessTokenDuration": "86400", "supportedGrantTypes": ["AUTHORIZATION_CODE", "MAGIC"],
                           "supportedScopes": ["openid"], "pkceRequired": 1}, "Service")
    found = problems[before:]
    del problems[before:]
    expected = ["Service.accessTokenDuration", "Service.supportedGrantTypes[1]", "Service.supportedScopes[0]", "Service.pkceRequired"]
    missing = [where for where in expected if not any(p.startswith(where + ":") for p in found)]
    if missing or len(found) != len(expected):
        raise AssertionError(f"the SDK model check missed {missing} (found {found})")
    print("ok: the SDK model check catches a string integer, an unknown enum value, a scope as a string and 1 for a boolean")


def install():
    """Checks every body the SDK parses from here on."""
    call = AuthleteApiImpl._AuthleteApiImpl__callApi
    deserialize = AuthleteApiImpl._AuthleteApiImpl__deserializeResponseBody

    def calling(self, method, credentials, path, queryParams, requestBody, responseClass):
        _current["call"] = (method, path)
        return call(self, method, credentials, path, queryParams, requestBody, responseClass)

    def parsing(self, body, responseClass):
        if body is not None and responseClass is not None:
            method, path = _current.get("call", ("?", "?"))
            _check(method, path, responseClass, json.loads(body))
        return deserialize(self, body, responseClass)

    AuthleteApiImpl._AuthleteApiImpl__callApi = calling
    AuthleteApiImpl._AuthleteApiImpl__deserializeResponseBody = parsing


def report():
    print(f"SDK models: {checked['bodies']} bodies, {checked['members']} members checked against the SDK's classes")
    if problems:
        for problem in sorted(set(problems)):
            print("  " + problem)
        raise AssertionError(f"{len(set(problems))} answers do not fit the SDK's models")
