#!/bin/sh
# Stand-in for an exec credential plugin such as `aws eks get-token`: prints a client.authentication.k8s.io
# ExecCredential on stdout, as client-go's exec authenticator expects. It numbers its runs in $STATE_DIR/runs,
# records the KUBERNETES_EXEC_INFO it was given in $STATE_DIR/exec-info.json, and answers with token
# "$TOKEN_PREFIX-<run>", or with the client certificate and key in $CLIENT_CERT and $CLIENT_KEY (PEM files).
set -eu
: "${STATE_DIR:?STATE_DIR must name a writable directory}"
runs=$(cat "$STATE_DIR/runs" 2>/dev/null || echo 0)
runs=$((runs + 1))
printf '%s\n' "$runs" >"$STATE_DIR/runs"
printf '%s' "${KUBERNETES_EXEC_INFO:-}" >"$STATE_DIR/exec-info.json"
version=${CREDENTIAL_VERSION:-client.authentication.k8s.io/v1beta1}
expiry=${EXPIRATION:-2099-01-01T00:00:00Z}
if [ -n "${CLIENT_CERT:-}" ]; then
  # JSON strings cannot hold raw newlines: join the PEM lines with \n escapes.
  cert=$(awk '{printf "%s\\n", $0}' "$CLIENT_CERT")
  key=$(awk '{printf "%s\\n", $0}' "$CLIENT_KEY")
  printf '{"kind":"ExecCredential","apiVersion":"%s","status":{"expirationTimestamp":"%s","clientCertificateData":"%s","clientKeyData":"%s"}}\n' \
    "$version" "$expiry" "$cert" "$key"
else
  printf '{"kind":"ExecCredential","apiVersion":"%s","status":{"expirationTimestamp":"%s","token":"%s-%s"}}\n' \
    "$version" "$expiry" "${TOKEN_PREFIX:-token}" "$runs"
fi
