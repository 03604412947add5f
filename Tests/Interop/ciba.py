"""CIBA (OpenID Connect Client-Initiated Backchannel Authentication) end to end in its three delivery modes,
with every party real and separate:

- a front end in this process (http.server on 127.0.0.1) serving the backchannel authentication endpoint and
  the token endpoint by relaying to warrant through the Authlete Python SDK (authlete 1.3.0, V3), as an
  authorization server written for Authlete does: USER_IDENTIFICATION finds the user by login_hint and calls
  /issue (or /fail); later, "reaching the user's phone", it calls /complete and delivers the NOTIFICATION it
  is told to (a POST of responseContent with the client's bearer token);
- the client, with `requests` only, and its notification endpoint (another http.server on 127.0.0.1);
- ID tokens verified by joserfc, at_hash and rt_hash recomputed here.

Usage: python ciba.py BASE_URL ORGANIZATION_TOKEN
"""
import base64
import hashlib
import json
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests
from authlete.dto.backchannel_authentication_complete_request import BackchannelAuthenticationCompleteRequest
from authlete.dto.backchannel_authentication_complete_result import BackchannelAuthenticationCompleteResult
from authlete.dto.backchannel_authentication_fail_reason import BackchannelAuthenticationFailReason
from authlete.dto.backchannel_authentication_fail_request import BackchannelAuthenticationFailRequest
from authlete.dto.backchannel_authentication_issue_request import BackchannelAuthenticationIssueRequest
from authlete.dto.backchannel_authentication_request import BackchannelAuthenticationRequest
from authlete.dto.token_request import TokenRequest
from joserfc import jwt
from joserfc.jwk import KeySet

from interop import Checks, authlete_api

base_url, organization_token = sys.argv[1], sys.argv[2]
check = Checks()
headers = {"Authorization": "Bearer " + organization_token, "Content-Type": "application/json"}
grant_type = "urn:openid:params:grant-type:ciba"
users = {"alice@example.com": "alice"}


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


notifications = queue.Queue()


class NotificationEndpoint(BaseHTTPRequestHandler):
    """The client's: what it receives goes to the queue."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        notifications.put((self.headers.get("Authorization"), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *arguments):
        pass


receiver, receiver_url = serve(NotificationEndpoint)

service = requests.post(base_url + "/api/service/create", headers=headers, data=json.dumps({
    "serviceName": "Interop CIBA", "issuer": "https://ciba.example.com", "supportedGrantTypes": ["CIBA", "REFRESH_TOKEN"],
    "backchannelAuthenticationEndpoint": "https://ciba.example.com/bc-authorize",
    "supportedBackchannelTokenDeliveryModes": ["POLL", "PING", "PUSH"], "backchannelPollingInterval": 1})).json()
service_id = service["apiKey"]
check(service["supportedBackchannelTokenDeliveryModes"] == ["POLL", "PING", "PUSH"], "a service with the three delivery modes is created")
clients = {}
for mode in ["poll", "ping", "push"]:
    registration = {"clientName": "Bank " + mode, "grantTypes": ["CIBA", "REFRESH_TOKEN"], "bcDeliveryMode": mode}
    if mode != "poll":
        registration["bcNotificationEndpoint"] = receiver_url + "/cb"
    created = requests.post("%s/api/%s/client/create" % (base_url, service_id), headers=headers, data=json.dumps(registration)).json()
    clients[mode] = (str(created["clientId"]), created["clientSecret"])
authlete = authlete_api(base_url, organization_token, service_id)
statuses = {"OK": 200, "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "INVALID_CLIENT": 401, "FORBIDDEN": 403}
tickets = queue.Queue()


class FrontEnd(BaseHTTPRequestHandler):
    """The authorization server's own endpoints, relaying to warrant as the Authlete documentation says."""

    def answer(self, status, content):
        data = content.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        client_id, _, secret = base64.b64decode(self.headers["Authorization"][6:]).decode().partition(":")
        if self.path == "/token":
            request = TokenRequest()
            request.parameters, request.clientId, request.clientSecret = body, client_id, secret
            response = authlete.token(request)
            self.answer(statuses.get(response.action.name, 500), response.responseContent)
            return
        request = BackchannelAuthenticationRequest()
        request.parameters, request.clientId, request.clientSecret = body, client_id, secret
        response = authlete.backchannelAuthentication(request)
        if response.action.name != "USER_IDENTIFICATION":
            self.answer(statuses.get(response.action.name, 500), response.responseContent)
            return
        subject = users.get(response.hint)
        if subject is None:
            fail = BackchannelAuthenticationFailRequest()
            fail.ticket, fail.reason = response.ticket, BackchannelAuthenticationFailReason.UNKNOWN_USER_ID
            failed = authlete.backchannelAuthenticationFail(fail)
            self.answer(statuses.get(failed.action.name, 500), failed.responseContent)
            return
        issue = BackchannelAuthenticationIssueRequest()
        issue.ticket = response.ticket
        issued = authlete.backchannelAuthenticationIssue(issue)
        # The user's phone is reached from here on, in the background.
        tickets.put((response.ticket, subject, response.deliveryMode.name, response.bindingMessage))
        self.answer(200, issued.responseContent)

    def log_message(self, *arguments):
        pass


front_end, as_url = serve(FrontEnd)


