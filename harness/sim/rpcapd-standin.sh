#!/bin/sh
# rpcapd-standin.sh: a test stand-in for the vendor's rpcapd (closed 9.x build), for the agent's tests.
#
# It honours the options agent/entrypoint.sh passes to rpcapd:
#   -f <ini>     reads "ActiveClient = <host>,<port>[,<ignored options>]" lines ('#' starts a comment,
#                at most 10 clients, further ones are ignored with a warning, as rpcapd does); when the
#                file names at least one client, it replaces the clients given with -a. NullAuthPermit and
#                other keys are accepted and ignored.
#   -a <host>,<port>  an active client on the command line (repeatable).
#   -i <device>  the libpcap device: "any", an interface name, or "nflog:<group>". Required.
#   -F <bpf>     the capture filter, handed to tcpdump exactly as given (one argument). It is compiled
#                once at start-up (tcpdump -d on the device): if tcpdump rejects it, the stand-in exits 1.
#                libpcap cannot filter nflog:<group> devices; tcpdump rejects most filters there.
#   -v -n -D -d -4  accepted and ignored (-d does not daemonize: the stand-in stays in the foreground).
#   -s, -l, -b, -p  accepted with their argument and ignored.
#
# Per client, as rpcapd does per active connection, it connects over TCP and, once connected, starts a
# capture of its own (tcpdump -U -s 0 -w - -i <device> <filter>) whose pcap stream (24-byte global header,
# then records) goes to that client: each client gets a full copy. The stream is plain pcap, not the RPCAP
# protocol. A failed connection attempt (refused, unreachable, timed out) is retried every
# $RPCAPD_STANDIN_RETRY seconds (default 5; the real rpcapd waits 30 s), forever. A connection that was
# established and is then closed by the client (the sensor: FIN or RST) ends that client for good, as the
# vendor's rpcapd does after the sensor sends CLOSE: it is not retried, and the process stays up (alive,
# forwarding nothing to that client) until it is stopped or HUP restarts the sessions. A receiver knows
# the capture is armed once it has received the 24-byte header.
#
# It exits 1 if a capture dies on its own (tcpdump exits non-zero: device gone, filter refused), 2 on a
# usage or configuration error, 0 on TERM/INT (its children are stopped first). HUP re-reads the ini and
# restarts every client session, as rpcapd re-reads its configuration on HUP.
#
# Needs tcpdump and socat. Environment: RPCAPD_STANDIN_RETRY (seconds between connection attempts),
# RPCAPD_STANDIN_CONNECT_TIMEOUT (seconds, default 5).
set -eu

prog="rpcapd-standin"
log() { printf '%s[%s]: %s\n' "$prog" "$$" "$*" >&2; }
die_usage() { log "$*"; exit 2; }

# ---- capture mode: socat runs this, with the client's TCP connection as stdout --------------------
if [ "${1:-}" = "--standin-capture" ]; then
    : "${RPCAPD_STANDIN_DEVICE:?}" "${RPCAPD_STANDIN_STATE:?}" "${RPCAPD_STANDIN_CLIENT:?}"
    tp=""
    stopping=0
    # shellcheck disable=SC2317 # called by the trap below
    on_term() {
        stopping=1
        if [ -n "$tp" ]; then kill -TERM "$tp" 2>/dev/null || :; fi
    }
    # socat sends TERM when the connection ends or when it is told to stop.
    trap on_term TERM INT HUP
    errfile="$RPCAPD_STANDIN_STATE/tcpdump.$$.err"
    log "client $RPCAPD_STANDIN_CLIENT: connected, capturing on $RPCAPD_STANDIN_DEVICE"
    if [ "${RPCAPD_STANDIN_HAS_FILTER:-0}" = 1 ]; then
        tcpdump -U -n -s 0 -w - -i "$RPCAPD_STANDIN_DEVICE" -- "${RPCAPD_STANDIN_FILTER:-}" 2>"$errfile" &
    else
        tcpdump -U -n -s 0 -w - -i "$RPCAPD_STANDIN_DEVICE" 2>"$errfile" &
    fi
    tp=$!
    # Marks this capture as running; the main process waits for these markers to go before it exits.
    : >"$RPCAPD_STANDIN_STATE/capture.$$"
    # Tells the client loop that this session was connected (so its end is not a failed connect).
    : >"$RPCAPD_STANDIN_STATE/session.${RPCAPD_STANDIN_SESSION:?}"
    rc=0
    # wait returns early (>128) when a trapped signal arrives; wait again to collect tcpdump's status.
    while :; do
        rc=0
        wait "$tp" || rc=$?
        if kill -0 "$tp" 2>/dev/null; then continue; fi
        break
    done
    sed "s/^/${prog}[$$]: tcpdump: /" "$errfile" >&2 2>/dev/null || :
    # tcpdump exits 0 when its output is closed (the connection is gone): not a capture failure.
    if [ "$stopping" = 0 ] && [ "$rc" != 0 ]; then
        log "client $RPCAPD_STANDIN_CLIENT: tcpdump died (exit $rc)"
        printf '%s\n' "$rc" >"$RPCAPD_STANDIN_STATE/fatal"
        kill -USR1 "$RPCAPD_STANDIN_MAIN" 2>/dev/null || :
    fi
    rm -f "$errfile" "$RPCAPD_STANDIN_STATE/capture.$$"
    exit "$rc"
