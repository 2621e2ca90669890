# shellcheck shell=sh
# Cluster membership for VPC_MIRRORING=false (sourced by entrypoint.sh).
#
# local4   = this node's own IPv4 addresses + pods on this node (their /32
#            routes through pod veths, and pods the API places on NODE_NAME).
# members4 = IPv4 addresses (Node.status.addresses) of every node where an
#            agent pod is Running and Ready, and the IPs of the running
#            non-hostNetwork pods on those nodes.
# Both sets are replaced in a single nft transaction, so a packet never sees a
# half-written set.
#
# Inputs: KUBE_API_URL KUBE_TOKEN_FILE KUBE_CA_FILE NODE_NAME AGENT_NAMESPACE
# AGENT_SELECTOR POD_VETH_PREFIXES PODNETS CAPTURE_ADDR NFT_TABLE STATE_DIR.

# api_get PATH OUTFILE
api_get() {
    set -- "$1" "$2" --silent --show-error --fail --max-time 20
    if [ -r "$KUBE_CA_FILE" ]; then set -- "$@" --cacert "$KUBE_CA_FILE"; fi
    if [ -r "$KUBE_TOKEN_FILE" ]; then
        # The token goes through a header file, never the command line (ps).
        printf 'Authorization: Bearer %s\n' "$(cat "$KUBE_TOKEN_FILE")" >"$STATE_DIR/auth.hdr"
        set -- "$@" --header "@$STATE_DIR/auth.hdr"
    fi
    _path=$1
    _out=$2
    shift 2
    curl "$@" --output "$_out" "$KUBE_API_URL$_path"
}

# api_members: prints "M <ip>" for members and "L <ip>" for pods on this node.
api_members() {
    api_get "/api/v1/nodes?resourceVersion=0" "$STATE_DIR/nodes.json" || return 1
    api_get "/api/v1/pods?resourceVersion=0" "$STATE_DIR/pods.json" || return 1
    jq -r \
        --arg me "$NODE_NAME" \
        --arg ns "$AGENT_NAMESPACE" \
        --arg lk "${AGENT_SELECTOR%%=*}" \
        --arg lv "${AGENT_SELECTOR#*=}" \
        --slurpfile nodes "$STATE_DIR/nodes.json" '
        def ipv4: select(type == "string" and test("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$"));
        def ready: any(.status.conditions[]?; .type == "Ready" and .status == "True");
        def podips: ((.status.podIPs // []) | map(.ip)) + [.status.podIP] | .[] | ipv4;
        .items as $pods
        | ([$pods[]
            | select(.metadata.namespace == $ns and (.metadata.labels // {})[$lk] == $lv
                     and .status.phase == "Running" and ready)
            | .spec.nodeName] + [$me] | unique) as $agents
        | ($pods[]
            | select((.spec.hostNetwork // false) | not)
            | select(.status.phase != "Succeeded" and .status.phase != "Failed")
            | select(.spec.nodeName as $n | any($agents[]; . == $n))
            | .spec.nodeName as $n | podips
            | "M \(.)", (select($n == $me) | "L \(.)")),
          ($nodes[0].items[]
            | select(.metadata.name as $n | any($agents[]; . == $n))
            | .status.addresses[]? | select(.type == "InternalIP" or .type == "ExternalIP")
            | .address | ipv4 | "M \(.)")
        ' "$STATE_DIR/pods.json"
}

# in_podnet: stdin IPv4 addresses -> those inside one of PODNETS.
in_podnet() {
    awk -v nets="$(printf '%s\n' "$PODNETS" | paste -sd' ' -)" '
        function n(a,  p) { split(a, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
        BEGIN { k = split(nets, c, " ")
                for (i = 1; i <= k; i++) { split(c[i], q, "/"); base[i] = n(q[1]); size[i] = 2 ^ (32 - q[2]) } }
        { x = n($1); for (i = 1; i <= k; i++) if (x >= base[i] && x < base[i] + size[i]) { print $1; next } }'
}

# kernel_local: this node's addresses and the pods routed through pod veths.
kernel_local() {
    ip -4 -o addr show | awk '{ sub(/\/.*/, "", $4); print $4 }' |
        grep -v -e '^127\.' -e "^$CAPTURE_ADDR\$" || true
    _re=$(printf '%s\n' "$POD_VETH_PREFIXES" | tr -s ' ' '\n' | sed '/^$/d; s/^/^/' | paste -sd'|' -)
    ip -4 -o route show table main scope link |
        awk -v re="$_re" '$1 !~ /\// || $1 ~ /\/32$/ { for (i = 2; i < NF; i++) if ($i == "dev" && $(i + 1) ~ re) { sub(/\/32$/, "", $1); print $1 } }' |
        in_podnet
}

# members_sync_once: one API round and one atomic set replacement.
members_sync_once() {
    api_members >"$STATE_DIR/api.txt" || return 1
    {
        sed -n 's/^L //p' "$STATE_DIR/api.txt"
        kernel_local
    } | sort -u >"$STATE_DIR/local4.txt"
    sed -n 's/^M //p' "$STATE_DIR/api.txt" | sort -u >"$STATE_DIR/members4.txt"
    {
        echo "flush set ip $NFT_TABLE local4"
        echo "flush set ip $NFT_TABLE members4"
        _l=$(comma_join <"$STATE_DIR/local4.txt")
        _m=$(comma_join <"$STATE_DIR/members4.txt")
        if [ -n "$_l" ]; then echo "add element ip $NFT_TABLE local4 { $_l }"; fi
        if [ -n "$_m" ]; then echo "add element ip $NFT_TABLE members4 { $_m }"; fi
    } >"$STATE_DIR/sets.nft"
    nft -f "$STATE_DIR/sets.nft" || return 1
    if ! cmp -s "$STATE_DIR/members4.txt" "$STATE_DIR/members4.prev" ||
        ! cmp -s "$STATE_DIR/local4.txt" "$STATE_DIR/local4.prev"; then
        log "membership: $(wc -l <"$STATE_DIR/local4.txt") local, $(wc -l <"$STATE_DIR/members4.txt") members"
        cp "$STATE_DIR/members4.txt" "$STATE_DIR/members4.prev"
        cp "$STATE_DIR/local4.txt" "$STATE_DIR/local4.prev"
    fi
}

# members_loop: runs in the background; keeps the last good sets on failure.
members_loop() {
    trap - TERM INT
    _fails=0
    while :; do
        sleep "$MEMBER_SYNC_INTERVAL"
        if members_sync_once; then
            _fails=0
        else
            _fails=$((_fails + 1))
            log "warning: membership sync failed ($_fails in a row); keeping the previous sets"
        fi
    done
}
