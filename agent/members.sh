# shellcheck shell=sh
# Cluster membership for VPC_MIRRORING=false (sourced by entrypoint.sh).
#
# local4   = this node's own IPv4 addresses + pods on this node (their /32
#            routes through pod veths, and pods the API places on NODE_NAME).
# members4 = IPv4 addresses (Node.status.addresses) of every node where an
#            agent pod is Running, Ready and not terminating, and the IPs of the running
#            non-hostNetwork pods on those nodes.
# Both sets are replaced in a single nft transaction, so a packet never sees a
# half-written set.
#
# MEMBER_SYNC=watch (default): one full list, then a watch on pods whose events
# are folded into the sets at most once per second; a new full list when the
# watch ends (server timeout, error, 410 Gone). MEMBER_SYNC=poll: a full list
# every MEMBER_SYNC_INTERVAL seconds. In both, the sets are also recomputed
# every MEMBER_SYNC_INTERVAL seconds for new local pod routes.
#
# Inputs: KUBE_API_URL KUBE_TOKEN_FILE KUBE_CA_FILE NODE_NAME AGENT_NAMESPACE
# AGENT_SELECTOR POD_VETH_PREFIXES PODNETS CAPTURE_ADDR NFT_TABLE STATE_DIR
# MEMBER_SYNC MEMBER_SYNC_INTERVAL WATCH_TIMEOUT.

