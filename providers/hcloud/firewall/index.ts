// Hand-written in the shape `cdktf get` generates; see ../README.md.
// Schema: terraform-provider-hcloud v1.68.0 internal/firewall/resource.go.
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
import { HCLOUD_PROVIDER_VERSION_CONSTRAINT } from '../provider';

export interface FirewallRule {
  /**
   * `in` or `out`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#direction Firewall#direction}
   */
  readonly direction: string;
  /**
   * `tcp`, `udp`, `icmp`, `gre` or `esp`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#protocol Firewall#protocol}
   */
  readonly protocol: string;
  /**
   * Port or port range (`80`, `8000-8080`, `any`); only for tcp and udp.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#port Firewall#port}
   */
  readonly port?: string;
  /**
   * Source CIDRs of an `in` rule. The provider refuses CIDRs with host bits set.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#source_ips Firewall#source_ips}
   */
  readonly sourceIps?: string[];
  /**
   * Destination CIDRs of an `out` rule.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#destination_ips Firewall#destination_ips}
   */
  readonly destinationIps?: string[];
  /**
   * Description of the rule.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#description Firewall#description}
   */
  readonly description?: string;
}

export function firewallRuleToTerraform(struct?: FirewallRule | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) {
    return struct;
  }
  if (cdktf.isComplexElement(struct)) {
    throw new Error('A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration');
  }
  return {
    direction: cdktf.stringToTerraform(struct!.direction),
    protocol: cdktf.stringToTerraform(struct!.protocol),
    port: cdktf.stringToTerraform(struct!.port),
    source_ips: cdktf.listMapper(cdktf.stringToTerraform, false)(struct!.sourceIps),
    destination_ips: cdktf.listMapper(cdktf.stringToTerraform, false)(struct!.destinationIps),
    description: cdktf.stringToTerraform(struct!.description),
  };
}

export interface FirewallConfig extends cdktf.TerraformMetaArguments {
  /**
   * Name of the firewall.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#name Firewall#name}
   */
  readonly name: string;
  /**
   * User-defined labels (key-value pairs).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#labels Firewall#labels}
   */
  readonly labels?: { [key: string]: string };
  /**
   * rule block (a set). Inbound traffic no rule allows is dropped; with no
   * `out` rule, all outbound traffic is allowed.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall#rule Firewall#rule}
   */
  readonly rule?: FirewallRule[] | cdktf.IResolvable;
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/firewall hcloud_firewall}
 */
export class Firewall extends cdktf.TerraformResource {
  public static readonly tfResourceType = 'hcloud_firewall';

  public constructor(scope: Construct, id: string, config: FirewallConfig) {
    super(scope, id, {
      terraformResourceType: 'hcloud_firewall',
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
    this._labels = config.labels;
    this._rule = config.rule;
  }

  // id - computed: true (SDKv2 resource: a string holding the numeric id)
  public get id() {
    return this.getStringAttribute('id');
  }

  private _name: string;
  public get name() {
    return this.getStringAttribute('name');
  }
  public get nameInput() {
    return this._name;
  }

  private _labels?: { [key: string]: string };
  public get labels() {
    return this.getStringMapAttribute('labels');
  }
  public get labelsInput() {
    return this._labels;
  }

  private _rule?: FirewallRule[] | cdktf.IResolvable;
  public get ruleInput() {
    return this._rule;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      labels: cdktf.hashMapper(cdktf.stringToTerraform)(this._labels),
      rule: cdktf.listMapper(firewallRuleToTerraform, true)(this._rule),
    };
  }
}
