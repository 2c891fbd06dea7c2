package node

// installJS runs a dependency install in the builder (node installJSPath
// <pm> <args>, called by installSh). Its arguments are what the plan shows:
// the package manager chosen from the lockfile in deps ("npm", "yarn",
// "pnpm", "bun") and that manager's install arguments; "--omit=dev", "--production"
// or "--prod" ask for production dependencies only. SLIM_ENTRY is the
// entrypoint script, relative to /app. It works on the manifests the plan
// copied into /app (no sources yet) and, in order:
//
//  1. Lifecycle scripts of the app's own packages (the root package.json and
//     every workspace member's): npm, yarn and pnpm run their preinstall,
//     install, postinstall, prepublish and prepare scripts on install
//     (https://docs.npmjs.com/cli/using-npm/scripts#life-cycle-operation-order),
//     also with --omit=dev, where dev tooling such as `"prepare": "husky"`
//     is not installed (exit 127). They are removed from the builder's copy
//     of the manifests (the image gets the context's own package.json with
//     the sources); the sources are not there yet, so they could not do
//     their job anyway. Dependencies' install scripts (native addons) still
//     run. Each removed script is logged.
//
//  2. package.json "packageManager" (https://nodejs.org/api/corepack.html,
//     name@version[+sha512.hex]): its name must match the lockfile; the
//     declared version runs through corepack, which downloads it from the
//     npm registry (COREPACK_NPM_REGISTRY, set to npm's configured
//     registry). Corepack checks a +hash itself; without one it checks npm's
//     registry signatures with its keys (COREPACK_INTEGRITY_KEYS documents
//     custom keys). A registry that serves the version without signatures (a
//     mirror) fails corepack with "No compatible signature found": then the
//     version is pinned, in the builder's copy, to the sha512 the registry
//     publishes, which corepack checks the download against, and the log
//     says so and how to pin it in the project (`corepack use`). Yarn 2+
//     comes from @yarnpkg/cli-dist, whose bin/yarn.js corepack hashes and
//     never checks signatures for: it is pinned to the sha512 of that file
//     from a tarball `npm pack` checked against the registry.
//
//  3. Yarn 2+ (Berry, https://yarnpkg.com/configuration/yarnrc#nodeLinker):
//     only the node-modules (and pnpm) linkers give a node_modules the
//     image can run; Plug'n'Play, Yarn's default, fails with .yarnrc.yml
//     and the line to add. Production installs are `yarn workspaces focus
//     --production` in the entrypoint's workspace (Yarn 4 has it built in).
//
//  4. Workspaces: the production install holds the dependencies of the
//     entrypoint's member (the nearest package.json above it) and of the
//     workspace packages it uses, not the other members' nor the root's,
//     in place: links keep their relative targets, and workspace packages'
//     sources arrive with the sources. (`pnpm deploy` would copy workspace
//     packages at install time, before their sources exist.) pnpm
//     (https://pnpm.io/filtering): `pnpm install --frozen-lockfile --prod
//     --filter {./member}...`; npm
//     (https://docs.npmjs.com/cli/using-npm/workspaces): `npm ci
//     --omit=dev --workspace member`, when package.json has "workspaces";
//     Yarn 2+: `yarn workspaces focus --production` in the member (3.).
//
//  5. Cross installs (SLIM_TARGET_OS, _CPU, _LIBC set: the target's CPU is
//     not the build platform's, see crossTarget): the package manager is
//     told the target (npm --os/--cpu/--libc, Yarn 1 --ignore-platform,
//     Yarn 2+ and pnpm supportedArchitectures) so optional dependencies
//     with prebuilt addons are the target's, and runs no install script
//     (--ignore-scripts, YARN_ENABLE_SCRIPTS=false): they would run for
//     this machine. Then every package that makes its addon in an install
//     script (binding.gyp, node-gyp, prebuild-install, node-pre-gyp,
//     cmake-js) must ship prebuilds/<os>-<cpu>/*.node for the target
//     (prebuildify's layout, which node-gyp-build loads) or, in a glibc
//     cross build (SLIM_CROSS_CXX set), be one node-gyp builds from its
//     binding.gyp: those are compiled for the target in the addons stage
//     ("compile" mode below). The others fail the install in one error
//     naming them, at the deps line (cmake-js builds, scripts without a
//     binding.gyp, every package without a prebuild for a musl target).
//
// With "compile" first (the addons stage of a glibc cross build, see
// crossStages in cross.go) it compiles, in each package without a
// prebuild for the target, its addon with node-gyp rebuild --release
// --arch=<cpu> (node-pre-gyp rebuild --target_arch=<cpu> for node-pre-gyp
// packages) and the cross compilers the stage's CC/CXX/AR/LINK name, then
// checks that every ELF file the compile wrote is for the target
// (SLIM_TARGET_MACHINE) and that it wrote a .node; it logs the path each
// package took (prebuilt, compiled with which compiler) and fails naming
// each package whose compile failed or made code for another machine.
//
// With "run" first (run <pm> <script>) it runs the build script with the
// package manager step 2 picks, after the sources are copied, and puts the
// project's package.json back.
//
// Errors name the file, the key and what is valid; exit status 2 for those,
// the package manager's own status otherwise.
const installJS = `'use strict';
// slimfront: the dependency install in the builder. See presets/node/install.go.
const fs = require('fs'), path = require('path'), cp = require('child_process');
const app = process.cwd();
// "run <pm> <script>": the build script, with the declared package manager
const runMode = process.argv[2] === 'run';
const [pm, ...args] = process.argv.slice(runMode ? 3 : 2);
const prod = args.some((a) => a === '--omit=dev' || a === '--production' || a === '--prod');
const say = (m) => console.error('slimfront: ' + m);
const fail = (m) => { say('error: ' + m); process.exit(2); };
const lineOf = (text, needle) => text.slice(0, Math.max(0, text.indexOf(needle))).split('\n').length;
// cross install: for another CPU than this one (SLIM_TARGET_*, set by the
// plan when the target's CPU differs from the build platform's)
const target = process.env.SLIM_TARGET_CPU ? { os: process.env.SLIM_TARGET_OS || 'linux', cpu: process.env.SLIM_TARGET_CPU, libc: process.env.SLIM_TARGET_LIBC || 'glibc' } : null;
// crossCXX is the target's C++ compiler when this cross build compiles
// addons (SLIM_CROSS_CXX: a glibc target with a Debian cross toolchain,
// presets/node/cross.go), '' otherwise.
const crossCXX = process.env.SLIM_CROSS_CXX || '';
const targetName = () => target.os + '/' + (process.env.SLIM_TARGET_ARCH || target.cpu);
// "compile": the addons stage of a cross build (compileAddons)
if (process.argv[2] === 'compile') { compileAddons(); process.exit(0); }

// every package.json the plan copied (root and workspace members)
function manifests(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) manifests(p, out);
    else if (e.name === 'package.json') out.push(p);
  }
  return out;
}
const lifecycle = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
let root;
for (const f of runMode ? [path.join(app, 'package.json')] : manifests(app, [])) {
  const rel = path.relative(app, f);
  const text = fs.readFileSync(f, 'utf8');
  let pkg;
  try { pkg = JSON.parse(text); } catch (e) { fail(rel + ': not valid JSON: ' + e.message); }
  if (rel === 'package.json') root = { pkg, text };
  if (runMode) continue;
  const gone = lifecycle.filter((s) => pkg.scripts && typeof pkg.scripts[s] === 'string');
  if (gone.length === 0) continue;
  for (const s of gone) {
    say(rel + ': not running the app\'s own "' + s + '": "' + pkg.scripts[s] + '" during the dependency install (sources are not there yet; dev tools are not installed)');
    delete pkg.scripts[s];
  }
  fs.writeFileSync(f, JSON.stringify(pkg, null, 2) + '\n');
}
if (!root) fail('package.json: not found in the build context next to the lockfile');

// the workspace member the entrypoint belongs to: the nearest package.json above it
let member = '.';
for (let d = path.dirname(process.env.SLIM_ENTRY || 'index.js'); d !== '.' && d !== '/' && d !== ''; d = path.dirname(d)) {
  if (fs.existsSync(path.join(app, d, 'package.json'))) { member = d; break; }
}

// packageManager
const env = { ...process.env };
let useCorepack = pm === 'pnpm', major = 0, declared = root.pkg.packageManager;
if (declared !== undefined) {
  const m = typeof declared === 'string' && /^(npm|yarn|pnpm|bun)@(\d+)\.\d+\.\d+[^+]*(\+.*)?$/.exec(declared);
  const at = 'package.json:' + lineOf(root.text, '"packageManager"') + ': packageManager ' + JSON.stringify(declared);
  if (!m) fail(at + ': want name@x.y.z[+sha512.hash] with name npm, yarn, pnpm or bun (corepack use pnpm@10 writes it)');
  const lock = { npm: 'package-lock.json', yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml', bun: 'bun.lock' };
  if (m[1] !== pm) fail(at + ' but deps has ' + lock[pm] + ', ' + pm + '\'s lockfile: list ' + (lock[m[1]] || m[1] + '\'s lockfile') + ' in deps, or change packageManager to ' + pm);
  major = Number(m[2]);
  if (m[1] === 'yarn' && major >= 2) {
    const rc = path.join(app, '.yarnrc.yml');
    const text = fs.existsSync(rc) ? fs.readFileSync(rc, 'utf8') : '';
    const lm = /^nodeLinker:\s*["']?([\w-]+)/m.exec(text);
    const linker = env.YARN_NODE_LINKER || (lm ? lm[1] : 'pnp');
    if (linker !== 'node-modules' && linker !== 'pnpm') {
      const where = lm ? '.yarnrc.yml:' + lineOf(text, lm[0]) + ': nodeLinker: ' + linker : '.yarnrc.yml: no nodeLinker (Yarn ' + major + '\'s default is pnp)';
      fail(where + ': Plug\'n\'Play is not supported (the image runs plain node, without .pnp.cjs); valid: node-modules, pnpm. Add to .yarnrc.yml:\n  nodeLinker: node-modules\nand run yarn install to update yarn.lock');
    }
  }
  if (pm !== 'npm' && pm !== 'bun') {
    useCorepack = true;
    if (!m[3]) pinIfUnsigned(m[1], m[2], declared);
  }
}

// Bun is not in corepack: its binary comes from the npm registry's
// @oven/bun-linux-<cpu>[-musl] package (npm pack checks the tarball against
// the registry's sha512), the version packageManager declares, else
// SLIM_BUN_DEFAULT; cached per version in the bun-bin cache mount.
function bunBinary() {
  const version = declared ? String(declared).slice(4).split('+')[0] : process.env.SLIM_BUN_DEFAULT;
  const cpu = { x64: 'x64', arm64: 'aarch64' }[process.arch];
  if (!cpu) fail('bun.lock: Bun has no linux build for ' + process.arch + '; valid: x64, arm64');
  const pkgName = '@oven/bun-linux-' + cpu + (fs.existsSync('/etc/alpine-release') ? '-musl' : '');
  const dir = path.join('/root/.cache/slimfront-bun', pkgName.replace('/', '+') + '@' + version);
  const bin = path.join(dir, 'package/bin/bun');
  if (!fs.existsSync(bin)) {
    // unpacked beside, then renamed into place: the production and the dev
    // install share the cache and may run at once
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(dir + '.tmp-');
    let tgz;
    try {
      tgz = cp.execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp, pkgName + '@' + version], { encoding: 'utf8' }).trim().split('\n').pop();
    } catch (e) {
      fail('package.json: packageManager bun@' + version + ': npm pack ' + pkgName + '@' + version + ' failed: is it a released Bun version?');
    }
    cp.execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp]);
    fs.rmSync(path.join(tmp, tgz));
    try { fs.renameSync(tmp, dir); } catch (e) { fs.rmSync(tmp, { recursive: true, force: true }); } // the other install was first
  }
  say('Bun ' + version + ': ' + pkgName + ' from the npm registry, checked against its sha512 when downloaded (cached in ' + path.dirname(dir) + ')' + (declared ? '' : '; package.json declares no packageManager: pin one with "packageManager": "bun@' + version + '"'));
  return bin;
}
if (useCorepack && !env.COREPACK_NPM_REGISTRY) {
  env.COREPACK_NPM_REGISTRY = (cp.execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim() || 'https://registry.npmjs.org').replace(/\/+$/, '');
}

// pinIfUnsigned: corepack checks registry signatures when packageManager has
// no hash; a registry without them gets the version pinned to its sha512.
function pinIfUnsigned(name, majorStr, spec) {
  const version = spec.slice(name.length + 1);
  const pkgName = name === 'yarn' && Number(majorStr) >= 2 ? '@yarnpkg/cli-dist' : name;
  let dist;
  try {
    dist = JSON.parse(cp.execFileSync('npm', ['view', pkgName + '@' + version, 'dist', '--json'], { encoding: 'utf8' }));
  } catch (e) {
    fail('package.json: packageManager ' + JSON.stringify(spec) + ': npm view ' + pkgName + '@' + version + ' failed: is it a released version?');
  }
  if (!dist.integrity || !dist.integrity.startsWith('sha512-')) fail('the registry serves ' + pkgName + '@' + version + ' without a sha512 integrity: pin it in package.json with corepack use ' + spec);
  let hex;
  if (pkgName === '@yarnpkg/cli-dist') {
    // corepack takes Yarn 2+ from this package's bin/yarn.js, hashes that file,
    // and checks no signature: pin the file of a tarball npm checked
    const tmp = fs.mkdtempSync('/tmp/slimfront-pm-');
    const tgz = cp.execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp, pkgName + '@' + version], { encoding: 'utf8' }).trim().split('\n').pop();
    cp.execFileSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp, 'package/bin/yarn.js']);
    hex = require('crypto').createHash('sha512').update(fs.readFileSync(path.join(tmp, 'package/bin/yarn.js'))).digest('hex');
    fs.rmSync(tmp, { recursive: true, force: true });
    say(pkgName + '@' + version + ' (Yarn ' + version + '): corepack checks no signature for it; pinned to the sha512 of bin/yarn.js from the tarball npm checked against the registry. To pin it in the project: corepack use ' + spec);
  } else {
    if (Array.isArray(dist.signatures) && dist.signatures.length) return; // corepack verifies them with its npm keys
    hex = Buffer.from(dist.integrity.slice(7), 'base64').toString('hex');
    say('the registry serves ' + pkgName + '@' + version + ' without npm signatures (a mirror?), which corepack needs to check a packageManager without a hash: checking the download against the registry\'s sha512 instead. To pin it in the project: corepack use ' + spec);
  }
  root.pkg.packageManager = spec + '+sha512.' + hex;
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(root.pkg, null, 2) + '\n');
}

function run(argv, cwd) {
  console.error('slimfront: ' + (cwd && cwd !== app ? '(in ' + path.relative(app, cwd) + ') ' : '') + argv.join(' '));
  const r = cp.spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', env, cwd: cwd || app });
  if (r.error) fail(argv[0] + ': ' + r.error.message);
  if (r.status !== 0) process.exit(r.status || 1);
}

const via = (argv) => (useCorepack ? ['corepack', ...argv] : argv);
if (runMode) {
  const original = root.text;
  process.on('exit', () => fs.writeFileSync(path.join(app, 'package.json'), original)); // the project's own, for the image
  if (pm === 'bun') {
    const bun = bunBinary();
    env.PATH = path.dirname(bun) + ':' + env.PATH; // scripts that call bun by name
    run([bun, 'run', ...args]);
    process.exit(0);
  }
  if (useCorepack) {
    // scripts that call the package manager by name (pnpm -r build) find corepack's shim
    const bin = fs.mkdtempSync('/tmp/slimfront-bin-');
    cp.execFileSync('corepack', ['enable', '--install-directory', bin, pm], { env });
    env.PATH = bin + ':' + env.PATH;
  }
  run(via([pm, 'run', ...args]));
  process.exit(0);
}
if (target && pm === 'bun') {
  fail('bun.lock: installing for ' + target.os + '/' + target.cpu + ' on ' + process.platform + '/' + process.arch + ' is not supported with Bun yet (slimfront tells npm, Yarn and pnpm the target); valid: a --platform with this machine\'s CPU, or npm/yarn/pnpm');
}
if (target) {
  const name = target.os + '/' + target.cpu + ' (' + target.libc + ')';
  say('installing for ' + name + ' on ' + process.platform + '/' + process.arch + ': optional dependencies for the target, no install script runs (it would run for this machine)');
  const supported = { os: [target.os], cpu: [target.cpu], libc: [target.libc] };
  if (pm === 'npm') args.push('--os=' + target.os, '--cpu=' + target.cpu, '--libc=' + target.libc, '--ignore-scripts');
  else if (pm === 'yarn' && major < 2) args.push('--ignore-platform', '--ignore-scripts');
  else if (pm === 'yarn') {
    const rc = path.join(app, '.yarnrc.yml');
    fs.appendFileSync(rc, '\nsupportedArchitectures:\n  os: [' + target.os + ']\n  cpu: [' + target.cpu + ']\n  libc: [' + target.libc + ']\n');
    env.YARN_ENABLE_SCRIPTS = 'false';
  } else if (pm === 'pnpm') {
    root.pkg.pnpm = { ...(root.pkg.pnpm || {}), supportedArchitectures: supported };
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify(root.pkg, null, 2) + '\n');
    args.push('--ignore-scripts');
  }
}

// installed packages: every package dir under the node_modules of the root
// and of the workspace members (pnpm's .pnpm store entries included;
// symlinks are not followed, their targets are listed where they are)
function installed(dir, out) {
  let ents;
  try { ents = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { return out; }
  for (const e of ents) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    if (e.name === '.pnpm') {
      for (const x of fs.readdirSync(p, { withFileTypes: true })) if (x.isDirectory()) installed(path.join(p, x.name, 'node_modules'), out);
    } else if (e.name.startsWith('@')) {
      installed(p, out);
    } else if (!e.name.startsWith('.')) {
      if (fs.existsSync(path.join(p, 'package.json'))) out.push(p);
      installed(path.join(p, 'node_modules'), out);
    }
  }
  return out;
}

// dropOtherLibc removes the prebuilds that prebuildify's file name tags with
// the other C library (bcrypt.musl.node for a glibc target): node-gyp-build
// never loads them there (its matchTags), and some carry no sign of their
// libc an ELF reader could use (a musl cross build needing plain libc.so).
function dropOtherLibc(dir, id) {
  const pre = path.join(dir, 'prebuilds');
  if (!fs.existsSync(pre)) return;
  const other = target.libc === 'musl' ? 'glibc' : 'musl';
  const gone = [];
  for (const sub of fs.readdirSync(pre, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(pre, sub.name))) {
      if (f.endsWith('.node') && f.split('.').includes(other)) {
        fs.rmSync(path.join(pre, sub.name, f));
        gone.push(sub.name + '/' + f);
      }
    }
  }
  if (gone.length) say(id + ': left out the ' + other + ' prebuilds (the target uses ' + target.libc + '): ' + gone.join(', '));
}

// nativePackages lists, after a cross install, every installed package that
// makes its addon in an install script (a binding.gyp, which npm builds
// with node-gyp rebuild, or a preinstall/install/postinstall calling
// node-gyp, prebuild-install, node-pre-gyp or cmake-js), each as { dir, id,
// why, prebuilt, method }: prebuilt when it ships one for the target in
// prebuilds/<os>-<cpu>/ (prebuildify's layout, which node-gyp-build loads
// at run time; musl builds carry a "musl" tag); method is how compileAddons
// builds it for the target, '' when it cannot: "node-gyp" for a
// binding.gyp built by node-gyp (no install script, npm's default
// node-gyp rebuild, or one calling node-gyp or prebuild-install, whose
// fallback is node-gyp), "node-pre-gyp" for one built by node-pre-gyp (its
// package.json "binary" names where the addon goes); cmake-js builds and
// scripts without a binding.gyp are not cross-compiled. skipped collects
// the names of packages whose install scripts were not run. A package
// installed in several places is listed once per place.
function nativePackages(skipped) {
  const dirs = new Set([path.join(app, 'node_modules')]);
  for (const f of manifests(app, [])) dirs.add(path.join(path.dirname(f), 'node_modules'));
  const out = [];
  for (const d of dirs) for (const p of installed(d, [])) {
    let pkg;
    try { pkg = JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')); } catch (e) { continue; }
    const id = pkg.name + '@' + pkg.version;
    dropOtherLibc(p, id);
    const scripts = pkg.scripts || {};
    const hooks = ['preinstall', 'install', 'postinstall'].filter((h) => typeof scripts[h] === 'string');
    let why = '', script = '';
    for (const h of hooks) {
      if (skipped) skipped.add(pkg.name);
      if (/node-gyp|prebuild-install|node-pre-gyp|cmake-js/.test(scripts[h])) { why = '"' + h + '": "' + scripts[h] + '"'; script = scripts[h]; }
    }
    const gyp = fs.existsSync(path.join(p, 'binding.gyp'));
    if (!why && gyp && !scripts.install && !scripts.preinstall) { why = 'binding.gyp (npm runs node-gyp rebuild)'; script = 'node-gyp rebuild'; }
    if (!why) continue;
    let prebuilt = false;
    const pre = path.join(p, 'prebuilds');
    for (const sub of fs.existsSync(pre) ? fs.readdirSync(pre) : []) {
      if (sub !== target.os + '-' + target.cpu && !sub.startsWith(target.os + '-' + target.cpu + '+')) continue;
      for (const f of fs.readdirSync(path.join(pre, sub))) {
        if (f.endsWith('.node') && f.split('.').includes('musl') === (target.libc === 'musl')) prebuilt = true;
      }
    }
    let method = '';
    if (gyp && !/cmake-js/.test(script)) {
      if (/node-pre-gyp/.test(script) && pkg.binary && pkg.binary.module_path) method = 'node-pre-gyp';
      else if (/node-gyp|prebuild-install/.test(script)) method = 'node-gyp';
    }
    out.push({ dir: p, id, why, prebuilt, method });
  }
  return out;
}

// checkTarget: after a cross install, every package of nativePackages must
// have a prebuilt addon for the target or, when this build cross-compiles
// (crossCXX), a method compileAddons builds it with (it does so in the
// next stage); the others are named in one error.
function checkTarget() {
  const skipped = new Set(), seen = new Set(), missing = [], later = [];
  for (const n of nativePackages(skipped)) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (n.prebuilt) say(n.id + ': prebuilt addon for the target in prebuilds/ (' + n.why + ' not run)');
    else if (crossCXX && n.method) later.push(n.id);
    else missing.push(n.id + ' (' + n.why + (crossCXX ? (n.why.includes('cmake-js') ? '; cmake-js builds are not cross-compiled' : '; no binding.gyp that node-gyp builds') : '') + ')');
  }
  if (skipped.size) say('install scripts not run (cross install): ' + [...skipped].sort().join(', '));
  if (later.length) say('no prebuilt addon for ' + targetName() + ' in ' + later.join(', ') + ': compiled for it with ' + crossCXX + ' in the next step (addons stage)');
  if (missing.length) {
    const t = target.os + '/' + target.cpu + ' (' + target.libc + ')';
    fail('deps: no prebuilt native addon for ' + t + ' in: ' + missing.join('; ') + '. ' +
      (missing.length === 1 ? 'It makes its addon' : 'They make their addons') + ' in an install script, which here would run on ' + process.platform + '/' + process.arch +
      ' and give an addon for ' + process.platform + '/' + process.arch + '; slimfront runs nothing built for the target (no emulation)' +
      (crossCXX ? ' and cross-compiles only addons built by node-gyp from a binding.gyp (directly, or as the fallback of prebuild-install or node-pre-gyp)' : target.libc === 'musl' ? ' and cross-compiles addons for glibc targets only (distroless, scratch), not musl (alpine)' :
        process.env.SLIM_CROSS_NONE ? ', and ' + process.env.SLIM_CROSS_NONE + ': is it up to date (npm install --package-lock-only rewrites it)?' : '') + '. ' +
      'Valid: a release that ships prebuilds/' + target.os + '-' + target.cpu + ' (prebuildify, loaded by node-gyp-build)' + (target.libc === 'musl' ? ', preset = "distroless" or "scratch" (glibc, where node-gyp addons are cross-compiled)' : '') + ', a builder whose platform is ' + t + ', or --platform without ' + targetName());
  }
}

// elfMachine returns the ELF e_machine of file f (62 x86-64, 183 aarch64;
// the ELF header's bytes 18-19, in the byte order byte 5 names), or -1 when
// f is not an ELF file.
function elfMachine(f) {
  const h = Buffer.alloc(20);
  let fd;
  try { fd = fs.openSync(f, 'r'); } catch (e) { return -1; }
  try {
    if (fs.readSync(fd, h, 0, 20, 0) < 20 || h.readUInt32BE(0) !== 0x7f454c46) return -1;
    return h[5] === 2 ? h.readUInt16BE(18) : h.readUInt16LE(18);
  } finally { fs.closeSync(fd); }
}

// filesOf maps every regular file under dir (nested node_modules left out:
// other packages) to its size and mtime.
function filesOf(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') filesOf(p, out);
    else if (e.isFile()) { const st = fs.statSync(p); out.set(p, st.size + ':' + st.mtimeMs); }
  }
  return out;
}

// compileAddons ("compile" mode, the addons stage of a glibc cross build):
// builds for the target every package of nativePackages without a
// prebuild, in its directory: node-gyp rebuild --release --arch=<cpu>
// (node-gyp's --arch: "Set the target architecture"), or node-pre-gyp
// rebuild --target_arch=<cpu> --target_platform --target_libc, with the
// stage's CC/CXX/AR/LINK (the target's cross compilers) and node's headers
// from npm_config_nodedir. Every ELF file a compile writes or changes must
// be for the target (SLIM_TARGET_MACHINE) and at least one .node must be
// written; the packages that fail either are named in one error (exit 2).
// Each package's path is logged.
function compileAddons() {
  if (!target || !crossCXX) fail('compile: not a cross build with a cross compiler (SLIM_TARGET_CPU, SLIM_CROSS_CXX unset)');
  const machine = Number(process.env.SLIM_TARGET_MACHINE);
  const names = { 62: 'x86-64', 183: 'aarch64', 3: 'i386', 40: 'arm', 21: 'ppc64', 22: 's390x', 243: 'riscv64' };
  const mname = (m) => names[m] || 'machine ' + m;
  const failed = [], done = new Set();
  const all = nativePackages(null);
  for (const n of all) if (n.prebuilt && !done.has(n.id)) { done.add(n.id); say(n.id + ': prebuilt addon for ' + targetName() + ' (prebuilds/linux-' + target.cpu + '), not compiled'); }
  const todo = all.filter((n) => !n.prebuilt);
  if (!todo.length) { say('no native addon to compile for ' + targetName()); return; }
  // the cross compilers are installed only now that an addon needs them
  const apt = (process.env.SLIM_CROSS_APT || '').split(' ').filter(Boolean);
  if (apt.length && todo.some((n) => n.method)) {
    say('installing ' + apt.join(' ') + ' to compile ' + todo.filter((n) => n.method).map((n) => n.id).join(', '));
    const r = cp.spawnSync('sh', ['-c', 'set -e; rm -f /etc/apt/apt.conf.d/docker-clean; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"', 'apt', ...apt], { stdio: 'inherit' });
    if (r.status !== 0) fail('compile: installing the cross compilers (' + apt.join(' ') + ') failed');
  }
  for (const n of todo) {
    const rel = path.relative(app, n.dir);
    if (!n.method) { failed.push(n.id + ' (' + rel + '): ' + n.why + ' cannot be cross-compiled'); continue; }
    let argv, how;
    if (n.method === 'node-gyp') {
      argv = [process.execPath, process.env.npm_config_node_gyp, 'rebuild', '--release', '--arch=' + target.cpu];
      how = 'node-gyp --arch=' + target.cpu;
    } else {
      let bin;
      for (const m of ['@mapbox/node-pre-gyp/bin/node-pre-gyp', 'node-pre-gyp/bin/node-pre-gyp']) {
        try { bin = require.resolve(m, { paths: [n.dir] }); break; } catch (e) { /* next */ }
      }
      if (!bin) { failed.push(n.id + ' (' + rel + '): ' + n.why + ' but node-pre-gyp is not installed beside it'); continue; }
      argv = [process.execPath, bin, 'rebuild', '--target_arch=' + target.cpu, '--target_platform=' + target.os, '--target_libc=' + target.libc];
      how = 'node-pre-gyp --target_arch=' + target.cpu;
    }
    const before = filesOf(n.dir, new Map());
    say(n.id + ': compiling for ' + targetName() + ' with ' + crossCXX + ' (' + how + ') in ' + rel);
    const r = cp.spawnSync(argv[0], argv.slice(1), { stdio: 'inherit', cwd: n.dir });
    if (r.error || r.status !== 0) { failed.push(n.id + ' (' + rel + '): ' + how + ' failed' + (r.error ? ': ' + r.error.message : ' (exit ' + r.status + ', its log is above)')); continue; }
    const built = [], wrong = [];
    for (const [f, sig] of filesOf(n.dir, new Map())) {
      if (before.get(f) === sig) continue;
      const m = elfMachine(f);
      if (m < 0) continue;
      if (m !== machine) wrong.push(path.relative(n.dir, f) + ' (' + mname(m) + ')');
      else if (f.endsWith('.node')) built.push(path.relative(n.dir, f));
    }
    if (wrong.length) failed.push(n.id + ' (' + rel + '): ' + how + ' wrote ELF files for another machine than ' + mname(machine) + ': ' + wrong.join(', '));
    else if (!built.length) failed.push(n.id + ' (' + rel + '): ' + how + ' succeeded but wrote no ' + mname(machine) + ' .node file');
    else say(n.id + ': compiled for ' + targetName() + ' with ' + crossCXX + ' (' + how + '): ' + (built.filter((f) => !f.includes('obj.target/')).join(', ') || built.join(', ')));
  }
  if (failed.length) {
    fail('deps: cross-compiling native addons for ' + targetName() + ' (' + target.libc + ') with ' + crossCXX + ' failed for: ' + failed.join('; ') +
      '. Valid: a release that ships prebuilds/' + target.os + '-' + target.cpu + ' (prebuildify), [build] env that the addon\'s build needs for a cross compile, a builder whose platform is ' + targetName() + ', or --platform without ' + targetName());
  }
}

switch (pm) {
  case 'npm':
    // a workspace member: its production dependencies and those of the
    // workspace packages it uses, not the other members' (--workspace)
    run(['npm', ...args, ...(prod && member !== '.' && root.pkg.workspaces ? ['--workspace', member] : [])]);
    break;
  case 'yarn':
    if (major >= 2) {
      Object.assign(env, { YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_GLOBAL_CACHE: 'true', YARN_GLOBAL_FOLDER: '/root/.yarn/berry', YARN_ENABLE_IMMUTABLE_INSTALLS: 'true', YARN_ENABLE_PROGRESS_BARS: 'false' });
      if (prod) run(via(['yarn', 'workspaces', 'focus', '--production']), path.join(app, member));
      else run(via(['yarn', 'install', '--immutable']));
    } else {
      run(via(['yarn', ...args]));
    }
    break;
  case 'pnpm': {
    const filter = prod && member !== '.' ? ['--filter', '{./' + member + '}...'] : [];
    run(via(['pnpm', ...args, ...filter]));
    break;
  }
  case 'bun':
    // a plain node_modules (Bun's default hoisted linker); Bun runs the
    // root's own lifecycle scripts (removed above) and dependencies'
    // only when trustedDependencies lists them, as on a developer's machine
    run([bunBinary(), ...args]);
    break;
  default:
    fail('unknown package manager ' + pm);
}
if (target) checkTarget();
`
