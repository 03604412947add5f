"""The README's backup and restore, done on a running warrant (see .ci/backup.sh), for both databases:

  sqlite    an online copy with SQLite's backup API (what `sqlite3 warrant.sqlite ".backup copy.sqlite"` does)
            while warrant serves; a warrant started on the copy answers for every token issued before it, and
            not for one issued after.
  postgres  pg_dump -Fc while warrant serves, pg_restore into a new database; the same checks.

With a key-encryption key set, the copy holds only sealed private keys, a warrant started on it without the
key refuses to start and says why, and with the key it signs with the same keys as before. Then `warrant rekey`
reseals the copy's keys under a new key, after which the new key alone opens them.

usage: backup.py WARRANT_BINARY POSTGRES_URL POSTGRES_BIN WORK_DIR
"""

import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Faults"))
from faults import Server, check, failures  # noqa: E402

KEK = secrets.token_bytes(32).hex()


def kids(server, service):
    status, jwks = server.call("GET", f"/api/{service}/service/jwks/get")
    check(status == 200, f"the JWK Set: {status}")
    return sorted(key["kid"] for key in jwks["keys"])


def active(server, service, token):
    status, answer = server.call("POST", f"/api/{service}/auth/introspection", {"token": token})
    return status == 200 and answer["action"] == "OK"


def refuses_without_key(binary, database):
    """warrant on the copy without the KEK exits at once, naming the KEK it lacks."""
    env = {k: v for k, v in os.environ.items() if k != "WARRANT_KEY_ENCRYPTION_KEY"}
    result = subprocess.run([binary, "serve", "--port", "0", "--database", database], env=env,
                            capture_output=True, text=True, timeout=60)
    check(result.returncode != 0 and "sealed with key-encryption key" in result.stdout + result.stderr,
          f"without the key-encryption key warrant refuses the copy (exit {result.returncode})")


def rekey(binary, database, work):
    print("== warrant rekey: the keys resealed under a new key-encryption key")
    new, old = secrets.token_bytes(32).hex(), os.path.join(work, "old.kek")
    with open(old, "w") as file:
        file.write(KEK + "\n")
    env = dict(os.environ, WARRANT_KEY_ENCRYPTION_KEY=new)
    result = subprocess.run([binary, "rekey", "--database", database, "--previous-key-encryption-key-file", old],
                            env=env, capture_output=True, text=True, timeout=60)
    check(result.returncode == 0 and "Resealed 4 signing keys" in result.stdout, f"rekey: {result.stdout.strip()}")
    again = subprocess.run([binary, "rekey", "--database", database], env=env, capture_output=True, text=True, timeout=60)
    check(again.returncode == 0 and "Resealed 0 signing keys" in again.stdout, "a second rekey with the new key alone finds nothing to do")
    with sqlite3.connect(database) as copy:
        ids = {row[0].split(":")[1] for row in copy.execute("SELECT private_jwk FROM signing_keys")}
    check(len(ids) == 1 and ids != {key_id(KEK)}, "every key is sealed with the one new key")


def key_id(hex_key):
    return hashlib.sha256(bytes.fromhex(hex_key)).hexdigest()[:16]


def round_trip(binary, database, copy, restore, name, work):
    print(f"== {name}: a copy taken while serving, restored, serves what was issued before it")
    original = Server(binary, database, log=os.path.join(work, f"{name}.log")).start()
    service, client, secret = original.setup()
    before_kids = kids(original, service)
    status, first = original.token(service, client, secret)
    check(status == 200 and first["action"] == "OK", "a token issued before the copy")
    copy()
    status, second = original.token(service, client, secret)
    check(status == 200 and second["action"] == "OK", "a token issued after the copy")
    original.stop()
    restored_database = restore()
    refuses_without_key(binary, restored_database)
    restored = Server(binary, restored_database, log=os.path.join(work, f"{name}-restored.log")).start()
    check(active(restored, service, first["accessToken"]), "the restored copy knows the token issued before it")
    check(not active(restored, service, second["accessToken"]), "and not the one issued after it")
    check(kids(restored, service) == before_kids, "it publishes the same keys")
    status, third = restored.token(service, client, secret)
    check(status == 200 and third["action"] == "OK", "it issues tokens with them")
    restored.stop()


def main():
    binary, postgres_url, postgres_bin, work = sys.argv[1:5]
    os.environ["WARRANT_KEY_ENCRYPTION_KEY"] = KEK

    database, copy_path = os.path.join(work, "warrant.sqlite"), os.path.join(work, "copy.sqlite")

    def sqlite_copy():
        with sqlite3.connect(database) as source, sqlite3.connect(copy_path) as target:
            source.backup(target)

    def sqlite_restore():
        with sqlite3.connect(copy_path) as copy:
            keys = [row[0] for row in copy.execute("SELECT private_jwk FROM signing_keys")]
            check(keys and all(key.startswith("kek1:") for key in keys), f"the copy holds {len(keys)} sealed private keys, no JWK")
            check(copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "the copy passes integrity_check")
        return copy_path

    round_trip(binary, database, sqlite_copy, sqlite_restore, "SQLite", work)
    rekey(binary, copy_path, work)

    parts = urlsplit(postgres_url)
    source_url = urlunsplit(parts._replace(path="/warrant"))
    restored_url = urlunsplit(parts._replace(path="/restored"))
    dump = os.path.join(work, "warrant.dump")
    psql = os.path.join(postgres_bin, "psql")
    subprocess.run([psql, "-q", postgres_url, "-c", "CREATE DATABASE warrant"], check=True)

    def postgres_copy():
        subprocess.run([os.path.join(postgres_bin, "pg_dump"), "-Fc", "-d", source_url, "-f", dump], check=True)

    def postgres_restore():
        subprocess.run([psql, "-q", postgres_url, "-c", "CREATE DATABASE restored"], check=True)
        subprocess.run([os.path.join(postgres_bin, "pg_restore"), "--no-owner", "-d", restored_url, dump], check=True)
        keys = subprocess.run([psql, "-At", restored_url, "-c", "SELECT private_jwk FROM signing_keys"],
                              check=True, capture_output=True, text=True).stdout.split()
        check(keys and all(key.startswith("kek1:") for key in keys), f"the dump holds {len(keys)} sealed private keys, no JWK")
        return restored_url

    round_trip(binary, source_url, postgres_copy, postgres_restore, "PostgreSQL", work)

    if failures:
        print(f"{len(failures)} backup check(s) failed")
        sys.exit(1)
    print("all backup checks passed")


if __name__ == "__main__":
    main()
