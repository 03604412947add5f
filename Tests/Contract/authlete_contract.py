#!/usr/bin/env python3
"""The Authlete contract check: warrant's OpenAPI export against Authlete's own OpenAPI document.

For every operation of Authlete's document (Tests/Contract/authlete-openapi/openapi.yaml, version 3.0.16,
MIT licence), warrant either serves it (same method and path) or Tests/Contract/authlete-coverage.yaml
gives the reason it does not. For every operation both serve, each request field (body members, and path
and query parameters) and each member of the success response is either in warrant's with the same JSON
type, or listed with a reason; so is each `action` value. The check fails when something is missing
without a reason, when a type differs without one, and when a listed gap is in fact served (the list
must shrink as warrant grows). It prints the coverage figures.

Usage: authlete_contract.py [--warrant OPENAPI] [--coverage FILE] [--write-skeleton FILE]
(the defaults are the committed files; the skeleton lists every gap, with the reasons known so far)
"""
import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
AUTHLETE = ROOT / "Tests/Contract/authlete-openapi/openapi.yaml"
WARRANT = ROOT / "Generated/openapi.yaml"
COVERAGE = ROOT / "Tests/Contract/authlete-coverage.yaml"
METHODS = ("get", "post", "put", "patch", "delete")


class Document:
    def __init__(self, path):
        self.doc = yaml.safe_load(path.read_text())

    def resolve(self, node, seen=()):
        """A schema with its $ref and allOf followed (a cycle stops the walk)."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return {}
            seen = seen + (ref,)
            target = self.doc
            for part in ref.lstrip("#/").split("/"):
                target = target[part]
            node = target
        if isinstance(node, dict) and "allOf" in node:
            merged = {"type": "object", "properties": {}}
            for part in node["allOf"]:
                part = self.resolve(part, seen)
                merged["properties"].update(part.get("properties", {}))
            return merged
        return node or {}

    def kind(self, schema):
        """The JSON type of a schema: string, integer, number, boolean, object, array<…> or any."""
        schema = self.resolve(schema)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if len(kinds) == 1 else None
        if kind is None:
            for key in ("oneOf", "anyOf"):
                if key in schema:
                    kinds = {self.kind(option) for option in schema[key]} - {"null"}
                    kind = kinds.pop() if len(kinds) == 1 else None
                    if kind:
                        return kind
            if "properties" in schema:
                return "object"
            if "enum" in schema:
                return "string"
            return "any"
        if kind == "array":
            return "array<" + self.kind(schema.get("items", {})) + ">"
        return kind

    def members(self, schema):
        schema = self.resolve(schema)
        return {name: self.kind(member) for name, member in schema.get("properties", {}).items()}

    def actions(self, schema):
        schema = self.resolve(schema)
        action = self.resolve(schema.get("properties", {}).get("action", {}))
        return set(action.get("enum", []))

    def operations(self):
        found = {}
        for path, item in self.doc["paths"].items():
            for method in METHODS:
                if method not in item:
                    continue
                op = item[method]
                request = {}
                # Path parameters are positional: their names are not on the wire, so paths are compared with
                # `{}` for each and the parameters are left out of the fields.
                for parameter in item.get("parameters", []) + op.get("parameters", []):
                    parameter = self.resolve(parameter)
                    if parameter.get("in") == "query":
                        request[parameter["name"]] = self.kind(parameter.get("schema", {}))
                body = self.resolve(op.get("requestBody", {})).get("content", {})
                for media in ("application/json", "application/x-www-form-urlencoded"):
                    if media in body:
                        request.update(self.members(body[media].get("schema", {})))
                        break
                response, actions = {}, set()
                for status in sorted(op.get("responses", {})):
                    if status.startswith("2"):
                        content = self.resolve(op["responses"][status]).get("content", {})
                        schema = content.get("application/json", {}).get("schema")
                        if schema is not None:
                            response, actions = self.members(schema), self.actions(schema)
                            break
                found[normalized(f"{method.upper()} {path}")] = {
                    "name": f"{method.upper()} {path}", "request": request, "response": response, "actions": actions}
        return found


def normalized(operation):
    """An operation's method and path with `{}` for each path parameter, whatever its name."""
    return re.sub(r"{[^}]*}", "{}", operation)


def same_kind(authlete, warrant):
    # Authlete writes some free-form members as objects or arrays without a schema; "any" matches them.
    return authlete == warrant or "any" in (authlete, warrant) or authlete.replace("any", "object") == warrant.replace("any", "object")


