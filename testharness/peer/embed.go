// Package peer holds the Node worker that drives the reference TypeScript
// lock (DatabaseLock from @astrotask/core 0.4.0) for lockbench --peer, and
// the npm manifest that pins it.
package peer

import _ "embed"

// Worker is worker.mjs: run with node from a directory where
// @astrotask/core is installed (npm install with PackageJSON and
// PackageLock; @libsql/client is listed because the package's database
// module imports it without declaring it).
//
//go:embed worker.mjs
var Worker []byte

// PackageJSON is the npm manifest pinning @astrotask/core 0.4.0 and the
// @libsql/client it needs.
//
//go:embed package.json
var PackageJSON []byte

// PackageLock is the npm lockfile for PackageJSON.
//
//go:embed package-lock.json
var PackageLock []byte
