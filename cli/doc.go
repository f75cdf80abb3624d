// Package cli holds the astro command-line application; see app and cmd.
package cli
