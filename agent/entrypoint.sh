#!/bin/sh
# ExtraHop rpcapd agent: runs on every node (DaemonSet, hostNetwork, NET_ADMIN
# + NET_RAW) and forwards every IPv4 packet of the cluster's pods and nodes to
# the sensors exactly once. Design and proof: docs/agent.md.
set -eu
umask 077 # the state dir holds the ServiceAccount token header

AGENT_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=SCRIPTDIR/validate.sh
. "$AGENT_DIR/validate.sh"
# shellcheck source=SCRIPTDIR/netfilter.sh
. "$AGENT_DIR/netfilter.sh"
# shellcheck source=SCRIPTDIR/members.sh
. "$AGENT_DIR/members.sh"

log() { printf '%s\n' "entrypoint: $*" >&2; }
die() {
    log "$*"
    exit 2
}

# ---- configuration ---------------------------------------------------------
RPCAPD_BIN=${RPCAPD_BIN:-/usr/local/bin/rpcapd}
STATE_DIR=${STATE_DIR:-/tmp/extrahop-agent}
READY_FILE=${READY_FILE:-/tmp/ready}
CAPTURE_DEV=${CAPTURE_DEV:-ehcap0}
CAPTURE_PEER=${CAPTURE_PEER:-ehcap1}
CAPTURE_ADDR=169.254.255.1
CAPTURE_GW=169.254.255.2
CAPTURE_MAC=02:eb:00:00:00:02
NFT_TABLE=extrahop_rpcapd
INSTANCE_ID=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || echo "$$-$(date +%s)")
ENI_IFNAMES=${ENI_IFNAMES:-eth*}
POD_VETH_PREFIXES=${POD_VETH_PREFIXES:-eni vlan}
MEMBER_SYNC=${MEMBER_SYNC:-watch}
MEMBER_SYNC_INTERVAL=${MEMBER_SYNC_INTERVAL:-5}
WATCH_TIMEOUT=${WATCH_TIMEOUT:-300}
SHUTDOWN_DELAY=${SHUTDOWN_DELAY:-5}
SENSOR_GRACE=${SENSOR_GRACE:-90}
SENSOR_CHECK_INTERVAL=${SENSOR_CHECK_INTERVAL:-5}
AGENT_NAMESPACE=${AGENT_NAMESPACE:-extrahop}
AGENT_SELECTOR=${AGENT_SELECTOR:-component=extrahop-rpcapd}
if [ -n "${KUBERNETES_SERVICE_HOST:-}" ]; then
    _default_api="https://${KUBERNETES_SERVICE_HOST}:${KUBERNETES_SERVICE_PORT:-443}"
else
    _default_api=https://kubernetes.default.svc
fi
KUBE_API_URL=${KUBE_API_URL:-$_default_api}
KUBE_TOKEN_FILE=${KUBE_TOKEN_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/token}
KUBE_CA_FILE=${KUBE_CA_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/ca.crt}

# ---- validation: every message names the variable ---------------------------
# require NAME: the variable must be set and non-empty.
require() {
    eval "_val=\${$1:-}"
    [ -n "$_val" ] || die "$1 is required but not set"
}

