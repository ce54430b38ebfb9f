// Hand-written in the shape `cdktf get` generates; see ../README.md.
// Schema: terraform-provider-hcloud v1.68.0 internal/server/resource.go.
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
import { HCLOUD_PROVIDER_VERSION_CONSTRAINT } from '../provider';

export interface ServerPublicNet {
  /**
   * Enable a public IPv4 (default true).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#ipv4_enabled Server#ipv4_enabled}
   */
  readonly ipv4Enabled?: boolean | cdktf.IResolvable;
  /**
   * ID of the IPv4 Primary IP to assign.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#ipv4 Server#ipv4}
   */
  readonly ipv4?: number;
  /**
   * Enable a public IPv6 (default true).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#ipv6_enabled Server#ipv6_enabled}
   */
  readonly ipv6Enabled?: boolean | cdktf.IResolvable;
  /**
   * ID of the IPv6 Primary IP to assign.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#ipv6 Server#ipv6}
   */
  readonly ipv6?: number;
}

export function serverPublicNetToTerraform(struct?: ServerPublicNet | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) {
    return struct;
  }
  if (cdktf.isComplexElement(struct)) {
    throw new Error('A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration');
  }
  return {
    ipv4_enabled: cdktf.booleanToTerraform(struct!.ipv4Enabled),
    ipv4: cdktf.numberToTerraform(struct!.ipv4),
    ipv6_enabled: cdktf.booleanToTerraform(struct!.ipv6Enabled),
    ipv6: cdktf.numberToTerraform(struct!.ipv6),
  };
}

export interface ServerConfig extends cdktf.TerraformMetaArguments {
  /**
   * Name of the server (unique per project, an RFC 1123 hostname).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#name Server#name}
   */
  readonly name: string;
  /**
   * Name of the server type, e.g. `cx23`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#server_type Server#server_type}
   */
  readonly serverType: string;
  /**
   * Name or ID of the image. ForceNew: changing it replaces the server.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#image Server#image}
   */
  readonly image?: string;
  /**
   * Location name. ForceNew. (`datacenter` was removed in v1.67.0.)
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#location Server#location}
   */
  readonly location?: string;
  /**
   * Cloud-init user data. ForceNew.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#user_data Server#user_data}
   */
  readonly userData?: string;
  /**
   * SSH key IDs or names injected at creation. ForceNew.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#ssh_keys Server#ssh_keys}
   */
  readonly sshKeys?: string[];
  /**
   * User-defined labels (key-value pairs).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#labels Server#labels}
   */
  readonly labels?: { [key: string]: string };
  /**
   * public_net block (a set): enable IPv4/IPv6 or link Primary IPs.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#public_net Server#public_net}
   */
  readonly publicNet?: ServerPublicNet[] | cdktf.IResolvable;
  /**
   * Firewall IDs to attach (a set of numbers).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#firewall_ids Server#firewall_ids}
   */
  readonly firewallIds?: number[];
  /**
   * Enable Hetzner backups.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#backups Server#backups}
   */
  readonly backups?: boolean | cdktf.IResolvable;
  /**
   * Delete protection (must equal `rebuildProtection`). Default false.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#delete_protection Server#delete_protection}
   */
  readonly deleteProtection?: boolean | cdktf.IResolvable;
  /**
   * Rebuild protection (must equal `deleteProtection`). Default false.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#rebuild_protection Server#rebuild_protection}
   */
  readonly rebuildProtection?: boolean | cdktf.IResolvable;
  /**
   * Try a graceful shutdown before deleting. Default false.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server#shutdown_before_deletion Server#shutdown_before_deletion}
   */
  readonly shutdownBeforeDeletion?: boolean | cdktf.IResolvable;
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/server hcloud_server}
 */
export class Server extends cdktf.TerraformResource {
  public static readonly tfResourceType = 'hcloud_server';

