// Hand-written in the shape `cdktf get` generates; see ../README.md.
// Schema: terraform-provider-hcloud v1.68.0 internal/zonerrset/resource.go.
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
import { HCLOUD_PROVIDER_VERSION_CONSTRAINT } from '../provider';

export interface ZoneRrsetRecords {
  /**
   * Value of the record, e.g. an IPv4 address for an `A` RRSet.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#value ZoneRrset#value}
   */
  readonly value: string;
  /**
   * Comment of the record.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#comment ZoneRrset#comment}
   */
  readonly comment?: string;
}

export function zoneRrsetRecordsToTerraform(struct?: ZoneRrsetRecords | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) {
    return struct;
  }
  if (cdktf.isComplexElement(struct)) {
    throw new Error('A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration');
  }
  return {
    value: cdktf.stringToTerraform(struct!.value),
    comment: cdktf.stringToTerraform(struct!.comment),
  };
}

export interface ZoneRrsetConfig extends cdktf.TerraformMetaArguments {
  /**
   * ID or name of the parent Zone (it must exist, in primary mode). Changing
   * it replaces the RRSet.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#zone ZoneRrset#zone}
   */
  readonly zone: string;
  /**
   * Name of the RRSet relative to the zone: lowercase, neither ending with a
   * dot nor with the zone name (`www` for `www.example.org` in `example.org`);
   * `@` is the zone apex. The provider reads it back from the API as is, so
   * an absolute name would never match. Changing it replaces the RRSet.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#name ZoneRrset#name}
   */
  readonly name: string;
  /**
   * Type of the RRSet (`A`, `AAAA`, `CNAME`, `TXT`, ...). Changing it
   * replaces the RRSet.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#type ZoneRrset#type}
   */
  readonly type: string;
  /**
   * Time To Live in seconds (Int32 in the provider's framework schema).
   * Unset, the RRSet has none and the zone's default TTL applies.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#ttl ZoneRrset#ttl}
   */
  readonly ttl?: number;
  /**
   * User-defined labels (key-value pairs).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#labels ZoneRrset#labels}
   */
  readonly labels?: { [key: string]: string };
  /**
   * Whether change protection (no update, no delete) is enabled. Optional
   * and computed: unset, Terraform keeps whatever the API reports.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#change_protection ZoneRrset#change_protection}
   */
  readonly changeProtection?: boolean | cdktf.IResolvable;
  /**
   * Records of the RRSet: a set nested attribute (not a block), at least one,
   * distinct values.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset#records ZoneRrset#records}
   */
  readonly records: ZoneRrsetRecords[] | cdktf.IResolvable;
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/zone_rrset hcloud_zone_rrset}
 */
export class ZoneRrset extends cdktf.TerraformResource {
  public static readonly tfResourceType = 'hcloud_zone_rrset';

  public constructor(scope: Construct, id: string, config: ZoneRrsetConfig) {
    super(scope, id, {
      terraformResourceType: 'hcloud_zone_rrset',
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
    this._zone = config.zone;
    this._name = config.name;
    this._type = config.type;
    this._ttl = config.ttl;
    this._labels = config.labels;
    this._changeProtection = config.changeProtection;
    this._records = config.records;
  }

  // id - computed: true. `<name>/<type>`, e.g. "www/A" or "@/AAAA".
  public get id() {
    return this.getStringAttribute('id');
  }

  private _zone: string;
  public get zone() {
    return this.getStringAttribute('zone');
  }
  public get zoneInput() {
    return this._zone;
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

  private _ttl?: number;
  public get ttl() {
    return this.getNumberAttribute('ttl');
  }
  public get ttlInput() {
    return this._ttl;
  }

  private _labels?: { [key: string]: string };
  public get labels() {
    return this.getStringMapAttribute('labels');
  }
  public get labelsInput() {
    return this._labels;
  }

  private _changeProtection?: boolean | cdktf.IResolvable;
  public get changeProtection() {
    return this.getBooleanAttribute('change_protection');
  }
  public get changeProtectionInput() {
    return this._changeProtection;
  }

  private _records: ZoneRrsetRecords[] | cdktf.IResolvable;
  public get recordsInput() {
    return this._records;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      zone: cdktf.stringToTerraform(this._zone),
      name: cdktf.stringToTerraform(this._name),
      type: cdktf.stringToTerraform(this._type),
      ttl: cdktf.numberToTerraform(this._ttl),
      labels: cdktf.hashMapper(cdktf.stringToTerraform)(this._labels),
      change_protection: cdktf.booleanToTerraform(this._changeProtection),
      // A nested attribute, not a block: `false` resolves a dynamic
      // expression to a for expression instead of a dynamic block. In JSON
      // both render as a list of objects.
      records: cdktf.listMapper(zoneRrsetRecordsToTerraform, false)(this._records),
    };
  }
}
