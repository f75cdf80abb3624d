// Package lockcore is the cooperative cross-process lock on an Astrotask
// database.
package lockcore
