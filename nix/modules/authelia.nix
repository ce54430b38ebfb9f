# Authelia: SSO portal and forward-auth for every management-plane web
# endpoint behind Caddy (caddy.nix). Users come from LLDAP on localhost.
#
# Storage: local SQLite in the instance's state directory
# (/var/lib/authelia-main/db.sqlite3), not PostgreSQL. Reasons:
#   - the identity plane keeps working while the state hub's database is
#     down or being upgraded (the seed's failure-independence rule, applied
#     inside the host);
#   - Authelia's PostgreSQL backend requires a password even over the unix
#     socket (peer auth), i.e. one more secret for no gain on one host;
#   - the data is small (2FA registrations, encrypted with the storage key).
# Consequence: /var/lib/authelia-main is not in the PostgreSQL dump; an
# off-host backup must include it (and the storage key from agenix).
#
# Notifier: the filesystem notifier. One-time codes (e.g. to register TOTP)
# are written to /var/lib/authelia-main/notifications.txt, read by an
# operator over SSH. SMTP is not configured (no mail relay exists yet).
#
# OpenID Connect is not enabled: Authelia refuses an OIDC provider without
# clients, and no management service is an OIDC client yet. Enabling it
# needs settings.identity_providers.oidc plus secrets.oidcHmacSecretFile and
# secrets.oidcIssuerPrivateKeyFile (two more agenix secrets).
#
# Option names are those of nixpkgs nixos/modules/services/security/authelia.nix;
# settings keys follow Authelia 4.38+ (server.address, session.cookies,
# authentication_backend.ldap.address/implementation).
{
  config,
  hostFacts,
  ...
}:
let
  facts = import ../lib/facts.nix hostFacts;
  secrets = config.age.secrets;
  inherit (hostFacts) domains;
  ldap = config.services.lldap.settings;
  stateDir = "/var/lib/authelia-main";
in
{
  services.authelia.instances.main = {
    enable = true;

    # Paths only; the module passes them as AUTHELIA_*_FILE variables.
    secrets = {
      jwtSecretFile = secrets."authelia-jwt-secret".path;
      storageEncryptionKeyFile = secrets."authelia-storage-encryption-key".path;
      sessionSecretFile = secrets."authelia-session-secret".path;
    };
    environmentVariables = {
      AUTHELIA_AUTHENTICATION_BACKEND_LDAP_PASSWORD_FILE = secrets."authelia-ldap-password".path;
    };

    settings = {
      theme = "auto";
      default_2fa_method = "totp";
      log.level = "info";

      # Only Caddy talks to Authelia.
      server.address = "tcp://127.0.0.1:9091/";

      totp.issuer = facts.orgDomain;

      authentication_backend.ldap = {
        implementation = "lldap"; # LLDAP's DNs, attributes and filters
        address = "ldap://127.0.0.1:${toString ldap.ldap_port}";
        base_dn = facts.baseDn;
        # Service account created by lldap.nix (ensureUsers.authelia).
        user = "uid=authelia,ou=people,${facts.baseDn}";
      };

      session.cookies = [
        {
          # Parent of domains.sso, e.g. example.org: the cookie covers
          # domains.opsBridge and domains.ldap (hostFacts checks they are
          # under it).
          domain = facts.orgDomain;
          authelia_url = "https://${domains.sso}";
          default_redirection_url = "https://${domains.opsBridge}";
        }
      ];

      # Everything not listed is denied.
      access_control = {
        default_policy = "deny";
        rules = [
          {
            domain = [ domains.opsBridge ];
            subject = [ "group:operators" ];
            policy = "two_factor";
          }
          {
            # LLDAP's web UI: directory administrators only.
            domain = [ domains.ldap ];
            subject = [ "group:lldap_admin" ];
            policy = "two_factor";
          }
        ];
      };

      regulation = {
        max_retries = 5;
        find_time = "10m";
        ban_time = "30m";
      };

      storage.local.path = "${stateDir}/db.sqlite3";
      notifier.filesystem.filename = "${stateDir}/notifications.txt";
    };
  };

  # Authelia checks its LDAP backend at startup.
  systemd.services.authelia-main = {
    wants = [ "lldap.service" ];
    after = [ "lldap.service" ];
  };
}
