#!/bin/sh
# Installs the Debian packages the test suite needs on a fresh machine (run as root).
# The kernel simulation needs ip/iptables/ipset/tcpdump; the image test needs buildah and debootstrap; the
# plan's test against the real AWS CLI needs awscli.
set -eu
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-deps: run as root (the packages and the network-namespace tests need it)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq \
  iproute2 iptables ipset nftables tcpdump curl jq socat procps kmod iputils-ping ethtool libcap2-bin \
  python3 openssl awscli shellcheck buildah debootstrap debian-archive-keyring dpkg-dev ca-certificates >/dev/null
echo "install-test-deps: ok"