# The fields of a pod the membership needs (events and lists are slimmed to
# these, so the local state stays small).
SLIM_POD='def slim: {
    metadata: {uid: .metadata.uid, namespace: .metadata.namespace,
               resourceVersion: .metadata.resourceVersion, labels: (.metadata.labels // {}),
               deletionTimestamp: .metadata.deletionTimestamp},
    spec: {nodeName: .spec.nodeName, hostNetwork: (.spec.hostNetwork // false)},
    status: {phase: .status.phase, podIP: .status.podIP, podIPs: .status.podIPs,
             conditions: [.status.conditions[]? | select(.type == "Ready")]}};'


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

# list_all: full list of nodes and pods -> nodes.json, pods.db.json (slim).
list_all() {
    api_get "/api/v1/nodes?resourceVersion=0" "$STATE_DIR/nodes.json" || return 1
    api_get "/api/v1/pods?resourceVersion=0" "$STATE_DIR/pods.json" || return 1
    jq -c "$SLIM_POD"' {rv: .metadata.resourceVersion, items: [.items[] | slim]}' \
        "$STATE_DIR/pods.json" >"$STATE_DIR/pods.db.json" || return 1
    rm -f "$STATE_DIR/pods.json"
}

# api_members: prints "M <ip>" for members and "L <ip>" for pods on this node,
# from nodes.json and pods.db.json.
api_members() {
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
        | [$pods[]
            | select(.metadata.namespace == $ns and (.metadata.labels // {})[$lk] == $lv
                     and .status.phase == "Running" and ready
                     # A terminating agent still captures during its grace period, but the
                     # others take over now: an overlap (duplicates), not a gap (misses).
                     and .metadata.deletionTimestamp == null)] as $agentPods
        | ([$agentPods[] | .spec.nodeName] + [$me] | unique) as $agents
        | ($pods[]
            | select((.spec.hostNetwork // false) | not)
            | select(.status.phase != "Succeeded" and .status.phase != "Failed")
            | select(.spec.nodeName as $n | any($agents[]; . == $n))
            | .spec.nodeName as $n | podips
            | "M \(.)", (select($n == $me) | "L \(.)")),
          ($nodes[0].items[]
            | select(.metadata.name as $n | any($agents[]; . == $n))
            | .status.addresses[]? | select(.type == "InternalIP" or .type == "ExternalIP")
            | .address | ipv4 | "M \(.)"),
          # A node that joined after the last node list: its agent is hostNetwork,
          # so the agent pod IP is the node address.
          ($agentPods[] | podips | "M \(.)")
        ' "$STATE_DIR/pods.db.json"
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

# members_sync_once: a full list and one atomic set replacement.
members_sync_once() {
    list_all || return 1
    members_apply
}

# members_apply: recompute both sets from the local state; one nft transaction.
members_apply() {
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

# fold_events: folds the complete lines the watch appended since the last call
# into pods.db.json. Returns 0 if something changed, 1 if nothing, 2 if the
# watch reported an error (410 Gone: a new full list is needed).
fold_events() {
    [ -s "$STATE_DIR/watch.raw" ] || return 1
    _size=$(wc -c <"$STATE_DIR/watch.raw")
    [ "$_size" -gt "$_watch_off" ] || return 1
    tail -c +"$((_watch_off + 1))" "$STATE_DIR/watch.raw" | head -c "$((_size - _watch_off))" >"$STATE_DIR/watch.new"
    # Only complete lines; a partial last line is read next time.
    _complete=$(sed -n '$=' "$STATE_DIR/watch.new")
    if [ "$(tail -c 1 "$STATE_DIR/watch.new" | od -An -c | tr -d ' ')" != '\n' ]; then
        _complete=$((${_complete:-1} - 1))
    fi
    [ "${_complete:-0}" -gt 0 ] || return 1
    head -n "$_complete" "$STATE_DIR/watch.new" >"$STATE_DIR/watch.batch"
    _watch_off=$((_watch_off + $(wc -c <"$STATE_DIR/watch.batch")))
    jq -c -n "$SLIM_POD"'
        [inputs] as $ev
        | ($db[0].items | map({key: .metadata.uid, value: .}) | from_entries) as $byuid
        | reduce $ev[] as $e ({pods: $byuid, rv: $db[0].rv, error: false};
            if $e.type == "ADDED" or $e.type == "MODIFIED" then
                .pods[$e.object.metadata.uid] = ($e.object | slim) | .rv = $e.object.metadata.resourceVersion
            elif $e.type == "DELETED" then
                del(.pods[$e.object.metadata.uid]) | .rv = $e.object.metadata.resourceVersion
            elif $e.type == "BOOKMARK" then .rv = $e.object.metadata.resourceVersion
            else .error = true end)
        | {rv, error, items: [.pods[]]}' \
        --slurpfile db "$STATE_DIR/pods.db.json" "$STATE_DIR/watch.batch" >"$STATE_DIR/pods.db.next" || return 2
    if [ "$(jq -r .error "$STATE_DIR/pods.db.next")" = true ]; then
        return 2
    fi
    jq -c 'del(.error)' "$STATE_DIR/pods.db.next" >"$STATE_DIR/pods.db.json"
    return 0
}

# watch_start: curl appends the watch's events (one JSON per line) to watch.raw.
watch_start() {
    : >"$STATE_DIR/watch.raw"
    _watch_off=0
    _rv=$(jq -r '.rv // ""' "$STATE_DIR/pods.db.json")
    set -- --silent --show-error --fail --no-buffer --max-time "$((WATCH_TIMEOUT + 30))"
    if [ -r "$KUBE_CA_FILE" ]; then set -- "$@" --cacert "$KUBE_CA_FILE"; fi
    if [ -r "$KUBE_TOKEN_FILE" ]; then
        printf 'Authorization: Bearer %s\n' "$(cat "$KUBE_TOKEN_FILE")" >"$STATE_DIR/auth.hdr"
        set -- "$@" --header "@$STATE_DIR/auth.hdr"
    fi
    curl "$@" --output "$STATE_DIR/watch.raw" \
        "$KUBE_API_URL/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=$_rv&timeoutSeconds=$WATCH_TIMEOUT" &
    _watch_pid=$!
}

# relist: a full list, retried until it succeeds.
relist() {
    _fails=0
    until members_sync_once; do
        _fails=$((_fails + 1))
        log "warning: membership sync failed ($_fails in a row); keeping the previous sets"
        sleep "$MEMBER_SYNC_INTERVAL"
    done
}

# members_loop: runs in the background (a subshell); keeps the last good sets
# when the API fails.
members_loop() {
    _watch_pid=
    trap 'if [ -n "$_watch_pid" ]; then kill "$_watch_pid" 2>/dev/null; fi; exit 0' TERM INT
    if [ "$MEMBER_SYNC" = poll ]; then
        while :; do
            sleep "$MEMBER_SYNC_INTERVAL"
            members_sync_once || log "warning: membership sync failed; keeping the previous sets"
        done
    fi
    while :; do
        watch_start
        _since=0
        while :; do
            sleep 1
            _since=$((_since + 1))
            _rc=0
            fold_events || _rc=$?
            if [ "$_rc" -eq 2 ]; then
                log "membership watch: error event (e.g. 410 Gone); listing again"
                break
            fi
            if [ "$_rc" -eq 0 ] || [ "$_since" -ge "$MEMBER_SYNC_INTERVAL" ]; then
                members_apply || log "warning: could not apply the membership sets"
                _since=0
            fi
            if ! kill -0 "$_watch_pid" 2>/dev/null; then
                # The watch ended (server timeout or error); fold what it sent, then list again.
                _rc=0
                fold_events || _rc=$?
                break
            fi
        done
        kill "$_watch_pid" 2>/dev/null || true
        wait "$_watch_pid" 2>/dev/null || true
        _watch_pid=
        relist
    done
}
