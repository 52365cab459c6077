import * as l10n from '@vscode/l10n';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Makes two paths trade their files in one step: each then names the file the other named. */
export type SwapFiles = (first: string, second: string) => void;

interface SwapAddon {
  swapSync: SwapFiles;
}

/** The atomic swap, or why there is none (then config.json is replaced by a rename after a last look). */
export type SwapSupport = { readonly swap: SwapFiles } | { readonly swap?: undefined; readonly reason: string };

/**
 * Where fs-native-extensions' addon is prebuilt with an atomic swap: renameat2(RENAME_EXCHANGE) on Linux,
 * renameatx_np(RENAME_SWAP) on macOS. Its Windows swap is three moves, no better than a rename. Linux's prebuild
 * is linked against glibc, so it does not load on musl (Alpine).
 */
const platforms = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

const loaded = new Map<string, SwapSupport>();

/**
 * The atomic swap on this platform, or why there is none. The package ships the addon in dist/native/ (copied
 * there by esbuild.mjs); run from source, it comes from the npm package itself. Loaded once per platform.
 */
export function swapSupport(platform: NodeJS.Platform = process.platform, arch: string = process.arch): SwapSupport {
  const key = `${platform}-${arch}`;
  let support = loaded.get(key);
  if (!support) loaded.set(key, (support = loadSwap(key)));
  return support;
}

/** The atomic swap of this process's platform, or undefined where there is none. */
export function atomicSwap(): SwapFiles | undefined {
  return swapSupport().swap;
}

function loadSwap(platform: string): SwapSupport {
  if (platform.startsWith('win32-')) return { reason: l10n.t('Windows has no atomic swap of two files') };
  if (!platforms.includes(platform)) return { reason: l10n.t('no atomic swap is built for {0}', platform) };
  const candidates = [
    join(__dirname, 'native', `${platform}.node`),
    join(__dirname, '..', '..', 'node_modules', 'fs-native-extensions', 'prebuilds', platform, 'fs-native-extensions.node'),
  ];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) return { reason: l10n.t('the swap addon for {0} is missing (looked at {1})', platform, candidates.join(', ')) };
  try {
    const addon = { exports: {} as SwapAddon };
    process.dlopen(addon, path);
    return { swap: addon.exports.swapSync };
  } catch (error) {
    // An old or other C library (musl), or another platform's addon: writes fall back to a rename after a last look.
    return { reason: l10n.t('the swap addon {0} did not load: {1}', path, (error as Error).message) };
  }
}
