/** Module resolution hook: serves the patched canonical.js in place of @vigilo/domain's. */
const PATCHED = new URL('./canonical.js', import.meta.url).href;

export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<{ url: string }>,
): Promise<{ url: string; shortCircuit?: boolean }> {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.endsWith('/packages/domain/lib/canonical.js')) return { ...resolved, url: PATCHED, shortCircuit: true };
  return resolved;
}
