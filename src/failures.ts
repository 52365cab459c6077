// Placeholder with the agreed interface until the error-model branch is merged (its version replaces this file).
import { AcrError } from './acr/errors';

export type NextStep = 'retry' | 'signIn' | 'enterPassword' | 'requestAccess' | 'changeSettings' | 'fixNetwork' | 'startDocker' | 'fixDockerConfig' | 'showLog';
export interface FailureAdvice {
  readonly message: string;
  readonly needsUser: boolean;
  readonly nextStep: NextStep;
  readonly retryAfterSeconds?: number;
  readonly kind: string;
}
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
export function adviceFor(error: unknown): FailureAdvice {
  if (error instanceof AcrError) {
    const signIn = error.kind === 'notSignedIn' || error.kind === 'tokenExpired' || error.kind === 'wrongTenant';
    const transient = ['throttled', 'unavailable', 'network', 'timeout', 'malformedResponse'].includes(error.kind);
    return { message: error.message, needsUser: !transient, nextStep: signIn ? 'signIn' : transient ? 'retry' : 'requestAccess', retryAfterSeconds: error.retryAfterSeconds, kind: `acr.${error.kind}` };
  }
  return { message: errorMessage(error), needsUser: false, nextStep: 'showLog', kind: 'unexpected' };
}