fi

# ---- main mode ------------------------------------------------------------------------------------
ini=""
device=""
filter=""
has_filter=0
cli_clients=""
nl='
'
while getopts ":f:i:F:a:s:l:b:p:vnDd4" opt; do
    case "$opt" in
        f) ini="$OPTARG" ;;
        i) device="$OPTARG" ;;
        F) filter="$OPTARG"; has_filter=1 ;;
        a) cli_clients="$cli_clients$OPTARG$nl" ;;
        s | l | b | p | v | n | D | d | 4) ;;
        :) die_usage "option -$OPTARG needs an argument" ;;
        *) die_usage "unknown option -$OPTARG" ;;
    esac
done
shift $((OPTIND - 1))
[ "$#" -eq 0 ] || die_usage "unexpected argument: $1"
[ -n "$device" ] || die_usage "-i <device> is required (any, an interface name or nflog:<group>)"

retry="${RPCAPD_STANDIN_RETRY:-5}"
connect_timeout="${RPCAPD_STANDIN_CONNECT_TIMEOUT:-5}"
case "$retry" in '' | *[!0-9.]*) die_usage "RPCAPD_STANDIN_RETRY must be a number of seconds, got '$retry'" ;; esac
case "$connect_timeout" in '' | *[!0-9.]*) die_usage "RPCAPD_STANDIN_CONNECT_TIMEOUT must be a number of seconds" ;; esac

command -v tcpdump >/dev/null 2>&1 || die_usage "tcpdump is not installed"
command -v socat >/dev/null 2>&1 || die_usage "socat is not installed"

