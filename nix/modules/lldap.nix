# LLDAP: the directory of operator accounts (management users only).
#
#   LDAP   127.0.0.1:3890  -> Authelia's authentication backend
#   web UI 127.0.0.1:17170 -> published by Caddy at domains.ldap, behind
#                             Authelia (caddy.nix)
#
# Data: SQLite in /var/lib/lldap (users.db, plus the server key LLDAP
# generates on first start). Not in the PostgreSQL dump: an off-host backup
# must include /var/lib/lldap.
#
# Option names are those of nixpkgs nixos/modules/services/databases/lldap.nix.
{
  config,
  lib,
  hostFacts,
  ...
}:
let
  facts = import ../lib/facts.nix hostFacts;
  secrets = config.age.secrets;
in
{
  services.lldap = {
    enable = true;

    settings = {
      ldap_host = "127.0.0.1";
      ldap_port = 3890;
      http_host = "127.0.0.1";
      http_port = 17170;
      http_url = "https://${hostFacts.domains.ldap}";
      ldap_base_dn = facts.baseDn; # e.g. dc=example,dc=org
      ldap_user_dn = "admin";
      ldap_user_email = hostFacts.acmeEmail;
      # The admin password is declarative: the agenix file is the truth and
      # is re-applied on every start (a change in the UI does not survive a
      # restart). The module requires ldap_user_pass(_file) to be set.
      ldap_user_pass_file = secrets."lldap-admin-password".path;
      force_ldap_user_pass_reset = "always";
    };

    # The JWT secret goes through the environment, not settings.jwt_secret_file:
    # the module's start script generates a random secret and exports
    # LLDAP_JWT_SECRET_FILE unless that variable (or settings.jwt_secret) is
    # already set, and LLDAP_* variables override the config file.
    environment.LLDAP_JWT_SECRET_FILE = secrets."lldap-jwt-secret".path;

    # Created (and their passwords set) by the module's lldap-bootstrap step
    # after every start.
    ensureGroups.operators = { };
    ensureUsers.authelia = {
      email = "authelia@${facts.orgDomain}";
      displayName = "Authelia service account";
      password_file = secrets."authelia-ldap-password".path;
      # Lets Authelia read users/groups and reset passwords of non-admin users.
      groups = [ "lldap_password_manager" ];
    };
  };

  # The upstream unit uses DynamicUser, whose user exists only while the
  # service runs; agenix must chown the secrets above at activation, so
  # LLDAP runs as a static system user instead.
  users.users.lldap = {
    isSystemUser = true;
    group = "lldap";
    description = "LLDAP directory server";
  };
  users.groups.lldap = { };
  systemd.services.lldap.serviceConfig.DynamicUser = lib.mkForce false;
}
