"""Faults a running warrant must survive, against the real binary, files and disks (Linux, run as root):

  kill     kill -9 while tokens are issued at full speed: after a restart every token whose OK answer reached
           its client introspects as active, and SQLite's integrity_check says ok.
  diskfull the disk under the database fills while serving: the health check says DISK_FULL (503), runtime APIs
           answer 500 with action INTERNAL_SERVER_ERROR, management APIs 503, reads still work, nothing
           crashes; once space is freed, service resumes by itself.
  readonly warrant starts on a database file it cannot write (served as an unprivileged user): the health
           check says DATABASE_READ_ONLY, writes fail cleanly; once the file is writable again, writes resume
           without a restart.

usage: faults.py WARRANT_BINARY [kill|diskfull|readonly ...]
"""

import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TOKEN = "faults-organization-token-" + secrets.token_hex(16)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One warrant process; `user` runs it without root's power to write read-only files."""

    def __init__(self, binary, database, user=None, log=None, args=()):
        self.binary, self.database, self.user, self.args = binary, database, user, list(args)
        self.log_path = log or database + ".log"
        self.port = free_port()
        self.process = None

    def start(self):
        command = [self.binary, "serve", "--port", str(self.port), "--database", self.database] + self.args
        if self.user is not None:
            command = ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--clear-groups"] + command
        env = dict(os.environ, WARRANT_ORGANIZATION_TOKEN=TOKEN)
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(150):
            if self.process.poll() is not None:
                raise SystemExit(f"warrant exited with {self.process.returncode} at start; see {self.log_path}")
            try:
                self.call("GET", "/api/lifecycle/healthcheck", token=None)
                return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit("warrant did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def alive(self):
        return self.process.poll() is None

    def call(self, method, path, body=None, token=TOKEN, timeout=10):
        """(status, JSON body) of a call; OSError when nothing answers."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def setup(self):
        """A service and a client_credentials client; returns (service id, client id, secret)."""
        status, service = self.call("POST", "/api/service/create", {
            "serviceName": "Faults", "issuer": "https://as.example.com",
            "supportedGrantTypes": ["CLIENT_CREDENTIALS"], "supportedScopes": [{"name": "read"}]})
        check(status == 201, f"service create: {status}", service)
        status, client = self.call("POST", f"/api/{service['apiKey']}/client/create", {
            "clientName": "Loader", "grantTypes": ["CLIENT_CREDENTIALS"]})
        check(status == 201, f"client create: {status}", client)
        return service["apiKey"], client["clientId"], client["clientSecret"]

    def token(self, service, client, secret, timeout=10):
        return self.call("POST", f"/api/{service}/auth/token", {
            "parameters": "grant_type=client_credentials&scope=read", "clientId": str(client), "clientSecret": secret},
            timeout=timeout)

    def health(self):
        return self.call("GET", "/api/lifecycle/healthcheck", token=None)


failures = []


def check(condition, message, detail=None):
    """Records a check; `detail` (a response body, which may hold secrets) is printed only when it fails."""
    if condition:
        print("  ok:", message)
    else:
        failures.append(message)
        print("  FAILED:", message, "" if detail is None else detail)


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def kill_under_load(binary, work):
    print("== kill -9 while tokens are issued at full speed")
    database = os.path.join(work, "kill.sqlite")
    server = Server(binary, database).start()
    service, client, secret = server.setup()
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def load():
        while not stop.is_set():
            try:
                status, body = server.token(service, client, secret, timeout=5)
            except OSError:
                return  # the server is gone
            if status == 200 and body.get("action") == "OK":
                with lock:
                    acknowledged.append(body["accessToken"])

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(4)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join()
    check(len(acknowledged) > 100, f"tokens acknowledged before the kill: {len(acknowledged)}")

    server = Server(binary, database).start()
    inactive = 0
    for token in acknowledged:
        status, body = server.call("POST", f"/api/{service}/auth/introspection", {"token": token})
        if status != 200 or body.get("action") != "OK":
            inactive += 1
    check(inactive == 0, f"acknowledged tokens active after the restart: {len(acknowledged) - inactive} of {len(acknowledged)}")
    server.stop()
    result = sqlite3.connect(database).execute("PRAGMA integrity_check").fetchone()[0]
    check(result == "ok", f"integrity_check: {result}")


def disk_full(binary, work):
    print("== the disk under the database fills while serving, then space comes back")
    disk = os.path.join(work, "small-disk")
    os.makedirs(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk], check=True)
    try:
        server = Server(binary, os.path.join(disk, "warrant.sqlite")).start()
        service, client, secret = server.setup()
        status, body = server.token(service, client, secret)
        check(status == 200 and body["action"] == "OK", f"a token before the disk fills: {status}")
        filler = os.path.join(disk, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], stderr=subprocess.DEVNULL)

        # Writes that need new space fail from here on; the health check writes, so it knows.
        full = wait_until(lambda: server.health()[0] == 503, 10)
        status, body = server.health()
        check(full and body["status"] == "DISK_FULL" and body["resultCode"] == "A001103", f"health check: {status}", body)
        status, body = server.token(service, client, secret)
        content = json.loads(body.get("responseContent") or "{}") if isinstance(body, dict) else {}
        check(status == 500 and body.get("action") == "INTERNAL_SERVER_ERROR" and body.get("resultCode") == "A001103"
              and content.get("error") == "server_error", f"token request on a full disk: {status}", body)
        status, body = server.call("POST", "/api/service/create", {"serviceName": "More"})
        check(status == 503 and body.get("resultCode") == "A001103", f"service create on a full disk: {status}", body)
        status, _ = server.call("GET", f"/api/{service}/service/get")
        check(status == 200, f"reads on a full disk: {status}")
        check(server.alive(), "the server is still running")

        os.remove(filler)
        check(wait_until(lambda: server.health()[0] == 200, 10), "health check once space is back")
        status, body = server.token(service, client, secret)
        check(status == 200 and body["action"] == "OK", f"a token once space is back: {status}")
        server.stop()
    finally:
        subprocess.run(["umount", "-l", disk])


def read_only_start(binary, work):
    print("== warrant starts on a database it cannot write, then the file becomes writable")
    folder = os.path.join(work, "readonly")
    os.makedirs(folder)
    nobody = 65534
    os.chown(folder, nobody, nobody)
    os.chmod(work, 0o755)
    database = os.path.join(folder, "warrant.sqlite")
    server = Server(binary, database, user=nobody).start()
    service, client, secret = server.setup()
    server.stop()
    os.chmod(database, 0o444)

    server = Server(binary, database, user=nobody).start()
    status, body = server.health()
    check(status == 503 and body["status"] == "DATABASE_READ_ONLY" and body["resultCode"] == "A001104",
          f"health check on a read-only file: {status}", body)
    status, body = server.token(service, client, secret)
    check(status == 500 and body.get("action") == "INTERNAL_SERVER_ERROR" and body.get("resultCode") == "A001104",
          f"token request on a read-only file: {status}", body)
    status, _ = server.call("GET", f"/api/{service}/service/get")
    check(status == 200, f"reads on a read-only file: {status}")

    os.chmod(database, 0o644)
    check(wait_until(lambda: server.health()[0] == 200, 10), "health check once the file is writable, without a restart")
    status, body = server.token(service, client, secret)
    check(status == 200 and body["action"] == "OK", f"a token once the file is writable: {status}")
    check(server.alive(), "the server is still running")
    server.stop()


def main():
    binary = sys.argv[1]
    chosen = sys.argv[2:] or ["kill", "diskfull", "readonly"]
    work = tempfile.mkdtemp(prefix="warrant-faults-")
    # The server runs from a copy, so a build relinking the binary meanwhile changes nothing.
    shutil.copy(binary, os.path.join(work, "warrant"))
    os.chmod(os.path.join(work, "warrant"), 0o755)
    binary = os.path.join(work, "warrant")
    try:
        for name in chosen:
            {"kill": kill_under_load, "diskfull": disk_full, "readonly": read_only_start}[name](binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} fault checks failed")
        sys.exit(1)
    print("all fault checks passed")


if __name__ == "__main__":
    main()
