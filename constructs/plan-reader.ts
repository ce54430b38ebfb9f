import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { ClusterRoleV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-v1';
import { RoleBindingV1 } from '@cdktf/provider-kubernetes/lib/role-binding-v1';
import { RoleV1 } from '@cdktf/provider-kubernetes/lib/role-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { Construct } from 'constructs';

export interface PlanReaderProps {
  /** Namespace the ServiceAccounts live in (the NATS namespace). */
  readonly namespace: string;
  /** The agents' namespace, where one Secret of the stack lives. */
  readonly agentNamespace: string;
  /** The stack's Secret in the agents' namespace. */
  readonly agentSecret: string;
}

export const PLAN_READER = 'harmony-plan-reader';
/**
 * Drift detection refreshes every object Terraform manages, so it must read
 * Secrets: the Helm release's own (whose names change with each revision)
 * and the stack's. Its identity adds exactly that to the plan reader: the
 * Secrets of the NATS namespace, and the agent's Secret by name. Its
 * kubeconfig belongs only to the `drift-detection` environment, which runs
 * from the default branch alone (.github/workflows/drift.yml).
 */
export const DRIFT_READER = 'harmony-drift-reader';

/**
 * What CI's plan preview may read in this cluster: get/list/watch on the
 * kinds the site stack manages, and never Secrets. RBAC cannot hide a
 * Secret's data from whoever may `get` it, and the seeds, passwords and
 * TLS keys are Secrets: a reader allowed them would hand every one to
 * anyone who can push a branch. CI therefore plans with -refresh=false.
 * The kubeconfig for it is made by hand (README, "CI credentials").
 */
export const PLAN_READER_RULES: readonly { readonly apiGroups: string[]; readonly resources: string[]; readonly verbs: string[] }[] = [
  { apiGroups: [''], resources: ['namespaces', 'services', 'endpoints', 'configmaps', 'serviceaccounts', 'persistentvolumeclaims', 'pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs: ['get', 'list', 'watch'] },
];

/** A ServiceAccount that can read what a plan reads, and no Secret; and the drift reader, which may read the stack's Secrets too. */
export class PlanReader extends Construct {
  readonly serviceAccount: ServiceAccountV1;
  readonly driftAccount: ServiceAccountV1;

  constructor(scope: Construct, id: string, props: PlanReaderProps) {
    super(scope, id);
    this.serviceAccount = new ServiceAccountV1(this, 'account', {
      metadata: { name: PLAN_READER, namespace: props.namespace },
      automountServiceAccountToken: false,
    });
    const role = new ClusterRoleV1(this, 'role', {
      metadata: { name: PLAN_READER },
      rule: PLAN_READER_RULES.map((r) => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })),
    });
    this.driftAccount = new ServiceAccountV1(this, 'drift-account', {
      metadata: { name: DRIFT_READER, namespace: props.namespace },
      automountServiceAccountToken: false,
    });
    new ClusterRoleBindingV1(this, 'binding', {
      metadata: { name: PLAN_READER },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
      subject: [
        { kind: 'ServiceAccount', name: this.serviceAccount.metadata.name, namespace: props.namespace },
        { kind: 'ServiceAccount', name: this.driftAccount.metadata.name, namespace: props.namespace },
      ],
    });
    const secretsRole = (id: string, namespace: string, rule: { resourceNames?: string[]; verbs: string[] }) => {
      const r = new RoleV1(this, `${id}-role`, { metadata: { name: DRIFT_READER, namespace }, rule: [{ apiGroups: [''], resources: ['secrets'], ...rule }] });
      new RoleBindingV1(this, `${id}-binding`, {
        metadata: { name: DRIFT_READER, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: r.metadata.name },
        subject: [{ kind: 'ServiceAccount', name: this.driftAccount.metadata.name, namespace: props.namespace }],
      });
    };
    secretsRole('drift-nats', props.namespace, { verbs: ['get', 'list', 'watch'] });
    secretsRole('drift-agent', props.agentNamespace, { resourceNames: [props.agentSecret], verbs: ['get'] });
  }
}
