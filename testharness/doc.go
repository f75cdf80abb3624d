// Package testharness proves the lock with real competing processes.
package testharness
