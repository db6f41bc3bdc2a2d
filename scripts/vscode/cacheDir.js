#!/usr/bin/env node
// Prints the folder the pinned VS Code is installed in: one folder per
// version of tools/vscode's lockfile, under PTE_EXPLORER_VSCODE_CACHE or
// ~/.cache/pte-explorer. Shared by install.sh and the test runners.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function vscodeCacheDir() {
  const pins = path.join(__dirname, '..', '..', 'tools', 'vscode');
  const lock = fs.readFileSync(path.join(pins, 'package-lock.json'));
  const version = JSON.parse(fs.readFileSync(path.join(pins, 'package.json'), 'utf8')).dependencies['code-server'];
  const hash = crypto.createHash('sha256').update(lock).digest('hex').slice(0, 12);
  const base = process.env.PTE_EXPLORER_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'pte-explorer');
  return path.join(base, `code-server-${version}-${hash}`);
}

module.exports = { vscodeCacheDir };

if (require.main === module) console.log(vscodeCacheDir());
