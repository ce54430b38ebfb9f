// Hand-written in the shape `cdktf get` generates; see ../README.md.
// Schema: terraform-provider-hcloud v1.68.0 internal/sshkey/resource.go.
import { Construct } from 'constructs';
import * as cdktf from 'cdktf';
import { HCLOUD_PROVIDER_VERSION_CONSTRAINT } from '../provider';

export interface SshKeyConfig extends cdktf.TerraformMetaArguments {
  /**
   * Name of the SSH key (unique per project).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/ssh_key#name SshKey#name}
   */
  readonly name: string;
  /**
   * Public key in OpenSSH format. Changing it replaces the key.
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/ssh_key#public_key SshKey#public_key}
   */
  readonly publicKey: string;
  /**
   * User-defined labels (key-value pairs).
   *
   * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/ssh_key#labels SshKey#labels}
   */
  readonly labels?: { [key: string]: string };
}

/**
 * Represents a {@link https://registry.terraform.io/providers/hetznercloud/hcloud/1.68.0/docs/resources/ssh_key hcloud_ssh_key}
 */
export class SshKey extends cdktf.TerraformResource {
  public static readonly tfResourceType = 'hcloud_ssh_key';

  public constructor(scope: Construct, id: string, config: SshKeyConfig) {
    super(scope, id, {
      terraformResourceType: 'hcloud_ssh_key',
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
    this._publicKey = config.publicKey;
    this._labels = config.labels;
  }

  // id - computed: true (a string: the provider's framework schema)
  public get id() {
    return this.getStringAttribute('id');
  }

  // fingerprint - computed: true
  public get fingerprint() {
    return this.getStringAttribute('fingerprint');
  }

  private _name: string;
  public get name() {
    return this.getStringAttribute('name');
  }
  public get nameInput() {
    return this._name;
  }

  private _publicKey: string;
  public get publicKey() {
    return this.getStringAttribute('public_key');
  }
  public get publicKeyInput() {
    return this._publicKey;
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
      public_key: cdktf.stringToTerraform(this._publicKey),
      labels: cdktf.hashMapper(cdktf.stringToTerraform)(this._labels),
    };
  }
}
