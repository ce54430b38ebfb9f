# OpenSSH: keys only, root logs in with hostFacts.adminSshKeys.
{ hostFacts, ... }:
{
  services.openssh = {
    enable = true;
    # Port 22 is opened per source CIDR in network.nix; the module's own
    # firewall rule would open it to the world.
    openFirewall = false;
    settings = {
      PasswordAuthentication = false;
      KbdInteractiveAuthentication = false;
      PermitRootLogin = "prohibit-password";
    };
    # One ed25519 host key, at the path nixos-anywhere's extra_files_script
    # writes before the first boot (etc/ssh/ssh_host_ed25519_key in the
    # files it copies). agenix decrypts every secret with this key
    # (age.identityPaths in secrets.nix), and the key's public half is the
    # `mgmt` recipient in nix/secrets/secrets.nix. sshd only generates a key
    # if the file is missing; a generated key is not a recipient, so agenix
    # could decrypt nothing: provide the key, do not let it be generated.
    hostKeys = [
      {
        path = "/etc/ssh/ssh_host_ed25519_key";
        type = "ed25519";
      }
    ];
  };

  users.users.root.openssh.authorizedKeys.keys = hostFacts.adminSshKeys;
}
