# shellcheck shell=sh
# Capture device and netfilter selection for entrypoint.sh (sourced, POSIX sh).
#
# Every packet a node handles passes exactly one of two netfilter hooks in the
# node's network namespace: postrouting (forwarded or locally generated, after
# kube-proxy's DNAT and before any SNAT) or input (delivered to the node). Our
# own nft table hooks both, decides per packet whether this node is the one
# that reports it, and clones the chosen packets with `dup to GW device DEV`
# onto a veth pair that exists only for capture. rpcapd captures that veth,
# so the sensor receives Ethernet frames (DLT_EN10MB). See docs/agent.md.
#
# Inputs (set by entrypoint.sh): CAPTURE_DEV CAPTURE_PEER CAPTURE_ADDR
# CAPTURE_GW CAPTURE_MAC NFT_TABLE VPC_MIRRORING ENI_IFNAMES SENSORS SVCNETS
# INSTANCE_ID (tags the table and the device: an agent only removes its own,
# so an old instance exiting after a new one started leaves the new one alone).

# comma_join: stdin lines -> "a, b, c" (empty when no lines).
comma_join() {
    sed '/^$/d' | paste -sd, - | sed 's/,/, /g'
}

# capture_dev_setup: (re)create the capture veth pair. Idempotent.
capture_dev_setup() {
    ip link del "$CAPTURE_DEV" 2>/dev/null || true
    ip link add "$CAPTURE_DEV" type veth peer name "$CAPTURE_PEER"
    ip link set "$CAPTURE_DEV" alias "extrahop-rpcapd $INSTANCE_ID"
    for _d in "$CAPTURE_DEV" "$CAPTURE_PEER"; do
        # No IPv6 link-local address, so neither end ever emits anything of
        # its own (router solicitations, MLD); no MTU limit on clones.
        ip link set "$_d" addrgenmode none
        ip link set "$_d" mtu 65535
    done
    # scope link: never picked as a source address (MASQUERADE on a pod veth
    # without an address of its own searches every device for a global one).
    ip addr add "$CAPTURE_ADDR/30" dev "$CAPTURE_DEV" scope link
    # The clones are addressed to a MAC the peer does not own: the peer drops
    # them as PACKET_OTHERHOST right away; no ARP is ever sent.
    ip neigh replace "$CAPTURE_GW" lladdr "$CAPTURE_MAC" dev "$CAPTURE_DEV" nud permanent
    if command -v ethtool >/dev/null 2>&1; then
        # Segment GRO/GSO super-packets before the capture tap, so the sensor
        # sees wire-sized TCP segments rather than 64 KiB aggregates.
        ethtool -K "$CAPTURE_DEV" gso off tso off gro off >/dev/null 2>&1 ||
            log "warning: ethtool could not disable offloads on $CAPTURE_DEV"
    else
        log "warning: ethtool missing: GRO/GSO aggregates reach the sensor unsegmented"
    fi
    ip link set "$CAPTURE_PEER" up
    ip link set "$CAPTURE_DEV" up
}

capture_dev_remove() {
    if ip -o link show dev "$CAPTURE_DEV" 2>/dev/null | grep -qF "alias extrahop-rpcapd $INSTANCE_ID"; then
        ip link del "$CAPTURE_DEV" 2>/dev/null || true
    elif ip -o link show dev "$CAPTURE_DEV" >/dev/null 2>&1; then
        log "$CAPTURE_DEV belongs to another agent instance now; leaving it"
    fi
}

# select_rules: the per-packet decision of this node, by mode.
select_rules() {
    if [ "$VPC_MIRRORING" = true ]; then
        # VPC Traffic Mirroring copies whatever crosses an ENI (eth*): report
        # only packets that neither came in nor go out through one.
        printf '%s\n' "$ENI_IFNAMES" | tr -s ' ' '\n' | sed '/^$/d' | while IFS= read -r _p; do
            printf '\t\tiifname "%s" return\n' "$_p"
            printf '\t\toifname "%s" return\n' "$_p"
        done
        printf '\t\tgoto capture\n'
    else
        # Packets of cluster members are reported once, by the node they
        # leave from; packets of anything else once, where they enter.
        printf '\t\tip saddr @local4 goto capture\n'
        printf '\t\tip saddr != @members4 goto capture\n'
    fi
}

# nft_ruleset: prints the whole table. Loading it with `nft -f` replaces any
# previous version of the table in one transaction (restart-safe) and touches
# no other table.
nft_ruleset() {
    _sensors=$(printf '%s\n' "$SENSORS" | comma_join)
    _svc=$(printf '%s\n' "$SVCNETS" | comma_join)
    cat <<EOF
table ip $NFT_TABLE
delete table ip $NFT_TABLE
table ip $NFT_TABLE {
	comment "owner $INSTANCE_ID"
	set sensors {
		type ipv4_addr
		elements = { $_sensors }
	}
	set svcnet {
		type ipv4_addr
		flags interval
		elements = { $_svc }
	}
	set local4 {
		type ipv4_addr
		comment "addresses of this node and of the pods it hosts"
	}
	set members4 {
		type ipv4_addr
		comment "addresses of every node running the agent and of their pods"
	}
	chain postrouting {
		# mangle priority: after DNAT (prerouting/output), before SNAT (+100)
		type filter hook postrouting priority mangle; policy accept;
		oifname { "lo", "$CAPTURE_DEV" } return
		jump select
	}
	chain input {
		type filter hook input priority mangle; policy accept;
		iifname "lo" return
		jump select
	}
	chain select {
		ip saddr @sensors return
		ip daddr @sensors return
		ip saddr 127.0.0.0/8 return
		ip daddr @svcnet return
$(select_rules)
	}
	chain capture {
		counter dup to $CAPTURE_GW device "$CAPTURE_DEV"
	}
}
EOF
}

nft_install() {
    nft_ruleset >"$STATE_DIR/ruleset.nft"
    nft -f "$STATE_DIR/ruleset.nft"
}

nft_remove() {
    if nft list table ip "$NFT_TABLE" 2>/dev/null | grep -qF "comment \"owner $INSTANCE_ID\""; then
        nft delete table ip "$NFT_TABLE" 2>/dev/null || true
    elif nft list table ip "$NFT_TABLE" >/dev/null 2>&1; then
        log "table ip $NFT_TABLE belongs to another agent instance now; leaving it"
    fi
}

# bpf_filter: rpcapd's -F, a second line of defence behind the nft rules:
# IPv4 only, never a packet to or from a sensor.
bpf_filter() {
    _hosts=$(printf '%s\n' "$SENSORS" | sed '/^$/d; s/^/host /' | paste -sd'|' - | sed 's/|/ or /g')
    printf 'ip and not (%s)' "$_hosts"
}
