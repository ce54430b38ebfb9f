# Disk layout and boot loader for a Hetzner Cloud x86 VM.
#
# Hetzner's x86 cloud VMs boot with legacy BIOS and show the disk as
# /dev/sda (virtio-scsi). The layout is GPT with
#   - a 1M EF02 partition, where grub's BIOS stage lives,
#   - an ESP (vfat, /boot) so the same disk also boots under UEFI,
#   - the rest as ext4 root.
# disko adds the disk of an EF02 partition to boot.loader.grub.devices by
# itself, so no grub device is set here. nixos-anywhere runs
# config.system.build.diskoScript (from disko's NixOS module, imported in
# flake.nix) to partition and format before installing.
#
# Attribute names follow disko's example/hybrid.nix and lib/types/gpt.nix.
{ modulesPath, ... }:
{
  imports = [
    # virtio drivers (virtio_pci, virtio_scsi, virtio_net, ...) in the initrd.
    (modulesPath + "/profiles/qemu-guest.nix")
  ];

  disko.devices.disk.main = {
    type = "disk";
    device = "/dev/sda";
    content = {
      type = "gpt";
      partitions = {
        boot = {
          size = "1M";
          type = "EF02"; # BIOS boot partition for grub
        };
        ESP = {
          size = "512M";
          type = "EF00";
          content = {
            type = "filesystem";
            format = "vfat";
            mountpoint = "/boot";
            mountOptions = [ "umask=0077" ];
          };
        };
        root = {
          size = "100%";
          content = {
            type = "filesystem";
            format = "ext4";
            mountpoint = "/";
          };
        };
      };
    };
  };

  boot.loader.grub = {
    enable = true;
    efiSupport = true;
    # Install to the removable-media path (EFI/BOOT/BOOTX64.EFI) and never
    # touch NVRAM variables: works whether the VM boots BIOS or UEFI.
    efiInstallAsRemovable = true;
  };
}
