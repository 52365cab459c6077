// The import rules `npm run test:static` checks (docs/architecture.md, "Layers" and "Which part may use which").
// Type-only imports count as much as runtime ones: they shape how the code reads and what a change touches.

/** `src/actionableFailure.ts` imports nothing: the shape every error class gives itself, for every part. */
const everywhere = '^src/actionableFailure[.]ts$';

/** A part and the only modules of `src/` outside it that it may import. */
const layer = (name, from, allowed) => ({
  name,
  comment: `${from} may import only ${allowed.join(', ') || 'nothing else in src/'} (docs/architecture.md)`,
  severity: 'error',
  from: { path: from },
  to: { path: '^src/', pathNot: [from, everywhere, ...allowed] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'A cycle means two modules cannot be read or changed apart.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'plain-modules-without-vscode',
      comment: 'src/acr, src/azure, src/docker, src/credentials and src/diagnosis run in plain Node (tests, benchmarks, other hosts): they never import vscode.',
      severity: 'error',
      from: { path: '^src/(acr|azure|docker|credentials|diagnosis)/' },
      to: { path: '^vscode$|node_modules/@types/vscode/' },
    },
    layer('azure-alone', '^src/azure/', []),
    layer('docker-alone', '^src/docker/', []),
    layer('credentials-on-acr-errors-and-shell', '^src/credentials/', ['^src/acr/errors[.]ts$', '^src/docker/shell[.]ts$']),
    layer('acr-on-clouds-references-and-shell', '^src/acr/', ['^src/azure/clouds[.]ts$', '^src/docker/references[.]ts$', '^src/docker/shell[.]ts$']),
    layer('auth-on-acr-and-azure', '^src/auth/', ['^src/acr/', '^src/azure/']),
    layer('failures-on-acr-errors', '^src/failures[.]ts$', ['^src/acr/errors[.]ts$']),
    layer('diagnosis-on-acr-azure-docker', '^src/diagnosis/', ['^src/(acr|azure|docker)/']),
    layer('docker-logins-below-the-ui', '^src/dockerLogins[.]ts$', ['^src/(acr|auth|azure|docker)/']),
    layer('status-below-the-commands', '^src/status/', ['^src/(acr|auth)/', '^src/docker/lockFile[.]ts$', '^src/failures[.]ts$', '^src/commandIds[.]ts$']),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
