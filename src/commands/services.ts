import * as vscode from 'vscode';
import { Account } from '../auth/account';
import { SignInState } from '../auth/signInState';
import { DockerLogins } from '../dockerLogins';
import { RefreshScheduler } from '../status/refreshScheduler';

/** What commands are given to work with, built once in activate(). */
export interface Services {
  readonly log: vscode.LogOutputChannel;
  readonly state: SignInState;
  readonly dockerLogins: DockerLogins;
  readonly scheduler: RefreshScheduler;
  /** The signed-in Entra account (VS Code's Microsoft account when none was chosen). */
  account(): Account;
  /** The same account, but one that never asks the user to sign in (for lookups the user did not ask for). */
  silentAccount(): Account;
}
