import * as vscode from 'vscode';

/** What commands are given to work with, built once in activate(). */
export interface Services {
  readonly log: vscode.LogOutputChannel;
}
