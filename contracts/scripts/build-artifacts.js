#!/usr/bin/env node
// Rebuilds the committed contract artifacts (ABI + bytecode) with the pinned npm solc.
//   node scripts/build-artifacts.js          write crates/peaqos-contracts/artifacts/*.json
//   node scripts/build-artifacts.js --check  exit 1 when the committed artifacts are stale
'use strict';
const fs = require('fs');
const path = require('path');
const { ROOT, compile, solcVersion } = require('./compile');

const OUT = path.resolve(ROOT, '..', 'crates', 'peaqos-contracts', 'artifacts');

/** Every deployable contract: source file -> contract name. */
const DEPLOYABLE = [
  ['src/IdentityRegistry.sol', 'IdentityRegistry'],
  ['src/IdentityStaking.sol', 'IdentityStaking'],
  ['src/EventRegistry.sol', 'EventRegistry'],
  ['src/MachineNFT.sol', 'MachineNFT'],
  ['src/AdminFlags.sol', 'AdminFlags'],
  ['src/MachineAccountFactory.sol', 'MachineAccountFactory'],
  ['src/MachineSmartAccount.sol', 'MachineSmartAccount'],
  ['src/MachineNFTAdapter.sol', 'MachineNFTAdapter'],
  ['src/MachineNFTBase.sol', 'MachineNFTBase'],
  ['src/standins/DIDStandin.sol', 'DIDStandin'],
  ['src/standins/WPEAQStandin.sol', 'WPEAQStandin'],
  ['src/proxy/PeaqosProxy.sol', 'ERC1967Proxy', '@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol'],
];

/** LayerZero's own prebuilt artifacts, copied (not recompiled) for the local two-chain bridge. */
const LZ_PREBUILT = [
  ['@layerzerolabs/lz-evm-protocol-v2', 'artifacts/contracts/EndpointV2.sol/EndpointV2.json'],
  ['@layerzerolabs/lz-evm-protocol-v2', 'artifacts/contracts/messagelib/SimpleMessageLib.sol/SimpleMessageLib.json'],
];

/** Writes (or checks) artifacts/layerzero/<Name>.json; returns the names that were stale. */
function layerzero(check) {
  const dir = path.join(OUT, 'layerzero');
  fs.mkdirSync(dir, { recursive: true });
  const stale = [];
  for (const [pkg, rel] of LZ_PREBUILT) {
    const pkgDir = path.join(ROOT, 'node_modules', pkg);
    const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
    const src = JSON.parse(fs.readFileSync(path.join(pkgDir, rel), 'utf8'));
    const artifact = {
      contractName: src.contractName,
      sourceName: `${pkg}/${src.sourceName}`,
      compiler: `prebuilt by ${pkg}@${version}`,
      abi: src.abi,
      bytecode: src.bytecode,
      deployedBytecode: src.deployedBytecode,
    };
    const text = JSON.stringify(artifact, null, 2) + '\n';
    const target = path.join(dir, src.contractName + '.json');
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current !== text) {
      stale.push('layerzero/' + src.contractName);
      if (!check) fs.writeFileSync(target, text);
    }
  }
  return stale;
}

function main() {
  const check = process.argv.includes('--check');
  const started = Date.now();
  process.stderr.write(`compiling ${DEPLOYABLE.length} contracts with solc ${solcVersion} ...\n`);
  const out = compile([...new Set(DEPLOYABLE.map(([file]) => file))]);
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  for (const e of out.errors || []) if (e.severity !== 'error') process.stderr.write(e.formattedMessage);
  if (errors.length) {
    for (const e of errors) process.stderr.write(e.formattedMessage);
    process.exit(1);
  }

  fs.mkdirSync(OUT, { recursive: true });
  const stale = [];
  const wanted = new Set();
  for (const [file, name, unit] of DEPLOYABLE) {
    const c = out.contracts[unit || file][name];
    const artifact = {
      contractName: name,
      sourceName: unit || file,
      compiler: solcVersion,
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
    };
    const text = JSON.stringify(artifact, null, 2) + '\n';
    const target = path.join(OUT, name + '.json');
    wanted.add(name + '.json');
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current !== text) {
      stale.push(name);
      if (!check) fs.writeFileSync(target, text);
    }
  }
  for (const f of fs.readdirSync(OUT)) {
    if (f.endsWith('.json') && !wanted.has(f)) {
      stale.push(f + ' (no longer built)');
      if (!check) fs.unlinkSync(path.join(OUT, f));
    }
  }
  stale.push(...layerzero(check));
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (check && stale.length) {
    process.stderr.write(`artifacts are stale: ${stale.join(', ')}\nrun: (cd contracts && npm run build)\n`);
    process.exit(1);
  }
  process.stderr.write(
    check ? `artifacts are current (${DEPLOYABLE.length} contracts, ${secs}s)\n`
          : `wrote ${DEPLOYABLE.length} artifacts (${stale.length} changed) to ${path.relative(process.cwd(), OUT)} in ${secs}s\n`,
  );
}

main();
