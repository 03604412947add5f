"""The device authorization grant (RFC 8628) end to end, with every party real and separate:

- a front end in this process (http.server on 127.0.0.1) that serves the device authorization endpoint and the
  token endpoint by relaying to warrant through the Authlete Python SDK (authlete 1.3.0, V3), as an
  authorization server written for Authlete does: each action becomes its HTTP status, with Cache-Control
  no-store;
- a device that talks to that front end with `requests` only, following RFC 8628 to the letter: it shows the
  user code, waits `interval` seconds between polls, adds 5 seconds on every slow_down (§3.5), and stops on
  any other error;
- a user on another device: the verification page's calls (/device/verification, /device/complete) through the
  SDK, from another thread, some seconds later;
- the ID token verified by joserfc against the service's published keys.

Then a refusal reaches the device as access_denied, and two polls at once after an approval get one set of
tokens.

Usage: python device_flow.py BASE_URL ORGANIZATION_TOKEN
"""
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import requests
from authlete.dto.device_authorization_request import DeviceAuthorizationRequest
from authlete.dto.device_complete_request import DeviceCompleteRequest
from authlete.dto.device_complete_result import DeviceCompleteResult
from authlete.dto.device_verification_request import DeviceVerificationRequest
from authlete.dto.token_request import TokenRequest
from joserfc import jwt
from joserfc.jwk import KeySet

from interop import Checks, authlete_api

base_url, organization_token = sys.argv[1], sys.argv[2]
check = Checks()
headers = {"Authorization": "Bearer " + organization_token, "Content-Type": "application/json"}
grant_type = "urn:ietf:params:oauth:grant-type:device_code"

service = requests.post(base_url + "/api/service/create", headers=headers, data=json.dumps({
    "serviceName": "Interop devices", "issuer": "https://devices.example.com",
    "supportedGrantTypes": ["DEVICE_CODE", "REFRESH_TOKEN"],
    "deviceAuthorizationEndpoint": "https://devices.example.com/device_authorization",
    "deviceVerificationUri": "https://devices.example.com/device",
    "deviceVerificationUriComplete": "https://devices.example.com/device?user_code=USER_CODE",
    "deviceFlowPollingInterval": 1})).json()
service_id = service["apiKey"]
check(service["deviceFlowPollingInterval"] == 1, "a service with the device flow is created")
tv = requests.post("%s/api/%s/client/create" % (base_url, service_id), headers=headers, data=json.dumps({
    "clientName": "TV", "clientType": "PUBLIC", "grantTypes": ["DEVICE_CODE", "REFRESH_TOKEN"]})).json()
