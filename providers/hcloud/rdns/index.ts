// Hand-written in the shape `cdktf get` generates; see ../README.md.
// Schema: terraform-provider-hcloud v1.68.0 internal/rdns/resource.go.
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
import { HCLOUD_PROVIDER_VERSION_CONSTRAINT } from '../provider';

export interface RdnsConfig extends cdktf.TerraformMetaArguments {
  /**
   * ID of the Server the `ipAddress` belongs to. Exactly one of
   * serverId / primaryIpId / floatingIpId / loadBalancerId.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns#server_id Rdns#server_id}
   */
  readonly serverId?: number;
  /**
   * ID of the Primary IP the `ipAddress` belongs to.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns#primary_ip_id Rdns#primary_ip_id}
   */
  readonly primaryIpId?: number;
  /**
   * ID of the Floating IP the `ipAddress` belongs to.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns#floating_ip_id Rdns#floating_ip_id}
   */
  readonly floatingIpId?: number;
  /**
   * ID of the Load Balancer the `ipAddress` belongs to.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns#load_balancer_id Rdns#load_balancer_id}
   */
  readonly loadBalancerId?: number;
  /**
   * IP address that should point to `dnsPtr`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns#ip_address Rdns#ip_address}
   */
  readonly ipAddress: string;
  /**
   * Domain name `ipAddress` should point to.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns#dns_ptr Rdns#dns_ptr}
   */
  readonly dnsPtr: string;
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/rdns hcloud_rdns}
 */
export class Rdns extends cdktf.TerraformResource {
  public static readonly tfResourceType = 'hcloud_rdns';

  public constructor(scope: Construct, id: string, config: RdnsConfig) {
    super(scope, id, {
      terraformResourceType: 'hcloud_rdns',
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
    this._serverId = config.serverId;
    this._primaryIpId = config.primaryIpId;
    this._floatingIpId = config.floatingIpId;
    this._loadBalancerId = config.loadBalancerId;
    this._ipAddress = config.ipAddress;
    this._dnsPtr = config.dnsPtr;
  }

  // id - computed: true
  public get id() {
    return this.getStringAttribute('id');
  }

  private _serverId?: number;
  public get serverIdInput() {
    return this._serverId;
  }

  private _primaryIpId?: number;
  public get primaryIpIdInput() {
    return this._primaryIpId;
  }

  private _floatingIpId?: number;
  public get floatingIpIdInput() {
    return this._floatingIpId;
  }

  private _loadBalancerId?: number;
  public get loadBalancerIdInput() {
    return this._loadBalancerId;
  }

  private _ipAddress: string;
  public get ipAddress() {
    return this.getStringAttribute('ip_address');
  }
  public get ipAddressInput() {
    return this._ipAddress;
  }

  private _dnsPtr: string;
  public get dnsPtr() {
    return this.getStringAttribute('dns_ptr');
  }
  public get dnsPtrInput() {
    return this._dnsPtr;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      server_id: cdktf.numberToTerraform(this._serverId),
      primary_ip_id: cdktf.numberToTerraform(this._primaryIpId),
      floating_ip_id: cdktf.numberToTerraform(this._floatingIpId),
      load_balancer_id: cdktf.numberToTerraform(this._loadBalancerId),
      ip_address: cdktf.stringToTerraform(this._ipAddress),
      dns_ptr: cdktf.stringToTerraform(this._dnsPtr),
    };
  }
}
