#!/usr/bin/env node
// `npm install` hook. In a source checkout (Cargo.toml present) it builds the addon, so a fresh
// clone needs no other step. In an installed package it only checks that a binary loads.
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const { spawnSync } = require('node:child_process')

const root = join(__dirname, '..')

if (existsSync(join(root, 'Cargo.toml'))) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const run = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  process.exit(run.status ?? 1)
}

try {
  require(join(root, 'binding.js'))
} catch (error) {
  console.error('captcha-native: no prebuilt binary for %s-%s loads here: %s', process.platform, process.arch, error.message)
  process.exit(1)
}
