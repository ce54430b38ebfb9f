# Caddy: the ops-bridge, the single HTTPS entry point of the mgmt host.
#
# Certificates come from ACME (Let's Encrypt, with Caddy's automatic issuer
# fallback) for every virtual host; the DNS names must point at the host
# and ports 80/443 must be reachable (network.nix) before Caddy can get them.
#
#   domains.sso       -> Authelia portal
#   domains.ldap      -> LLDAP web UI, behind Authelia forward_auth
#   domains.opsBridge -> behind Authelia forward_auth, then a placeholder
#
# The state hub (the-custodian) and the hub services are not part of this
# repository; when they are deployed on the host, replace the placeholder
# `respond` in domains.opsBridge with a reverse_proxy to their local port.
#
# Option names are those of nixpkgs nixos/modules/services/web-servers/caddy.
{
  config,
  hostFacts,
  ...
}:
let
  inherit (hostFacts) domains;
  authelia = "127.0.0.1:9091"; # authelia.nix server.address
  lldapUi = "127.0.0.1:${toString config.services.lldap.settings.http_port}";

  # Authelia's forward-auth endpoint (ForwardAuth implementation, Authelia
  # 4.38+); the identity headers are copied onto the proxied request.
  forwardAuth = ''
    forward_auth ${authelia} {
      uri /api/authz/forward-auth
      copy_headers Remote-User Remote-Groups Remote-Email Remote-Name
    }
  '';
  hsts = ''
    header Strict-Transport-Security "max-age=31536000"
  '';
in
{
  services.caddy = {
    enable = true;
    email = hostFacts.acmeEmail;

    virtualHosts = {
      ${domains.sso}.extraConfig = ''
        ${hsts}
        reverse_proxy ${authelia}
      '';

      ${domains.ldap}.extraConfig = ''
        ${hsts}
        ${forwardAuth}
        reverse_proxy ${lldapUi}
      '';

      ${domains.opsBridge}.extraConfig = ''
        ${hsts}
        ${forwardAuth}
        respond "harmony ops-bridge: signed in as {http.request.header.Remote-User}; no management service is published here yet." 200
      '';
    };
  };
}
