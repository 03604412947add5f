"""warrant exporting spans with OTLP over HTTP to a collector on 127.0.0.1 (see .ci/tracing.sh). The collector
here is a plain HTTP server that decodes each export with opentelemetry-proto, the protocol's own classes:

  - every request has a server span named by its route, with the status, under the caller's W3C traceparent;
  - each unit of database work is a client span under its request's span;
  - the resource says service.name=warrant;
  - no span holds a token, a secret or a query;
  - the spans of the last requests arrive when warrant stops with SIGTERM (the exporter flushes);
  - --otlp-endpoint takes the collector's base URL, the exporter sends OTEL_EXPORTER_OTLP_HEADERS, and
    warrant's log (at debug) holds none of their values; the flag with an endpoint variable is refused.

usage: otlp.py WARRANT_BINARY WORK_DIR
"""

import os
import secrets
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Faults"))
from faults import TOKEN, Server, check, failures  # noqa: E402

spans, resources, paths, authorizations, lock = [], [], [], [], threading.Lock()
HEADER_SECRET = "collector-credential-" + secrets.token_hex(8)


class Collector(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        export = ExportTraceServiceRequest()
        export.ParseFromString(body)
        with lock:
            paths.append(self.path)
            authorizations.append(self.headers.get("Authorization"))
            for resource_spans in export.resource_spans:
                resources.append({a.key: a.value.string_value for a in resource_spans.resource.attributes})
                for scope in resource_spans.scope_spans:
                    spans.extend(scope.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()
        self.wfile.write(b"")

    def log_message(self, *args):
        pass


def attributes(span):
    values = {}
    for attribute in span.attributes:
        value = attribute.value
        values[attribute.key] = value.string_value if value.HasField("string_value") else value.int_value
    return values


def main():
    binary, work = sys.argv[1], sys.argv[2]
    collector = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}"
    os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "200"
    os.environ["OTEL_EXPORTER_OTLP_HEADERS"] = f"authorization=Bearer {HEADER_SECRET}"
    os.environ["WARRANT_LOG_LEVEL"] = "debug"

    print("== --otlp-endpoint and OTEL_EXPORTER_OTLP_ENDPOINT together are refused")
    both = subprocess.run([binary, "serve", "--port", "0", "--database", ":memory:", "--otlp-endpoint", endpoint],
                          env=dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint), capture_output=True, text=True, timeout=60)
    check(both.returncode != 0 and "Name the collector once" in both.stderr, f"refused (exit {both.returncode})")

    print("== spans exported with OTLP/HTTP to a collector")
    log = os.path.join(work, "traced.log")
    server = Server(binary, os.path.join(work, "traced.sqlite"), log=log, args=["--otlp-endpoint", endpoint]).start()
    service, client, secret = server.setup()
    status, token = server.token(service, client, secret)
    check(status == 200 and token["action"] == "OK", "a token issued")
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/{service}/auth/introspection?probe=query-secret", method="POST",
        data=('{"token": "%s"}' % token["accessToken"]).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + TOKEN,
                 "traceparent": f"00-{trace_id}-{parent_id}-01"})
    with urllib.request.urlopen(request, timeout=10) as response:
        check(response.status == 200, "an introspection under the caller's trace")
    server.stop()
    collector.shutdown()

    with lock:
        check(paths and set(paths) == {"/v1/traces"}, f"exports go to /v1/traces of the base URL given: {sorted(set(paths))}")
        check(set(authorizations) == {f"Bearer {HEADER_SECRET}"}, "with the headers OTEL_EXPORTER_OTLP_HEADERS names")
        with open(log, encoding="utf-8", errors="replace") as file:
            logged = file.read()
        check("otel:" in logged and HEADER_SECRET not in logged,
              "swift-otel's diagnostics are in warrant's log, without the headers' values")
        names = [span.name for span in spans]
        check(any(r.get("service.name") == "warrant" for r in resources), "the resource names the service warrant")
        introspection = [s for s in spans if s.name == "POST /api/{serviceId}/auth/introspection"]
        check(len(introspection) == 1, f"one server span for the introspection among {len(spans)}: {sorted(set(names))[:8]}")
        if introspection:
            span = introspection[0]
            check(span.trace_id.hex() == trace_id and span.parent_span_id.hex() == parent_id,
                  "it continues the caller's traceparent")
            check(span.kind == span.SPAN_KIND_SERVER and attributes(span).get("http.response.status_code") == 200,
                  "it is a server span with the status")
            children = [s for s in spans if s.parent_span_id == span.span_id]
            check(children and all(attributes(c).get("db.system.name") == "sqlite" for c in children),
                  f"its database work is {len(children)} client span(s) under it")
        token_spans = [s for s in spans if s.name == "POST /api/{serviceId}/auth/token"]
        check(len(token_spans) == 1, "the token request has its span")
        recorded = repr([(s.name, attributes(s)) for s in spans])
        check(all(value not in recorded for value in (token["accessToken"], secret, "query-secret", TOKEN)),
              "no span holds a token, a secret or the query")
    if failures:
        print(f"{len(failures)} tracing check(s) failed")
        sys.exit(1)
    print("all tracing checks passed")


if __name__ == "__main__":
    main()
