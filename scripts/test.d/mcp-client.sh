# Sourced by scripts/test.sh from the repository root before the Go tests:
# installs the pinned TypeScript MCP SDK that mcpserver's independent client
# test (TestTypeScriptClient) runs against the built astrotask-mcp.
npm ci --prefix mcpserver/testdata/tsclient --no-audit --no-fund
