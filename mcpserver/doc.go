// Package mcpserver is the root of the astrotask-mcp module: the MCP server
// that shares the Astrotask task database with the astro CLI. The server
// itself is in package internal/server, the command line in package
// internal/app, and the binary in cmd/astrotask-mcp.
package mcpserver