validate() {
    for _v in EXTRAHOP_SENSOR_IP RPCAPD_TARGET_PORT PODNET SVCNET VPC_MIRRORING NODE_NAME; do
        require "$_v"
    done
    list_items EXTRAHOP_SENSOR_IP valid_ipv4 "an IPv4 address"
    SENSORS=$LIST
    [ "$(printf '%s\n' "$SENSORS" | wc -l)" -le 10 ] ||
        die "EXTRAHOP_SENSOR_IP: at most 10 sensors (rpcapd's ActiveClient limit)"
    valid_port "$RPCAPD_TARGET_PORT" ||
        die "RPCAPD_TARGET_PORT: '$RPCAPD_TARGET_PORT' is not a port number (1-65535)"
    list_items PODNET valid_cidr "an IPv4 CIDR (a.b.c.d/len, no host bits set)"
    PODNETS=$LIST
    list_items SVCNET valid_cidr "an IPv4 CIDR (a.b.c.d/len, no host bits set)"
    SVCNETS=$LIST
    case $VPC_MIRRORING in
        true | false) ;;
        *) die "VPC_MIRRORING: '$VPC_MIRRORING' must be true or false" ;;
    esac
    valid_dns_subdomain "$NODE_NAME" ||
        die "NODE_NAME: '$NODE_NAME' is not a valid node name"
    [ -x "$RPCAPD_BIN" ] || die "RPCAPD_BIN: '$RPCAPD_BIN' is not an executable file"
    case $MEMBER_SYNC_INTERVAL in
        '' | *[!0-9]* | 0*) die "MEMBER_SYNC_INTERVAL: '$MEMBER_SYNC_INTERVAL' must be a whole number of seconds >= 1" ;;
    esac
    case $MEMBER_SYNC in
        watch | poll) ;;
        *) die "MEMBER_SYNC: '$MEMBER_SYNC' must be watch or poll" ;;
    esac
    case $SHUTDOWN_DELAY in
        '' | *[!0-9]* | 0?*) die "SHUTDOWN_DELAY: '$SHUTDOWN_DELAY' must be a whole number of seconds" ;;
    esac
    case $WATCH_TIMEOUT in
        '' | *[!0-9]* | 0*) die "WATCH_TIMEOUT: '$WATCH_TIMEOUT' must be a whole number of seconds >= 1" ;;
    esac
    case $SENSOR_GRACE in
        '' | *[!0-9]* | 0* | ?????????*) die "SENSOR_GRACE: '$SENSOR_GRACE' must be a whole number of seconds >= 1 (at most 8 digits)" ;;
    esac
    case $SENSOR_CHECK_INTERVAL in
        '' | *[!0-9]* | 0* | ?????????*) die "SENSOR_CHECK_INTERVAL: '$SENSOR_CHECK_INTERVAL' must be a whole number of seconds >= 1 (at most 8 digits)" ;;
    esac
    [ "$SENSOR_CHECK_INTERVAL" -le "$SENSOR_GRACE" ] ||
        die "SENSOR_CHECK_INTERVAL: '$SENSOR_CHECK_INTERVAL' must not exceed SENSOR_GRACE ($SENSOR_GRACE)"
    valid_ifname "$CAPTURE_DEV" || die "CAPTURE_DEV: '$CAPTURE_DEV' is not an interface name"
    valid_ifname "$CAPTURE_PEER" || die "CAPTURE_PEER: '$CAPTURE_PEER' is not an interface name"
    [ "$CAPTURE_DEV" != "$CAPTURE_PEER" ] || die "CAPTURE_PEER: must differ from CAPTURE_DEV"
    (set -f && valid_ifpatterns "$ENI_IFNAMES") ||
        die "ENI_IFNAMES: '$ENI_IFNAMES' must be interface names or prefixes ending in *, blank-separated"
    (set -f && valid_ifpatterns "$POD_VETH_PREFIXES") ||
        die "POD_VETH_PREFIXES: '$POD_VETH_PREFIXES' must be interface name prefixes, blank-separated"
    case $AGENT_SELECTOR in
        ?*=?*) ;;
        *) die "AGENT_SELECTOR: '$AGENT_SELECTOR' must be key=value" ;;
    esac
    _tools="ip nft ss awk sed paste od date"
    if [ "$VPC_MIRRORING" = false ]; then _tools="$_tools curl jq"; fi
    for _t in $_tools; do
        command -v "$_t" >/dev/null 2>&1 || die "required tool '$_t' is not installed in the image"
    done
}

# check_caps: the DaemonSet grants NET_ADMIN (links, addresses, neighbours,
# nft, ethtool) and NET_RAW (rpcapd's packet socket); nothing else is needed.
check_caps() {
    _eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>/dev/null || true)
    [ -n "$_eff" ] || return 0
    [ $((0x$_eff >> 12 & 1)) -eq 1 ] || die "capability NET_ADMIN is missing (securityContext.capabilities.add)"
    [ $((0x$_eff >> 13 & 1)) -eq 1 ] || die "capability NET_RAW is missing (securityContext.capabilities.add)"
}

