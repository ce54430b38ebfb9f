// Hand-written in the shape `cdktf get` generates; see ../README.md.
// Schema: terraform-provider-hcloud v1.68.0 internal/primaryip/resource.go.
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
import { HCLOUD_PROVIDER_VERSION_CONSTRAINT } from '../provider';

export interface PrimaryIpConfig extends cdktf.TerraformMetaArguments {
  /**
   * Name of the Primary IP.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#name PrimaryIp#name}
   */
  readonly name: string;
  /**
   * `ipv4` or `ipv6`. Changing it replaces the IP.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#type PrimaryIp#type}
   */
  readonly type: string;
  /**
   * Location name. Exactly one of `location` and `assigneeId` (provider
   * config validator). Changing it replaces the IP. (`datacenter` was
   * removed in v1.67.0.)
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#location PrimaryIp#location}
   */
  readonly location?: string;
  /**
   * ID of the resource to assign the IP to; requires `assigneeType`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#assignee_id PrimaryIp#assignee_id}
   */
  readonly assigneeId?: number;
  /**
   * Type of the assignee (`server`). Optional since v1.62.0; set without
   * `assigneeId` the provider warns and asks to remove it.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#assignee_type PrimaryIp#assignee_type}
   */
  readonly assigneeType?: string;
  /**
   * Delete the IP with the server it is assigned to. Default false.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#auto_delete PrimaryIp#auto_delete}
   */
  readonly autoDelete?: boolean | cdktf.IResolvable;
  /**
   * Whether delete protection is enabled. Default false.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#delete_protection PrimaryIp#delete_protection}
   */
  readonly deleteProtection?: boolean | cdktf.IResolvable;
  /**
   * User-defined labels (key-value pairs).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip#labels PrimaryIp#labels}
   */
  readonly labels?: { [key: string]: string };
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/primary_ip hcloud_primary_ip}
 */
export class PrimaryIp extends cdktf.TerraformResource {
  public static readonly tfResourceType = 'hcloud_primary_ip';

  public constructor(scope: Construct, id: string, config: PrimaryIpConfig) {
    super(scope, id, {
      terraformResourceType: 'hcloud_primary_ip',
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
    this._type = config.type;
    this._location = config.location;
    this._assigneeId = config.assigneeId;
    this._assigneeType = config.assigneeType;
    this._autoDelete = config.autoDelete;
    this._deleteProtection = config.deleteProtection;
    this._labels = config.labels;
  }

  // id - computed: true (Int64 in the provider's framework schema)
  public get id() {
    return this.getNumberAttribute('id');
  }

  // ip_address - computed: true. For ipv6 the first address of the
  // network, e.g. "2001:db8::" (internal/primaryip/model_test.go).
  public get ipAddress() {
    return this.getStringAttribute('ip_address');
  }

  // ip_network - computed: true. Only for ipv6, e.g. "2001:db8::/64".
  public get ipNetwork() {
    return this.getStringAttribute('ip_network');
  }

  private _name: string;
  public get name() {
    return this.getStringAttribute('name');
  }
  public get nameInput() {
    return this._name;
  }

  private _type: string;
  public get type() {
    return this.getStringAttribute('type');
  }
  public get typeInput() {
    return this._type;
  }

  private _location?: string;
  public get location() {
    return this.getStringAttribute('location');
  }
  public get locationInput() {
    return this._location;
  }

  private _assigneeId?: number;
  public get assigneeId() {
    return this.getNumberAttribute('assignee_id');
  }
  public get assigneeIdInput() {
    return this._assigneeId;
  }

  private _assigneeType?: string;
  public get assigneeType() {
    return this.getStringAttribute('assignee_type');
  }
  public get assigneeTypeInput() {
    return this._assigneeType;
  }

  private _autoDelete?: boolean | cdktf.IResolvable;
  public get autoDelete() {
    return this.getBooleanAttribute('auto_delete');
  }
  public get autoDeleteInput() {
    return this._autoDelete;
  }

  private _deleteProtection?: boolean | cdktf.IResolvable;
  public get deleteProtection() {
    return this.getBooleanAttribute('delete_protection');
  }
  public get deleteProtectionInput() {
    return this._deleteProtection;
  }

  private _labels?: { [key: string]: string };
  public get labels() {
    return this.getStringMapAttribute('labels');
  }
  public get labelsInput() {
    return this._labels;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      type: cdktf.stringToTerraform(this._type),
      location: cdktf.stringToTerraform(this._location),
      assignee_id: cdktf.numberToTerraform(this._assigneeId),
      assignee_type: cdktf.stringToTerraform(this._assigneeType),
      auto_delete: cdktf.booleanToTerraform(this._autoDelete),
      delete_protection: cdktf.booleanToTerraform(this._deleteProtection),
      labels: cdktf.hashMapper(cdktf.stringToTerraform)(this._labels),
    };
  }
}
