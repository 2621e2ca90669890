#!/usr/bin/env python3
"""Emulates Calico's IP-in-IP device `tunl0` on a kernel without the ipip module.

The caller creates a persistent TUN device named tunl0 (`ip tuntap add dev tunl0 mode tun`), gives it the node's
tunnel address and the routes Calico's BGP daemon programs (`<block> via <node IP> dev tunl0 onlink`). This relay
attaches to it and plays the kernel's ipip driver:

- send: the kernel routes an inner packet into tunl0 and hands it to us; we look up which node owns the destination
  (the same block -> node map the routes were made from) and send it to that node through a raw socket of
  protocol 4 (IPPROTO_IPIP). The kernel adds the outer IPv4 header (source: the route's source address, the node's
  underlay address; protocol 4) and the packet is locally generated: it crosses the node's OUTPUT and POSTROUTING
  hooks like the real driver's `ip_local_out`.
- receive: an outer packet of protocol 4 addressed to this node crosses PREROUTING and INPUT, is delivered to our raw
  socket (the kernel has no protocol-4 handler here, so nothing else sees it and no ICMP is sent); we strip the
  outer header and write the inner packet into tunl0, where the kernel receives it as arriving on tunl0 (PREROUTING
  with iif tunl0, then FORWARD or INPUT), like the real driver's decapsulation.

Usage: tunl0-relay.py <device> <block>=<node IP> [<block>=<node IP> ...]
Prints "ready" once attached. Python 3 standard library only.
"""

import fcntl
import ipaddress
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IPPROTO_IPIP = 4


def parse_peers(args):
    peers = []
    for arg in args:
        block, _, node = arg.partition("=")
        peers.append((ipaddress.ip_network(block), node))
    # Longest prefix first, as the routing table would choose.
    peers.sort(key=lambda p: p[0].prefixlen, reverse=True)
    return peers


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: tunl0-relay.py <device> <block>=<node IP> ...\n")
        return 2
    device = sys.argv[1]
    peers = parse_peers(sys.argv[2:])
    known_nodes = {node for _, node in peers}

    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", device.encode(), IFF_TUN | IFF_NO_PI))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_IPIP)
    sys.stdout.write("ready\n")
    sys.stdout.flush()

    while True:
        readable, _, _ = select.select([tun, raw], [], [])
        if tun in readable:
            inner = os.read(tun, 65535)
            if len(inner) >= 20 and inner[0] >> 4 == 4:
                dst = ipaddress.ip_address(inner[16:20])
                node = next((n for block, n in peers if dst in block), None)
                if node is not None:
                    try:
                        raw.sendto(inner, (node, 0))
                    except OSError as e:
                        sys.stderr.write(f"send to {node}: {e}\n")
        if raw in readable:
            outer, (src, _) = raw.recvfrom(65535)
            ihl = (outer[0] & 0x0F) * 4
            inner = outer[ihl:]
            # The real fallback device accepts from any remote; Calico only peers with its nodes.
            if src in known_nodes and len(inner) >= 20 and inner[0] >> 4 == 4:
                os.write(tun, inner)


if __name__ == "__main__":
    sys.exit(main())