write_ini() {
    {
        echo "# Written by entrypoint.sh; one full copy of the capture per sensor."
        printf '%s\n' "$SENSORS" | while IFS= read -r _s; do
            printf 'ActiveClient = %s,%s\n' "$_s" "$RPCAPD_TARGET_PORT"
        done
        echo "NullAuthPermit = YES"
    } >"$STATE_DIR/rpcapd.ini"
}

# ---- sensor connections --------------------------------------------------------
# rpcapd can be alive and forward nothing: after a sensor closes the control
# connection (RPCAP CLOSE, a sensor restart), the vendor's rpcapd ends that
# client and never reconnects it (field notes), while a failed connect is
# retried every 30 s. So the supervision loop also watches the established TCP
# connections of the node's namespace (hostNetwork: only this agent's rpcapd
# talks to the sensors' RPCAP port) to each sensor:RPCAPD_TARGET_PORT.
# Per sensor, variables SEEN_<i> (epoch seconds of the last check that found
# its connection, or of rpcapd's start) and LOST_<i> (1 once it has been
# missing longer than SENSOR_GRACE, logged once per transition).

# sensors_init: every sensor counts as seen at rpcapd's start.
sensors_init() {
    _now=$(date +%s)
    _i=0
    for _s in $SENSORS; do
        _i=$((_i + 1))
        eval "SEEN_$_i=\$_now LOST_$_i=0 UP_$_i=0"
    done
    NEXT_CHECK=0
}

# sensors_check: updates each sensor's state, logs transitions, keeps the ready
# file only while at least one sensor is connected; returns 1 when no sensor
# has had a connection for longer than SENSOR_GRACE (the caller exits).
sensors_check() {
    _now=$(date +%s)
    if ! _conns=$(ss -tnH state established 2>&1); then
        # Cannot tell: supervise the process only (as without this check), say so once.
        [ -n "${SS_WARNED:-}" ] || log "warning: ss failed, sensor connections not checked: $_conns"
        SS_WARNED=1
        [ -e "$READY_FILE" ] || : >"$READY_FILE"
        return 0
    fi
    # Columns without a state column (a state filter is given): Recv-Q Send-Q Local Peer.
    _peers=$(printf '%s\n' "$_conns" | awk '{ print $4 }')
    _i=0
    _up=0
    _alive=0
    _missing=
    for _s in $SENSORS; do
        _i=$((_i + 1))
        _seen=0 _lost=0 _was_up=0
        eval "_seen=\$SEEN_$_i _lost=\$LOST_$_i _was_up=\$UP_$_i"
        # An AF_INET6 socket shows the IPv4 peer as [::ffff:a.b.c.d]:port.
        if printf '%s\n' "$_peers" | grep -qxF -e "$_s:$RPCAPD_TARGET_PORT" -e "[::ffff:$_s]:$RPCAPD_TARGET_PORT"; then
            if [ "$_lost" = 1 ]; then
                log "sensor $_s:$RPCAPD_TARGET_PORT: connected again after $((_now - _seen)) s without a connection"
            elif [ "$_was_up" = 0 ]; then
                log "sensor $_s:$RPCAPD_TARGET_PORT: connected"
            fi
            eval "SEEN_$_i=\$_now LOST_$_i=0 UP_$_i=1"
            _up=$((_up + 1))
            _alive=$((_alive + 1))
            continue
        fi
        eval "UP_$_i=0"
        _missing="$_missing${_missing:+, }$_s"
        if [ $((_now - _seen)) -gt "$SENSOR_GRACE" ]; then
            if [ "$_lost" = 0 ]; then
                log "sensor $_s:$RPCAPD_TARGET_PORT: no connection for $((_now - _seen)) s (> SENSOR_GRACE $SENSOR_GRACE s): rpcapd forwards nothing to it"
                eval "LOST_$_i=1"
            fi
        else
            _alive=$((_alive + 1))
        fi
    done
    if [ "$_up" -gt 0 ]; then
        [ -e "$READY_FILE" ] || : >"$READY_FILE"
    elif [ -e "$READY_FILE" ]; then
        rm -f "$READY_FILE"
        log "no sensor connected ($_missing); not ready until one is"
    fi
    if [ "$_alive" -eq 0 ]; then
        log "no sensor has had a connection for more than SENSOR_GRACE $SENSOR_GRACE s ($_missing; port $RPCAPD_TARGET_PORT): rpcapd is alive but forwarding nothing; stopping so that Kubernetes restarts the agent"
        return 1
    fi
}

