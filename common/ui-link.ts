// A workflow's page in a Temporal Web UI at `base` (the embedded server's, or FSTO_UI_URL for a
// cluster's): the CLI's lines and the night's notification link it alike.
export function uiLink(base: string, namespace: string, workflowId: string): string {
  return `${base.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