def reach_the_user(result=BackchannelAuthenticationCompleteResult.AUTHORIZED):
    """The user approves on their phone; the front end calls /complete and delivers what it is told to."""
    ticket, subject, mode, binding_message = tickets.get(timeout=10)
    complete = BackchannelAuthenticationCompleteRequest()
    complete.ticket, complete.result, complete.subject = ticket, result, subject
    complete.claims = json.dumps({"name": "Alice"})
    complete.authTime = int(time.time())
    completed = authlete.backchannelAuthenticationComplete(complete)
    if completed.action.name == "NOTIFICATION":
        delivered = requests.post(completed.clientNotificationEndpoint, data=completed.responseContent,
                                  headers={"Authorization": "Bearer " + completed.clientNotificationToken, "Content-Type": "application/json"})
        check(delivered.status_code == 204, "the front end delivers the %s notification" % mode.lower())
    return completed.action.name, binding_message


def ask(mode, extra=None):
    client_id, secret = clients[mode]
    data = {"scope": "openid profile", "login_hint": "alice@example.com", "binding_message": "W4SCT"}
    data.update(extra or {})
    return requests.post(as_url + "/bc-authorize", auth=(client_id, secret), data=data)


def poll(mode, auth_req_id):
    client_id, secret = clients[mode]
    return requests.post(as_url + "/token", auth=(client_id, secret), data={"grant_type": grant_type, "auth_req_id": auth_req_id})


def half_hash(value):
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()[:16]).rstrip(b"=").decode()


keys = KeySet.import_key_set(json.loads(authlete.getServiceJwks()))


def verified(id_token):
    return jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"]).claims


# Poll mode: the client polls every interval until the user approves.
started = ask("poll")
check(started.status_code == 200 and set(started.json()) == {"auth_req_id", "expires_in", "interval"}, "poll: the request answers auth_req_id, expires_in and interval")
auth_req_id, interval = started.json()["auth_req_id"], started.json()["interval"]
user = threading.Thread(target=lambda: (time.sleep(2), outcome.append(reach_the_user())))
outcome = []
user.start()
waits, answers = [], None
while len(waits) < 30:
    time.sleep(interval)
    answer = poll("poll", auth_req_id)
    if answer.status_code == 200:
        answers = answer.json()
        break
    waits.append(answer.json()["error"])
    if waits[-1] == "slow_down":
        interval += 5
user.join()
check(waits and set(waits) <= {"authorization_pending", "slow_down"}, "poll: until then the client is told to wait (authorization_pending)")
check(outcome == [("NO_ACTION", "W4SCT")], "poll: /complete has nothing for the front end to send")
check(answers is not None and verified(answers["id_token"])["sub"] == "alice", "poll: tokens once the user approved; joserfc verifies the ID token")

# Ping mode: the client waits for the notification, then polls once.
started = ask("ping", {"client_notification_token": "ping-8d67dc78-7faa-4d41-aabd-67707b374255"})
auth_req_id = started.json()["auth_req_id"]
check(reach_the_user()[0] == "NOTIFICATION", "ping: /complete says to notify")
authorization, body = notifications.get(timeout=10)
check(authorization == "Bearer ping-8d67dc78-7faa-4d41-aabd-67707b374255" and body == {"auth_req_id": auth_req_id},
      "ping: the notification carries the client's token and the auth_req_id")
tokens = poll("ping", auth_req_id)
check(tokens.status_code == 200 and verified(tokens.json()["id_token"])["name"] == "Alice", "ping: the client's poll gets the tokens")

# Push mode: the tokens come in the notification.
started = ask("push", {"client_notification_token": "push-0f8b7e1a-9c3d-4e5f-8a7b-6c5d4e3f2a1b"})
check("interval" not in started.json(), "push: no interval, since the client does not poll")
auth_req_id = started.json()["auth_req_id"]
check(reach_the_user()[0] == "NOTIFICATION", "push: /complete says to notify")
authorization, pushed = notifications.get(timeout=10)
claims = verified(pushed["id_token"])
check(authorization == "Bearer push-0f8b7e1a-9c3d-4e5f-8a7b-6c5d4e3f2a1b" and pushed["auth_req_id"] == auth_req_id, "push: the notification carries the auth_req_id")
check(claims["urn:openid:params:jwt:claim:auth_req_id"] == auth_req_id, "push: the ID token names the auth_req_id (CIBA §10.3.1)")
check(claims["at_hash"] == half_hash(pushed["access_token"]) and claims["urn:openid:params:jwt:claim:rt_hash"] == half_hash(pushed["refresh_token"]),
      "push: at_hash and rt_hash, recomputed here, match the tokens")
refused = poll("push", auth_req_id)
check(refused.status_code == 400 and refused.json()["error"] == "unauthorized_client", "push: the client may not poll")

# Refusals: an unknown user (the front end's /fail) and a user who says no.
unknown = ask("poll", {"login_hint": "mallory@example.com"})
check(unknown.status_code == 400 and unknown.json()["error"] == "unknown_user_id", "an unknown user is unknown_user_id (/fail)")
no_openid = ask("poll", {"scope": "profile"})
check(no_openid.status_code == 400 and no_openid.json()["error"] == "invalid_scope", "a request without openid is invalid_scope")
started = ask("poll")
auth_req_id = started.json()["auth_req_id"]
reach_the_user(BackchannelAuthenticationCompleteResult.ACCESS_DENIED)
time.sleep(1)
denied = poll("poll", auth_req_id)
check(denied.status_code == 400 and denied.json()["error"] == "access_denied", "a refusal reaches the polling client as access_denied")

front_end.shutdown()
receiver.shutdown()
check.summary()
