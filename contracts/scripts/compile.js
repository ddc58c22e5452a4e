// Shared solcjs driver: one place that knows the compiler settings and import resolution.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const ROOT = path.resolve(__dirname, '..');

/** Compiler settings shared by the artifact build and the forge profile (foundry.toml). */
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

/** Resolves an import from the contracts folder, then node_modules (no remappings needed). */
function findImports(importPath, roots = [ROOT, path.join(ROOT, 'node_modules')]) {
  for (const root of roots) {
    const file = path.resolve(root, importPath);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, 'utf8') };
  }
  return { error: 'File not found: ' + importPath };
}

/** Compiles the given source files (paths relative to contracts/) and returns solc's output. */
function compile(files) {
  const sources = {};
  for (const f of files) sources[f] = { content: fs.readFileSync(path.join(ROOT, f), 'utf8') };
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  return JSON.parse(solc.compile(JSON.stringify(input), { import: (p) => findImports(p) }));
}

module.exports = { ROOT, SETTINGS, compile, findImports, solcVersion: solc.version() };
