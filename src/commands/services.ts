import { AccessTokenDocuments } from '../accessTokenDocuments';
import { Account } from '../auth/account';
import { ExtensionLog } from '../collapsingLog';
import { DiagnosisDocuments } from '../diagnosisDocuments';
import { PersonSource, SignInState } from '../auth/signInState';
import type { UserSignIn } from '../auth/userSignIn';
import { DockerLogins } from '../dockerLogins';
import { RefreshScheduler } from '../status/refreshScheduler';
import { Telemetry } from '../telemetry';
import { ManifestDocuments } from '../tree/manifestDocuments';
import { TreeNode } from '../tree/nodes';
import { RegistryTree } from '../tree/registryTree';
import { TreeMemory } from '../tree/treeMemory';

/** What commands are given to work with, built once in activate(). */
export interface Services {
  readonly log: ExtensionLog;
  readonly state: SignInState;
  readonly dockerLogins: DockerLogins;
  readonly scheduler: RefreshScheduler;
  readonly telemetry: Telemetry;
  readonly tree: RegistryTree;
  readonly treeMemory: TreeMemory;
  readonly manifests: ManifestDocuments;
  /** Access tokens shown in read-only documents, held for their Copy button. */
  readonly accessTokens: AccessTokenDocuments;
  /** ACR: Diagnose Access reports shown in read-only documents, for Copy Report. */
  readonly diagnosisReports: DiagnosisDocuments;
  /** Shows a node in the Registries view: selected, focused, and expanded when asked. */
  reveal(node: TreeNode, options?: { expand?: boolean }): Thenable<void>;
  /** The signed-in Entra account (VS Code's Microsoft account when none was chosen). */
  account(): Account;
  /** The same account, but one that never asks the user to sign in (for lookups the user did not ask for). */
  silentAccount(): Account;
  /** The device code or browser sign-in of a source (its account and tokens live in SecretStorage). */
  personSignIn(source: PersonSource): Promise<UserSignIn>;
}