def listed(entry):
    """The names a coverage entry gives reasons for: {reason: [names]} or [{reason, names}]."""
    names = {}
    for group in entry or []:
        for name in group.get("names", []):
            names[name] = group["reason"]
    return names


def main():
    arguments = argparse.ArgumentParser()
    arguments.add_argument("--warrant", type=Path, default=WARRANT)
    arguments.add_argument("--coverage", type=Path, default=COVERAGE)
    arguments.add_argument("--write-skeleton", type=Path)
    options = arguments.parse_args()
    authlete = Document(AUTHLETE).operations()
    warrant = Document(options.warrant).operations()
    coverage = yaml.safe_load(options.coverage.read_text()) if options.coverage.exists() else {}
    # The coverage file names operations as Authlete's document writes them.
    missing_ops = {normalized(name): reason for name, reason in (coverage.get("operations", {}) or {}).items()}
    gaps = {normalized(name): entry for name, entry in (coverage.get("fields", {}) or {}).items()}
    problems = []
    skeleton = {"operations": {}, "fields": {}}

    served = sorted(set(authlete) & set(warrant))
    for name in sorted(set(authlete) - set(warrant)):
        if name not in missing_ops:
            problems.append(f"{authlete[name]['name']}: not served and not listed in authlete-coverage.yaml")
        skeleton["operations"][authlete[name]["name"]] = missing_ops.get(name, "TODO")
    for name in sorted(missing_ops):
        if name in warrant:
            problems.append(f"{warrant[name]['name']}: listed as not served, but warrant serves it (remove it from the list)")
        elif name not in authlete:
            problems.append(f"{name}: listed, but Authlete has no such operation")

    totals = {"request": [0, 0], "response": [0, 0], "actions": [0, 0]}
    for key in served:
        theirs, ours = authlete[key], warrant[key]
        name = theirs["name"]
        entry = gaps.get(key, {}) or {}
        op_skeleton = {}
        for part in ("request", "response"):
            reasons = listed(entry.get(part))
            differing = listed(entry.get(part + "Types"))
            unmatched = []
            for field, kind in sorted(theirs[part].items()):
                totals[part][1] += 1
                if field in ours[part] and same_kind(kind, ours[part][field]):
                    totals[part][0] += 1
                    if field in reasons:
                        problems.append(f"{name}: {part} field {field} is listed as missing, but warrant has it")
                    continue
                if field in ours[part]:
                    if field not in differing:
                        problems.append(f"{name}: {part} field {field} is {ours[part][field]} in warrant, {kind} in Authlete's")
                    continue
                unmatched.append(field)
                if field not in reasons:
                    problems.append(f"{name}: {part} field {field} ({kind}) is missing and not listed")
            for field in reasons:
                if field not in theirs[part]:
                    problems.append(f"{name}: {part} field {field} is listed, but Authlete's operation has no such field")
            if unmatched:
                op_skeleton[part] = [{"reason": "TODO", "names": unmatched}]
        action_reasons = listed(entry.get("actions"))
        unmatched = []
        for action in sorted(theirs["actions"]):
            totals["actions"][1] += 1
            if action in ours["actions"]:
                totals["actions"][0] += 1
                if action in action_reasons:
                    problems.append(f"{name}: action {action} is listed as missing, but warrant has it")
            else:
                unmatched.append(action)
                if action not in action_reasons:
                    problems.append(f"{name}: action {action} is missing and not listed")
        if unmatched:
            op_skeleton["actions"] = [{"reason": "TODO", "names": unmatched}]
        if op_skeleton:
            skeleton["fields"][name] = op_skeleton
    for key in gaps:
        if key not in served:
            problems.append(f"{key}: has field reasons, but is not an operation both serve")

    if options.write_skeleton:
        options.write_skeleton.write_text(yaml.safe_dump(skeleton, sort_keys=False, width=200))

    def share(pair):
        return f"{pair[0]} of {pair[1]} ({100 * pair[0] / pair[1]:.0f}%)" if pair[1] else "none"

    print(f"operations: warrant serves {len(served)} of Authlete's {len(authlete)} ({100 * len(served) / len(authlete):.0f}%)")
    print(f"request fields of those operations: {share(totals['request'])}")
    print(f"response fields of those operations: {share(totals['response'])}")
    print(f"action values of those operations: {share(totals['actions'])}")
    print(f"operations warrant adds: {len(set(warrant) - set(authlete))}")
    if problems:
        print(f"\n{len(problems)} problems:")
        for problem in problems:
            print("  " + problem)
        sys.exit(1)
    print("every gap has its reason")


if __name__ == "__main__":
    main()
