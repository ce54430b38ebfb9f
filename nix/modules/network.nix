# Network and host firewall of the mgmt host.
#
# Addressing on Hetzner Cloud:
#   - IPv4 comes from Hetzner's DHCP (the primary IP; hostFacts.ipv4Address
#     is informational and ends up in /etc/harmony/host-facts.json).
#   - IPv6 has no DHCPv6: the address is static (hostFacts.ipv6Address /
#     ipv6PrefixLength) and the gateway is the link-local fe80::1.
#
# Interface name: classic kernel names are used, so the public NIC is always
# `eth0` whatever the VM generation calls it with predictable names (ens3 on
# older hosts, enp1s0 on newer ones). A Hetzner private network, if one is
# attached later, shows up as eth1 and is left unconfigured by this file.
#
# Firewall: the same rules as the Hetzner Cloud firewall in front of the host
# (defence in depth, and the host is safe if that firewall is detached):
#   - TCP 22 only from hostFacts.adminCidrs,
#   - TCP 80/443 from everywhere (Caddy: ACME + ops-bridge),
#   - ICMP echo and the ICMPv6 types IPv6 needs.
# HTTP/3 (UDP 443) is not opened; browsers fall back to HTTP/2.
#
# The nftables backend is used because it has a place for source-restricted
# rules (networking.firewall.extraInputRules); `allowedTCPPorts` is global,
# so SSH must not be listed there (and sshd.nix sets openFirewall = false).
{ lib, hostFacts, ... }:
let
  facts = import ../lib/facts.nix hostFacts;
  nftSet = cidrs: lib.concatStringsSep ", " cidrs;
  sshRules =
    lib.optional (facts.adminCidrsV4 != [ ])
      "ip saddr { ${nftSet facts.adminCidrsV4} } tcp dport 22 accept comment \"ssh from adminCidrs\""
    ++ lib.optional (facts.adminCidrsV6 != [ ])
      "ip6 saddr { ${nftSet facts.adminCidrsV6} } tcp dport 22 accept comment \"ssh from adminCidrs\"";
in
{
  networking = {
    useNetworkd = true;
    useDHCP = false;
    usePredictableInterfaceNames = false;

    nftables.enable = true; # the NixOS firewall then renders nftables rules
    firewall = {
      enable = true;
      allowedTCPPorts = [
        80
        443
      ];
      allowPing = true;
      # Appended to the input-allow chain (nftables backend only).
      extraInputRules = lib.concatStringsSep "\n" sshRules;
    };
  };

  systemd.network = {
    enable = true;
    networks."10-uplink" = {
      matchConfig.Name = "eth0";
      networkConfig.DHCP = "ipv4";
      address = [ "${hostFacts.ipv6Address}/${toString hostFacts.ipv6PrefixLength}" ];
      gateway = [ "fe80::1" ];
      linkConfig.RequiredForOnline = "routable";
    };
  };
}
