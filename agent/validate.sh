# shellcheck shell=sh
# Validation helpers for entrypoint.sh (sourced, POSIX sh). Each check prints
# nothing and returns 0 on success, 1 on failure; the caller names the variable.

# valid_ipv4 ADDR: dotted quad, each octet 0..255, no leading zeros.
valid_ipv4() {
    case $1 in '' | *[!0-9.]* | .* | *. | *..*) return 1 ;; esac
    _v_ifs=$IFS
    IFS=.
    set -f
    # shellcheck disable=SC2086 # splitting on dots is the point
    set -- $1
    set +f
    IFS=$_v_ifs
    [ $# -eq 4 ] || return 1
    for _v_o; do
        case $_v_o in '' | *[!0-9]* | 0?*) return 1 ;; esac
        [ "$_v_o" -le 255 ] || return 1
    done
}

# ipv4_to_int ADDR: prints the address as an integer (ADDR must be valid).
ipv4_to_int() {
    _i_ifs=$IFS
    IFS=.
    set -f
    # shellcheck disable=SC2086
    set -- $1
    set +f
    IFS=$_i_ifs
    echo $(($1 * 16777216 + $2 * 65536 + $3 * 256 + $4))
}

# valid_cidr CIDR: ADDR/LEN, LEN 0..32, no host bits set.
valid_cidr() {
    case $1 in */*) ;; *) return 1 ;; esac
    _c_addr=${1%/*}
    _c_len=${1#*/}
    valid_ipv4 "$_c_addr" || return 1
    case $_c_len in '' | *[!0-9]* | 0?*) return 1 ;; esac
    [ "$_c_len" -le 32 ] || return 1
    _c_int=$(ipv4_to_int "$_c_addr")
    if [ "$_c_len" -eq 0 ]; then _c_mask=0; else _c_mask=$(((4294967295 << (32 - _c_len)) & 4294967295)); fi
    [ $((_c_int & ~_c_mask & 4294967295)) -eq 0 ]
}

# valid_port PORT: 1..65535, no leading zeros.
valid_port() {
    case $1 in '' | *[!0-9]* | 0*) return 1 ;; esac
    [ "${#1}" -le 5 ] && [ "$1" -le 65535 ]
}

# valid_dns_subdomain NAME: Kubernetes node names (RFC 1123 subdomain).
valid_dns_subdomain() {
    case $1 in '' | *[!a-z0-9.-]* | [.-]* | *[.-]) return 1 ;; esac
    [ "${#1}" -le 253 ]
}

# valid_ifname NAME: a Linux interface name (1-15 chars, no blanks, no quotes).
valid_ifname() {
    case $1 in '' | *[!A-Za-z0-9_.-]*) return 1 ;; esac
    [ "${#1}" -le 15 ]
}

# valid_ifpatterns LIST: blank-separated interface names or prefixes with a
# trailing * (nft wildcard), e.g. "eth*" or "eni vlan".
valid_ifpatterns() {
    [ -n "$1" ] || return 1
    for _p in $1; do
        _base=${_p%\*}
        valid_ifname "$_base" || return 1
    done
}

# list_items NAME CHECK WHAT: validates the comma-separated list held by the
# variable NAME, each item with the function CHECK; on success sets LIST to the
# items, blanks trimmed, duplicates dropped, one per line. On failure prints a
# message that names NAME and exits 2 (runs in the current shell: no pipes).
list_items() {
    _l_val=
    eval "_l_val=\${$1}"
    _l_nl='
'
    case $_l_val in
        ,* | *, | *,,*) die "$1: empty item in '$_l_val'" ;;
    esac
    LIST=
    _l_ifs=$IFS
    IFS=,
    set -f
    for _l_item in $_l_val; do
        IFS=$_l_ifs
        _l_item=$(printf '%s' "$_l_item" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
        [ -n "$_l_item" ] || die "$1: empty item in '$_l_val'"
        "$2" "$_l_item" || die "$1: '$_l_item' is not $3"
        case "$_l_nl$LIST$_l_nl" in
            *"$_l_nl$_l_item$_l_nl"*) ;;
            *) LIST="$LIST${LIST:+$_l_nl}$_l_item" ;;
        esac
    done
    IFS=$_l_ifs
    set +f
}
