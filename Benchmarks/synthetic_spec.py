#!/usr/bin/env python3
"""Writes a synthetic spec of N structures and M endpoints (default 1,000 and 300) split over F files (default 10).

Every structure has fields of each kind (scalars, lists, maps, enums, nested structures) with constraints,
and every endpoint has path, query and header parameters, a JSON-and-form body and two responses, so the
generator does all of its work. Usage: synthetic_spec.py OUTPUT_DIR [STRUCTURES] [ENDPOINTS] [FILES]
"""
import os
import sys

out = sys.argv[1]
structures = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
endpoints = int(sys.argv[3]) if len(sys.argv) > 3 else 300
areas = int(sys.argv[4]) if len(sys.argv) > 4 else 10
os.makedirs(out, exist_ok=True)

for area in range(areas):
    lines = []
    if area == 0:
        lines += [
            "info: { title: Synthetic, version: 1.0.0, description: A generated spec for timing specgen. }",
            "securitySchemes:",
            "  token: { type: bearer, description: A bearer token. }",
            "enums:",
            "  Status:",
            "    description: A status.",
            "    values: { ACTIVE: Active., PAUSED: Paused., CLOSED: Closed. }",
        ]
    lines.append("structures:")
    for s in range(area, structures, areas):
        nested = f"Thing{s - 1}" if s > 0 else "Status"
        lines += [
            f"  Thing{s}:",
            f"    description: Synthetic structure number {s}.",
            "    fields:",
            "      id: { type: string, required: true, minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$', description: The ID. }",
            "      count: { type: int32, minimum: 0, maximum: 1000, default: 1, description: A count. }",
            "      total: { type: int64, description: A total. }",
            "      ratio: { type: double, minimum: 0, maximum: 1, description: A ratio. }",
            "      active: { type: bool, default: true, description: Whether it is on. }",
            "      status: { type: Status, description: The status. }",
            "      tags: { type: '[string]', maxItems: 10, uniqueItems: true, description: Tags. }",
            "      labels: { type: '{string: string}', description: Labels. }",
            "      link: { type: url, description: A link. }",
            "      extra: { type: json-string, description: Extra JSON. }",
            f"      parent: {{ type: '[{nested}]', description: Related items. }}",
        ]
    lines.append("endpoints:")
    for e in range(area, endpoints, areas):
        body = f"Thing{(e * 3) % structures}"
        lines += [
            f"  operation{e}:",
            f"    summary: Synthetic operation number {e}.",
            "    method: POST",
            f"    path: /things/{{thingId}}/op{e}",
            "    security: [token]",
            "    parameters:",
            "      thingId: { in: path, type: string, minLength: 1, description: The thing. }",
            "      limit: { in: query, type: int32, default: 10, minimum: 1, maximum: 100, description: Page size. }",
            "      X-Trace: { in: header, type: string, description: A trace ID. }",
            f"    request: {{ body: {body}, contentTypes: [json, form] }}",
            "    responses:",
            f"      200: {{ body: {body}, description: Done. }}",
            "      404: { body: Status, description: Not found. }",
        ]
    with open(os.path.join(out, f"area{area}.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
