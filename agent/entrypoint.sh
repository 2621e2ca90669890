#!/bin/sh
# ExtraHop rpcapd agent: starts the agent program (agent/src, bundled into one
# file by agent/build.ts) with the image's Node.js. Everything else (validation,
# kernel set-up, membership, rpcapd supervision, metrics) is the program's; see
# docs/agent.md. exec: the program receives the container's signals directly.
# --max-semi-space-size=1: V8's default young generation grows while the first
# pod list streams in and raises the peak private memory by about 25 MB for no gain
# (measured in agent/src/membership/README.md).
set -eu
AGENT_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
AGENT_PROGRAM=${AGENT_PROGRAM:-$AGENT_DIR/agent.js}
NODE_BIN=${NODE_BIN:-node}
if [ ! -r "$AGENT_PROGRAM" ]; then
    printf '{"level":"error","msg":"AGENT_PROGRAM: %s is not a readable file (build it with agent/build.ts)"}\n' \
        "$AGENT_PROGRAM" >&2
    exit 2
fi
if ! command -v "$NODE_BIN" >/dev/null 2>&1; then
    printf '{"level":"error","msg":"NODE_BIN: %s is not installed (the image needs Debian'"'"'s nodejs)"}\n' \
        "$NODE_BIN" >&2
    exit 2
fi
exec "$NODE_BIN" --max-semi-space-size=1 "$AGENT_PROGRAM" "$@"