client_id = str(tv["clientId"])
authlete = authlete_api(base_url, organization_token, service_id)
statuses = {"OK": 200, "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "INVALID_CLIENT": 401, "INTERNAL_SERVER_ERROR": 500}


class FrontEnd(BaseHTTPRequestHandler):
    """The authorization server's own endpoints, relaying to warrant as the Authlete documentation says."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        client_id_header, secret = None, None
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            client_id_header, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if self.path == "/device_authorization":
            request = DeviceAuthorizationRequest()
            request.parameters, request.clientId, request.clientSecret = body, client_id_header, secret
            response = authlete.deviceAuthorization(request)
        elif self.path == "/token":
            request = TokenRequest()
            request.parameters, request.clientId, request.clientSecret = body, client_id_header, secret
            response = authlete.token(request)
        else:
            self.send_error(404)
            return
        content = response.responseContent.encode()
        self.send_response(statuses.get(response.action.name, 500))
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *arguments):
        pass


front_end = ThreadingHTTPServer(("127.0.0.1", 0), FrontEnd)
threading.Thread(target=front_end.serve_forever, daemon=True).start()
as_url = "http://127.0.0.1:%d" % front_end.server_address[1]


class Device:
    """An RFC 8628 client: §3.1 to ask, §3.4 to poll, §3.5 to handle the answers."""

    def __init__(self):
        self.polls, self.slow_downs = 0, 0

    def start(self, scope="openid profile"):
        answer = requests.post(as_url + "/device_authorization", data={"client_id": client_id, "scope": scope})
        check(answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store", "the device authorization endpoint answers 200, no-store")
        self.authorization = answer.json()
        self.interval = self.authorization.get("interval", 5)
        return self.authorization

    def poll_once(self):
        self.polls += 1
        return requests.post(as_url + "/token", data={
            "grant_type": grant_type, "device_code": self.authorization["device_code"], "client_id": client_id})

    def poll(self, deadline_seconds=60, too_soon_first=False):
        """Polls until tokens or an error other than authorization_pending and slow_down; returns (status, body)."""
        deadline = time.monotonic() + deadline_seconds
        wait = 0 if too_soon_first else self.interval
        while time.monotonic() < deadline:
            time.sleep(wait)
            answer = self.poll_once()
            body = answer.json()
            if answer.status_code == 200:
                return 200, body
            if body.get("error") == "authorization_pending":
                wait = self.interval
                continue
            if body.get("error") == "slow_down":
                self.slow_downs += 1
                self.interval += 5
                wait = self.interval
                continue
            return answer.status_code, body
        raise AssertionError("the device got no answer in %d seconds" % deadline_seconds)


def user_decides(user_code, result, after_seconds, subject="alice"):
    """The verification page: look the code up as the user typed it, then record the decision."""
    def act():
        time.sleep(after_seconds)
        verification = DeviceVerificationRequest()
        verification.userCode = user_code.lower()[:4] + "-" + user_code.lower()[4:]
        looked_up = authlete.deviceVerification(verification)
        outcome["verification"] = looked_up.action.name, looked_up.clientName
        complete = DeviceCompleteRequest()
        complete.userCode, complete.result, complete.subject = user_code, result, subject
        complete.claims = json.dumps({"name": "Alice"})
        complete.authTime = int(time.time())
        outcome["complete"] = authlete.deviceComplete(complete).action.name
    outcome = {}
    thread = threading.Thread(target=act)
    thread.start()
    return thread, outcome


# 1. The whole flow: the device polls at once, and again at once (too soon: slow_down), then every interval until
# the user approves.
device = Device()
started = device.start()
check(set(started) >= {"device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval"},
      "the answer has every RFC 8628 §3.2 member")
check(started["verification_uri_complete"] == "https://devices.example.com/device?user_code=" + started["user_code"],
      "verification_uri_complete carries the user code")
print("device: visit %s and enter %s" % (started["verification_uri"], started["user_code"]))
user, outcome = user_decides(started["user_code"], DeviceCompleteResult.AUTHORIZED, after_seconds=3)
first = device.poll_once()
check(first.status_code == 400 and first.json()["error"] == "authorization_pending", "the first poll may come at once: authorization_pending")
status, tokens = device.poll(too_soon_first=True)
user.join()
check(outcome["verification"] == ("VALID", "TV"), "the verification page finds the code typed in lower case with a hyphen")
check(outcome["complete"] == "SUCCESS", "the user's approval is recorded")
check(status == 200 and tokens["token_type"] == "Bearer" and "refresh_token" in tokens, "the device gets tokens once the user approved")
check(device.slow_downs >= 1 and device.interval >= 6, "a poll too soon is answered slow_down, and the device waits 5 s more from then on")
check(device.polls >= 3, "the device polled while the user decided (authorization_pending)")
keys = KeySet.import_key_set(json.loads(authlete.getServiceJwks()))
claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"]).claims
check(claims["sub"] == "alice" and claims["aud"] == [client_id] and claims["name"] == "Alice",
      "joserfc verifies the ID token: the user who approved, for the device")
time.sleep(device.interval)
again = device.poll_once()
check(again.status_code == 400 and again.json()["error"] == "invalid_grant", "the used device code is refused")

# 2. The user refuses: the device stops on access_denied.
device = Device()
started = device.start("profile")
user, outcome = user_decides(started["user_code"], DeviceCompleteResult.ACCESS_DENIED, after_seconds=1.5)
status, refused = device.poll()
user.join()
check(status == 400 and refused["error"] == "access_denied", "a refusal reaches the device as access_denied")

# 3. Two polls at once after the approval: one gets tokens.
device = Device()
started = device.start("profile")
user, outcome = user_decides(started["user_code"], DeviceCompleteResult.AUTHORIZED, after_seconds=0)
user.join()
time.sleep(device.interval)
answers = []
pollers = [threading.Thread(target=lambda: answers.append(device.poll_once())) for _ in range(2)]
for poller in pollers:
    poller.start()
for poller in pollers:
    poller.join()
check(sorted(answer.status_code for answer in answers) == [200, 400], "of two polls at once, one gets tokens")
check([answer.json().get("error") for answer in answers if answer.status_code == 400] in (["slow_down"], ["invalid_grant"]),
      "the other is told to slow down, or that the code was used")

front_end.shutdown()
check.summary()
