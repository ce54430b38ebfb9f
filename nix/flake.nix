{
  description = "harmony-infra: NixOS configuration of the management host (mgmt)";

  inputs = {
    # Current stable release branch. nixos-26.05 is confirmed to exist: it is
    # the `nixos-stable` input locked in nixos-anywhere's own flake.lock.
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";

    disko = {
      url = "github:nix-community/disko";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    agenix = {
      url = "github:ryantm/agenix";
      inputs.nixpkgs.follows = "nixpkgs";
      # agenix's darwin input is only for macOS hosts; "" skips fetching it
      # (as agenix's README suggests for Linux-only flakes).
      inputs.darwin.follows = "";
    };
  };

  outputs =
    {
      self,
      nixpkgs,
      disko,
      agenix,
      ...
    }:
    let
      system = "x86_64-linux";
      pkgs = nixpkgs.legacyPackages.${system};
    in
    {
      # nixos-anywhere (terraform/all-in-one) builds
      #   nix#nixosConfigurations.mgmt.config.system.build.toplevel
      #   nix#nixosConfigurations.mgmt.config.system.build.diskoScript
      # and, because the Terraform side passes `special_args = { hostFacts = ... }`,
      # re-evaluates this configuration with
      #   .extendModules { specialArgs = { hostFacts = <Terraform's JSON>; }; }
      # extendModules merges specialArgs with `//`, so Terraform's hostFacts
      # replaces the example below as a whole (it must be complete).
      # The example facts only make `nix flake check` / `nix build` work
      # without Terraform.
      nixosConfigurations.mgmt = nixpkgs.lib.nixosSystem {
        inherit system;
        specialArgs = {
          hostFacts = builtins.fromJSON (builtins.readFile ./hosts/mgmt/host-facts.example.json);
        };
        modules = [
          disko.nixosModules.disko # provides config.system.build.diskoScript
          agenix.nixosModules.default
          ./hosts/mgmt
        ];
      };

      # `nix fmt ./nix`
      formatter.${system} = pkgs.nixfmt-tree;

      # The agenix CLI at the pinned version:
      #   cd nix/secrets && nix run ..#agenix -- -e lldap-jwt-secret.age
      packages.${system}.agenix = agenix.packages.${system}.default;
    };
}
