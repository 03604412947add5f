"""The README's settings table, made from the spec and the engine's list of refused settings.

Every switch (boolean setting) of Service, OAuthClient and ClientExtension, and every setting the engine
refuses when set (Sources/WarrantEngine/Policy/Unenforced.swift), with its default and what warrant does
with it. `--write` puts the table into README.md between its markers; without it, the script fails when
the README's table differs from the one the spec makes (so the table cannot drift).
"""
import re
import sys

import yaml

BEGIN = "<!-- settings table: made by Tests/DocsCheck/settings_table.py from spec/ and Unenforced.swift -->"
END = "<!-- end of the settings table -->"
# Descriptions of settings that only parameterize a feature warrant lacks start with that feature: "CIBA: …".
FEATURE_PREFIX = re.compile(r"^[A-Z][A-Za-z0-9 ()\-]*: ")


def fields(path, structure):
    spec = yaml.safe_load(open(path))
    return spec["structures"][structure]["fields"]


def refused():
    text = open("Sources/WarrantEngine/Policy/Unenforced.swift").read()
    service, client = text.split("static func settings(of client")
    names = lambda part: set(re.findall(r'\("(\w+)"', part))
    return names(service), names(client)


def rows(owner, members, refused_names):
    out = []
    for name, field in members.items():
        kind = field.get("type")
        if name in ("resultCode", "resultMessage"):
            continue
        if kind != "bool" and name not in refused_names:
            continue
        description = " ".join(str(field.get("description", "")).split()).replace("|", "\\|")
        default = field.get("default", "false" if kind == "bool" else "none")
        if name in refused_names:
            what = "refused when set" if kind != "bool" else "refused when true"
        elif FEATURE_PREFIX.match(description):
            what = "stored and returned; takes effect with its feature"
        else:
            what = "honoured"
        out.append(f"| {owner} | `{name}` | {str(default).lower()} | {what} | {description} |")
    return out


def table():
    service_refused, client_refused = refused()
    lines = ["| object | setting | default | warrant | effect |", "|---|---|---|---|---|"]
    lines += rows("service", fields("spec/service.yaml", "Service"), service_refused)
    lines += rows("client", fields("spec/client.yaml", "OAuthClient"), client_refused)
    lines += rows("client extension", fields("spec/client.yaml", "ClientExtension"), set())
    return "\n".join(lines)


def main():
    readme = open("README.md").read()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    made = "\n" + table() + "\n"
    if "--write" in sys.argv:
        open("README.md", "w").write(readme[:start] + made + readme[end:])
        return
    if readme[start:end] != made:
        sys.exit("README.md: the settings table differs from the spec; run python3 Tests/DocsCheck/settings_table.py --write")
    print("ok: the README's settings table matches the spec")


if __name__ == "__main__":
    main()
