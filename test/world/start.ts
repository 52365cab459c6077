// `npm start`: code-server with the extension loaded, on a free loopback port, until Ctrl+C.
import { projectRoot, startCodeServer } from './codeServer';
import { stopAll, stopAllOnExit } from './processes';

async function main(): Promise<void> {
  stopAllOnExit();
  const server = await startCodeServer();
  const url = server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(projectRoot)]]);
  console.log(`ACR Access is running. Open this URL in a browser:\n${url}\nPress Ctrl+C to stop.`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exitCode = 1;
});
