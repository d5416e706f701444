function required(name: string, what: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through scripts/test (it starts ${what}; scripts/infra/kube/kube.sh start alone)`);
  }
  return value;
}

/**
 * The kubeconfig (cluster-admin, certificates embedded) of the real kube-apiserver started by
 * scripts/infra/kube/kube.sh. Integration tests fail (never skip) without it.
 */
export function testKubeconfig(): string {
  return required('VIGILO_TEST_KUBECONFIG', 'kube-apiserver + etcd');
}

/** kubectl of the apiserver's minor version, from the test harness. */
export function testKubectl(): string {
  return required('VIGILO_KUBECTL', 'kube-apiserver and fetches kubectl');
}

/** helm 3 (the major Argo CD renders charts with), from the test harness. */
export function testHelm(): string {
  return required('VIGILO_HELM', 'kube-apiserver and fetches helm');
}

/** helm 4, from the test harness. */
export function testHelm4(): string {
  return required('VIGILO_HELM4', 'kube-apiserver and fetches helm');
}
