#!/usr/bin/env node
// forge -> solcjs shim. No native solc can be installed here, so forge calls this instead:
// `--version` (forge parses the `Version:` line) and `--standard-json` (input on stdin).
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(
    'solc, the solidity compiler commandline interface\nVersion: ' +
      solc.version().replace('.Emscripten.clang', '.Linux.g++') + '\n',
  );
} else if (args.includes('--standard-json')) {
  const roots = args
    .filter((_, i) => args[i - 1] === '--base-path' || args[i - 1] === '--include-path')
    .concat(process.cwd());
  const findImports = (p) => {
    const file = roots.map((r) => path.resolve(r, p)).find((f) => fs.existsSync(f));
    return file ? { contents: fs.readFileSync(file, 'utf8') } : { error: 'File not found: ' + p };
  };
  // No process.exit() after this: stdout to a pipe is asynchronous and would be cut short.
  process.stdout.write(solc.compile(fs.readFileSync(0, 'utf8'), { import: findImports }));
} else {
  process.stderr.write('solc shim: unsupported arguments: ' + args.join(' ') + '\n');
  process.exitCode = 1;
}
