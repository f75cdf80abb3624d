package taskstore

import "github.com/astrotask/astrotask-go/lockcore/locktest"

// tempDir is tb.TempDir for a directory that may come to hold a lock file
// this process keeps open, removable under Wine too.
var tempDir = locktest.TempDir
