"""Writes a spec whose structures nest DEPTH deep, each holding the next as an optional field.

Stored inline, such a chain makes every type's layout grow with the chain, and compiling it runs out of
memory; specgen boxes every eighth link (see SpecChecker.decideBoxing). Usage: deep_chain_spec.py FOLDER [DEPTH]
"""

import os
import sys

folder, depth = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000
os.makedirs(folder, exist_ok=True)
lines = ["info: { title: Deep, version: '1', description: 'A chain of structures, each holding the next.' }", "structures:"]
for i in range(depth):
    following = f"S{i + 1}" if i < depth - 1 else "string"
    lines.append(f"  S{i}: {{ description: s, fields: {{ label: {{ type: string, description: l }}, "
                 f"next: {{ type: {following}, description: n }} }} }}")
lines += ["endpoints:",
          "  getChain: { description: g, method: GET, path: /chain, "
          "responses: { 200: { body: S0, description: ok }, 404: { body: S0, description: none } } }"]
with open(os.path.join(folder, "chain.yaml"), "w") as out:
    out.write("\n".join(lines) + "\n")
