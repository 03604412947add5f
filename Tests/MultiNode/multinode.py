"""Several warrant processes on one PostgreSQL database, as behind a load balancer (see .ci/multinode.sh):

  - a code issued through node A is redeemed through node B;
  - 50 concurrent redemptions of one code, spread over the nodes: exactly one OK, the rest invalid_grant;
  - the same for 50 concurrent uses of one refresh token;
  - a service update, a client lock, a new client secret and a deleted service access token on A are
    honoured by B within the documented bound (1 s);
  - after a key rotation on A, tokens signed on B (and on A) verify, with joserfc, against the JWKS of either;
  - PostgreSQL killed (SIGKILL) under load and started again: while it is down the nodes answer
    INTERNAL_SERVER_ERROR (and the health check 503) within the database timeout, none crashes, service
    resumes by itself, and every token whose OK answer reached its client introspects as active;
  - the metrics of each node, parsed by prometheus-client, count what happened;
  - a node stopped with SIGTERM answers readiness DRAINING while it goes on serving for its drain delay.

usage: multinode.py WARRANT_BINARY POSTGRES_URL POSTGRES_DIR
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, quote, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Faults"))
from faults import check, failures, free_port  # noqa: E402  (the fault checks' reporting, shared)

TOKEN = "multinode-organization-token-" + secrets.token_hex(16)
REDIRECT = "https://client.example.com/cb"
BOUND = 1.0  # seconds: the README's bound for a change on one node to reach every other
TIMEOUT = 2  # seconds: --database-timeout of the nodes
DRAIN = 2  # seconds: --drain-delay of the nodes

class Node:
    def __init__(self, name, binary, database, work):
        self.name, self.port = name, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, f"{name}.log"), "ab")
        env = dict(os.environ, WARRANT_ORGANIZATION_TOKEN=TOKEN)
        self.process = subprocess.Popen(
            [binary, "serve", "--port", str(self.port), "--database", database, "--database-pool", "8",
             "--database-timeout", str(TIMEOUT), "--drain-delay", str(DRAIN)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self):
        for _ in range(150):
            if self.process.poll() is not None:
                raise SystemExit(f"node {self.name} exited with {self.process.returncode}; see {self.log.name}")
            try:
                if requests.get(self.base + "/api/lifecycle/healthcheck", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise SystemExit(f"node {self.name} did not start")

    def call(self, method, path, body=None, timeout=30):
        response = requests.request(method, self.base + path, json=body, timeout=timeout,
                                    headers={"Authorization": "Bearer " + TOKEN})
        return response.status_code, (response.json() if response.content else None)

    def api(self, service, operation, body):
        status, answer = self.call("POST", f"/api/{service}/{operation}", body)
        if status != 200:
            raise SystemExit(f"{operation} on {self.name}: {status} {answer}")
        return answer

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def metrics(self):
        """Every sample of /metrics, by (name, sorted labels)."""
        response = requests.get(self.base + "/metrics", timeout=10)
        check(response.headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), f"{self.name} serves its metrics")
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return samples


def total(samples, name, **labels):
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and all(dict(sample_labels).get(k) == v for k, v in labels.items()))


def code_on(node, service, client_id):
    """An authorization code issued through `node`."""
    authorization = node.api(service, "auth/authorization", {
        "parameters": f"response_type=code&client_id={client_id}&redirect_uri={quote(REDIRECT, safe='')}&scope=openid"})
    issued = node.api(service, "auth/authorization/issue", {"ticket": authorization["ticket"], "subject": "alice"})
    return parse_qs(urlsplit(issued["responseContent"]).query)["code"][0]


def redeem(node, service, client_id, secret, code):
    return node.api(service, "auth/token", {
        "parameters": f"grant_type=authorization_code&code={code}&redirect_uri={quote(REDIRECT, safe='')}",
        "clientId": client_id, "clientSecret": secret})


def refresh(node, service, client_id, secret, refresh_token):
    return node.api(service, "auth/token", {
        "parameters": f"grant_type=refresh_token&refresh_token={refresh_token}", "clientId": client_id, "clientSecret": secret})


def outcome(answer):
    if answer["action"] == "OK":
        return "OK"
    return json.loads(answer["responseContent"]).get("error", answer["action"])


def seen_within_bound(what, probe):
    """Checks that `probe` (a request to another node) comes true within BOUND of the change just made."""
    changed = time.monotonic()
    while time.monotonic() - changed < 5:
        if probe():
            took = time.monotonic() - changed
            check(took <= BOUND, f"{what} {took:.3f} s after")
            return
        time.sleep(0.02)
    check(False, f"{what}: not within 5 s")


def client_changes(a, b, service_id):
    """A client lock, a new secret and a deleted service access token, made on A, reach B."""
    status, client = a.call("POST", f"/api/{service_id}/client/create", {
        "clientName": "Changed on A", "grantTypes": ["CLIENT_CREDENTIALS"]})
    check(status == 201, f"a second client created on A: {status}")
    client_id, secret = str(client["clientId"]), client["clientSecret"]

    def action(node, client_secret):
        return node.api(service_id, "auth/token", {"parameters": "grant_type=client_credentials", "clientId": client_id,
                                                   "clientSecret": client_secret})["action"]

    check(action(b, secret) == "OK", "B issues tokens to it (and caches it)")
    a.api(service_id, f"client/lock_flag/update/{client_id}", {"clientLocked": True})
    seen_within_bound("B refuses the client A locked", lambda: action(b, secret) != "OK")
    a.api(service_id, f"client/lock_flag/update/{client_id}", {"clientLocked": False})
    seen_within_bound("B serves it again once A unlocked it", lambda: action(b, secret) == "OK")

    status, refreshed = a.call("GET", f"/api/{service_id}/client/secret/refresh/{client_id}")
    check(status == 200, f"A gives the client a new secret: {status}")
    seen_within_bound("B refuses the old secret", lambda: action(b, secret) == "INVALID_CLIENT")
    check(action(b, refreshed["newClientSecret"]) == "OK", "and takes the new one")

    status, token = a.call("POST", f"/api/{service_id}/service/token/create", {"description": "deleted on A"})
    check(status == 201, f"A creates a service access token: {status}")

    def get_service(node):
        response = requests.get(f"{node.base}/api/{service_id}/service/get", timeout=10,
                                headers={"Authorization": "Bearer " + token["accessToken"]})
        return response.status_code

    check(get_service(b) == 200, "B accepts it (and caches it)")
    status, _ = a.call("DELETE", f"/api/{service_id}/service/token/delete/{token['tokenId']}")
    check(status == 204, f"A deletes it: {status}")
    seen_within_bound("B refuses the token A deleted", lambda: get_service(b) == 401)


def concurrently(nodes, count, work):
    """`work(node)` `count` times at once, the calls spread round-robin over the nodes."""
    start = threading.Barrier(count)

    def one(index):
        start.wait()
        return work(nodes[index % len(nodes)])

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def database_restart(nodes, service_id, grant, postgres_dir):
    print("== PostgreSQL killed under load, then started again")
    acknowledged, lock, stop, slow = [], threading.Lock(), threading.Event(), []

    def load(node):
        while not stop.is_set():
            started = time.monotonic()
            try:
                status, answer = node.call("POST", f"/api/{service_id}/auth/token", grant, timeout=TIMEOUT + 10)
            except requests.RequestException as error:
                slow.append(f"{node.name}: {error!r}")
                continue
            took = time.monotonic() - started
            if status == 200 and answer["action"] == "OK":
                with lock:
                    acknowledged.append(answer["accessToken"])
            elif took > TIMEOUT + 1.5:
                slow.append(f"{node.name}: {status} after {took:.1f} s")

    threads = [threading.Thread(target=load, args=(node,)) for node in nodes for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before = len(acknowledged)
    subprocess.run(["bash", ".ci/postgres.sh", "kill", postgres_dir], check=True)
    time.sleep(1)
    down_started = time.monotonic()
    status, answer = nodes[1].call("POST", f"/api/{service_id}/auth/token", grant, timeout=TIMEOUT + 10)
    down_took = time.monotonic() - down_started
    check(status == 500 and answer["action"] == "INTERNAL_SERVER_ERROR" and down_took < TIMEOUT + 1.5,
          f"with the database down a token request answers INTERNAL_SERVER_ERROR after {down_took:.2f} s", (status, answer))
    health = requests.get(nodes[2].base + "/api/lifecycle/healthcheck", timeout=TIMEOUT + 10)
    check(health.status_code == 503, f"the health check answers {health.status_code}")
    ready = requests.get(nodes[2].base + "/api/lifecycle/readiness", timeout=TIMEOUT + 10)
    check(ready.status_code == 503 and ready.json()["status"] == "DATABASE_UNAVAILABLE",
          f"the readiness check answers {ready.status_code} {ready.json().get('status')}")
    time.sleep(2)
    subprocess.run(["bash", ".ci/postgres.sh", "restart", postgres_dir], check=True)
    restarted = time.monotonic()
    resumed = None
    while time.monotonic() - restarted < 20 and resumed is None:
        with lock:
            if len(acknowledged) > before + 50:
                resumed = time.monotonic() - restarted
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join()
    check(resumed is not None, f"service resumed by itself {resumed if resumed is None else round(resumed, 2)} s after the restart")
    check(not slow, "no request waited past the database timeout", slow[:3])
    check(all(node.process.poll() is None for node in nodes), "no node crashed")
    inactive = 0
    for index, token in enumerate(acknowledged):
        status, answer = nodes[index % len(nodes)].call("POST", f"/api/{service_id}/auth/introspection", {"token": token})
        if status != 200 or answer["action"] != "OK":
            inactive += 1
    check(len(acknowledged) > 100 and inactive == 0,
          f"tokens acknowledged and active after the restart: {len(acknowledged) - inactive} of {len(acknowledged)}")


def main():
    binary, database, postgres_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    work = tempfile.mkdtemp(prefix="warrant-multinode-")
    nodes = []
    try:
        # Started together: the schema is migrated once whichever starts first.
        nodes = [Node(name, binary, database, work) for name in ("a", "b", "c")]
        for node in nodes:
            node.wait()
        a, b = nodes[0], nodes[1]
        status, service = a.call("POST", "/api/service/create", {
            "serviceName": "Several nodes", "issuer": "https://nodes.example.com", "accessTokenSignAlg": "ES256",
            "supportedGrantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"],
            "supportedScopes": [{"name": "openid"}, {"name": "read"}]})
        check(status == 201, f"a service created on A: {status}")
        service_id = service["apiKey"]
        status, client = b.call("POST", f"/api/{service_id}/client/create", {
            "clientName": "Everywhere", "redirectUris": [REDIRECT],
            "grantTypes": ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"]})
        check(status == 201, f"its client created on B: {status}")
        client_id, secret = str(client["clientId"]), client["clientSecret"]

        print("== a code issued through A, redeemed through B")
        tokens = redeem(b, service_id, client_id, secret, code_on(a, service_id, client_id))
        check(tokens["action"] == "OK", "B redeems A's code", tokens.get("resultMessage"))

        print("== 50 concurrent redemptions of one code over three nodes")
        code = code_on(a, service_id, client_id)
        outcomes = concurrently(nodes, 50, lambda node: outcome(redeem(node, service_id, client_id, secret, code)))
        check(outcomes.count("OK") == 1 and outcomes.count("invalid_grant") == 49,
              f"one OK and 49 invalid_grant: {sorted(set(outcomes))}, OK {outcomes.count('OK')}")

        print("== 50 concurrent uses of one refresh token over three nodes")
        fresh = redeem(a, service_id, client_id, secret, code_on(a, service_id, client_id))
        refresh_token = fresh["refreshToken"]
        outcomes = concurrently(nodes, 50, lambda node: outcome(refresh(node, service_id, client_id, secret, refresh_token)))
        check(outcomes.count("OK") == 1 and outcomes.count("invalid_grant") == 49,
              f"one OK and 49 invalid_grant: {sorted(set(outcomes))}, OK {outcomes.count('OK')}")

        print(f"== a service update on A is honoured by B within {BOUND} s")
        grant = {"parameters": "grant_type=client_credentials", "clientId": client_id, "clientSecret": secret}
        check(b.api(service_id, "auth/token", grant)["action"] == "OK", "B issues client_credentials (and caches the service)")
        status, current = a.call("GET", f"/api/{service_id}/service/get")
        current["supportedGrantTypes"] = ["AUTHORIZATION_CODE", "REFRESH_TOKEN"]
        status, _ = a.call("POST", f"/api/{service_id}/service/update", current)
        updated = time.monotonic()
        check(status == 200, f"A updates the service: {status}")
        seen = None
        while time.monotonic() - updated < 5:
            if outcome(b.api(service_id, "auth/token", grant)) == "unsupported_grant_type":
                seen = time.monotonic() - updated
                break
            time.sleep(0.02)
        check(seen is not None and seen <= BOUND, f"B refuses client_credentials {seen if seen is None else round(seen, 3)} s after")
        current["supportedGrantTypes"] = ["AUTHORIZATION_CODE", "REFRESH_TOKEN", "CLIENT_CREDENTIALS"]
        a.call("POST", f"/api/{service_id}/service/update", current)
        time.sleep(BOUND)

        print(f"== a client lock, a new client secret and a deleted service access token on A reach B within {BOUND} s")
        client_changes(a, b, service_id)

        print("== a key rotation on A; tokens signed on B and on A verify against the JWKS of either")
        status, rotation = a.call("POST", f"/api/{service_id}/service/jwks/rotate")
        check(status == 200, f"A rotates the keys: {status}")
        rotated = time.monotonic()
        # Each token is checked at once against the JWKS of the other node as it is then, and of its own.
        signed, kids, unverified = 0, set(), []
        # The old key signs on for 0.5 s + the database timeout + 0.5 s (3 s here); then the new one.
        while time.monotonic() - rotated < TIMEOUT + 2.5:
            for node, other in ((b, a), (a, b)):
                answer = node.api(service_id, "auth/token", grant)
                if answer["action"] != "OK":
                    unverified.append((node.name, answer["action"]))
                    continue
                signed += 1
                for verifier in (other, node):
                    status, jwks = verifier.call("GET", f"/api/{service_id}/service/jwks/get")
                    try:
                        decoded = jwt.decode(answer["jwtAccessToken"], KeySet.import_key_set(jwks), algorithms=["ES256"])
                        kids.add(decoded.header["kid"])
                    except Exception as error:  # joserfc's errors, among them no key of that kid
                        unverified.append((node.name, verifier.name, repr(error)))
            time.sleep(0.05)
        check(signed > 0 and not unverified,
              f"{signed} tokens signed on A and B during and after the rotation verify against the JWKS of both", unverified[:3])
        check(set(rotation["activeKeyIds"]) & kids, "the new key signs once every node publishes it")

        database_restart(nodes, service_id, grant, postgres_dir)

        print("== the metrics of each node")
        for node in nodes:
            samples = node.metrics()
            check(total(samples, "warrant_requests_total", operation="authToken", action="OK") > 0
                  and total(samples, "warrant_requests_total", operation="authToken", action="INTERNAL_SERVER_ERROR") > 0,
                  f"{node.name} counts token answers OK and INTERNAL_SERVER_ERROR")
            check(total(samples, "warrant_tokens_issued_total", grant_type="CLIENT_CREDENTIALS") > 0,
                  f"{node.name} counts client_credentials tokens")
            check(total(samples, "warrant_database_failures_total") > 0 and total(samples, "warrant_database_duration_seconds_count") > 0,
                  f"{node.name} counts database work and its failures during the outage")
            check(total(samples, "warrant_cache_sync_polls_total", outcome="failed") > 0
                  and total(samples, "warrant_cache_sync_polls_total", outcome="done") > 0,
                  f"{node.name} counts change-log polls, failed ones too")
            check(total(samples, "warrant_database_connections_max") == 8, f"{node.name} reports its pool of 8")
            check(total(samples, "warrant_cache_hits_total", cache="api_tokens") > 0, f"{node.name} counts cache hits")

        print(f"== node C stopped with SIGTERM drains for {DRAIN} s")
        c = nodes[2]
        c.process.terminate()
        stopping = time.monotonic()
        ready = requests.get(c.base + "/api/lifecycle/readiness", timeout=10)
        while ready.status_code == 200 and time.monotonic() - stopping < 1:
            ready = requests.get(c.base + "/api/lifecycle/readiness", timeout=10)
        check(ready.status_code == 503 and ready.json()["status"] == "DRAINING", f"C's readiness answers {ready.json()['status']}")
        check(c.api(service_id, "auth/token", grant)["action"] == "OK", "C still issues tokens while draining")
        code = c.process.wait(timeout=30)
        check(code == 0 and time.monotonic() - stopping >= DRAIN, f"C exits {code} after {time.monotonic() - stopping:.1f} s")
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.stop()
    if failures:
        print(f"{len(failures)} multi-node checks failed; logs in {work}")
        sys.exit(1)
    print("all multi-node checks passed")


if __name__ == "__main__":
    main()
