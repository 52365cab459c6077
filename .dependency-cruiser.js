// The import rules `npm run test:static` checks (docs/architecture.md, "Layers").
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'A cycle, even through type-only imports, means two modules cannot be read or changed apart.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'plain-modules-without-vscode',
      comment: 'src/acr, src/azure and src/docker run in plain Node (tests, benchmarks, other hosts): they never import vscode.',
      severity: 'error',
      from: { path: '^src/(acr|azure|docker)/' },
      to: { path: '^vscode$|node_modules/@types/vscode/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: they shape how the code reads as much as runtime ones.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
