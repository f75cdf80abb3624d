// Package mcpserver holds the astrotask-mcp server; see server and cmd.
package mcpserver
