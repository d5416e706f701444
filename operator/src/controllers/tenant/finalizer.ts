import { FINALIZER, type Tenant } from '../../api/v1alpha1/tenant.js';

export function withFinalizer(finalizers: readonly string[] | undefined): string[] {
  return finalizers?.includes(FINALIZER) ? [...finalizers] : [...(finalizers ?? []), FINALIZER];
}

export function withoutFinalizer(finalizers: readonly string[] | undefined): string[] {
  return (finalizers ?? []).filter((f) => f !== FINALIZER);
}

export function finalizerNeeded(tenant: Tenant): boolean {
  return !tenant.metadata.finalizers?.includes(FINALIZER);
}
