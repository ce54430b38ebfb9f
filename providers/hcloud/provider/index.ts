// Hand-written in the shape `cdktf get` generates for hetznercloud/hcloud;
// see ../README.md. Schema read from terraform-provider-hcloud v1.68.0
// (hcloud/plugin_provider.go, docs/index.md).
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

/** The provider constraint every binding in this folder was written against. */
export const HCLOUD_PROVIDER_VERSION_CONSTRAINT = '~> 1.68';

export interface HcloudProviderConfig {
  /**
   * The Hetzner Cloud API token. Leave unset: the provider then reads the
   * `HCLOUD_TOKEN` environment variable, so the token never enters the
   * synthesized JSON or the plan.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs#token HcloudProvider#token}
   */
  readonly token?: string;
  /**
   * Hetzner Cloud API endpoint (`HCLOUD_ENDPOINT`), default `https://api.hetzner.cloud/v1`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs#endpoint HcloudProvider#endpoint}
   */
  readonly endpoint?: string;
  /**
   * Interval in which actions are polled, default `500ms`.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs#poll_interval HcloudProvider#poll_interval}
   */
  readonly pollInterval?: string;
  /**
   * `constant` or `exponential` (default).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs#poll_function HcloudProvider#poll_function}
   */
  readonly pollFunction?: string;
  /** Alias name. */
  readonly alias?: string;
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs hcloud}
 */
export class HcloudProvider extends cdktf.TerraformProvider {
  public static readonly tfResourceType = 'hcloud';

  public constructor(scope: Construct, id: string, config: HcloudProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'hcloud',
      terraformGeneratorMetadata: {
        providerName: 'hcloud',
        // No exact providerVersion: cdktf would then pin required_providers
        // to it; the constraint lets the lock file pick any 1.x >= 1.68.
        providerVersionConstraint: HCLOUD_PROVIDER_VERSION_CONSTRAINT,
      },
      terraformProviderSource: 'hetznercloud/hcloud',
    });
    this._token = config.token;
    this._endpoint = config.endpoint;
    this._pollInterval = config.pollInterval;
    this._pollFunction = config.pollFunction;
    this._alias = config.alias;
  }

  private _token?: string;
  public get token() {
    return this._token;
  }

  private _endpoint?: string;
  public get endpoint() {
    return this._endpoint;
  }

  private _pollInterval?: string;
  public get pollInterval() {
    return this._pollInterval;
  }

  private _pollFunction?: string;
  public get pollFunction() {
    return this._pollFunction;
  }

  private _alias?: string;
  public get alias() {
    return this._alias;
  }
  public set alias(value: string | undefined) {
    this._alias = value;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      token: cdktf.stringToTerraform(this._token),
      endpoint: cdktf.stringToTerraform(this._endpoint),
      poll_interval: cdktf.stringToTerraform(this._pollInterval),
      poll_function: cdktf.stringToTerraform(this._pollFunction),
      alias: cdktf.stringToTerraform(this._alias),
    };
  }
}
