/** What the in-host suite reports back to the launcher that started the workbench. */
export interface HostResults {
  passed: string[];
  failed: { title: string; error: string }[];
  /** Pending tests (`it.skip`, `it` without a body); absent in results written before skips were counted. */
  skipped?: string[];
}