# ---- lifecycle ---------------------------------------------------------------
RPCAPD_PID=
SYNC_PID=
STOP=
SIGNALS=0

# shellcheck disable=SC2317 # cleanup and on_signal run from traps
cleanup() {
    rm -f "$READY_FILE"
    for _p in $RPCAPD_PID $SYNC_PID; do kill "$_p" 2>/dev/null || true; done
    nft_remove
    capture_dev_remove
}

# on_signal SIG: the first TERM/INT asks for a graceful stop (see main), a
# second one for an immediate one.
# shellcheck disable=SC2317
on_signal() {
    STOP=$1
    SIGNALS=$((SIGNALS + 1))
}

# pause SECONDS: a sleep that a trapped signal interrupts at once.
pause() {
    sleep "$1" &
    wait $! || true
}

main() {
    validate
    mkdir -p "$STATE_DIR"
    write_ini
    check_caps
    trap 'on_signal TERM' TERM
    trap 'on_signal INT' INT
    trap cleanup EXIT

    capture_dev_setup
    nft_install
    log "capturing on $CAPTURE_DEV (Ethernet), VPC_MIRRORING=$VPC_MIRRORING, table ip $NFT_TABLE"

    if [ "$VPC_MIRRORING" = false ]; then
        until members_sync_once; do
            [ -z "$STOP" ] || exit 0
            log "waiting for the Kubernetes API at $KUBE_API_URL"
            pause 2
        done
        members_loop &
        SYNC_PID=$!
    fi
    [ -z "$STOP" ] || exit 0

    # rpcapd stays a child of this shell (no -d): we forward signals, notice
    # its death and remove our rules when it goes.
    "$RPCAPD_BIN" -v -n -f "$STATE_DIR/rpcapd.ini" -i "$CAPTURE_DEV" -F "$(bpf_filter)" -D &
    RPCAPD_PID=$!
    log "started $RPCAPD_BIN (pid $RPCAPD_PID) with filter: $(bpf_filter)"
    # Ready once rpcapd holds a connection to a sensor (sensors_check).
    sensors_init

    dead=
    while [ -z "$STOP" ]; do
        if ! kill -0 "$RPCAPD_PID" 2>/dev/null; then
            dead=rpcapd
            break
        fi
        if [ -n "$SYNC_PID" ] && ! kill -0 "$SYNC_PID" 2>/dev/null; then
            dead="membership sync"
            break
        fi
        # Every SENSOR_CHECK_INTERVAL s; every second while not ready (start-up).
        _t=$(date +%s)
        if [ "$_t" -ge "$NEXT_CHECK" ] || [ ! -e "$READY_FILE" ]; then
            NEXT_CHECK=$((_t + SENSOR_CHECK_INTERVAL))
            sensors_check || {
                dead=sensors
                break
            }
        fi
        pause 1
    done
    rm -f "$READY_FILE"
    if [ "$dead" = sensors ]; then
        exit 1
    elif [ -n "$dead" ]; then
        log "$dead exited unexpectedly; stopping so that Kubernetes restarts the agent"
        exit 1
    fi
    if [ "$VPC_MIRRORING" = false ] && [ "$SHUTDOWN_DELAY" -gt 0 ]; then
        # Kubernetes marks the pod terminating when it sends TERM; the other agents
        # see that and take this node's pods over. Keep capturing meanwhile, so the
        # handover overlaps (duplicates) rather than leaves a gap (misses).
        log "received SIG$STOP; capturing $SHUTDOWN_DELAY s more while the other agents take over"
        _t=0
        while [ "$_t" -lt "$SHUTDOWN_DELAY" ] && [ "$SIGNALS" -lt 2 ] && kill -0 "$RPCAPD_PID" 2>/dev/null; do
            pause 1
            _t=$((_t + 1))
        done
    fi
    log "stopping; removing table ip $NFT_TABLE and $CAPTURE_DEV"
    for _p in $RPCAPD_PID $SYNC_PID; do kill "-$STOP" "$_p" 2>/dev/null || true; done
    wait "$RPCAPD_PID" 2>/dev/null || true
    exit 0
}

main "$@"