  public constructor(scope: Construct, id: string, config: ServerConfig) {
    super(scope, id, {
      terraformResourceType: 'hcloud_server',
      terraformGeneratorMetadata: {
        providerName: 'hcloud',
        providerVersionConstraint: HCLOUD_PROVIDER_VERSION_CONSTRAINT,
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach,
    });
    this._name = config.name;
    this._serverType = config.serverType;
    this._image = config.image;
    this._location = config.location;
    this._userData = config.userData;
    this._sshKeys = config.sshKeys;
    this._labels = config.labels;
    this._publicNet = config.publicNet;
    this._firewallIds = config.firewallIds;
    this._backups = config.backups;
    this._deleteProtection = config.deleteProtection;
    this._rebuildProtection = config.rebuildProtection;
    this._shutdownBeforeDeletion = config.shutdownBeforeDeletion;
  }

  // id - computed: true (SDKv2 resource: a string holding the numeric id)
  public get id() {
    return this.getStringAttribute('id');
  }

  // ipv4_address - computed: true
  public get ipv4Address() {
    return this.getStringAttribute('ipv4_address');
  }

  // ipv6_address - computed: true (first address of the assigned network)
  public get ipv6Address() {
    return this.getStringAttribute('ipv6_address');
  }

  // ipv6_network - computed: true
  public get ipv6Network() {
    return this.getStringAttribute('ipv6_network');
  }

  // status - computed: true
  public get status() {
    return this.getStringAttribute('status');
  }

  // primary_disk_size - computed: true
  public get primaryDiskSize() {
    return this.getNumberAttribute('primary_disk_size');
  }

  private _name: string;
  public get name() {
    return this.getStringAttribute('name');
  }
  public get nameInput() {
    return this._name;
  }

  private _serverType: string;
  public get serverType() {
    return this.getStringAttribute('server_type');
  }
  public get serverTypeInput() {
    return this._serverType;
  }

  private _image?: string;
  public get image() {
    return this.getStringAttribute('image');
  }
  public get imageInput() {
    return this._image;
  }

  private _location?: string;
  public get location() {
    return this.getStringAttribute('location');
  }
  public get locationInput() {
    return this._location;
  }

  private _userData?: string;
  public get userDataInput() {
    return this._userData;
  }

  private _sshKeys?: string[];
  public get sshKeys() {
    return this.getListAttribute('ssh_keys');
  }
  public get sshKeysInput() {
    return this._sshKeys;
  }

  private _labels?: { [key: string]: string };
  public get labels() {
    return this.getStringMapAttribute('labels');
  }
  public get labelsInput() {
    return this._labels;
  }

  private _publicNet?: ServerPublicNet[] | cdktf.IResolvable;
  public get publicNetInput() {
    return this._publicNet;
  }

  private _firewallIds?: number[];
  public get firewallIds() {
    return this.getNumberListAttribute('firewall_ids');
  }
  public get firewallIdsInput() {
    return this._firewallIds;
  }

  private _backups?: boolean | cdktf.IResolvable;
  public get backups() {
    return this.getBooleanAttribute('backups');
  }
  public get backupsInput() {
    return this._backups;
  }

  private _deleteProtection?: boolean | cdktf.IResolvable;
  public get deleteProtection() {
    return this.getBooleanAttribute('delete_protection');
  }
  public get deleteProtectionInput() {
    return this._deleteProtection;
  }

  private _rebuildProtection?: boolean | cdktf.IResolvable;
  public get rebuildProtection() {
    return this.getBooleanAttribute('rebuild_protection');
  }
  public get rebuildProtectionInput() {
    return this._rebuildProtection;
  }

  private _shutdownBeforeDeletion?: boolean | cdktf.IResolvable;
  public get shutdownBeforeDeletion() {
    return this.getBooleanAttribute('shutdown_before_deletion');
  }
  public get shutdownBeforeDeletionInput() {
    return this._shutdownBeforeDeletion;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      server_type: cdktf.stringToTerraform(this._serverType),
      image: cdktf.stringToTerraform(this._image),
      location: cdktf.stringToTerraform(this._location),
      user_data: cdktf.stringToTerraform(this._userData),
      ssh_keys: cdktf.listMapper(cdktf.stringToTerraform, false)(this._sshKeys),
      labels: cdktf.hashMapper(cdktf.stringToTerraform)(this._labels),
      public_net: cdktf.listMapper(serverPublicNetToTerraform, true)(this._publicNet),
      firewall_ids: cdktf.listMapper(cdktf.numberToTerraform, false)(this._firewallIds),
      backups: cdktf.booleanToTerraform(this._backups),
      delete_protection: cdktf.booleanToTerraform(this._deleteProtection),
      rebuild_protection: cdktf.booleanToTerraform(this._rebuildProtection),
      shutdown_before_deletion: cdktf.booleanToTerraform(this._shutdownBeforeDeletion),
    };
  }
}
