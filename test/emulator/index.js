// Lets `node test/emulator --fixture <file>` run the TypeScript sources directly; this file is CommonJS.
require('tsx/cjs');
require('./cli.ts');