# socat's EXEC address splits its command at spaces and treats , : ! specially: keep the path plain.
case "$0" in
    /*) self="$0" ;;
    *) self="$PWD/$0" ;;
esac
case "$self" in *[!A-Za-z0-9/._+-]*) die_usage "cannot re-execute myself from '$self' (unusual characters in the path)" ;; esac

# Prints one "host,port" line per client: the ini's clients when it names any, else those of -a.
read_clients() {
    ini_clients=""
    if [ -n "$ini" ]; then
        [ -r "$ini" ] || die_usage "cannot read the configuration file '$ini'"
        lineno=0
        while IFS= read -r line || [ -n "$line" ]; do
            lineno=$((lineno + 1))
            line="${line%%#*}"
            case "$line" in *[![:space:]]*) ;; *) continue ;; esac
            key="$(printf '%s' "${line%%=*}" | tr -d '[:space:]')"
            case "$line" in *=*) value="${line#*=}" ;; *) value="" ;; esac
            value="$(printf '%s' "$value" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')"
            case "$key" in
                ActiveClient)
                    host="$(printf '%s' "${value%%,*}" | tr -d '[:space:]')"
                    rest="${value#*,}"
                    [ "$rest" != "$value" ] || die_usage "$ini:$lineno: ActiveClient needs <host>,<port>: '$value'"
                    port="$(printf '%s' "${rest%%,*}" | tr -d '[:space:]')"
                    ini_clients="$ini_clients$host,$port$nl"
                    ;;
                *) ;;
            esac
        done <"$ini"
    fi
    if [ -n "$ini_clients" ]; then printf '%s' "$ini_clients"; else printf '%s' "$cli_clients"; fi
}

# Validates the client list; sets $clients (newline-separated host,port).
load_clients() {
    all="$(read_clients)" || exit $?
    clients=""
    count=0
    for c in $all; do
        host="${c%,*}"
        port="${c##*,}"
        [ -n "$host" ] || die_usage "ActiveClient '$c': empty host"
        case "$port" in '' | *[!0-9]*) die_usage "ActiveClient '$c': port must be a number" ;; esac
        if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then die_usage "ActiveClient '$c': port out of range"; fi
        case "$host" in *[!A-Za-z0-9.:_-]*) die_usage "ActiveClient '$c': unsupported host" ;; esac
        if [ "$count" -ge 10 ]; then
            log "ActiveClient $host,$port ignored: at most 10 clients"
            continue
        fi
        count=$((count + 1))
        clients="$clients$host,$port$nl"
    done
    [ "$count" -gt 0 ] || die_usage "no ActiveClient (give -f <ini> with ActiveClient lines, or -a <host>,<port>)"
}

load_clients

# Compile the filter once on the device, so a filter tcpdump rejects fails now, not at the first client.
if [ "$has_filter" = 1 ]; then
    if ! out="$(tcpdump -d -n -i "$device" -- "$filter" 2>&1 >/dev/null)"; then
        log "tcpdump rejects the capture filter on device $device: $out"
        exit 1
    fi
else
    if ! out="$(tcpdump -d -n -i "$device" 2>&1 >/dev/null)"; then
        log "tcpdump cannot open device $device: $out"
        exit 1
    fi
fi

state="$(mktemp -d -p "${TMPDIR:-/tmp}")" # a unique private directory for this run
export RPCAPD_STANDIN_DEVICE="$device" RPCAPD_STANDIN_FILTER="$filter" RPCAPD_STANDIN_HAS_FILTER="$has_filter"
export RPCAPD_STANDIN_STATE="$state" RPCAPD_STANDIN_MAIN="$$"

# One background loop per client: connect (socat opens the TCP side first, then runs the capture),
# stream until the connection or the capture ends. A failed connect is retried; a session that was
# connected and ended (the client closed it) is not: the loop ends, the process stays up.
# socat is bidirectional (no -U) so that it reads the TCP side and notices the client closing it
# (EOF or reset); the client sends nothing, so nothing reaches the capture's stdin.
client_loop() {
    client="$1"
    session="$2"
    host="${client%,*}"
    port="${client##*,}"
    child=""
    trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || :; wait "$child" 2>/dev/null || :; fi; exit 0' TERM
    while :; do
        rm -f "$state/session.$session"
        RPCAPD_STANDIN_CLIENT="$client" RPCAPD_STANDIN_SESSION="$session" socat \
            "TCP:$host:$port,connect-timeout=$connect_timeout" \
            "EXEC:$self --standin-capture" &
        child=$!
        wait "$child" || :
        child=""
        if [ -e "$state/fatal" ]; then exit 1; fi
        if [ -e "$state/session.$session" ]; then
            rm -f "$state/session.$session"
            log "client $client: connection closed by the client; not reconnecting (as rpcapd after CLOSE)"
            exit 0
        fi
        log "client $client: not connected; retrying in ${retry}s"
        sleep "$retry" &
        child=$!
        wait "$child" || :
        child=""
    done
}

# Stops the client loops if the main process disappears without stopping them (SIGKILL), so that no
# session keeps streaming behind a dead stand-in.
watchdog() {
    while kill -0 "$RPCAPD_STANDIN_MAIN" 2>/dev/null; do sleep 1; done
    for p in "$@"; do kill -TERM "$p" 2>/dev/null || :; done
    sleep 2
    rm -rf "$state"
}

pids=""
watchdog_pid=""
sessions=0
start_clients() {
    for c in $clients; do
        sessions=$((sessions + 1))
        client_loop "$c" "$sessions" &
        pids="$pids $!"
    done
    # shellcheck disable=SC2086 # one argument per pid
    watchdog $pids &
    watchdog_pid=$!
    log "capturing on $device for $(printf '%s' "$clients" | tr '\n' ' ')${filter:+with filter: $filter}"
}
stop_clients() {
    if [ -n "$watchdog_pid" ]; then kill -TERM "$watchdog_pid" 2>/dev/null || :; fi
    watchdog_pid=""
    for p in $pids; do kill -TERM "$p" 2>/dev/null || :; done
    for p in $pids; do wait "$p" 2>/dev/null || :; done
    pids=""
    # socat has told each capture to stop; give them up to 5 s to stop their tcpdump and leave.
    n=0
    while [ "$n" -lt 50 ] && [ -n "$(find "$state" -name 'capture.*' 2>/dev/null)" ]; do
        sleep 0.1
        n=$((n + 1))
    done
}

event=""
trap 'event=stop' TERM INT
trap 'event=fatal' USR1
trap 'event=reload' HUP
start_clients
while :; do
    wait || :
    case "$event" in
        stop)
            stop_clients
            rm -rf "$state"
            exit 0
            ;;
        fatal)
            log "a capture died; stopping"
            stop_clients
            rm -rf "$state"
            exit 1
            ;;
        reload)
            event=""
            log "HUP: re-reading ${ini:-the command line}"
            stop_clients
            load_clients
            start_clients
            ;;
        *)
            # wait returned without a signal: every child ended, the watchdog included, which only
            # happens on failure (client loops that end after CLOSE leave the watchdog running).
            log "all client loops ended"
            rm -rf "$state"
            exit 1
            ;;
    esac
done
