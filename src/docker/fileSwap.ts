import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Makes two paths trade their files in one step: each then names the file the other named. */
export type SwapFiles = (first: string, second: string) => void;

interface SwapAddon {
  swapSync: SwapFiles;
}

/**
 * Where fs-native-extensions' addon is prebuilt with an atomic swap: renameat2(RENAME_EXCHANGE) on Linux,
 * renameatx_np(RENAME_SWAP) on macOS. Its Windows swap is three moves, no better than a rename.
 */
const platforms = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'];

let loaded: SwapFiles | null | undefined;

/**
 * The atomic swap on this platform, or undefined where there is none. The package ships the addon in
 * dist/native/ (copied there by esbuild.mjs); run from source, it comes from the npm package itself.
 */
export function atomicSwap(): SwapFiles | undefined {
  if (loaded === undefined) loaded = loadSwap() ?? null;
  return loaded ?? undefined;
}

function loadSwap(): SwapFiles | undefined {
  const platform = `${process.platform}-${process.arch}`;
  if (!platforms.includes(platform)) return undefined;
  const candidates = [
    join(__dirname, 'native', `${platform}.node`),
    join(__dirname, '..', '..', 'node_modules', 'fs-native-extensions', 'prebuilds', platform, 'fs-native-extensions.node'),
  ];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) return undefined;
  try {
    const addon = { exports: {} as SwapAddon };
    process.dlopen(addon, path);
    return addon.exports.swapSync;
  } catch {
    // An addon that does not load here (an old C library, say): writes fall back to a plain rename.
    return undefined;
  }
}
