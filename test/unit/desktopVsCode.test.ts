import assert from 'node:assert/strict';
import { desktopVsCode } from '../host/launchDesktop';

describe('npm run test:desktop: which desktop VS Code, or why none', () => {
  const unreachable = () => Promise.reject(new Error('getaddrinfo ENOTFOUND update.code.visualstudio.com'));

  it('takes the VS Code VSCODE_EXECUTABLE names, without downloading', async () => {
    assert.deepEqual(await desktopVsCode({ VSCODE_EXECUTABLE: '/opt/VSCode-linux-x64/code', DISPLAY: ':99' }, unreachable, 'linux'), { executable: '/opt/VSCode-linux-x64/code' });
  });

  it('otherwise downloads stable through test-electron into the cache outside the clone', async () => {
    const downloaded = await desktopVsCode({ XDG_CACHE_HOME: '/home/ann/.cache' }, (options) => Promise.resolve(`${options.cachePath}/vscode-${options.version}/code`), 'darwin');
    assert.deepEqual(downloaded, { executable: '/home/ann/.cache/acr-access/vscode-test/vscode-stable/code' });
  });

  it('says why when the download fails, and how to run the tier anyway', async () => {
    const found = await desktopVsCode({}, unreachable, 'linux');
    assert.deepEqual(found, { unavailable: 'desktop VS Code could not be downloaded (getaddrinfo ENOTFOUND update.code.visualstudio.com); set VSCODE_EXECUTABLE to a VS Code executable to run this tier' });
  });

  it('on Linux, needs a display (xvfb-run in CI); Windows and macOS do not', async () => {
    const executable = { VSCODE_EXECUTABLE: '/opt/code' };
    assert.deepEqual(await desktopVsCode(executable, unreachable, 'linux'), { unavailable: 'desktop VS Code has no display here (DISPLAY is not set); run the tier under xvfb-run' });
    assert.deepEqual(await desktopVsCode({ ...executable, WAYLAND_DISPLAY: 'wayland-0' }, unreachable, 'linux'), { executable: '/opt/code' });
    assert.deepEqual(await desktopVsCode(executable, unreachable, 'win32'), { executable: '/opt/code' });
  });
});
