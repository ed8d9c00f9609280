#!/usr/bin/env bash
# Writes README.md's example (the block between `<!-- example:begin` and `<!-- example:end -->`)
# from what `make demo` prints: its first `kubectl initdoctor explain`, as a user sees it, cut to
# EXAMPLE_LINES lines (default 24). Needs the local cluster up (`make cluster-up`); the README is
# never edited by hand there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
COLOR=never bash "$root/tests/demo/demo.sh" >"$out"
python3 - "$root/README.md" "${EXAMPLE_LINES:-24}" "$out" <<'PY'
import re, sys
readme, limit = sys.argv[1], int(sys.argv[2])
lines = open(sys.argv[3]).read().split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("$ kubectl initdoctor explain"))
block = []
for l in lines[start:]:
    if block and l.startswith("$ "):
        break
    block.append(l)
while block and not block[-1].strip():
    block.pop()
if len(block) > limit:
    block = block[:limit] + ["…"]
text = open(readme).read()
begin = text.index("<!-- example:begin")
begin = text.index("\n", begin) + 1
end = text.index("<!-- example:end -->")
text = text[:begin] + "```console\n" + "\n".join(block) + "\n```\n" + text[end:]
open(readme, "w").write(text)
print(f"readme-example.sh: README.md's example is {len(block)} lines of make demo's first explain")
PY
